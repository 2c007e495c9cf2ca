"""`papers admin users ...` and `--registration` (issue 18): accounts made, limited, disabled, reset
and removed by the operator on the server's own database, while the server runs, and seen by it
within a second, on SQLite and PostgreSQL alike; each subcommand's bad input; the registration
modes and their default."""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import time

import pytest
import requests

from conftest import (API, BACKEND, PAPERS_BIN, PASSWORD, TIMEOUT, Server, assert_error, login, new_user, postgres_database,
                      register, unique_email, wait_until)


def admin(server: Server, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """Runs `papers admin ARGS` on the server's data (and its database on PostgreSQL)."""
    store = ["--data", str(server.data_dir)]
    if BACKEND == "postgres":
        store += ["--database", postgres_database(server.data_dir)]
    return subprocess.run([PAPERS_BIN, "admin", *args, *store], capture_output=True, text=True, timeout=120,
                          input=None if password is None else password + "\n")


def accounts(server: Server) -> dict[str, dict]:
    listed = admin(server, "users", "ls", "--json")
    assert listed.returncode == 0, listed.stderr
    return {a["email"]: a for a in json.loads(listed.stdout)}


def test_an_operator_adds_lists_and_limits_accounts_while_the_server_runs(server):
    email = unique_email()
    added = admin(server, "users", "add", email.upper(), "--fullname", "Grace Hopper", "--password-stdin", "--quota", "1K",
                  password=PASSWORD)
    assert added.returncode == 0, added.stderr
    assert email in added.stdout
    r = login(server, email)
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    me = requests.get(server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT).json()
    assert me["fullname"] == "Grace Hopper" and me["quota_bytes"] == 1024
    user_id = r.json()["user_id"]
    up = requests.post(server.url(f"{API}/user/{user_id}/files/"), params={"name": "big.bin"}, data=b"x" * 2000,
                       headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert_error(up, 507)
    assert admin(server, "users", "quota", email, "unlimited").returncode == 0
    up = requests.post(server.url(f"{API}/user/{user_id}/files/"), params={"name": "big.bin"}, data=b"x" * 2000,
                       headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert up.status_code == 201, up.text
    listed = accounts(server)[email]
    assert listed["used_bytes"] == 2000 and listed["files"] == 1 and listed["quota_bytes"] is None and not listed["disabled"]
    table = admin(server, "users", "ls")
    assert table.returncode == 0 and email in table.stdout and "unlimited" in table.stdout and "1,953" not in table.stdout
    assert admin(server, "users", "quota", email, "2G").returncode == 0
    assert accounts(server)[email]["quota_bytes"] == 2 * 1024 ** 3


@pytest.mark.parametrize("args, code, says", [
    (["users", "quota", "nobody@example.com", "1G"], 2, "no account has the e-mail address nobody@example.com"),
    (["users", "disable", "nobody@example.com"], 2, "no account"),
    (["users", "enable", "nobody@example.com"], 2, "no account"),
    (["users", "rm", "nobody@example.com", "--yes"], 2, "no account"),
    (["users", "reset-password", "nobody@example.com", "--password-stdin"], 2, "no account"),
    (["users", "quota", "{taken}", "lots"], 1, "a quota must be a size"),
    (["users", "quota", "{taken}", "1.5.G"], 1, "a quota must be a size"),
    (["users", "add", "fresh@example.com", "--fullname", "X", "--password-stdin", "--quota=-5M"], 1, "a quota must be a size"),
    (["users", "add", "{taken}", "--fullname", "Twin", "--password-stdin"], 3, "exists already"),
    (["users", "add", "not-an-address", "--fullname", "X", "--password-stdin"], 1, "Enter a valid e-mail address."),
    (["users", "add", "fresh@example.com", "--fullname", "X", "--password-stdin", "--quota", "1Q"], 1, "a quota must be a size"),
    (["users", "add", "fresh@example.com", "--fullname", "   ", "--password-stdin"], 1, "full name"),
])
def test_bad_input_gets_one_line_and_its_exit_code_and_changes_nothing(server, args, code, says):
    taken = new_user(server)
    before = accounts(server)
    done = admin(server, *[a.replace("{taken}", taken.email) for a in args], password=PASSWORD)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert accounts(server) == before


def test_a_short_password_and_a_missing_one_are_refused(server):
    ada = new_user(server)
    for password in ["short", ""]:
        done = admin(server, "users", "reset-password", ada.email, "--password-stdin", password=password)
        assert done.returncode == 1, done.stderr
    assert login(server, ada.email).status_code == 200


def test_a_disabled_account_is_refused_within_a_second_everywhere_and_enabled_again(server):
    ada = new_user(server)
    f = ada.upload("a.txt", b"hello")
    link = requests.post(ada.url("shares/"), json={"node_id": f["id"]}, headers=ada.auth, timeout=TIMEOUT).json()["url_path"]
    app = requests.post(server.url(f"{API}/auth/app-passwords"), json={"name": "dav"}, headers=ada.auth, timeout=TIMEOUT).json()
    basic = "Basic " + base64.b64encode(f"{ada.email}:{app['password']}".encode()).decode()
    assert requests.get(server.url(link), timeout=TIMEOUT).status_code == 200
    done = admin(server, "users", "disable", ada.email)
    assert done.returncode == 0, done.stderr
    disabled_at = time.monotonic()
    assert wait_until(lambda: requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT).status_code == 403, timeout=3)
    assert time.monotonic() - disabled_at < 2.5
    assert_error(requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT), 403, "account_disabled")
    assert_error(login(server, ada.email), 403, "account_disabled")
    assert_error(login(server, ada.email, "wrong password!"), 401, "invalid_credentials")
    dav = requests.request("PROPFIND", server.url("/dav/"), headers={"Authorization": basic, "Depth": "0"}, timeout=TIMEOUT)
    assert dav.status_code == 403, dav.text
    assert requests.get(server.url(link), timeout=TIMEOUT).status_code == 404
    assert accounts(server)[ada.email]["disabled"]

    assert admin(server, "users", "enable", ada.email).returncode == 0
    assert wait_until(lambda: requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT).status_code == 200, timeout=3)
    assert login(server, ada.email).status_code == 200
    assert requests.request("PROPFIND", server.url("/dav/"), headers={"Authorization": basic, "Depth": "0"},
                            timeout=TIMEOUT).status_code == 207
    assert requests.get(server.url(link), timeout=TIMEOUT).text == "hello"


def test_a_password_reset_ends_every_session_and_the_new_password_logs_in(server):
    ada = new_user(server)
    time.sleep(1.1)  # tokens carry their issue time in whole seconds
    done = admin(server, "users", "reset-password", ada.email, "--password-stdin", password="a brand new password")
    assert done.returncode == 0, done.stderr
    assert wait_until(lambda: requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT).status_code == 401, timeout=3)
    assert_error(requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT), 401, "token_revoked")
    assert_error(login(server, ada.email), 401, "invalid_credentials")
    fresh = login(server, ada.email, "a brand new password")
    assert fresh.status_code == 200
    assert requests.get(ada.url("files/"), headers={"Authorization": f"Bearer {fresh.json()['token']}"}, timeout=TIMEOUT).status_code == 200


def test_removing_an_account_takes_its_files_and_their_content(server):
    ada, bob = new_user(server), new_user(server)
    only_adas = b"only Ada has these bytes " * 1000
    ada.upload("mine.bin", only_adas)
    ada.upload("both.txt", b"Ada and Bob both keep this")
    bobs = bob.upload("both.txt", b"Ada and Bob both keep this")
    only = server.blob_path(hashlib.sha256(only_adas).hexdigest())
    both = server.blob_path(hashlib.sha256(b"Ada and Bob both keep this").hexdigest())
    if BACKEND == "sqlite":
        assert only.exists() and both.exists()
    # Not a terminal: no question is asked, whatever --yes says.
    done = admin(server, "users", "rm", ada.email)
    assert done.returncode == 0, done.stderr
    assert "removed" in done.stdout
    assert ada.email not in accounts(server)
    assert wait_until(lambda: requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT).status_code == 401, timeout=3)
    assert_error(requests.get(ada.url("files/"), headers=ada.auth, timeout=TIMEOUT), 401, "account_not_found")
    assert_error(login(server, ada.email), 401)
    if BACKEND == "sqlite":
        assert wait_until(lambda: not only.exists(), timeout=10), "the collector did not remove the content only Ada used"
        assert both.exists()
    assert bob.session.get(bob.url(f"files/{bobs['id']}/content"), timeout=TIMEOUT).content == b"Ada and Bob both keep this"
    # The e-mail is free again.
    assert register(server, ada.email).status_code == 201


def test_admin_works_on_a_stopped_server_and_refuses_a_directory_without_a_database(server, tmp_path):
    ada = new_user(server)
    server.stop()
    assert admin(server, "users", "disable", ada.email).returncode == 0
    server.restart()
    assert_error(login(server, ada.email), 403, "account_disabled")
    if BACKEND == "sqlite":
        nowhere = tmp_path / "nowhere"
        done = subprocess.run([PAPERS_BIN, "admin", "users", "ls", "--data", str(nowhere)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "there is no Papers database" in done.stderr
        assert not nowhere.exists(), "admin made a data directory"


def start(tmp_path, *args: str) -> Server:
    return Server(tmp_path / "data", extra_args=list(args), log_path=tmp_path / "server.log").start()


def test_closed_registration_refuses_register_and_says_so_at_start(tmp_path):
    srv = start(tmp_path, "--registration", "closed")
    try:
        assert_error(register(srv, unique_email()), 403, "registration_closed")
        assert_error(requests.post(srv.url(f"{API}/auth/register"), data=b"{not json", timeout=TIMEOUT), 403, "registration_closed")
        assert "registration=closed" in srv.log_text()
        email = unique_email()
        assert admin(srv, "users", "add", email, "--fullname", "Made By Admin", "--password-stdin", password=PASSWORD).returncode == 0
        assert login(srv, email).status_code == 200
    finally:
        srv.close()


def test_registration_is_closed_by_default_on_a_public_address_and_open_on_loopback(tmp_path):
    public = start(tmp_path / "public", "--host", "0.0.0.0")
    try:
        assert "registration=closed" in public.log_text()
        assert_error(register(public, unique_email()), 403, "registration_closed")
    finally:
        public.close()
    opened = start(tmp_path / "opened", "--host", "0.0.0.0", "--registration", "open")
    try:
        assert "registration=open" in opened.log_text()
        assert register(opened, unique_email()).status_code == 201
    finally:
        opened.close()
    loopback = start(tmp_path / "loopback")
    try:
        assert "registration=open" in loopback.log_text()
        assert register(loopback, unique_email()).status_code == 201
    finally:
        loopback.close()


def test_a_bad_registration_value_stops_the_start_with_one_line(tmp_path):
    done = subprocess.run([PAPERS_BIN, "serve", "--data", str(tmp_path / "d"), "--registration", "sometimes"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "registration must look like open or closed, not sometimes" in done.stderr
