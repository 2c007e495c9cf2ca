"""Resumable transfers in the CLI (issue 14, client side). `papers put` of big files through tus: chunks
retried with backoff after a cut connection and resumed from the server's offset, and an upload stopped
mid-way (the process killed) resumed by the next `papers put` of the same file from the record in
$XDG_STATE_HOME/papers/transfers.json. `papers get`: retried after cuts with Range + If-Range, a killed
download's NAME.part resumed by the next get, and started over when the content changed meanwhile. A
fault-injecting TCP relay between the CLI and the server cuts connections and counts the bytes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import MiB, PAPERS_BIN, file_sha256, register, unique_email, wait_until
from relay import Relay
from test_cli import Cli


# The client's logic is the same whatever the server keeps its metadata in (test_tus.py covers the
# server on both backends): once, in the SQLite pass.
pytestmark = pytest.mark.sqlite_only


def account_through(relay: Relay, server, tmp_path: Path) -> Cli:
    cli = Cli(tmp_path / "cli", relay.url)
    email = unique_email()
    assert register(server, email).status_code == 201
    cli.login(email)
    return cli


def big_file(path: Path, size: int) -> str:
    block = os.urandom(MiB)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(size // MiB):
            chunk = i.to_bytes(8, "little") + block[8:]
            f.write(chunk)
            h.update(chunk)
    return h.hexdigest()


def records(cli: Cli, kind: str = "uploads") -> list:
    path = cli.home / ".local" / "state" / "papers" / "transfers.json"
    return json.loads(path.read_text()).get(kind, []) if path.exists() else []


def test_put_of_200_mib_through_five_cuts_finishes_whole(module_server, tmp_path):
    relay = Relay(module_server.port, up_cuts_at=[30 * MiB, 60 * MiB, 95 * MiB, 130 * MiB, 170 * MiB])
    try:
        cli = account_through(relay, module_server, tmp_path)
        local = tmp_path / "big.bin"
        sha = big_file(local, 200 * MiB)
        before = relay.sent
        cli.ok("put", "-q", local, "/big.bin", timeout=600)
        assert relay.cuts == 5
        sent = relay.sent - before
        assert sent < 1.3 * 200 * MiB, f"sent {sent / MiB:.0f} MiB for a 200 MiB file through 5 cuts"
        node = next(n for n in cli.ls_json("/")["items"] if n["name"] == "big.bin")
        assert node["size"] == 200 * MiB and node["sha256"] == sha
        assert records(cli) == []
        # Small files still go in one request (no tus record, no chunks).
        small = tmp_path / "small.txt"
        small.write_bytes(b"one request")
        cli.ok("put", "-q", small, "/small.txt")
    finally:
        relay.close()


def test_a_killed_put_is_resumed_by_the_next_one(module_server, tmp_path):
    relay = Relay(module_server.port, up_bytes_per_second=20 * MiB)
    try:
        cli = account_through(relay, module_server, tmp_path)
        local = tmp_path / "resume.bin"
        sha = big_file(local, 96 * MiB)
        proc = subprocess.Popen([PAPERS_BIN, "put", "-q", "--chunked-from", "1M", str(local), "/resume.bin"], env=cli.env(),
                                cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert wait_until(lambda: relay.sent > 40 * MiB, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        recorded = records(cli)
        assert len(recorded) == 1 and recorded[0]["local_path"] == str(local) and recorded[0]["name"] == "resume.bin"
        relay.up_bytes_per_second = 0
        before = relay.sent
        cli.ok("put", "-q", "--chunked-from", "1M", local, "/resume.bin", timeout=300)
        resumed = relay.sent - before
        assert resumed < 70 * MiB, f"the second run sent {resumed / MiB:.0f} MiB of a 96 MiB file"
        node = next(n for n in cli.ls_json("/")["items"] if n["name"] == "resume.bin")
        assert node["sha256"] == sha
        assert records(cli) == []
        # --no-resume starts over: a new run after another kill sends the whole file again.
        relay.up_bytes_per_second = 20 * MiB
        proc = subprocess.Popen([PAPERS_BIN, "put", "-q", "--chunked-from", "1M", str(local), "/again.bin"], env=cli.env(),
                                cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        start = relay.sent
        assert wait_until(lambda: relay.sent - start > 40 * MiB, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        relay.up_bytes_per_second = 0
        before = relay.sent
        cli.ok("put", "-q", "--no-resume", "--chunked-from", "1M", local, "/again.bin", timeout=300)
        assert relay.sent - before >= 96 * MiB
        r = cli.run("put", "--chunked-from", "lots", local, "/x.bin")
        assert r.returncode == 1 and b"--chunked-from must look like" in r.stderr_bytes, r
    finally:
        relay.close()


def upload_file(user, path: Path, name: str) -> dict:
    with open(path, "rb") as f:
        r = user.upload_raw(name, f, timeout=300)
    assert r.status_code == 201, r.text
    return r.json()


def test_get_of_200_mib_through_five_cuts_finishes_whole(module_server, tmp_path):
    relay = Relay(module_server.port, down_cuts_at=[30 * MiB, 60 * MiB, 95 * MiB, 130 * MiB, 170 * MiB])
    try:
        cli = account_through(relay, module_server, tmp_path)
        source = tmp_path / "source.bin"
        sha = big_file(source, 200 * MiB)
        upload_file(cli.api_user(module_server), source, "big.bin")
        before = relay.received
        out = tmp_path / "out"
        out.mkdir()
        cli.ok("get", "-q", "/big.bin", out / "big.bin", timeout=600)
        assert relay.cuts == 5
        received = relay.received - before
        assert received < 1.3 * 200 * MiB, f"received {received / MiB:.0f} MiB for a 200 MiB file through 5 cuts"
        assert file_sha256(out / "big.bin") == sha
        assert sorted(p.name for p in out.iterdir()) == ["big.bin"], "a part file was left behind"
        assert records(cli, "downloads") == []
    finally:
        relay.close()


def test_a_killed_get_is_resumed_and_a_changed_file_starts_over(module_server, tmp_path):
    relay = Relay(module_server.port, down_bytes_per_second=20 * MiB)
    try:
        cli = account_through(relay, module_server, tmp_path)
        user = cli.api_user(module_server)
        source = tmp_path / "source.bin"
        sha = big_file(source, 96 * MiB)
        node = upload_file(user, source, "resume.bin")
        out = tmp_path / "out"
        out.mkdir()

        def killed_get(target: Path):
            proc = subprocess.Popen([PAPERS_BIN, "get", "-q", "/resume.bin", str(target)], env=cli.env(), cwd=cli.root,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            start = relay.received
            assert wait_until(lambda: relay.received - start > 40 * MiB, timeout=60)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)

        # Killed mid-way: NAME.part stays, recorded; the next get sends for the rest only.
        killed_get(out / "resume.bin")
        part = out / "resume.bin.part"
        assert part.exists() and part.stat().st_size > 20 * MiB and not (out / "resume.bin").exists()
        recorded = records(cli, "downloads")
        assert len(recorded) == 1 and recorded[0]["local_path"] == str(out / "resume.bin"), recorded
        assert recorded[0]["part_path"] == str(part) and recorded[0]["sha256"] == sha
        relay.down_bytes_per_second = 0
        before = relay.received
        cli.ok("get", "-q", "/resume.bin", out / "resume.bin", timeout=300)
        resumed = relay.received - before
        assert resumed < 70 * MiB, f"the second run received {resumed / MiB:.0f} MiB of a 96 MiB file"
        assert file_sha256(out / "resume.bin") == sha
        assert not part.exists() and records(cli, "downloads") == []

        # Killed again, then the file's content replaced on the server: the next get starts over
        # and gets the new content whole.
        relay.down_bytes_per_second = 20 * MiB
        killed_get(out / "changed.bin")
        assert (out / "changed.bin.part").exists()
        replacement = tmp_path / "replacement.bin"
        new_sha = big_file(replacement, 96 * MiB)
        with open(replacement, "rb") as f:
            r = user.session.put(user.url(f"files/{node['id']}"), data=f, headers={"Content-Type": "application/octet-stream"},
                                 timeout=300)
        assert r.status_code == 200 and r.json()["sha256"] == new_sha, r.text
        relay.down_bytes_per_second = 0
        before = relay.received
        cli.ok("get", "-q", "/resume.bin", out / "changed.bin", timeout=300)
        assert relay.received - before >= 96 * MiB
        assert file_sha256(out / "changed.bin") == new_sha
        assert not (out / "changed.bin.part").exists() and records(cli, "downloads") == []

        # A file of the part's name that papers did not make is never touched.
        (out / "mine.bin.part").write_bytes(b"my own file")
        cli.ok("get", "-q", "/resume.bin", out / "mine.bin", timeout=300)
        assert (out / "mine.bin.part").read_bytes() == b"my own file"
        assert file_sha256(out / "mine.bin") == new_sha
        assert sorted(p.name for p in out.iterdir()) == ["changed.bin", "mine.bin", "mine.bin.part", "resume.bin"]
    finally:
        relay.close()


def test_put_and_get_of_a_tree_several_files_at_once(module_server, tmp_path):
    relay = Relay(module_server.port)
    try:
        cli = account_through(relay, module_server, tmp_path)
        tree = tmp_path / "tree"
        (tree / "sub").mkdir(parents=True)
        expected = {}
        for i in range(24):
            data = os.urandom(1000 * (i + 1))
            rel = f"sub/f{i:02d}.bin" if i % 2 else f"f{i:02d}.bin"
            (tree / rel).write_bytes(data)
            expected[rel] = hashlib.sha256(data).hexdigest()
        out = json.loads(cli.ok("put", "-r", "--json", "--transfers", "8", tree, "/").stdout)
        # The answers come in the walk's order (a folder's entries by name), whatever finished first.
        walk = sorted(rel for rel in expected if "/" not in rel) + sorted(rel for rel in expected if "/" in rel)
        assert [n["path"] for n in out["uploaded"]] == [f"/tree/{rel}" for rel in walk]
        back = tmp_path / "back"
        cli.ok("get", "-r", "-q", "--transfers", "8", "/tree", back)
        assert {str(p.relative_to(back)): file_sha256(p) for p in back.rglob("*") if p.is_file()} == expected
        # A file in the way under --on-conflict fail: the transfer stops there, the files before it
        # in the walk arrive whole, and no part file is left.
        again = tmp_path / "again"
        (again / "tree").mkdir(parents=True)
        (again / "tree" / "f04.bin").write_bytes(b"mine")
        r = cli.run("get", "-r", "-q", "--transfers", "8", "/tree", again)
        assert r.returncode == 3, r
        assert (again / "tree" / "f04.bin").read_bytes() == b"mine"
        # (A remote folder lists its folders first: sub/ came before f00.bin.)
        arrived = {str(p.relative_to(again / "tree")): file_sha256(p) for p in (again / "tree").rglob("*") if p.is_file()}
        del arrived["f04.bin"]
        assert arrived == {rel: sha for rel, sha in expected.items() if rel.startswith("sub/") or rel in ("f00.bin", "f02.bin")}
        for bad in ("0", "17", "many"):
            r = cli.run("put", "--transfers", bad, tree / "f00.bin", "/")
            assert r.returncode == 1 and b"--transfers" in r.stderr_bytes, r
    finally:
        relay.close()
