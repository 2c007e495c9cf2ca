"""`--metrics`, `--metrics-listen` and `--log-format json` (issue 18): Prometheus text that counts
what happened, labelled by route templates and never by ids; uploads in flight seen while one is;
the page on another address when asked; and log lines a shipper can parse."""
from __future__ import annotations

import json
import re
import subprocess
import threading
import time

import pytest
import requests

from conftest import API, PAPERS_BIN, TIMEOUT, Server, free_port, new_user

# A name, then labels whose quoted values may hold anything (route templates have braces), then the value.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)$')


def scrape(url: str) -> dict[str, float]:
    """`name{labels}` → value for every sample of the page (which must all parse)."""
    r = requests.get(url, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not Prometheus text: {line!r}"
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


def start(tmp_path, *args: str) -> Server:
    return Server(tmp_path / "data", extra_args=list(args), log_path=tmp_path / "server.log").start()


def test_metrics_count_requests_bytes_uploads_in_flight_and_the_database(tmp_path):
    srv = start(tmp_path, "--metrics")
    try:
        ada = new_user(srv)
        before = scrape(srv.url("/metrics"))
        uploads = 'papers_http_requests_total{route="/api/v1/user/{user_id}/files",method="POST",status="201"}'
        payload = b"m" * 300_000
        ids = [ada.upload(f"f{i}.bin", payload)["id"] for i in range(3)]
        for i in ids:
            assert len(ada.session.get(ada.url(f"files/{i}/content"), timeout=TIMEOUT).content) == len(payload)
        assert ada.session.get(ada.url("files/not-an-id"), timeout=TIMEOUT).status_code == 404

        # An upload that trickles in is in flight while it does.
        release = threading.Event()

        def slow_body():
            yield b"x" * 1000
            release.wait(10)
            yield b"y" * 1000

        slow = threading.Thread(target=lambda: ada.session.post(
            ada.url("files/"), params={"name": "slow.bin"}, data=slow_body(),
            headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT))
        slow.start()
        try:
            deadline = time.monotonic() + 5
            while scrape(srv.url("/metrics"))["papers_uploads_in_flight"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert scrape(srv.url("/metrics"))["papers_uploads_in_flight"] == 1
        finally:
            release.set()
            slow.join(10)
        after = scrape(srv.url("/metrics"))
        assert after["papers_uploads_in_flight"] == 0
        assert after[uploads] - before.get(uploads, 0) == 4
        downloads = 'papers_http_requests_total{route="/api/v1/user/{user_id}/files/{file_id}/content",method="GET",status="200"}'
        assert after[downloads] - before.get(downloads, 0) == 3
        missing = 'papers_http_requests_total{route="/api/v1/user/{user_id}/files/{file_id}",method="GET",status="404"}'
        assert after[missing] - before.get(missing, 0) == 1
        assert after["papers_http_received_bytes_total"] - before["papers_http_received_bytes_total"] >= 3 * len(payload) + 2000
        assert after["papers_http_sent_bytes_total"] - before["papers_http_sent_bytes_total"] >= 3 * len(payload)
        assert after["papers_database_operations_total"] > before["papers_database_operations_total"]
        assert after["papers_database_connections"] >= 2 and after["papers_database_connections_in_use"] >= 0
        histogram = 'papers_http_request_duration_seconds_count{route="/api/v1/user/{user_id}/files",method="POST",status="201"}'
        assert after[histogram] - before.get(histogram, 0) == 4
        assert any(k.startswith("papers_http_request_duration_seconds_bucket{") and 'le="0.005"' in k for k in after)
        # Labels carry templates, never ids.
        text = requests.get(srv.url("/metrics"), timeout=TIMEOUT).text
        for secret in [ada.id, *ids, "not-an-id"]:
            assert secret not in text
        # No token needed, and none of another route's rules.
        assert requests.get(srv.url("/metrics"), headers={"Authorization": "Bearer junk"}, timeout=TIMEOUT).status_code == 200
    finally:
        srv.close()


def test_metrics_are_off_by_default_and_on_another_address_when_asked(tmp_path):
    off = start(tmp_path / "off")
    try:
        assert requests.get(off.url("/metrics"), timeout=TIMEOUT).status_code == 404
    finally:
        off.close()
    port = free_port()
    aside = start(tmp_path / "aside", "--metrics-listen", f"127.0.0.1:{port}")
    try:
        assert requests.get(aside.url("/metrics"), timeout=TIMEOUT).status_code == 404
        new_user(aside)
        samples = scrape(f"http://127.0.0.1:{port}/metrics")
        assert samples['papers_http_requests_total{route="/api/v1/auth/register",method="POST",status="201"}'] == 1
        assert f"metrics=127.0.0.1:{port}" in aside.log_text()
    finally:
        aside.close()


@pytest.mark.parametrize("args, says", [
    (["--metrics-listen", "9090"], "metrics-listen must look like 127.0.0.1:9090"),
    (["--metrics-listen", "127.0.0.1:99999"], "metrics-listen must look like"),
    (["--log-format", "xml"], "log-format must look like text or json, not xml"),
])
def test_bad_operator_options_stop_the_start_with_one_line(tmp_path, args, says):
    done = subprocess.run([PAPERS_BIN, "serve", "--data", str(tmp_path / "d"), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert says in done.stderr, done.stderr


def test_json_logs_are_one_object_per_line_with_the_request_as_fields(tmp_path):
    srv = start(tmp_path, "--log-format", "json")
    try:
        ada = new_user(srv)
        r = requests.get(srv.url(f"{API}/user/{ada.id}/files/"), headers={**ada.auth, "X-Request-Id": "trace-me-42"}, timeout=TIMEOUT)
        assert r.status_code == 200
    finally:
        srv.close()
    lines = [l for l in srv.log_text().splitlines() if l and not l.startswith("=====")]
    records = [json.loads(l) for l in lines]  # every line parses
    assert all({"time", "level", "label", "message"} <= set(r) for r in records)
    assert any(r["level"] == "notice" and "listening on" in r["message"] for r in records)
    mine = [r for r in records if r.get("request_id") == "trace-me-42"]
    assert len(mine) == 1
    assert mine[0]["method"] == "GET" and mine[0]["status"] == "200" and mine[0]["path"] == f"{API}/user/{ada.id}/files/"
    assert float(mine[0]["duration_ms"]) >= 0
