"""Shared infrastructure for the end-to-end tests of `papers serve`.

The tests drive the real binary over loopback HTTP. The binary comes from the
environment variable PAPERS_BIN, else <repo>/.build/debug/papers.

PAPERS_TEST_BACKEND=postgres runs every server on PostgreSQL (a database of its own per data
directory, made on the server at PAPERS_TEST_POSTGRES_URL; scripts/with-postgres starts one) instead
of SQLite; `make test-e2e` runs the suite once per backend. Tests marked `sqlite_only` are about the
SQLite file itself and are left out of the PostgreSQL run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Iterable, Optional

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
PAPERS_BIN = os.environ.get("PAPERS_BIN", str(REPO_ROOT / ".build" / "debug" / "papers"))
if os.sep in PAPERS_BIN:
    PAPERS_BIN = os.path.abspath(PAPERS_BIN)  # a relative path means relative to where pytest was started
else:
    PAPERS_BIN = shutil.which(PAPERS_BIN) or PAPERS_BIN  # a bare name is looked up on PATH

PASSWORD = "correct horse battery"
API = "/api/v1"
TIMEOUT = 60  # seconds, for ordinary requests

RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

MiB = 1024 * 1024
GiB = 1024 * MiB

BACKEND = os.environ.get("PAPERS_TEST_BACKEND", "sqlite")
assert BACKEND in ("sqlite", "postgres"), f"PAPERS_TEST_BACKEND must be sqlite or postgres, not {BACKEND}"
POSTGRES_URL = os.environ.get("PAPERS_TEST_POSTGRES_URL", "")
if BACKEND == "postgres":
    assert POSTGRES_URL, "PAPERS_TEST_BACKEND=postgres needs PAPERS_TEST_POSTGRES_URL (run under scripts/with-postgres)"


def psql(sql: str, database: str = "postgres") -> str:
    """Runs SQL on the test PostgreSQL server as its superuser; returns psql's unaligned output."""
    result = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", POSTGRES_URL + database, "-c", sql],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def postgres_database(data_dir: Path) -> str:
    """The URL of the PostgreSQL database of a data directory, made empty on first use: two servers
    on one data directory (the multi-node tests) share it, as they share the blob folder."""
    name = "t_" + hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:20]
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        psql(f"CREATE DATABASE {name}")
    return POSTGRES_URL + name


def pytest_configure(config):
    # Registered here so the marks are known even without the pytest-timeout plugin.
    config.addinivalue_line("markers", "timeout(seconds): per-test time limit (pytest-timeout)")
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: about the PostgreSQL server itself, or the PostgreSQL + S3 set-up; run on PostgreSQL only")


# --------------------------------------------------------------------------- helpers


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.1) -> bool:
    """Polls `predicate` until it returns a truthy value or `timeout` passes; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def files_under(path: Path) -> list[Path]:
    if not path.exists():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file())


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(MiB)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def assert_error(resp: requests.Response, status: int, code: Optional[str] = None) -> dict:
    """Asserts an error response of the contract's shape and returns its body."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:500]}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    assert_no_leak(resp.text)
    return body


LEAK_PATTERNS = ("/tmp", "SELECT ", "INSERT ", "sqlite", "Fatal error", ".swift:", "Backtrace", "#0 ")


def assert_no_leak(text: str) -> None:
    for pattern in LEAK_PATTERNS:
        assert pattern.lower() not in text.lower(), f"response leaks {pattern!r}: {text[:500]}"


def unique_email() -> str:
    return f"{uuid.uuid4()}@example.com"


# --------------------------------------------------------------------------- server


class Server:
    """One `papers serve` process over a data directory, on a loopback port."""

    def __init__(self, data_dir: Path, extra_args: Iterable[str] = (), env: Optional[dict] = None,
                 log_path: Optional[Path] = None, command_prefix: Iterable[str] = ()):
        self.data_dir = Path(data_dir)  # `papers serve` creates it on first start
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.extra_args = list(extra_args)
        # Run the server through another command (e.g. `unshare ... sh -c '... exec "$@"'`).
        self.command_prefix = list(command_prefix)
        self.extra_env = dict(env or {})
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / f"{self.data_dir.name}.log"
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self._log_file = None

    # -- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, port: Optional[int] = None, attempts: int = 5) -> "Server":
        assert Path(PAPERS_BIN).exists(), f"papers binary not found at {PAPERS_BIN} (set PAPERS_BIN)"
        last_error = None
        for attempt in range(attempts):
            chosen = port if port is not None else free_port()
            try:
                self._spawn(chosen)
                self._wait_healthy()
                return self
            except _EarlyExit as e:
                # Most likely the port was taken between choosing and binding: try again.
                last_error = e
                time.sleep(0.3 * (attempt + 1))
        raise AssertionError(f"papers serve did not start after {attempts} attempts: {last_error}")

    def _spawn(self, port: int) -> None:
        self.port = port
        env = os.environ.copy()
        env.pop("PAPERS_SECRET_KEY", None)
        env.update(self.extra_env)
        if self._log_file is None or self._log_file.closed:
            self._log_file = open(self.log_path, "ab", buffering=0)
        self._log_file.write(f"\n===== starting on port {port} =====\n".encode())
        # Unused content is collected at once and often (no grace, a round every 0.25 s) unless a test
        # says otherwise: tests then wait a moment for it to go instead of an hour.
        gc = [] if any(a.startswith("--gc-") for a in self.extra_args) else ["--gc-grace", "0", "--gc-interval", "0.25s"]
        database = []
        if BACKEND == "postgres" and "--database" not in self.extra_args:
            database = ["--database", postgres_database(self.data_dir)]
        cmd = [*self.command_prefix, PAPERS_BIN, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data", str(self.data_dir), *gc, *database, *self.extra_args]
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL)

    def _wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise _EarlyExit(f"exited with {code}; log tail:\n{self.log_tail()}")
            try:
                r = requests.get(self.url("/health"), timeout=1)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"papers serve not healthy within {timeout}s; log tail:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM, wait up to `timeout` seconds; returns the exit code (None if it did not exit)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=15)

    def restart(self, attempts: int = 20) -> "Server":
        """Starts again on the same data directory and port (after stopping it if still running)."""
        if self.proc is not None and self.proc.poll() is None:
            if self.stop() is None:
                self.kill()
        port = self.port
        last_error = None
        for _ in range(attempts):
            try:
                self._spawn(port)
                self._wait_healthy()
                return self
            except _EarlyExit as e:
                last_error = e
                time.sleep(0.5)
        raise AssertionError(f"papers serve did not restart on port {port}: {last_error}")

    def close(self) -> None:
        """Teardown: stop gently, then hard."""
        try:
            if self.stop() is None:
                self.kill()
        finally:
            if self._log_file is not None and not self._log_file.closed:
                self._log_file.close()

    # -- observation

    def _status_field(self, field: str) -> int:
        text = Path(f"/proc/{self.pid}/status").read_text()
        m = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
        assert m, f"{field} not in /proc/{self.pid}/status"
        return int(m.group(1))

    def peak_rss_kib(self) -> int:
        return self._status_field("VmHWM")

    def rss_kib(self) -> int:
        return self._status_field("VmRSS")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def tmp_files(self) -> list[Path]:
        return files_under(self.tmp_dir)

    def blob_files(self) -> list[Path]:
        return files_under(self.blobs_dir)

    def blob_path(self, sha: str) -> Path:
        return self.blobs_dir / sha[0:2] / sha[2:4] / sha


class _EarlyExit(Exception):
    pass


def start_server(tmp_path_factory, name: str = "papers", extra_args: Iterable[str] = (),
                 env: Optional[dict] = None) -> Server:
    base = tmp_path_factory.mktemp(name)
    return Server(base / "data", extra_args=extra_args, env=env, log_path=base / "server.log").start()


# --------------------------------------------------------------------------- users


class User:
    """A registered, logged-in user of one server."""

    def __init__(self, server: Server, email: str, password: str, fullname: str, user_id: str, token: str,
                 login_body: dict):
        self.server = server
        self.email = email
        self.password = password
        self.fullname = fullname
        self.id = user_id
        self.token = token
        self.login_body = login_body
        self.session = self.new_session()

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def new_session(self) -> requests.Session:
        """A fresh session carrying this user's token (one per thread in concurrent tests)."""
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    def url(self, path: str = "") -> str:
        return self.server.url(f"{API}/user/{self.id}/{path.lstrip('/')}")

    def api(self, path: str) -> str:
        return self.server.url(API + path)

    # -- calls (return the Response; tests assert)

    def upload_raw(self, name: str, data, parent_id: Optional[str] = None, headers: Optional[dict] = None,
                   timeout: float = TIMEOUT, session: Optional[requests.Session] = None, **params):
        q = {"name": name, **params}
        if parent_id is not None:
            q["parent_id"] = parent_id
        h = {"Content-Type": "application/octet-stream"}
        h.update(headers or {})
        # Spaces as %20, not '+', so that names survive any query decoder.
        query = urllib.parse.urlencode(q, quote_via=urllib.parse.quote)
        return (session or self.session).post(self.url("files/") + "?" + query, data=data, headers=h,
                                              timeout=timeout)

    def upload(self, name: str, data: bytes, parent_id: Optional[str] = None, **params) -> dict:
        """Uploads and asserts 201; returns the node."""
        r = self.upload_raw(name, data, parent_id=parent_id, **params)
        assert r.status_code == 201, f"upload {name!r}: {r.status_code} {r.text[:500]}"
        return r.json()

    def mkdir_raw(self, name: str, parent_id: Optional[str] = None, **params) -> requests.Response:
        return self.session.post(self.url("folders/"), params=params or None, json={"name": name, "parent_id": parent_id},
                                 timeout=TIMEOUT)

    def mkdir(self, name: str, parent_id: Optional[str] = None, **params) -> dict:
        r = self.mkdir_raw(name, parent_id, **params)
        assert r.status_code == 201, f"mkdir {name!r}: {r.status_code} {r.text[:500]}"
        return r.json()

    def get_node(self, node_id: str) -> requests.Response:
        return self.session.get(self.url(f"files/{node_id}"), timeout=TIMEOUT)

    def list_page(self, parent_id: Optional[str] = None, **params) -> requests.Response:
        q = dict(params)
        if parent_id is not None:
            q["parent_id"] = parent_id
        return self.session.get(self.url("files/"), params=q, timeout=TIMEOUT)

    def list_all(self, parent_id: Optional[str] = None, **params) -> list[dict]:
        """All children of a folder (root by default), following next_cursor."""
        items: list[dict] = []
        cursor = None
        for _ in range(100000):
            q = dict(params)
            if cursor is not None:
                q["cursor"] = cursor
            r = self.list_page(parent_id, **q)
            assert r.status_code == 200, f"list: {r.status_code} {r.text[:500]}"
            body = r.json()
            items.extend(body["items"])
            cursor = body.get("next_cursor")
            if cursor is None:
                return items
        raise AssertionError("listing never ended")

    def walk(self, parent_id: Optional[str] = None) -> list[dict]:
        """Every node of the user's tree under `parent_id`, depth first."""
        out = []
        for node in self.list_all(parent_id):
            out.append(node)
            if node["is_folder"]:
                out.extend(self.walk(node["id"]))
        return out


def register(server: Server, email: str, password: str = PASSWORD, fullname: str = "Test User") -> requests.Response:
    return requests.post(server.url(f"{API}/auth/register"), json={
        "fullname": fullname, "email": email, "password": password, "password_conf": password,
    }, timeout=TIMEOUT)


def login(server: Server, email: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(server.url(f"{API}/auth/login"), json={"email": email, "password": password},
                         timeout=TIMEOUT)


def new_user(server: Server, fullname: str = "Test User") -> User:
    email = unique_email()
    r = register(server, email, fullname=fullname)
    assert r.status_code == 201, f"register: {r.status_code} {r.text[:500]}"
    uid = r.json()["id"]
    r = login(server, email)
    assert r.status_code == 200, f"login: {r.status_code} {r.text[:500]}"
    body = r.json()
    assert body["user_id"] == uid, body
    return User(server, email, PASSWORD, fullname, uid, body["token"], body)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def module_server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "shared")
    yield srv
    srv.close()


@pytest.fixture
def server(tmp_path_factory):
    """A server of its own, for tests that stop, kill or restart it."""
    srv = start_server(tmp_path_factory, "own")
    yield srv
    srv.close()


@pytest.fixture
def user(request):
    """A factory: `user()` registers and logs in a fresh user on the module's shared server,
    `user(some_server)` on another one."""

    def make(srv: Optional[Server] = None, fullname: str = "Test User") -> User:
        if srv is None:
            srv = request.getfixturevalue("module_server")
        return new_user(srv, fullname=fullname)

    return make


# --------------------------------------------------------------------------- generators


class CountingStream:
    """A generator-like body: yields `total` bytes in `chunk`-sized blocks of varied content,
    hashing as it goes and counting what was handed to the transport."""

    def __init__(self, total: int, chunk: int = MiB, delay: float = 0.0, seed: Optional[bytes] = None):
        self.total = total
        self.chunk = chunk
        self.delay = delay
        self.base = seed if seed is not None else os.urandom(chunk)
        self.sent = 0
        self.hash = hashlib.sha256()
        self.finished = False
        self.lock = threading.Lock()

    def block(self, index: int, size: int) -> bytes:
        head = index.to_bytes(8, "little") + b"papers-e2e"
        b = head + self.base[len(head):size] if size > len(head) else head[:size]
        return b[:size]

    def __iter__(self):
        index = 0
        while self.sent < self.total:
            if self.delay:
                time.sleep(self.delay)
            size = min(self.chunk, self.total - self.sent)
            b = self.block(index, size)
            self.hash.update(b)
            index += 1
            with self.lock:
                self.sent += len(b)
            yield b
        self.finished = True

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def http_request_head(method: str, path: str, host: str, headers: dict) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_http_response(sock: socket.socket, buffered: bytes = b"", timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """Reads one HTTP/1.1 response with a Content-Length (or none) from a raw socket."""
    sock.settimeout(timeout)
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]
