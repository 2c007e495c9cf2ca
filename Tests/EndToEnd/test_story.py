"""The tutorial's whole story over HTTP: account, folders, uploads, listing, properties,
downloads, edits, deletion and logout."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import urllib.parse
import uuid
from email.utils import parsedate_to_datetime

import pytest
import requests

from conftest import (API, BACKEND, PASSWORD, RFC3339_MS, SHA256_HEX, TIMEOUT, UUID4, assert_error, login, register,
                      sha256_hex, unique_email, wait_until)

NODE_KEYS = {"id", "name", "is_folder", "parent_id", "path", "size", "mime_type", "sha256", "creator",
             "date_created", "date_modified", "etag"}

REPORT = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def check_node(node: dict, user, *, name=None, parent_id="?", is_folder=None, path=None):
    assert NODE_KEYS <= set(node), f"missing keys {NODE_KEYS - set(node)} in {node}"
    assert UUID4.match(node["id"]), node["id"]
    assert node["creator"] == user.id
    assert RFC3339_MS.match(node["date_created"]), node["date_created"]
    assert RFC3339_MS.match(node["date_modified"]), node["date_modified"]
    assert isinstance(node["etag"], str) and node["etag"].startswith('"') and node["etag"].endswith('"'), node["etag"]
    if name is not None:
        assert node["name"] == name
    if parent_id != "?":
        assert node["parent_id"] == parent_id
    if is_folder is not None:
        assert node["is_folder"] is is_folder
        if is_folder:
            assert node["mime_type"] == "inode/directory"
            assert node["sha256"] is None
        else:
            assert SHA256_HEX.match(node["sha256"]), node["sha256"]
    if path is not None:
        assert node["path"] == path


@pytest.fixture
def tree(user):
    """A user with /Work/2026/report.pdf (content unique to this test: REPORT + 16 random bytes)."""
    u = user()
    work = u.mkdir("Work")
    year = u.mkdir("2026", work["id"])
    data = REPORT + uuid.uuid4().bytes
    report = u.upload("report.pdf", data, year["id"])
    assert report["sha256"] == sha256_hex(data)
    u.report_data = data
    return u, work, year, report


# --------------------------------------------------------------------------- account


def test_register_login_me(module_server):
    email = unique_email()
    r = register(module_server, email.upper(), fullname="  Ada Lovelace ")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["message"] == "Successfully created your account."
    assert UUID4.match(body["id"]), body
    assert r.headers["Content-Type"].startswith("application/json")
    uid = body["id"]

    r = login(module_server, email)  # e-mails compare case-insensitively
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user_id"] == uid
    assert isinstance(body["token"], str) and body["token"].count(".") == 2  # a JWT
    assert RFC3339_MS.match(body["expires_at"]), body["expires_at"]
    expires = dt.datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    lifetime = expires - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(hours=23) < lifetime <= dt.timedelta(hours=24, minutes=1), lifetime
    token = body["token"]

    r = requests.get(module_server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {token}"},
                     timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] == uid
    assert me["fullname"] == "Ada Lovelace"
    assert me["email"] == email.lower()
    assert RFC3339_MS.match(me["date_created"]), me
    assert me["quota_bytes"] is None
    assert me["used_bytes"] == 0


def test_health(module_server):
    r = requests.get(module_server.url("/health"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert isinstance(r.json()["version"], str) and r.json()["version"]
    assert r.json()["database"] == BACKEND and r.json()["blobs"] == "file"


# --------------------------------------------------------------------------- folders and uploads


def test_folders_and_raw_upload(user):
    u = user()
    r = u.mkdir_raw("Work")
    assert r.status_code == 201, r.text
    work = r.json()
    check_node(work, u, name="Work", parent_id=None, is_folder=True, path="/Work")
    assert r.headers["Location"].endswith(f"{API}/user/{u.id}/folders/{work['id']}"), r.headers.get("Location")

    year = u.mkdir("2026", work["id"])
    check_node(year, u, name="2026", parent_id=work["id"], is_folder=True, path="/Work/2026")

    r = u.upload_raw("report.pdf", REPORT, year["id"])
    assert r.status_code == 201, r.text
    node = r.json()
    check_node(node, u, name="report.pdf", parent_id=year["id"], is_folder=False, path="/Work/2026/report.pdf")
    assert node["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert node["size"] == len(REPORT)
    assert node["mime_type"] == "application/pdf"
    assert r.headers["Location"].endswith(f"{API}/user/{u.id}/files/{node['id']}"), r.headers.get("Location")

    # The properties of the file, and of the folders (size: total of the subtree).
    r = u.get_node(node["id"])
    assert r.status_code == 200, r.text
    props = r.json()
    for key in NODE_KEYS:
        assert props[key] == node[key], key
    r = u.get_node(work["id"])
    assert r.status_code == 200, r.text
    check_node(r.json(), u, name="Work", parent_id=None, is_folder=True, path="/Work")
    assert r.json()["size"] == len(REPORT)

    r = u.session.get(u.url(f"folders/{year['id']}"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    check_node(body, u, name="2026", is_folder=True, path="/Work/2026")
    assert body["size"] == len(REPORT)
    assert [i["id"] for i in body["items"]] == [node["id"]]
    assert body["next_cursor"] is None

    r = u.session.get(u.api("/auth/me"), timeout=TIMEOUT)
    assert r.json()["used_bytes"] == len(REPORT)


def test_name_is_normalised_to_nfc(user):
    u = user()
    nfd = unicodedata.normalize("NFD", "Café.txt")
    assert nfd != "Café.txt"
    node = u.upload(nfd, b"x")
    assert node["name"] == unicodedata.normalize("NFC", "Café.txt")
    folder = u.mkdir(unicodedata.normalize("NFD", "Ünïcode"))
    assert folder["name"] == unicodedata.normalize("NFC", "Ünïcode")


def test_mime_types_from_extension(user):
    u = user()
    assert u.upload("notes.txt", b"hello")["mime_type"].startswith("text/plain")
    assert u.upload("photo.png", b"\x89PNG")["mime_type"] == "image/png"
    assert u.upload("photo.JPG", b"\xff\xd8")["mime_type"] == "image/jpeg"
    assert u.upload("noextension", b"abc")["mime_type"] == "application/octet-stream"


def test_multipart_upload(user):
    u = user()
    folder = u.mkdir("Inbox")
    data = b"multipart content \x00\xff\r\n--not-a-boundary\r\n" * 100

    r = u.session.post(u.url("files/"), files={"file": ("notes.txt", data, "text/plain")}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    node = r.json()
    check_node(node, u, name="notes.txt", parent_id=None, is_folder=False, path="/notes.txt")
    assert node["sha256"] == sha256_hex(data)
    assert node["size"] == len(data)
    assert node["mime_type"].startswith("text/plain")
    assert r.headers["Location"].endswith(f"{API}/user/{u.id}/files/{node['id']}")

    # A form with a parent_id field (fields come before the file part).
    r = u.session.post(u.url("files/"), data={"parent_id": folder["id"]},
                       files={"file": ("scan.pdf", REPORT, "application/pdf")}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    node = r.json()
    check_node(node, u, name="scan.pdf", parent_id=folder["id"], path="/Inbox/scan.pdf")
    assert node["sha256"] == sha256_hex(REPORT)

    # A name field overrides the filename; no extension: the part's type is the mime type.
    r = u.session.post(u.url("files/"), data={"name": "picture", "parent_id": folder["id"]},
                       files={"file": ("upload.bin", b"\x89PNG\r\n", "image/png")}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    node = r.json()
    assert node["name"] == "picture"
    assert node["mime_type"] == "image/png"

    # What arrived is what is stored.
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == b"\x89PNG\r\n"


# --------------------------------------------------------------------------- listing


def test_listing_order_and_paging(user):
    u = user()
    folder_b = u.mkdir("beta")
    folder_a = u.mkdir("Alpha")
    sizes = {"c.txt": 30, "a.txt": 10, "B.txt": 50, "Same.txt": 20, "same.txt": 40}
    for name, size in sizes.items():
        u.upload(name, name.encode() * size)

    items = u.list_all()
    names = [i["name"] for i in items]
    assert names == ["Alpha", "beta", "a.txt", "B.txt", "c.txt", "Same.txt", "same.txt"], names
    assert [i["is_folder"] for i in items] == [True, True] + [False] * 5
    assert len({i["id"] for i in items}) == 7

    # Paging with limit=1: every item exactly once, in the same order, then next_cursor null.
    seen = []
    cursor = None
    for _ in range(20):
        params = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        r = u.list_page(**params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 1
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in items]

    # Sorting by size, both orders: folders first, then files by size.
    for order in ("asc", "desc"):
        listed = u.list_all(sort="size", order=order, limit=2)
        assert {i["id"] for i in listed[:2]} == {folder_a["id"], folder_b["id"]}
        file_sizes = [i["size"] for i in listed[2:]]
        assert file_sizes == sorted(file_sizes, reverse=(order == "desc")), file_sizes
        assert len(listed) == 7

    # Name, descending: folders still first.
    listed = [i["name"] for i in u.list_all(sort="name", order="desc")]
    assert listed[:2] == ["beta", "Alpha"]
    assert listed[2:] == ["same.txt", "Same.txt", "c.txt", "B.txt", "a.txt"], listed

    # date_modified works as a sort key too.
    listed = u.list_all(sort="date_modified", limit=3)
    assert [i["is_folder"] for i in listed] == [True, True] + [False] * 5

    # Keyset paging: deleting the item a cursor points after does not disturb the next page.
    r = u.list_page(limit=3)
    first_page = r.json()["items"]
    cursor = r.json()["next_cursor"]
    anchor = first_page[-1]
    assert anchor["name"] == "a.txt"
    assert u.session.delete(u.url(f"files/{anchor['id']}"), timeout=TIMEOUT).status_code == 204
    rest = []
    while cursor:
        r = u.list_page(limit=3, cursor=cursor)
        assert r.status_code == 200, r.text
        rest += [i["name"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
    assert rest == ["B.txt", "c.txt", "Same.txt", "same.txt"], rest

    # A folder's children through /folders/<id> take the list query too.
    for n in range(3):
        u.upload(f"inner{n}.txt", b"x", folder_a["id"])
    r = u.session.get(u.url(f"folders/{folder_a['id']}"), params={"limit": 2}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["name"] for i in body["items"]] == ["inner0.txt", "inner1.txt"]
    assert body["next_cursor"]
    r = u.session.get(u.url(f"folders/{folder_a['id']}"), params={"limit": 2, "cursor": body["next_cursor"]},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert [i["name"] for i in r.json()["items"]] == ["inner2.txt"]
    assert r.json()["next_cursor"] is None


# --------------------------------------------------------------------------- downloads


def test_download_full_and_headers(tree):
    u, work, year, report = tree
    r = u.session.get(u.url(f"files/{report['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == u.report_data
    assert r.headers["ETag"] == report["etag"]
    assert r.headers["Content-Type"].startswith("application/pdf")
    assert int(r.headers["Content-Length"]) == len(u.report_data)
    assert r.headers["Accept-Ranges"] == "bytes"
    assert parsedate_to_datetime(r.headers["Last-Modified"]).year >= 2024
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''report.pdf" in r.headers["Content-Disposition"]


def test_download_ranges(tree):
    u, work, year, report = tree
    size = len(u.report_data)
    url = u.url(f"files/{report['id']}/content")

    r = u.session.get(url, headers={"Range": "bytes=0-9"}, timeout=TIMEOUT)
    assert r.status_code == 206, r.text
    assert r.content == u.report_data[:10]
    assert r.headers["Content-Range"] == f"bytes 0-9/{size}"
    assert int(r.headers["Content-Length"]) == 10

    r = u.session.get(url, headers={"Range": "bytes=-5"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.content == u.report_data[-5:]
    assert r.headers["Content-Range"] == f"bytes {size - 5}-{size - 1}/{size}"

    r = u.session.get(url, headers={"Range": "bytes=5-"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.content == u.report_data[5:]
    assert r.headers["Content-Range"] == f"bytes 5-{size - 1}/{size}"

    # A last byte past the end is clamped.
    r = u.session.get(url, headers={"Range": f"bytes={size - 3}-{size + 100}"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.content == u.report_data[-3:]
    assert r.headers["Content-Range"] == f"bytes {size - 3}-{size - 1}/{size}"

    for bad in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}"):
        r = u.session.get(url, headers={"Range": bad}, timeout=TIMEOUT)
        assert r.status_code == 416, (bad, r.status_code)
        assert r.headers["Content-Range"] == f"bytes */{size}"

    # A suffix longer than the file: all of it, still 206. Several ranges: the whole file, 200.
    r = u.session.get(url, headers={"Range": f"bytes=-{size + 50}"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.content == u.report_data
    assert r.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    r = u.session.get(url, headers={"Range": "bytes=0-9,20-29"}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == u.report_data

    # If-Range: only a matching strong ETag gives the range; a stale or weak tag, or a date (even
    # the current Last-Modified: one-second resolution cannot tell two versions apart), the whole file.
    r = u.session.get(url, headers={"Range": "bytes=0-9", "If-Range": report["etag"]}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.content == u.report_data[:10]
    last_modified = u.session.head(url, timeout=TIMEOUT).headers["Last-Modified"]
    for stale in ('"stale"', "W/" + report["etag"], "Mon, 01 Jan 2001 00:00:00 GMT", last_modified):
        r = u.session.get(url, headers={"Range": "bytes=0-9", "If-Range": stale}, timeout=TIMEOUT)
        assert r.status_code == 200, (stale, r.status_code)
        assert r.content == u.report_data

    # If-None-Match wins over Range.
    r = u.session.get(url, headers={"Range": "bytes=0-9", "If-None-Match": report["etag"]}, timeout=TIMEOUT)
    assert r.status_code == 304

    # HEAD with a range answers like GET, without the body.
    r = u.session.head(url, headers={"Range": "bytes=0-9"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 0-9/{size}"
    assert r.content == b""


def test_empty_file(user):
    u = user()
    node = u.upload("empty.txt", b"")
    assert node["size"] == 0
    assert node["sha256"] == sha256_hex(b"")
    url = u.url(f"files/{node['id']}/content")
    r = u.session.get(url, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Content-Length"] == "0"
    for rng in ("bytes=0-", "bytes=0-0", "bytes=-1"):
        r = u.session.get(url, headers={"Range": rng}, timeout=TIMEOUT)
        assert r.status_code == 416, (rng, r.status_code)
        assert r.headers["Content-Range"] == "bytes */0"


def test_download_head_and_conditional(tree):
    u, work, year, report = tree
    url = u.url(f"files/{report['id']}/content")

    r = u.session.head(url, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) == len(u.report_data)
    assert r.headers["ETag"] == report["etag"]
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Content-Type"].startswith("application/pdf")

    r = u.session.head(u.url(f"files/{report['id']}"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == b""

    for tag in (report["etag"], "W/" + report["etag"], "*", f'"other", {report["etag"]}'):
        r = u.session.get(url, headers={"If-None-Match": tag}, timeout=TIMEOUT)
        assert r.status_code == 304, (tag, r.status_code)
        assert r.content == b""
        assert r.headers["ETag"] == report["etag"]

    r = u.session.get(url, headers={"If-None-Match": '"other"'}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == u.report_data


def test_content_disposition_utf8(user):
    u = user()
    name = "Grüße – 報告 %20;\".txt"
    node = u.upload(name, b"unicode name")
    assert node["name"] == name
    r = u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
    assert r.status_code == 200
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    m = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert m, disposition
    assert urllib.parse.unquote(m.group(1), encoding="utf-8", errors="strict") == name
    # The header itself is plain ASCII (a latin-1 decode of raw UTF-8 would show up as mojibake).
    assert all(ord(c) < 128 for c in disposition), disposition
    assert r.content == b"unicode name"


# --------------------------------------------------------------------------- edits


def test_rename_and_move(tree):
    u, work, year, report = tree
    other = u.mkdir("Other")

    r = u.session.put(u.url(f"files/{report['id']}"), json={"name": "report.txt"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    node = r.json()
    check_node(node, u, name="report.txt", parent_id=year["id"], path="/Work/2026/report.txt")
    assert node["mime_type"].startswith("text/plain")  # recomputed on rename
    assert node["etag"] != report["etag"]
    assert node["sha256"] == report["sha256"]

    r = u.session.put(u.url(f"files/{report['id']}"), json={"parent_id": other["id"]}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    check_node(r.json(), u, name="report.txt", parent_id=other["id"], path="/Other/report.txt")
    assert r.json()["etag"] != node["etag"]  # a move changes the etag too
    assert [i["id"] for i in u.list_all(other["id"])] == [report["id"]]
    assert u.list_all(year["id"]) == []
    # Folder sizes follow the move.
    assert u.get_node(work["id"]).json()["size"] == 0
    assert u.get_node(other["id"]).json()["size"] == len(u.report_data)

    # Renaming to its own name, or moving to where it is, is not a conflict.
    r = u.session.put(u.url(f"files/{report['id']}"), json={"name": "report.txt", "parent_id": other["id"]},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "report.txt"

    r = u.session.put(u.url(f"files/{report['id']}"), json={"parent_id": None}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    check_node(r.json(), u, name="report.txt", parent_id=None, path="/report.txt")

    # Both at once.
    r = u.session.put(u.url(f"files/{report['id']}"), json={"name": "final.pdf", "parent_id": year["id"]},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    check_node(r.json(), u, name="final.pdf", parent_id=year["id"], path="/Work/2026/final.pdf")
    assert r.json()["mime_type"] == "application/pdf"

    # Folders rename and move the same way (through /folders/<id> and /files/<id>), paths follow.
    r = u.session.put(u.url(f"folders/{year['id']}"), json={"name": "2027"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/Work/2027"
    r = u.session.put(u.url(f"files/{year['id']}"), json={"parent_id": other["id"]}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/Other/2027"
    assert u.get_node(report["id"]).json()["path"] == "/Other/2027/final.pdf"

    # The content never changed.
    r = u.session.get(u.url(f"files/{report['id']}/content"), timeout=TIMEOUT)
    assert r.content == u.report_data


def test_replace_content(tree):
    u, work, year, report = tree
    new = b"second version " * 1000
    old_etag = report["etag"]

    r = u.session.put(u.url(f"files/{report['id']}"), data=new,
                      headers={"Content-Type": "application/octet-stream", "If-Match": old_etag}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    node = r.json()
    assert node["id"] == report["id"]
    assert node["name"] == "report.pdf"
    assert node["sha256"] == sha256_hex(new) != report["sha256"]
    assert node["size"] == len(new)
    assert node["etag"] != old_etag

    r = u.session.get(u.url(f"files/{report['id']}/content"), timeout=TIMEOUT)
    assert r.content == new
    assert r.headers["ETag"] == node["etag"]

    # A stale If-Match: 412 and nothing changes, for content, metadata and delete.
    r = u.session.put(u.url(f"files/{report['id']}"), data=b"third",
                      headers={"Content-Type": "application/octet-stream", "If-Match": old_etag}, timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    r = u.session.put(u.url(f"files/{report['id']}"), json={"name": "x.pdf"}, headers={"If-Match": old_etag},
                      timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    r = u.session.delete(u.url(f"files/{report['id']}"), headers={"If-Match": old_etag}, timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    after = u.get_node(report["id"]).json()
    assert after["name"] == "report.pdf" and after["sha256"] == sha256_hex(new) and after["etag"] == node["etag"]

    # The current ETag passes.
    r = u.session.put(u.url(f"files/{report['id']}"), json={"name": "v2.pdf"}, headers={"If-Match": node["etag"]},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "v2.pdf"

    # The old content is kept as a version (API.md, "Versions"): still in storage, and served.
    versions = u.session.get(u.url(f"files/{report['id']}/versions"), timeout=TIMEOUT).json()["items"]
    assert [v["sha256"] for v in versions] == [sha256_hex(new), report["sha256"]]
    assert u.server.blob_path(report["sha256"]).exists() and u.server.blob_path(sha256_hex(new)).exists()


def test_folder_if_match(tree):
    u, work, year, report = tree
    stale = u.get_node(work["id"]).json()["etag"]  # (adding children may have changed it since mkdir)
    r = u.session.put(u.url(f"folders/{work['id']}"), json={"name": "Job"}, headers={"If-Match": stale},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    current = r.json()["etag"]
    assert current != stale
    r = u.session.put(u.url(f"folders/{work['id']}"), json={"name": "Work"}, headers={"If-Match": stale},
                      timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    r = u.session.delete(u.url(f"folders/{work['id']}"), headers={"If-Match": stale}, timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    assert u.get_node(report["id"]).json()["path"] == "/Job/2026/report.pdf"
    r = u.session.delete(u.url(f"folders/{work['id']}"), headers={"If-Match": current}, timeout=TIMEOUT)
    assert r.status_code == 204
    assert_error(u.get_node(report["id"]), 404, "not_found")


def test_delete_folder_recursively(tree):
    u, work, year, report = tree
    unique = b"only in this tree " + uuid.uuid4().bytes
    extra = u.upload("extra.bin", unique, work["id"])
    deep = u.mkdir("deep", year["id"])
    deeper = u.upload("deeper.txt", b"deeper", deep["id"])
    keep = u.mkdir("Keep")
    assert u.server.blob_path(extra["sha256"]).exists()

    r = u.session.delete(u.url(f"files/{work['id']}"), timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    assert r.content == b""

    for node in (work, year, report, extra, deep, deeper):
        assert_error(u.get_node(node["id"]), 404, "not_found")
    for node in (report, extra, deeper):
        assert_error(u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT), 404, "not_found")
    for node in (work, year, deep):
        assert_error(u.session.get(u.url(f"folders/{node['id']}"), timeout=TIMEOUT), 404, "not_found")
        assert_error(u.list_page(node["id"]), 404, "not_found")
    assert [i["id"] for i in u.list_all()] == [keep["id"]]
    # In the trash, as one item: its bytes still stored and counted, until it is deleted for good.
    trash = u.session.get(u.url("trash/"), timeout=TIMEOUT).json()["items"]
    assert [i["id"] for i in trash] == [work["id"]]
    me = u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()
    assert me["used_bytes"] == me["trash_bytes"] == trash[0]["size"] > 0
    assert u.server.blob_path(extra["sha256"]).exists()
    assert u.session.delete(u.url(f"trash/{work['id']}"), timeout=TIMEOUT).status_code == 204
    assert wait_until(lambda: not u.server.blob_path(extra["sha256"]).exists())
    assert u.session.get(u.api("/auth/me"), timeout=TIMEOUT).json()["used_bytes"] == 0

    # Through /folders/<id> as well; a second delete is 404.
    r = u.session.delete(u.url(f"folders/{keep['id']}"), timeout=TIMEOUT)
    assert r.status_code == 204
    assert_error(u.session.delete(u.url(f"folders/{keep['id']}"), timeout=TIMEOUT), 404, "not_found")
    assert u.list_all() == []


def test_delete_file(user):
    u = user()
    node = u.upload("gone.txt", b"soon gone")
    r = u.session.delete(u.url(f"files/{node['id']}"), timeout=TIMEOUT)
    assert r.status_code == 204
    assert_error(u.get_node(node["id"]), 404, "not_found")
    assert u.list_all() == []


# --------------------------------------------------------------------------- logout


def test_logout_revokes_token(module_server):
    email = unique_email()
    assert register(module_server, email).status_code == 201
    first = login(module_server, email).json()
    second = login(module_server, email).json()
    assert first["token"] != second["token"]
    h1 = {"Authorization": f"Bearer {first['token']}"}
    h2 = {"Authorization": f"Bearer {second['token']}"}

    r = requests.post(module_server.url(f"{API}/auth/logout"), headers=h1, timeout=TIMEOUT)
    assert r.status_code == 204, r.text

    r = requests.get(module_server.url(f"{API}/auth/me"), headers=h1, timeout=TIMEOUT)
    assert_error(r, 401, "token_revoked")
    r = requests.get(module_server.url(f"{API}/user/{first['user_id']}/files/"), headers=h1, timeout=TIMEOUT)
    assert_error(r, 401, "token_revoked")
    r = requests.post(module_server.url(f"{API}/auth/logout"), headers=h1, timeout=TIMEOUT)
    assert_error(r, 401)

    # Only that token: the other session keeps working.
    r = requests.get(module_server.url(f"{API}/auth/me"), headers=h2, timeout=TIMEOUT)
    assert r.status_code == 200
    # And the password still logs in.
    assert login(module_server, email, PASSWORD).status_code == 200
