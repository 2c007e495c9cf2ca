"""Resumable uploads: tus 1.0.0 at /api/v1/user/<id>/uploads/ (issue 14, server side), driven by the
real Python tus client (PyPI `tuspy`) and by raw HTTP for every status of the protocol: wrong offsets,
checksums, terminated, foreign and expired uploads, limits at creation, a connection cut mid-PATCH, a
server stopped or killed mid-upload, and instant upload of content the caller already stores."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import time

import pytest
import requests

from conftest import API, MiB, TIMEOUT, Server, User, assert_error, files_under, new_user, wait_until

TUS = {"Tus-Resumable": "1.0.0"}


def metadata(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" if v else k for k, v in values.items())


def uploads_url(user: User, upload_id: str = "") -> str:
    return user.url(f"uploads/{upload_id}")


def create(user: User, length: int, headers=None, data=None, **meta) -> requests.Response:
    h = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**({"filename": "file.bin"} | meta))}
    if data is not None:
        h["Content-Type"] = "application/offset+octet-stream"
    h.update(headers or {})
    return user.session.post(uploads_url(user), headers=h, data=data, timeout=TIMEOUT)


def upload_id(r: requests.Response) -> str:
    assert r.status_code == 201, r.text
    return r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def patch(user: User, uid: str, offset: int, data: bytes, headers=None) -> requests.Response:
    h = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)}
    h.update(headers or {})
    return user.session.patch(uploads_url(user, uid), headers=h, data=data, timeout=TIMEOUT)


def head(user: User, uid: str) -> requests.Response:
    return user.session.head(uploads_url(user, uid), headers=TUS, timeout=TIMEOUT)


def content(user: User, node_id: str) -> bytes:
    r = user.session.get(user.url(f"files/{node_id}/content"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.content


def checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


# --------------------------------------------------------------------------- the real client


@pytest.mark.parametrize("with_checksums", [False, True])
def test_tuspy_uploads_40_mib_in_4_mib_chunks(module_server, user, tmp_path, with_checksums):
    from tusclient import client

    alice = user()
    path = tmp_path / "forty.bin"
    data = os.urandom(40 * MiB)
    path.write_bytes(data)
    tus = client.TusClient(uploads_url(alice), headers=alice.auth)
    uploader = tus.uploader(str(path), chunk_size=4 * MiB, metadata={"filename": f"forty-{with_checksums}.bin"},
                            upload_checksum=with_checksums)
    uploader.upload()
    r = alice.session.head(uploader.url, headers=TUS, timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Upload-Offset"] == str(len(data)) == r.headers["Upload-Length"]
    node_id = r.headers["Papers-Node-Id"]
    node = alice.get_node(node_id).json()
    assert node["name"] == f"forty-{with_checksums}.bin" and node["size"] == len(data)
    assert node["sha256"] == hashlib.sha256(data).hexdigest()
    assert content(alice, node_id) == data


def test_options_say_what_the_server_supports(tmp_path):
    server = Server(tmp_path / "data", extra_args=["--max-upload", "5M"]).start()
    try:
        alice = new_user(server)
        r = alice.session.options(uploads_url(alice), timeout=TIMEOUT)
        assert r.status_code == 204, r.text
        assert r.headers["Tus-Resumable"] == "1.0.0" and r.headers["Tus-Version"] == "1.0.0"
        assert set(r.headers["Tus-Extension"].split(",")) == {"creation", "creation-with-upload", "termination", "checksum", "expiration"}
        assert set(r.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}
        assert r.headers["Tus-Max-Size"] == str(5 * MiB)
        assert_error(requests.options(uploads_url(alice), timeout=TIMEOUT), 401)
        # Limits at creation: past --max-upload 413, with the body never sent.
        assert_error(create(alice, 5 * MiB + 1), 413, "payload_too_large")
        assert create(alice, 5 * MiB).status_code == 201
    finally:
        server.close()


# --------------------------------------------------------------------------- the protocol's statuses


def test_creation_checks_the_target_like_an_upload(module_server, user):
    alice = user()
    # The version is required (400 without it, 412 for another; both name ours), and so are the length and the name.
    r = alice.session.post(uploads_url(alice), headers={"Upload-Length": "5", "Upload-Metadata": metadata(filename="a")}, timeout=TIMEOUT)
    assert_error(r, 400, "tus_version")
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Resumable"] == "1.0.0"
    r = alice.session.post(uploads_url(alice), headers={"Tus-Resumable": "0.2.2", "Upload-Length": "5",
                                                        "Upload-Metadata": metadata(filename="a")}, timeout=TIMEOUT)
    assert_error(r, 412, "tus_version")
    assert r.headers["Tus-Version"] == "1.0.0"
    assert_error(alice.session.post(uploads_url(alice), headers={**TUS, "Upload-Metadata": metadata(filename="a")}, timeout=TIMEOUT), 400)
    assert_error(create(alice, -1), 400)
    assert_error(create(alice, 5, headers={"Upload-Length": "five"}), 400)
    assert_error(alice.session.post(uploads_url(alice), headers={**TUS, "Upload-Length": "5"}, timeout=TIMEOUT), 400, "validation_failed")
    assert_error(create(alice, 5, headers={"Upload-Metadata": "filename !!notbase64!!"}), 400)
    assert_error(create(alice, 5, headers={"Upload-Metadata": metadata(filename="a") + "," + metadata(filename="b")}), 400)
    assert_error(create(alice, 5, filename="a/b"), 400, "validation_failed")
    assert_error(create(alice, 5, sha256="abc"), 400, "validation_failed")
    assert_error(create(alice, 5, parent_id="00000000-0000-4000-8000-000000000000"), 404)
    assert_error(create(alice, 5, on_conflict="sometimes"), 400, "validation_failed")
    alice.upload("taken.txt", b"x")
    assert_error(create(alice, 5, filename="taken.txt"), 409, "name_conflict")
    assert create(alice, 5, filename="taken.txt", on_conflict="rename").status_code == 201
    folder = alice.mkdir("inside")
    r = create(alice, 3, filename="deep.txt", parent_id=folder["id"])
    uid = upload_id(r)
    assert r.headers["Tus-Resumable"] == "1.0.0" and r.headers["Upload-Expires"].endswith("GMT")
    r = patch(alice, uid, 0, b"abc")
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "3"
    node = alice.get_node(r.headers["Papers-Node-Id"]).json()
    assert node["parent_id"] == folder["id"] and node["name"] == "deep.txt"


def test_quota_is_checked_at_creation(tmp_path):
    server = Server(tmp_path / "data", extra_args=["--default-quota", "1M"]).start()
    try:
        alice = new_user(server)
        assert_error(create(alice, MiB + 1), 507, "quota_exceeded")
        assert create(alice, MiB).status_code == 201
    finally:
        server.close()


def test_offsets_checksums_and_the_end_of_an_upload(module_server, user):
    alice = user()
    data = os.urandom(3 * MiB)
    r = create(alice, len(data), filename="parts.bin")
    uid = upload_id(r)
    r = head(alice, uid)
    assert r.status_code == 200 and r.headers["Upload-Offset"] == "0" and r.headers["Upload-Length"] == str(len(data))
    assert r.headers["Cache-Control"] == "no-store" and "filename" in r.headers["Upload-Metadata"]
    assert "Papers-Node-Id" not in r.headers
    # Wrong media type 415, no or bad offset 400, wrong offset 409 (which says the right one).
    assert_error(patch(alice, uid, 0, data[:10], headers={"Content-Type": "application/octet-stream"}), 415)
    assert_error(patch(alice, uid, 0, data[:10], headers={"Upload-Offset": "x"}), 400)
    r = patch(alice, uid, 5, data[:10])
    assert_error(r, 409, "offset_mismatch")
    assert r.headers["Upload-Offset"] == "0"
    # A chunk that does not match its checksum is 460 and dropped; one that does is kept.
    first, second, third = data[:MiB], data[MiB:2 * MiB], data[2 * MiB:]
    assert_error(patch(alice, uid, 0, first, headers={"Upload-Checksum": checksum("sha256", b"other")}), 460, "checksum_mismatch")
    assert head(alice, uid).headers["Upload-Offset"] == "0"
    assert_error(patch(alice, uid, 0, first, headers={"Upload-Checksum": "md5 AAAA"}), 400)
    r = patch(alice, uid, 0, first, headers={"Upload-Checksum": checksum("sha256", first)})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(MiB)
    r = patch(alice, uid, MiB, second, headers={"Upload-Checksum": checksum("sha1", second)})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(2 * MiB)
    # Past the length: 413, nothing of it kept.
    assert_error(patch(alice, uid, 2 * MiB, third + b"extra"), 413)
    assert head(alice, uid).headers["Upload-Offset"] == str(2 * MiB)
    r = patch(alice, uid, 2 * MiB, third)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    node_id = r.headers["Papers-Node-Id"]
    assert content(alice, node_id) == data
    assert alice.get_node(node_id).json()["sha256"] == hashlib.sha256(data).hexdigest()
    r = head(alice, uid)
    assert r.headers["Upload-Offset"] == str(len(data)) and r.headers["Papers-Node-Id"] == node_id
    assert_error(patch(alice, uid, 0, b"more"), 409)


def test_other_users_uploads_and_ended_ones_are_not_found(module_server, user):
    alice, bob = user(), user()
    uid = upload_id(create(alice, 10))
    assert head(bob, uid).status_code == 404  # HEAD: the status without a body
    for r in (patch(bob, uid, 0, b"x"), bob.session.delete(uploads_url(bob, uid), headers=TUS, timeout=TIMEOUT)):
        assert_error(r, 404)
    # Bob's token on Alice's path is the usual 403.
    assert bob.session.head(uploads_url(alice, uid), headers={**TUS, **bob.auth}, timeout=TIMEOUT).status_code == 403
    for bogus in ("../../secret.key", "not-an-id", "%2e%2e%2fsecret"):
        assert head(alice, bogus).status_code == 404
    r = alice.session.delete(uploads_url(alice, uid), headers=TUS, timeout=TIMEOUT)
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert head(alice, uid).status_code == 404
    assert_error(patch(alice, uid, 0, b"x"), 404)


def test_creation_with_upload_and_an_empty_file(module_server, user):
    alice = user()
    r = create(alice, 11, data=b"hello world", filename="hello.txt")
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "11"
    assert content(alice, r.headers["Papers-Node-Id"]) == b"hello world"
    r = create(alice, 11, data=b"hello", filename="half.txt")
    uid = upload_id(r)
    assert r.headers["Upload-Offset"] == "5" and "Papers-Node-Id" not in r.headers
    r = patch(alice, uid, 5, b" world")
    assert r.status_code == 204 and content(alice, r.headers["Papers-Node-Id"]) == b"hello world"
    r = create(alice, 0, filename="empty.txt")
    assert r.status_code == 201 and content(alice, r.headers["Papers-Node-Id"]) == b""


def test_on_conflict_at_creation_and_when_the_name_is_taken_meanwhile(module_server, user):
    alice = user()
    old = alice.upload("report.txt", b"old version")
    # overwrite: the same node gets the new content (its id stays), as an ordinary upload's would.
    uid = upload_id(create(alice, 11, filename="report.txt", on_conflict="overwrite"))
    r = patch(alice, uid, 0, b"new version")
    assert r.status_code == 204 and r.headers["Papers-Node-Id"] == old["id"]
    assert content(alice, old["id"]) == b"new version"
    # rename: a numbered name beside it.
    uid = upload_id(create(alice, 5, filename="report.txt", on_conflict="rename"))
    r = patch(alice, uid, 0, b"third")
    assert r.status_code == 204 and alice.get_node(r.headers["Papers-Node-Id"]).json()["name"] == "report (1).txt"
    # fail (the default): refused at creation when taken then, and at the end when taken meanwhile
    # (the upload is then ended: 404 after).
    assert_error(create(alice, 5, filename="report.txt"), 409, "name_conflict")
    uid = upload_id(create(alice, 5, filename="later.txt"))
    alice.upload("later.txt", b"first")
    assert_error(patch(alice, uid, 0, b"again"), 409, "name_conflict")
    assert head(alice, uid).status_code == 404
    assert sorted(n["name"] for n in alice.list_all()) == ["later.txt", "report (1).txt", "report.txt"]


def test_a_wrong_sha256_in_the_metadata_stores_nothing(module_server, user):
    alice = user()
    wrong = hashlib.sha256(b"something else").hexdigest()
    uid = upload_id(create(alice, 4, filename="claimed.txt", sha256=wrong))
    assert_error(patch(alice, uid, 0, b"data"), 400, "checksum_mismatch")
    assert [n["name"] for n in alice.list_all()] == []


def test_instant_upload_of_content_the_caller_already_stores(module_server, user):
    alice, bob = user(), user()
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    alice.upload("original.bin", data)
    r = create(alice, len(data), filename="copy.bin", sha256=sha)
    assert r.status_code == 201 and r.headers["Upload-Offset"] == str(len(data))
    node_id = r.headers["Papers-Node-Id"]
    assert content(alice, node_id) == data
    assert head(alice, upload_id(r)).headers["Papers-Node-Id"] == node_id
    # Someone else's content does not count: Bob has to send the bytes (nobody can probe what others store).
    r = create(bob, len(data), filename="copy.bin", sha256=sha)
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "0" and "Papers-Node-Id" not in r.headers
    r = patch(bob, upload_id(r), 0, data)
    assert r.status_code == 204 and content(bob, r.headers["Papers-Node-Id"]) == data
    # The same hash with another length is not the same content.
    r = create(alice, len(data) + 1, filename="longer.bin", sha256=sha)
    assert r.headers["Upload-Offset"] == "0"


def test_unfinished_uploads_expire_and_their_bytes_go(tmp_path):
    server = Server(tmp_path / "data", extra_args=["--upload-expiry", "2s"]).start()
    try:
        alice = new_user(server)
        uid = upload_id(create(alice, 10))
        assert patch(alice, uid, 0, b"12345").status_code == 204
        assert any(uid in p.name for p in files_under(server.data_dir / "uploads"))
        time.sleep(2.2)
        assert head(alice, uid).status_code in (404, 410)
        assert patch(alice, uid, 5, b"67890").status_code in (404, 410)
        assert wait_until(lambda: not any(uid in p.name for p in files_under(server.data_dir / "uploads")), timeout=10)
        assert head(alice, uid).status_code == 404
    finally:
        server.close()


# --------------------------------------------------------------------------- interruptions


def send_partial_patch(server: Server, user: User, uid: str, offset: int, declared: int, chunk: bytes) -> socket.socket:
    """Starts a PATCH that says `declared` bytes and sends only `chunk`; returns the open socket."""
    s = socket.create_connection(("127.0.0.1", server.port))
    head_lines = [f"PATCH {API}/user/{user.id}/uploads/{uid} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
                  f"Authorization: Bearer {user.token}", "Tus-Resumable: 1.0.0", "Content-Type: application/offset+octet-stream",
                  f"Upload-Offset: {offset}", f"Content-Length: {declared}"]
    s.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode() + chunk)
    return s


def resume(user: User, uid: str, data: bytes) -> str:
    """Finishes an upload from the offset the server reports; returns the node id."""
    offset = int(head(user, uid).headers["Upload-Offset"])
    assert 0 <= offset <= len(data)
    r = patch(user, uid, offset, data[offset:])
    assert r.status_code == 204, r.text
    return r.headers["Papers-Node-Id"]


def test_a_connection_cut_mid_patch_keeps_what_arrived(module_server, user):
    alice = user()
    data = os.urandom(8 * MiB)
    uid = upload_id(create(alice, len(data), filename="cut.bin"))
    s = send_partial_patch(module_server, alice, uid, 0, len(data), data[:3 * MiB])
    time.sleep(0.5)
    s.close()
    assert wait_until(lambda: int(head(alice, uid).headers["Upload-Offset"]) == 3 * MiB, timeout=10), head(alice, uid).headers
    node_id = resume(alice, uid, data)
    assert alice.get_node(node_id).json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_newer_patch_takes_over_from_one_whose_client_went_silent(module_server, user):
    """A client whose link died without a FIN or RST leaves its PATCH waiting for bytes; its retry
    must not be refused for as long as the server would wait (the idle timeout)."""
    alice = user()
    data = os.urandom(6 * MiB)
    uid = upload_id(create(alice, len(data), filename="silent.bin"))
    silent = send_partial_patch(module_server, alice, uid, 0, len(data), data[:2 * MiB])
    try:
        assert wait_until(lambda: int(head(alice, uid).headers["Upload-Offset"]) == 2 * MiB, timeout=10)
        started = time.monotonic()
        node_id = resume(alice, uid, data)
        assert time.monotonic() - started < 10, "the retry waited for the silent request's idle timeout"
        assert alice.get_node(node_id).json()["sha256"] == hashlib.sha256(data).hexdigest()
        # The silent request is answered (423, taken over) and closed; it wrote nothing more.
        silent.settimeout(10)
        answer = silent.recv(4096).decode(errors="replace")
        assert answer.startswith("HTTP/1.1 423") and "upload_taken_over" in answer, answer
    finally:
        silent.close()


def test_two_patches_at_once_never_interleave_their_bytes(module_server, user):
    """Two live PATCHes of one upload: the newer one takes over at the offset the older one reached,
    the older one's later bytes are refused, and the file is exactly the bytes in order."""
    alice = user()
    data = os.urandom(4 * MiB)
    uid = upload_id(create(alice, len(data), filename="both.bin"))
    first = send_partial_patch(module_server, alice, uid, 0, len(data), data[:MiB])
    try:
        assert wait_until(lambda: int(head(alice, uid).headers["Upload-Offset"]) == MiB, timeout=10)
        # The newer PATCH names the wrong offset: taking over does not skip the offset check.
        r = patch(alice, uid, 0, data)
        assert_error(r, 409, "offset_mismatch")
        assert r.headers["Upload-Offset"] == str(MiB)
        node_id = resume(alice, uid, data)
        try:
            first.sendall(data[MiB:2 * MiB])  # too late: the older request was taken over
        except OSError:
            pass
        assert alice.get_node(node_id).json()["sha256"] == hashlib.sha256(data).hexdigest()
        assert content(alice, node_id) == data
    finally:
        first.close()


def test_a_cut_chunk_with_a_checksum_is_dropped_whole(module_server, user):
    alice = user()
    data = os.urandom(2 * MiB)
    uid = upload_id(create(alice, len(data), filename="cut-checked.bin"))
    s = socket.create_connection(("127.0.0.1", module_server.port))
    lines = [f"PATCH {API}/user/{alice.id}/uploads/{uid} HTTP/1.1", f"Host: x", f"Authorization: Bearer {alice.token}",
             "Tus-Resumable: 1.0.0", "Content-Type: application/offset+octet-stream", "Upload-Offset: 0",
             f"Content-Length: {len(data)}", f"Upload-Checksum: {checksum('sha256', data)}"]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data[:MiB])
    time.sleep(0.5)
    s.close()
    time.sleep(0.5)
    assert head(alice, uid).headers["Upload-Offset"] == "0"
    assert resume(alice, uid, data)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_server_stopped_mid_upload_resumes_after_its_restart(tmp_path, how):
    server = Server(tmp_path / "data").start()
    try:
        alice = new_user(server)
        data = os.urandom(16 * MiB)
        uid = upload_id(create(alice, len(data), filename=f"{how}.bin"))
        assert patch(alice, uid, 0, data[:4 * MiB]).status_code == 204
        s = send_partial_patch(server, alice, uid, 4 * MiB, len(data) - 4 * MiB, data[4 * MiB:9 * MiB])
        time.sleep(0.5)
        server.proc.send_signal(getattr(signal, how))
        s.close()
        server.proc.wait(timeout=30)
        server.restart()
        offset = int(head(alice, uid).headers["Upload-Offset"])
        assert 4 * MiB <= offset <= 9 * MiB, offset
        node_id = resume(alice, uid, data)
        assert alice.get_node(node_id).json()["sha256"] == hashlib.sha256(data).hexdigest()
        assert content(alice, node_id) == data
        assert not any(p.suffix == ".bin" for p in files_under(server.data_dir / "uploads"))
    finally:
        server.close()
