"""A loopback HTTP server for fetch tests: 127.0.0.1 only, records every request, and
stops itself (at the end of the ``with`` block, or after a deadline if a test hangs).

No test reaches the internet: catalogue addresses are redirected here with a ``mirrors``
setting whose host the test allows explicitly, exactly as a user would configure a
mirror.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: A server left running by a stuck test shuts itself down after this many seconds.
DEADLINE_SECONDS = 120


class Served:
    """What a test sees of the server: its base address and the paths requested."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.requests: list[str] = []
        self.connections = 0

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"


@contextmanager
def serve(folder: Path, redirects: dict[str, str] | None = None) -> Iterator[Served]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (an ephemeral port) for the block;
    ``redirects`` maps request paths to the ``Location`` of a 302 answer."""
    served: Served
    moved = redirects or {}

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            served.requests.append(self.path)
            if self.path in moved:
                self.send_response(302)
                self.send_header("Location", moved[self.path])
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
    served = Served("127.0.0.1", server.server_address[1])
    # shutdown() waits for the serving loop to look up: every 20 ms, not the default
    # 0.5 s that every fetch test would spend idle at its end
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    watchdog = threading.Timer(DEADLINE_SECONDS, server.shutdown)
    thread.start()
    watchdog.start()
    try:
        yield served
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def listener() -> Iterator[Served]:
    """A bare TCP listener on 127.0.0.1 that counts connection attempts (and answers
    none): proof that nothing tried to connect."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.02)  # how soon the accepting thread sees the end of the block
    served = Served("127.0.0.1", sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            served.connections += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    watchdog = threading.Timer(DEADLINE_SECONDS, stop.set)
    watchdog.start()
    try:
        yield served
    finally:
        stop.set()
        watchdog.cancel()
        thread.join(timeout=5)
        sock.close()
