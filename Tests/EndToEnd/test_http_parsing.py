"""What outside testing found in HTTP and body parsing (issue 9): each test fails on the server
before the fix. Form bodies with repeated keys, `+` in query strings, JSON the RFC forbids,
multipart bodies cut off or carrying a second file part, huge Range numbers, If-Range with a date,
`parent_id: ""`, errors raised before routing, and HEAD of a file whose content is gone."""

from __future__ import annotations

import json
import socket
import time

import requests

from conftest import (API, TIMEOUT, assert_error, http_request_head, read_http_response, sha256_hex,
                      unique_email)

JSON = {"Content-Type": "application/json"}


# --------------------------------------------------------------------------- form bodies


def test_repeated_form_keys_are_400_not_500(module_server):
    for path in ("/auth/login", "/auth/register"):
        for body in ("x=1&x=2", "email=a@example.com&email=b@example.com&password=p", "password=a&password=b"):
            r = requests.post(module_server.url(API + path), data=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT)
            assert_error(r, 400, "invalid_form")


# --------------------------------------------------------------------------- query strings


def test_plus_in_a_query_string_is_a_space(user):
    u = user()
    # What browsers, HTML forms and Python's `params=` send for "a b.txt".
    r = u.session.post(u.url("files/"), params={"name": "a b.txt"}, data=b"spaced",
                       headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert "name=a+b.txt" in r.request.url
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "a b.txt"
    # %2B is a real plus sign.
    r = u.session.post(u.url("files/") + "?name=c%2Bd.txt", data=b"plus",
                       headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "c+d.txt"
    names = sorted(n["name"] for n in u.list_all())
    assert names == ["a b.txt", "c+d.txt"]
    # Every query parameter is decoded the same way: the lookup by name, and keys too.
    r = u.session.get(u.url("files/") + "?name=a+b.txt", timeout=TIMEOUT)
    assert [n["name"] for n in r.json()["items"]] == ["a b.txt"]
    r = u.session.get(u.url("files/") + "?n%61me=c%2Bd.txt", timeout=TIMEOUT)
    assert [n["name"] for n in r.json()["items"]] == ["c+d.txt"]
    folder = u.mkdir("x y")
    r = u.session.post(u.url("folders/") + "?on_conflict=rename", json={"name": "x y"}, timeout=TIMEOUT)
    assert r.status_code == 201 and r.json()["name"] == "x y (1)", r.text
    r = u.session.post(u.url("files/") + f"?name=in+folder.txt&parent_id={folder['id']}", data=b"in",
                       headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert r.status_code == 201 and r.json()["path"] == "/x y/in folder.txt", r.text


# --------------------------------------------------------------------------- JSON


def test_json_the_rfc_forbids_is_invalid_json(module_server, user):
    u = user()
    folder = u.mkdir("target")
    bad_bodies = [
        b'{"name": "x",}',          # trailing comma in an object
        b'{"name": "x"} trailing',   # garbage after the value
        b"{'name': 'x'}",            # single quotes
        b'{name: "x"}',              # unquoted key
        b'{"name": "x" /* c */}',    # comment
        b'{"name": "x", "n": NaN}',  # NaN
        b'{"name": "x", "n": 01}',   # leading zero
        b'{"name": "x", "l": [1,]}',  # trailing comma in an array
        b'{"name": "a\tb"}',         # raw control character in a string
        b'[' * 200 + b']' * 200,     # nesting deeper than anyone needs
    ]
    for body in bad_bodies:
        r = u.session.post(u.url("folders/"), data=body, headers=JSON, timeout=TIMEOUT)
        assert_error(r, 400, "invalid_json")
        r = u.session.put(u.url(f"folders/{folder['id']}"), data=body, headers=JSON, timeout=TIMEOUT)
        assert_error(r, 400, "invalid_json")
        for path in ("/auth/login", "/auth/register"):
            r = requests.post(module_server.url(API + path), data=body, headers=JSON, timeout=TIMEOUT)
            assert_error(r, 400, "invalid_json")
    assert [n["name"] for n in u.list_all()] == ["target"]
    # What the RFC allows still works: white space, escapes, exponents, nesting within bounds.
    r = u.session.post(u.url("folders/"), data=b' {\r\n "name" : "caf\\u00e9 \\"q\\"", "parent_id" : null } ',
                       headers=JSON, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == 'café "q"'
    r = requests.post(module_server.url(API + "/auth/register"), headers=JSON, timeout=TIMEOUT,
                      data=('{"fullname": "E", "email": "%s", "password": "correct horse", '
                            '"password_conf": "correct horse", "extra": [1.5e3, -0.25, true, false, {}]}'
                            % unique_email()).encode())
    assert r.status_code == 201, r.text


# --------------------------------------------------------------------------- multipart


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZ", close: bool = True) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode()
    return out


def post_form(u, body: bytes, boundary: str = "XyZ"):
    return u.session.post(u.url("files/"), data=body, timeout=TIMEOUT,
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_multipart_without_its_closing_delimiter_stores_nothing(user):
    u = user()
    cut_bodies = [
        # The file part complete, a later part cut off in its value.
        multipart([("file", "a.txt", b"hello")], close=False)
        + b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nrenam',
        # The file part complete, then nothing: no delimiter after it at all.
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\n\r\nhello',
        # Every part complete, the close delimiter missing.
        multipart([("file", "c.txt", b"hello"), ("name", None, b"d.txt")], close=False),
        # Cut inside the close delimiter.
        multipart([("file", "e.txt", b"hello")], close=False) + b"--XyZ-",
    ]
    for body in cut_bodies:
        r = post_form(u, body)
        assert_error(r, 400)
    assert u.list_all() == []
    assert u.server.tmp_files() == []
    # The same bodies, closed, are stored.
    r = post_form(u, multipart([("file", "c.txt", b"hello"), ("name", None, b"d.txt")]))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "d.txt"


def test_a_second_file_part_is_ignored_whatever_its_size(user):
    u = user()
    second = bytes(range(256)) * 64  # 16 KiB, over the 4 KiB limit of a text field
    body = multipart([("file", "first.txt", b"the first"), ("file", "second.bin", second)])
    r = post_form(u, body)
    assert r.status_code == 201, r.text
    node = r.json()
    assert node["name"] == "first.txt"
    assert node["sha256"] == sha256_hex(b"the first")
    assert u.session.get(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT).content == b"the first"
    assert [n["name"] for n in u.list_all()] == ["first.txt"]


def test_the_close_delimiter_may_straddle_chunks(user):
    """The body streamed in small pieces, the close delimiter split over two of them."""
    u = user()
    body = multipart([("file", "pieces.bin", bytes(range(256)) * 300)])

    def pieces():
        for i in range(0, len(body), 7):
            yield body[i:i + 7]

    r = u.session.post(u.url("files/"), data=pieces(), timeout=TIMEOUT,
                       headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
    assert r.status_code == 201, r.text
    assert r.json()["size"] == 256 * 300


# --------------------------------------------------------------------------- Range and If-Range


def test_range_numbers_past_int64(user):
    u = user()
    data = b"0123456789"
    node = u.upload("digits.txt", data)
    url = u.url(f"files/{node['id']}/content")
    r = u.session.get(url, headers={"Range": "bytes=0-99999999999999999999"}, timeout=TIMEOUT)
    assert r.status_code == 206
    assert r.headers["Content-Range"] == "bytes 0-9/10"
    assert r.content == data
    r = u.session.get(url, headers={"Range": "bytes=3-99999999999999999999999999"}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == data[3:]
    r = u.session.get(url, headers={"Range": "bytes=99999999999999999999-"}, timeout=TIMEOUT)
    assert_error(r, 416, "range_not_satisfiable")
    assert r.headers["Content-Range"] == "bytes */10"
    r = u.session.get(url, headers={"Range": "bytes=-99999999999999999999"}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == data
    # Not digits: the header is ignored, as before.
    r = u.session.get(url, headers={"Range": "bytes=0-9x"}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == data


def test_if_range_with_a_date_never_glues_two_versions(user):
    """v1 and v2 within one second share a Last-Modified date; a resumed download that sends that
    date must get v2 whole, never v1's head and v2's tail."""
    u = user()
    v1 = b"A" * 1000
    v2 = b"B" * 1000
    for _ in range(5):
        node = u.upload(f"v-{time.monotonic_ns()}.bin", v1)
        url = u.url(f"files/{node['id']}/content")
        head = u.session.get(url, headers={"Range": "bytes=0-499"}, timeout=TIMEOUT)
        date = head.headers["Last-Modified"]
        r = u.session.put(u.url(f"files/{node['id']}"), data=v2, headers={"Content-Type": "application/octet-stream"},
                          timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        if u.session.head(url, timeout=TIMEOUT).headers["Last-Modified"] == date:
            break
    else:
        raise AssertionError("could not replace the content within one second")
    r = u.session.get(url, headers={"Range": "bytes=500-", "If-Range": date}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == v2
    # A weak tag never validates a range either; the strong current tag does.
    etag = r.headers["ETag"]
    r = u.session.get(url, headers={"Range": "bytes=500-", "If-Range": "W/" + etag}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == v2
    r = u.session.get(url, headers={"Range": "bytes=500-", "If-Range": etag}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == v2[500:]
    r = u.session.get(url, headers={"Range": "bytes=500-", "If-Range": node["etag"]}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == v2


# --------------------------------------------------------------------------- parent_id ""


def test_empty_parent_id_is_400_everywhere(user):
    u = user()
    folder = u.mkdir("f")
    file = u.upload("a.txt", b"a")
    checks = [
        u.session.post(u.url("folders/"), json={"name": "g", "parent_id": ""}, timeout=TIMEOUT),
        u.session.get(u.url("files/") + "?parent_id=", timeout=TIMEOUT),
        u.session.get(u.url("files/") + "?parent_id=&name=a.txt", timeout=TIMEOUT),
        u.session.post(u.url("files/") + "?name=b.txt&parent_id=", data=b"b",
                       headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT),
        post_form(u, multipart([("parent_id", None, b""), ("file", "c.txt", b"c")])),
        u.session.put(u.url(f"files/{file['id']}"), json={"parent_id": ""}, timeout=TIMEOUT),
        u.session.put(u.url(f"folders/{folder['id']}"), json={"parent_id": ""}, timeout=TIMEOUT),
    ]
    for r in checks:
        body = assert_error(r, 400, "validation_failed")
        assert "parent_id" in body["fields"], body
    assert sorted(n["name"] for n in u.list_all()) == ["a.txt", "f"]
    assert u.list_all(folder["id"]) == []
    # null (or leaving it out) is the root.
    r = u.session.put(u.url(f"files/{file['id']}"), json={"parent_id": folder["id"]}, timeout=TIMEOUT)
    assert r.status_code == 200
    r = u.session.put(u.url(f"files/{file['id']}"), json={"parent_id": None}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["parent_id"] is None


# --------------------------------------------------------------------------- before routing


def raw_exchange(server, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        return read_http_response(sock)


def assert_json_error(status_headers_body, status: int, code: str) -> None:
    status_code, headers, body = status_headers_body
    assert status_code == status, (status_code, body)
    assert headers["content-type"].startswith("application/json"), headers
    assert headers.get("x-request-id"), headers
    parsed = json.loads(body)
    assert parsed["code"] == code and parsed["message"], parsed


def test_errors_before_routing_have_the_json_body_and_status(module_server):
    host = f"127.0.0.1:{module_server.port}"
    long_uri = "/api/v1/auth/me?" + "a" * (100 * 1024)
    assert_json_error(raw_exchange(module_server, http_request_head("GET", long_uri, host, {})), 414, "uri_too_long")
    big_header = {"X-Big": "b" * (100 * 1024)}
    assert_json_error(raw_exchange(module_server, http_request_head("GET", "/health", host, big_header)), 431,
                      "request_head_too_large")
    many = {f"X-H{i}": "v" * 100 for i in range(1200)}
    assert_json_error(raw_exchange(module_server, http_request_head("GET", "/health", host, many)), 431,
                      "request_head_too_large")
    twice = http_request_head("POST", "/api/v1/auth/login", host, {}).replace(
        b"\r\n\r\n", b"\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
    assert_json_error(raw_exchange(module_server, twice), 400, "bad_request")
    garbage = b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"
    assert_json_error(raw_exchange(module_server, garbage), 400, "bad_request")
    bad_chunked = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                   b"Content-Length: 5\r\n\r\nzz\r\n")
    assert_json_error(raw_exchange(module_server, bad_chunked), 400, "bad_request")
    # The server still answers normally afterwards.
    assert requests.get(module_server.url("/health"), timeout=TIMEOUT).status_code == 200


# --------------------------------------------------------------------------- HEAD of missing content


def test_head_of_missing_content_answers_as_get_does(user):
    u = user()
    data = b"soon gone " * 10
    node = u.upload("gone.txt", data)
    blob = u.server.blob_path(node["sha256"])
    moved = blob.with_name(blob.name + ".aside")
    blob.rename(moved)
    try:
        url = u.url(f"files/{node['id']}/content")
        get = u.session.get(url, timeout=TIMEOUT)
        assert_error(get, 500, "content_missing")
        head = u.session.head(url, timeout=TIMEOUT)
        assert head.status_code == get.status_code == 500
        assert "server error" in u.server.log_text() and "blobMissing" in u.server.log_text()
    finally:
        moved.rename(blob)
    assert u.session.head(u.url(f"files/{node['id']}/content"), timeout=TIMEOUT).status_code == 200


# --------------------------------------------------------------------------- found by schemathesis


def test_a_malformed_content_sha256_is_refused_before_the_body(user):
    u = user()
    node = u.upload("a.txt", b"a")
    for bad in ("", "xyz", "0" * 63, "g" * 64, "0" * 65):
        headers = {"X-Content-SHA256": bad}
        r = u.upload_raw("b.txt", b"b", headers=headers)
        body = assert_error(r, 400, "validation_failed")
        assert "X-Content-SHA256" in body["fields"]
        r = u.session.post(u.url("files/"), files={"file": ("c.txt", b"c")}, headers=headers, timeout=TIMEOUT)
        assert_error(r, 400, "validation_failed")
        r = u.session.put(u.url(f"files/{node['id']}"), data=b"new", timeout=TIMEOUT,
                          headers={**headers, "Content-Type": "application/octet-stream"})
        assert_error(r, 400, "validation_failed")
        r = u.session.put(u.url(f"files/{node['id']}"), json={"name": "renamed.txt"}, headers=headers, timeout=TIMEOUT)
        assert_error(r, 400, "validation_failed")
    assert [n["name"] for n in u.list_all()] == ["a.txt"]
    # Upper-case hex is the same digest.
    r = u.upload_raw("d.txt", b"d", headers={"X-Content-SHA256": sha256_hex(b"d").upper()})
    assert r.status_code == 201, r.text


def test_account_field_lengths_count_code_points(module_server):
    """JSON Schema's minLength/maxLength count code points; so does the server (it counted grapheme
    clusters: "aaaaaaa\u0301" was 7 characters)."""
    combining = "aaaaaaa\u0301"  # 8 code points, 7 graphemes
    r = requests.post(module_server.url(API + "/auth/register"), json={
        "fullname": "A", "email": unique_email(), "password": combining, "password_conf": combining}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    too_long = "e\u0301" * 101  # 202 code points, 101 graphemes
    r = requests.post(module_server.url(API + "/auth/register"), json={
        "fullname": too_long, "email": unique_email(), "password": "correct horse", "password_conf": "correct horse"},
        timeout=TIMEOUT)
    body = assert_error(r, 400, "validation_failed")
    assert "fullname" in body["fields"]
