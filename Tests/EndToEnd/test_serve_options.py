"""`papers serve` options and PAPERS_* variables: bad values are refused with a clear message and
usage exit code before anything starts; good ones take effect (option over environment)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from conftest import PAPERS_BIN, free_port, wait_until


def serve(args, env=None, timeout=20):
    with tempfile.TemporaryDirectory() as data:
        full_env = dict(os.environ, **(env or {}))
        return subprocess.run([PAPERS_BIN, "serve", "--data", data, *args], capture_output=True, text=True,
                              env=full_env, timeout=timeout)


@pytest.mark.parametrize("args,env,needle", [
    (["--port", "70000"], {}, "port"),
    (["--port", "abc"], {}, "port"),
    ([], {"PAPERS_PORT": "eighty"}, "port"),
    (["--max-upload", "12Q"], {}, "max-upload"),
    ([], {"PAPERS_MAX_UPLOAD": "lots"}, "max-upload"),
    (["--default-quota", "-5"], {}, "default-quota"),
    (["--token-ttl", "forever"], {}, "token-ttl"),
    (["--token-ttl", "-5m"], {}, "token-ttl"),
    (["--min-free-space", "plenty"], {}, "min-free-space"),
    ([], {"PAPERS_MIN_FREE_SPACE": "-1G"}, "min-free-space"),
    (["--idle-timeout", "0"], {}, "idle-timeout"),
    ([], {"PAPERS_IDLE_TIMEOUT": "soon"}, "idle-timeout"),
    (["--log-level", "loud"], {}, "log level"),
    # Nothing listens on port 1: one clear line with the reason, the password not shown.
    (["--database", "postgres://papers:secret@127.0.0.1:1/papers"], {}, "cannot reach the database postgres://papers:***@127.0.0.1:1/papers: "),
    ([], {"PAPERS_DATABASE_URL": "postgres://127.0.0.1/papers"}, "names no user"),
    (["--database", "postgres://papers@127.0.0.1/papers?sslmode=sometimes"], {}, "sslmode must be"),
    ([], {"PAPERS_DATABASE_URL": "ftp://somewhere/db"}, "database must look like"),
    (["--blobs", "https://objects.example.com/bucket"], {}, "blobs must look like a folder path, file:///path or s3://bucket/prefix"),
    (["--blobs", "s3://Bad_Bucket"], {}, "is not a bucket name"),
    ([], {"PAPERS_BLOBS_URL": "s3://papers?colour=blue"}, "unknown parameter \"colour\""),
    (["--blobs", "s3://papers?endpoint=ftp://x"], {}, "endpoint= must be http(s)://host[:port]"),
    (["--blobs", "s3://papers?endpoint=http://127.0.0.1:1"], {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
     "set aws_access_key_id and aws_secret_access_key"),
    (["--blobs", "s3://papers?endpoint=http://127.0.0.1:1"], {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"},
     "cannot reach the object store for s3://papers (http://127.0.0.1:1, us-east-1)"),
    ([], {"PAPERS_BLOBS_URL": "file://otherhost/srv/blobs"}, "blobs must look like"),
    (["--blobs", "ftp://somewhere/blobs"], {}, "blobs must look like"),
    (["--gc-grace", "whenever"], {}, "gc-grace"),
    (["--gc-interval", "0"], {}, "gc-interval"),
    (["--unknown-option"], {}, "unknown"),
])
def test_bad_values_are_refused(args, env, needle):
    result = serve(args, env)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert needle in (result.stderr + result.stdout).lower(), result.stderr
    assert ":secret@" not in result.stderr + result.stdout, "a database password is never printed"


def test_options_win_over_the_environment_and_take_effect(tmp_path):
    port = free_port()
    env = dict(os.environ, PAPERS_PORT="1", PAPERS_MAX_UPLOAD="1K", PAPERS_LOG_LEVEL="notice")
    proc = subprocess.Popen([PAPERS_BIN, "serve", "--port", str(port), "--data", str(tmp_path / "d"), "--max-upload", "2K"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"

        def up():
            try:
                return requests.get(base + "/health", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(up, timeout=20), "the --port option did not win over PAPERS_PORT"
        requests.post(base + "/api/v1/auth/register", json={"fullname": "A", "email": "a@example.com", "password": "12345678",
                                                             "password_conf": "12345678"}, timeout=30)
        login = requests.post(base + "/api/v1/auth/login", json={"email": "a@example.com", "password": "12345678"}, timeout=30).json()
        auth = {"Authorization": f"Bearer {login['token']}", "Content-Type": "application/octet-stream"}
        api = f"{base}/api/v1/user/{login['user_id']}/files/"
        assert requests.post(api, params={"name": "ok.bin"}, data=b"x" * 1500, headers=auth, timeout=30).status_code == 201
        assert requests.post(api, params={"name": "big.bin"}, data=b"x" * 3000, headers=auth, timeout=30).status_code == 413
        assert (tmp_path / "d" / "secret.key").stat().st_mode & 0o777 == 0o600
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0


def test_the_database_can_live_outside_the_data_directory(tmp_path):
    data = tmp_path / "data"
    db = tmp_path / "fast-disk" / "meta" / "papers.sqlite"
    port = free_port()
    proc = subprocess.Popen([PAPERS_BIN, "serve", "--port", str(port), "--data", str(data), "--database", f"sqlite:{db}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def healthy():
            try:
                return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
            except requests.RequestException:
                return None
        health = wait_until(healthy, timeout=20)
        assert health == {"status": "ok", "version": health["version"], "database": "sqlite", "blobs": "file"}
        assert db.exists() and not (data / "papers.sqlite").exists()
        assert (data / "blobs").is_dir()
        assert oct(db.parent.stat().st_mode & 0o777) == oct(0o700)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_contents_can_live_in_a_folder_on_another_file_system(tmp_path):
    """--blobs names the content folder; on another file system than tmp/ (here /dev/shm, a tmpfs)
    uploads are copied into it instead of linked. Everything else behaves the same."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.fail("this test needs /dev/shm on a file system of its own (it is on every Linux with a tmpfs there)")
    blobs = shm / f"papers-blobs-{uuid.uuid4().hex}"
    data = tmp_path / "data"
    port = free_port()
    proc = subprocess.Popen([PAPERS_BIN, "serve", "--port", str(port), "--data", str(data), "--blobs", f"file://{blobs}",
                             "--gc-grace", "0", "--gc-interval", "0.25s"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return requests.get(base + "/health", timeout=1).json()
            except requests.RequestException:
                return None
        assert wait_until(healthy, timeout=20)["blobs"] == "file"
        requests.post(base + "/api/v1/auth/register", json={"fullname": "A", "email": "a@example.com", "password": "12345678",
                                                             "password_conf": "12345678"}, timeout=30)
        login = requests.post(base + "/api/v1/auth/login", json={"email": "a@example.com", "password": "12345678"}, timeout=30).json()
        auth = {"Authorization": f"Bearer {login['token']}"}
        api = f"{base}/api/v1/user/{login['user_id']}/files/"
        big = os.urandom(3 * 1024 * 1024 + 7)
        created = []
        for name, body in (("big.bin", big), ("copy.bin", big), ("small.txt", b"small")):
            r = requests.post(api, params={"name": name}, data=body, timeout=60,
                              headers={**auth, "Content-Type": "application/octet-stream"})
            assert r.status_code == 201, r.text
            created.append(r.json())
        sha = hashlib.sha256(big).hexdigest()
        stored = blobs / sha[:2] / sha[2:4] / sha
        assert stored.read_bytes() == big
        assert not (data / "blobs").exists(), "nothing is stored in the default folder"
        assert sorted(p.name for p in blobs.rglob("*") if p.is_file()) == sorted([sha, hashlib.sha256(b"small").hexdigest()])
        assert not [p for p in (data / "tmp").rglob("*") if p.is_file()], "staging copies are gone"
        for node, body in zip(created, (big, big, b"small")):
            r = requests.get(f"{api}{node['id']}/content", headers=auth, timeout=60)
            assert r.status_code == 200 and r.content == body
        # Deleting both copies for good frees the content: the collector removes it from the --blobs folder.
        for node in created[:2]:
            assert requests.delete(f"{api}{node['id']}", params={"permanent": "true"}, headers=auth, timeout=30).status_code == 204
        assert wait_until(lambda: not stored.exists(), timeout=20)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(blobs, ignore_errors=True)
