"""What a hostile-client and operations review found (issue 9): file modes of the data directory, a
token whose account is gone, numbered names that break the name rules, connections that never
finish or sit idle, and a full disk. Each test fails on the server before the fix."""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path

import pytest
import requests

from conftest import API, BACKEND, MiB, TIMEOUT, Server, assert_error, new_user


def start(tmp_path: Path, name: str, *args: str, env: dict | None = None, prefix: tuple = ()) -> Server:
    return Server(tmp_path / name, extra_args=args, env=env, log_path=tmp_path / f"{name}.log",
                  command_prefix=prefix).start()


# --------------------------------------------------------------------------- file modes


def test_data_directory_files_are_owner_only_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # an existing, world-readable directory
    srv = start(tmp_path, "data", prefix=("sh", "-c", 'umask 000; exec "$@"', "sh"))
    try:
        u = new_user(srv)
        for i in range(3):
            u.upload(f"f{i}.txt", f"content {i}".encode())
        u.mkdir("folder")
        assert "can be read by other users" in srv.log_text()
        loose = []
        for path in [*data.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & 0o077:
                loose.append((str(path.relative_to(data)), oct(mode)))
        assert loose == [], loose
        if BACKEND == "sqlite":
            assert (data / "papers.sqlite").exists() and (data / "papers.sqlite-wal").exists()
    finally:
        srv.close()


@pytest.mark.sqlite_only
def test_an_existing_database_is_made_owner_only(tmp_path):
    srv = start(tmp_path, "data")
    new_user(srv)
    srv.stop()
    for name in ("papers.sqlite", "papers.sqlite-wal", "papers.sqlite-shm"):
        path = tmp_path / "data" / name
        if path.exists():
            os.chmod(path, 0o644)
    srv.restart()
    try:
        mode = stat.S_IMODE((tmp_path / "data" / "papers.sqlite").stat().st_mode)
        assert mode == 0o600, oct(mode)
    finally:
        srv.close()


# --------------------------------------------------------------------------- accounts that are gone


def test_a_token_of_an_account_that_no_longer_exists_is_401_everywhere(tmp_path):
    key = {"PAPERS_SECRET_KEY": "k" * 48}
    first = start(tmp_path, "first", env=key)
    try:
        u = new_user(first)
        node = u.upload("a.txt", b"a")
    finally:
        first.close()
    # A new database under the same signing key: the token still verifies, its account is gone.
    second = start(tmp_path, "second", env=key)
    try:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {u.token}"
        base = second.url(f"{API}/user/{u.id}")
        answers = [
            s.get(second.url(f"{API}/auth/me"), timeout=TIMEOUT),
            s.get(base + "/files/", timeout=TIMEOUT),
            s.get(base + f"/files/{node['id']}", timeout=TIMEOUT),
            s.get(base + f"/files/{node['id']}/content", timeout=TIMEOUT),
            s.post(base + "/folders/", json={"name": "x"}, timeout=TIMEOUT),
            s.post(base + "/files/?name=b.txt", data=b"b", headers={"Content-Type": "application/octet-stream"},
                   timeout=TIMEOUT),
            s.post(base + "/files/", files={"file": ("c.txt", b"c")}, timeout=TIMEOUT),
            s.put(base + f"/files/{node['id']}", json={"name": "y"}, timeout=TIMEOUT),
            s.delete(base + f"/files/{node['id']}", timeout=TIMEOUT),
        ]
        for r in answers:
            assert_error(r, 401)
            assert r.headers.get("WWW-Authenticate", "").startswith("Bearer"), r.headers
        assert_error(answers[1], 401, "account_not_found")
        # Someone registering now gets a working account (and the old id stays unknown).
        fresh = new_user(second)
        assert fresh.session.get(fresh.url("files/"), timeout=TIMEOUT).status_code == 200
    finally:
        second.close()


# --------------------------------------------------------------------------- numbered names


def test_rename_on_conflict_never_breaks_the_name_rules(user):
    u = user()
    name = "a." + "b" * 253  # 255 bytes: no stem left to shorten for " (1)"
    assert len(name.encode()) == 255
    u.upload(name, b"first")
    r = u.upload_raw(name, b"second", on_conflict="rename")
    assert_error(r, 409, "name_conflict")
    # Files and folders share one name space: a folder gets the same answer.
    r = u.mkdir_raw(name, on_conflict="rename")
    assert_error(r, 409, "name_conflict")
    assert [n["name"] for n in u.list_all()] == [name]
    # A long name with a stem is shortened (whole characters only) and stays valid.
    long = "日" * 83 + ".txt"  # 253 bytes
    u.upload(long, b"x")
    r = u.upload_raw(long, b"y", on_conflict="rename")
    assert r.status_code == 201, r.text
    renamed = r.json()["name"]
    assert renamed.endswith(" (1).txt") and len(renamed.encode()) <= 255 and renamed.startswith("日")


# --------------------------------------------------------------------------- slow and idle clients


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float:
    """Sends `trickle` one byte every 0.25 s (then nothing) and returns when the server closes the
    connection; fails after `seconds`."""
    start = time.monotonic()
    sock.settimeout(0.25)
    sent = 0
    while time.monotonic() - start < seconds:
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent:sent + 1])
            except OSError:
                return time.monotonic() - start
            sent += 1
        try:
            data = sock.recv(65536)
            if data == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    raise AssertionError(f"connection still open after {seconds} s ({sent} bytes trickled)")


def test_idle_connections_and_unfinished_heads_are_closed(tmp_path):
    srv = start(tmp_path, "data", "--idle-timeout", "2s")
    try:
        # A connection that never sends anything.
        with socket.create_connection(("127.0.0.1", srv.port)) as sock:
            closed_within(sock, 15)
        # A head trickled one byte at a time never finishes before the deadline, however busy.
        with socket.create_connection(("127.0.0.1", srv.port)) as sock:
            head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"s" * 500
            closed_within(sock, 15, trickle=head)
        # A kept-alive connection is closed once idle after its answer.
        with socket.create_connection(("127.0.0.1", srv.port)) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            sock.settimeout(5)
            while b"\r\n\r\n" not in reply:
                reply += sock.recv(65536)
            assert reply.startswith(b"HTTP/1.1 200")
            closed_within(sock, 15)
        # Twenty such clients at once do not outlive the timeout either.
        socks = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(20)]
        try:
            time.sleep(4)
            for sock in socks:
                closed_within(sock, 10)
        finally:
            for sock in socks:
                sock.close()
        # A body that keeps coming, however slowly, is not cut off.
        u = new_user(srv)

        def slow_body():
            for _ in range(5):
                yield b"x" * 1000
                time.sleep(1)

        r = u.session.post(u.url("files/") + "?name=slow.bin", data=slow_body(),
                           headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
        assert r.status_code == 201, r.text
        assert r.json()["size"] == 5000
    finally:
        srv.close()


# --------------------------------------------------------------------------- a full disk


def free_bytes(path: Path) -> int:
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def test_a_low_open_files_limit_is_raised_so_a_thousand_idle_clients_fit(tmp_path):
    """Started with a soft limit of 256 open files (a hard one of 4,096), as a shell or a service
    manager may hand out: the server raises the soft limit to the hard one, so 1,000 idle clients
    and the requests of an active one all fit."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1_200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4_096), hard))
    srv = start(tmp_path, "data", prefix=("prlimit", "--nofile=256:4096", "--"))
    idle = []
    try:
        limits = Path(f"/proc/{srv.pid}/limits").read_text()
        assert any(line.startswith("Max open files") and line.split()[3:5] == ["4096", "4096"] for line in limits.splitlines()), limits
        for _ in range(1_000):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT))
        u = new_user(srv)
        data = os.urandom(MiB)
        node = u.upload("while-many-wait.bin", data)
        r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == data
    finally:
        for s in idle:
            s.close()
        srv.close()


def test_uploads_stop_at_the_free_space_floor_and_deletes_still_work(tmp_path):
    srv = start(tmp_path, "data")
    try:
        u = new_user(srv)
        keep = u.upload("keep.txt", b"kept")
    finally:
        srv.stop()
    floor = free_bytes(tmp_path) + 1024 * MiB  # more than the disk has free: every upload is refused
    srv.extra_args = ["--min-free-space", str(floor)]
    srv.restart()
    try:
        r = u.upload_raw("big.bin", b"x" * 1000)
        assert_error(r, 507, "insufficient_storage")
        r = u.session.post(u.url("files/") + "?name=chunked.bin", data=iter([b"y" * 1000]),
                           headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
        assert_error(r, 507, "insufficient_storage")
        r = u.session.post(u.url("files/"), files={"file": ("form.txt", b"z")}, timeout=TIMEOUT)
        assert_error(r, 507, "insufficient_storage")
        r = u.session.put(u.url(f"files/{keep['id']}"), data=b"new", headers={"Content-Type": "application/octet-stream"},
                          timeout=TIMEOUT)
        assert_error(r, 507, "insufficient_storage")
        assert srv.tmp_files() == []
        # What frees space, and metadata, still works.
        assert u.mkdir("still works")["name"] == "still works"
        assert u.session.delete(u.url(f"files/{keep['id']}"), timeout=TIMEOUT).status_code == 204
        assert "belowFreeSpaceFloor" in srv.log_text()
    finally:
        srv.close()
    # 0 turns the floor off.
    srv.extra_args = ["--min-free-space", "0"]
    srv.restart()
    try:
        assert u.upload_raw("fine.bin", b"x" * 1000).status_code == 201
    finally:
        srv.close()


def test_a_disk_that_fills_up_mid_upload_is_507_with_its_cause_logged(tmp_path):
    """The data directory on an 8 MiB tmpfs in a mount namespace of the server's own; the floor off,
    so the disk really fills."""
    mount = tmp_path / "small"
    mount.mkdir()
    prefix = ("unshare", "--mount", "--map-root-user", "sh", "-c",
              f'mount -t tmpfs -o size=8m tmpfs "{mount}" && exec "$@"', "sh")
    srv = Server(mount / "data", extra_args=["--min-free-space", "0"], log_path=tmp_path / "server.log",
                 command_prefix=prefix).start()
    try:
        u = new_user(srv)
        small = u.upload("small.txt", b"small")
        # Without a length, so nothing refuses it before the disk does.
        r = u.session.post(u.url("files/") + "?name=huge.bin", data=iter([os.urandom(MiB) for _ in range(16)]),
                           headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
        assert_error(r, 507, "insufficient_storage")
        log = srv.log_text()
        assert "No space left on device" in log, log[-2000:]
        # The failed upload left nothing behind; deleting and uploading again work.
        assert [n["name"] for n in u.list_all()] == ["small.txt"]
        assert u.session.delete(u.url(f"files/{small['id']}"), timeout=TIMEOUT).status_code == 204
        assert u.upload_raw("after.bin", os.urandom(MiB)).status_code == 201
    finally:
        srv.close()


# --------------------------------------------------------------------------- the blob folder goes away


def test_health_is_503_while_the_blob_folder_is_gone_and_200_once_it_is_back(tmp_path):
    """A load balancer must take a node out of rotation when its content folder (a shared volume,
    say) disappears, and put it back when it returns, without a restart."""
    blobs = tmp_path / "blobs"
    srv = start(tmp_path, "data", "--blobs", str(blobs))
    try:
        u = new_user(srv)
        node = u.upload("kept.txt", b"kept while the volume was away")
        assert requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200
        blobs.rename(tmp_path / "blobs-unmounted")
        r = requests.get(srv.url("/health"), timeout=TIMEOUT)
        assert r.status_code == 503, r.text
        assert r.json()["status"] == "unavailable" and r.json()["blobs"] == "file"
        (tmp_path / "blobs-unmounted").rename(blobs)
        r = requests.get(srv.url("/health"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == b"kept while the volume was away"
    finally:
        srv.close()
