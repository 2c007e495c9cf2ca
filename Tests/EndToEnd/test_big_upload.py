"""A 1 GiB upload and download stream through the server with flat memory."""

from __future__ import annotations

import hashlib

import pytest

from conftest import GiB, MiB, CountingStream, wait_until

RSS_BUDGET_KIB = 64 * 1024  # the peak RSS may grow by less than 64 MiB


@pytest.mark.timeout(1200)
def test_one_gib_round_trip(server, user):
    u = user(server)
    # Warm up the upload and download paths so that one-time allocations are not counted.
    warm = u.upload("warm-up.bin", b"w" * (4 * MiB))
    r = u.session.get(u.url(f"files/{warm['id']}/content"), timeout=60)
    assert r.status_code == 200 and len(r.content) == 4 * MiB
    baseline = server.peak_rss_kib()

    stream = CountingStream(GiB, chunk=MiB)
    r = u.upload_raw("one-gib.bin", iter(stream), timeout=600)
    assert r.status_code == 201, r.text[:500]
    node = r.json()
    assert stream.finished and stream.sent == GiB
    assert node["size"] == GiB
    assert node["sha256"] == stream.hexdigest()
    after_upload = server.peak_rss_kib()
    assert after_upload - baseline < RSS_BUDGET_KIB, \
        f"peak RSS grew by {(after_upload - baseline) // 1024} MiB during a 1 GiB upload"

    blob = server.blob_path(node["sha256"])
    assert blob.stat().st_size == GiB
    assert server.tmp_files() == []

    # Download, streaming.
    h = hashlib.sha256()
    total = 0
    with u.session.get(u.url(f"files/{node['id']}/content"), stream=True, timeout=600) as r:
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == GiB
        for block in r.iter_content(MiB):
            h.update(block)
            total += len(block)
    assert total == GiB
    assert h.hexdigest() == node["sha256"]
    after_download = server.peak_rss_kib()
    assert after_download - baseline < RSS_BUDGET_KIB, \
        f"peak RSS grew by {(after_download - baseline) // 1024} MiB after a 1 GiB download"

    # A range from deep inside the file.
    offset = GiB - 3 * MiB + 12345
    r = u.session.get(u.url(f"files/{node['id']}/content"), headers={"Range": f"bytes={offset}-{offset + 99}"},
                      timeout=60)
    assert r.status_code == 206
    index, within = divmod(offset, MiB)
    assert r.content == stream.block(index, MiB)[within:within + 100]

    # Deleting it for good frees the disk (the collector's next round: no grace on the test servers).
    assert u.session.delete(u.url(f"files/{node['id']}"), params={"permanent": "true"}, timeout=60).status_code == 204
    assert wait_until(lambda: not blob.exists())
    assert server.peak_rss_kib() - baseline < RSS_BUDGET_KIB


PARALLEL = 8
PARALLEL_BUDGET_KIB = 128 * 1024  # 16 MiB per connection is generous for a streamed transfer


def download_hash(u, node_id):
    session = u.new_session()
    h = hashlib.sha256()
    with session.get(u.url(f"files/{node_id}/content"), stream=True, timeout=600) as r:
        assert r.status_code == 200
        for block in r.iter_content(MiB):
            h.update(block)
    return h.hexdigest()


@pytest.mark.timeout(900)
def test_parallel_transfers_keep_memory_flat(server, user):
    """8 concurrent 256 MiB uploads, then 8 concurrent downloads of one 256 MiB file: the server's
    peak RSS grows by less than 128 MiB for each."""
    from concurrent.futures import ThreadPoolExecutor

    u = user(server)
    warm = u.upload("warm-up.bin", b"w" * (4 * MiB))
    assert download_hash(u, warm["id"]) == warm["sha256"]
    baseline = server.peak_rss_kib()

    def upload(i):
        stream = CountingStream(256 * MiB, chunk=MiB)
        r = u.upload_raw(f"parallel-{i}.bin", iter(stream), session=u.new_session(), timeout=600)
        assert r.status_code == 201, r.text[:300]
        assert r.json()["sha256"] == stream.hexdigest()
        return r.json()

    with ThreadPoolExecutor(PARALLEL) as pool:
        nodes = list(pool.map(upload, range(PARALLEL)))
    grown = server.peak_rss_kib() - baseline
    assert grown < PARALLEL_BUDGET_KIB, f"peak RSS grew by {grown // 1024} MiB during {PARALLEL} parallel uploads"

    # Keep one file, free the disk of the others.
    for node in nodes[1:]:
        assert u.session.delete(u.url(f"files/{node['id']}"), timeout=60).status_code == 204

    with ThreadPoolExecutor(PARALLEL) as pool:
        hashes = list(pool.map(lambda _: download_hash(u, nodes[0]["id"]), range(PARALLEL)))
    assert hashes == [nodes[0]["sha256"]] * PARALLEL
    grown = server.peak_rss_kib() - baseline
    assert grown < PARALLEL_BUDGET_KIB, \
        f"peak RSS grew by {grown // 1024} MiB during {PARALLEL} parallel downloads of a 256 MiB file"
