"""Two users: nobody reaches another user's tree, and trying changes nothing."""

from __future__ import annotations

import uuid

import pytest
import requests

from conftest import TIMEOUT, assert_error, sha256_hex


@pytest.fixture
def alice_and_bob(user):
    a = user(fullname="Alice")
    b = user(fullname="Bob")
    folder = a.mkdir("Private")
    sub = a.mkdir("Inner", folder["id"])
    secret = b"alice's secret " + uuid.uuid4().bytes
    f = a.upload("secret.txt", secret, folder["id"])
    b_folder = b.mkdir("BobStuff")
    b_file = b.upload("bob.txt", b"bob's file")
    return a, b, {"folder": folder, "sub": sub, "file": f, "secret": secret, "b_folder": b_folder, "b_file": b_file}


def snapshot(u):
    """Everything observable about a user's tree: nodes (with etags) and contents."""
    nodes = u.walk()
    contents = {}
    for n in nodes:
        if not n["is_folder"]:
            r = u.session.get(u.url(f"files/{n['id']}/content"), timeout=TIMEOUT)
            assert r.status_code == 200
            contents[n["id"]] = r.content
    return sorted(nodes, key=lambda n: n["id"]), contents


def test_other_users_id_is_forbidden(alice_and_bob):
    a, b, t = alice_and_bob
    before = snapshot(a)
    fid, dir_id = t["file"]["id"], t["folder"]["id"]
    octet = {"Content-Type": "application/octet-stream"}
    calls = [
        ("GET", "files/", {}),
        ("GET", "files/", {"params": {"parent_id": dir_id}}),
        ("POST", "files/", {"params": {"name": "intruder.txt"}, "data": b"x", "headers": octet}),
        ("POST", "files/", {"files": {"file": ("intruder.txt", b"x")}}),
        ("GET", f"files/{fid}", {}),
        ("HEAD", f"files/{fid}", {}),
        ("GET", f"files/{fid}/content", {}),
        ("HEAD", f"files/{fid}/content", {}),
        ("PUT", f"files/{fid}", {"json": {"name": "pwned.txt"}}),
        ("PUT", f"files/{fid}", {"json": {"parent_id": None}}),
        ("PUT", f"files/{fid}", {"data": b"overwritten", "headers": octet}),
        ("DELETE", f"files/{fid}", {}),
        ("POST", "folders/", {"json": {"name": "intruder", "parent_id": None}}),
        ("POST", "folders/", {"json": {"name": "intruder", "parent_id": dir_id}}),
        ("GET", f"folders/{dir_id}", {}),
        ("PUT", f"folders/{dir_id}", {"json": {"name": "pwned"}}),
        ("DELETE", f"folders/{dir_id}", {}),
        ("DELETE", f"files/{dir_id}", {}),
    ]
    for method, path, kw in calls:
        r = b.session.request(method, a.url(path), timeout=TIMEOUT, **kw)
        assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
        if method != "HEAD":
            assert_error(r, 403, "forbidden")
    # Forbidden whatever exists there: an unknown user id, and an unknown node under another id.
    for other in (str(uuid.uuid4()), a.id):
        r = b.session.get(b.server.url(f"/api/v1/user/{other}/files/{uuid.uuid4()}"), timeout=TIMEOUT)
        assert_error(r, 403, "forbidden")
    assert snapshot(a) == before


def test_other_users_nodes_are_not_found(alice_and_bob):
    a, b, t = alice_and_bob
    before_a = snapshot(a)
    before_b = snapshot(b)
    fid, dir_id, sub_id = t["file"]["id"], t["folder"]["id"], t["sub"]["id"]
    b_file, b_folder = t["b_file"]["id"], t["b_folder"]["id"]
    octet = {"Content-Type": "application/octet-stream"}
    calls = [
        ("GET", f"files/{fid}", {}),
        ("GET", f"files/{dir_id}", {}),
        ("GET", f"files/{fid}/content", {}),
        ("GET", f"files/{fid}/content", {"headers": {"Range": "bytes=0-3"}}),
        ("PUT", f"files/{fid}", {"json": {"name": "pwned.txt"}}),
        ("PUT", f"files/{fid}", {"json": {"parent_id": None}}),
        ("PUT", f"files/{fid}", {"data": b"overwritten", "headers": octet}),
        ("DELETE", f"files/{fid}", {}),
        ("GET", f"folders/{dir_id}", {}),
        ("PUT", f"folders/{dir_id}", {"json": {"name": "pwned"}}),
        ("DELETE", f"folders/{dir_id}", {}),
        ("DELETE", f"files/{sub_id}", {}),
        # A's folder as parent of B's things.
        ("GET", "files/", {"params": {"parent_id": dir_id}}),
        ("POST", "files/", {"params": {"name": "planted.txt", "parent_id": dir_id}, "data": b"x", "headers": octet}),
        ("POST", "files/", {"data": {"parent_id": dir_id}, "files": {"file": ("planted.txt", b"x")}}),
        ("POST", "folders/", {"json": {"name": "planted", "parent_id": dir_id}}),
        # Moving B's nodes into A's folder.
        ("PUT", f"files/{b_file}", {"json": {"parent_id": dir_id}}),
        ("PUT", f"folders/{b_folder}", {"json": {"parent_id": sub_id}}),
        ("PUT", f"files/{b_folder}", {"json": {"parent_id": dir_id}}),
    ]
    for method, path, kw in calls:
        r = b.session.request(method, b.url(path), timeout=TIMEOUT, **kw)
        assert_error(r, 404, "not_found")
        assert t["secret"] not in r.content
        assert a.id not in r.text, (method, path, r.text[:300])
    r = b.session.head(b.url(f"files/{fid}/content"), timeout=TIMEOUT)
    assert r.status_code == 404
    # Nothing changed on either side.
    assert snapshot(a) == before_a
    assert snapshot(b) == before_b


def test_same_content_stays_private(alice_and_bob):
    """Deduplicated storage must not let B read or delete A's copy of the same bytes."""
    a, b, t = alice_and_bob
    copy = b.upload("copy.txt", t["secret"])
    assert copy["sha256"] == sha256_hex(t["secret"])
    assert copy["creator"] == b.id
    r = b.session.delete(b.url(f"files/{copy['id']}"), timeout=TIMEOUT)
    assert r.status_code == 204
    r = a.session.get(a.url(f"files/{t['file']['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == t["secret"]
    assert a.server.blob_path(copy["sha256"]).exists()
    # Listings never mix users.
    assert {n["id"] for n in b.walk()} == {t["b_file"]["id"], t["b_folder"]["id"]}
    assert all(n["creator"] == a.id for n in a.walk())


def test_me_is_per_token(alice_and_bob):
    a, b, t = alice_and_bob
    ra = a.session.get(a.api("/auth/me"), timeout=TIMEOUT).json()
    rb = b.session.get(b.api("/auth/me"), timeout=TIMEOUT).json()
    assert ra["id"] == a.id and ra["fullname"] == "Alice" and ra["email"] == a.email
    assert rb["id"] == b.id and rb["fullname"] == "Bob"
    assert ra["used_bytes"] == len(t["secret"])
    assert rb["used_bytes"] == len(b"bob's file")
