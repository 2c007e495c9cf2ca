"""The TUI's trash (T), versions (V) and search (f) under tmux against the real server: each view
driven with keys, its effect checked through the HTTP API (and the local disk for a downloaded
version). Helpers and fixtures come from test_tui.py and test_tui_trust.py.
"""

from __future__ import annotations

import pytest

from conftest import TIMEOUT, new_user
from test_tui import framed, make_tui, node_in, pane_rows, prop, select, tui_env, tui_server, wait_api  # noqa: F401
from test_tui_trust import browsing


def trash_ids(user) -> list[str]:
    r = user.session.get(user.url("trash/"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


@pytest.mark.timeout(120)
def test_trash_view_restores_deletes_for_good_and_empties(tui_server, make_tui, tui_env):
    user = new_user(tui_server)
    docs = user.mkdir("Docs")
    keep = user.upload("keep.txt", b"keep me\n", parent_id=docs["id"])
    gone = user.upload("gone.txt", b"gone\n")
    other = user.upload("other.txt", b"other\n")
    tui = browsing(make_tui, tui_env, tui_server, user)

    # F8 moves to the trash; the file is gone from the list and in the trash.
    select(tui, "Docs/")
    tui.keys("F8")
    tui.wait_for_screen("Move to the trash: 1 item: Docs/")
    tui.keys("y")
    wait_api(lambda: docs["id"] in trash_ids(user), what="Docs in the trash")
    tui.wait_for_screen(lambda s: "Docs/" not in pane_rows(s) and "to the trash" in s, what="Docs gone from the list")
    # X deletes for good, after its own question.
    select(tui, "gone.txt")
    tui.keys("X")
    tui.wait_for_screen("Delete for good: 1 item: gone.txt?")
    tui.keys("y")
    wait_api(lambda: user.get_node(gone["id"]).status_code == 404, what="gone.txt deleted")
    assert gone["id"] not in trash_ids(user)

    # T lists the trash; r puts Docs back where it was, with what was in it.
    tui.keys("T")
    screen = tui.wait_for_screen(lambda s: s if "Trash (r restore" in s and "/Docs/" in s else None, what="the trash")
    assert "gone.txt" not in screen, framed(screen)
    tui.keys("r")
    wait_api(lambda: user.get_node(docs["id"]).status_code == 200, what="Docs restored")
    assert user.get_node(keep["id"]).json()["path"] == "/Docs/keep.txt"
    tui.wait_for_screen(lambda s: s if "Restored /Docs/." in s and "The trash is empty." in s else None, what="the message, the trash empty")
    tui.keys("q")
    tui.wait_for_screen(lambda s: "Docs/" in pane_rows(s), what="Docs back in the list")

    # x in the trash deletes one item for good after a question (n keeps it); E empties.
    select(tui, "other.txt")
    tui.keys("F8", "y")
    wait_api(lambda: other["id"] in trash_ids(user), what="other.txt in the trash")
    tui.keys("T")
    tui.wait_for_screen("/other.txt")
    tui.keys("x")
    tui.wait_for_screen("Delete /other.txt for good?")
    tui.keys("n")
    tui.wait_for_screen(lambda s: s if "Trash (r restore" in s and "/other.txt" in s else None, what="back in the trash")
    assert other["id"] in trash_ids(user)
    tui.keys("E")
    tui.wait_for_screen("Empty the trash: delete its 1 item for good?")
    tui.keys("y")
    wait_api(lambda: trash_ids(user) == [], what="the trash emptied")
    tui.wait_for_screen("The trash is empty.")
    assert user.get_node(other["id"]).status_code == 404


@pytest.mark.timeout(120)
def test_versions_view_shows_downloads_and_restores_a_version(tui_server, make_tui, tui_env):
    _, dirs = tui_env
    user = new_user(tui_server)
    doc = user.upload("notes.txt", b"first words\n")
    r = user.session.put(user.url(f"files/{doc['id']}"), data=b"second words\n",
                         headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert r.status_code == 200
    tui = browsing(make_tui, tui_env, tui_server, user)
    select(tui, "notes.txt")
    tui.keys("V")
    screen = tui.wait_for_screen(lambda s: s if "Versions of notes.txt" in s and "v1" in s else None, what="the versions")
    assert "v2" in screen and "current" in screen, framed(screen)
    # Enter shows version 1's text.
    tui.keys("Down", "Enter")
    tui.wait_for_screen(lambda s: s if "notes.txt, version 1" in s and "first words" in s else None, what="version 1's text")
    tui.keys("q")  # any key closes the preview (Escape then V at once would read as Alt-V)
    # d saves it into the local folder beside the name.
    tui.keys("V")
    tui.wait_for_screen("Versions of notes.txt")
    tui.wait_for_screen("v1")
    tui.keys("Down", "d")
    saved = dirs["work"] / "notes (version 1).txt"
    wait_api(lambda: saved.exists(), what="version 1 downloaded")
    assert saved.read_bytes() == b"first words\n"
    # r (the versions are still open, the cursor on v1) makes it current after a question.
    tui.wait_for_screen("Versions of notes.txt")
    tui.keys("r")
    tui.wait_for_screen("Make version 1 of notes.txt")
    tui.keys("y")
    wait_api(lambda: user.session.get(user.url(f"files/{doc['id']}/content"), timeout=TIMEOUT).content == b"first words\n",
             what="version 1 current")
    tui.wait_for_screen(lambda s: s if "v3" in s and "Version 1 of notes.txt is current again." in s else None,
                        what="the new version listed")


@pytest.mark.timeout(120)
def test_search_lists_paths_and_enter_opens_the_items_folder(tui_server, make_tui, tui_env):
    user = new_user(tui_server)
    work = user.mkdir("Work")
    year = user.mkdir("2026", parent_id=work["id"])
    user.upload("Quarterly Report.pdf", b"q", parent_id=year["id"])
    user.upload("report notes.txt", b"n")
    user.upload("unrelated.txt", b"u")
    tui = browsing(make_tui, tui_env, tui_server, user)
    tui.keys("f")
    tui.wait_for_screen("Find names containing")
    tui.type("REPORT")
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if "Search: REPORT" in s and "/report notes.txt" in pane_rows(s) else None,
                                 what="the results")
    rows = pane_rows(screen)
    assert rows[:3] == ["..", "/Work/2026/Quarterly Report.pdf", "/report notes.txt"], framed(screen)
    assert "unrelated" not in screen
    # Enter on a result opens its folder with the cursor on it.
    tui.keys("Down", "Enter")
    tui.wait_for_screen(lambda s: s if "/Work/2026" in s and prop(s, "Name") == "Quarterly Report.pdf" else None,
                        what="the result's folder, the cursor on it")
    # Backspace from results goes back to where the search started.
    tui.keys("f")
    tui.wait_for_screen("Find names containing")
    tui.type("nothing-like-this")
    tui.keys("Enter")
    tui.wait_for_screen("(no names contain that)")
    tui.keys("BSpace")
    tui.wait_for_screen(lambda s: s if "Quarterly Report.pdf" in pane_rows(s) and "Search:" not in s else None,
                        what="back in /Work/2026")


@pytest.mark.timeout(120)
def test_app_passwords_screen_makes_shows_and_revokes(tui_server, make_tui, tui_env):
    """A: the app passwords screen. n asks a name and shows the new password once (it opens /dav/),
    x revokes after a question (n keeps it); Esc closes."""
    import requests
    user = new_user(tui_server)
    tui = browsing(make_tui, tui_env, tui_server, user)
    tui.keys("A")
    tui.wait_for_screen(lambda s: "App passwords for WebDAV" in s and "No app passwords yet" in s, what="the empty screen")
    tui.keys("n")
    tui.wait_for_screen("Name of the new app password")
    tui.keys("Enter")
    tui.wait_for_screen("Name it after the device or app")  # an empty name is refused in the prompt
    tui.type("Phone")
    tui.keys("Enter")
    screen = tui.wait_for_screen(lambda s: s if "(shown this once):" in s and "Phone" in s else None, what="the new password")
    import re
    password = re.search(r"\b([a-z0-9]{5}-){5}[a-z0-9]{5}\b", screen).group(0)
    assert "/dav/" in screen, framed(screen)
    s = requests.Session()
    s.auth = (user.email, password)
    assert s.request("PROPFIND", tui_server.url("/dav/"), headers={"Depth": "0"}, timeout=TIMEOUT).status_code == 207
    listed = user.session.get(user.api("/auth/app-passwords"), timeout=TIMEOUT).json()["items"]
    assert [i["name"] for i in listed] == ["Phone"]
    # x asks; n keeps it; x then y revokes it, and the client is refused.
    tui.keys("x")
    tui.wait_for_screen('Revoke the app password "Phone"?')
    tui.keys("n")
    tui.wait_for_screen(lambda s: "App passwords for WebDAV" in s and "Phone" in s, what="back on the screen")
    assert s.request("PROPFIND", tui_server.url("/dav/"), headers={"Depth": "0"}, timeout=TIMEOUT).status_code == 207
    tui.keys("x")
    tui.wait_for_screen('Revoke the app password "Phone"?')
    tui.keys("y")
    wait_api(lambda: user.session.get(user.api("/auth/app-passwords"), timeout=TIMEOUT).json()["items"] == [],
             what="the password revoked")
    tui.wait_for_screen(lambda s: "Revoked the app password." in s and "No app passwords yet" in s, what="the empty list")
    assert s.request("PROPFIND", tui_server.url("/dav/"), headers={"Depth": "0"}, timeout=TIMEOUT).status_code == 401
    tui.keys("Escape")
    tui.wait_for_screen(lambda s: "App passwords for WebDAV" not in s, what="the screen closed")
