"""Two real `papers serve` processes on one data directory (one database — SQLite, or PostgreSQL in the
suite's PostgreSQL run — one blob folder, one signing key) behave as one server (issue 12): what one answered the other sees, a logout on one is
refused by the other within a second, login throttling counts across both, content is never removed
while either may use it, and one process's crash or start-up never disturbs the other.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import (API, BACKEND, PASSWORD, TIMEOUT, CountingStream, MiB, Server, User, assert_error, file_sha256, login,
                      register, sha256_hex, unique_email, wait_until)


@pytest.fixture
def pair(tmp_path):
    data = tmp_path / "data"
    a = Server(data, log_path=tmp_path / "a.log").start()
    b = Server(data, log_path=tmp_path / "b.log").start()
    yield a, b
    a.close()
    b.close()


def as_user_on(user: User, server: Server) -> User:
    """The same account and token, talking to another process."""
    return User(server, user.email, user.password, user.fullname, user.id, user.token, user.login_body)


def registered(a: Server) -> User:
    email = unique_email()
    assert register(a, email).status_code == 201
    r = login(a, email)
    assert r.status_code == 200
    body = r.json()
    return User(a, email, PASSWORD, "Test User", body["user_id"], body["token"], body)


def test_what_one_answers_the_other_sees(pair):
    a, b = pair
    on_a = registered(a)
    on_b = as_user_on(on_a, b)
    data = os.urandom(300_000)
    node = on_a.upload("report.bin", data)
    r = on_b.session.get(on_b.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == data
    r = on_b.session.put(on_b.url(f"files/{node['id']}"), json={"name": "renamed.bin"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert on_a.get_node(node["id"]).json()["name"] == "renamed.bin"
    folder = on_b.mkdir("Made on B")
    assert [n["name"] for n in on_a.list_all()] == ["Made on B", "renamed.bin"]
    # Names stay unique across both: the same name made on A is a conflict.
    assert_error(on_a.mkdir_raw("Made on B"), 409, "name_conflict")
    assert on_a.session.delete(on_a.url(f"folders/{folder['id']}"), timeout=TIMEOUT).status_code == 204
    assert on_b.get_node(folder["id"]).status_code == 404


def test_a_logout_on_one_is_refused_by_the_other_within_a_second(pair):
    a, b = pair
    on_a = registered(a)
    on_b = as_user_on(on_a, b)
    assert on_b.session.get(on_b.api("/auth/me"), timeout=TIMEOUT).status_code == 200  # B has seen the token
    assert on_a.session.post(on_a.api("/auth/logout"), timeout=TIMEOUT).status_code == 204
    started = time.monotonic()
    assert wait_until(lambda: on_b.session.get(on_b.api("/auth/me"), timeout=TIMEOUT).status_code == 401,
                      timeout=5, interval=0.05), "B still accepts the token A revoked"
    assert time.monotonic() - started < 1.0


def test_login_throttling_counts_across_both(pair):
    a, b = pair
    email = unique_email()
    assert register(a, email).status_code == 201
    for i in range(10):
        assert_error(login(a if i % 2 else b, email, f"wrong {i}"), 401, "invalid_credentials")
    assert_error(login(a, email, "wrong again"), 429, "too_many_attempts")
    assert_error(login(b, email, PASSWORD), 429, "too_many_attempts")


def test_identical_uploads_racing_deletes_on_both_keep_every_answered_file(pair):
    a, b = pair
    on_a = registered(a)
    on_b = as_user_on(on_a, b)
    data = os.urandom(200_000)
    sha = sha256_hex(data)
    kept: list[dict] = []
    lock = threading.Lock()
    errors: list[str] = []

    def work(i: int):
        who = on_a if i % 2 else on_b
        session = who.new_session()
        r = who.upload_raw(f"copy-{i:02d}.bin", data, session=session)
        if r.status_code != 201:
            errors.append(f"{i}: {r.status_code} {r.text[:200]}")
            return
        node = r.json()
        if i % 3 == 0:  # every third is deleted again at once, on the other process
            other = on_b if who is on_a else on_a
            r = other.new_session().delete(other.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)
            assert r.status_code == 204
        else:
            with lock:
                kept.append(node)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(kept) == 26
    for i, node in enumerate(kept):
        who = on_a if i % 2 else on_b
        r = who.session.get(who.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    # Afterwards, the blob folder holds exactly the referenced content (after the collectors' rounds).
    blobs = lambda: {p.name for p in a.blob_files()}  # noqa: E731
    assert blobs() == {sha}
    for node in kept:
        assert on_a.session.delete(on_a.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT).status_code == 204
    assert wait_until(lambda: blobs() == set()), blobs()


@pytest.mark.timeout(180)
def test_a_process_killed_mid_upload_leaves_the_other_serving_and_restarts_clean(pair):
    a, b = pair
    on_a = registered(a)
    on_b = as_user_on(on_a, b)
    # B is mid-upload in its own staging folder while A is killed mid-upload and restarted.
    slow_b = CountingStream(32 * MiB, delay=0.25)  # about 8 s
    b_result: dict = {}

    def upload_on_b():
        r = on_b.upload_raw("from-b.bin", slow_b, timeout=120, session=on_b.new_session())
        b_result["status"] = r.status_code
        b_result["node"] = r.json() if r.status_code == 201 else r.text

    stream = CountingStream(512 * MiB, delay=0.01)  # at least 5 s: still going when A is killed
    a_result: dict = {}

    def upload_on_a():
        try:
            r = on_a.upload_raw("from-a.bin", stream, timeout=120, session=on_a.new_session())
            a_result["status"] = r.status_code
        except requests.RequestException as e:
            a_result["error"] = str(e)

    tb = threading.Thread(target=upload_on_b, daemon=True)
    ta = threading.Thread(target=upload_on_a, daemon=True)
    tb.start()
    ta.start()
    assert wait_until(lambda: stream.sent >= 50 * MiB and slow_b.sent >= 4 * MiB, timeout=60)
    a.kill()
    ta.join(60)
    assert not ta.is_alive()
    assert "error" in a_result, f"the upload cannot have succeeded: {a_result}"
    a.restart()  # its start-up clears the dead process's staging, not B's upload in progress
    tb.join(120)
    assert b_result.get("status") == 201, b_result
    assert b_result["node"]["sha256"] == slow_b.hexdigest()
    assert [n["name"] for n in on_a.list_all()] == ["from-b.bin"]
    r = on_a.session.get(on_a.url(f"files/{b_result['node']['id']}/content"), timeout=60)
    assert hashlib.sha256(r.content).hexdigest() == slow_b.hexdigest()
    assert wait_until(lambda: a.tmp_files() == []), a.tmp_files()


@pytest.mark.postgres_only
def test_a_database_outage_is_a_quick_503_on_both_and_heals_by_itself(pair):
    """PostgreSQL stopped: /health and every route answer 503 (JSON, within seconds, never a hang or a
    500) on both processes; started again: both serve again without a restart."""
    a, b = pair
    on_a = registered(a)
    on_b = as_user_on(on_a, b)
    kept = on_a.upload("kept.txt", b"kept across the outage")
    ctl = os.environ["PAPERS_TEST_POSTGRES_CTL"].split()
    subprocess.run([*ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True, timeout=60)
    try:
        for server, user in ((a, on_a), (b, on_b)):
            started = time.monotonic()
            r = requests.get(server.url("/health"), timeout=30)
            assert r.status_code == 503 and r.json()["status"] == "unavailable", r.text
            r = user.session.get(user.url("files/"), timeout=30)
            assert_error(r, 503, "unavailable")
            assert r.headers.get("Retry-After")
            r = user.session.post(user.url("files/"), params={"name": "during.txt"}, data=b"x" * 1000, timeout=30,
                                  headers={"Content-Type": "application/octet-stream"})
            assert_error(r, 503, "unavailable")
            assert time.monotonic() - started < 20, "the refusals took too long"
    finally:
        subprocess.run([*ctl, "-w", "start"], check=True, capture_output=True, timeout=60)
    for server, user in ((a, on_a), (b, on_b)):
        assert wait_until(lambda: requests.get(server.url("/health"), timeout=5).status_code == 200, timeout=30)
        r = user.session.get(user.url(f"files/{kept['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == b"kept across the outage"
    assert on_b.upload("after.txt", b"after")["size"] == 5
