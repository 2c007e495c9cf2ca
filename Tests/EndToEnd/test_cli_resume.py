"""`papers put` of big files through tus (issue 14, client side): chunks retried with backoff after a cut
connection and resumed from the server's offset, and an upload stopped mid-way (the process killed)
resumed by the next `papers put` of the same file from the record in $XDG_STATE_HOME/papers/transfers.json.
A fault-injecting TCP relay between the CLI and the server cuts connections and counts the bytes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from conftest import MiB, PAPERS_BIN, register, unique_email, wait_until
from test_cli import Cli


class FaultyRelay:
    """Relays loopback TCP to the server; cuts the connection carrying the request that takes the
    client-to-server byte count past each of `cuts_at`, and can slow the client's bytes down."""

    def __init__(self, target_port: int, cuts_at: list[int] = (), bytes_per_second: float = 0):
        self.target = ("127.0.0.1", target_port)
        self.cuts_at = sorted(cuts_at)
        self.bytes_per_second = bytes_per_second
        self.sent = 0
        self.cuts = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, client, upstream):
        try:
            while True:
                data = client.recv(64 << 10)
                if not data:
                    break
                cut = False
                with self.lock:
                    self.sent += len(data)
                    if self.cuts_at and self.sent >= self.cuts_at[0]:
                        self.cuts_at.pop(0)
                        self.cuts += 1
                        cut = True
                if cut:
                    # shutdown first: close alone leaves a socket another thread is reading from open.
                    for s in (client, upstream):
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        s.shutdown(socket.SHUT_RDWR)
                        s.close()
                    return
                upstream.sendall(data)
                if self.bytes_per_second:
                    time.sleep(len(data) / self.bytes_per_second)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @staticmethod
    def _down(upstream, client):
        try:
            while True:
                data = upstream.recv(64 << 10)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def account_through(relay: FaultyRelay, server, tmp_path: Path) -> Cli:
    cli = Cli(tmp_path / "cli", relay.url)
    email = unique_email()
    assert register(server, email).status_code == 201
    cli.login(email)
    return cli


def big_file(path: Path, size: int) -> str:
    block = os.urandom(MiB)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(size // MiB):
            chunk = i.to_bytes(8, "little") + block[8:]
            f.write(chunk)
            h.update(chunk)
    return h.hexdigest()


def records(cli: Cli) -> list:
    path = cli.home / ".local" / "state" / "papers" / "transfers.json"
    return json.loads(path.read_text())["uploads"] if path.exists() else []


def test_put_of_200_mib_through_five_cuts_finishes_whole(module_server, tmp_path):
    relay = FaultyRelay(module_server.port, cuts_at=[30 * MiB, 60 * MiB, 95 * MiB, 130 * MiB, 170 * MiB])
    try:
        cli = account_through(relay, module_server, tmp_path)
        local = tmp_path / "big.bin"
        sha = big_file(local, 200 * MiB)
        before = relay.sent
        cli.ok("put", "-q", local, "/big.bin", timeout=600)
        assert relay.cuts == 5
        sent = relay.sent - before
        assert sent < 1.3 * 200 * MiB, f"sent {sent / MiB:.0f} MiB for a 200 MiB file through 5 cuts"
        node = next(n for n in cli.ls_json("/")["items"] if n["name"] == "big.bin")
        assert node["size"] == 200 * MiB and node["sha256"] == sha
        assert records(cli) == []
        # Small files still go in one request (no tus record, no chunks).
        small = tmp_path / "small.txt"
        small.write_bytes(b"one request")
        cli.ok("put", "-q", small, "/small.txt")
    finally:
        relay.close()


def test_a_killed_put_is_resumed_by_the_next_one(module_server, tmp_path):
    relay = FaultyRelay(module_server.port, bytes_per_second=20 * MiB)
    try:
        cli = account_through(relay, module_server, tmp_path)
        local = tmp_path / "resume.bin"
        sha = big_file(local, 96 * MiB)
        proc = subprocess.Popen([PAPERS_BIN, "put", "-q", "--chunked-from", "1M", str(local), "/resume.bin"], env=cli.env(),
                                cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert wait_until(lambda: relay.sent > 40 * MiB, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        recorded = records(cli)
        assert len(recorded) == 1 and recorded[0]["local_path"] == str(local) and recorded[0]["name"] == "resume.bin"
        relay.bytes_per_second = 0
        before = relay.sent
        cli.ok("put", "-q", "--chunked-from", "1M", local, "/resume.bin", timeout=300)
        resumed = relay.sent - before
        assert resumed < 70 * MiB, f"the second run sent {resumed / MiB:.0f} MiB of a 96 MiB file"
        node = next(n for n in cli.ls_json("/")["items"] if n["name"] == "resume.bin")
        assert node["sha256"] == sha
        assert records(cli) == []
        # --no-resume starts over: a new run after another kill sends the whole file again.
        relay.bytes_per_second = 20 * MiB
        proc = subprocess.Popen([PAPERS_BIN, "put", "-q", "--chunked-from", "1M", str(local), "/again.bin"], env=cli.env(),
                                cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        start = relay.sent
        assert wait_until(lambda: relay.sent - start > 40 * MiB, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        relay.bytes_per_second = 0
        before = relay.sent
        cli.ok("put", "-q", "--no-resume", "--chunked-from", "1M", local, "/again.bin", timeout=300)
        assert relay.sent - before >= 96 * MiB
        r = cli.run("put", "--chunked-from", "lots", local, "/x.bin")
        assert r.returncode == 1 and b"--chunked-from must look like" in r.stderr_bytes, r
    finally:
        relay.close()
