#!/usr/bin/env python3
"""make bench: Papers side by side with nginx (WebDAV, sendfile) on this machine, in one run.

Starts `papers serve` on SQLite, `papers serve` on PostgreSQL (a fresh database on the server
--postgres names; `make bench` starts a throwaway one with scripts/with-postgres), `papers serve` on
SQLite with its contents in S3 (a fresh bucket on the S3 server of PAPERS_TEST_S3_*; `make bench`
starts moto with scripts/with-s3), and an nginx with a generated config, all on loopback over a
temporary directory, runs each workload against them alternately (median of --runs, min-max shown),
stops them by pid, and prints a Markdown table (also written to bench/results/latest.md) with the
ratios Papers/nginx, PostgreSQL/SQLite and S3/disk per row. Every upload sends content the server
does not have yet (no run is shortened by deduplication). Ratios from one run are what counts;
absolute numbers are context.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def status_mib(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status (VmRSS, VmHWM, ...) in MiB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(field + r":\s+(\d+)", text).group(1)) / 1024


def peak_rss_mib(pid: int) -> float:
    return status_mib(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """Resets VmHWM (Linux: writing 5 to clear_refs), so the peak of one workload can be read."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


class Papers:
    def __init__(self, binary: str, workdir: Path, database: str | None = None, blobs: str | None = None, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        name = "papers-pg" if database else "papers-s3" if blobs else "papers"
        self.data = workdir / f"{name}-data"
        self.log = open(workdir / f"{name}.log", "w")
        env = dict(os.environ, PAPERS_LOG_LEVEL="warning", **(env or {}))
        # Content deleted between runs leaves the S3 bucket within a second (moto keeps it in memory).
        gc = ["--gc-grace", "0", "--gc-interval", "1s"] if blobs else []
        self.proc = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data),
             *(["--database", database] if database else []), *(["--blobs", blobs] if blobs else []), *gc],
            stdout=self.log, stderr=self.log, env=env)
        wait_http(self.base + "/health")
        self.email = "bench@example.com"
        self.password = "benchmark password"
        r = requests.post(self.base + "/api/v1/auth/register", json={
            "fullname": "Bench", "email": self.email, "password": self.password, "password_conf": self.password})
        assert r.status_code == 201, r.text
        login = self.login()
        self.token, self.uid = login["token"], login["user_id"]
        self.auth = {"Authorization": f"Bearer {self.token}"}
        self.api = f"{self.base}/api/v1/user/{self.uid}"

    def login(self) -> dict:
        r = requests.post(self.base + "/api/v1/auth/login", json={"email": self.email, "password": self.password})
        assert r.status_code == 200, r.text
        return r.json()

    def app_password(self) -> str:
        """A new app password, as the Basic Authorization header WebDAV clients send."""
        r = requests.post(self.base + "/api/v1/auth/app-passwords", json={"name": "bench"}, headers=self.auth)
        assert r.status_code == 201, r.text
        return "Basic " + base64.b64encode(f"{self.email}:{r.json()['password']}".encode()).decode()

    def mkdir(self, name: str, parent: str | None = None) -> str:
        r = requests.post(self.api + "/folders/", json={"name": name, "parent_id": parent}, headers=self.auth)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


class Nginx:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix = workdir / "nginx"
        self.root = self.prefix / "www"
        for d in ("www", "tmp", "logs"):
            (self.prefix / d).mkdir(parents=True, exist_ok=True)
        module = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"
        conf = self.prefix / "nginx.conf"
        conf.write_text(f"""
{"load_module " + module + ";" if os.path.exists(module) else ""}
daemon off;
master_process on;
worker_processes auto;
user root root;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_max_body_size 0;
    client_body_temp_path {self.prefix}/tmp;
    proxy_temp_path {self.prefix}/tmp;
    fastcgi_temp_path {self.prefix}/tmp;
    uwsgi_temp_path {self.prefix}/tmp;
    scgi_temp_path {self.prefix}/tmp;
    server {{
        listen 127.0.0.1:{self.port};
        root {self.root};
        location / {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            {"dav_ext_methods PROPFIND OPTIONS;" if os.path.exists(module) else ""}
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
""")
        self.log = open(self.prefix / "logs" / "stderr.log", "w")
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.prefix)], stdout=self.log, stderr=self.log)
        wait_http(self.base + "/")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def curl(args: list[str]) -> tuple[int, float]:
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", *args],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def wrk(url: str, script: Path, threads: int, connections: int, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"RESULT (\{.*\})", out)
    if not m:
        raise SystemExit("wrk printed no result:\n" + out)
    return json.loads(m.group(1))


WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, errors))
end
"""


def wrk_get_script(path: Path, method: str, target: str, headers: dict) -> Path:
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    path.write_text(f"""
wrk.method = "{method}"
wrk.path = "{target}"
{header_lines}
""" + WRK_REPORT)
    return path


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", default=str(ROOT / ".build/release/papers"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="tiny sizes: proves the script works (make test)")
    ap.add_argument("--out", default=str(ROOT / "bench/results/latest.md"))
    ap.add_argument("--postgres", default=os.environ.get("PAPERS_TEST_POSTGRES_URL"),
                    help="postgres://USER@HOST:PORT/ of a server where the bench may create a database "
                         "(default PAPERS_TEST_POSTGRES_URL)")
    args = ap.parse_args()
    if not args.postgres:
        ap.error("--postgres (or PAPERS_TEST_POSTGRES_URL) is needed: run it under scripts/with-postgres (make bench does)")
    if not os.environ.get("PAPERS_TEST_S3_ENDPOINT"):
        ap.error("PAPERS_TEST_S3_ENDPOINT (and its keys) are needed: run it under scripts/with-s3 (make bench does)")
    big = 8 * MiB if args.quick else 1024 * MiB
    small_count = 80 if args.quick else 2000
    listing = 300 if args.quick else 10_000
    huge = 2000 if args.quick else 100_000
    wrk_seconds = 2 if args.quick else 10
    runs = 1 if args.quick else args.runs

    workdir = Path(tempfile.mkdtemp(prefix="papers-bench-"))
    papers = nginx = pg = on_s3 = None
    # (workload, unit, Papers on SQLite, Papers on PostgreSQL, Papers with S3, nginx, which way is better)
    rows: list[tuple[str, str, list[float] | None, list[float] | None, list[float] | None, list[float] | None, str]] = []
    try:
        bigfile = workdir / "big.bin"
        with open(bigfile, "wb") as f:
            block = os.urandom(MiB)
            for i in range(big // MiB):
                f.write(i.to_bytes(8, "little") + block[8:])
        papers = Papers(args.papers, workdir)
        pg = Papers(args.papers, workdir, database=postgres_database(args.postgres))
        on_s3 = Papers(args.papers, workdir, blobs=s3_bucket(), env={
            "AWS_ACCESS_KEY_ID": os.environ["PAPERS_TEST_S3_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": os.environ["PAPERS_TEST_S3_SECRET_ACCESS_KEY"]})
        nginx = Nginx(workdir)

        # 1 and 2: one big file up and down, alternating, with Papers' peak RSS during the upload.
        up = {"papers": [], "s3": [], "nginx": []}
        down = {"papers": [], "s3": [], "nginx": []}
        resumable = {"papers": [], "s3": []}
        rss = []
        for run in range(runs):
            # Content of its own in every run: no upload is shortened by finding it stored.
            with open(bigfile, "r+b") as f:
                f.write(f"run-{run:04d}".encode()[:8])
            for key, server in (("papers", papers), ("s3", on_s3)):
                if key == "papers":
                    reset_peak(server.proc.pid)
                # Each upload starts with no dirty pages left by the one before (the other server's), so
                # neither pays for the other's write-back.
                os.sync()
                code, t = curl(["-X", "POST", "-T", str(bigfile), "-H", f"Authorization: Bearer {server.token}",
                                f"{server.api}/files?name=big-{run}.bin"])
                assert code == 201, code
                if key == "papers":
                    rss.append(peak_rss_mib(server.proc.pid))
                up[key].append(big / MiB / t)
                node = requests.get(f"{server.api}/files/", params={"name": f"big-{run}.bin"}, headers=server.auth).json()["items"][0]
                code, t = curl(["-H", f"Authorization: Bearer {server.token}", f"{server.api}/files/{node['id']}/content"])
                assert code == 200, code
                down[key].append(big / MiB / t)
                requests.delete(f"{server.api}/files/{node['id']}", params={"permanent": "true"}, headers=server.auth)
                # The same bytes (other content: one byte changed) through tus in 8 MiB chunks.
                with open(bigfile, "r+b") as f:
                    f.seek(big - 8)
                    f.write(f"tus-{run:04d}".encode()[:8])
                os.sync()
                t, node_id = tus_upload(server, bigfile, f"tus-{run}.bin", 8 * MiB)
                resumable[key].append(big / MiB / t)
                requests.delete(f"{server.api}/files/{node_id}", params={"permanent": "true"}, headers=server.auth)
            os.sync()
            code, t = curl(["-T", str(bigfile), f"{nginx.base}/big-{run}.bin"])
            assert code in (201, 204), code
            up["nginx"].append(big / MiB / t)
            code, t = curl([f"{nginx.base}/big-{run}.bin"])
            assert code == 200, code
            down["nginx"].append(big / MiB / t)
            os.unlink(nginx.root / f"big-{run}.bin")
        rows.append((f"1. upload {big // MiB} MiB, curl, one stream", "MB/s", up["papers"], None, up["s3"], up["nginx"], "higher"))
        rows.append((f"1b. upload {big // MiB} MiB through tus, 8 MiB chunks", "MB/s", resumable["papers"], None, resumable["s3"], None, "higher"))
        rows.append(("1c. tus ÷ one-stream upload (target ≥ 0.8)", "×", [a / b for a, b in zip(resumable["papers"], up["papers"])], None,
                     [a / b for a, b in zip(resumable["s3"], up["s3"])], None, "higher"))
        rows.append((f"2. download {big // MiB} MiB, curl", "MB/s", down["papers"], None, down["s3"], down["nginx"], "higher"))

        # 8: papers put and get of one file through a relay that cuts the connection 5 times:
        # bytes moved ÷ the file's size (1.0 is nothing sent twice).
        cut_size = 40 * MiB if args.quick else 200 * MiB
        moved = through_cuts(args.papers, papers, workdir, cut_size)

        # 3: small uploads by one curl process, 8 transfers at a time (every Papers file durable before its 201).
        small = {"papers": [], "pg": [], "s3": [], "nginx": []}
        for run in range(runs):
            # Distinct contents, new in every run.
            small_dir = workdir / f"small-{run}"
            small_dir.mkdir()
            small_files = []
            for i in range(small_count):
                small_files.append(small_dir / f"{i:05d}")
                small_files[-1].write_bytes(os.urandom(4096))
            for key, server in (("papers", papers), ("pg", pg), ("s3", on_s3)):
                folder = server.mkdir(f"small-{run}")
                urls = [f"{server.api}/files?name=f-{i:05d}.bin&parent_id={folder}" for i in range(small_count)]
                os.sync()
                small[key].append(parallel_uploads(workdir, urls, small_files, ["-X", "POST", "-H", f"Authorization: Bearer {server.token}",
                                                   "-H", "Content-Type: application/octet-stream"], 201)[0])
            (nginx.root / f"small-{run}").mkdir()
            urls = [f"{nginx.base}/small-{run}/f-{i:05d}.bin" for i in range(small_count)]
            os.sync()
            small["nginx"].append(parallel_uploads(workdir, urls, small_files, [], 201)[0])
        rows.append((f"3. {small_count} uploads of 4 KiB, 8 at a time", "files/s", small["papers"], small["pg"], small["s3"], small["nginx"], "higher"))

        # 4: metadata of one file, wrk 2 threads 32 connections.
        meta = {"papers": [], "pg": [], "nginx": []}
        meta_ids = {}
        for key, server in (("papers", papers), ("pg", pg)):
            r = requests.post(f"{server.api}/files/", params={"name": "meta.txt"}, data=b"m" * 100,
                              headers={**server.auth, "Content-Type": "application/octet-stream"})
            meta_ids[key] = r.json()["id"]
        (nginx.root / "meta.txt").write_bytes(b"m" * 100)
        for run in range(runs):
            for key, server in (("papers", papers), ("pg", pg)):
                script = wrk_get_script(workdir / f"meta-{key}.lua", "GET", f"/api/v1/user/{server.uid}/files/{meta_ids[key]}",
                                        {"Authorization": f"Bearer {server.token}"})
                r = wrk(server.base, script, 2, 32, wrk_seconds)
                meta[key].append(r["requests"] / r["seconds"])
            script = wrk_get_script(workdir / "meta-nginx.lua", "PROPFIND", "/meta.txt", {"Depth": "0"})
            r = wrk(nginx.base, script, 2, 32, wrk_seconds)
            meta["nginx"].append(r["requests"] / r["seconds"])
        rows.append(("4. metadata of one file (wrk -t2 -c32)", "req/s", meta["papers"], meta["pg"], None, meta["nginx"], "higher"))

        # 4b: the same file's properties over WebDAV (PROPFIND Depth 0, Basic with an app password).
        dav_meta = {"papers": [], "pg": [], "nginx": meta["nginx"]}
        for key, server in (("papers", papers), ("pg", pg)):
            server.dav_auth = server.app_password()
        for run in range(runs):
            for key, server in (("papers", papers), ("pg", pg)):
                script = wrk_get_script(workdir / f"dav-meta-{key}.lua", "PROPFIND", "/dav/meta.txt",
                                        {"Depth": "0", "Authorization": server.dav_auth})
                r = wrk(server.base, script, 2, 32, wrk_seconds)
                dav_meta[key].append(r["requests"] / r["seconds"])
        rows.append(("4b. WebDAV PROPFIND Depth 0 of one file (wrk -t2 -c32)", "req/s", dav_meta["papers"], dav_meta["pg"], None,
                     dav_meta["nginx"], "higher"))

        # 5: list a folder of `listing` entries in full.
        folders = {}
        for key, server in (("papers", papers), ("pg", pg)):
            folders[key] = server.mkdir("listing")
            fill_folder(server, folders[key], listing)
        (nginx.root / "listing").mkdir()
        for i in range(listing):
            (nginx.root / "listing" / f"entry-{i:06d}").mkdir()
        full = {"papers": [], "pg": [], "nginx": []}
        session = requests.Session()
        for run in range(runs):
            for key, server in (("papers", papers), ("pg", pg)):
                t = time.perf_counter()
                cursor, pages_read = None, 0
                while True:
                    params = {"parent_id": folders[key], "limit": 1000, **({"cursor": cursor} if cursor else {})}
                    cursor = next_cursor(session.get(f"{server.api}/files/", params=params, headers=server.auth))
                    pages_read += 1
                    if not cursor:
                        break
                full[key].append((time.perf_counter() - t) * 1000)
                assert pages_read == -(-listing // 1000), pages_read
            t = time.perf_counter()
            r = session.request("PROPFIND", f"{nginx.base}/listing/", headers={"Depth": "1"})
            full["nginx"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 207 and r.text.count("<D:response") >= listing, r.status_code
        rows.append((f"5. list {listing:,} entries in full (pages of 1,000 / PROPFIND)", "ms", full["papers"], full["pg"], None, full["nginx"], "lower"))
        # 5b: the same folder over WebDAV: one PROPFIND Depth 1, streamed.
        dav_full = {"papers": [], "pg": [], "nginx": full["nginx"]}
        for run in range(runs):
            for key, server in (("papers", papers), ("pg", pg)):
                t = time.perf_counter()
                r = session.request("PROPFIND", f"{server.base}/dav/listing/", headers={"Depth": "1", "Authorization": server.dav_auth})
                dav_full[key].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 207 and r.text.count("<D:response") == listing + 1, r.status_code
        rows.append((f"5b. WebDAV PROPFIND Depth 1 of {listing:,} entries", "ms", dav_full["papers"], dav_full["pg"], None, dav_full["nginx"], "lower"))

        # 6: Papers only.
        pages = {"papers": [], "pg": []}
        for key, server in (("papers", papers), ("pg", pg)):
            folder = server.mkdir("huge")
            fill_folder(server, folder, huge)
            cursor = None
            for i in range(min(10, huge // 1000)):
                params = {"parent_id": folder, "limit": 1000, **({"cursor": cursor} if cursor else {})}
                t = time.perf_counter()
                cursor = next_cursor(session.get(f"{server.api}/files/", params=params, headers=server.auth))
                pages[key].append((time.perf_counter() - t) * 1000)
        rows.append((f"6a. one page of 1,000 from {huge:,} entries (first 10 pages)", "ms", pages["papers"], pages["pg"], None, None, "lower"))
        # 6d-f: a search page (200 results) over the whole tree (the folders of 5 and 6a: `listing` +
        # `huge` entries and the rest), for a text whose matches are rare, uncommon and common. The
        # first page's size is checked against the names made.
        names = [f"entry-{i:06d}" for i in range(huge)] + [f"entry-{i:06d}" for i in range(listing)]
        nodes_total = huge + listing
        for label, text in (("rare", f"entry-{huge // 10 - 1:05d}"), ("uncommon", "777"), ("common", "entry-")):
            expected = min(200, sum(text in n for n in names))
            found = {"papers": [], "pg": []}
            for key, server in (("papers", papers), ("pg", pg)):
                for _ in range(max(5, runs)):
                    t = time.perf_counter()
                    r = session.get(f"{server.api}/search", params={"q": text, "kind": "file"}, headers=server.auth)
                    found[key].append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200 and len(r.json()["items"]) == expected, (r.status_code, len(r.json()["items"]), expected)
            rows.append((f"6{'def'[('rare', 'uncommon', 'common').index(label)]}. search page over {nodes_total:,} nodes, {label} matches "
                         f"(\"{text}\", target ≤ 20 ms)", "ms", found["papers"], found["pg"], None, None, "lower"))
        # 6g-h: the folder of 5 (`listing` files) to the trash and back.
        trashed = {"papers": [], "pg": []}
        restored = {"papers": [], "pg": []}
        for key, server in (("papers", papers), ("pg", pg)):
            for _ in range(runs):
                t = time.perf_counter()
                r = session.delete(f"{server.api}/folders/{folders[key]}", headers=server.auth)
                trashed[key].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 204, r.text
                t = time.perf_counter()
                r = session.post(f"{server.api}/trash/{folders[key]}/restore", headers=server.auth)
                restored[key].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200 and r.json()["size"] == 0, r.text
        rows.append((f"6g. delete a folder of {listing:,} files (to the trash)", "ms", trashed["papers"], trashed["pg"], None, None, "lower"))
        rows.append((f"6h. restore it from the trash", "ms", restored["papers"], restored["pg"], None, None, "lower"))
        logins = []
        for _ in range(max(3, runs)):
            t = time.perf_counter()
            papers.login()
            logins.append((time.perf_counter() - t) * 1000)
        rows.append(("6b. login (PBKDF2-SHA256, 600,000 rounds)", "ms", logins, None, None, None, "lower"))
        rows.append((f"6c. server peak RSS during the {big // MiB} MiB upload", "MiB", rss, None, None, None, "lower"))

        # 7: the TUI on its in-memory screen.
        tui = []
        for _ in range(runs):
            out = subprocess.run([args.papers, "tui-bench", "--entries", str(huge)], capture_output=True, text=True, check=True).stdout
            tui.append(json.loads(out))
        rows.append((f"7a. TUI first frame after {huge:,} entries arrive", "ms", [t["first_frame_ms"] for t in tui], None, None, None, "lower"))
        rows.append(("7b. TUI key press to frame, median", "ms", [t["key_to_frame_median_ms"] for t in tui], None, None, None, "lower"))
        rows.append(("7c. TUI key press to frame, p99", "ms", [t["key_to_frame_p99_ms"] for t in tui], None, None, None, "lower"))
        rows.append((f"8a. papers put of {cut_size // MiB} MiB through 5 cuts: bytes sent ÷ size", "×", [moved["put"]], None, None, None, "lower"))
        rows.append((f"8b. papers get of {cut_size // MiB} MiB through 5 cuts: bytes received ÷ size", "×", [moved["get"]], None, None, None, "lower"))
        up, down = tree_transfers(args.papers, papers, pg, nginx, workdir, small_count, runs)
        rows.append((f"9a. papers put -r of {small_count:,} × 4 KiB in 10 folders, 4 transfers (nginx: rclone copy to its WebDAV)", "files/s",
                     up["papers"], up["pg"], None, up["nginx"], "higher"))
        rows.append((f"9b. papers get -r of the same tree (nginx: rclone copy back)", "files/s", down["papers"], down["pg"], None, down["nginx"], "higher"))
    finally:
        if papers:
            papers.stop()
        if pg:
            pg.stop()
        if on_s3:
            on_s3.stop()
        if nginx:
            nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    for name, unit, ours, on_pg, with_s3, theirs, _ in rows:
        print(f"  {name}: papers={ours} postgres={on_pg} s3={with_s3} nginx={theirs}", file=sys.stderr)
    report = render(rows, runs, args.quick)
    print(report)
    if not args.quick:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report)
    return 0


def tus_upload(server: Papers, path: Path, name: str, chunk: int) -> tuple[float, str]:
    """Uploads a file through the server's tus endpoint in `chunk`-byte PATCHes over one kept-alive
    connection; returns the seconds taken and the file's node id."""
    import base64
    size = path.stat().st_size
    session = requests.Session()
    headers = {**server.auth, "Tus-Resumable": "1.0.0"}
    t = time.perf_counter()
    r = session.post(f"{server.api}/uploads/", headers={
        **headers, "Upload-Length": str(size), "Upload-Metadata": "filename " + base64.b64encode(name.encode()).decode()})
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    url = location if location.startswith("http") else server.base + location
    offset, node_id = 0, None
    with open(path, "rb") as f:
        while offset < size:
            body = os.pread(f.fileno(), chunk, offset)
            r = session.patch(url, data=body, headers={
                **headers, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            assert r.status_code == 204, r.text
            offset = int(r.headers["Upload-Offset"])
            node_id = r.headers.get("Papers-Node-Id") or node_id
    elapsed = time.perf_counter() - t
    assert node_id, "the last chunk did not name the file"
    return elapsed, node_id


def through_cuts(binary: str, server: Papers, workdir: Path, size: int) -> dict:
    """`papers put` then `papers get` of a `size`-byte file through Tests/EndToEnd/relay.py cutting
    the connection at 15, 30, 47, 65 and 85 % of it: bytes moved ÷ size for each."""
    sys.path.insert(0, str(ROOT / "Tests/EndToEnd"))
    from relay import Relay
    source = workdir / "cuts.bin"
    with open(source, "wb") as f:
        for i in range(size // MiB):
            f.write(i.to_bytes(8, "little") + os.urandom(MiB - 8))
    marks = [int(size * p) for p in (0.15, 0.30, 0.47, 0.65, 0.85)]
    home = workdir / "cuts-home"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"))
    env.pop("PAPERS_SERVER", None)
    moved = {}
    relay = Relay(server.port, up_cuts_at=marks)
    try:
        subprocess.run([binary, "login", "--server", relay.url, "--email", server.email, "--password-stdin"], input=server.password + "\n",
                       text=True, env=env, check=True, capture_output=True)
        before = relay.sent
        subprocess.run([binary, "put", "-q", str(source), "/cuts.bin"], env=env, check=True, capture_output=True, timeout=900)
        assert relay.cuts == 5, relay.cuts
        moved["put"] = (relay.sent - before) / size
        relay.down_cuts_at = [relay.received + m for m in marks]
        before = relay.received
        subprocess.run([binary, "get", "-q", "/cuts.bin", str(workdir / "cuts-back.bin")], env=env, check=True, capture_output=True, timeout=900)
        assert relay.cuts == 10, relay.cuts
        moved["get"] = (relay.received - before) / size
        assert hashlib.sha256((workdir / "cuts-back.bin").read_bytes()).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()
    finally:
        relay.close()
    return moved


def tree_transfers(binary: str, papers: Papers, pg: Papers, nginx: Nginx, workdir: Path, count: int, runs: int) -> tuple[dict, dict]:
    """Workload 9: a tree of small files up and back, client and server end to end: the papers CLI
    (`put -r`/`get -r --transfers 4`) against each backend, and `rclone copy` (its default 4
    transfers) to nginx's WebDAV. Files per second, every file checked to have arrived."""
    up = {"papers": [], "pg": [], "nginx": []}
    down = {"papers": [], "pg": [], "nginx": []}
    envs = {}
    for key, server in (("papers", papers), ("pg", pg)):
        envs[key] = {k: v for k, v in os.environ.items() if not k.startswith("PAPERS_")}
        envs[key]["XDG_CONFIG_HOME"] = str(workdir / f"cli-{key}")
        subprocess.run([binary, "login", "--server", server.base, "--email", server.email, "--password-stdin"],
                       input=server.password, text=True, env=envs[key], check=True, capture_output=True)
    rclone_env = dict(os.environ, RCLONE_CONFIG_NGINX_TYPE="webdav", RCLONE_CONFIG_NGINX_URL=nginx.base,
                      RCLONE_CONFIG_NGINX_VENDOR="other", RCLONE_CONFIG=str(workdir / "rclone.conf"))
    for run in range(runs):
        tree = workdir / f"tree-{run}"
        for i in range(count):
            path = tree / f"d{i % 10}" / f"f-{i:05d}.bin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(4096))
        for key in ("papers", "pg", "nginx"):
            back = workdir / f"back-{key}-{run}"
            if key == "nginx":
                send = ["rclone", "copy", "--transfers", "4", str(tree), f"nginx:tree-{run}"]
                fetch = ["rclone", "copy", "--transfers", "4", f"nginx:tree-{run}", str(back / tree.name)]
                env = rclone_env
            else:
                send = [binary, "put", "-r", "-q", "--transfers", "4", str(tree), "/"]
                fetch = [binary, "get", "-r", "-q", "--transfers", "4", f"/{tree.name}", str(back) + "/"]
                env = envs[key]
            os.sync()
            t = time.perf_counter()
            subprocess.run(send, env=env, check=True, capture_output=True, timeout=600)
            up[key].append(count / (time.perf_counter() - t))
            t = time.perf_counter()
            subprocess.run(fetch, env=env, check=True, capture_output=True, timeout=600)
            down[key].append(count / (time.perf_counter() - t))
            arrived = sum(1 for p in (back / tree.name).rglob("*") if p.is_file())
            assert arrived == count, (key, arrived, count)
            shutil.rmtree(back)
    return up, down


def postgres_database(base: str) -> str:
    """A new, empty database on the PostgreSQL server at `base` (postgres://USER@HOST:PORT/)."""
    name = f"bench_{os.getpid()}_{int(time.time())}"
    subprocess.run(["psql", "-X", "-q", base.rstrip("/") + "/postgres", "-c", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True, timeout=60)
    return base.rstrip("/") + "/" + name


def next_cursor(response: requests.Response) -> str | None:
    """The page's `next_cursor` (the last key) without parsing the page in Python: the client's
    JSON parsing is not the server's time, and nginx's PROPFIND answer is not parsed either."""
    assert response.status_code == 200, response.text[:200]
    tail = response.content[-300:].decode()
    m = re.search(r'"next_cursor":(null|"([^"]*)")}$', tail)
    assert m, tail
    return m.group(2)


def s3_bucket() -> str:
    """A new, empty bucket on the S3 server of PAPERS_TEST_S3_*, as a --blobs value."""
    import boto3
    endpoint = os.environ["PAPERS_TEST_S3_ENDPOINT"]
    name = f"bench-{os.getpid()}-{int(time.time())}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=os.environ["PAPERS_TEST_S3_ACCESS_KEY_ID"],
                 aws_secret_access_key=os.environ["PAPERS_TEST_S3_SECRET_ACCESS_KEY"]).create_bucket(Bucket=name)
    return f"s3://{name}?endpoint={endpoint}"


def parallel_uploads(workdir: Path, urls: list[str], files: list[Path] | Path, extra: list[str], expected: int, parallel: int = 8) -> tuple[float, list[float]]:
    """Uploads files[i] (a Path, or one Path for all) to urls[i] with one curl process, `parallel`
    transfers at a time over kept-alive connections; checks every answer is `expected` (or 204) and
    returns files/s and each upload's time in ms, sorted."""
    config = workdir / "uploads.curl"
    sources = files if isinstance(files, list) else [files] * len(urls)
    config.write_text("".join(f'url = "{u}"\nupload-file = "{f}"\noutput = "/dev/null"\n' for u, f in zip(urls, sources)))
    t = time.perf_counter()
    out = subprocess.run(["curl", "-sS", "--parallel", "--parallel-max", str(parallel), *extra, "-w", "%{http_code} %{time_total}\\n",
                          "-K", str(config)], capture_output=True, text=True, check=True).stdout.splitlines()
    elapsed = time.perf_counter() - t
    codes = [int(line.split()[0]) for line in out]
    assert len(out) == len(urls) and all(c in (expected, 204) for c in codes), out[:10]
    return len(urls) / elapsed, sorted(float(line.split()[1]) * 1000 for line in out)


def fill_folder(papers: Papers, folder: str, count: int) -> None:
    """`count` empty files in a folder, made through the API by 8 threads."""
    names = iter(range(count))
    lock = threading.Lock()

    def work():
        session = requests.Session()
        while True:
            with lock:
                i = next(names, None)
            if i is None:
                return
            r = session.post(f"{papers.api}/files/", params={"name": f"entry-{i:06d}", "parent_id": folder}, data=b"",
                             headers={**papers.auth, "Content-Type": "application/octet-stream"})
            assert r.status_code == 201, r.text

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def render(rows, runs: int, quick: bool) -> str:
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    fs = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    lines = [
        f"# Papers vs nginx — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} cores, {mem:,} MiB memory, temporary files on {fs}. "
        f"Median of {runs} run(s), min–max in brackets{' (quick run: tiny sizes)' if quick else ''}. "
        "nginx serves the same bytes from disk with sendfile (WebDAV PUT, PROPFIND); Papers hashes "
        "SHA-256, fsyncs every upload before answering, and checks a token on every request.",
        "",
        "| workload | unit | Papers (SQLite) | Papers (PostgreSQL) | Papers (S3 contents) | nginx | SQLite/nginx | PostgreSQL/SQLite | S3/disk |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, unit, ours, on_pg, with_s3, theirs, better in rows:
        def cell(values):
            if not values:
                return "—"
            m, lo, hi = summary(values)
            digits = 2 if unit == "×" else 1
            return f"{m:,.{digits}f} [{lo:,.{digits}f}–{hi:,.{digits}f}]"
        def ratio(a, b):
            return f"{summary(a)[0] / summary(b)[0]:.2f}" if a and b else "—"
        lines.append(f"| {name} | {unit} ({better} is better) | {cell(ours)} | {cell(on_pg)} | {cell(with_s3)} | {cell(theirs)} | "
                     f"{ratio(ours, theirs)} | {ratio(on_pg, ours)} | {ratio(with_s3, ours)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
