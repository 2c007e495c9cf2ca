"""The TUI's share links under tmux: c makes a link (expiry, then a hidden password), shows its URL
and puts it on the clipboard with OSC 52 (tmux with set-clipboard on keeps it as a buffer); the link
works for a stranger; C lists the links with their downloads and x revokes one after a question."""

from __future__ import annotations

import re

import pytest
import requests

from conftest import TIMEOUT, new_user
from test_tui import framed, make_tui, select, tui_env, tui_server, wait_api  # noqa: F401
from test_tui_trust import browsing

URL = re.compile(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{32}")


@pytest.mark.timeout(120)
def test_c_makes_a_link_shows_and_copies_it_and_C_lists_and_revokes(tui_server, make_tui, tui_env):
    user = new_user(tui_server)
    user.upload("minutes.txt", b"the minutes of the meeting\n")
    tui = browsing(make_tui, tui_env, tui_server, user)
    # The application may set tmux's clipboard (a buffer) through OSC 52.
    tui.tmux("set-option", "-s", "set-clipboard", "on")
    select(tui, "minutes.txt")
    tui.keys("c")
    tui.wait_for_screen("Link to minutes.txt works for")
    # A wrong lifetime is refused in the prompt.
    tui.keys("C-u")
    tui.type("soon")
    tui.keys("Enter")
    tui.wait_for_screen("30m, 12h, 7d or 2w")
    tui.keys("C-u")
    tui.type("2d")
    tui.keys("Enter")
    tui.wait_for_screen("Password visitors must give")
    tui.type("short")
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if "at least 8 characters" in s else None, what="a short password refused")
    assert "short" not in screen.replace("at least 8 characters", ""), framed(screen)  # shown as dots
    tui.type(" but now long")
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if URL.search(s) and "shown this once" in s else None, what="the new link's URL")
    url = URL.search(screen).group(0)
    assert "(with a password)" in screen, framed(screen)
    # On the clipboard: tmux made a buffer of the OSC 52 sequence.
    wait_api(lambda: tui.tmux("show-buffer", check=False).stdout == url, what="the URL on the clipboard")
    # The link works for someone without an account, with the password only.
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    got = requests.get(url, auth=("", "short but now long"), timeout=TIMEOUT)
    assert got.status_code == 200 and got.content == b"the minutes of the meeting\n"
    listed = user.session.get(user.url("shares/"), timeout=TIMEOUT).json()["items"]
    assert [(i["name"], i["has_password"], i["downloads"]) for i in listed] == [("minutes.txt", True, 1)]
    # Two days ahead, give or take the test's own minutes.
    assert listed[0]["expires_at"] > listed[0]["date_created"]
    tui.keys("Escape")
    tui.wait_for_screen(lambda s: "Share links (x revoke" not in s, what="the screen closed")
    # C lists them; x asks; n keeps the link; x then y revokes it.
    tui.keys("C")
    screen = tui.wait_for_screen(lambda s: s if "minutes.txt" in s and "1 download" in s else None, what="the list")
    assert "password" in screen and "until " in screen and not URL.search(screen), framed(screen)
    tui.keys("x")
    tui.wait_for_screen('Revoke the link to "minutes.txt"?')
    tui.keys("n")
    tui.wait_for_screen(lambda s: "Share links (x revoke" in s and "minutes.txt" in s, what="back on the list")
    assert requests.get(url, auth=("", "short but now long"), timeout=TIMEOUT).status_code == 200
    tui.keys("x")
    tui.wait_for_screen('Revoke the link to "minutes.txt"?')
    tui.keys("y")
    tui.wait_for_screen(lambda s: "Revoked the link." in s and "No share links yet" in s, what="the empty list")
    assert requests.get(url, auth=("", "short but now long"), timeout=TIMEOUT).status_code == 404
    tui.keys("Escape")


@pytest.mark.timeout(120)
def test_a_folder_link_without_expiry_or_password(tui_server, make_tui, tui_env):
    user = new_user(tui_server)
    folder = user.mkdir("Holiday")
    user.upload("beach.txt", b"sand\n", parent_id=folder["id"])
    tui = browsing(make_tui, tui_env, tui_server, user)
    select(tui, "Holiday/")
    tui.keys("c")
    tui.wait_for_screen("Link to Holiday works for")
    tui.keys("C-u", "Enter")  # empty: until revoked
    tui.wait_for_screen("Password visitors must give")
    tui.keys("Enter")  # empty: none
    screen = tui.wait_for_screen(lambda s: s if URL.search(s) else None, what="the new link's URL")
    url = URL.search(screen).group(0)
    assert requests.get(url + "/beach.txt", timeout=TIMEOUT).content == b"sand\n"
    listed = user.session.get(user.url("shares/"), timeout=TIMEOUT).json()["items"]
    assert [(i["name"], i["is_folder"], i["expires_at"], i["has_password"]) for i in listed] == [("Holiday", True, None, False)]
    tui.keys("Escape")
