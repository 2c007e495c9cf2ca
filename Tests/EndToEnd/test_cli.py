"""The scriptable client commands (`papers register/login/logout/whoami/ls/stat/put/get/mkdir/mv/rm`)
run as a script would run them: the real binary as a subprocess, against the real server on loopback.

Every `Cli` has its own XDG_CONFIG_HOME and HOME, so each test has its own session file
(`$XDG_CONFIG_HOME/papers/session.json`). The documented exit codes: 0 ok, 1 usage, 2 not found,
3 conflict, 4 auth, 5 network, 6 server error, 7 local I/O (docs/cli.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import select
import shlex
import stat as stat_module
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pytest
import requests

from conftest import (API, MiB, PAPERS_BIN, PASSWORD, RFC3339_MS, SHA256_HEX, TIMEOUT, UUID4, User, free_port,
                      register, sha256_hex, start_server, unique_email, wait_until)

CLI_TIMEOUT = 120  # seconds, per command

NODE_KEYS = {"id", "name", "is_folder", "parent_id", "path", "size", "mime_type", "sha256", "creator",
             "date_created", "date_modified", "etag"}
ACCOUNT_KEYS = {"id", "fullname", "email", "date_created", "quota_bytes", "used_bytes", "trash_bytes", "versions_bytes"}


# --------------------------------------------------------------------------- the CLI helper


@dataclass
class Run:
    args: list
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")

    def __repr__(self) -> str:
        return (f"papers {' '.join(shlex.quote(str(a)) for a in self.args)} → exit {self.returncode}\n"
                f"--- stdout:\n{self.stdout_bytes[:2000].decode('utf-8', 'replace')}\n"
                f"--- stderr:\n{self.stderr_bytes[:2000].decode('utf-8', 'replace')}")


class Cli:
    """Runs `papers` with its own config directory (hence its own session) and HOME."""

    def __init__(self, root: Path, server: Optional[str] = None):
        self.root = Path(root)
        self.config_home = self.root / "config"
        self.home = self.root / "home"
        self.config_home.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.server = server  # the URL given to register/login with --server
        self.email: Optional[str] = None

    @property
    def session_path(self) -> Path:
        return self.config_home / "papers" / "session.json"

    def session(self) -> dict:
        return json.loads(self.session_path.read_text())

    def env(self, extra: Optional[dict] = None) -> dict:
        env = os.environ.copy()
        for key in ("PAPERS_SERVER", "XDG_CONFIG_HOME", "PAPERS_SECRET_KEY"):
            env.pop(key, None)
        env["XDG_CONFIG_HOME"] = str(self.config_home)
        env["HOME"] = str(self.home)
        env["LC_ALL"] = "C.UTF-8"
        env.update(extra or {})
        return env

    def run(self, *args, input: Union[str, bytes, None] = None, cwd: Optional[Path] = None,
            env: Optional[dict] = None, timeout: float = CLI_TIMEOUT) -> Run:
        if isinstance(input, str):
            input = input.encode("utf-8")
        proc = subprocess.run([PAPERS_BIN, *map(str, args)], input=input if input is not None else b"",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd or self.root,
                              env=self.env(env), timeout=timeout)
        return Run(list(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args, **kwargs) -> Run:
        """Runs and asserts exit 0."""
        r = self.run(*args, **kwargs)
        assert r.returncode == 0, str(r)
        return r

    def fails(self, code: int, *args, **kwargs) -> Run:
        """Runs and asserts exit `code` with one line on stderr and nothing on stdout."""
        r = self.run(*args, **kwargs)
        assert r.returncode == code, f"expected exit {code}\n{r}"
        assert_one_line_error(r)
        return r

    def json(self, *args, **kwargs):
        return json.loads(self.ok(*args, **kwargs).stdout)

    # -- account

    def register(self, email: str, fullname: str = "Ada Lovelace", password: str = PASSWORD) -> Run:
        return self.ok("register", "--server", self.server, "--fullname", fullname, "--email", email,
                       "--password-stdin", input=password + "\n")

    def login(self, email: str, password: str = PASSWORD) -> Run:
        r = self.ok("login", "--server", self.server, "--email", email, "--password-stdin", input=password + "\n")
        self.email = email
        return r

    def api_user(self, server) -> User:
        """The session's user for direct HTTP calls (setting up big trees quickly)."""
        s = self.session()
        return User(server, s["email"], PASSWORD, "", s["user_id"], s["token"], {})

    # -- remote tree

    def ls_json(self, path: str = "/") -> dict:
        return self.json("ls", "--json", path)

    def names(self, path: str = "/") -> list[str]:
        return [item["name"] for item in self.ls_json(path)["items"]]

    def remote_files(self, path: str) -> dict[str, dict]:
        """Every node under a remote folder, keyed by its path relative to it ('sub/x.txt'); folders too."""
        out: dict[str, dict] = {}
        base = path.rstrip("/")

        def walk(folder: str):
            for node in self.ls_json(folder)["items"]:
                rel = node["path"][len(base) + 1:]
                out[rel] = node
                if node["is_folder"]:
                    walk(node["path"])

        walk(base or "/")
        return out


def assert_one_line_error(r: Run) -> None:
    assert r.stdout_bytes == b"", f"stdout should be empty on failure\n{r}"
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), f"expected exactly one line on stderr\n{r}"
    assert lines[0].startswith("papers: ") and len(lines[0]) > len("papers: "), r
    assert_no_leak(lines[0])


def assert_usage_error(r: Run) -> None:
    """ArgumentParser's own usage errors: exit 1, `Error: ...` and the usage on stderr, nothing on stdout."""
    assert r.returncode == 1, f"expected exit 1\n{r}"
    assert r.stdout_bytes == b"", r
    assert r.stderr.startswith("Error: "), r


def assert_no_leak(text: str) -> None:
    for pattern in (".swift:", "Fatal error", "Backtrace", "SELECT ", "sqlite"):
        assert pattern.lower() not in text.lower(), f"{pattern!r} leaks in {text!r}"


def fresh_account(server, tmp_path: Path, name: str = "cli") -> Cli:
    """A user registered over HTTP and logged in with `papers login --password-stdin`."""
    cli = Cli(tmp_path / name, server.base_url)
    email = unique_email()
    r = register(server, email)
    assert r.status_code == 201, r.text
    cli.login(email)
    return cli


@pytest.fixture
def cli(module_server, tmp_path) -> Cli:
    return fresh_account(module_server, tmp_path)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def local_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def local_dirs(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}


# --------------------------------------------------------------------------- 1. round trip


def make_odd_tree(root: Path) -> dict[str, bytes]:
    """A local tree with nested folders and odd names; returns {relative path: bytes}."""
    files = {
        "a b.txt": b"spaces in the name\n",
        "日本語.txt": "日本語のテキスト\n".encode(),
        "🎉 party.txt": "emoji 🎉\n".encode(),
        "-dash.txt": b"a name that starts with a dash\n",
        "empty": b"",
        "nested/deeper/big.bin": os.urandom(3 * MiB),
        "nested/spaced folder/note.md": b"# note\n",
        "nested/深い/絵文字 😀.txt": "絵文字 😀\n".encode(),
    }
    for rel, data in files.items():
        write(root / rel, data)
    (root / "nested" / "empty folder").mkdir(parents=True)
    return files


def test_script_style_round_trip(module_server, tmp_path):
    server = module_server
    cli = Cli(tmp_path / "cli", server.base_url)
    email = unique_email()

    # register, then login with --password-stdin (the server from PAPERS_SERVER this time)
    r = cli.register(email)
    assert re.fullmatch(r".+ \(id [0-9a-f-]{36}\)\n", r.stdout), r
    assert r.stderr == "", r
    r = cli.ok("login", "--email", email, "--password-stdin", input=PASSWORD + "\n",
               env={"PAPERS_SERVER": server.base_url})
    assert r.stdout.startswith(f"Logged in to {server.base_url} as {email} until "), r
    assert r.stderr == ""
    session = cli.session()
    assert session["server"] == server.base_url and session["email"] == email
    assert UUID4.match(session["user_id"]) and session["token"]
    assert RFC3339_MS.match(session["expires_at"]), session
    assert PASSWORD not in cli.session_path.read_text()
    assert stat_module.S_IMODE(cli.session_path.stat().st_mode) == 0o600

    # whoami, plain and --json
    r = cli.ok("whoami")
    assert r.stdout.splitlines()[0] == f"Ada Lovelace <{email}> on {server.base_url}", r
    me = cli.json("whoami", "--json")
    assert set(me) == {"server", "account"}, me
    assert me["server"] == server.base_url
    assert set(me["account"]) == ACCOUNT_KEYS, me
    assert me["account"]["email"] == email and me["account"]["id"] == session["user_id"]
    assert me["account"]["fullname"] == "Ada Lovelace" and me["account"]["used_bytes"] == 0

    # mkdir -p (twice: an existing folder is fine with -p)
    assert cli.ok("mkdir", "-p", "/Backups/2026").stdout == "/Backups/2026/\n"
    assert cli.ok("mkdir", "-p", "/Backups/2026").stdout == "/Backups/2026/\n"
    assert cli.names("/") == ["Backups"] and cli.names("/Backups") == ["2026"]

    # put -r of a tree with odd names
    src = tmp_path / "src"
    files = make_odd_tree(src / "tree")
    r = cli.ok("put", "-r", "tree", "/Backups/2026/", cwd=src)
    assert r.stderr == "", f"no progress bar when stderr is not a terminal\n{r}"
    expected_lines = {f"tree/{rel} → /Backups/2026/tree/{rel}" for rel in files}
    assert set(r.stdout.splitlines()) == expected_lines, r
    assert len(r.stdout.splitlines()) == len(files)

    remote = cli.remote_files("/Backups/2026/tree")
    assert {k for k, n in remote.items() if not n["is_folder"]} == set(files)
    assert {k for k, n in remote.items() if n["is_folder"]} == local_dirs(src / "tree")
    for rel, data in files.items():
        assert remote[rel]["size"] == len(data) and remote[rel]["sha256"] == sha256_hex(data), rel

    # ls: plain, -l, --json
    assert cli.ok("ls", "/Backups/2026").stdout == "tree/\n"
    top = ["nested/", "-dash.txt", "a b.txt", "empty", "日本語.txt", "🎉 party.txt"]
    plain = cli.ok("ls", "/Backups/2026/tree").stdout.splitlines()
    assert plain[0] == "nested/", "folders first"
    assert sorted(plain) == sorted(top), plain
    long = cli.ok("ls", "-l", "/Backups/2026/tree").stdout.splitlines()
    assert len(long) == len(top)
    long_re = re.compile(r"^([d-])  (\d+(\.\d)? (B|KiB|MiB|GiB|TiB|PiB)) +(\d{4}-\d\d-\d\d \d\d:\d\d)  (.+)$")
    parsed = {}
    for line in long:
        m = long_re.match(line)
        assert m, f"ls -l line {line!r}"
        parsed[m.group(6)] = (m.group(1), m.group(2))
    assert parsed["nested/"][0] == "d" and parsed["a b.txt"] == ("-", f"{len(files['a b.txt'])} B")
    assert parsed["empty"] == ("-", "0 B")
    listing = cli.ls_json("/Backups/2026/tree")
    assert set(listing) == {"path", "items"} and listing["path"] == "/Backups/2026/tree"
    assert [n["name"] + ("/" if n["is_folder"] else "") for n in listing["items"]] == plain
    for node in listing["items"]:
        assert set(node) == NODE_KEYS, node

    # stat --json of the 3 MiB file: every field, and the SHA-256 of the local bytes
    big = files["nested/deeper/big.bin"]
    node = cli.json("stat", "--json", "/Backups/2026/tree/nested/deeper/big.bin")
    assert set(node) == NODE_KEYS, node
    assert node["name"] == "big.bin" and node["is_folder"] is False
    assert node["path"] == "/Backups/2026/tree/nested/deeper/big.bin"
    assert node["size"] == len(big) == 3 * MiB
    assert node["sha256"] == hashlib.sha256(big).hexdigest()
    assert UUID4.match(node["id"]) and UUID4.match(node["parent_id"])
    assert node["creator"] == session["user_id"]
    assert RFC3339_MS.match(node["date_created"]) and RFC3339_MS.match(node["date_modified"])
    assert node["etag"].startswith('"') and node["etag"].endswith('"')
    assert node["mime_type"] == "application/octet-stream"
    r = cli.ok("stat", "/Backups/2026/tree/nested/deeper/big.bin")
    assert f"SHA-256   {node['sha256']}" in r.stdout.splitlines(), r
    assert "Size      3.0 MiB (3,145,728 bytes)" in r.stdout.splitlines(), r
    folder = cli.json("stat", "--json", "/Backups/2026/tree/nested/")
    assert folder["is_folder"] is True and folder["sha256"] is None and folder["mime_type"] == "inode/directory"

    # get -r into a fresh local folder (made by get), then compare every byte
    r = cli.ok("get", "-r", "/Backups/2026/tree", "restored/")
    assert r.stderr == "", r
    restored = cli.root / "restored" / "tree"
    assert local_files(restored) == files
    assert local_dirs(restored) == local_dirs(src / "tree"), "empty folders come back too"
    assert not [p for p in (cli.root / "restored").rglob("*.part")], "no partial files left behind"

    # get --json of one file into a folder
    out = cli.json("get", "--json", "/Backups/2026/tree/日本語.txt", "one/")
    assert out == {"downloaded": [{"remote": "/Backups/2026/tree/日本語.txt", "local": "one/日本語.txt",
                                   "size": len(files["日本語.txt"]),
                                   "sha256": sha256_hex(files["日本語.txt"])}]}, out
    assert (cli.root / "one" / "日本語.txt").read_bytes() == files["日本語.txt"]

    # mv: rename in place, then move into a folder, then into a folder written with a trailing /
    r = cli.ok("mv", "/Backups/2026/tree/a b.txt", "/Backups/2026/tree/renamed b.txt")
    assert r.stdout == "/Backups/2026/tree/a b.txt → /Backups/2026/tree/renamed b.txt\n", r
    cli.fails(2, "stat", "/Backups/2026/tree/a b.txt")
    r = cli.ok("mv", "/Backups/2026/tree/renamed b.txt", "/Backups/2026/tree/nested")
    assert r.stdout == "/Backups/2026/tree/renamed b.txt → /Backups/2026/tree/nested/renamed b.txt\n", r
    moved = cli.json("stat", "--json", "/Backups/2026/tree/nested/renamed b.txt")
    assert moved["sha256"] == sha256_hex(files["a b.txt"]) and moved["id"] == remote["a b.txt"]["id"]
    moved = cli.json("mv", "--json", "/Backups/2026/tree/nested/renamed b.txt", "/Backups/")
    assert set(moved) == NODE_KEYS and moved["path"] == "/Backups/renamed b.txt", moved
    # a folder moves with everything in it
    cli.ok("mv", "/Backups/2026/tree/nested/深い", "/Backups/2026/tree/浅い")
    assert cli.names("/Backups/2026/tree/浅い") == ["絵文字 😀.txt"]

    # rm -r
    assert cli.ok("rm", "-r", "/Backups/2026/tree").stdout == "moved /Backups/2026/tree to the trash\n"
    assert cli.ok("ls", "/Backups/2026").stdout == ""
    assert cli.json("rm", "--json", "/Backups/renamed b.txt") == {"trashed": "/Backups/renamed b.txt"}
    assert cli.names("/Backups") == ["2026"]

    # logout revokes the token and forgets the session
    token = session["token"]
    r = cli.ok("logout")
    assert r.stdout == f"Logged out of {server.base_url}.\n", r
    assert not cli.session_path.exists()
    me = requests.get(server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert me.status_code == 401, "the token is revoked on the server"

    r = cli.fails(4, "ls")
    assert "papers login" in r.stderr


# --------------------------------------------------------------------------- 2. exit codes


def test_usage_errors_exit_1(cli, tmp_path):
    write(cli.root / "f.txt", b"hello\n")
    (cli.root / "dir").mkdir()
    cli.ok("mkdir", "/Folder")
    cli.ok("put", "f.txt", "/Folder/")

    for args in (["frobnicate"], ["stat"], ["mv", "/a"], ["rm"], ["mkdir"], ["put", "f.txt"], ["get", "/x"],
                 ["ls", "--sort", "color"], ["put", "--on-conflict", "maybe", "f.txt", "/"], ["ls", "--bogus"]):
        assert_usage_error(cli.run(*args))

    # `rm` of a folder without -r: refused, and the folder is still there
    r = cli.fails(1, "rm", "/Folder")
    assert r.stderr == "papers: /Folder is a folder: use -r\n", r
    assert cli.names("/Folder") == ["f.txt"]
    # a folder without -r, for put and get
    r = cli.fails(1, "put", "dir", "/")
    assert "use -r" in r.stderr
    r = cli.fails(1, "get", "/Folder", "out/")
    assert "use -r" in r.stderr
    assert not (cli.root / "out").exists()
    # several sources need a folder; `-` takes one file; / has no properties
    cli.fails(1, "put", "f.txt", "f.txt", "/Folder/f.txt")
    cli.fails(1, "get", "/Folder/f.txt", "/Folder/f.txt", "-")
    cli.fails(1, "stat", "/")
    cli.fails(1, "rm", "-r", "/")
    # a file used as a folder
    cli.fails(1, "ls", "/Folder/f.txt/")
    # nothing of all that changed the tree
    assert cli.names("/") == ["Folder"] and cli.names("/Folder") == ["f.txt"]


def test_not_found_exit_2(cli):
    cli.ok("mkdir", "/Here")
    for args in (["stat", "/nope"], ["stat", "--json", "/nope"], ["get", "/nope", "out.txt"], ["get", "/nope", "-"],
                 ["mv", "/nope", "/Here"], ["ls", "/nope"], ["rm", "/nope"], ["rm", "-r", "/nope"]):
        r = cli.fails(2, *args)
        assert r.stderr == "papers: /nope: no such file or folder\n", r
    r = cli.fails(2, "stat", "/Missing/deeper/x.txt")
    assert r.stderr == "papers: /Missing: no such file or folder\n", r
    cli.fails(2, "mkdir", "/Missing/child")
    write(cli.root / "f.txt", b"x")
    r = cli.fails(2, "put", "f.txt", "/NoSuchFolder/")
    assert "/NoSuchFolder" in r.stderr
    cli.fails(2, "mv", "/Here", "/NoSuchFolder/")
    assert not (cli.root / "out.txt").exists()
    assert cli.names("/") == ["Here"]


def test_conflict_exit_3(cli):
    cli.ok("mkdir", "/Docs")
    r = cli.fails(3, "mkdir", "/Docs")
    assert "already exists" in r.stderr, "the server's message"
    write(cli.root / "a.txt", b"first\n")
    cli.ok("put", "a.txt", "/Docs/")
    write(cli.root / "a.txt", b"second\n")
    r = cli.fails(3, "put", "a.txt", "/Docs/")
    assert "already exists" in r.stderr
    cli.fails(3, "put", "--on-conflict", "fail", "a.txt", "/Docs/a.txt")
    assert cli.json("stat", "--json", "/Docs/a.txt")["sha256"] == sha256_hex(b"first\n"), "unchanged"
    # mv onto an existing name
    write(cli.root / "b.txt", b"b\n")
    cli.ok("put", "b.txt", "/Docs/")
    cli.fails(3, "mv", "/Docs/b.txt", "/Docs/a.txt")
    # mkdir -p through a file
    cli.fails(3, "mkdir", "-p", "/Docs/a.txt/sub")
    assert cli.names("/Docs") == ["a.txt", "b.txt"]


def test_not_logged_in_exit_4(module_server, tmp_path):
    nobody = Cli(tmp_path / "nobody", module_server.base_url)
    write(nobody.root / "f.txt", b"x")
    for args in (["ls"], ["ls", "--json"], ["whoami"], ["stat", "/x"], ["put", "f.txt", "/"], ["get", "/x", "-"],
                 ["mkdir", "/x"], ["mv", "/a", "/b"], ["rm", "/x"], ["logout"]):
        r = nobody.fails(4, *args)
        assert "papers login" in r.stderr, r

    # a revoked token (logged out elsewhere) and a garbage token are exit 4 as well
    cli = fresh_account(module_server, tmp_path, "revoked")
    saved = cli.session_path.read_bytes()
    cli.ok("logout")
    cli.session_path.write_bytes(saved)
    cli.fails(4, "ls")
    cli.fails(4, "whoami")
    session = json.loads(saved)
    session["token"] = "not-a-token"
    cli.session_path.write_text(json.dumps(session))
    cli.fails(4, "ls", "/")
    # logout with an unusable token still forgets it
    cli.ok("logout")
    assert not cli.session_path.exists()

    # a wrong password
    other = Cli(tmp_path / "wrong", module_server.base_url)
    r = other.run("login", "--server", module_server.base_url, "--email", session["email"], "--password-stdin",
                  input="wrong password\n")
    assert r.returncode == 4, r
    assert_one_line_error(r)
    assert not other.session_path.exists()


def test_network_exit_5(server, tmp_path):
    """`server` is this test's own: it is stopped half-way."""
    cli = fresh_account(server, tmp_path)
    write(cli.root / "f.txt", b"hello\n")
    cli.ok("put", "f.txt", "/")
    assert server.stop() == 0

    for args in (["ls"], ["whoami"], ["stat", "/f.txt"], ["get", "/f.txt", "back.txt"], ["get", "/f.txt", "-"],
                 ["put", "f.txt", "/g.txt"], ["mkdir", "/D"], ["mv", "/f.txt", "/g.txt"], ["rm", "/f.txt"]):
        r = cli.fails(5, *args)
        assert "unreachable" in r.stderr, r
    assert not (cli.root / "back.txt").exists()

    # a session written by hand for a port nobody listens on, and a login there
    closed = f"http://127.0.0.1:{free_port()}"
    other = Cli(tmp_path / "closed", closed)
    other.session_path.parent.mkdir(parents=True)
    other.session_path.write_text(json.dumps({
        "server": closed, "email": "a@example.com", "token": "t", "user_id": "6f1c1f4e-5d7a-4f5e-9a57-0e8e5a1f2b3c",
        "expires_at": "2099-01-01T00:00:00.000Z"}))
    other.fails(5, "ls")
    other.fails(5, "whoami")
    r = other.run("login", "--server", closed, "--email", "a@example.com", "--password-stdin", input=PASSWORD + "\n")
    assert r.returncode == 5, r
    assert_one_line_error(r)


def test_server_error_exit_6(tmp_path_factory, tmp_path):
    """A 413 (upload larger than PAPERS_MAX_UPLOAD) is a server refusal: CLIExit.of maps it to 6."""
    srv = start_server(tmp_path_factory, "small", env={"PAPERS_MAX_UPLOAD": "1K"})
    try:
        cli = fresh_account(srv, tmp_path)
        write(cli.root / "four.bin", os.urandom(4096))
        write(cli.root / "small.txt", b"fits\n")
        r = cli.fails(6, "put", "four.bin", "/")
        assert "1024 bytes" in r.stderr, "the server's message"
        assert cli.ls_json("/")["items"] == []
        # bigger bodies too: the early 413 is read, not mistaken for a network failure
        write(cli.root / "big.bin", os.urandom(900_000))
        r = cli.fails(6, "put", "big.bin", "/")
        assert "1024 bytes" in r.stderr
        assert cli.ls_json("/")["items"] == []
        cli.ok("put", "small.txt", "/")
        assert cli.names("/") == ["small.txt"]
    finally:
        srv.close()


def test_local_io_exit_7_leaves_nothing_on_the_server(cli):
    cli.ok("mkdir", "/Dest")
    write(cli.root / "present.txt", b"here\n")
    r = cli.fails(7, "put", "missing.txt", "/Dest/")
    assert r.stderr == "papers: missing.txt: no such file or folder\n", r
    # every local path is checked before anything is sent
    cli.fails(7, "put", "present.txt", "missing.txt", "/Dest/")
    cli.fails(7, "put", "-r", "present.txt", "missing-dir", "/Dest/")
    cli.fails(7, "put", "missing.txt", "/Dest/named.txt")
    assert cli.ls_json("/Dest") == {"path": "/Dest", "items": []}
    assert cli.names("/") == ["Dest"]

    # get: several sources into something that is a file, not a folder
    cli.ok("put", "present.txt", "/Dest/")
    cli.ok("put", "present.txt", "/Dest/again.txt")
    r = cli.fails(7, "get", "/Dest/present.txt", "/Dest/again.txt", "present.txt")
    assert "not a folder" in r.stderr
    assert (cli.root / "present.txt").read_bytes() == b"here\n"


# --------------------------------------------------------------------------- 3. get to stdout


def test_get_to_stdout_piped(cli):
    data = os.urandom(3 * MiB + 12345)
    write(cli.root / "blob.bin", data)
    cli.ok("put", "blob.bin", "/x")

    r = cli.ok("get", "/x", "-")
    assert r.stdout_bytes == data
    assert hashlib.sha256(r.stdout_bytes).hexdigest() == sha256_hex(data)
    assert r.stderr_bytes == b""

    pipeline = subprocess.run(["bash", "-c", 'set -o pipefail; "$PAPERS" get /x - | sha256sum'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLI_TIMEOUT,
                              env={**cli.env(), "PAPERS": PAPERS_BIN}, cwd=cli.root)
    assert pipeline.returncode == 0, pipeline.stderr
    assert pipeline.stdout.decode().split()[0] == sha256_hex(data)
    assert pipeline.stderr == b""

    # an empty file and an odd name
    write(cli.root / "empty", b"")
    cli.ok("put", "empty", "/空 file")
    assert cli.ok("get", "/空 file", "-").stdout_bytes == b""


# --------------------------------------------------------------------------- 4. --on-conflict


def test_put_on_conflict_rename_and_overwrite(cli):
    cli.ok("mkdir", "/C")
    v1, v2, v3 = b"version one\n", b"version two\n", b"version three\n"
    write(cli.root / "report.txt", v1)
    first = cli.json("put", "--json", "report.txt", "/C/")
    assert set(first) == {"uploaded"} and len(first["uploaded"]) == 1
    first = first["uploaded"][0]
    assert set(first) == NODE_KEYS and first["path"] == "/C/report.txt" and first["sha256"] == sha256_hex(v1)

    write(cli.root / "report.txt", v2)
    renamed = cli.json("put", "--json", "--on-conflict", "rename", "report.txt", "/C/")["uploaded"][0]
    assert renamed["name"] != "report.txt" and renamed["name"].endswith(".txt"), renamed
    assert renamed["name"] == "report (1).txt", renamed
    assert renamed["sha256"] == sha256_hex(v2)
    assert sorted(cli.names("/C")) == ["report (1).txt", "report.txt"]
    assert cli.json("stat", "--json", "/C/report.txt")["sha256"] == sha256_hex(v1), "the original is untouched"

    write(cli.root / "report.txt", v3)
    r = cli.ok("put", "--on-conflict", "overwrite", "report.txt", "/C/report.txt")
    assert r.stdout == "report.txt → /C/report.txt\n", r
    assert sorted(cli.names("/C")) == ["report (1).txt", "report.txt"], "no third file"
    node = cli.json("stat", "--json", "/C/report.txt")
    assert node["sha256"] == sha256_hex(v3) and node["size"] == len(v3)
    assert cli.ok("get", "/C/report.txt", "-").stdout_bytes == v3
    assert cli.json("stat", "--json", "/C/report (1).txt")["sha256"] == sha256_hex(v2)

    # put -r again over an existing tree: folders are reused, files follow --on-conflict
    tree = cli.root / "tree"
    write(tree / "x.txt", b"x1")
    write(tree / "sub" / "y.txt", b"y1")
    cli.ok("put", "-r", "tree", "/C/")
    cli.fails(3, "put", "-r", "tree", "/C/")
    write(tree / "sub" / "y.txt", b"y2")
    cli.ok("put", "-r", "--on-conflict", "overwrite", "tree", "/C/")
    assert cli.ok("get", "/C/tree/sub/y.txt", "-").stdout_bytes == b"y2"
    assert cli.names("/C/tree/sub") == ["y.txt"]


# --------------------------------------------------------------------------- 5. names starting with "-"


def test_names_starting_with_a_dash_need_double_dash(cli):
    write(cli.root / "-dash.txt", b"dash\n")
    r = cli.ok("put", "--", "-dash.txt", "/")
    assert r.stdout == "-dash.txt → /-dash.txt\n", r
    # an absolute remote path starts with "/", so it needs no "--"
    assert cli.json("stat", "--json", "/-dash.txt")["name"] == "-dash.txt"
    assert cli.ok("get", "/-dash.txt", "-").stdout_bytes == b"dash\n"
    # a local destination starting with "-" does
    cli.ok("get", "--", "/-dash.txt", "-copy.txt")
    assert (cli.root / "-copy.txt").read_bytes() == b"dash\n"
    cli.ok("mkdir", "--", "-folder")
    cli.ok("mv", "--", "-dash.txt", "-folder/-moved.txt")
    assert cli.names("/-folder") == ["-moved.txt"]
    cli.ok("rm", "-r", "--", "-folder")
    assert cli.names("/") == []
    # without "--", an unknown option is a usage error and nothing is uploaded
    assert_usage_error(cli.run("put", "-x.txt", "/"))
    assert cli.names("/") == []


# --------------------------------------------------------------------------- 6. --quiet and progress


def test_quiet_and_no_progress_when_stderr_is_not_a_terminal(cli):
    big = os.urandom(3 * MiB)
    write(cli.root / "big.bin", big)

    r = cli.ok("put", "big.bin", "/")
    assert r.stderr_bytes == b"", f"no progress bar on a pipe\n{r}"
    assert r.stdout == "big.bin → /big.bin\n"
    r = cli.ok("get", "/big.bin", "back.bin")
    assert r.stderr_bytes == b"" and (cli.root / "back.bin").read_bytes() == big

    for args in (["mkdir", "-q", "/Q"], ["put", "-q", "big.bin", "/Q/"], ["put", "--quiet", "big.bin", "/Q/b2.bin"],
                 ["get", "-q", "/Q/big.bin", "quiet.bin"], ["mv", "-q", "/Q/b2.bin", "/Q/b3.bin"],
                 ["rm", "-q", "/Q/b3.bin"], ["mkdir", "-p", "-q", "/Q/a/b"], ["rm", "-r", "--quiet", "/Q/a"]):
        r = cli.ok(*args)
        assert r.stdout_bytes == b"" and r.stderr_bytes == b"", r
    assert (cli.root / "quiet.bin").read_bytes() == big
    assert cli.names("/Q") == ["big.bin"]


def run_with_tty_stderr(cli: Cli, *args) -> tuple[int, bytes, bytes]:
    """Runs with stderr on a pseudo-terminal (stdout on a pipe); returns (code, stdout, what the tty got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([PAPERS_BIN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            env=cli.env(), cwd=cli.root)
    os.close(slave)
    tty = b""
    deadline = time.monotonic() + CLI_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            tty += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out, _ = proc.communicate(timeout=CLI_TIMEOUT)
    return proc.returncode, out, tty


def test_progress_bar_only_on_a_terminal(cli):
    write(cli.root / "bar.bin", os.urandom(8 * MiB))
    code, out, tty = run_with_tty_stderr(cli, "put", "bar.bin", "/")
    assert code == 0, tty
    assert out == "bar.bin → /bar.bin\n".encode()
    assert b"\r\x1b[2K" in tty and b"bar.bin" in tty and b"/s" in tty, tty
    assert tty.endswith(b"\r\x1b[2K"), "the bar is cleared at the end"
    code, out, tty = run_with_tty_stderr(cli, "put", "--quiet", "--on-conflict", "overwrite", "bar.bin", "/")
    assert code == 0 and out == b"" and tty == b"", tty


# --------------------------------------------------------------------------- 7. big folder


def test_ls_of_2500_files_pages_through_all_of_them(cli, module_server):
    user = cli.api_user(module_server)
    folder = user.mkdir("Many")
    names = [f"item-{i:05d}.txt" for i in range(2500)]

    def upload(chunk: list[str]):
        session = user.new_session()
        for name in chunk:
            r = user.upload_raw(name, name.encode(), parent_id=folder["id"], session=session)
            assert r.status_code == 201, r.text

    shuffled = names[1::2] + names[0::2]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, [shuffled[i::8] for i in range(8)]))

    # The server gives at most 1,000 items a page, so this takes a look-up of /Many and three pages.
    def list_requests() -> int:
        return module_server.log_text().count(f"GET {API}/user/{user.id}/files/ 200")

    before = list_requests()
    r = cli.ok("ls", "/Many")
    assert wait_until(lambda: list_requests() - before == 4, timeout=5), list_requests() - before
    lines = r.stdout.splitlines()
    assert len(lines) == 2500 and len(set(lines)) == 2500
    assert lines == names, "every name exactly once, in name order, across pages of 1,000"

    listing = cli.ls_json("/Many")
    assert listing["path"] == "/Many"
    assert [n["name"] for n in listing["items"]] == names
    assert len({n["id"] for n in listing["items"]}) == 2500

    assert cli.ok("ls", "-r", "/Many").stdout.splitlines() == names[::-1]
    assert len(cli.ok("ls", "-l", "/Many").stdout.splitlines()) == 2500


# --------------------------------------------------------------------------- accounts and integrity


def test_register_and_login_json(module_server, tmp_path):
    cli = Cli(tmp_path / "json", module_server.base_url)
    email = unique_email()
    out = cli.json("register", "--server", cli.server, "--fullname", "Grace Hopper", "--email", email,
                   "--password-stdin", "--json", input=PASSWORD + "\n")
    assert set(out) == {"id", "message"} and UUID4.match(out["id"]), out
    assert not cli.session_path.exists(), "register does not log in"

    # the same e-mail again: conflict; a bad e-mail: the server's 400 is a usage error; no password: usage
    r = cli.fails(3, "register", "--server", cli.server, "--fullname", "G", "--email", email, "--password-stdin",
                  input=PASSWORD + "\n")
    assert "already exists" in r.stderr
    cli.fails(1, "register", "--server", cli.server, "--fullname", "G", "--email", "not-an-email", "--password-stdin",
              input=PASSWORD + "\n")
    cli.fails(1, "login", "--server", cli.server, "--email", email, "--password-stdin", input="")

    out = cli.json("login", "--server", cli.server, "--email", email, "--password-stdin", "--json",
                   input=PASSWORD + "\n")
    assert set(out) == {"server", "email", "user_id", "expires_at"}, "never the token"
    assert out["server"] == module_server.base_url and out["email"] == email
    assert out["user_id"] == cli.session()["user_id"] and RFC3339_MS.match(out["expires_at"])
    # the saved session's server is used by the next login when neither --server nor PAPERS_SERVER is given
    r = cli.ok("login", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    assert r.stdout.startswith(f"Logged in to {module_server.base_url} as {email} until "), r


def test_get_checks_the_sha256_and_leaves_nothing_on_a_mismatch(cli, module_server):
    data = os.urandom(200_000)
    write(cli.root / "d.bin", data)
    cli.ok("put", "d.bin", "/d.bin")
    blob = module_server.blob_path(sha256_hex(data))
    corrupted = bytearray(blob.read_bytes())
    corrupted[1000] ^= 0xFF
    blob.write_bytes(bytes(corrupted))

    r = cli.fails(6, "get", "/d.bin", "out.bin")
    assert sha256_hex(data) in r.stderr, r
    assert sorted(p.name for p in cli.root.iterdir()) == ["config", "d.bin", "home"], "no file, no partial file"
    # to standard output the bytes have gone already, but the exit status says they are wrong
    r = cli.run("get", "/d.bin", "-")
    assert r.returncode == 6, r


# --------------------------------------------------------------------------- errors carry the server's message


def test_auth_errors_print_the_servers_message(module_server, tmp_path):
    """Issue #5: "Errors print one line with the server's message" — also for 401s."""
    cli = fresh_account(module_server, tmp_path)
    email = cli.session()["email"]
    saved = cli.session_path.read_bytes()
    cli.ok("logout")

    other = Cli(tmp_path / "wrong", module_server.base_url)
    r = other.run("login", "--server", module_server.base_url, "--email", email, "--password-stdin",
                  input="wrong password\n")
    assert r.returncode == 4, r
    assert_one_line_error(r)
    assert "The e-mail address or password is incorrect." in r.stderr, r

    cli.session_path.write_bytes(saved)
    r = cli.fails(4, "ls")
    assert "You have logged out with this token." in r.stderr, r


def connections_opened(server) -> int:
    page = requests.get(server.base_url + "/metrics", timeout=TIMEOUT).text
    return int(float(next(line.split()[1] for line in page.splitlines() if line.startswith("papers_http_connections_total "))))


def test_put_r_and_get_r_keep_their_connections_alive(tmp_path_factory, tmp_path):
    """libcurl's easy handles are pooled (HandlePool): a tree of 300 small files goes up and comes
    back over a few kept-alive connections instead of one new connection per request."""
    srv = start_server(tmp_path_factory, "kept-alive", extra_args=["--metrics"])
    try:
        cli = fresh_account(srv, tmp_path)
        files = {f"d{i % 5}/f{i}.bin": os.urandom(100 + i) for i in range(300)}
        for rel, data in files.items():
            write(cli.root / "tree" / rel, data)
        before = connections_opened(srv)
        cli.ok("put", "-r", "--transfers", "4", "tree", "/")
        after_put = connections_opened(srv)
        assert after_put - before <= 8, f"{after_put - before} connections for 300 uploads"
        cli.ok("get", "-r", "--transfers", "4", "/tree", "back/")
        assert connections_opened(srv) - after_put <= 8, f"{connections_opened(srv) - after_put} connections for 300 downloads"
        assert local_files(cli.root / "back" / "tree") == {k: files[k] for k in sorted(files)}
    finally:
        srv.close()
