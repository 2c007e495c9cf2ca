"""`papers admin migrate --to postgres://...` (issue 12): a stopped server's SQLite database copied into
an empty PostgreSQL database, all or nothing; the same data directory then served on PostgreSQL holds
every account, file, folder, id, etag and logout it held, and downloads the same bytes."""
from __future__ import annotations

import hashlib
import os
import subprocess
import uuid

import pytest
import requests

from conftest import (PAPERS_BIN, PASSWORD, POSTGRES_URL, TIMEOUT, Server, assert_error, free_port, login, new_user,
                      psql)

pytestmark = pytest.mark.postgres_only


def empty_database() -> str:
    name = "m_" + uuid.uuid4().hex[:20]
    psql(f"CREATE DATABASE {name}")
    return POSTGRES_URL + name


def migrate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PAPERS_BIN, "admin", "migrate", *args], capture_output=True, text=True, timeout=120)


def test_a_sqlite_data_directory_moves_to_postgresql_whole(tmp_path):
    data = tmp_path / "data"
    sqlite = Server(data, extra_args=["--database", f"sqlite:{data}/papers.sqlite"], log_path=tmp_path / "before.log").start()
    ada, bob = new_user(sqlite, "Ada"), new_user(sqlite, "Bob")
    big = os.urandom(2 * 1024 * 1024 + 3)
    work = ada.mkdir("Wörk & Play")
    deep = ada.mkdir("2026 (draft)", work["id"])
    ada.upload("réport.pdf", big, deep["id"])
    ada.upload("a (1).txt", b"numbered")
    ada.upload("same.txt", b"shared bytes")
    bob.upload("same.txt", b"shared bytes")
    gone = bob.upload("deleted.txt", b"deleted bytes")
    assert bob.session.delete(bob.url(f"files/{gone['id']}"), params={"permanent": "true"}, timeout=TIMEOUT).status_code == 204
    # The trash and versions come along too.
    trashed = ada.upload("trashed.txt", b"in the trash")
    assert ada.session.delete(ada.url(f"files/{trashed['id']}"), timeout=TIMEOUT).status_code == 204
    versioned = ada.upload("versioned.txt", b"one")
    assert ada.session.put(ada.url(f"files/{versioned['id']}"), data=b"two",
                           headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT).status_code == 200
    # So do app passwords and WebDAV dead properties.
    app = ada.session.post(ada.api("/auth/app-passwords"), json={"name": "laptop"}, timeout=TIMEOUT).json()
    proppatch = ('<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:colour>blue</Z:colour></D:prop>'
                 '</D:set></D:propertyupdate>')
    dav = requests.Session()
    dav.auth = (ada.email, app["password"])
    assert dav.request("PROPPATCH", sqlite.url("/dav/a%20(1).txt"), data=proppatch, timeout=TIMEOUT).status_code == 207
    logged_out = login(sqlite, bob.email).json()["token"]
    assert requests.post(sqlite.url("/api/v1/auth/logout"), headers={"Authorization": f"Bearer {logged_out}"},
                         timeout=TIMEOUT).status_code == 204
    before = {u.email: u.walk() for u in (ada, bob)}
    trash_before = {u.email: u.session.get(u.url("trash/"), timeout=TIMEOUT).json()["items"] for u in (ada, bob)}
    versions_before = ada.session.get(ada.url(f"files/{versioned['id']}/versions"), timeout=TIMEOUT).json()
    sqlite.close()

    url = empty_database()
    result = migrate("--data", str(data), "--to", url)
    assert result.returncode == 0, result.stderr
    # Two roots, seven of Ada's (one in the trash), one of Bob's (the file deleted for good is gone).
    assert "copied 2 accounts, 10 files and folders (roots included)" in result.stdout, result.stdout
    assert "and 1 revoked tokens" in result.stdout, result.stdout

    pg = Server(data, extra_args=["--database", url], log_path=tmp_path / "after.log").start()
    try:
        assert requests.get(pg.url("/health"), timeout=TIMEOUT).json()["database"] == "postgres"
        for user in (ada, bob):
            user.server = pg
            relogged = login(pg, user.email)  # password hashes came along
            assert relogged.status_code == 200 and relogged.json()["user_id"] == user.id
            after = user.walk()
            assert after == before[user.email], "same ids, names, paths, sizes, etags and dates"
            assert user.session.get(user.url("trash/"), timeout=TIMEOUT).json()["items"] == trash_before[user.email]
            for node in after:
                if not node["is_folder"]:
                    r = user.session.get(user.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
                    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == node["sha256"]
        assert ada.session.get(ada.url(f"files/{versioned['id']}/versions"), timeout=TIMEOUT).json() == versions_before
        r = ada.session.get(ada.url(f"files/{versioned['id']}/versions/1/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == b"one"
        assert ada.session.post(ada.url(f"trash/{trashed['id']}/restore"), timeout=TIMEOUT).json()["path"] == "/trashed.txt"
        r = requests.get(pg.url("/api/v1/auth/me"), headers={"Authorization": f"Bearer {logged_out}"}, timeout=TIMEOUT)
        assert_error(r, 401, "token_revoked")
        asked = '<D:propfind xmlns:D="DAV:"><D:prop><Z:colour xmlns:Z="urn:z"/></D:prop></D:propfind>'
        r = dav.request("PROPFIND", pg.url("/dav/a%20(1).txt"), headers={"Depth": "0"}, data=asked, timeout=TIMEOUT)
        assert r.status_code == 207 and b">blue</colour>" in r.content, r.text
        # The copy goes on working: new uploads, the same names refused as before.
        assert ada.upload("after.txt", b"after")["size"] == 5
        assert_error(ada.mkdir_raw("Wörk & Play"), 409, "name_conflict")
    finally:
        pg.close()

    # Into a database that already holds accounts: refused, nothing changed.
    again = migrate("--data", str(data), "--to", url)
    assert again.returncode == 1
    assert "already holds 2 accounts" in again.stderr and "nothing was copied" in again.stderr


def test_bad_targets_and_sources_are_refused_with_one_clear_line(tmp_path):
    data = tmp_path / "data"
    srv = Server(data, extra_args=["--database", f"sqlite:{data}/papers.sqlite"], log_path=tmp_path / "s.log").start()
    new_user(srv)
    srv.close()
    cases = [
        (["--data", str(data), "--to", str(tmp_path / "other.sqlite")], "--to must be a postgres:// or postgresql:// url"),
        (["--data", str(data), "--to", "postgres://127.0.0.1/papers"], "names no user"),
        (["--data", str(data), "--to", f"postgres://papers@127.0.0.1:{free_port()}/papers?sslmode=disable"],
         "cannot reach the database"),
        (["--data", str(tmp_path / "nothing-here"), "--to", empty_database()], "there is no database at"),
        (["--data", str(data), "--to", POSTGRES_URL + "papers?sslmode=sometimes"], "sslmode must be"),
        (["--data", str(data)], "missing expected argument '--to"),
    ]
    for args, needle in cases:
        result = migrate(*args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert needle in result.stderr.lower(), (args, result.stderr)
        assert "SECRET" not in result.stderr
    # A password in the URL is never printed.
    result = migrate("--data", str(data), "--to", f"postgres://papers:SECRET@127.0.0.1:{free_port()}/papers")
    assert result.returncode == 1 and "SECRET" not in result.stderr and "***" in result.stderr, result.stderr
