"""`papers admin backup DIR` and `papers admin restore DIR --data NEWDIR` (issue 18), on SQLite and
PostgreSQL alike: a back-up taken while uploads, deletes and renames go on restores into a new data
directory (and database) whose server serves every file answered before the back-up started, with
its bytes, to the same logins and tokens; nothing restored is half there; bad targets are refused."""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import threading
import time
import uuid

import pytest
import requests

from conftest import (BACKEND, PAPERS_BIN, PASSWORD, POSTGRES_URL, TIMEOUT, Server, User, login, new_user, postgres_database,
                      psql)


def store_args(server: Server) -> list[str]:
    args = ["--data", str(server.data_dir)]
    if BACKEND == "postgres":
        args += ["--database", postgres_database(server.data_dir)]
    return args


def papers(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PAPERS_BIN, *args], capture_output=True, text=True, timeout=600)


def empty_postgres() -> str:
    name = "r_" + uuid.uuid4().hex[:20]
    psql(f"CREATE DATABASE {name}")
    return POSTGRES_URL + name


def contents(user: User) -> dict[str, bytes]:
    """Path → bytes of every file of the user's tree."""
    out = {}
    for node in user.walk():
        if not node["is_folder"]:
            r = user.session.get(user.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
            assert r.status_code == 200, (node["path"], r.status_code, r.text[:200])
            out[node["path"]] = r.content
    return out


@pytest.mark.timeout(600)
def test_a_backup_taken_under_load_restores_every_file_answered_before_it_started(tmp_path):
    # A grace longer than the back-up: content of files deleted meanwhile stays until it is copied.
    server = Server(tmp_path / "data", extra_args=["--gc-grace", "1h", "--gc-interval", "1s"], log_path=tmp_path / "server.log").start()
    try:
        ada, bob = new_user(server, "Ada"), new_user(server, "Bob")
        rng = random.Random(18)
        before: dict[tuple[str, str], bytes] = {}
        doomed: dict[tuple[str, str], dict] = {}
        work = ada.mkdir("Wörk & Play")
        for i in range(40):
            data = rng.randbytes(rng.randint(0, 64 * 1024))
            owner = ada if i % 2 else bob
            name = f"file {i:02d} é.bin"
            node = owner.upload(name, data, work["id"] if owner is ada else None)
            key = (owner.email, node["path"])
            if i % 10 == 3:
                doomed[key] = node
            before[key] = data
        big = os.urandom(24 * 1024 * 1024)
        before[(ada.email, "/big.bin")] = big
        ada.upload("big.bin", big)

        # The load: new files, deletes of some of them and of the doomed old ones, renames.
        may_go = set(doomed)
        stop = threading.Event()
        added: dict[tuple[str, str], bytes] = {}
        errors: list[str] = []

        def load():
            session = ada.new_session()
            n = 0
            while not stop.is_set():
                n += 1
                data = os.urandom(20_000) + str(n).encode()
                r = session.post(ada.url("files/"), params={"name": f"during {n}.bin"}, data=data,
                                 headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
                if r.status_code != 201:
                    errors.append(f"upload {r.status_code} {r.text[:200]}")
                    return
                node = r.json()
                added[(ada.email, node["path"])] = data
                if n % 3 == 0:
                    session.delete(ada.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)
                if n % 4 == 0:
                    r = session.patch(ada.url(f"files/{node['id']}"), json={"name": f"renamed {n}.bin"}, timeout=TIMEOUT)
                    if r.status_code == 200:
                        added[(ada.email, r.json()["path"])] = data
                if doomed and n % 5 == 0:
                    key, node = doomed.popitem()
                    owner = ada if key[0] == ada.email else bob
                    owner.session.delete(owner.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(0.5)
        backup_dir = tmp_path / "backup"
        started = time.monotonic()
        done = papers("admin", "backup", str(backup_dir), "--json", *store_args(server))
        took = time.monotonic() - started
        time.sleep(0.3)
        stop.set()
        worker.join(60)
        assert not errors, errors
        assert done.returncode == 0, done.stderr
        manifest = json.loads(done.stdout)
        assert manifest["database"] == BACKEND and manifest["secret_key"] and manifest["contents"] >= 40
        assert (backup_dir / "papers-backup.json").exists()
        assert len(added) > 3, "the load did not run during the back-up"
        print(f"backup took {took:.2f}s with {len(added)} uploads meanwhile")
    finally:
        server.close()

    restored_data = tmp_path / "restored"
    restore_args = ["--data", str(restored_data)]
    if BACKEND == "postgres":
        restore_args += ["--database", empty_postgres()]
    done = papers("admin", "restore", str(backup_dir), *restore_args)
    assert done.returncode == 0, done.stderr
    check = papers("admin", "check", "--json", *restore_args)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not json.loads(check.stdout)["unused"], "the back-up holds only what its snapshot uses"

    restored = Server(restored_data, extra_args=restore_args[2:], log_path=tmp_path / "restored.log").start()
    try:
        # The same signing key and accounts: the passwords log in, and a token from before still works.
        users = {}
        for old in (ada, bob):
            r = login(restored, old.email)
            assert r.status_code == 200, r.text
            assert r.json()["user_id"] == old.id
            users[old.email] = User(restored, old.email, PASSWORD, old.fullname, old.id, r.json()["token"], r.json())
            same_token = requests.get(restored.url(f"/api/v1/user/{old.id}/files/"), headers=old.auth, timeout=TIMEOUT)
            assert same_token.status_code == 200
        found = {(email, path): data for email, u in users.items() for path, data in contents(u).items()}
        for key, data in before.items():
            if key in found:
                assert found[key] == data, f"{key} restored with other bytes"
            else:
                assert key in may_go, f"{key} was answered before the back-up started and never deleted, but is not restored"
        for key, data in found.items():
            assert key in before or key in added, f"{key} restored but never uploaded"
            assert data == before.get(key, added.get(key)), f"{key} restored with other bytes"
        assert (ada.email, "/big.bin") in found
    finally:
        restored.close()


def test_bad_targets_are_refused_and_change_nothing(server, tmp_path):
    ada = new_user(server)
    ada.upload("a.txt", b"hello")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "something").write_text("x")
    done = papers("admin", "backup", str(taken), *store_args(server))
    assert done.returncode == 1 and "is not empty" in done.stderr
    assert sorted(p.name for p in taken.iterdir()) == ["something"]
    good = tmp_path / "good"
    assert papers("admin", "backup", str(good), *store_args(server)).returncode == 0
    # Restoring: not a back-up, a data directory in use, no --data.
    done = papers("admin", "restore", str(taken), "--data", str(tmp_path / "new1"))
    assert done.returncode == 1 and "not a Papers back-up" in done.stderr
    done = papers("admin", "restore", str(good), *store_args(server))
    assert done.returncode == 1 and "is not empty" in done.stderr
    done = subprocess.run([PAPERS_BIN, "admin", "restore", str(good)], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "PAPERS_DATA"})
    assert done.returncode == 1 and "give --data" in done.stderr
    if BACKEND == "sqlite":
        done = papers("admin", "restore", str(good), "--data", str(tmp_path / "new2"), "--database", "postgres://u@127.0.0.1:1/x")
        assert done.returncode == 1 and "holds a SQLite database" in done.stderr
    else:
        done = papers("admin", "restore", str(good), "--data", str(tmp_path / "new2"))
        assert done.returncode == 1 and "holds a PostgreSQL dump" in done.stderr
        # pg_restore refuses a database that is not empty: the server's own.
        done = papers("admin", "restore", str(good), "--data", str(tmp_path / "new3"), "--database", postgres_database(server.data_dir))
        assert done.returncode == 6 and "pg_restore failed" in done.stderr
    # A damaged back-up is refused at restore time, not at the first download.
    blob = next(p for p in (good / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(b"not what it was")
    target = ["--data", str(tmp_path / "new4")] + (["--database", empty_postgres()] if BACKEND == "postgres" else [])
    done = papers("admin", "restore", str(good), *target)
    assert done.returncode == 5 and "damaged" in done.stderr
