"""Crashes, hang-ups and shutdowns leave no node pointing at missing bytes and no stray data."""

from __future__ import annotations

import os
import signal
import socket
import stat
import threading
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import (BACKEND, MiB, TIMEOUT, CountingStream, file_sha256, http_request_head, login, sha256_hex,
                      wait_until)


def run_in_thread(fn):
    result = {}

    def target():
        try:
            result["response"] = fn()
        except requests.RequestException as e:
            result["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, result


def assert_store_consistent(srv, users):
    """tmp/ is empty; every blob is named by the SHA-256 of its content; the blobs are exactly the
    contents of the nodes that exist."""
    assert srv.tmp_files() == [], srv.tmp_files()
    node_shas = {n["sha256"] for u in users for n in u.walk() if not n["is_folder"]}
    # Unused content goes with the collector's next round (the test servers run it every 0.25 s).
    wait_until(lambda: {p.name for p in srv.blob_files()} == node_shas, timeout=10)
    blob_names = set()
    for path in srv.blob_files():
        assert path.name == file_sha256(path), f"{path} does not hold the content its name says"
        assert path.parent.name == path.name[2:4] and path.parent.parent.name == path.name[0:2], path
        blob_names.add(path.name)
    assert blob_names == node_shas, (f"blobs nobody uses: {blob_names - node_shas}; "
                                     f"nodes without blobs: {node_shas - blob_names}")


# --------------------------------------------------------------------------- start-up


def test_first_start_creates_the_data_dir(server, user):
    data = server.data_dir
    # On PostgreSQL the metadata lives in the database server, not in the data directory.
    assert (data / "papers.sqlite").is_file() == (BACKEND == "sqlite")
    assert (data / "blobs").is_dir()
    assert (data / "tmp").is_dir()
    key = data / "secret.key"
    assert key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, oct(key.stat().st_mode)
    assert key.stat().st_size == 32
    key_bytes = key.read_bytes()

    u = user(server)
    node = u.upload("persist.txt", b"persisted")
    revoked = login(server, u.email).json()["token"]
    r = requests.post(u.api("/auth/logout"), headers={"Authorization": f"Bearer {revoked}"}, timeout=TIMEOUT)
    assert r.status_code == 204
    server.restart()
    assert key.read_bytes() == key_bytes
    # The same token still works after a restart, and the data is there.
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == b"persisted"
    # A logout survives the restart.
    r = requests.get(u.api("/auth/me"), headers={"Authorization": f"Bearer {revoked}"}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked", r.text

    # SIGINT stops it cleanly too.
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0


# --------------------------------------------------------------------------- SIGKILL


@pytest.mark.timeout(300)
def test_sigkill_mid_upload(server, user):
    u = user(server)
    kept = u.upload("kept.txt", b"kept " + uuid.uuid4().bytes)
    folder = u.mkdir("dir")
    also = u.upload("also.bin", os.urandom(100_000), folder["id"])

    stream = CountingStream(200 * MiB, chunk=MiB)
    session = u.new_session()
    t, result = run_in_thread(lambda: u.upload_raw("interrupted.bin", iter(stream), parent_id=folder["id"],
                                                   timeout=120, session=session))
    assert wait_until(lambda: stream.sent >= 50 * MiB, timeout=120), f"only {stream.sent} bytes sent"
    server.kill()
    t.join(60)
    assert not t.is_alive()
    assert "error" in result, f"the upload cannot have succeeded: {result}"
    assert not stream.finished

    # Plant what another crash could leave: a stray file in tmp/ and a blob no node references.
    server.tmp_dir.mkdir(exist_ok=True)
    (server.tmp_dir / "upload-left-behind").write_bytes(b"x" * 1000)
    orphan = b"orphan " + uuid.uuid4().bytes
    orphan_path = server.blob_path(sha256_hex(orphan))
    orphan_path.parent.mkdir(parents=True, exist_ok=True)
    orphan_path.write_bytes(orphan)
    # Written over an hour ago: a younger one may be an upload about to commit its node.
    two_hours_ago = time.time() - 7200
    os.utime(orphan_path, (two_hours_ago, two_hours_ago))

    server.restart()
    assert [n["name"] for n in u.list_all(folder["id"])] == ["also.bin"]
    assert sorted(n["name"] for n in u.list_all()) == ["dir", "kept.txt"]
    assert wait_until(lambda: not orphan_path.exists()), "the collector's first round removes files no row refers to"
    assert not server.blob_path(stream.hexdigest()).exists()
    assert_store_consistent(server, [u])
    for node in (kept, also):
        r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and sha256_hex(r.content) == node["sha256"]
    # And the store takes new uploads as before.
    assert u.upload("after-crash.txt", b"fine")["size"] == 4


@pytest.mark.timeout(300)
def test_sigkill_during_small_uploads_keeps_every_answered_one(server, user):
    """Eight clients upload distinct 4 KiB files as fast as they can (answers come from group
    commits); the server is killed among them. After a restart every upload answered 201 is there
    with its content, and any other file that exists holds exactly what was sent for it."""
    u = user(server)
    folder = u.mkdir("small")
    sent: dict[str, bytes] = {}
    answered: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        session = u.new_session()
        for i in range(100_000):
            if stop.is_set():
                return
            name, data = f"c{k}-{i:05d}.bin", os.urandom(4096)
            with lock:
                sent[name] = data
            try:
                r = u.upload_raw(name, data, parent_id=folder["id"], session=session, timeout=30)
            except requests.RequestException:
                return
            if r.status_code != 201:
                return
            with lock:
                answered[name] = r.json()["sha256"]

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    assert wait_until(lambda: len(answered) >= 400, timeout=120), f"only {len(answered)} answered"
    server.kill()
    stop.set()
    for t in threads:
        t.join(60)
        assert not t.is_alive()
    server.restart()
    stored = {n["name"]: n for n in u.list_all(folder["id"])}
    missing = sorted(set(answered) - set(stored))
    assert not missing, f"{len(missing)} answered uploads lost, e.g. {missing[:5]}"
    for name, node in stored.items():
        assert name in sent, name
        assert node["sha256"] == sha256_hex(sent[name]) and node["size"] == 4096, name
        if name in answered:
            assert answered[name] == node["sha256"], name
        r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == sent[name], name


@pytest.mark.timeout(300)
def test_sigkill_mid_replace_keeps_the_old_content(server, user):
    u = user(server)
    old = b"the old content " + uuid.uuid4().bytes
    node = u.upload("doc.bin", old)
    stream = CountingStream(200 * MiB, chunk=MiB)
    session = u.new_session()
    t, result = run_in_thread(lambda: session.put(u.url(f"files/{node['id']}"), data=iter(stream),
                                                  headers={"Content-Type": "application/octet-stream"},
                                                  timeout=120))
    assert wait_until(lambda: stream.sent >= 50 * MiB, timeout=120), f"only {stream.sent} bytes sent"
    server.kill()
    t.join(60)
    assert "error" in result, result

    server.restart()
    after = u.get_node(node["id"]).json()
    assert after["sha256"] == node["sha256"] and after["size"] == len(old) and after["etag"] == node["etag"]
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == old
    assert_store_consistent(server, [u])


# --------------------------------------------------------------------------- client hang-up


def hang_up_mid_upload(u, name: str, chunked: bool, replace_id=None) -> None:
    path = f"/api/v1/user/{u.id}/files/?name={urllib.parse.quote(name, safe='')}"
    method = "POST"
    if replace_id is not None:
        path, method = f"/api/v1/user/{u.id}/files/{replace_id}", "PUT"
    headers = {"Authorization": f"Bearer {u.token}", "Content-Type": "application/octet-stream"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(10_000_000)
    with socket.create_connection(("127.0.0.1", u.server.port), timeout=10) as s:
        s.sendall(http_request_head(method, path, f"127.0.0.1:{u.server.port}", headers))
        block = os.urandom(64 * 1024)
        for _ in range(16):  # 1 MiB
            if chunked:
                s.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            else:
                s.sendall(block)
        # Give the server a moment to start writing the upload before hanging up.
        wait_until(lambda: u.server.tmp_files() != [], timeout=2)
        time.sleep(0.2)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_client_hangs_up_mid_upload(module_server, user, chunked):
    u = user()
    before = {p.name for p in module_server.blob_files()}
    name = f"hung-up-{uuid.uuid4().hex[:8]}.bin"
    hang_up_mid_upload(u, name, chunked)
    assert wait_until(lambda: module_server.tmp_files() == [], timeout=10), module_server.tmp_files()
    time.sleep(0.3)
    assert u.list_all() == []
    assert {p.name for p in module_server.blob_files()} == before
    assert module_server.tmp_files() == []
    # The server carries on.
    assert u.upload("after-hang-up.txt", b"ok")["size"] == 2


def test_client_hangs_up_mid_replace(module_server, user):
    u = user()
    old = b"keep me " + uuid.uuid4().bytes
    node = u.upload("doc.bin", old)
    hang_up_mid_upload(u, "unused", chunked=False, replace_id=node["id"])
    assert wait_until(lambda: module_server.tmp_files() == [], timeout=10), module_server.tmp_files()
    time.sleep(0.3)
    after = u.get_node(node["id"]).json()
    assert after["sha256"] == node["sha256"] and after["etag"] == node["etag"]
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.content == old
    assert [n["name"] for n in u.list_all()] == ["doc.bin"]


# --------------------------------------------------------------------------- SIGTERM


def can_connect(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.timeout(180)
def test_sigterm_lets_an_inflight_upload_finish(server, user):
    u = user(server)
    stream = CountingStream(4 * MiB, chunk=64 * 1024, delay=0.05)  # about 3 s of slow feeding
    session = u.new_session()
    t, result = run_in_thread(lambda: u.upload_raw("slow.bin", iter(stream), timeout=120, session=session))
    assert wait_until(lambda: stream.sent >= 256 * 1024, timeout=30)
    server.proc.send_signal(signal.SIGTERM)

    # It stops accepting new connections while the upload is still going.
    assert wait_until(lambda: not can_connect(server.port), timeout=2, interval=0.05), \
        "still accepting connections 2 s after SIGTERM"
    refused_before_end = not stream.finished

    t.join(120)
    assert not t.is_alive()
    assert "response" in result, f"in-flight upload failed: {result.get('error')!r}"
    r = result["response"]
    assert r.status_code == 201, r.text[:300]
    assert r.json()["sha256"] == stream.hexdigest()
    assert r.json()["size"] == 4 * MiB
    assert refused_before_end, "the upload finished before the listener closed; the test proves too little"
    assert server.proc.wait(timeout=15) == 0, server.log_tail()

    server.restart()
    nodes = u.list_all()
    assert [n["name"] for n in nodes] == ["slow.bin"]
    assert nodes[0]["sha256"] == stream.hexdigest()
    assert_store_consistent(server, [u])
