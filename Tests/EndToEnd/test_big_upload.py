"""A 1 GiB upload and download stream through the server with flat memory."""

from __future__ import annotations

import hashlib

import pytest

from conftest import GiB, MiB, CountingStream

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

    # Deleting it frees the disk.
    assert u.session.delete(u.url(f"files/{node['id']}"), timeout=60).status_code == 204
    assert not blob.exists()
    assert server.peak_rss_kib() - baseline < RSS_BUDGET_KIB
