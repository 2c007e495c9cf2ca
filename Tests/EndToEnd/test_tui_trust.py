"""The TUI that can be trusted with real files (issue 11), under tmux against the real server.

Each test drives `papers tui` with keys and checks the effect where it lands: the local disk through
the file system, the server through its HTTP API. Helpers and fixtures come from test_tui.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import API, MiB, PAPERS_BIN, TIMEOUT, Server, new_user, wait_until
from relay import Relay
from test_tui import (  # noqa: F401  (fixtures are used by name)
    Tui, framed, make_tui, node_in, pane_rows, prop, select, tui_env, tui_server, wait_api,
)


def cli(dirs: dict, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env.update(XDG_CONFIG_HOME=str(dirs["config"]), HOME=str(dirs["home"]))
    env.pop("PAPERS_SERVER", None)
    return subprocess.run([PAPERS_BIN, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=str(dirs["work"]))


def log_in(dirs: dict, server: Server, user) -> None:
    r = cli(dirs, "login", "--server", server.base_url, "--email", user.email, "--password-stdin", stdin=user.password + "\n")
    assert r.returncode == 0, r.stderr


def browsing(make_tui, tui_env, server: Server, user, width: int = 100, height: int = 30) -> Tui:
    """A TUI logged in (through `papers login`) and showing the root."""
    _, dirs = tui_env
    log_in(dirs, server, user)
    tui = make_tui(server.base_url).start(width, height)
    tui.wait_for_screen(lambda s: s if "papers" in s and "log in" not in s and "1Help" in s else None, timeout=20,
                        what="the browser")
    return tui


def local_pane_rows(screen: str) -> list[str]:
    """Names in the right (local) pane."""
    rows = []
    for line in screen.splitlines()[2:]:
        parts = line.split("│")
        if len(parts) < 4:
            continue
        cell = parts[3].strip()
        if cell.startswith("└"):
            break
        name = cell.split("  ")[0].strip()
        if name:
            rows.append(name)
    return rows


def select_local(tui: Tui, name: str) -> None:
    """Puts the local pane's cursor on `name` (the pane must be focused)."""
    screen = tui.wait_for_screen(lambda s: s if name in local_pane_rows(s) else None, what=f"{name!r} in the local pane")
    tui.keys("g")
    downs = local_pane_rows(screen).index(name)
    if downs:
        tui.keys(*["Down"] * downs)
    time.sleep(0.3)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- 1. downloads ask


@pytest.mark.timeout(120)
def test_download_onto_an_existing_local_file_asks_and_never_replaces_unasked(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    work = dirs["work"]
    user = new_user(tui_server)
    user.upload("small.txt", b"from the server\n")
    folder = user.mkdir("Docs")
    for name in ("a.txt", "b.txt"):
        user.upload(name, f"server {name}\n".encode(), parent_id=folder["id"])
    (work / "small.txt").write_bytes(b"mine, keep me\n")
    (work / "Docs").mkdir()
    (work / "Docs" / "a.txt").write_bytes(b"local a\n")
    (work / "Docs" / "b.txt").write_bytes(b"local b\n")

    tui = browsing(make_tui, tui_env, tui_server, user)
    select(tui, "small.txt")
    tui.keys("F9")
    screen = tui.wait_for_screen("small.txt already exists")
    assert "[o] Overwrite" in screen and "[s] Skip" in screen and "[b] Keep both" in screen, framed(screen)
    assert str(work / "small.txt")[-30:] in screen, framed(screen)
    # Keys that are no answer leave the question up; the file is untouched meanwhile.
    tui.keys("x", "Enter", "F9")
    tui.wait_for_screen("small.txt already exists")
    assert (work / "small.txt").read_bytes() == b"mine, keep me\n"

    tui.keys("s")
    tui.wait_for_screen("Skipped ")  # nothing arrived: not "Downloaded"
    assert (work / "small.txt").read_bytes() == b"mine, keep me\n"

    tui.keys("F9")
    tui.wait_for_screen("small.txt already exists")
    tui.keys("b")
    wait_api(lambda: (work / "small (1).txt").exists(), what="small (1).txt on disk")
    assert (work / "small (1).txt").read_bytes() == b"from the server\n"
    assert (work / "small.txt").read_bytes() == b"mine, keep me\n"

    tui.keys("F9")
    tui.wait_for_screen("small.txt already exists")
    tui.keys("o")
    wait_api(lambda: (work / "small.txt").read_bytes() == b"from the server\n", what="small.txt overwritten")

    # A folder: "apply to all" settles every file of it with one answer.
    select(tui, "Docs/")
    tui.keys("F9")
    screen = tui.wait_for_screen("Download /Docs")  # a folder says where it goes first
    assert str(work)[-20:] in screen, framed(screen)
    tui.keys("y")
    screen = tui.wait_for_screen("a.txt already exists")
    assert "Apply to all: off" in screen
    tui.keys("a")
    tui.wait_for_screen("Apply to all: on")
    tui.keys("s")
    tui.wait_for_screen("Skipped 2 items")
    assert (work / "Docs" / "a.txt").read_bytes() == b"local a\n"
    assert (work / "Docs" / "b.txt").read_bytes() == b"local b\n"

    # Esc cancels the transfer at the question.
    tui.keys("F9")
    tui.wait_for_screen("Download /Docs")
    tui.keys("y")
    tui.wait_for_screen("a.txt already exists")
    tui.keys("Escape")
    tui.wait_for_screen("Cancelled")
    assert (work / "Docs" / "a.txt").read_bytes() == b"local a\n"


def test_get_on_conflict_option(tui_server, tui_env):
    _, dirs = tui_env
    work = dirs["work"]
    user = new_user(tui_server)
    user.upload("r.txt", b"remote\n")
    log_in(dirs, tui_server, user)
    (work / "r.txt").write_bytes(b"local\n")

    r = cli(dirs, "get", "/r.txt", "r.txt")
    assert r.returncode == 3, r.stderr
    assert "r.txt already exists" in r.stderr and "--on-conflict" in r.stderr
    assert (work / "r.txt").read_bytes() == b"local\n"
    r = cli(dirs, "get", "--on-conflict", "skip", "/r.txt", ".")
    assert r.returncode == 0, r.stderr
    assert (work / "r.txt").read_bytes() == b"local\n"
    r = cli(dirs, "get", "--on-conflict", "rename", "/r.txt", ".")
    assert r.returncode == 0, r.stderr
    assert (work / "r (1).txt").read_bytes() == b"remote\n"
    r = cli(dirs, "get", "--on-conflict", "overwrite", "/r.txt", ".")
    assert r.returncode == 0, r.stderr
    assert (work / "r.txt").read_bytes() == b"remote\n"
    r = cli(dirs, "get", "--on-conflict", "sometimes", "/r.txt", ".")
    assert r.returncode == 1 and "fail, skip, rename or overwrite" in r.stderr
    # put learns skip.
    r = cli(dirs, "put", "--on-conflict", "skip", "r.txt", "/")
    assert r.returncode == 0, r.stderr
    assert [n["name"] for n in user.list_all()] == ["r.txt"]


# --------------------------------------------------------------------------- 2. the active pane


@pytest.mark.timeout(120)
def test_keys_act_on_the_active_pane(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    work = dirs["work"]
    user = new_user(tui_server)
    remote_folder = user.mkdir("Keep")
    (work / "old.txt").write_bytes(b"local file\n")
    (work / "junk").mkdir()
    (work / "junk" / "x.bin").write_bytes(b"x" * 100)

    tui = browsing(make_tui, tui_env, tui_server, user)
    select(tui, "Keep/")
    tui.keys("F4")  # the local pane, focused
    tui.wait_for_screen(lambda s: "old.txt" in local_pane_rows(s), what="the local pane")

    # F2 renames the local file, not the remote folder under the hidden cursor.
    select_local(tui, "old.txt")
    tui.keys("F2")
    tui.wait_for_screen("Rename local old.txt to")
    tui.keys("C-u")
    tui.type("new.txt")
    tui.keys("Enter")
    wait_api(lambda: (work / "new.txt").exists(), what="new.txt on disk")
    tui.wait_for_screen(lambda s: "new.txt" in local_pane_rows(s), what="new.txt listed")
    assert not (work / "old.txt").exists()
    assert user.get_node(remote_folder["id"]).json()["name"] == "Keep"

    # F7 makes a local folder and puts the cursor on it.
    tui.keys("F7")
    tui.wait_for_screen("New local folder in")
    tui.type("made")
    tui.keys("Enter")
    wait_api(lambda: (work / "made").is_dir(), what="the local folder")
    tui.wait_for_screen(lambda s: "made/" in local_pane_rows(s), what="made/ listed")
    assert [n["name"] for n in user.list_all()] == ["Keep"]

    # F6 moves the local file into it.
    select_local(tui, "new.txt")
    tui.keys("F6")
    tui.wait_for_screen("Move local new.txt to folder")
    tui.type("/made")
    tui.keys("Enter")
    wait_api(lambda: (work / "made" / "new.txt").exists(), what="new.txt moved")
    tui.wait_for_screen(lambda s: "new.txt" not in local_pane_rows(s), what="new.txt gone from the list")

    # F8 deletes the local folder after the same confirmation; the remote folder stays.
    select_local(tui, "junk/")
    tui.keys("F8")
    screen = tui.wait_for_screen("Delete 1 local item")
    assert "junk/" in screen
    tui.keys("y")
    wait_api(lambda: not (work / "junk").exists(), what="junk deleted")
    tui.wait_for_screen("Deleted 1 local item.")
    assert user.get_node(remote_folder["id"]).status_code == 200

    # F9 in the local pane says where downloads come from instead of acting on the hidden cursor.
    tui.keys("F9")
    tui.wait_for_screen("F9 downloads from the server pane")
    assert not (work / "Keep").exists()
    # The inactive (server) pane still shows its cursor, and Tab goes back to it.
    tui.keys("Tab")
    tui.keys("F8")
    tui.wait_for_screen("Move to the trash: 1 item: Keep/")
    tui.keys("n")
    assert user.get_node(remote_folder["id"]).status_code == 200


# --------------------------------------------------------------------------- 3. uploads ask


@pytest.mark.timeout(120)
def test_upload_onto_an_existing_name_asks_and_maps_to_on_conflict(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    work = dirs["work"]
    user = new_user(tui_server)
    original = user.upload("report.txt", b"version one\n")
    (work / "report.txt").write_bytes(b"version two, longer\n")

    tui = browsing(make_tui, tui_env, tui_server, user)
    tui.keys("F4")
    select_local(tui, "report.txt")
    tui.keys("F5")
    screen = tui.wait_for_screen("report.txt already exists")
    assert "On the server" in screen and "/report.txt" in screen, framed(screen)
    tui.keys("o")
    wait_api(lambda: user.get_node(original["id"]).json()["size"] == 20, what="the content replaced")
    node = user.get_node(original["id"]).json()
    assert node["sha256"] == sha(b"version two, longer\n")  # same id: overwrite replaced the content
    assert [n["name"] for n in user.list_all()] == ["report.txt"]

    tui.keys("F5")
    tui.wait_for_screen("report.txt already exists")
    tui.keys("b")
    wait_api(lambda: node_in(user, None, "report (1).txt"), what="report (1).txt on the server")

    tui.keys("F5")
    tui.wait_for_screen("report.txt already exists")
    tui.keys("s")
    tui.wait_for_screen("Skipped ")
    assert sorted(n["name"] for n in user.list_all()) == ["report (1).txt", "report.txt"]


# --------------------------------------------------------------------------- 4. the server's early answer


@pytest.mark.timeout(180)
def test_a_refused_big_upload_shows_the_servers_reason(tmp_path, make_tui, tui_env):
    _, dirs = tui_env
    work = dirs["work"]
    server = Server(tmp_path / "data", extra_args=["--default-quota", "20M"], log_path=tmp_path / "server.log").start()
    try:
        user = new_user(server)
        big = work / "big.bin"
        with open(big, "wb") as f:
            f.truncate(200 * 1024 * 1024)  # sparse: 200 MiB of zeros, over the 20 MiB quota

        # The CLI reads the 507 the server sent before the body.
        log_in(dirs, server, user)
        r = cli(dirs, "put", str(big), "/", timeout=120)
        assert r.returncode == 6, r.stderr
        assert "Failed sending data" not in r.stderr and "quota" in r.stderr.lower(), r.stderr

        tui = make_tui(server.base_url).start()
        tui.wait_for_screen("1Help", timeout=20)
        tui.keys("F4")
        select_local(tui, "big.bin")
        tui.keys("F5")
        screen = tui.wait_for_screen(lambda s: s if "big.bin:" in s and "(t to retry)" in s else None, timeout=60,
                                     what="the upload's failure")
        assert "quota" in screen.lower() and "Failed sending data" not in screen, framed(screen)
        assert user.list_all() == []
    finally:
        server.close()


# --------------------------------------------------------------------------- 5. sessions stay where they are


@pytest.mark.timeout(180)
def test_a_saved_session_is_never_moved_to_another_server(tmp_path, make_tui, tui_env):
    _, dirs = tui_env
    server = Server(tmp_path / "data", log_path=tmp_path / "server.log").start()
    try:
        user = new_user(server)
        user.mkdir("Projects")
        log_in(dirs, server, user)
        session_file = dirs["config"] / "papers" / "session.json"
        saved = session_file.read_text()
        port = server.port
        server.stop()

        # Plain `papers` (no --server): the saved server, unreachable, retried — not the bundled one.
        tui = make_tui(server.base_url).start(args=[])
        screen = tui.wait_for_screen("unreachable", timeout=20)
        assert server.base_url.replace("http://", "") in screen, framed(screen)
        assert "bundled" not in screen
        assert session_file.read_text() == saved
        tui.keys("F7")
        tui.wait_for_screen("Offline:")  # refused with a message, not dropped

        server.start(port=port)
        screen = tui.wait_for_screen(lambda s: s if "Projects/" in pane_rows(s) else None, timeout=20,
                                     what="the listing once the server is back")
        tui.wait_for_screen("Reconnected")
        assert "[offline]" not in screen
        tui.keys("F10")
        wait_api(lambda: tui.exit_status(), what="the TUI exiting")
        assert session_file.read_text() == saved
    finally:
        server.close()


@pytest.mark.timeout(180)
def test_the_bundled_server_session_follows_it_and_the_cli_says_where_it_points(make_tui, tui_env):
    base, dirs = tui_env
    # No session: plain `papers` starts the bundled server over $HOME/.local/share/papers.
    tui = make_tui("").start(args=[])
    tui.wait_for_screen("Papers — log in", timeout=30)
    tui.keys("C-n")
    tui.wait_for_screen("create an account")
    tui.type("Bundle User")  # the cursor starts in the first empty field: Full name
    tui.keys("Tab")
    tui.type("bundle@example.com")
    tui.keys("Tab")
    tui.type("bundled password")
    tui.keys("Tab")
    tui.type("bundled password")
    tui.keys("Enter")
    screen = tui.wait_for_screen("1Help", timeout=30)
    assert "bundled server" in screen, framed(screen)
    tui.keys("F7")
    tui.type("Inside")
    tui.keys("Enter")
    tui.wait_for_screen(lambda s: s if "Inside/" in pane_rows(s) else None, what="the new folder")
    tui.keys("F10")
    wait_api(lambda: tui.exit_status(), what="the TUI exiting")
    session = json.loads((dirs["config"] / "papers" / "session.json").read_text())
    data = dirs["home"] / ".local" / "share" / "papers"
    assert session["bundled_data"] == str(data)
    first_server = session["server"]

    # The CLI, with the bundled server gone, says where the session points and what to do.
    r = cli(dirs, "ls", "/")
    assert r.returncode == 5, r.stderr
    assert "bundled server" in r.stderr and first_server in r.stderr and str(data) in r.stderr, r.stderr

    # Again: the bundled server comes back on another port and the session follows it.
    tui.close()
    tui.exit_file.unlink()
    tui = make_tui("").start(args=[])
    tui.wait_for_screen(lambda s: s if "Inside/" in pane_rows(s) else None, timeout=30, what="the folder, no login")
    tui.keys("F10")
    wait_api(lambda: tui.exit_status(), what="the TUI exiting")


# --------------------------------------------------------------------------- 7. no terminal, signals


@pytest.mark.timeout(60)
def test_sigterm_restores_the_terminal_and_exits_non_zero(tui_server, make_tui, tui_env):
    user = new_user(tui_server)
    tui = browsing(make_tui, tui_env, tui_server, user)
    shell = tui.display("#{pane_pid}")
    pids = subprocess.run(["pgrep", "-f", "-P", shell, PAPERS_BIN], capture_output=True, text=True).stdout.split()
    assert len(pids) == 1, pids
    os.kill(int(pids[0]), 15)
    wait_api(lambda: tui.exit_status(), what="the TUI exiting")
    assert tui.exit_status() == "EXIT=143"
    assert "-icanon" not in tui.stty_file.read_text()  # cooked mode again



def test_tui_without_a_terminal_exits_at_once(tui_env):
    _, dirs = tui_env
    started = time.monotonic()
    r = subprocess.run([PAPERS_BIN, "tui", "--server", "http://127.0.0.1:9"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=20,
                       env=dict(os.environ, XDG_CONFIG_HOME=str(dirs["config"]), HOME=str(dirs["home"])))
    assert r.returncode == 1
    assert "standard input is not a terminal" in r.stderr
    assert time.monotonic() - started < 10


# --------------------------------------------------------------------------- 14, 18: settings and places


def test_a_key_bound_twice_in_keys_toml_is_refused(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    (dirs["config"] / "papers").mkdir(parents=True, exist_ok=True)
    (dirs["config"] / "papers" / "keys.toml").write_text('[keys]\nrename = "E"\nquit = "j"\n')
    tui = make_tui(tui_server.base_url).start()
    wait_api(lambda: tui.exit_status(), what="the TUI refusing to start")
    assert tui.exit_status() == "EXIT=1"
    screen = tui.screen()
    assert 'keys.toml:3: quit: "j" is already bound to down' in screen, framed(screen)


@pytest.mark.timeout(120)
def test_the_folder_and_cursor_are_remembered_across_restarts(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    user = new_user(tui_server)
    projects = user.mkdir("Projects")
    for name in ("a.txt", "b.txt", "c.txt"):
        user.upload(name, name.encode(), parent_id=projects["id"])
    tui = browsing(make_tui, tui_env, tui_server, user)
    select(tui, "Projects/")
    tui.keys("Enter")
    tui.wait_for_screen(lambda s: "b.txt" in pane_rows(s), what="/Projects")
    select(tui, "b.txt")
    tui.keys("F10")
    wait_api(lambda: tui.exit_status(), what="the TUI exiting")
    places = json.loads((dirs["config"] / "papers" / "places.json").read_text())
    assert len(places) == 1
    tui.close()
    tui.exit_file.unlink()

    tui = make_tui(tui_server.base_url).start()
    screen = tui.wait_for_screen(lambda s: s if prop(s, "Name") == "b.txt" else None, timeout=20,
                                 what="the same folder and item")
    assert "┌ /Projects " in screen, framed(screen)


# --------------------------------------------------------------------------- 8. transfers go on where they stopped


@pytest.mark.timeout(300)
def test_a_transfer_cut_by_the_server_going_away_is_paused_kept_at_quit_and_goes_on(tmp_path, make_tui, tui_env):
    """The server goes away mid-upload: p pauses the transfer, q quits; the next start offers it
    again, and r goes on from the server's offset (a fraction of the file is sent again)."""
    _, dirs = tui_env
    server = Server(tmp_path / "data", log_path=tmp_path / "server.log").start()
    relay = Relay(server.port, up_bytes_per_second=8 * MiB)
    size = 48 * MiB
    try:
        user = new_user(server)
        data = b"".join(i.to_bytes(8, "little") + os.urandom(MiB - 8) for i in range(size // MiB))
        (dirs["work"] / "big.bin").write_bytes(data)
        r = cli(dirs, "login", "--server", relay.url, "--email", user.email, "--password-stdin", stdin=user.password + "\n")
        assert r.returncode == 0, r.stderr
        tui = make_tui(relay.url).start(100, 30)
        tui.wait_for_screen("1Help", timeout=20)
        tui.keys("F4")
        select_local(tui, "big.bin")
        tui.keys("F5")
        assert wait_until(lambda: relay.sent > 20 * MiB, timeout=60), "the upload did not get going"
        server.stop()
        tui.keys("t")
        tui.wait_for_screen("p pause · r resume", what="the queue")
        tui.keys("p")
        tui.wait_for_screen(lambda s: s if "paused" in s else None, what="the transfer paused")
        tui.keys("Escape")
        tui.wait_for_screen(lambda s: s if "p pause" not in s else None, what="the queue closed")
        tui.keys("q")
        assert wait_until(lambda: tui.exit_status() is not None, timeout=20), framed(tui.screen())
        queue = json.loads((dirs["config"] / "papers" / "queue.json").read_text())
        assert [t["name"] for saved in queue.values() for t in saved] == ["big.bin"], queue
        tui.close()

        server.restart()
        relay.up_bytes_per_second = 0
        before = relay.sent
        again = make_tui(relay.url).start(100, 30)
        again.wait_for_screen("1 transfer unfinished when Papers last quit", timeout=20)
        again.keys("t")
        again.wait_for_screen(lambda s: s if "paused" in s else None, what="the unfinished transfer, paused")
        again.keys("r")
        node = wait_api(lambda: (lambda n: n if n and n.get("sha256") == sha(data) else None)(node_in(user, None, "big.bin")),
                        timeout=120, what="big.bin whole on the server")
        assert node["size"] == size
        resent = relay.sent - before
        assert resent < 0.75 * size, f"going on sent {resent / MiB:.0f} MiB of a {size // MiB} MiB file again"
        again.wait_for_screen(lambda s: s if "done" in s else None, what="the transfer done in the queue")
        assert wait_until(lambda: not json.loads((dirs["config"] / "papers" / "queue.json").read_text()), timeout=10), \
            "a finished transfer is forgotten"
    finally:
        relay.close()
        server.close()
