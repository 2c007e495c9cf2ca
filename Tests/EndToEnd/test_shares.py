"""Share links (issue 17): the owner's routes and their bad input, `/s/<token>` for files and
folders as anonymous clients and browsers get them, traversal variants that must not escape the
shared folder, passwords and their throttling, expiry, the trash, revocation on every process, and
the HTML face in a real browser (headless Chromium). Runs on both backends."""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import subprocess
import time
import unicodedata
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import (TIMEOUT, User, assert_error, http_request_head, read_http_response, sha256_hex)
from test_multinode import as_user_on, pair, registered  # noqa: F401 (a fixture, and how it registers a user)


def share(user: User, node_id: str, **fields) -> dict:
    r = user.session.post(user.url("shares/"), json={"node_id": node_id, **fields}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()


def public(user: User, path: str, **kwargs) -> requests.Response:
    """A request under /s/ with no account."""
    return requests.get(user.server.url(path), timeout=TIMEOUT, **kwargs)


def raw_get(user: User, raw: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A GET of a target exactly as written (requests would normalise dot segments)."""
    with socket.create_connection(("127.0.0.1", user.server.port)) as sock:
        sock.sendall(http_request_head("GET", raw, f"127.0.0.1:{user.server.port}", {"Connection": "close", **(headers or {})}))
        return read_http_response(sock)


def owner_traces(user: User) -> list[str]:
    """What no answer under /s/ may show: the owner's ids and e-mail."""
    return [user.id, user.email]


def assert_hides_owner(user: User, r: requests.Response, *also: str) -> None:
    text = r.text + json.dumps(dict(r.headers))
    for trace in owner_traces(user) + list(also):
        assert trace not in text, f"{trace!r} shows in {r.status_code} {text[:300]}"


@pytest.fixture
def tree(module_server, user):
    """Alice's tree: Pub/ (shared) with a subfolder and files, and Secret/ beside it."""
    alice = user()
    pub = alice.mkdir("Pub")
    sub = alice.mkdir("Sub", parent_id=pub["id"])
    alice.upload("readme.txt", b"inside the share", parent_id=pub["id"])
    alice.upload("Café.txt", b"cafe", parent_id=pub["id"])
    alice.upload("deep.bin", bytes(range(256)) * 40, parent_id=sub["id"])
    secret = alice.mkdir("Secret")
    alice.upload("secret.txt", b"TOP SECRET", parent_id=secret["id"])
    alice.upload("outside.txt", b"TOP SECRET too")
    return alice, pub, sub


def test_owner_routes_and_their_bad_input(tree, user):
    alice, pub, _ = tree
    bob = user()
    readme = next(n for n in alice.list_all(pub["id"]) if n["name"] == "readme.txt")
    created = share(alice, readme["id"])
    assert set(created) == {"id", "node_id", "token", "url_path", "expires_at", "has_password", "date_created"}
    assert created["url_path"] == "/s/" + created["token"] and created["node_id"] == readme["id"]
    assert created["expires_at"] is None and created["has_password"] is False
    # At least 128 random bits: 32 base64url characters are 192.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", created["token"])
    later = (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    second = share(alice, pub["id"], expires_at=later, password="open sesame")
    assert second["expires_at"] == later and second["has_password"] is True
    assert second["token"] != created["token"]

    listed = alice.session.get(alice.url("shares/"), timeout=TIMEOUT).json()
    assert [s["id"] for s in listed["items"]] == [second["id"], created["id"]]  # newest first
    assert listed["next_cursor"] is None
    for item in listed["items"]:
        assert "token" not in item and created["token"] not in json.dumps(item)
        assert set(item) == {"id", "node_id", "name", "is_folder", "expires_at", "has_password", "date_created", "downloads",
                             "last_accessed_at"}
    assert listed["items"][0]["name"] == "Pub" and listed["items"][0]["is_folder"] is True
    page = alice.session.get(alice.url("shares/"), params={"limit": 1}, timeout=TIMEOUT).json()
    assert [s["id"] for s in page["items"]] == [second["id"]] and page["next_cursor"]
    rest = alice.session.get(alice.url("shares/"), params={"limit": 1, "cursor": page["next_cursor"]}, timeout=TIMEOUT).json()
    assert [s["id"] for s in rest["items"]] == [created["id"]] and rest["next_cursor"] is None
    assert bob.session.get(bob.url("shares/"), timeout=TIMEOUT).json()["items"] == []

    post = lambda body, **kw: alice.session.post(alice.url("shares/"), timeout=TIMEOUT, **kw, **({"json": body} if body is not None else {}))
    assert_error(post({}), 400, "validation_failed")
    assert_error(post({"node_id": ""}), 400, "validation_failed")
    assert_error(post(None, data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_error(post({"node_id": 7}), 400)
    assert_error(post({"node_id": "no-such-node"}), 404, "not_found")
    bobs = bob.upload("bob.txt", b"bob's")
    assert_error(post({"node_id": bobs["id"]}), 404, "not_found")
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_error(post({"node_id": pub["id"], "expires_at": past}), 400, "validation_failed")
    assert_error(post({"node_id": pub["id"], "expires_at": "next tuesday"}), 400, "validation_failed")
    assert_error(post({"node_id": pub["id"], "password": "short"}), 400, "validation_failed")
    assert_error(post({"node_id": pub["id"], "password": "x" * 1025}), 400, "validation_failed")
    assert_error(requests.post(alice.url("shares/"), json={"node_id": pub["id"]}, timeout=TIMEOUT), 401)
    assert_error(alice.session.get(bob.url("shares/"), timeout=TIMEOUT), 403)
    assert_error(alice.session.get(alice.url("shares/"), params={"cursor": "garbage"}, timeout=TIMEOUT), 400)
    assert_error(alice.session.get(alice.url("shares/"), params={"limit": 0}, timeout=TIMEOUT), 400)
    # Someone else's share id is not theirs to revoke; unknown ids are 404; a revoked link is 404 at once.
    assert_error(bob.session.delete(bob.url(f"shares/{created['id']}"), timeout=TIMEOUT), 404, "share_not_found")
    assert public(alice, created["url_path"]).status_code == 200
    assert alice.session.delete(alice.url(f"shares/{created['id']}"), timeout=TIMEOUT).status_code == 204
    assert_error(alice.session.delete(alice.url(f"shares/{created['id']}"), timeout=TIMEOUT), 404, "share_not_found")
    assert_error(public(alice, created["url_path"]), 404)


def test_a_file_link_serves_content_as_owners_get_it(tree):
    alice, _, sub = tree
    data = bytes(range(256)) * 40
    deep = alice.list_all(sub["id"])[0]
    link = share(alice, deep["id"])["url_path"]
    r = public(alice, link)
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Disposition"].startswith("attachment;") and "deep.bin" in r.headers["Content-Disposition"]
    assert r.headers["Accept-Ranges"] == "bytes" and r.headers["Referrer-Policy"] == "no-referrer"
    etag = r.headers["ETag"]
    assert_hides_owner(alice, r, deep["id"], sub["id"], "Pub")
    part = public(alice, link, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20] and part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert public(alice, link, headers={"If-None-Match": etag}).status_code == 304
    assert public(alice, link, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
    head = requests.head(alice.server.url(link), timeout=TIMEOUT)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data)) and head.content == b""
    # A path below a file names nothing.
    assert_error(public(alice, link + "/x"), 404)
    # Downloads count GETs from the first byte (not HEAD, not a later range); the last access is kept.
    item = alice.session.get(alice.url("shares/"), timeout=TIMEOUT).json()["items"][0]
    assert item["downloads"] == 1 and item["last_accessed_at"] is not None
    # Replaced content: a new ETag, the new bytes.
    r = alice.session.put(alice.url(f"files/{deep['id']}"), data=b"new", headers={"Content-Type": "application/octet-stream"},
                          timeout=TIMEOUT)
    assert r.status_code in (200, 201), r.text
    after = public(alice, link, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.content == b"new" and after.headers["ETag"] != etag


def test_a_folder_link_lists_pages_and_opens_what_is_inside(tree):
    alice, pub, _ = tree
    link = share(alice, pub["id"])["url_path"]
    r = public(alice, link)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"name", "items", "next_cursor"} and body["name"] == "Pub" and body["next_cursor"] is None
    assert [(i["name"], i["is_folder"]) for i in body["items"]] == [("Sub", True), ("Café.txt", False), ("readme.txt", False)]
    for item in body["items"]:
        assert set(item) == {"name", "is_folder", "size", "date_modified"}
    assert_hides_owner(alice, r, pub["id"])
    names = []
    cursor = None
    while True:
        page = public(alice, link, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        assert_hides_owner(alice, page, pub["id"])
        names += [i["name"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        # The cursor names a position by name only: no ids inside.
        assert pub["id"] not in base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert names == ["Sub", "Café.txt", "readme.txt"]
    assert_error(public(alice, link, params={"cursor": "%%%"}), 400)
    assert_error(public(alice, link, params={"limit": 5000}), 400)
    sub = public(alice, link + "/Sub/")
    assert sub.status_code == 200 and sub.json()["name"] == "Sub" and sub.json()["items"][0]["name"] == "deep.bin"
    assert public(alice, link + "/Sub").json() == sub.json()
    assert public(alice, link + "/Sub/deep.bin").content == bytes(range(256)) * 40
    assert public(alice, link + "/" + urllib.parse.quote("Café.txt")).content == b"cafe"
    assert public(alice, link + "/readme.txt").content == b"inside the share"


TRAVERSALS = [
    "/../Secret/secret.txt", "/%2e%2e/Secret/secret.txt", "/%2E%2E/outside.txt", "/.%2e/outside.txt", "/%2e%2e%2fSecret%2fsecret.txt",
    "/..%2FSecret%2Fsecret.txt", "/%252e%252e/outside.txt", "/%c0%ae%c0%ae/outside.txt", "/%c0%2e%c0%2e/outside.txt",
    "/Sub/../../Secret/secret.txt", "/Sub/%2e%2e/%2e%2e/outside.txt", "/./readme.txt", "//outside.txt", "/Secret/secret.txt",
    "/outside.txt", "/%2FSecret%2Fsecret.txt", "/..%5cSecret%5csecret.txt", "/readme.txt%00", "/%00/outside.txt", "/%zz",
    "/" + urllib.parse.quote(unicodedata.normalize("NFD", "Café.txt")), "/%EF%BC%8E%EF%BC%8E/outside.txt",
]


def test_traversal_variants_never_leave_the_shared_folder(tree, user):
    alice, pub, sub = tree
    link = share(alice, sub["id"])["url_path"]  # Sub, inside Pub: even Pub's files are outside
    bob = user()
    bob.upload("bobs.txt", b"TOP SECRET of bob")
    for variant in TRAVERSALS + ["/../readme.txt", "/%2e%2e/readme.txt", "/../../" + bob.id]:
        status, headers, body = raw_get(alice, link + variant)
        assert status == 404, (variant, status, body[:200])
        assert b"SECRET" not in body and b"inside the share" not in body, variant
        assert alice.id.encode() not in body and alice.email.encode() not in body
    # Above the token: traversal out of /s/ reaches no API route with content either.
    for variant in [link + "/../../api/v1/user/" + alice.id + "/files/", "/s/%2e%2e/api/v1/health"]:
        status, _, body = raw_get(alice, variant)
        assert status in (401, 404), (variant, status)
        assert b"SECRET" not in body
    # Malformed and unknown tokens are 404 with the same body as a revoked one.
    for token in ["x", "A" * 32, "A" * 31 + "!", "%41" * 32, "A" * 33, link.split("/")[2].lower()]:
        status, _, body = raw_get(alice, "/s/" + token)
        assert status == 404, token
    assert raw_get(alice, link)[0] == 200


def test_password_links_ask_throttle_and_remember(tree):
    alice, pub, _ = tree
    link = share(alice, pub["id"], password="open sesame")["url_path"]
    other = share(alice, pub["id"], password="another one")["url_path"]
    r = public(alice, link)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert_error(public(alice, link, auth=("x", "wrong password")), 401)
    ok = public(alice, link, auth=("anyone", "open sesame"))
    assert ok.status_code == 200 and ok.json()["name"] == "Pub"
    assert public(alice, link + "/readme.txt", auth=("", "open sesame")).content == b"inside the share"
    for _ in range(10):
        assert public(alice, link, auth=("x", "guess")).status_code in (401, 429)
    throttled = public(alice, link, auth=("x", "guess again"))
    assert_error(throttled, 429, "too_many_attempts")
    assert int(throttled.headers["Retry-After"]) > 0
    # A password that checked out moments ago still opens (it costs no guess); another link is not throttled.
    assert public(alice, link, auth=("x", "open sesame")).status_code == 200
    assert public(alice, other, auth=("x", "another one")).status_code == 200
    # The owner's login is not affected by guesses at a link.
    assert requests.post(alice.api("/auth/login"), json={"email": alice.email, "password": alice.password},
                         timeout=TIMEOUT).status_code == 200


def test_expiry_the_trash_and_permanent_delete(tree):
    alice, pub, sub = tree
    soon = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    expiring = share(alice, pub["id"], expires_at=soon)["url_path"]
    assert public(alice, expiring).status_code == 200
    time.sleep(2.2)
    assert_error(public(alice, expiring), 410, "share_expired")
    link = share(alice, sub["id"])["url_path"]
    assert alice.session.delete(alice.url(f"folders/{pub['id']}"), timeout=TIMEOUT).status_code == 204
    assert_error(public(alice, link), 404)  # its parent is in the trash
    restored = alice.session.post(alice.url(f"trash/{pub['id']}/restore"), timeout=TIMEOUT)
    assert restored.status_code == 200, restored.text
    assert public(alice, link).status_code == 200
    assert alice.session.delete(alice.url(f"folders/{pub['id']}"), params={"permanent": "true"}, timeout=TIMEOUT).status_code == 204
    assert_error(public(alice, link), 404)
    assert alice.session.get(alice.url("shares/"), timeout=TIMEOUT).json()["items"] == []


def test_revoked_on_one_process_is_refused_on_the_other(pair):
    a, b = pair
    alice = registered(a)
    folder = alice.mkdir("Both")
    alice.upload("f.txt", b"on both", parent_id=folder["id"])
    created = share(alice, folder["id"], password="open sesame")
    on_b = as_user_on(alice, b)
    assert public(on_b, created["url_path"] + "/f.txt", auth=("x", "open sesame")).content == b"on both"
    assert on_b.session.get(on_b.url("shares/"), timeout=TIMEOUT).json()["items"][0]["downloads"] == 1
    assert alice.session.delete(alice.url(f"shares/{created['id']}"), timeout=TIMEOUT).status_code == 204
    # At once, even with a password B verified a moment ago.
    assert_error(public(on_b, created["url_path"] + "/f.txt", auth=("x", "open sesame")), 404)


def test_html_face_escapes_names_and_links_into_the_share(tree):
    alice, pub, _ = tree
    alice.upload("""<b onmouseover="x">&'q'.txt""", b"html-ish", parent_id=pub["id"])
    link = share(alice, pub["id"])["url_path"]
    page = public(alice, link, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<b " not in page.text and "&lt;b onmouseover=&quot;x&quot;&gt;&amp;&#39;q&#39;.txt" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert_hides_owner(alice, page, pub["id"])
    hrefs = re.findall(r'href="([^"]+)"', page.text)
    assert link + "/Sub/" in hrefs and link + "/readme.txt" in hrefs
    assert all(h.startswith(link) for h in hrefs)
    file_page = public(alice, link + "/readme.txt", headers={"Accept": "text/html"})
    assert "readme.txt" in file_page.text and "16 B" in file_page.text
    download = re.search(r'id="download" href="([^"]+)"', file_page.text).group(1)
    got = public(alice, download, headers={"Accept": "text/html"})
    assert got.content == b"inside the share" and got.headers["Content-Disposition"].startswith("attachment")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise AssertionError("chromium is not installed (make deps installs it)")


def test_a_real_browser_shows_the_folder_and_its_download_link_works(tree, tmp_path):
    alice, pub, _ = tree
    link = share(alice, pub["id"])["url_path"]
    url = alice.server.url(link + "/readme.txt")
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "share.png"
    run = subprocess.run(base + [f"--screenshot={shot}", "--window-size=900,600", alice.server.url(link)], capture_output=True,
                         timeout=120)
    assert shot.exists() and shot.stat().st_size > 1000, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, timeout=120, text=True).stdout
    assert "readme.txt" in dom and 'id="download"' in dom, dom[:2000]
    href = re.search(r'id="download" href="([^"]+)"', dom).group(1).replace("&amp;", "&")
    # The browser follows the button to the file's bytes, as an attachment.
    dumped = subprocess.run(base + ["--dump-dom", alice.server.url(link)], capture_output=True, timeout=120, text=True).stdout
    assert "Sub/" in dumped and "readme.txt" in dumped
    got = requests.get(alice.server.url(href), headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert got.status_code == 200 and got.content == b"inside the share"
    assert "attachment" in got.headers["Content-Disposition"]


def test_cli_share_and_shares_ls_rm(module_server, tmp_path):
    from test_cli import Cli, assert_usage_error
    from conftest import register, unique_email
    cli = Cli(tmp_path / "cli", module_server.base_url)
    email = unique_email()
    assert register(module_server, email).status_code == 201
    cli.login(email)
    cli.ok("mkdir", "/Holiday")
    local = tmp_path / "photo.jpg"
    local.write_bytes(b"JPEG" * 1000)
    cli.ok("put", str(local), "/Holiday/")
    r = cli.ok("share", "/Holiday/photo.jpg")
    url = r.stdout.strip()
    assert re.fullmatch(re.escape(module_server.base_url) + r"/s/[A-Za-z0-9_-]{32}", url), r
    assert "not shown again" in r.stderr
    assert requests.get(url, timeout=TIMEOUT).content == b"JPEG" * 1000
    made = cli.json("share", "/Holiday", "--expires", "7d", "--password-stdin", "--json", input="a long password\n")
    assert made["url"].endswith(made["url_path"]) and made["has_password"] is True and made["expires_at"]
    expires = datetime.fromisoformat(made["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - datetime.now(timezone.utc) <= timedelta(days=7)
    assert requests.get(made["url"], timeout=TIMEOUT).status_code == 401
    assert requests.get(made["url"] + "/photo.jpg", auth=("", "a long password"), timeout=TIMEOUT).status_code == 200
    listed = cli.json("shares", "ls", "--json")["items"]
    assert [i["name"] for i in listed] == ["Holiday", "photo.jpg"] and listed[1]["downloads"] == 1
    text = cli.ok("shares", "ls").stdout
    assert "Holiday/" in text and "password" in text and url.rsplit("/", 1)[1] not in text
    assert cli.json("shares", "rm", listed[1]["id"], "--json") == {"revoked": listed[1]["id"]}
    assert requests.get(url, timeout=TIMEOUT).status_code == 404
    cli.fails(2, "shares", "rm", listed[1]["id"])
    cli.fails(2, "share", "/no/such/thing")
    cli.fails(1, "share", "/")
    cli.fails(1, "share", "/Holiday", "--password-stdin", input="short\n")
    assert_usage_error(cli.run("share", "/Holiday", "--expires", "soon"))
    assert_usage_error(cli.run("share"))
    assert_usage_error(cli.run("shares", "frobnicate"))
