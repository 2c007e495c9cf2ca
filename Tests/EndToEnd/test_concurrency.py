"""Many uploads at once, from several users; deduplication of identical content."""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import TIMEOUT, sha256_hex, wait_until


def parallel_uploads(u, files: dict, workers: int, parent_id=None, **params):
    """Uploads {name: bytes} from `workers` threads (one session each); returns {name: response}."""
    local = threading.local()

    def one(item):
        name, data = item
        if not hasattr(local, "session"):
            local.session = u.new_session()
        return name, u.upload_raw(name, data, parent_id=parent_id, session=local.session, **params)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(one, files.items()))


@pytest.mark.timeout(600)
def test_parallel_uploads_two_users(user):
    a = user()
    b = user()
    folder = a.mkdir("many")
    files_a = {f"file-{i:03d}.bin": os.urandom(1000 + i * 37) + i.to_bytes(4, "big") for i in range(200)}
    files_b = {f"b-{i:02d}.txt": f"user b file {i} {uuid.uuid4()}".encode() * 50 for i in range(40)}

    results_b = {}
    tb = threading.Thread(target=lambda: results_b.update(parallel_uploads(b, files_b, workers=2)))
    tb.start()
    results_a = parallel_uploads(a, files_a, workers=8, parent_id=folder["id"])
    tb.join(300)
    assert not tb.is_alive()

    for results in (results_a, results_b):
        bad = {n: (r.status_code, r.text[:200]) for n, r in results.items() if r.status_code != 201}
        assert not bad, bad

    listed = a.list_all(folder["id"])
    assert len(listed) == 200
    assert {n["name"]: n["sha256"] for n in listed} == {n: sha256_hex(d) for n, d in files_a.items()}
    assert {n["name"]: n["size"] for n in listed} == {n: len(d) for n, d in files_a.items()}
    assert len({n["id"] for n in listed}) == 200
    # Paging over what was written concurrently.
    paged = a.list_all(folder["id"], limit=7)
    assert [n["id"] for n in paged] == [n["id"] for n in listed]
    assert a.get_node(folder["id"]).json()["size"] == sum(len(d) for d in files_a.values())

    listed_b = b.list_all()
    assert {n["name"]: n["sha256"] for n in listed_b} == {n: sha256_hex(d) for n, d in files_b.items()}
    # Spot-check contents.
    for node in listed[::40]:
        r = a.session.get(a.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == files_a[node["name"]]


def test_identical_content_is_stored_once(user, module_server):
    u = user()
    data = b"the same bytes " + uuid.uuid4().bytes
    sha = sha256_hex(data)
    one = u.upload("one.txt", data)
    two = u.upload("two.txt", data)
    assert one["sha256"] == two["sha256"] == sha
    assert one["id"] != two["id"]
    matches = [p for p in module_server.blob_files() if p.name == sha]
    assert matches == [module_server.blob_path(sha)]
    assert matches[0].read_bytes() == data

    # Deleting one copy keeps the content for the other; deleting both for good frees it.
    assert u.session.delete(u.url(f"files/{one['id']}"), params={"permanent": "true"}, timeout=TIMEOUT).status_code == 204
    assert module_server.blob_path(sha).exists()
    r = u.session.get(u.url(f"files/{two['id']}/content"), timeout=TIMEOUT)
    assert r.content == data
    assert u.session.delete(u.url(f"files/{two['id']}"), params={"permanent": "true"}, timeout=TIMEOUT).status_code == 204
    assert wait_until(lambda: not module_server.blob_path(sha).exists()), "collected after the (zero) grace period"


def test_identical_content_in_parallel(user, module_server):
    u = user()
    data = os.urandom(300_000)
    sha = sha256_hex(data)
    results = parallel_uploads(u, {f"copy-{i:02d}.bin": data for i in range(24)}, workers=8)
    assert all(r.status_code == 201 for r in results.values()), {n: r.status_code for n, r in results.items()}
    assert {r.json()["sha256"] for r in results.values()} == {sha}
    assert [p for p in module_server.blob_files() if p.name == sha] == [module_server.blob_path(sha)]
    assert len(u.list_all()) == 24
    assert module_server.tmp_files() == []


def test_same_name_in_parallel(user):
    u = user()
    # Without on_conflict exactly one wins, the others get 409.
    results = parallel_uploads(u, {f"slot-{i}": f"content {i}".encode() for i in range(16)}, workers=8)
    assert all(r.status_code == 201 for r in results.values())

    local = threading.local()

    def same_name(i, **params):
        if not hasattr(local, "session"):
            local.session = u.new_session()
        return u.upload_raw("race.txt", f"racer {i}".encode(), session=local.session, **params)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(r.status_code for r in pool.map(same_name, range(16)))
    assert codes == [201] + [409] * 15, codes

    # With on_conflict=rename every one gets a name of its own.
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda i: same_name(i, on_conflict="rename"), range(16)))
    assert all(r.status_code == 201 for r in responses), [(r.status_code, r.text[:100]) for r in responses]
    names = {r.json()["name"] for r in responses}
    assert names == {f"race ({n}).txt" for n in range(1, 17)}, names
    listed = [n["name"] for n in u.list_all()]
    assert len(listed) == len(set(listed)) == 16 + 1 + 16


def test_parallel_registration_of_one_email(module_server):
    from conftest import register, unique_email

    email = unique_email()
    variants = [email, email.upper(), f" {email} "] * 3
    with ThreadPoolExecutor(max_workers=len(variants)) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda e: register(module_server, e), variants))
    assert codes == [201] + [409] * (len(variants) - 1), codes


def test_crossing_folder_moves_never_make_a_cycle(user):
    """Moving A into B and B into A at the same moment: at most one wins, and the tree stays a tree."""
    u = user()
    for round_ in range(10):
        a = u.mkdir(f"a{round_}")
        b = u.mkdir(f"b{round_}")
        sessions = [u.new_session(), u.new_session()]
        barrier = threading.Barrier(2)

        def move(args):
            session, node, target = args
            barrier.wait()
            return session.put(u.url(f"folders/{node['id']}"), json={"parent_id": target["id"]}, timeout=TIMEOUT)

        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = sorted(r.status_code for r in pool.map(move, [(sessions[0], a, b), (sessions[1], b, a)]))
        assert codes in ([200, 409], [409, 409]), codes
    # Every folder is still reachable from the root (a cycle would cut it off).
    reachable = {n["id"] for n in u.walk()}
    assert len(reachable) == 20
    for node in u.walk():
        assert node["path"].count("/") <= 2, node["path"]
