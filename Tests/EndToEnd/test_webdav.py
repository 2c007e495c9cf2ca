"""WebDAV at /dav/ (issue 16): litmus's five suites, rclone as a real client, app passwords, who may
reach what, locks held across processes, streaming, and the quirks of real clients. Runs on both
backends (the suite's PostgreSQL pass runs every server on PostgreSQL)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from conftest import (API, PASSWORD, TIMEOUT, CountingStream, MiB, Server, User, assert_error, file_sha256, http_request_head,
                      login, read_http_response, register, sha256_hex, unique_email)
from test_multinode import pair, registered  # noqa: F401 (a fixture, and how it registers a user)

D = "{DAV:}"


def app_password(user: User, name: str = "laptop") -> str:
    r = user.session.post(user.api("/auth/app-passwords"), json={"name": name}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()["password"]


def dav(user: User, password: str | None = None) -> requests.Session:
    s = requests.Session()
    s.auth = (user.email, password or app_password(user))
    return s


def dav_url(user: User, path: str = "/") -> str:
    return user.server.url("/dav" + path)


def propfind(session: requests.Session, url: str, depth: str = "1", body: str | None = None) -> requests.Response:
    return session.request("PROPFIND", url, headers={"Depth": depth}, data=body, timeout=TIMEOUT)


def responses(r: requests.Response) -> dict[str, ET.Element]:
    assert r.status_code == 207, f"{r.status_code} {r.text[:500]}"
    return {e.find(D + "href").text: e for e in ET.fromstring(r.content).findall(D + "response")}


def prop(response: ET.Element, name: str) -> str | None:
    for stat in response.findall(D + "propstat"):
        if "200" in stat.find(D + "status").text:
            found = stat.find(D + "prop").find(D + name)
            if found is not None:
                return found.text
    return None


# --------------------------------------------------------------------------- litmus


def test_litmus_passes_all_five_suites_without_a_failure(module_server, user, tmp_path):
    """litmus (Debian's) against /dav/ with an app password: basic, copymove, props, locks, http."""
    assert shutil.which("litmus"), "litmus is not installed (make deps installs it)"
    u = user()
    password = app_password(u, "litmus")
    run = subprocess.run(["litmus", dav_url(u, "/"), u.email, password], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    summaries = re.findall(r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed", run.stdout)
    assert [s[0] for s in summaries] == ["basic", "copymove", "props", "locks", "http"], run.stdout[-3000:]
    for suite, ran, passed, failed in summaries:
        assert failed == "0" and ran == passed, f"{suite}: {ran} run, {failed} failed\n{run.stdout[-3000:]}"
    assert "WARNING" not in run.stdout, run.stdout
    assert run.returncode == 0


# --------------------------------------------------------------------------- rclone

ODD_NAMES = ["plain.txt", "with space.txt", "hash#mark.txt", "percent%20sign.txt", "amp&semi;colon.txt",
             "quote'd \"name\".txt", "naïve café.txt", "日本語のファイル.txt", "emoji 🎉.bin", "plus+equals=.txt",
             "question?.txt", "brackets [1] (2) {3}.txt", ".hidden"]


def rclone(*args: str, user: User, password: str, timeout: float = 600) -> subprocess.CompletedProcess:
    obscured = subprocess.run(["rclone", "obscure", password], capture_output=True, text=True, check=True).stdout.strip()
    env = dict(os.environ, RCLONE_CONFIG_PAPERS_TYPE="webdav", RCLONE_CONFIG_PAPERS_URL=dav_url(user, "/"),
               RCLONE_CONFIG_PAPERS_VENDOR="other", RCLONE_CONFIG_PAPERS_USER=user.email, RCLONE_CONFIG_PAPERS_PASS=obscured,
               RCLONE_CONFIG="/dev/null")
    return subprocess.run(["rclone", *args], env=env, capture_output=True, text=True, timeout=timeout)


def make_tree(root: Path) -> None:
    (root / "sub folder" / "deeper ünïcode").mkdir(parents=True)
    for i, name in enumerate(ODD_NAMES):
        (root / name).write_bytes(f"{name} {i}\n".encode() * (i + 1))
        (root / "sub folder" / name).write_bytes(os.urandom(1000 + i))
    (root / "sub folder" / "deeper ünïcode" / "big.bin").write_bytes(os.urandom(20 * MiB))
    (root / "empty.txt").write_bytes(b"")


def test_rclone_sync_up_and_back_is_equal(module_server, user, tmp_path):
    assert shutil.which("rclone"), "rclone is not installed (make deps installs it)"
    u = user()
    password = app_password(u, "rclone")
    local = tmp_path / "local"
    make_tree(local)
    r = rclone("sync", str(local), "papers:backup", user=u, password=password)
    assert r.returncode == 0, r.stderr[-3000:]
    r = rclone("check", str(local), "papers:backup", user=u, password=password)
    assert r.returncode == 0, r.stderr[-3000:]
    back = tmp_path / "back"
    r = rclone("sync", "papers:backup", str(back), user=u, password=password)
    assert r.returncode == 0, r.stderr[-3000:]
    mine = sorted(str(p.relative_to(local)) for p in local.rglob("*"))
    theirs = sorted(str(p.relative_to(back)) for p in back.rglob("*"))
    assert mine == theirs
    for p in local.rglob("*"):
        if p.is_file():
            assert file_sha256(p) == file_sha256(back / p.relative_to(local)), p
    # The API sees the same tree under the same (NFC) names.
    backup = next(n for n in u.list_all() if n["name"] == "backup")
    names = {n["name"] for n in u.list_all(backup["id"])}
    assert names == {unicodedata.normalize("NFC", n) for n in ODD_NAMES} | {"sub folder", "empty.txt"}
    # A change on the server side is seen by the next sync, and a sync deletes what is gone.
    (local / "plain.txt").unlink()
    (local / "new.txt").write_bytes(b"new")
    assert rclone("sync", str(local), "papers:backup", user=u, password=password).returncode == 0
    names = {n["name"] for n in u.list_all(backup["id"])}
    assert "plain.txt" not in names and "new.txt" in names
    assert rclone("check", str(local), "papers:backup", user=u, password=password).returncode == 0


def test_a_file_has_the_same_etag_over_the_api_and_webdav(module_server, user):
    u = user()
    s = dav(u)
    node = u.upload("from api.txt", b"api bytes")
    found = responses(propfind(s, dav_url(u, "/from%20api.txt"), depth="0"))
    assert prop(found["/dav/from%20api.txt"], "getetag") == u.get_node(node["id"]).headers["ETag"]
    assert s.get(dav_url(u, "/from%20api.txt"), timeout=TIMEOUT).content == b"api bytes"
    r = s.put(dav_url(u, "/from dav.txt"), data=b"dav bytes", timeout=TIMEOUT)
    assert r.status_code == 201
    made = next(n for n in u.list_all() if n["name"] == "from dav.txt")
    api = u.get_node(made["id"])
    assert api.headers["ETag"] == r.headers["ETag"]
    assert u.session.get(u.url(f"files/{made['id']}/content"), timeout=TIMEOUT).content == b"dav bytes"
    # A replacement over WebDAV is a new version, as over the API.
    r = s.put(dav_url(u, "/from dav.txt"), data=b"second", timeout=TIMEOUT)
    assert r.status_code == 204 and r.headers["ETag"] != api.headers["ETag"]
    versions = u.session.get(u.url(f"files/{made['id']}/versions"), timeout=TIMEOUT).json()
    assert len(versions["items"]) == 2
    # A delete over WebDAV goes to the trash.
    assert s.delete(dav_url(u, "/from dav.txt"), timeout=TIMEOUT).status_code == 204
    trash = u.session.get(u.url("trash/"), timeout=TIMEOUT).json()
    assert [t["name"] for t in trash["items"]] == ["from dav.txt"]


# --------------------------------------------------------------------------- app passwords


def test_app_password_routes_and_their_bad_input(module_server, user):
    u, other = user(), user()
    r = u.session.post(u.api("/auth/app-passwords"), json={"name": "phone"}, timeout=TIMEOUT)
    assert r.status_code == 201
    created = r.json()
    assert set(created) == {"id", "name", "password", "date_created"} and created["name"] == "phone"
    assert re.fullmatch(r"([a-z0-9]{5}-){5}[a-z0-9]{5}", created["password"])
    listed = u.session.get(u.api("/auth/app-passwords"), timeout=TIMEOUT).json()
    assert listed == {"items": [{"id": created["id"], "name": "phone", "date_created": created["date_created"]}]}
    assert created["password"] not in u.session.get(u.api("/auth/app-passwords"), timeout=TIMEOUT).text
    for body in [{}, {"name": ""}, {"name": "   "}, {"name": "a\u0000b"}, {"name": "x" * 101}, {"name": 5}]:
        r = u.session.post(u.api("/auth/app-passwords"), json=body, timeout=TIMEOUT)
        assert r.status_code == 400, (body, r.text)
    r = u.session.post(u.api("/auth/app-passwords"), data="not json", headers={"Content-Type": "application/json"},
                       timeout=TIMEOUT)
    assert_error(r, 400, "invalid_json")
    assert requests.post(u.api("/auth/app-passwords"), json={"name": "x"}, timeout=TIMEOUT).status_code == 401
    assert requests.get(u.api("/auth/app-passwords"), timeout=TIMEOUT).status_code == 401
    # Someone else's id is not found for me, and not listed.
    assert_error(other.session.delete(u.api(f"/auth/app-passwords/{created['id']}"), timeout=TIMEOUT), 404,
                 "app_password_not_found")
    assert other.session.get(u.api("/auth/app-passwords"), timeout=TIMEOUT).json() == {"items": []}
    # The password opens /dav/, not the JSON API.
    s = requests.Session()
    s.auth = (u.email, created["password"])
    assert propfind(s, dav_url(u), depth="0").status_code == 207
    assert s.get(u.url("files/"), timeout=TIMEOUT).status_code == 401
    r = requests.get(u.url("files/"), headers={"Authorization": f"Bearer {created['password']}"}, timeout=TIMEOUT)
    assert r.status_code == 401
    # Another user's password with my e-mail is nothing.
    theirs = app_password(other)
    assert propfind(requests.Session(), dav_url(u), depth="0").status_code == 401
    bad = requests.Session()
    bad.auth = (u.email, theirs)
    assert propfind(bad, dav_url(u), depth="0").status_code == 401
    # Revoked: refused at once.
    assert u.session.delete(u.api(f"/auth/app-passwords/{created['id']}"), timeout=TIMEOUT).status_code == 204
    assert propfind(s, dav_url(u), depth="0").status_code == 401
    assert_error(u.session.delete(u.api(f"/auth/app-passwords/{created['id']}"), timeout=TIMEOUT), 404,
                 "app_password_not_found")


def test_two_processes_share_locks_and_revocations(pair):
    a, b = pair
    u = registered(a)
    on_b = User(b, u.email, u.password, u.fullname, u.id, u.token, u.login_body)
    password = app_password(u)
    sa, sb = dav(u, password), dav(on_b, password)
    assert sa.put(dav_url(u, "/shared.txt"), data=b"one", timeout=TIMEOUT).status_code == 201
    lock_body = ('<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>'
                 '<D:locktype><D:write/></D:locktype><D:owner>tester</D:owner></D:lockinfo>')
    r = sa.request("LOCK", dav_url(u, "/shared.txt"), data=lock_body, headers={"Timeout": "Second-600"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    token = r.headers["Lock-Token"].strip("<>")
    assert token.startswith("urn:uuid:")
    # B refuses a change without the token, and a second exclusive lock.
    assert sb.put(dav_url(on_b, "/shared.txt"), data=b"two", timeout=TIMEOUT).status_code == 423
    assert sb.request("LOCK", dav_url(on_b, "/shared.txt"), data=lock_body, timeout=TIMEOUT).status_code == 423
    assert sb.delete(dav_url(on_b, "/shared.txt"), timeout=TIMEOUT).status_code == 423
    r = sb.put(dav_url(on_b, "/shared.txt"), data=b"two", headers={"If": f"(<{token}>)"}, timeout=TIMEOUT)
    assert r.status_code == 204
    found = responses(propfind(sb, dav_url(on_b, "/shared.txt"), depth="0"))
    assert token in ET.tostring(found["/dav/shared.txt"]).decode()
    assert sb.request("UNLOCK", dav_url(on_b, "/shared.txt"), headers={"Lock-Token": f"<{token}>"},
                      timeout=TIMEOUT).status_code == 204
    assert sa.put(dav_url(u, "/shared.txt"), data=b"three", timeout=TIMEOUT).status_code == 204
    # An app password revoked on A is refused by B at once.
    created = u.session.get(u.api("/auth/app-passwords"), timeout=TIMEOUT).json()["items"][0]
    assert propfind(sb, dav_url(on_b), depth="0").status_code == 207
    assert u.session.delete(u.api(f"/auth/app-passwords/{created['id']}"), timeout=TIMEOUT).status_code == 204
    assert propfind(sb, dav_url(on_b), depth="0").status_code == 401


# --------------------------------------------------------------------------- who may reach what


def test_credentials_challenge_and_throttling(module_server, user):
    u = user()
    r = requests.request("PROPFIND", dav_url(u), headers={"Depth": "0"}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith('Basic realm="Papers"')
    # The account password works (remembered after the first check), and a Bearer token works too.
    s = requests.Session()
    s.auth = (u.email.upper(), PASSWORD)
    assert propfind(s, dav_url(u), depth="0").status_code == 207
    assert propfind(s, dav_url(u), depth="0").status_code == 207
    assert propfind(u.session, dav_url(u), depth="0").status_code == 207
    r = requests.request("PROPFIND", dav_url(u), headers={"Depth": "0", "Authorization": "Bearer nonsense"}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    for header in ["Basic", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest x", "Basic " + base64.b64encode(b"\xff\xfe:x").decode()]:
        r = requests.request("PROPFIND", dav_url(u), headers={"Depth": "0", "Authorization": header}, timeout=TIMEOUT)
        assert r.status_code == 401, header
    # Ten wrong passwords, then even the right one is held off (the API's login counts them too).
    victim = user()
    wrong = requests.Session()
    wrong.auth = (victim.email, "wrong password")
    for _ in range(10):
        assert propfind(wrong, dav_url(victim), depth="0").status_code == 401
    right = requests.Session()
    right.auth = (victim.email, PASSWORD)
    r = propfind(right, dav_url(victim), depth="0")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert_error(login(victim.server, victim.email), 429, "too_many_attempts")
    # An app password still works: throttling slows guessing of the account password only.
    assert propfind(dav(victim), dav_url(victim), depth="0").status_code == 207


def test_another_users_tree_is_unreachable_and_paths_never_escape(module_server, user):
    alice, bob = user(), user()
    alice.mkdir("Private")
    alice.upload("secret.txt", b"alice's")
    sb = dav(bob)
    found = responses(propfind(sb, dav_url(bob)))
    assert list(found) == ["/dav/"]
    assert sb.get(dav_url(bob, "/secret.txt"), timeout=TIMEOUT).status_code == 404
    host = f"127.0.0.1:{bob.server.port}"
    auth = "Basic " + base64.b64encode(f"{bob.email}:{PASSWORD}".encode()).decode()
    for raw in ["/dav/../api/v1/auth/me", "/dav/%2e%2e/secret.txt", "/dav/./secret.txt", "/dav/Private%2Fsecret.txt",
                "/dav/%2E%2E%2Fsecret.txt", "/dav/%252e%252e/secret.txt", "/dav/a/%2e%2e/%2e%2e/secret.txt",
                "/dav/%c0%ae%c0%ae/secret.txt", "/dav/secret.txt%00", "/dav/%zz"]:
        with socket.create_connection(("127.0.0.1", bob.server.port)) as sock:
            sock.sendall(http_request_head("GET", raw, host, {"Authorization": auth, "Connection": "close"}))
            status, _, body = read_http_response(sock)
        assert status in (400, 404), (raw, status)
        assert b"alice's" not in body
    # A Destination on another user's path still lands in one's own tree; another server's is 502.
    assert sb.put(dav_url(bob, "/mine.txt"), data=b"bob's", timeout=TIMEOUT).status_code == 201
    r = sb.request("COPY", dav_url(bob, "/mine.txt"), headers={"Destination": f"http://evil.example/dav/x.txt"}, timeout=TIMEOUT)
    assert r.status_code == 502
    r = sb.request("MOVE", dav_url(bob, "/mine.txt"), headers={"Destination": dav_url(bob, "/../escaped.txt")}, timeout=TIMEOUT)
    assert r.status_code in (400, 201)
    assert [n["name"] for n in alice.list_all()] == ["Private", "secret.txt"]


# --------------------------------------------------------------------------- bodies and headers


def test_propfind_depths_and_bad_bodies(module_server, user):
    u = user()
    s = dav(u)
    r = propfind(s, dav_url(u), depth="infinity")
    assert r.status_code == 403 and b"propfind-finite-depth" in r.content
    r = s.request("PROPFIND", dav_url(u), timeout=TIMEOUT)  # no Depth: infinity
    assert r.status_code == 403
    assert propfind(s, dav_url(u), depth="2").status_code == 400
    assert propfind(s, dav_url(u, "/nothing"), depth="0").status_code == 404
    bad = ["<not xml", '<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>', "<other/>",
           '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
           '<D:propfind xmlns:D="DAV:">' + "<a>" * 100 + "</a>" * 100 + "</D:propfind>"]
    for body in bad:
        assert propfind(s, dav_url(u), depth="0", body=body).status_code == 400, body
    big = '<D:propfind xmlns:D="DAV:"><D:prop>' + "<x:y xmlns:x='z'/>" * 70_000 + "</D:prop></D:propfind>"
    assert propfind(s, dav_url(u), depth="0", body=big).status_code in (400, 413)
    # Quota properties when asked by name.
    body = '<D:propfind xmlns:D="DAV:"><D:prop><D:quota-used-bytes/><D:getetag/><D:nope/></D:prop></D:propfind>'
    u.upload("a.bin", b"x" * 1000)
    found = responses(propfind(s, dav_url(u), depth="0", body=body))
    assert prop(found["/dav/"], "quota-used-bytes") == "1000"
    assert b"nope" in ET.tostring(found["/dav/"])


def test_a_depth_one_listing_of_thousands_streams_every_entry(module_server, user):
    u = user()
    folder = u.mkdir("many")
    count = 2_500
    for i in range(count):
        u.upload(f"file {i:05}.txt", b"%d" % i, parent_id=folder["id"])
    s = dav(u)
    r = propfind(s, dav_url(u, "/many/"))
    assert r.headers.get("Transfer-Encoding") == "chunked"
    found = responses(r)
    assert len(found) == count + 1
    assert "/dav/many/file%2000042.txt" in found and prop(found["/dav/many/file%2000042.txt"], "getcontentlength") == "2"


def test_a_200_mib_put_keeps_server_memory_flat(server, user):
    u = user(server)
    s = dav(u)
    baseline = server.peak_rss_kib()
    stream = CountingStream(200 * MiB)
    r = s.put(dav_url(u, "/big.bin"), data=iter(stream), timeout=600)  # chunked, no length: as Finder sends
    assert r.status_code == 201, r.text
    grown = server.peak_rss_kib() - baseline
    assert grown < 64 * 1024, f"the server grew by {grown} KiB for a 200 MiB PUT"
    node = next(n for n in u.list_all() if n["name"] == "big.bin")
    assert node["size"] == 200 * MiB and node["sha256"] == stream.hexdigest()
    r = s.get(dav_url(u, "/big.bin"), headers={"Range": "bytes=100-199"}, timeout=TIMEOUT)
    assert r.status_code == 206 and len(r.content) == 100


def test_client_quirks_finder_windows_and_the_quota(server, user):
    u = user(server)
    s = dav(u)
    r = requests.options(dav_url(u), timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["DAV"] == "1, 2" and r.headers["MS-Author-Via"] == "DAV"
    # Finder: AppleDouble files and chunked PUTs that say their length in X-Expected-Entity-Length.
    body = iter([b"a" * 1000, b"b" * 1000])
    r = s.put(dav_url(u, "/._report.pdf"), data=body, headers={"X-Expected-Entity-Length": "2000"}, timeout=TIMEOUT)
    assert r.status_code == 201
    body = iter([b"a" * 10])
    r = s.put(dav_url(u, "/short.bin"), data=body, headers={"X-Expected-Entity-Length": "2000"}, timeout=TIMEOUT)
    assert r.status_code == 400
    # Windows: Translate: f is harmless.
    assert s.get(dav_url(u, "/._report.pdf"), headers={"Translate": "f"}, timeout=TIMEOUT).content == b"a" * 1000 + b"b" * 1000
    # Names the tree refuses are 400, with nothing made.
    assert s.request("MKCOL", dav_url(u, "/%20leading"), timeout=TIMEOUT).status_code == 400
    assert s.put(dav_url(u, "/" + "x" * 300), data=b"x", timeout=TIMEOUT).status_code == 400
    # A folder listing for a browser.
    assert s.request("MKCOL", dav_url(u, "/Docs & <Notes>"), timeout=TIMEOUT).status_code == 201
    page = s.get(dav_url(u, "/"), timeout=TIMEOUT)
    assert page.headers["Content-Type"].startswith("text/html") and "Docs &amp; &lt;Notes&gt;/" in page.text
    names = {n["name"] for n in u.list_all()}
    assert names == {"._report.pdf", "Docs & <Notes>"}


def test_the_quota_holds_over_webdav(tmp_path_factory, user):
    from conftest import start_server
    srv = start_server(tmp_path_factory, "quota", extra_args=["--default-quota", "10000"])
    try:
        u = user(srv)
        s = dav(u)
        assert s.put(dav_url(u, "/a.bin"), data=b"x" * 6000, timeout=TIMEOUT).status_code == 201
        assert s.put(dav_url(u, "/b.bin"), data=b"x" * 6000, timeout=TIMEOUT).status_code == 507
        assert s.put(dav_url(u, "/c.bin"), data=iter([b"x" * 6000]), timeout=TIMEOUT).status_code == 507
        assert s.request("COPY", dav_url(u, "/a.bin"), headers={"Destination": dav_url(u, "/copy.bin")},
                         timeout=TIMEOUT).status_code == 507
        assert {n["name"] for n in u.list_all()} == {"a.bin"}
    finally:
        srv.close()


# --------------------------------------------------------------------------- CLI


def test_cli_app_password_create_ls_rm(module_server, tmp_path):
    from test_cli import Cli, assert_usage_error
    cli = Cli(tmp_path / "cli", module_server.base_url)
    email = unique_email()
    assert register(module_server, email).status_code == 201
    cli.login(email)
    r = cli.ok("app-password", "create", "Laptop (Finder)")
    password = r.stdout.strip()
    assert re.fullmatch(r"([a-z0-9]{5}-){5}[a-z0-9]{5}", password), r
    assert "/dav/" in r.stderr
    s = requests.Session()
    s.auth = (email, password)
    assert s.request("PROPFIND", module_server.url("/dav/"), headers={"Depth": "0"}, timeout=TIMEOUT).status_code == 207
    made = cli.json("app-password", "create", "phone", "--json")
    assert made["webdav"] == module_server.url("/dav/") and made["name"] == "phone"
    listed = cli.json("app-password", "ls", "--json")["items"]
    assert [i["name"] for i in listed] == ["Laptop (Finder)", "phone"] and all("password" not in i for i in listed)
    text = cli.ok("app-password", "ls").stdout
    assert "Laptop (Finder)" in text and password not in text
    # By name, then by id; unknown ones exit 2; a name two have is ambiguous (exit 1).
    assert cli.ok("app-password", "rm", "Laptop (Finder)").stdout.strip() == 'revoked "Laptop (Finder)"'
    assert s.request("PROPFIND", module_server.url("/dav/"), headers={"Depth": "0"}, timeout=TIMEOUT).status_code == 401
    assert cli.json("app-password", "rm", made["id"], "--json") == {"revoked": made["id"]}
    cli.fails(2, "app-password", "rm", "nothing-like-this")
    cli.ok("app-password", "create", "twin")
    cli.ok("app-password", "create", "twin")
    cli.fails(1, "app-password", "rm", "twin")
    cli.fails(1, "app-password", "create", "")
    assert_usage_error(cli.run("app-password", "create"))
    assert_usage_error(cli.run("app-password", "frobnicate"))
