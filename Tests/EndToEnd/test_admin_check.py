"""`papers admin check [--repair]` (issue 18) on a running server, on SQLite and PostgreSQL alike: a
flipped byte and a missing blob found and named with the files that use them, stored content no file
uses found and removed, a wrong folder size found and recomputed; what cannot be mended stays
reported (exit 5) until the files that need it are gone."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import time

from conftest import BACKEND, PAPERS_BIN, TIMEOUT, postgres_database, psql


def check(server, *args: str) -> tuple[int, dict]:
    store = ["--data", str(server.data_dir)]
    if BACKEND == "postgres":
        store += ["--database", postgres_database(server.data_dir)]
    done = subprocess.run([PAPERS_BIN, "admin", "check", "--json", *args, *store], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 5), (done.returncode, done.stderr)
    return done.returncode, json.loads(done.stdout)


def run_sql(server, sql: str) -> None:
    if BACKEND == "postgres":
        psql(sql, postgres_database(server.data_dir).rsplit("/", 1)[1])
    else:
        with sqlite3.connect(server.data_dir / "papers.sqlite", timeout=10) as db:
            db.execute(sql)


def test_check_finds_damage_repairs_what_it_can_and_reports_the_rest(server, user):
    ada, bob = user(server), user(server)
    work = ada.mkdir("Wörk")
    good = ada.upload("good.txt", b"all is well", work["id"])
    flipped_bytes = os.urandom(300_000)
    flipped = ada.upload("flipped.bin", flipped_bytes, work["id"])
    missing_bytes = b"this blob will vanish" * 100
    missing = ada.upload("missing.bin", missing_bytes)
    bob.upload("also-good.txt", b"bob's own bytes")
    # A replaced file keeps its earlier content as a version: that is checked too.
    r = ada.session.put(ada.url(f"files/{good['id']}"), data=b"all is still well", headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text

    code, report = check(server)
    assert code == 0, report
    assert report["contents_checked"] == 5 and not report["damaged"] and not report["unused"] and not report["size_mismatches"]
    assert report["bytes_checked"] == 11 + 300_000 + len(missing_bytes) + 15 + 17

    # The damage: one byte flipped, one blob deleted, an old stray blob, a folder size off by 7.
    flipped_path = server.blob_path(hashlib.sha256(flipped_bytes).hexdigest())
    os.chmod(flipped_path, 0o600)
    with open(flipped_path, "r+b") as f:
        f.seek(150_000)
        byte = f.read(1)
        f.seek(150_000)
        f.write(bytes([byte[0] ^ 0x01]))
    server.blob_path(hashlib.sha256(missing_bytes).hexdigest()).unlink()
    stray = hashlib.sha256(b"nobody uploaded this").hexdigest()
    stray_path = server.blob_path(stray)
    stray_path.parent.mkdir(parents=True, exist_ok=True)
    stray_path.write_bytes(b"nobody uploaded this")
    two_hours_ago = time.time() - 7200
    os.utime(stray_path, (two_hours_ago, two_hours_ago))
    young = hashlib.sha256(b"an upload in flight").hexdigest()
    server.blob_path(young).parent.mkdir(parents=True, exist_ok=True)
    server.blob_path(young).write_bytes(b"an upload in flight")
    run_sql(server, f"UPDATE nodes SET size = size + 7 WHERE id = '{work['id']}'")

    code, report = check(server)
    assert code == 5
    damaged = {d["problem"]: d for d in report["damaged"]}
    assert set(damaged) == {"corrupt", "missing"}, report["damaged"]
    assert damaged["corrupt"]["sha256"] == hashlib.sha256(flipped_bytes).hexdigest()
    assert damaged["corrupt"]["users"] == [{"email": ada.email.lower(), "file_id": flipped["id"], "name": "flipped.bin", "place": "file"}]
    assert damaged["missing"]["users"] == [{"email": ada.email.lower(), "file_id": missing["id"], "name": "missing.bin", "place": "file"}]
    assert report["unused"] == [stray], "an old stray blob is unused; a young one may be an upload about to commit"
    wrong = {m["name"]: m for m in report["size_mismatches"]}
    assert wrong["Wörk"]["stored"] == wrong["Wörk"]["actual"] + 7 and wrong["Wörk"]["email"] == ada.email.lower()

    code, report = check(server, "--repair")
    assert code == 5, "damaged content cannot be repaired here"
    assert report["unused_removed"] == 1 and report["sizes_repaired"] >= 1
    assert not stray_path.exists() and server.blob_path(young).exists()
    code, report = check(server)
    assert code == 5 and not report["unused"] and not report["size_mismatches"] and len(report["damaged"]) == 2
    assert ada.get_node(work["id"]).json()["size"] == 17 + 300_000
    # The human report names the same things.
    store = ["--data", str(server.data_dir)] + (["--database", postgres_database(server.data_dir)] if BACKEND == "postgres" else [])
    text = subprocess.run([PAPERS_BIN, "admin", "check", *store], capture_output=True, text=True, timeout=300)
    assert text.returncode == 5
    assert f"missing  {hashlib.sha256(missing_bytes).hexdigest()}" in text.stdout and "flipped.bin (file)" in text.stdout

    # Once the files that need the lost content are gone for good, nothing is wrong.
    for node in (flipped, missing):
        r = ada.session.delete(ada.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)
        assert r.status_code == 204, r.text
    code, report = check(server)
    assert code == 0, report


def test_check_of_a_directory_without_a_database_is_one_line_and_exit_1(tmp_path):
    done = subprocess.run([PAPERS_BIN, "admin", "check", "--data", str(tmp_path / "none")], capture_output=True, text=True, timeout=60)
    if BACKEND == "sqlite":
        assert done.returncode == 1 and "there is no Papers database" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
