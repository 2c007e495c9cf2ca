"""A fault-injecting TCP relay for the end-to-end tests: it sits between a client and a server on
loopback, counts the bytes each way, and can cut connections after N bytes (either way), slow them
down, and be taken down (listener closed, every relayed connection reset) and brought back on the
same port — a flaky link, a proxy that caps requests, a store or server that goes away."""

from __future__ import annotations

import socket
import threading
import time

LINGER_RESET = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # SO_LINGER on, 0 s: close sends a reset


class Relay:
    """Relays to `127.0.0.1:target_port`. `up_cuts_at` / `down_cuts_at`: cumulative byte counts
    (client to server / server to client) at which the connection carrying them is reset, each once.
    `up_bytes_per_second` / `down_bytes_per_second`: a cap on each connection's pace (0: none)."""

    def __init__(self, target_port: int, up_cuts_at=(), down_cuts_at=(), up_bytes_per_second: float = 0,
                 down_bytes_per_second: float = 0):
        self.target = ("127.0.0.1", target_port)
        self.up_cuts_at = sorted(up_cuts_at)
        self.down_cuts_at = sorted(down_cuts_at)
        self.up_bytes_per_second = up_bytes_per_second
        self.down_bytes_per_second = down_bytes_per_second
        self.sent = 0  # client to server
        self.received = 0  # server to client
        self.cuts = 0
        self.accepted = 0
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.listener = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listens (again) on the relay's port."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Stops listening and resets every relayed connection."""
        listener, self.listener = self.listener, None
        if listener:
            _shut(listener)  # shutdown wakes the thread blocked in accept; close alone would not
            listener.close()
        with self.lock:
            connections, self.connections = self.connections, []
        for c in connections:
            _reset(c)

    close = stop

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
                self.accepted += 1
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source, sink, up: bool) -> None:
        try:
            while True:
                data = source.recv(64 << 10)
                if not data:
                    break
                cut = False
                with self.lock:
                    cuts_at = self.up_cuts_at if up else self.down_cuts_at
                    if up:
                        self.sent += len(data)
                        total = self.sent
                    else:
                        self.received += len(data)
                        total = self.received
                    if cuts_at and total >= cuts_at[0]:
                        cuts_at.pop(0)
                        self.cuts += 1
                        cut = True
                if cut:
                    for s in (source, sink):
                        _reset(s)
                    return
                sink.sendall(data)
                pace = self.up_bytes_per_second if up else self.down_bytes_per_second
                if pace:
                    time.sleep(len(data) / pace)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                _shut(s)


def _shut(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _reset(s: socket.socket) -> None:
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        _shut(s)
        s.close()
    except OSError:
        pass
