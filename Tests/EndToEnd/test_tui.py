"""End-to-end test of the terminal client (`papers tui`) under tmux.

The real server (`papers serve`, conftest's `Server`) and the real `papers tui` run side by side; the TUI
lives in a detached tmux session on a private socket (`tmux -L <unique>`), keys go in with
`send-keys`, and every screen is read back with `capture-pane -p`. Every effect a key has on the
server is checked through the HTTP API, every effect on the local disk through the file system.

Each test has its own XDG_CONFIG_HOME and HOME (so its own session file) and its own working folder
(the TUI's local folder: where downloads land, what the upload prompt starts with).

Needs tmux (skipped without it). Keys and screen: ../../../shared/TUI.md; issue 3 asks for this test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import stat as stat_module
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Optional, Union

import pytest
import requests

from conftest import API, PAPERS_BIN, TIMEOUT, Server, User, new_user

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

WIDTH, HEIGHT = 100, 30
SHELL_MARKER = "papers-e2e-shell-before-tui"
AFTER_MARKER = "papers-e2e-shell-after-tui"


# --------------------------------------------------------------------------- tmux driver


class TuiTimeout(AssertionError):
    pass


class Tui:
    """`papers tui --server URL` in a detached tmux session of its own tmux server."""

    def __init__(self, base: Path, server_url: str, config_home: Path, home: Path, workdir: Path):
        self.base = base
        self.server_url = server_url
        self.config_home = config_home
        self.home = home
        self.workdir = workdir
        self.socket = f"papers-e2e-{uuid.uuid4().hex[:12]}"
        self.session = "tui"
        self.exit_file = base / "exit-status"
        self.stty_file = base / "stty-after"
        self.started = False

    # -- tmux plumbing

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = os.environ.copy()
        env.pop("TMUX", None)  # never talk to an enclosing tmux
        env.update(LANG="C.UTF-8", TERM="xterm-256color")
        r = subprocess.run([TMUX, "-u", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                           env=env, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def start(self, width: int = WIDTH, height: int = HEIGHT, args: Optional[list[str]] = None) -> "Tui":
        """`args`: the command line after the binary (default `tui --server URL`)."""
        argv = args if args is not None else ["tui", "--server", self.server_url]
        tui = " ".join(shlex.quote(a) for a in [PAPERS_BIN, *argv])
        script = (f"echo {SHELL_MARKER}; {tui}; echo EXIT=$? > {shlex.quote(str(self.exit_file))}; "
                  f"stty -a > {shlex.quote(str(self.stty_file))} 2>&1; echo {AFTER_MARKER}; sleep 600")
        env = {
            "XDG_CONFIG_HOME": str(self.config_home), "HOME": str(self.home), "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
        }
        # `env` inside the pane: tmux sets TERM from its default-terminal, so it is set again here.
        command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " sh -c " + shlex.quote(script)
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), "-c", str(self.workdir),
                  command)
        self.started = True
        return self

    def close(self) -> None:
        if self.started:
            socket_path = self.tmux("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
            self.tmux("kill-server", check=False)
            self.started = False
            if socket_path.endswith(self.socket):
                Path(socket_path).unlink(missing_ok=True)

    # -- input

    def keys(self, *names: str) -> None:
        """tmux key names: Enter, Tab, F7, C-u, Up, ..."""
        self.tmux("send-keys", "-t", self.session, *names)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    # -- output

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session).stdout

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", self.session, fmt).stdout.strip()

    def cursor(self) -> tuple[int, int]:
        x, y = self.display("#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def size(self) -> tuple[int, int]:
        w, h = self.display("#{pane_width} #{pane_height}").split()
        return int(w), int(h)

    def resize(self, width: int, height: int) -> None:
        r = self.tmux("resize-window", "-t", self.session, "-x", str(width), "-y", str(height), check=False)
        if r.returncode != 0:  # older tmux
            self.tmux("resize-pane", "-t", self.session, "-x", str(width), "-y", str(height))

    def wait_for_screen(self, predicate_or_text: Union[str, Callable[[str], object]], timeout: float = 10,
                        what: Optional[str] = None) -> object:
        """Polls capture-pane until the text shows (or the predicate on the screen text is truthy) on a
        settled screen; returns the predicate's value (the screen for a text). Fails with the last screen."""
        if isinstance(predicate_or_text, str):
            text = predicate_or_text
            predicate = lambda screen: screen if text in screen else None  # noqa: E731
            what = what or repr(text)
        else:
            predicate = predicate_or_text
            what = what or getattr(predicate, "__name__", "condition")
        deadline = time.monotonic() + timeout
        screen = ""
        previous = None
        while True:
            screen = self.screen()
            # ncurses paints a frame in several writes, so a capture can catch half of one: only a
            # screen that matches and reads the same on two captures in a row counts.
            if screen == previous:
                result = predicate(screen)
                if result:
                    return result
            previous = screen
            if time.monotonic() >= deadline:
                raise TuiTimeout(f"screen never showed {what} within {timeout}s; last screen "
                                 f"({'x'.join(map(str, self.size()))}):\n{framed(screen)}")
            time.sleep(0.04)

    def exit_status(self) -> Optional[str]:
        try:
            return self.exit_file.read_text().strip() or None
        except FileNotFoundError:
            return None


def framed(screen: str) -> str:
    """A capture with its line numbers, for failure messages and the report."""
    return "\n".join(f"{i:2}|{line}" for i, line in enumerate(screen.splitlines()))


def wait_api(predicate, timeout: float = 10, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            assert result, f"API never showed {what} within {timeout}s"
            return result
        time.sleep(0.1)


# --------------------------------------------------------------------------- screen readers


def pane_rows(screen: str) -> list[str]:
    """The names in the left pane (rows between its top and bottom borders, left of the split)."""
    lines = screen.splitlines()
    rows = []
    for line in lines[2:]:
        if line.startswith("└"):
            break
        if not line.startswith("│"):
            continue
        cell = line[1:line.index("│", 1)] if "│" in line[1:] else line[1:]
        name = re.sub(r"\s{2,}\S.*$", "", cell.strip())  # drop the size column
        if name:
            rows.append(name)
    return rows


def left_pane_title(screen: str) -> Optional[str]:
    lines = screen.splitlines()
    if len(lines) < 2:
        return None
    m = re.match(r"┌ (.*?) ─", lines[1])
    return m.group(1) if m else None


def prop(screen: str, key: str) -> Optional[str]:
    """A value of the Properties box (`Name`, `Size`, `SHA-256`, ...)."""
    for line in screen.splitlines():
        m = re.search(rf"│ {re.escape(key)}\s+(.*?)\s*│\s*$", line)
        if m and "Properties" not in line:
            return m.group(1)
    return None


def dialog_input(screen: str, title: str) -> Optional[str]:
    """The text of a prompt's input line: two rows under the dialog's title."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if f"┌ {title}" in line:
            x = line.index("┌")
            if i + 2 < len(lines):
                row = lines[i + 2]
                end = row.find("│", x + 1)
                return row[x + 1:end].strip() if end > 0 else row[x + 1:].strip()
    return None


def node_in(user: User, folder_id: Optional[str], name: str) -> Optional[dict]:
    return next((n for n in user.list_all(folder_id) if n["name"] == name), None)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def tui_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("tui-server")
    srv = Server(base / "data", log_path=base / "server.log").start()
    yield srv
    srv.close()


@pytest.fixture
def tui_env():
    """Short paths (they are typed into prompts and shown in 56-column input lines)."""
    base = Path(tempfile.mkdtemp(prefix="ptui-"))
    dirs = {name: base / name for name in ("config", "home", "work", "src")}
    for d in dirs.values():
        d.mkdir()
    yield base, dirs
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def make_tui(tui_env):
    made: list[Tui] = []

    def make(server_url: str) -> Tui:
        base, dirs = tui_env
        tui = Tui(base, server_url, dirs["config"], dirs["home"], dirs["work"])
        made.append(tui)
        return tui

    yield make
    for tui in made:
        tui.close()


def select(tui: Tui, name: str, timeout: float = 10) -> str:
    """Puts the cursor on the row `name` (`Docs/` for a folder) of the left pane (g, then Down to its
    row) and waits for the Properties box to name it; returns the screen. Tries again if a listing
    reloaded under the keys."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tui.wait_for_screen(lambda s: s if name in pane_rows(s) else None, max(0.5, deadline - time.monotonic()),
                                     what=f"{name!r} in the list")
        tui.keys("g")
        downs = pane_rows(screen).index(name)
        if downs:
            tui.keys(*["Down"] * downs)
        try:
            return tui.wait_for_screen(lambda s: s if prop(s, "Name") == name.rstrip("/") else None,
                                       min(2.0, max(0.5, deadline - time.monotonic())),
                                       what=f"{name!r} selected (Properties Name)")
        except TuiTimeout:
            if time.monotonic() >= deadline:
                raise


def login_through_form(tui: Tui, email: str, password: str) -> None:
    tui.type(email)
    tui.keys("Tab")
    tui.type(password)


# --------------------------------------------------------------------------- the story


@pytest.mark.timeout(120)
def test_tui_story(tui_server, make_tui, tui_env):
    base, dirs = tui_env
    workdir, srcdir, config = dirs["work"], dirs["src"], dirs["config"]

    # 1. A user with a folder Docs holding report.txt, made through the API.
    user = new_user(tui_server, fullname="Ada Lovelace")
    docs = user.mkdir("Docs")
    report_bytes = b"Quarterly report, final figures.\n" * 150  # 4,950 bytes
    report = user.upload("report.txt", report_bytes, parent_id=docs["id"])
    report_sha = hashlib.sha256(report_bytes).hexdigest()
    assert report["sha256"] == report_sha

    # 2. No session: the login form, Server pre-filled, the cursor in the first empty field (E-mail).
    tui = make_tui(tui_server.base_url).start()
    screen = tui.wait_for_screen("Papers — log in")
    lines = screen.splitlines()
    server_row = next(i for i, l in enumerate(lines) if re.search(r"│ Server\s", l))
    email_row = next(i for i, l in enumerate(lines) if re.search(r"│ E-mail\s", l))
    password_row = next(i for i, l in enumerate(lines) if re.search(r"│ Password\s", l))
    assert tui_server.base_url in lines[server_row], framed(screen)
    field_x = lines[server_row].index(tui_server.base_url)
    assert tui.cursor() == (field_x, email_row), f"cursor {tui.cursor()}, expected the E-mail field\n{framed(screen)}"

    login_through_form(tui, user.email, user.password)
    screen = tui.wait_for_screen(lambda s: s if "•" * len(user.password) in s else None, what="the masked password")
    assert user.password not in screen, "the password shows in clear"
    assert user.email in screen.splitlines()[email_row]
    assert tui.cursor()[1] == password_row
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if "Docs/" in pane_rows(s) else None, timeout=20, what="the browser with Docs/")
    assert left_pane_title(screen) == "/", framed(screen)
    assert user.email in screen.splitlines()[0], "header names the user"
    assert screen.splitlines()[HEIGHT - 1].strip().startswith("1Help 2Rename"), framed(screen)
    session_file = config / "papers" / "session.json"
    assert session_file.exists()
    assert stat_module.S_IMODE(session_file.stat().st_mode) == 0o600
    saved = json.loads(session_file.read_text())
    assert saved["email"] == user.email and saved["token"]
    assert user.password not in session_file.read_text()

    # 3. Into Docs; report.txt's properties: size and the start of its SHA-256.
    select(tui, "Docs/")
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if left_pane_title(s) == "/Docs" and "report.txt" in pane_rows(s) else None,
                                 what="/Docs with report.txt")
    assert pane_rows(screen)[0] == "..", framed(screen)
    screen = select(tui, "report.txt")
    assert prop(screen, "Size") == "4.8 KiB (4,950 bytes)", framed(screen)
    shown_sha = prop(screen, "SHA-256")
    assert shown_sha, framed(screen)
    shown_hex = shown_sha.rstrip("…")
    assert len(shown_hex) >= 16 and report_sha.startswith(shown_hex), f"{shown_sha!r} vs {report_sha}"
    assert prop(screen, "Path") == "/Docs/report.txt"
    assert prop(screen, "ID") == report["id"]
    assert (prop(screen, "Kind") or "").startswith("file")

    # 4. F7: a new folder Inbox.
    tui.keys("F7")
    screen = tui.wait_for_screen("New folder in /Docs")
    assert dialog_input(screen, "New folder in /Docs") == "", framed(screen)
    tui.type("Inbox")
    tui.wait_for_screen(lambda s: dialog_input(s, "New folder in /Docs") == "Inbox", what="Inbox typed")
    tui.keys("Enter")
    inbox = wait_api(lambda: node_in(user, docs["id"], "Inbox"), what="Inbox in Docs")
    assert inbox["is_folder"]
    tui.wait_for_screen(lambda s: "Inbox/" in pane_rows(s) and "New folder in" not in s, what="Inbox/ in the list")

    # 5. F2 on report.txt: the prompt starts with the current name; C-u, final.txt, Enter.
    select(tui, "report.txt")
    tui.keys("F2")
    screen = tui.wait_for_screen("Rename report.txt to")
    assert dialog_input(screen, "Rename report.txt to") == "report.txt", framed(screen)
    tui.keys("C-u")
    tui.wait_for_screen(lambda s: dialog_input(s, "Rename report.txt to") == "", what="the cleared rename prompt")
    tui.type("final.txt")
    tui.wait_for_screen(lambda s: dialog_input(s, "Rename report.txt to") == "final.txt", what="final.txt typed")
    tui.keys("Enter")
    renamed = wait_api(lambda: node_in(user, docs["id"], "final.txt"), what="final.txt in Docs")
    assert renamed["id"] == report["id"] and renamed["sha256"] == report_sha
    assert node_in(user, docs["id"], "report.txt") is None
    tui.wait_for_screen(lambda s: "final.txt" in pane_rows(s) and "report.txt" not in pane_rows(s),
                        what="final.txt instead of report.txt")

    # 6. u: upload a local file by path; the prompt starts with the local (working) folder.
    upload_bytes = os.urandom(200_000)
    upload_sha = hashlib.sha256(upload_bytes).hexdigest()
    local_file = srcdir / "notes.bin"
    local_file.write_bytes(upload_bytes)
    tui.keys("u")
    screen = tui.wait_for_screen("Upload local file or folder")
    assert dialog_input(screen, "Upload local file or folder") == f"{workdir}/", framed(screen)
    tui.keys("C-u")
    tui.wait_for_screen(lambda s: dialog_input(s, "Upload local file or folder") == "", what="the cleared upload prompt")
    tui.type(str(local_file))
    tui.wait_for_screen(lambda s: dialog_input(s, "Upload local file or folder") == str(local_file), what="the path typed")
    tui.keys("Enter")
    uploaded = wait_api(lambda: (lambda n: n if n and n["sha256"] == upload_sha else None)(node_in(user, docs["id"], "notes.bin")),
                        timeout=20, what="notes.bin in Docs with its sha256")
    assert uploaded["size"] == len(upload_bytes)
    tui.wait_for_screen(lambda s: "notes.bin" in pane_rows(s), what="notes.bin in the list")
    tui.wait_for_screen("Uploaded notes.bin")

    # 7. d on final.txt: it lands in the working folder, whole, with no temporary file left.
    select(tui, "final.txt")
    tui.keys("d")
    target = workdir / "final.txt"
    wait_api(lambda: target.exists() and target.read_bytes() == report_bytes, timeout=20, what="final.txt downloaded")
    tui.wait_for_screen("Downloaded final.txt")
    assert sorted(p.name for p in workdir.iterdir()) == ["final.txt"], "temporary files left behind"
    assert not [p for p in base.rglob("*") if p.name.endswith(".part")]

    # 8. F8 on notes.bin: the confirmation names it; n keeps it, y moves it to the trash.
    select(tui, "notes.bin")
    tui.keys("F8")
    screen = tui.wait_for_screen("Confirm")
    assert "Move to the trash: 1 item: notes.bin?" in screen, framed(screen)
    assert "[y] Move to trash" in screen and "[X] Delete for good" in screen and "[N] No" in screen
    tui.keys("n")
    tui.wait_for_screen(lambda s: "Move to the trash" not in s and "Cancelled" in s, what="the refusal")
    time.sleep(0.3)  # a wrongly sent delete would have had time to land
    assert node_in(user, docs["id"], "notes.bin") is not None, "n deleted the file"
    tui.wait_for_screen(lambda s: "notes.bin" in pane_rows(s) and prop(s, "Name") == "notes.bin", what="notes.bin kept")
    tui.keys("F8")
    tui.wait_for_screen("Move to the trash: 1 item: notes.bin?")
    tui.keys("y")
    wait_api(lambda: node_in(user, docs["id"], "notes.bin") is None, what="notes.bin deleted")
    assert user.get_node(uploaded["id"]).status_code == 404
    tui.wait_for_screen(lambda s: "notes.bin" not in pane_rows(s) and "final.txt" in pane_rows(s) and "to the trash" in s,
                        what="notes.bin gone from the list")

    # 9. Resize: everything re-laid at 70x20, the cursor still on its item; 50x12 is too small; back.
    select(tui, "final.txt")
    tui.resize(70, 20)

    def laid_out_at_70x20(s: str):
        lines = s.splitlines()
        if len(lines) < 20:
            return None
        ok = (len(lines[17]) == 70 and lines[17].startswith("└") and lines[17].endswith("┘")  # bottom border row
              and lines[1].startswith("┌") and lines[1].endswith("┐") and len(lines[1]) == 70
              and lines[19].strip().startswith("1Help 2Rename") and len(lines[19].rstrip()) <= 70
              and "┐┌" in lines[1])
        return s if ok else None

    screen = tui.wait_for_screen(laid_out_at_70x20, what="the 70x20 layout")
    assert tui.size() == (70, 20)
    lines = screen.splitlines()
    assert lines[1].index("┐┌") == 34, framed(screen)  # two panes of 35 columns
    assert prop(screen, "Name") == "final.txt", "the cursor left its item on resize\n" + framed(screen)
    assert user.email[:10] in lines[0], framed(screen)

    tui.resize(50, 12)
    screen = tui.wait_for_screen("Terminal too small")
    assert "60×16" in screen and "50×12" in screen, framed(screen)

    tui.resize(WIDTH, HEIGHT)

    def laid_out_full(s: str):
        lines = s.splitlines()
        return s if len(lines) >= HEIGHT and lines[HEIGHT - 3].endswith("┘") and len(lines[HEIGHT - 3]) == WIDTH \
            and "10Quit" in lines[HEIGHT - 1] and "Terminal too small" not in s else None

    screen = tui.wait_for_screen(laid_out_full, what="the 100x30 layout again")
    assert prop(screen, "Name") == "final.txt"

    # 10. Help: F1 and ? open the overlay listing the live key map; any key closes it.
    for opener in ("?", "F1"):
        tui.keys(opener)
        screen = tui.wait_for_screen("Keys (")
        assert re.search(r"f2 r\s+Rename", screen), framed(screen)
        assert re.search(r"f7 n\s+Mkdir", screen), framed(screen)
        assert re.search(r"f10 q\s+Quit", screen), framed(screen)
        tui.keys("z")
        tui.wait_for_screen(lambda s: "Keys (" not in s and "final.txt" in pane_rows(s), what="help closed")

    # 11. q quits with status 0 and gives the terminal back.
    tui.keys("q")
    wait_api(lambda: tui.exit_status(), timeout=10, what="the TUI exiting")
    assert tui.exit_status() == "EXIT=0"
    screen = tui.wait_for_screen(AFTER_MARKER)
    assert SHELL_MARKER in screen, "the shell's screen was not restored\n" + framed(screen)
    assert "Properties" not in screen and "1Help" not in screen, framed(screen)
    assert tui.display("#{alternate_on}") == "0", "still on the alternate screen"
    assert tui.display("#{cursor_flag}") == "1", "the cursor stays hidden"
    stty = tui.stty_file.read_text()
    for mode in ("icanon", "echo", "icrnl", "opost"):
        assert re.search(rf"(?<![-\w]){mode}\b", stty), f"tty mode {mode} not restored:\n{stty}"


# --------------------------------------------------------------------------- 401: back to the form, place kept


@pytest.mark.timeout(90)
def test_tui_revoked_session_returns_to_login_form_and_keeps_place(tui_server, make_tui, tui_env):
    base, dirs = tui_env
    config = dirs["config"]
    user = new_user(tui_server)
    projects = user.mkdir("Projects")
    user.mkdir("Archive")
    for name in ("a.txt", "b.txt", "c.txt"):
        user.upload(name, f"content of {name}\n".encode(), parent_id=projects["id"])

    # A session made by `papers login` with the same config dir.
    env = os.environ.copy()
    env.update(XDG_CONFIG_HOME=str(config), HOME=str(dirs["home"]))
    r = subprocess.run([PAPERS_BIN, "login", "--server", tui_server.base_url, "--email", user.email, "--password-stdin"],
                       input=user.password + "\n", capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    session_file = config / "papers" / "session.json"
    token = json.loads(session_file.read_text())["token"]

    tui = make_tui(tui_server.base_url).start()
    screen = tui.wait_for_screen(lambda s: s if "Projects/" in pane_rows(s) else None, timeout=15,
                                 what="the browser (no form)")
    assert "Papers — log in" not in screen
    select(tui, "Projects/")
    tui.keys("Enter")
    tui.wait_for_screen(lambda s: left_pane_title(s) == "/Projects" and "b.txt" in pane_rows(s), what="/Projects")
    select(tui, "b.txt")

    # Revoke the token behind the TUI's back.
    r = requests.post(tui_server.url(f"{API}/auth/logout"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    r = requests.get(tui_server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert r.status_code == 401

    # Ctrl-R: the 401 brings the form back, with a message, the e-mail kept, the cursor on Password.
    tui.keys("C-r")
    screen = tui.wait_for_screen("Papers — log in")
    assert re.search(r"session (has )?(ended|expired)", screen, re.IGNORECASE), framed(screen)
    lines = screen.splitlines()
    email_row = next(i for i, l in enumerate(lines) if re.search(r"│ E-mail\s", l))
    password_row = next(i for i, l in enumerate(lines) if re.search(r"│ Password\s", l))
    assert user.email in lines[email_row], framed(screen)
    assert tui.cursor()[1] == password_row, f"cursor {tui.cursor()}\n{framed(screen)}"

    tui.type(user.password)
    tui.keys("Enter")
    screen = tui.wait_for_screen(
        lambda s: s if left_pane_title(s) == "/Projects" and "b.txt" in pane_rows(s) and "log in" not in s else None,
        timeout=20, what="the browser back in /Projects")
    screen = tui.wait_for_screen(lambda s: s if prop(s, "Name") == "b.txt" else None, what="the cursor back on b.txt")
    new_token = json.loads(session_file.read_text())["token"]
    assert new_token != token, "the new session was not saved"
    assert stat_module.S_IMODE(session_file.stat().st_mode) == 0o600
    assert requests.get(tui_server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {new_token}"},
                        timeout=TIMEOUT).status_code == 200

    tui.keys("F10")
    wait_api(lambda: tui.exit_status(), timeout=10, what="the TUI exiting")
    assert tui.exit_status() == "EXIT=0"
