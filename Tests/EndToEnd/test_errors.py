"""Bad input over HTTP: every error has the contract's shape, status and code, and leaks nothing."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import statistics
import time
import unicodedata
import uuid

import pytest
import requests

from conftest import (API, PASSWORD, TIMEOUT, assert_error, assert_no_leak, login, register, sha256_hex,
                      unique_email, wait_until)


def post_register(server, body, **kw):
    return requests.post(server.url(f"{API}/auth/register"), timeout=TIMEOUT, **kw) if body is None else \
        requests.post(server.url(f"{API}/auth/register"), json=body, timeout=TIMEOUT, **kw)


def all_field_text(body: dict) -> str:
    return body.get("message", "") + " " + " ".join((body.get("fields") or {}).values())


# --------------------------------------------------------------------------- JSON and registration


def test_malformed_json(module_server, user):
    for path in ("/auth/register", "/auth/login"):
        r = requests.post(module_server.url(API + path), data=b'{"email": "a@b.c", ',
                          headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
        assert_error(r, 400, "invalid_json")
    u = user()
    r = u.session.post(u.url("folders/"), data=b"{nope", headers={"Content-Type": "application/json"},
                       timeout=TIMEOUT)
    assert_error(r, 400, "invalid_json")
    folder = u.mkdir("f")
    r = u.session.put(u.url(f"files/{folder['id']}"), data=b'{"name": ', headers={"Content-Type": "application/json"},
                      timeout=TIMEOUT)
    assert_error(r, 400, "invalid_json")
    # Valid JSON of the wrong shape is bad input too, never a 500.
    for body in (b"[]", b'"text"', b"42"):
        for path in ("/auth/register", "/auth/login"):
            r = requests.post(module_server.url(API + path), data=body,
                              headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
            assert_error(r, 400, "invalid_json")
        r = u.session.post(u.url("folders/"), data=body, headers={"Content-Type": "application/json"},
                           timeout=TIMEOUT)
        assert_error(r, 400, "invalid_json")
    r = requests.post(module_server.url(API + "/auth/register"), data=b'{"email": 5, "password": []}',
                      headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert_error(r, 400)
    # Neither JSON nor a form: 415.
    for path in ("/auth/register", "/auth/login"):
        r = requests.post(module_server.url(API + path), data=b"email=a@b.cd",
                          headers={"Content-Type": "text/plain"}, timeout=TIMEOUT)
        assert_error(r, 415, "unsupported_media_type")


def test_register_missing_fields(module_server):
    r = post_register(module_server, {})
    body = assert_error(r, 400, "validation_failed")
    fields = body["fields"]
    assert set(fields) >= {"fullname", "email", "password", "password_conf"}, fields
    assert fields["email"] == "You need to enter your e-mail address"
    for v in fields.values():
        assert isinstance(v, str) and v

    r = post_register(module_server, {"fullname": "A", "email": unique_email()})
    fields = assert_error(r, 400, "validation_failed")["fields"]
    assert set(fields) >= {"password", "password_conf"} and "email" not in fields and "fullname" not in fields

    # The same through a form.
    r = requests.post(module_server.url(f"{API}/auth/register"), data={"fullname": "A"}, timeout=TIMEOUT)
    fields = assert_error(r, 400, "validation_failed")["fields"]
    assert fields["email"] == "You need to enter your e-mail address"


def test_register_invalid_values(module_server):
    good = {"fullname": "Grace", "email": unique_email(), "password": PASSWORD, "password_conf": PASSWORD}

    r = post_register(module_server, {**good, "password_conf": PASSWORD + "!"})
    body = assert_error(r, 400)
    assert "Password and Confirm password need to be the same value" in all_field_text(body), body

    r = post_register(module_server, {**good, "email": "not-an-address"})
    assert "email" in assert_error(r, 400, "validation_failed")["fields"]

    r = post_register(module_server, {**good, "password": "short", "password_conf": "short"})
    assert "password" in assert_error(r, 400, "validation_failed")["fields"]

    long_pw = "p" * 1025
    r = post_register(module_server, {**good, "password": long_pw, "password_conf": long_pw})
    assert "password" in assert_error(r, 400, "validation_failed")["fields"]

    for fullname in ("   ", "n" * 201):
        r = post_register(module_server, {**good, "fullname": fullname})
        assert "fullname" in assert_error(r, 400, "validation_failed")["fields"]

    # None of these created the account.
    assert post_register(module_server, good).status_code == 201


def test_duplicate_email_case_insensitive(module_server):
    local = uuid.uuid4().hex
    assert register(module_server, f"{local}@example.com").status_code == 201
    for variant in (f"{local.upper()}@EXAMPLE.COM", f"  {local}@Example.com  ", f"{local}@example.com"):
        assert_error(register(module_server, variant), 409, "email_taken")
    for variant in (f"{local.upper()}@Example.Com", f"  {local}@example.com\t"):
        r = login(module_server, variant)
        assert r.status_code == 200, (variant, r.text)


def test_bad_credentials_same_answer(module_server):
    email = unique_email()
    assert register(module_server, email).status_code == 201
    wrong_times, unknown_times, messages = [], [], set()
    for _ in range(3):
        t = time.monotonic()
        r = login(module_server, email, "wrong password!")
        wrong_times.append(time.monotonic() - t)
        messages.add(assert_error(r, 401, "invalid_credentials")["message"])
        t = time.monotonic()
        r = login(module_server, unique_email(), PASSWORD)
        unknown_times.append(time.monotonic() - t)
        messages.add(assert_error(r, 401, "invalid_credentials")["message"])
    assert messages == {"The e-mail address or password is incorrect."}, messages
    # About the same response time (an unknown e-mail must not skip the slow hash).
    w, u = statistics.median(wrong_times), statistics.median(unknown_times)
    assert u > 0.4 * w and w > 0.4 * u, (wrong_times, unknown_times)


def test_login_missing_fields(module_server):
    r = requests.post(module_server.url(f"{API}/auth/login"), json={"email": unique_email()}, timeout=TIMEOUT)
    assert "password" in assert_error(r, 400, "validation_failed")["fields"]
    r = requests.post(module_server.url(f"{API}/auth/login"), json={}, timeout=TIMEOUT)
    fields = assert_error(r, 400, "validation_failed")["fields"]
    assert fields["email"] == "You need to enter your e-mail address"
    assert "password" in fields


def test_form_urlencoded_register_and_login(module_server):
    email = unique_email()
    r = requests.post(module_server.url(f"{API}/auth/register"), data={
        "fullname": "Form User", "email": email, "password": PASSWORD, "password_conf": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    assert r.json()["message"] == "Successfully created your account."
    uid = r.json()["id"]
    r = requests.post(module_server.url(f"{API}/auth/login"), data={"email": email, "password": PASSWORD},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == uid
    me = requests.get(module_server.url(f"{API}/auth/me"), headers={"Authorization": f"Bearer {r.json()['token']}"},
                      timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["fullname"] == "Form User"


# --------------------------------------------------------------------------- tokens


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict, key: bytes, alg: str = "HS256") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    if alg == "none":
        return f"{header}.{payload}."
    sig = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(sig)}"


def test_missing_and_garbage_tokens(user):
    u = user()
    url = u.url("files/")
    assert_error(requests.get(url, timeout=TIMEOUT), 401, "unauthorized")
    assert_error(requests.get(u.api("/auth/me"), timeout=TIMEOUT), 401, "unauthorized")
    assert_error(requests.post(u.api("/auth/logout"), timeout=TIMEOUT), 401, "unauthorized")
    now = int(time.time())
    claims = {"sub": u.id, "id": u.id, "iat": now, "exp": now + 3600, "jti": str(uuid.uuid4())}
    for auth in ("Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", f"Basic {b64url(b'x:y')}",
                 u.token, "Bearer " + u.token[:-4] + ("AAAA" if not u.token.endswith("AAAA") else "BBBB"),
                 "Bearer " + make_jwt(claims, b"not the server's key at all, 32+ bytes"),
                 "Bearer " + make_jwt(claims, b"", alg="none")):
        r = requests.get(url, headers={"Authorization": auth}, timeout=TIMEOUT)
        assert_error(r, 401)
    # The real token still works.
    assert u.session.get(url, timeout=TIMEOUT).status_code == 200


def test_secret_key_env_and_token_expiry(tmp_path_factory):
    from conftest import start_server, new_user

    key = "end-to-end secret key, long enough: 0123456789abcdef"
    srv = start_server(tmp_path_factory, "keyed", env={"PAPERS_SECRET_KEY": key, "PAPERS_TOKEN_TTL": "4"})
    try:
        assert not (srv.data_dir / "secret.key").exists()
        u = new_user(srv)
        exp = dt.datetime.strptime(u.login_body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=dt.timezone.utc).timestamp()
        assert abs(exp - (time.time() + 4)) < 3, u.login_body
        me = u.api("/auth/me")
        assert u.session.get(me, timeout=TIMEOUT).status_code == 200

        now = int(time.time())
        claims = {"sub": u.id, "id": u.id, "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())}
        good = make_jwt(claims, key.encode())
        r = requests.get(me, headers={"Authorization": f"Bearer {good}"}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text  # the key from the environment signs tokens
        # Tokens the server could not have issued: no exp, no jti, an unknown user.
        no_exp = {k: v for k, v in claims.items() if k != "exp"}
        no_jti = {k: v for k, v in claims.items() if k != "jti"}
        stranger = str(uuid.uuid4())
        for bad in (no_exp, no_jti, {**claims, "sub": stranger, "id": stranger}):
            r = requests.get(me, headers={"Authorization": f"Bearer {make_jwt(bad, key.encode())}"}, timeout=TIMEOUT)
            assert_error(r, 401)
        expired = make_jwt({**claims, "iat": now - 100, "exp": now - 50}, key.encode())
        assert_error(requests.get(me, headers={"Authorization": f"Bearer {expired}"}, timeout=TIMEOUT), 401,
                     "token_expired")

        time.sleep(5.5)
        assert_error(u.session.get(me, timeout=TIMEOUT), 401, "token_expired")
        assert_error(u.session.get(u.url("files/"), timeout=TIMEOUT), 401, "token_expired")
    finally:
        srv.close()


def test_login_throttling(server):
    victim, bystander = unique_email(), unique_email()
    assert register(server, victim).status_code == 201
    assert register(server, bystander).status_code == 201
    for i in range(10):
        assert_error(login(server, victim, f"wrong password {i}"), 401, "invalid_credentials")
    r = login(server, victim, "wrong again")
    assert_error(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) > 0
    # Locked even with the right password, for now...
    r = login(server, victim.upper(), PASSWORD)
    assert_error(r, 429, "too_many_attempts")
    # ...but one attacked account does not lock out the others from the same address.
    assert login(server, bystander, PASSWORD).status_code == 200


@pytest.mark.timeout(300)
def test_login_throttling_per_address(server):
    """About 100 failures from one address lock that address out, whatever the e-mail."""
    from concurrent.futures import ThreadPoolExecutor

    victims = [unique_email() for _ in range(10)]
    fresh = unique_email()
    assert register(server, fresh).status_code == 201

    def ten_failures(email):
        return [login(server, email, "not the password").status_code for _ in range(10)]

    with ThreadPoolExecutor(4) as pool:
        codes = [c for batch in pool.map(ten_failures, victims) for c in batch]
    assert codes == [401] * 100, codes
    r = login(server, fresh, PASSWORD)
    assert_error(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) > 0


# --------------------------------------------------------------------------- names


BAD_NAMES = [".", "..", "a/b", "/", "x\x01y", "tab\there", "nul\x00", " lead", "trail ", "", "n" * 256,
             "é" * 128]


def test_bad_names(user):
    u = user()
    folder = u.mkdir("ok")
    node = u.upload("fine.txt", b"fine")
    def bad_name(r):
        body = assert_error(r, 400, "validation_failed")
        assert "name" in (body.get("fields") or {}), body

    for name in BAD_NAMES:
        bad_name(u.mkdir_raw(name))
        bad_name(u.upload_raw(name, b"data"))
        bad_name(u.session.put(u.url(f"files/{node['id']}"), json={"name": name}, timeout=TIMEOUT))
        bad_name(u.session.put(u.url(f"folders/{folder['id']}"), json={"name": name}, timeout=TIMEOUT))
        if name:  # (an empty name field may fairly count as absent)
            bad_name(u.session.post(u.url("files/"), files={"file": ("x.txt", b"d")}, data={"name": name},
                                    timeout=TIMEOUT))
    # A raw upload without a name; a folder without one.
    r = u.session.post(u.url("files/"), data=b"x", headers={"Content-Type": "application/octet-stream"},
                       timeout=TIMEOUT)
    assert_error(r, 400, "validation_failed")
    r = u.session.post(u.url("folders/"), json={"parent_id": None}, timeout=TIMEOUT)
    assert_error(r, 400)
    # A multipart body without a file part; an unknown on_conflict (codes: see test_bad_request_codes).
    r = u.session.post(u.url("files/"), files={"other": ("x.txt", b"d")}, timeout=TIMEOUT)
    assert_error(r, 400)
    assert_error(u.upload_raw("fresh.txt", b"x", on_conflict="explode"), 400)
    assert_error(u.mkdir_raw("fresh", on_conflict="explode"), 400)
    # The limits themselves are fine: 255 bytes, inner spaces, unicode.
    assert u.upload("n" * 255, b"x")["name"] == "n" * 255
    assert u.upload("é" * 127 + "x", b"x")["name"] == "é" * 127 + "x"
    assert u.mkdir("inner  spaces ok")["name"] == "inner  spaces ok"
    names = sorted(i["name"] for i in u.list_all())
    assert names == sorted(["ok", "fine.txt", "n" * 255, "é" * 127 + "x", "inner  spaces ok"])
    assert u.get_node(node["id"]).json()["name"] == "fine.txt"


def test_folder_without_name_is_validation_failed(user):
    """docs/api.md 9.15: `name` missing is 400 `validation_failed` (with fields.name), like an upload
    without a name."""
    u = user()
    for body in ({"parent_id": None}, {}):
        r = u.session.post(u.url("folders/"), json=body, timeout=TIMEOUT)
        assert "name" in (assert_error(r, 400, "validation_failed").get("fields") or {})


def test_name_conflicts(user):
    u = user()
    first = u.upload("x.txt", b"one")
    assert_error(u.upload_raw("x.txt", b"two"), 409, "name_conflict")
    r = u.session.post(u.url("files/"), files={"file": ("x.txt", b"three")}, timeout=TIMEOUT)
    assert_error(r, 409, "name_conflict")
    assert u.upload("x.txt", b"two", on_conflict="rename")["name"] == "x (1).txt"
    assert u.upload("x.txt", b"three", on_conflict="rename")["name"] == "x (2).txt"
    assert u.upload("X.txt", b"case differs")["name"] == "X.txt"  # exact match only

    # A folder and a file share one namespace.
    u.mkdir("notes")
    assert_error(u.mkdir_raw("notes"), 409, "name_conflict")
    assert_error(u.upload_raw("notes", b"file"), 409, "name_conflict")
    assert u.mkdir("notes", on_conflict="rename")["name"] == "notes (1)"
    assert u.upload("notes", b"file", on_conflict="rename")["name"] == "notes (2)"
    u.upload(".profile", b"p")
    assert u.upload(".profile", b"p", on_conflict="rename")["name"] == ".profile (1)"
    u.upload("archive.tar.gz", b"a")
    assert u.upload("archive.tar.gz", b"a", on_conflict="rename")["name"] == "archive.tar (1).gz"

    # NFC and NFD spellings are the same name.
    u.upload(unicodedata.normalize("NFC", "Café.txt"), b"c")
    assert_error(u.upload_raw(unicodedata.normalize("NFD", "Café.txt"), b"c"), 409, "name_conflict")

    # Rename and move into a taken name.
    other = u.upload("other.txt", b"other")
    r = u.session.put(u.url(f"files/{other['id']}"), json={"name": "x.txt"}, timeout=TIMEOUT)
    assert_error(r, 409, "name_conflict")
    r = u.session.put(u.url(f"files/{other['id']}"), params={"on_conflict": "rename"}, json={"name": "x.txt"},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "x (3).txt"
    sub = u.mkdir("sub")
    u.upload("x.txt", b"in sub", sub["id"])
    r = u.session.put(u.url(f"files/{first['id']}"), json={"parent_id": sub["id"]}, timeout=TIMEOUT)
    assert_error(r, 409, "name_conflict")
    assert u.get_node(first["id"]).json()["parent_id"] is None

    # on_conflict=overwrite replaces the content of the file of that name: 200, same id.
    r = u.upload_raw("x.txt", b"overwritten", on_conflict="overwrite")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == first["id"]
    assert r.json()["sha256"] == sha256_hex(b"overwritten")
    assert_error(u.upload_raw("notes", b"folder there", on_conflict="overwrite"), 409, "name_conflict")

    root_names = [i["name"] for i in u.list_all()]
    assert len(root_names) == len(set(root_names))
    assert root_names.count("x.txt") == 1


# --------------------------------------------------------------------------- listing and tree errors


def test_list_query_errors(user):
    u = user()
    f = u.upload("f.txt", b"f")
    got = []
    for params in ({"limit": 0}, {"limit": 1001}, {"limit": -1}, {"limit": "abc"}, {"sort": "colour"},
                   {"order": "sideways"}, {"cursor": "not-a-cursor!!"}):
        folder_url = u.url(f"folders/{u.mkdir('d-' + uuid.uuid4().hex[:6])['id']}")
        for r in (u.list_page(**params), u.session.get(folder_url, params=params, timeout=TIMEOUT)):
            body = assert_error(r, 400)
            got.append((params, body["code"]))
    assert all(code in ("bad_request", "validation_failed") for _, code in got), got
    assert u.list_page(limit=1000).status_code == 200
    assert u.list_page(limit=1).status_code == 200

    # parent_id naming a file: 400; unknown: 404.
    assert_error(u.list_page(f["id"]), 400, "not_a_folder")
    assert_error(u.list_page(str(uuid.uuid4())), 404, "not_found")
    r = u.list_page("definitely-not-an-id")
    assert r.status_code in (400, 404)
    assert_error(r, r.status_code)


BAD_LIST_QUERIES = ({"limit": 0}, {"limit": 1001}, {"sort": "colour"}, {"order": "sideways"},
                    {"cursor": "not-a-cursor!!"})


def test_bad_parameters_are_validation_errors_naming_the_field(user):
    """docs/api.md (errors table, 9.6, 9.7, 9.16): a bad limit, sort, order or cursor, an unknown
    on_conflict, and a multipart body without a `file` part are 400 `validation_failed`, with
    `fields` naming the parameter."""
    u = user()
    got = {}
    for params in BAD_LIST_QUERIES:
        got[f"list {params}"] = (assert_error(u.list_page(**params), 400), next(iter(params)))
    got["upload on_conflict=explode"] = (assert_error(u.upload_raw("a.txt", b"x", on_conflict="explode"), 400), "on_conflict")
    got["mkdir on_conflict=explode"] = (assert_error(u.mkdir_raw("a", on_conflict="explode"), 400), "on_conflict")
    r = u.session.post(u.url("files/"), files={"other": ("x.txt", b"d")}, timeout=TIMEOUT)
    got["multipart without file part"] = (assert_error(r, 400), "file")
    wrong = {k: body for k, (body, field) in got.items()
             if body["code"] != "validation_failed" or field not in (body.get("fields") or {})}
    assert not wrong, f"expected validation_failed naming the field, got: {wrong}"


def test_cursor_only_valid_for_its_listing(user):
    """docs/api.md section 6: a cursor is valid only with the parent_id, sort and order that produced it."""
    u = user()
    for name in ("f.txt", "g.txt", "h.txt"):
        u.upload(name, b"x")
    folder = u.mkdir("elsewhere")
    u.upload("inside.txt", b"i", folder["id"])
    cursor = u.list_page(limit=1).json()["next_cursor"]
    assert cursor
    accepted = {}
    for params in ({"sort": "size"}, {"order": "desc"}, {"parent_id": folder["id"]}):
        r = u.list_page(limit=1, cursor=cursor, **params)
        if r.status_code != 400:
            accepted[str(params)] = (r.status_code, r.text[:200])
        else:
            assert_error(r, 400)
    assert not accepted, f"a root/name/asc cursor was accepted for: {accepted}"


def test_parent_errors(user):
    u = user()
    f = u.upload("f.txt", b"f")
    folder = u.mkdir("d")
    unknown = str(uuid.uuid4())

    assert_error(u.upload_raw("a.txt", b"a", parent_id=f["id"]), 400, "not_a_folder")
    assert_error(u.mkdir_raw("a", parent_id=f["id"]), 400, "not_a_folder")
    r = u.session.put(u.url(f"folders/{folder['id']}"), json={"parent_id": f["id"]}, timeout=TIMEOUT)
    assert_error(r, 400, "not_a_folder")
    r = u.session.post(u.url("files/"), data={"parent_id": f["id"]}, files={"file": ("m.txt", b"m")}, timeout=TIMEOUT)
    assert_error(r, 400, "not_a_folder")

    assert_error(u.upload_raw("a.txt", b"a", parent_id=unknown), 404, "not_found")
    assert_error(u.mkdir_raw("a", parent_id=unknown), 404, "not_found")
    r = u.session.put(u.url(f"files/{f['id']}"), json={"parent_id": unknown}, timeout=TIMEOUT)
    assert_error(r, 404, "not_found")

    # Unknown node ids on every node route.
    for method, path in (("GET", f"files/{unknown}"), ("GET", f"files/{unknown}/content"),
                         ("HEAD", f"files/{unknown}/content"), ("DELETE", f"files/{unknown}"),
                         ("GET", f"folders/{unknown}"), ("DELETE", f"folders/{unknown}")):
        r = u.session.request(method, u.url(path), timeout=TIMEOUT)
        assert r.status_code == 404, (method, path, r.status_code)
        if method != "HEAD":
            assert_error(r, 404, "not_found")
    r = u.session.put(u.url(f"files/{unknown}"), json={"name": "n"}, timeout=TIMEOUT)
    assert_error(r, 404, "not_found")

    # Content routes on a folder: 400; /folders/<file id>: 404.
    assert_error(u.session.get(u.url(f"files/{folder['id']}/content"), timeout=TIMEOUT), 400, "is_a_folder")
    r = u.session.put(u.url(f"files/{folder['id']}"), data=b"content",
                      headers={"Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert_error(r, 400, "is_a_folder")
    assert_error(u.session.get(u.url(f"folders/{f['id']}"), timeout=TIMEOUT), 404, "not_found")
    r = u.session.put(u.url(f"folders/{f['id']}"), json={"name": "z"}, timeout=TIMEOUT)
    assert_error(r, 404, "not_found")
    assert_error(u.session.delete(u.url(f"folders/{f['id']}"), timeout=TIMEOUT), 404, "not_found")
    assert u.get_node(f["id"]).status_code == 200

    # Nothing was created by any of that.
    assert sorted(i["name"] for i in u.list_all()) == ["d", "f.txt"]
    assert u.list_all(folder["id"]) == []


def test_move_folder_into_own_subtree(user):
    u = user()
    a = u.mkdir("a")
    b = u.mkdir("b", a["id"])
    c = u.mkdir("c", b["id"])
    for target in (a, b, c):
        r = u.session.put(u.url(f"folders/{a['id']}"), json={"parent_id": target["id"]}, timeout=TIMEOUT)
        assert_error(r, 409, "move_into_own_subtree")
        r = u.session.put(u.url(f"files/{a['id']}"), json={"parent_id": target["id"]}, timeout=TIMEOUT)
        assert_error(r, 409, "move_into_own_subtree")
    assert u.get_node(a["id"]).json()["parent_id"] is None
    assert u.get_node(c["id"]).json()["path"] == "/a/b/c"
    # Moving down a level elsewhere is fine.
    r = u.session.put(u.url(f"folders/{c['id']}"), json={"parent_id": a["id"]}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["path"] == "/a/c"


# --------------------------------------------------------------------------- uploads


def test_checksum_mismatch_stores_nothing(user):
    u = user()
    data = b"checksummed " + uuid.uuid4().bytes
    wrong = sha256_hex(b"something else")
    r = u.upload_raw("sum.txt", data, headers={"X-Content-SHA256": wrong})
    assert_error(r, 400, "checksum_mismatch")
    r = u.session.post(u.url("files/"), files={"file": ("sum.txt", data)}, headers={"X-Content-SHA256": wrong},
                       timeout=TIMEOUT)
    assert_error(r, 400, "checksum_mismatch")
    assert u.list_all() == []
    assert not u.server.blob_path(sha256_hex(data)).exists()
    assert u.server.tmp_files() == []

    r = u.upload_raw("sum.txt", data, headers={"X-Content-SHA256": sha256_hex(data)})
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == sha256_hex(data)


def test_unsupported_media_types_for_upload(user):
    u = user()
    r = u.session.post(u.url("files/"), params={"name": "a.json"}, data=b'{"a": 1}',
                       headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert_error(r, 415, "unsupported_media_type")
    r = u.session.post(u.url("files/"), params={"name": "a.txt"}, data=b"a=1",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT)
    assert_error(r, 415, "unsupported_media_type")
    assert u.list_all() == []
    # Any other type is a raw upload.
    r = u.session.post(u.url("files/"), params={"name": "page.html"}, data=b"<p>hi</p>",
                       headers={"Content-Type": "text/html"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text


# --------------------------------------------------------------------------- routing and headers


def test_method_not_allowed(user):
    u = user()
    f = u.upload("f.txt", b"f")
    for method, path in (("PATCH", f"files/{f['id']}"), ("PATCH", "files/"), ("DELETE", "files/"),
                         ("POST", f"files/{f['id']}"), ("PATCH", f"files/{f['id']}/content")):
        r = u.session.request(method, u.url(path), json={}, timeout=TIMEOUT)
        assert_error(r, 405, "method_not_allowed")
        assert r.headers.get("Allow"), (method, path, r.headers)
    assert u.get_node(f["id"]).status_code == 200


def test_unknown_routes(user):
    u = user()
    for path in ("/api/v1/nope", "/nope", "/api/v2/auth/login", f"/api/v1/user/{u.id}/nothing",
                 f"/api/v1/user/{u.id}/files/x/y/z"):
        r = u.session.get(u.server.url(path), timeout=TIMEOUT)
        assert_error(r, 404)
    r = u.session.get(u.url("files/' OR 1=1 --"), timeout=TIMEOUT)
    assert r.status_code in (400, 404)
    assert_error(r, r.status_code)


def test_request_id(user):
    u = user()
    for method, url in (("GET", u.url("files/")), ("GET", u.server.url("/health")), ("GET", u.server.url("/nope")),
                        ("GET", u.api("/auth/me"))):
        r = u.session.request(method, url, headers={"X-Request-Id": "e2e-req_123.abc"}, timeout=TIMEOUT)
        assert r.headers.get("X-Request-Id") == "e2e-req_123.abc", (url, r.headers)
    r = requests.get(u.url("files/"), headers={"X-Request-Id": "no-auth-here"}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.headers.get("X-Request-Id") == "no-auth-here"

    ids = set()
    for _ in range(3):
        r = u.session.get(u.url("files/"), timeout=TIMEOUT)
        rid = r.headers.get("X-Request-Id")
        assert rid and rid.isprintable() and len(rid) <= 128, r.headers
        ids.add(rid)
    assert len(ids) == 3

    # The server's log has one line per request, with the request id.
    rid = f"e2e-log-{uuid.uuid4().hex[:12]}"
    u.session.get(u.server.url("/health"), headers={"X-Request-Id": rid}, timeout=TIMEOUT)
    pattern = re.compile(rf"GET /health 200 \d+ [\d.]+ms id={rid}\b")
    assert wait_until(lambda: pattern.search(u.server.log_text()), timeout=5), u.server.log_tail(5)

    # Unacceptable ids are replaced by generated ones.
    for bad in ("x" * 129, "has space", "tab\tbed"):
        r = u.session.get(u.server.url("/health"), headers={"X-Request-Id": bad}, timeout=TIMEOUT)
        rid = r.headers.get("X-Request-Id")
        assert rid and rid != bad and " " not in rid, (bad, rid)


def test_error_bodies_never_leak(user):
    """A sweep of odd requests: whatever the status, a 4xx/5xx has message+code and no internals."""
    u = user()
    f = u.upload("f.txt", b"f")
    cases = [
        ("GET", u.url("files/"), {"params": {"parent_id": "'; DROP TABLE nodes; --"}}),
        ("GET", u.url("files/"), {"params": {"cursor": "eyJ4IjoxfQ"}}),
        ("GET", u.url("files/"), {"params": {"limit": "9" * 40}}),
        ("GET", u.url("files/" + "z" * 5000), {}),
        ("GET", u.url(f"files/{f['id']}/content"), {"headers": {"Range": "bytes=abc"}}),
        ("GET", u.url(f"files/{f['id']}/content"), {"headers": {"Range": "bytes=5-2"}}),
        ("POST", u.url("folders/"), {"json": {"name": 12}}),
        ("POST", u.url("folders/"), {"json": {"parent_id": "x"}}),
        ("POST", u.url("folders/"), {"json": {"name": "n", "parent_id": 7}}),
        ("PUT", u.url(f"files/{f['id']}"), {"json": {"name": None}}),
        ("PUT", u.url(f"files/{f['id']}"), {"json": ["name"]}),
        ("POST", u.url("files/"), {"params": {"name": "m.txt"}, "data": b"--x\r\n",
                                   "headers": {"Content-Type": "multipart/form-data; boundary=x"}}),
        ("POST", u.url("files/"), {"data": b"no boundary",
                                   "headers": {"Content-Type": "multipart/form-data"}}),
        ("POST", u.api("/auth/login"), {"data": b"\xff\xfe\x00", "headers": {"Content-Type": "application/json"}}),
        ("POST", u.api("/auth/register"), {"json": {"email": "a" * 10000 + "@example.com"}}),
    ]
    for method, url, kw in cases:
        r = u.session.request(method, url, timeout=TIMEOUT, **kw)
        assert r.status_code < 500, (method, url, kw, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert_error(r, r.status_code)
        assert_no_leak(r.text)
    # The server is still fine afterwards.
    assert u.get_node(f["id"]).status_code == 200
