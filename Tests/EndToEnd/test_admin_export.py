"""`papers admin export DIR [--user EMAIL]` (issue 18): every account's tree written as plain
folders and files under DIR/<e-mail>/, odd names as stored, modification times kept, compared file
by file with what the API serves; resumed after an interruption; one account alone; the trash left
out; bad input refused. On SQLite and PostgreSQL alike."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

from conftest import BACKEND, PAPERS_BIN, TIMEOUT, postgres_database

ODD_NAMES = [
    "Wörk & Play", "naïve café.txt", unicodedata.normalize("NFD", "décomposé.txt"), "😀 emoji.bin", "-rf", "spaced  name .txt",
    "a (1).txt", "100%.txt", "quote\"'.txt", "semi;colon$HOME", "back\\slash", "x" * 200, "日本語のファイル.md", ".hidden",
]


def export(server, directory: Path, *args: str) -> subprocess.CompletedProcess:
    store = ["--data", str(server.data_dir)]
    if BACKEND == "postgres":
        store += ["--database", postgres_database(server.data_dir)]
    return subprocess.run([PAPERS_BIN, "admin", "export", str(directory), "--json", *args, *store], capture_output=True, text=True,
                          timeout=300)


def served_tree(user) -> dict[str, tuple[bool, int, bytes | None]]:
    """Relative path → (is folder, modified ms, bytes) of the user's tree as the API serves it."""
    out = {}
    for node in user.walk():
        ms = int(datetime.fromisoformat(node["date_modified"].replace("Z", "+00:00")).timestamp() * 1000 + 0.5)
        data = None
        if not node["is_folder"]:
            data = user.session.get(user.url(f"files/{node['id']}/content"), timeout=TIMEOUT).content
        out[node["path"].lstrip("/")] = (node["is_folder"], ms, data)
    return out


def exported_tree(root: Path) -> dict[str, tuple[bool, int, bytes | None]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = str(path.relative_to(root))
            out[rel] = (path.is_dir(), st.st_mtime_ns // 1_000_000, None if path.is_dir() else path.read_bytes())
    return out


def test_every_tree_is_exported_as_plain_files_with_odd_names_and_times(server, user, tmp_path):
    ada, bob = user(server), user(server)
    parent = None
    for depth in range(5):  # a deep chain of odd folder names
        parent = ada.mkdir(ODD_NAMES[depth % 3] + f" {depth}", parent)["id"]
    for i, name in enumerate(ODD_NAMES):
        ada.upload(name, f"{i}: {name}".encode() * (i + 1), parent if i % 2 else None)
    ada.upload("empty.bin", b"")
    ada.mkdir("empty folder")
    big = os.urandom(5 * 1024 * 1024 + 7)
    ada.upload("big.bin", big)
    bob.upload("same name.txt", b"bob's")
    gone = ada.upload("in the trash.txt", b"deleted")
    assert ada.session.delete(ada.url(f"files/{gone['id']}"), timeout=TIMEOUT).status_code == 204

    out = tmp_path / "export"
    done = export(server, out)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["accounts"] == 2 and summary["skipped"] == [] and summary["unchanged"] == 0
    assert summary["files"] == len(ODD_NAMES) + 3
    for person in (ada, bob):
        served = served_tree(person)
        exported = exported_tree(out / person.email.lower())
        assert sorted(exported) == sorted(served), set(exported) ^ set(served)
        for path, (is_folder, ms, data) in served.items():
            assert exported[path] == (is_folder, ms, data), path
    assert not (out / ada.email.lower() / "in the trash.txt").exists()
    assert hashlib.sha256((out / ada.email.lower() / "big.bin").read_bytes()).digest() == hashlib.sha256(big).digest()
    assert not list(out.rglob("*.partial")), "temporary files left behind"

    # Resumed: a missing file and a file cut short are written again, the rest left alone.
    (out / ada.email.lower() / "big.bin").write_bytes(big[:1000])
    (out / ada.email.lower() / "empty.bin").unlink()
    before = (out / bob.email.lower() / "same name.txt").stat().st_ino
    again = export(server, out)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["files"] == 2 and summary["unchanged"] == len(ODD_NAMES) + 1
    assert (out / ada.email.lower() / "big.bin").read_bytes() == big
    assert (out / bob.email.lower() / "same name.txt").stat().st_ino == before
    assert exported_tree(out / ada.email.lower()) == served_tree(ada)


def test_one_account_alone_and_bad_input(server, user, tmp_path):
    ada, bob = user(server), user(server)
    ada.upload("a.txt", b"ada's")
    bob.upload("b.txt", b"bob's")
    out = tmp_path / "one"
    done = export(server, out, "--user", bob.email.upper())
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == [bob.email.lower()]
    assert (out / bob.email.lower() / "b.txt").read_bytes() == b"bob's"
    done = export(server, tmp_path / "none", "--user", "nobody@example.com")
    assert done.returncode == 2 and "no account has the e-mail address nobody@example.com" in done.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    done = export(server, a_file)
    assert done.returncode == 1 and "cannot create" in done.stderr


def test_a_file_whose_content_is_lost_is_reported_and_the_rest_exported(server, user, tmp_path):
    ada = user(server)
    ada.upload("kept.txt", b"kept")
    lost = b"this content goes missing"
    ada.upload("lost.txt", lost)
    server.blob_path(hashlib.sha256(lost).hexdigest()).unlink()
    out = tmp_path / "partial"
    done = export(server, out)
    assert done.returncode == 5, done.stderr
    summary = json.loads(done.stdout)
    assert summary["skipped"] == [{"email": ada.email.lower(), "path": "/lost.txt", "reason": "missing"}]
    assert (out / ada.email.lower() / "kept.txt").read_bytes() == b"kept"
    assert not (out / ada.email.lower() / "lost.txt").exists()
