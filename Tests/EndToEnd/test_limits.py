"""Upload size limits, Expect: 100-continue, and curl as a client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import (MiB, TIMEOUT, CountingStream, assert_error, http_request_head, read_http_response,
                      sha256_hex, start_server)


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "limited", env={"PAPERS_MAX_UPLOAD": "1M"})
    yield srv
    srv.close()


def test_upload_at_the_limit_is_fine(limited_server, user):
    u = user(limited_server)
    data = os.urandom(MiB)
    node = u.upload("exactly-1MiB.bin", data)
    assert node["size"] == MiB and node["sha256"] == sha256_hex(data)


def test_too_large_with_content_length(limited_server, user):
    u = user(limited_server)
    data = os.urandom(2 * MiB)
    r = u.upload_raw("big.bin", data)
    assert_error(r, 413, "payload_too_large")
    assert u.list_all() == []
    assert not limited_server.blob_path(sha256_hex(data)).exists()
    assert limited_server.tmp_files() == []
    # Multipart too.
    r = u.session.post(u.url("files/"), files={"file": ("big.bin", data)}, timeout=TIMEOUT)
    assert_error(r, 413, "payload_too_large")
    # And content replacement.
    f = u.upload("small.bin", b"small")
    r = u.session.put(u.url(f"files/{f['id']}"), data=data, headers={"Content-Type": "application/octet-stream"},
                      timeout=TIMEOUT)
    assert_error(r, 413, "payload_too_large")
    assert u.get_node(f["id"]).json()["size"] == 5
    assert [i["name"] for i in u.list_all()] == ["small.bin"]


def test_too_large_chunked(limited_server, user):
    u = user(limited_server)
    stream = CountingStream(2 * MiB, chunk=64 * 1024)
    r = u.upload_raw("chunked.bin", iter(stream))
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in r.request.headers
    assert_error(r, 413, "payload_too_large")
    assert u.list_all() == []
    assert wait_empty(limited_server), limited_server.tmp_files()
    assert not limited_server.blob_path(stream.hexdigest()).exists()
    # The server is still healthy and the limit is per request.
    assert u.upload("after.bin", b"after")["size"] == 5


def test_chunked_under_the_limit(limited_server, user):
    u = user(limited_server)
    stream = CountingStream(MiB - 10, chunk=100_000)
    r = u.upload_raw("chunked-ok.bin", iter(stream))
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == stream.hexdigest()
    assert r.json()["size"] == MiB - 10


def wait_empty(srv, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.tmp_files() == []:
            return True
        time.sleep(0.1)
    return srv.tmp_files() == []


def expect_continue_head(u, name: str, length: int) -> bytes:
    path = f"/api/v1/user/{u.id}/files/?name={urllib.parse.quote(name, safe='')}"
    return http_request_head("POST", path, f"127.0.0.1:{u.server.port}", {
        "Authorization": f"Bearer {u.token}",
        "Content-Type": "application/octet-stream",
        "Content-Length": str(length),
        "Expect": "100-continue",
    })


def test_expect_100_continue(module_server, user):
    u = user()
    length = 3_000_000
    body = os.urandom(length)
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=2) as s:
        started = time.monotonic()
        s.sendall(expect_continue_head(u, "continued.bin", length))
        s.settimeout(2)
        first = s.recv(65536)  # raises socket.timeout if the server waits for the body
        assert first.startswith(b"HTTP/1.1 100"), first[:200]
        assert time.monotonic() - started < 1.0
        # Whatever follows the interim response belongs to the final one.
        interim, _, rest = first.partition(b"\r\n\r\n")
        s.settimeout(TIMEOUT)
        s.sendall(body)
        status, headers, payload = read_http_response(s, rest, timeout=TIMEOUT)
    assert status == 201, payload[:300]
    node = json.loads(payload)
    assert node["size"] == length and node["sha256"] == sha256_hex(body)


def test_expect_100_continue_over_limit(limited_server, user):
    u = user(limited_server)
    with socket.create_connection(("127.0.0.1", limited_server.port), timeout=2) as s:
        s.sendall(expect_continue_head(u, "refused.bin", 3_000_000))
        s.settimeout(2)
        status, headers, payload = read_http_response(s, timeout=2)
    assert status == 413, (status, payload[:300])
    body = json.loads(payload)
    assert body["code"] == "payload_too_large" and body["message"]
    assert u.list_all() == []


def run_curl(args, out_path):
    out = subprocess.run(["curl", "-sS", "-o", str(out_path), "-w", "%{http_code} %{time_total}", *args],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    code, total = out.stdout.split()
    return int(code), float(total), out_path.read_text()


# curl sends `Expect: 100-continue` for these bodies and waits a whole second when it goes unanswered,
# so each transfer must take well under a second.
CURL_MAX_SECONDS = 0.95


def test_curl_upload(module_server, user, tmp_path):
    u = user()
    path = tmp_path / "curl-upload.bin"
    data = os.urandom(3_000_000)
    path.write_bytes(data)
    auth = f"Authorization: Bearer {u.token}"
    octet = "Content-Type: application/octet-stream"

    # -T - : streamed from standard input, chunked. (`-T file` against a URL ending in `/` would make
    # curl append the file name to the path, see docs/api.md.)
    with open(path, "rb") as stdin:
        out = subprocess.run(["curl", "-sS", "-X", "POST", "-T", "-", "-H", auth, "-H", octet,
                              "-o", str(tmp_path / "r1.json"), "-w", "%{http_code} %{time_total}",
                              u.url("files/") + "?name=curl-upload.bin"],
                             stdin=stdin, capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    code, total = out.stdout.split()
    body = (tmp_path / "r1.json").read_text()
    assert code == "201", (code, body[:300])
    node = json.loads(body)
    assert node["name"] == "curl-upload.bin"
    assert node["size"] == len(data) and node["sha256"] == sha256_hex(data)
    assert float(total) < CURL_MAX_SECONDS, f"curl -T - took {total}s: Expect: 100-continue not answered?"

    # --data-binary @file: with a Content-Length.
    code, total, body = run_curl(["-H", auth, "-H", octet, "--data-binary", f"@{path}",
                                  u.url("files/") + "?name=curl-data-binary.bin"], tmp_path / "r2.json")
    assert code == 201, body[:300]
    assert json.loads(body)["sha256"] == sha256_hex(data)
    assert total < CURL_MAX_SECONDS, f"curl --data-binary took {total}s"

    # -T file onto the file's own URL: PUT, replacing its content.
    data2 = os.urandom(3_000_000)
    path.write_bytes(data2)
    code, total, body = run_curl(["-H", auth, "-H", octet, "-T", str(path), u.url(f"files/{node['id']}")],
                                 tmp_path / "r3.json")
    assert code == 200, body[:300]
    assert json.loads(body)["id"] == node["id"]
    assert json.loads(body)["sha256"] == sha256_hex(data2)
    assert total < CURL_MAX_SECONDS, f"curl -T file took {total}s"
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.content == data2


def test_json_and_form_bodies_are_capped(module_server, user):
    """Only uploads stream; a huge JSON or form body is refused (413) instead of being buffered."""
    u = user()
    baseline = module_server.peak_rss_kib()
    big = json.dumps({"fullname": "x" * (32 * MiB), "email": "big@example.com", "password": "p" * 8,
                      "password_conf": "p" * 8}).encode()
    r = requests.post(u.api("/auth/register"), data=big, headers={"Content-Type": "application/json"},
                      timeout=TIMEOUT)
    assert_error(r, 413, "payload_too_large")
    r = u.session.post(u.url("folders/"), data=big, headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert_error(r, 413, "payload_too_large")
    r = requests.post(u.api("/auth/login"), data=iter(CountingStream(32 * MiB)),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT)
    assert_error(r, 413, "payload_too_large")
    grown = module_server.peak_rss_kib() - baseline
    assert grown < 16 * 1024, f"peak RSS grew by {grown // 1024} MiB"
    assert u.list_all() == []


# --------------------------------------------------------------------------- quota


@pytest.fixture(scope="module")
def quota_server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "quota", env={"PAPERS_DEFAULT_QUOTA": "100K"})
    yield srv
    srv.close()


def test_quota(quota_server, user):
    u = user(quota_server)
    me = u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()
    assert me["quota_bytes"] == 100 * 1024
    assert me["used_bytes"] == 0

    first = u.upload("first.bin", os.urandom(60_000))
    r = u.upload_raw("second.bin", os.urandom(60_000))
    assert_error(r, 507, "quota_exceeded")
    r = u.upload_raw("chunked.bin", iter(CountingStream(60_000, chunk=8192)))
    assert_error(r, 507, "quota_exceeded")
    r = u.session.put(u.url(f"files/{first['id']}"), data=os.urandom(110_000),
                      headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert_error(r, 507, "quota_exceeded")
    assert [n["name"] for n in u.list_all()] == ["first.bin"]
    assert u.get_node(first["id"]).json()["sha256"] == first["sha256"]
    assert wait_empty(quota_server)
    assert u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()["used_bytes"] == 60_000

    # Up to the quota exactly is fine; replacing with something smaller is fine; freeing space works.
    u.upload("fill.bin", os.urandom(100 * 1024 - 60_000))
    assert u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()["used_bytes"] == 100 * 1024
    assert_error(u.upload_raw("one-more.bin", b"x"), 507, "quota_exceeded")
    # A file in the trash still counts; deleted for good, its room is free.
    assert u.session.delete(u.url(f"files/{first['id']}"), timeout=TIMEOUT).status_code == 204
    assert_error(u.upload_raw("second.bin", os.urandom(60_000)), 507, "quota_exceeded")
    assert u.session.delete(u.url(f"trash/{first['id']}"), timeout=TIMEOUT).status_code == 204
    assert u.upload("second.bin", os.urandom(60_000))["size"] == 60_000


def test_quota_holds_under_parallel_uploads(quota_server, user):
    """Eight 30 KB uploads at once against a 100 KiB quota: at most three fit, whatever the timing."""
    from concurrent.futures import ThreadPoolExecutor

    u = user(quota_server)

    def upload(i):
        return u.upload_raw(f"p{i}.bin", os.urandom(30_000), session=u.new_session())

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(upload, range(8)))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 507}, codes
    assert codes.count(201) == 3, codes
    used = u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()["used_bytes"]
    assert used == 90_000 <= 100 * 1024
    assert len(u.list_all()) == 3
