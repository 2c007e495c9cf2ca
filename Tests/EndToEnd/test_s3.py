"""Content in an S3-compatible bucket (`--blobs s3://...`, issue 13), against a real S3 server that
checks signatures: moto's standalone server with IAM authentication on, started by scripts/with-s3
(`make test` runs the suite under it). Every test gets a bucket of its own.

Run in the PostgreSQL pass only (PostgreSQL + S3 is the set-up of several machines, and the blob store
is independent of the metadata store; the pass on SQLite covers the disk store).

moto 5.2.1 rejects correctly signed requests whose query string holds an encoded `/` (a listing's
`prefix=blobs%2F`), so these tests keep content at the top of their buckets (no prefix): the
collector's listings then carry no prefix. The signer's handling of that case is in SigV4Tests.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from relay import Relay
from conftest import TIMEOUT, CountingStream, MiB, Server, User, assert_error, files_under, new_user, wait_until

pytestmark = pytest.mark.postgres_only

ENDPOINT = os.environ.get("PAPERS_TEST_S3_ENDPOINT", "")
KEY_ID = os.environ.get("PAPERS_TEST_S3_ACCESS_KEY_ID", "")
SECRET = os.environ.get("PAPERS_TEST_S3_SECRET_ACCESS_KEY", "")


@pytest.fixture(scope="module")
def s3():
    assert ENDPOINT and KEY_ID and SECRET, "these tests need an S3 server: run them under scripts/with-s3 (make test does)"
    import boto3
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET)


@pytest.fixture
def bucket(s3):
    name = "papers-" + uuid.uuid4().hex[:20]
    s3.create_bucket(Bucket=name)
    return name


def credentials(secret: str = "") -> dict:
    return {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": secret or SECRET}


def s3_server(tmp_path: Path, bucket: str, endpoint: str = "", name: str = "data", extra=(), secret: str = "",
              query: str = "") -> Server:
    url = f"s3://{bucket}?endpoint={endpoint or ENDPOINT}{query}"
    return Server(tmp_path / name, extra_args=["--blobs", url, *extra], env=credentials(secret),
                  log_path=tmp_path / f"{name}-{uuid.uuid4().hex[:6]}.log")


def objects(s3, bucket: str) -> dict[str, int]:
    """Key → size of everything in the bucket."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            found[o["Key"]] = o["Size"]
    return found


def key(sha: str) -> str:
    return f"{sha[0:2]}/{sha[2:4]}/{sha}"


def incomplete_uploads(s3, bucket: str) -> list:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def content_files(server: Server) -> list[Path]:
    """Files in the data directory other than the database and the signing key."""
    return [p for p in files_under(server.data_dir) if not p.name.startswith("papers.sqlite") and p.name != "secret.key"]


def delete_file(user: User, node: dict) -> requests.Response:
    """Deletes for good (these tests are about the objects a delete lets go of)."""
    return user.session.delete(user.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=TIMEOUT)


def download_sha(user: User, node_id: str, headers=None) -> tuple[int, str, int]:
    with user.session.get(user.url(f"files/{node_id}/content"), headers=headers or {}, stream=True, timeout=TIMEOUT) as r:
        h = hashlib.sha256()
        n = 0
        for block in r.iter_content(MiB):
            h.update(block)
            n += len(block)
        return r.status_code, h.hexdigest(), n


# --------------------------------------------------------------------------- content round trips


def test_contents_go_to_the_bucket_and_come_back_whole_and_in_ranges(tmp_path, s3, bucket):
    server = s3_server(tmp_path, bucket).start()
    try:
        health = requests.get(server.url("/health"), timeout=TIMEOUT).json()
        assert health["blobs"] == "s3" and health["status"] == "ok", health
        user = new_user(server)
        for size in (1024, 5 * MiB, 20 * MiB + 3):  # one PUT, one PUT, a multipart upload of two parts
            data = os.urandom(size)
            node = user.upload(f"f{size}.bin", data)
            assert node["sha256"] == hashlib.sha256(data).hexdigest()
            assert objects(s3, bucket)[key(node["sha256"])] == size
            status, sha, n = download_sha(user, node["id"])
            assert (status, sha, n) == (200, node["sha256"], size)
            for header, expected in (("bytes=100-199", data[100:200]), ("bytes=-500", data[-500:]),
                                     (f"bytes={size - 10}-", data[-10:]), ("bytes=0-0", data[:1])):
                r = user.session.get(user.url(f"files/{node['id']}/content"), headers={"Range": header}, timeout=TIMEOUT)
                assert r.status_code == 206 and r.content == expected, (size, header, r.status_code)
                assert r.headers["Content-Range"].endswith(f"/{size}")
            r = user.session.get(user.url(f"files/{node['id']}/content"), headers={"Range": f"bytes={size}-"}, timeout=TIMEOUT)
            assert_error(r, 416, "range_not_satisfiable")
            r = user.session.head(user.url(f"files/{node['id']}/content"), timeout=TIMEOUT)
            assert r.status_code == 200 and r.headers["Content-Length"] == str(size)
        empty = user.upload("empty.txt", b"")
        r = user.session.get(user.url(f"files/{empty['id']}/content"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == b""
        # Nothing of the contents stays in the data directory, and no multipart upload is left open.
        assert content_files(server) == []
        assert not (server.data_dir / "blobs").exists()
        assert incomplete_uploads(s3, bucket) == []
    finally:
        server.close()


def test_identical_content_is_stored_once_and_deletion_reclaims_it(tmp_path, s3, bucket):
    server = s3_server(tmp_path, bucket).start()
    try:
        user = new_user(server)
        data = os.urandom(4096)
        a = user.upload("a.bin", data)
        b = user.upload("b.bin", data)
        someone = new_user(server)
        other = someone.upload("c.bin", data)
        assert a["sha256"] == b["sha256"] == other["sha256"]
        assert list(objects(s3, bucket)) == [key(a["sha256"])]
        # Another account cannot delete it by id.
        assert_error(delete_file(someone, a), 404)
        assert delete_file(user, a).status_code == 204
        assert delete_file(user, b).status_code == 204
        time.sleep(1.5)  # several collector rounds: the other account's file still uses the content
        assert list(objects(s3, bucket)) == [key(a["sha256"])]
        status, sha, _ = download_sha(someone, other["id"])
        assert (status, sha) == (200, a["sha256"])
        assert delete_file(someone, other).status_code == 204
        assert wait_until(lambda: objects(s3, bucket) == {}, timeout=15), objects(s3, bucket)
    finally:
        server.close()


def test_deleting_the_last_file_removes_its_object(tmp_path, s3, bucket):
    server = s3_server(tmp_path, bucket).start()
    try:
        user = new_user(server)
        keep = user.upload("keep.bin", b"stays")
        data = os.urandom(2 * MiB)
        gone = user.upload("gone.bin", data)
        assert set(objects(s3, bucket)) == {key(keep["sha256"]), key(gone["sha256"])}
        assert delete_file(user, gone).status_code == 204
        assert wait_until(lambda: set(objects(s3, bucket)) == {key(keep["sha256"])}, timeout=15), objects(s3, bucket)
        # Uploaded again, the content is written again.
        again = user.upload("again.bin", data)
        assert again["sha256"] == gone["sha256"] and objects(s3, bucket)[key(gone["sha256"])] == len(data)
        status, sha, _ = download_sha(user, again["id"])
        assert (status, sha) == (200, gone["sha256"])
    finally:
        server.close()


@pytest.mark.timeout(600)
def test_a_300_mib_upload_streams_through_with_flat_memory(tmp_path, s3, bucket):
    server = s3_server(tmp_path, bucket).start()
    try:
        user = new_user(server)
        user.upload("warm-up.bin", os.urandom(MiB))
        before = server.peak_rss_kib()
        stream = CountingStream(300 * MiB)
        r = user.upload_raw("big.bin", iter(stream), timeout=600)
        assert r.status_code == 201, r.text
        node = r.json()
        assert node["sha256"] == stream.hexdigest() and node["size"] == 300 * MiB
        assert objects(s3, bucket)[key(node["sha256"])] == 300 * MiB
        status, sha, n = download_sha(user, node["id"])
        assert (status, sha, n) == (200, node["sha256"], 300 * MiB)
        r = user.session.get(user.url(f"files/{node['id']}/content"), headers={"Range": "bytes=-1000"}, timeout=TIMEOUT)
        assert r.status_code == 206 and len(r.content) == 1000
        growth_mib = (server.peak_rss_kib() - before) / 1024
        assert growth_mib < 96, f"peak RSS grew {growth_mib:.0f} MiB for a 300 MiB upload and download"
        assert content_files(server) == [] and incomplete_uploads(s3, bucket) == []
    finally:
        server.close()


# --------------------------------------------------------------------------- refusals at start


def test_wrong_credentials_or_a_missing_bucket_stop_the_start_with_one_line(tmp_path, bucket):
    cases = [
        ("wrong-secret", dict(secret="not-the-secret"), "refuses"),
        ("no-bucket", dict(bucket="no-such-bucket-" + uuid.uuid4().hex[:8]), "no such bucket"),
        ("no-server", dict(endpoint="http://127.0.0.1:9"), "cannot reach the object store"),
    ]
    for name, options, expected in cases:
        server = s3_server(tmp_path, options.get("bucket", bucket), endpoint=options.get("endpoint", ""), name=name,
                           secret=options.get("secret", ""))
        server._spawn(0)
        assert server.proc.wait(timeout=60) != 0, name
        log = server.log_text()
        server.close()
        lines = [line for line in log.splitlines() if "critical" in line]
        assert len(lines) == 1 and expected in lines[0], (name, log)
        assert SECRET not in log and "not-the-secret" not in log


# --------------------------------------------------------------------------- outages


@pytest.mark.timeout(300)
def test_the_store_going_away_is_503_and_nothing_half_stored_and_back_it_works(tmp_path, s3, bucket):
    proxy = Relay(int(ENDPOINT.rsplit(":", 1)[1]))
    server = s3_server(tmp_path, bucket, endpoint=proxy.url, query="&abort-incomplete-after=1s").start()
    try:
        user = new_user(server)
        kept = user.upload("kept.bin", os.urandom(1024))
        # A multipart upload cut off by the store going away mid-way: 503, no node, no object.
        stream = CountingStream(200 * MiB)
        answer = {}

        def upload():
            answer["r"] = user.upload_raw("cut.bin", iter(stream), session=user.new_session(), timeout=300)

        thread = threading.Thread(target=upload)
        thread.start()
        assert wait_until(lambda: incomplete_uploads(s3, bucket), timeout=120), "the multipart upload did not start"
        proxy.stop()
        thread.join(timeout=120)
        assert_error(answer["r"], 503, "unavailable")
        # While it is away: 503 quickly for content, /health 503; the tree itself still answers.
        started = time.monotonic()
        assert_error(user.upload_raw("small.bin", b"x" * 100), 503, "unavailable")
        assert_error(user.session.get(user.url(f"files/{kept['id']}/content"), timeout=TIMEOUT), 503, "unavailable")
        assert time.monotonic() - started < 16, "two requests while the store is away took too long"
        r = requests.get(server.url("/health"), timeout=TIMEOUT)
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert sorted(n["name"] for n in user.list_all()) == ["kept.bin"]
        assert content_files(server) == []
        # Back: everything works again without a restart, and the cut-off upload's parts are aborted.
        proxy.start()
        assert wait_until(lambda: requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200, timeout=30)
        assert user.upload("after.bin", b"back").get("sha256")
        status, sha, _ = download_sha(user, kept["id"])
        assert (status, sha) == (200, kept["sha256"])
        assert wait_until(lambda: incomplete_uploads(s3, bucket) == [], timeout=30), incomplete_uploads(s3, bucket)
        assert stream.hexdigest() not in [k.rsplit("/", 1)[-1] for k in objects(s3, bucket)]
        assert "aborted 1 incomplete uploads" in server.log_text()
    finally:
        server.close()
        proxy.stop()


# --------------------------------------------------------------------------- several processes, moving in


def test_two_processes_share_one_database_and_one_bucket(tmp_path, s3, bucket):
    a = s3_server(tmp_path, bucket, name="data").start()
    b = s3_server(tmp_path, bucket, name="data").start()  # the same data directory: the same database
    try:
        on_a = new_user(a)
        on_b = User(b, on_a.email, on_a.password, on_a.fullname, on_a.id, on_a.token, on_a.login_body)
        data = os.urandom(3 * MiB)
        first = on_a.upload("one.bin", data)
        status, sha, _ = download_sha(on_b, first["id"])
        assert (status, sha) == (200, first["sha256"])
        second = on_b.upload("two.bin", data)  # the same content through the other process: one object
        assert list(objects(s3, bucket)) == [key(first["sha256"])]
        assert delete_file(on_b, first).status_code == 204
        time.sleep(1.0)
        status, sha, _ = download_sha(on_a, second["id"])
        assert (status, sha) == (200, first["sha256"])
        assert delete_file(on_a, second).status_code == 204
        assert wait_until(lambda: objects(s3, bucket) == {}, timeout=15), objects(s3, bucket)
    finally:
        a.close()
        b.close()


def test_moving_a_blob_folder_into_a_bucket_is_a_plain_copy(tmp_path, s3, bucket):
    """docs/operations.md, "Moving content from disk to S3": stop, copy DATA/blobs into the bucket
    keeping the relative paths (`aws s3 cp --recursive`, `rclone copy`), start with --blobs s3://."""
    disk = Server(tmp_path / "data", log_path=tmp_path / "disk.log").start()
    user = new_user(disk)
    files = {name: os.urandom(size) for name, size in (("a.txt", 10), ("b.bin", 2 * MiB), ("c.bin", 17 * MiB))}
    nodes = {name: user.upload(name, data) for name, data in files.items()}
    disk.close()
    for path in files_under(tmp_path / "data" / "blobs"):
        s3.upload_file(str(path), bucket, str(path.relative_to(tmp_path / "data" / "blobs")))
    moved = s3_server(tmp_path, bucket, name="data").start()
    try:
        user.server = moved
        for name, data in files.items():
            status, sha, n = download_sha(user, nodes[name]["id"])
            assert (status, sha, n) == (200, hashlib.sha256(data).hexdigest(), len(data)), name
        assert user.upload("new.txt", b"after the move")["sha256"]
        assert key(hashlib.sha256(b"after the move").hexdigest()) in objects(s3, bucket)
    finally:
        moved.close()


def test_a_download_cut_off_between_papers_and_the_store_carries_on_where_it_stopped(tmp_path, s3, bucket):
    proxy = Relay(int(ENDPOINT.rsplit(":", 1)[1]))
    server = s3_server(tmp_path, bucket, endpoint=proxy.url).start()
    try:
        user = new_user(server)
        data = os.urandom(64 * MiB)
        node = user.upload("long.bin", data)
        with user.session.get(user.url(f"files/{node['id']}/content"), stream=True, timeout=TIMEOUT) as r:
            assert r.status_code == 200
            body = r.raw.read(MiB)
            # Every connection to the store reset mid-body, the store reachable again at once.
            proxy.stop()
            proxy.start()
            before = proxy.accepted
            body += r.raw.read()
        assert len(body) == len(data) and hashlib.sha256(body).hexdigest() == node["sha256"]
        assert proxy.accepted > before, "the rest of the body came without a new request to the store"
    finally:
        server.close()
        proxy.stop()
