"""Trash, versions and search (API.md's sections of those names) against the real server on both
backends: every route with its right and wrong input, another user's ids, the quota with trash and
versions, restore onto a taken name and after the folder went, `--trash-days 0` / `--keep-versions 0`,
the blob store keeping what the trash and versions hold, and the CLI's round trips
(`papers rm`, `trash ls|restore|rm|empty`, `versions`, `get --version`, `restore-version`, `find`).
The purge after `--trash-days` runs with an injected clock in the Swift suite
(TrashVersionsSearchTests): days cannot pass here.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
import requests

from conftest import (RFC3339_MS, SHA256_HEX, TIMEOUT, assert_error, new_user, register, login, sha256_hex, start_server,
                      unique_email, wait_until)
from test_cli import assert_usage_error, fresh_account, write

NODE_KEYS = {"id", "name", "is_folder", "parent_id", "path", "size", "mime_type", "sha256", "creator",
             "date_created", "date_modified", "etag"}
TRASH_KEYS = NODE_KEYS | {"deleted_at", "original_path", "original_parent_id"}
VERSION_KEYS = {"version", "size", "sha256", "date_modified", "etag", "current"}


def trash(user, **params) -> dict:
    r = user.session.get(user.url("trash/"), params=params, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def trash_names(user) -> list[str]:
    return [item["name"] for item in trash(user)["items"]]


def put_content(user, node_id: str, data: bytes, **headers) -> requests.Response:
    return user.session.put(user.url(f"files/{node_id}"), data=data,
                            headers={"Content-Type": "application/octet-stream", **headers}, timeout=TIMEOUT)


def me(user) -> dict:
    r = user.session.get(user.api("/auth/me"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def search(user, q, **params) -> requests.Response:
    return user.session.get(user.url("search"), params={"q": q, **params}, timeout=TIMEOUT)


# --------------------------------------------------------------------------- trash


def test_a_delete_goes_to_the_trash_and_a_restore_brings_the_folder_back_whole(user):
    ada = user()
    work = ada.mkdir("Work")
    sub = ada.mkdir("Sub", parent_id=work["id"])
    report = ada.upload("report.txt", b"0123456789", parent_id=sub["id"])
    r = ada.session.delete(ada.url(f"folders/{work['id']}"), timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    # Gone everywhere: by id (the item and what was under it), listings, content; a second delete is 404.
    for path in (f"folders/{work['id']}", f"files/{sub['id']}", f"files/{report['id']}", f"files/{report['id']}/content"):
        assert_error(ada.session.get(ada.url(path), timeout=TIMEOUT), 404, "not_found")
    assert_error(ada.session.delete(ada.url(f"files/{work['id']}"), timeout=TIMEOUT), 404, "not_found")
    assert ada.list_all() == []
    # Its bytes still count.
    account = me(ada)
    assert (account["used_bytes"], account["trash_bytes"], account["versions_bytes"]) == (10, 10, 0)
    page = trash(ada)
    assert page["next_cursor"] is None and len(page["items"]) == 1
    item = page["items"][0]
    assert set(item) == TRASH_KEYS
    assert item["id"] == work["id"] and item["original_path"] == "/Work" and item["original_parent_id"] is None
    assert item["size"] == 10 and item["path"] == "/Work" and RFC3339_MS.match(item["deleted_at"])
    # The name is free again; a restore onto it is 409 unless renamed.
    again = ada.mkdir("Work")
    assert_error(ada.session.post(ada.url(f"trash/{work['id']}/restore"), timeout=TIMEOUT), 409, "name_conflict")
    assert_error(ada.session.post(ada.url(f"trash/{work['id']}/restore"), params={"on_conflict": "overwrite"},
                                  timeout=TIMEOUT), 400, "validation_failed")
    assert_error(ada.session.post(ada.url(f"trash/{sub['id']}/restore"), timeout=TIMEOUT), 404, "not_found")
    r = ada.session.post(ada.url(f"trash/{work['id']}/restore"), params={"on_conflict": "rename"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    restored = r.json()
    assert set(restored) == NODE_KEYS and restored["name"] == "Work (1)" and restored["parent_id"] is None
    assert r.headers["ETag"] == restored["etag"]
    node = ada.get_node(report["id"]).json()
    assert node["path"] == "/Work (1)/Sub/report.txt"
    assert ada.session.get(ada.url(f"files/{report['id']}/content"), timeout=TIMEOUT).content == b"0123456789"
    assert trash(ada)["items"] == []
    assert me(ada)["trash_bytes"] == 0 and me(ada)["used_bytes"] == 10
    assert again["id"] != work["id"]


def test_a_restore_goes_to_its_folder_or_the_root_when_that_is_gone(user):
    ada = user()
    keep = ada.mkdir("Keep")
    gone = ada.mkdir("Gone")
    a = ada.upload("a.txt", b"a", parent_id=keep["id"])
    b = ada.upload("b.txt", b"b", parent_id=gone["id"])
    for node in (a, b):
        assert ada.session.delete(ada.url(f"files/{node['id']}"), timeout=TIMEOUT).status_code == 204
    assert trash(ada)["items"][1]["original_parent_id"] == keep["id"]
    r = ada.session.delete(ada.url(f"folders/{gone['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)
    assert r.status_code == 204
    assert ada.session.post(ada.url(f"trash/{a['id']}/restore"), timeout=TIMEOUT).json()["path"] == "/Keep/a.txt"
    assert ada.session.post(ada.url(f"trash/{b['id']}/restore"), timeout=TIMEOUT).json()["path"] == "/b.txt"


def test_the_trash_pages_erases_and_empties_and_rejects_bad_input(user):
    ada = user()
    ids = []
    for i in range(5):
        node = ada.upload(f"f{i}.txt", f"content {i}".encode())
        assert ada.session.delete(ada.url(f"files/{node['id']}"), timeout=TIMEOUT).status_code == 204
        ids.insert(0, node["id"])
    seen, cursor = [], None
    while True:
        page = trash(ada, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids, "newest first, pages joined"
    for params in ({"limit": "0"}, {"limit": "1001"}, {"limit": "x"}, {"cursor": "not-a-cursor"}):
        assert_error(ada.session.get(ada.url("trash/"), params=params, timeout=TIMEOUT), 400, "validation_failed")
    assert_error(ada.session.delete(ada.url(f"files/{ids[0]}"), params={"permanent": "true"}, timeout=TIMEOUT), 404)
    live = ada.upload("live.txt", b"live")
    assert_error(ada.session.delete(ada.url(f"files/{live['id']}"), params={"permanent": "yes"}, timeout=TIMEOUT),
                 400, "validation_failed")
    assert_error(ada.session.delete(ada.url(f"trash/{live['id']}"), timeout=TIMEOUT), 404, "not_found")
    assert ada.session.delete(ada.url(f"trash/{ids[0]}"), timeout=TIMEOUT).status_code == 204
    assert_error(ada.session.delete(ada.url(f"trash/{ids[0]}"), timeout=TIMEOUT), 404, "not_found")
    assert len(trash(ada)["items"]) == 4
    assert ada.session.delete(ada.url("trash/"), timeout=TIMEOUT).status_code == 204
    assert trash(ada)["items"] == [] and me(ada)["trash_bytes"] == 0


def test_another_users_trash_and_versions_are_out_of_reach(user):
    ada, bob = user(), user()
    doc = ada.upload("doc.txt", b"one")
    assert put_content(ada, doc["id"], b"two").status_code == 200
    gone = ada.upload("gone.txt", b"gone")
    assert ada.session.delete(ada.url(f"files/{gone['id']}"), timeout=TIMEOUT).status_code == 204
    # Ada's ids under Bob's own user id: 404; Bob's token on Ada's user id: 403.
    for method, path in [("POST", f"trash/{gone['id']}/restore"), ("DELETE", f"trash/{gone['id']}"),
                         ("GET", f"files/{doc['id']}/versions"), ("GET", f"files/{doc['id']}/versions/1/content"),
                         ("POST", f"files/{doc['id']}/versions/1/restore")]:
        assert_error(bob.session.request(method, bob.url(path), timeout=TIMEOUT), 404, "not_found")
        r = bob.session.request(method, f"{ada.server.base_url}/api/v1/user/{ada.id}/{path}", timeout=TIMEOUT)
        assert_error(r, 403)
    for path in ("trash/", f"search?q=doc"):
        assert_error(bob.session.get(f"{ada.server.base_url}/api/v1/user/{ada.id}/{path}", timeout=TIMEOUT), 403)
    assert_error(bob.session.delete(f"{ada.server.base_url}/api/v1/user/{ada.id}/trash/", timeout=TIMEOUT), 403)
    assert trash(bob)["items"] == [] and trash_names(ada) == ["gone.txt"]
    # Without a token: 401.
    assert_error(requests.get(ada.url("trash/"), timeout=TIMEOUT), 401)


def test_the_trash_keeps_its_content_in_the_blob_store_until_deleted_for_good(tmp_path_factory):
    srv = start_server(tmp_path_factory, "trash-gc", extra_args=["--gc-grace", "0", "--gc-interval", "1s"])
    try:
        ada = new_user(srv)
        data = b"kept by the trash " * 100
        node = ada.upload("kept.bin", data)
        assert ada.session.delete(ada.url(f"files/{node['id']}"), timeout=TIMEOUT).status_code == 204
        blob = srv.blob_path(sha256_hex(data))
        # Several collector rounds pass: the trash still holds it.
        assert not wait_until(lambda: not blob.exists(), timeout=3)
        assert ada.session.post(ada.url(f"trash/{node['id']}/restore"), timeout=TIMEOUT).status_code == 200
        assert ada.session.get(ada.url(f"files/{node['id']}/content"), timeout=TIMEOUT).content == data
        assert ada.session.delete(ada.url(f"files/{node['id']}"), timeout=TIMEOUT).status_code == 204
        assert ada.session.delete(ada.url("trash/"), timeout=TIMEOUT).status_code == 204
        assert wait_until(lambda: not blob.exists(), timeout=15), "emptied: the collector removes it"
    finally:
        srv.close()


def test_with_trash_days_0_a_delete_is_for_good_and_the_trash_is_empty(tmp_path_factory):
    srv = start_server(tmp_path_factory, "no-trash", extra_args=["--trash-days", "0", "--keep-versions", "0"])
    try:
        ada = new_user(srv)
        node = ada.upload("doc.txt", b"one")
        assert put_content(ada, node["id"], b"two").status_code == 200
        r = ada.session.get(ada.url(f"files/{node['id']}/versions"), timeout=TIMEOUT)
        assert [v["version"] for v in r.json()["items"]] == [2], "no versions kept"
        assert ada.session.delete(ada.url(f"files/{node['id']}"), timeout=TIMEOUT).status_code == 204
        assert trash(ada) == {"items": [], "next_cursor": None}
        assert me(ada)["used_bytes"] == 0
    finally:
        srv.close()


@pytest.mark.parametrize("args", [["--trash-days", "-1"], ["--trash-days", "x"], ["--keep-versions", "1e3"],
                                  ["--keep-versions", "99999"]])
def test_bad_retention_options_are_refused_at_start(tmp_path, args):
    import subprocess
    from conftest import PAPERS_BIN
    proc = subprocess.run([PAPERS_BIN, "serve", "--data", str(tmp_path / "d"), "--port", "0", *args],
                          capture_output=True, timeout=30)
    assert proc.returncode != 0
    assert args[0].lstrip("-") in proc.stderr.decode(), proc.stderr


# --------------------------------------------------------------------------- versions


def test_replacing_content_keeps_versions_that_download_and_restore(user):
    ada = user()
    doc = ada.upload("doc.txt", b"version one")
    assert put_content(ada, doc["id"], b"version two!").status_code == 200
    # An overwriting upload is a replacement too.
    r = ada.upload_raw("doc.txt", b"version three", on_conflict="overwrite")
    assert r.status_code in (200, 201), r.text
    r = ada.session.get(ada.url(f"files/{doc['id']}/versions"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert all(set(v) == VERSION_KEYS for v in items)
    assert [v["version"] for v in items] == [3, 2, 1] and [v["current"] for v in items] == [True, False, False]
    assert [v["sha256"] for v in items] == [sha256_hex(b) for b in (b"version three", b"version two!", b"version one")]
    current = ada.get_node(doc["id"]).json()
    assert items[0]["etag"] == current["etag"]
    assert len({v["etag"] for v in items}) == 3
    account = me(ada)
    assert account["versions_bytes"] == len(b"version one") + len(b"version two!")
    assert account["used_bytes"] == account["versions_bytes"] + len(b"version three")
    # A version's bytes, with the content route's headers and ranges.
    r = ada.session.get(ada.url(f"files/{doc['id']}/versions/1/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == b"version one"
    assert r.headers["ETag"] == items[2]["etag"] and "filename*=UTF-8''doc.txt" in r.headers["Content-Disposition"]
    r = ada.session.get(ada.url(f"files/{doc['id']}/versions/1/content"), headers={"Range": "bytes=8-"}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == b"one" and r.headers["Content-Range"] == "bytes 8-10/11"
    r = ada.session.get(ada.url(f"files/{doc['id']}/versions/1/content"), headers={"If-None-Match": items[2]["etag"]},
                        timeout=TIMEOUT)
    assert r.status_code == 304
    r = ada.session.head(ada.url(f"files/{doc['id']}/versions/2/content"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Length"] == "12"
    assert_error(ada.session.get(ada.url(f"files/{doc['id']}/versions/1/content"), headers={"Range": "bytes=50-"},
                                 timeout=TIMEOUT), 416)
    for bad in ("0", "-1", "x", "1.5", "99999999999999999999"):
        assert_error(ada.session.get(ada.url(f"files/{doc['id']}/versions/{bad}/content"), timeout=TIMEOUT), 400,
                     "validation_failed")
    assert_error(ada.session.get(ada.url(f"files/{doc['id']}/versions/9/content"), timeout=TIMEOUT), 404,
                 "version_not_found")
    # A restore: a stale If-Match is refused; then the old content is the newest version.
    r = ada.session.post(ada.url(f"files/{doc['id']}/versions/1/restore"), headers={"If-Match": '"stale-1"'}, timeout=TIMEOUT)
    assert_error(r, 412, "precondition_failed")
    r = ada.session.post(ada.url(f"files/{doc['id']}/versions/1/restore"), headers={"If-Match": current["etag"]},
                         timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["sha256"] == sha256_hex(b"version one") and r.json()["size"] == 11
    assert ada.session.get(ada.url(f"files/{doc['id']}/content"), timeout=TIMEOUT).content == b"version one"
    versions = ada.session.get(ada.url(f"files/{doc['id']}/versions"), timeout=TIMEOUT).json()["items"]
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert_error(ada.session.post(ada.url(f"files/{doc['id']}/versions/9/restore"), timeout=TIMEOUT), 404,
                 "version_not_found")
    folder = ada.mkdir("F")
    assert_error(ada.session.get(ada.url(f"files/{folder['id']}/versions"), timeout=TIMEOUT), 400, "is_a_folder")


def test_with_a_quota_a_replacement_kept_as_a_version_is_refused_with_507(tmp_path_factory):
    srv = start_server(tmp_path_factory, "quota", extra_args=["--default-quota", "3000"])
    try:
        ada = new_user(srv)
        doc = ada.upload("doc.bin", b"a" * 1000)
        assert put_content(ada, doc["id"], b"b" * 1000).status_code == 200
        assert put_content(ada, doc["id"], b"c" * 1000).status_code == 200
        assert_error(put_content(ada, doc["id"], b"d" * 1000), 507, "quota_exceeded")
        versions = ada.session.get(ada.url(f"files/{doc['id']}/versions"), timeout=TIMEOUT).json()["items"]
        assert len(versions) == 3, "no version dropped to make room"
        assert_error(ada.session.post(ada.url(f"files/{doc['id']}/versions/1/restore"), timeout=TIMEOUT), 507, "quota_exceeded")
        # The trash counts until it is emptied.
        assert ada.session.delete(ada.url(f"files/{doc['id']}"), timeout=TIMEOUT).status_code == 204
        assert_error(ada.upload_raw("new.bin", b"n"), 507, "quota_exceeded")
        assert ada.session.delete(ada.url("trash/"), timeout=TIMEOUT).status_code == 204
        assert ada.upload_raw("new.bin", b"n").status_code == 201
        assert me(ada)["used_bytes"] == 1
    finally:
        srv.close()


# --------------------------------------------------------------------------- search


def test_search_finds_names_anywhere_but_the_trash_with_paths_in_listing_order(user):
    ada, bob = user(), user()
    reports = ada.mkdir("Reports")
    drafts = ada.mkdir("2026 report drafts", parent_id=reports["id"])
    ada.upload("Annual REPORT.pdf", b"a", parent_id=drafts["id"])
    ada.upload("report.txt", b"b")
    ada.upload(unicodedata.normalize("NFC", "Café réport.txt"), b"c", parent_id=reports["id"])
    old = ada.upload("old report.txt", b"d")
    assert ada.session.delete(ada.url(f"files/{old['id']}"), timeout=TIMEOUT).status_code == 204
    bob.upload("bob report.txt", b"e")
    r = search(ada, "REPORT")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    assert [n["path"] for n in body["items"]] == ["/Reports/2026 report drafts", "/Reports",
                                                  "/Reports/2026 report drafts/Annual REPORT.pdf", "/report.txt"]
    assert all(set(n) == NODE_KEYS for n in body["items"])
    assert [n["name"] for n in search(ada, "report", kind="folder").json()["items"]] == ["2026 report drafts", "Reports"]
    assert [n["name"] for n in search(ada, "report", kind="file").json()["items"]] == ["Annual REPORT.pdf", "report.txt"]
    # NFC: a decomposed query finds the precomposed name.
    assert [n["name"] for n in search(ada, unicodedata.normalize("NFD", "réport")).json()["items"]] == ["Café réport.txt"]
    for literal in ("%", "_", "*", "[", "\\", '"'):
        assert search(ada, literal).json()["items"] == [], literal
    # Pages join up; a cursor only fits its own search.
    first = search(ada, "report", limit=1).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = search(ada, "report", limit=3, cursor=first["next_cursor"]).json()
    assert [n["name"] for n in first["items"] + second["items"]] == [n["name"] for n in body["items"]]
    assert_error(search(ada, "other", cursor=first["next_cursor"]), 400, "validation_failed")
    assert_error(search(ada, "report", kind="file", cursor=first["next_cursor"]), 400, "validation_failed")
    for params in ({"q": ""}, {"q": "x" * 256}, {"q": "a\u0001b"}, {"q": "a", "kind": "dir"}, {"q": "a", "limit": "0"}):
        assert_error(ada.session.get(ada.url("search"), params=params, timeout=TIMEOUT), 400, "validation_failed")
    assert_error(ada.session.get(ada.url("search"), timeout=TIMEOUT), 400, "validation_failed")
    assert search(ada, "é" * 127).status_code == 200, "254 bytes are allowed"


# --------------------------------------------------------------------------- the CLI


def test_cli_rm_trash_and_restore_round_trip(module_server, tmp_path):
    cli = fresh_account(module_server, tmp_path)
    cli.ok("mkdir", "/Work")
    write(tmp_path / "report.txt", b"the report")
    cli.ok("put", tmp_path / "report.txt", "/Work/")
    r = cli.ok("rm", "-r", "/Work")
    assert r.stdout.strip() == "moved /Work to the trash"
    assert cli.names("/") == []
    listed = cli.json("trash", "ls", "--json")["items"]
    assert [i["original_path"] for i in listed] == ["/Work"] and listed[0]["size"] == 10
    text = cli.ok("trash", "ls").stdout
    assert "/Work/" in text and listed[0]["id"] in text
    cli.ok("mkdir", "/Work")
    r = cli.fails(3, "trash", "restore", "/Work")
    assert "Work" in r.stderr
    restored = cli.json("trash", "restore", "/Work", "--rename", "--json")
    assert restored["path"] == "/Work (1)"
    assert cli.names("/Work (1)") == ["report.txt"]
    cli.fails(2, "trash", "restore", "/Work")
    # By id, and for good.
    cli.ok("rm", "/Work (1)/report.txt")
    item = cli.json("trash", "ls", "--json")["items"][0]
    assert cli.json("trash", "rm", item["id"], "--json") == {"deleted": "/Work (1)/report.txt"}
    assert cli.json("trash", "ls", "--json")["items"] == []
    # --permanent skips the trash; empty asks unless --yes.
    write(tmp_path / "a.txt", b"a")
    cli.ok("put", tmp_path / "a.txt", "/a.txt")
    assert cli.json("rm", "--permanent", "/a.txt", "--json") == {"deleted": "/a.txt"}
    assert cli.json("trash", "ls", "--json")["items"] == []
    cli.ok("put", tmp_path / "a.txt", "/a.txt")
    cli.ok("rm", "/a.txt")
    cli.fails(1, "trash", "empty")
    assert len(cli.json("trash", "ls", "--json")["items"]) == 1
    cli.ok("trash", "empty", "--yes")
    assert cli.ok("trash", "ls").stdout.strip() == "the trash is empty"
    cli.fails(2, "trash", "rm", "/nothing")


def test_cli_versions_get_version_and_restore_version(module_server, tmp_path):
    cli = fresh_account(module_server, tmp_path)
    for i, text in enumerate([b"first", b"second!", b"third..."]):
        write(tmp_path / "doc.txt", text)
        cli.ok("put", "--on-conflict", "overwrite", tmp_path / "doc.txt", "/doc.txt")
    versions = cli.json("versions", "/doc.txt", "--json")
    assert versions["path"] == "/doc.txt"
    assert [(v["version"], v["current"]) for v in versions["items"]] == [(3, True), (2, False), (1, False)]
    lines = cli.ok("versions", "/doc.txt").stdout.splitlines()
    assert len(lines) == 3 and "(current)" in lines[0]
    cli.ok("get", "--version", "1", "/doc.txt", tmp_path / "old.txt")
    assert (tmp_path / "old.txt").read_bytes() == b"first"
    assert cli.ok("get", "--version", "2", "/doc.txt", "-").stdout_bytes == b"second!"
    cli.fails(3, "get", "--version", "2", "/doc.txt", tmp_path / "old.txt")
    cli.ok("get", "--version", "2", "--on-conflict", "rename", "/doc.txt", tmp_path / "old.txt")
    assert (tmp_path / "old (1).txt").read_bytes() == b"second!"
    cli.fails(2, "get", "--version", "9", "/doc.txt", tmp_path / "x.txt")
    assert_usage_error(cli.run("get", "--version", "0", "/doc.txt", tmp_path / "x.txt"))
    assert_usage_error(cli.run("get", "--version", "1", "-r", "/doc.txt", tmp_path / "x.txt"))
    restored = cli.json("restore-version", "/doc.txt", "1", "--json")
    assert restored["sha256"] == sha256_hex(b"first")
    cli.ok("get", "/doc.txt", tmp_path / "now.txt")
    assert (tmp_path / "now.txt").read_bytes() == b"first"
    assert [v["version"] for v in cli.json("versions", "/doc.txt", "--json")["items"]] == [4, 3, 2, 1]
    cli.fails(2, "restore-version", "/doc.txt", "42")
    cli.ok("mkdir", "/F")
    cli.fails(1, "versions", "/F")
    cli.fails(2, "versions", "/missing.txt")


def test_cli_find(module_server, tmp_path):
    cli = fresh_account(module_server, tmp_path)
    cli.ok("mkdir", "-p", "/Work/Reports")
    write(tmp_path / "q3 report.pdf", b"q3")
    cli.ok("put", tmp_path / "q3 report.pdf", "/Work/Reports/")
    write(tmp_path / "notes.txt", b"n")
    cli.ok("put", tmp_path / "notes.txt", "/notes.txt")
    assert cli.ok("find", "report").stdout.splitlines() == ["/Work/Reports/", "/Work/Reports/q3 report.pdf"]
    found = cli.json("find", "REPORT", "--kind", "file", "--json")
    assert found["query"] == "REPORT" and [n["path"] for n in found["items"]] == ["/Work/Reports/q3 report.pdf"]
    assert cli.ok("find", "nothing-like-this").stdout == ""
    long = cli.ok("find", "-l", "notes").stdout
    assert long.startswith("-") and long.rstrip().endswith("/notes.txt")
    assert_usage_error(cli.run("find", "x", "--kind", "dir"))
    cli.fails(1, "find", "x" * 256)
