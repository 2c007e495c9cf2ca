#!/usr/bin/env python3
"""make bench, second part: how Papers' cost grows, on SQLite and on PostgreSQL, in one run.

- one page of 1,000 entries from a folder of 10k, 100k and 1M entries (it must stay flat);
- metadata of one file (wrk) with 1k, 100k and 1M nodes in the database;
- small uploads (distinct 4 KiB contents, each durable before its 201) at 1, 8, 32 and 128 clients,
  files/s with the median and p99 latency of one upload;
- the server's RSS with 1, 1,000 and 5,000 idle connections open, and its peak during 16 parallel
  256 MiB uploads and then 16 parallel 256 MiB downloads.

Writes bench/results/growth.md (a Markdown table) and bench/results/growth.png (matplotlib), linked
from docs/performance.md. `--quick` runs the same code at tiny sizes into a temporary directory
(what `make test` runs: proves the script works, measures nothing). The servers are the real binary
on loopback, as in bench/run.py, whose helpers this script uses.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: Papers, wrk, postgres_database, next_cursor)

MiB = 1 << 20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", default=str(bench.ROOT / ".build/release/papers"))
    ap.add_argument("--quick", action="store_true", help="tiny sizes into a temporary directory (make test)")
    ap.add_argument("--out", default=str(bench.ROOT / "bench/results"), help="where growth.md and growth.png go")
    ap.add_argument("--postgres", default=os.environ.get("PAPERS_TEST_POSTGRES_URL"),
                    help="postgres://USER@HOST:PORT/ where the script may create a database (default PAPERS_TEST_POSTGRES_URL)")
    ap.add_argument("--max-entries", type=int, default=1_000_000, help="the largest folder (default 1,000,000)")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], action="append",
                    help="measure only this backend (repeatable; default both); the memory rows need sqlite")
    args = ap.parse_args()
    if not args.postgres:
        ap.error("--postgres (or PAPERS_TEST_POSTGRES_URL) is needed: run it under scripts/with-postgres (make bench does)")
    if args.quick:
        levels, clients, uploads, idle, transfer, wrk_seconds = [1_000, 3_000, 10_000], [1, 8, 32, 128], 256, [1, 100, 500], 4 * MiB, 1
    else:
        levels = sorted({1_000, 10_000, 100_000, args.max_entries})
        clients, uploads, idle, transfer, wrk_seconds = [1, 8, 32, 128], 2_000, [1, 1_000, 5_000], 256 * MiB, 5
    # 5,000 sockets of our own, and the server's (it raises its own limit to the hard one).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    workdir = Path(tempfile.mkdtemp(prefix="papers-growth-"))
    results: dict[str, dict] = {}
    try:
        for backend in args.backend or ["sqlite", "postgres"]:
            (workdir / backend).mkdir()
            server = bench.Papers(args.papers, workdir / backend, database=bench.postgres_database(args.postgres) if backend == "postgres" else None)
            try:
                results[backend] = {
                    "entries": entries(server, workdir / backend, levels, wrk_seconds),
                    "clients": concurrency(server, workdir / backend, clients, uploads),
                }
                if backend == "sqlite":
                    results[backend]["memory"] = memory(server, workdir / backend, idle, transfer)
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    if set(results) != {"sqlite", "postgres"}:
        # One backend alone: its figures, not the report (which sets the two side by side).
        print(json.dumps(results, indent=2))
        return 0
    table = render(results, args.quick, transfer)
    print(table)
    out = Path(tempfile.mkdtemp(prefix="papers-growth-out-")) if args.quick else Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "growth.md").write_text(table)
    plot(results, out / "growth.png")
    print(f"written: {out / 'growth.md'}, {out / 'growth.png'}", file=sys.stderr)
    if args.quick:
        shutil.rmtree(out)
    return 0


# --------------------------------------------------------------------------- entries and nodes


def entries(server: bench.Papers, workdir: Path, levels: list[int], wrk_seconds: int) -> list[dict]:
    """Fills one folder level by level; at each level walks its listing in pages of 1,000 (median
    and slowest page) and measures metadata of a file outside it with wrk -t2 -c32."""
    workdir.mkdir(parents=True, exist_ok=True)
    r = requests.post(f"{server.api}/files/", params={"name": "meta.txt"}, data=b"m" * 100,
                      headers={**server.auth, "Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    meta_id = r.json()["id"]
    folder = server.mkdir("growth")
    script = bench.wrk_get_script(workdir / "meta.lua", "GET", f"/api/v1/user/{server.uid}/files/{meta_id}",
                                  {"Authorization": f"Bearer {server.token}"})
    session = requests.Session()
    made, rows = 0, []
    for level in levels:
        t = time.perf_counter()
        fill(server, workdir, folder, made, level)
        fill_rate = (level - made) / (time.perf_counter() - t)
        made = level
        times, cursor, seen = [], None, 0
        while True:
            params = {"parent_id": folder, "limit": 1000, **({"cursor": cursor} if cursor else {})}
            t = time.perf_counter()
            response = session.get(f"{server.api}/files/", params=params, headers=server.auth)
            times.append((time.perf_counter() - t) * 1000)
            cursor = bench.next_cursor(response)
            seen += 1
            if not cursor:
                break
        assert seen == -(-level // 1000), (seen, level)
        # Errors (non-2xx, timeouts, broken connections) are counted and printed, not hidden.
        w = bench.wrk(server.base, script, 2, 32, wrk_seconds)
        rows.append({"entries": level, "page_median_ms": statistics.median(times), "page_max_ms": max(times),
                     "pages": seen, "metadata_rps": w["requests"] / w["seconds"], "metadata_errors": w["errors"],
                     "fill_per_s": fill_rate})
        print(f"  {server.base} {level:,} entries: {rows[-1]}", file=sys.stderr)
    return rows


def fill(server: bench.Papers, workdir: Path, folder: str, start: int, end: int) -> None:
    """Empty files entry-<start>..entry-<end - 1> in `folder`, through the API, 32 at a time, in
    batches of 50,000 (one curl process each)."""
    empty = workdir / "empty"
    empty.write_bytes(b"")
    for low in range(start, end, 50_000):
        urls = [f"{server.api}/files?name=entry-{i:07d}&parent_id={folder}" for i in range(low, min(end, low + 50_000))]
        bench.parallel_uploads(workdir, urls, empty, upload_headers(server), 201, parallel=32)


def upload_headers(server: bench.Papers) -> list[str]:
    return ["-X", "POST", "-H", f"Authorization: Bearer {server.token}", "-H", "Content-Type: application/octet-stream"]


# --------------------------------------------------------------------------- concurrency


def concurrency(server: bench.Papers, workdir: Path, clients: list[int], count: int) -> list[dict]:
    """`count` distinct 4 KiB uploads at each number of concurrent clients (one curl process,
    that many transfers at a time): files/s and the median and p99 time of one upload."""
    rows = []
    for n in clients:
        files = workdir / f"small-{n}"
        files.mkdir(parents=True)
        paths = []
        for i in range(count):
            paths.append(files / f"{i:05d}")
            paths[-1].write_bytes(os.urandom(4096))
        folder = server.mkdir(f"clients-{n}")
        urls = [f"{server.api}/files?name=f-{i:05d}.bin&parent_id={folder}" for i in range(count)]
        os.sync()
        files_per_s, latencies = bench.parallel_uploads(workdir, urls, paths, upload_headers(server), 201, parallel=n)
        rows.append({"clients": n, "files_per_s": files_per_s, "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)})
        print(f"  {server.base} {n} clients: {rows[-1]}", file=sys.stderr)
        shutil.rmtree(files)
    return rows


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


# --------------------------------------------------------------------------- memory


def memory(server: bench.Papers, workdir: Path, idle: list[int], transfer: int) -> dict:
    """The server's RSS with `idle` connections open and doing nothing (a metadata request on a
    connection of its own must still be answered), and its peak during 16 parallel uploads of
    `transfer` bytes, then 16 parallel downloads of one such file."""
    rows = []
    pid = server.proc.pid
    for n in idle:
        sockets = []
        try:
            for _ in range(n):
                s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                sockets.append(s)
            time.sleep(1)
            t = time.perf_counter()
            r = requests.get(f"{server.base}/api/v1/auth/me", headers=server.auth, timeout=10)
            answered_ms = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text
            # Every idle connection is still open: the server has neither closed one nor sent on it.
            assert not readable(sockets)
            rows.append({"idle": n, "rss_mib": bench.status_mib(pid, "VmRSS"), "answered_ms": answered_ms})
            print(f"  {n} idle connections: {rows[-1]}", file=sys.stderr)
        finally:
            for s in sockets:
                s.close()
    time.sleep(1)
    source = workdir / "transfer.bin"
    with open(source, "wb") as f:
        for i in range(transfer // MiB):
            f.write(os.urandom(MiB))
    bench.reset_peak(pid)
    base_rss = bench.status_mib(pid, "VmRSS")
    procs = [subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-T", str(source),
                               "-H", f"Authorization: Bearer {server.token}", "-H", "Content-Type: application/octet-stream",
                               f"{server.api}/files?name=parallel-{i:02d}.bin"], stdout=subprocess.PIPE, text=True) for i in range(16)]
    assert all(p.communicate(timeout=900)[0] == "201" for p in procs)
    uploads_peak = bench.peak_rss_mib(pid)
    node = requests.get(f"{server.api}/files/", params={"name": "parallel-00.bin"}, headers=server.auth).json()["items"][0]
    bench.reset_peak(pid)
    procs = [subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", f"Authorization: Bearer {server.token}",
                               f"{server.api}/files/{node['id']}/content"], stdout=subprocess.PIPE, text=True) for _ in range(16)]
    assert all(p.communicate(timeout=900)[0] == f"200 {transfer}" for p in procs)
    downloads_peak = bench.peak_rss_mib(pid)
    return {"idle": rows, "before_transfers_mib": base_rss, "uploads_peak_mib": uploads_peak, "downloads_peak_mib": downloads_peak}


def readable(sockets: list[socket.socket]) -> list[tuple[int, int]]:
    """The sockets the server has sent something on or closed (poll: select stops at 1,024 descriptors)."""
    poller = select.poll()
    for s in sockets:
        poller.register(s, select.POLLIN)
    return [e for e in poller.poll(0)]


# --------------------------------------------------------------------------- output


def render(results: dict, quick: bool, transfer: int) -> str:
    sq, pg = results["sqlite"], results["postgres"]
    lines = [
        f"# How Papers' cost grows — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} cores. One run{' (quick run: tiny sizes)' if quick else ''}; plot: growth.png.",
        "",
        "## Entries in one folder, nodes in the database",
        "",
        "| entries (= nodes) | page of 1,000, median ms: SQLite | PostgreSQL | slowest page ms: SQLite | PostgreSQL | metadata req/s: SQLite | PostgreSQL | wrk errors: SQLite | PostgreSQL |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for a, b in zip(sq["entries"], pg["entries"]):
        lines.append(f"| {a['entries']:,} | {a['page_median_ms']:.1f} | {b['page_median_ms']:.1f} | {a['page_max_ms']:.1f} | "
                     f"{b['page_max_ms']:.1f} | {a['metadata_rps']:,.0f} | {b['metadata_rps']:,.0f} | {a['metadata_errors']} | {b['metadata_errors']} |")
    lines += ["", "## Small uploads by concurrent clients (4 KiB, distinct, each durable before its 201)", "",
              "| clients | files/s: SQLite | PostgreSQL | p50 ms: SQLite | PostgreSQL | p99 ms: SQLite | PostgreSQL |",
              "|---|---|---|---|---|---|---|"]
    for a, b in zip(sq["clients"], pg["clients"]):
        lines.append(f"| {a['clients']} | {a['files_per_s']:,.0f} | {b['files_per_s']:,.0f} | {a['p50_ms']:.1f} | {b['p50_ms']:.1f} | "
                     f"{a['p99_ms']:.1f} | {b['p99_ms']:.1f} |")
    m = sq["memory"]
    lines += ["", "## Server memory (SQLite)", "", "| open connections, idle | RSS MiB | a request on another connection, ms |", "|---|---|---|"]
    for row in m["idle"]:
        lines.append(f"| {row['idle']:,} | {row['rss_mib']:.1f} | {row['answered_ms']:.1f} |")
    lines += ["", f"| 16 parallel transfers of {transfer // MiB} MiB | peak RSS MiB |", "|---|---|",
              f"| before (at rest) | {m['before_transfers_mib']:.1f} |",
              f"| uploads | {m['uploads_peak_mib']:.1f} |", f"| downloads | {m['downloads_peak_mib']:.1f} |"]
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ((pages, meta), (uploads, mem)) = plt.subplots(2, 2, figsize=(12, 8))
    for backend, style in (("sqlite", "o-"), ("postgres", "s--")):
        e = results[backend]["entries"]
        pages.plot([r["entries"] for r in e], [r["page_median_ms"] for r in e], style, label=backend)
        meta.plot([r["entries"] for r in e], [r["metadata_rps"] for r in e], style, label=backend)
        c = results[backend]["clients"]
        uploads.plot([r["clients"] for r in c], [r["files_per_s"] for r in c], style, label=f"{backend} files/s")
    for axis, title, unit in ((pages, "a page of 1,000 from one folder", "ms (median page)"),
                              (meta, "metadata of one file (wrk -t2 -c32)", "req/s")):
        axis.set_xscale("log")
        axis.set_xlabel("entries in the folder (= nodes in the database)")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.set_ylim(bottom=0)
        axis.legend()
    uploads.set_xscale("log", base=2)
    uploads.set_xlabel("concurrent clients")
    uploads.set_ylabel("files/s")
    uploads.set_ylim(bottom=0)
    uploads.set_title("distinct 4 KiB uploads, each durable")
    p99 = uploads.twinx()
    for backend, style in (("sqlite", "o:"), ("postgres", "s:")):
        c = results[backend]["clients"]
        p99.plot([r["clients"] for r in c], [r["p99_ms"] for r in c], style, color="grey", label=f"{backend} p99 ms")
    p99.set_ylabel("p99 ms (dotted)")
    uploads.legend(loc="upper left")
    m = results["sqlite"]["memory"]
    mem.plot([r["idle"] for r in m["idle"]], [r["rss_mib"] for r in m["idle"]], "o-", label="idle connections (SQLite)")
    mem.axhline(m["uploads_peak_mib"], linestyle="--", color="tab:red", label="peak, 16 parallel uploads")
    mem.axhline(m["downloads_peak_mib"], linestyle=":", color="tab:green", label="peak, 16 parallel downloads")
    mem.set_xlabel("open idle connections")
    mem.set_ylabel("server RSS, MiB")
    mem.set_ylim(bottom=0)
    mem.set_title("server memory")
    mem.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
