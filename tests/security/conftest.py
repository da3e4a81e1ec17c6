"""The attack harness: a secret to steal, a loopback server to call, a clean folder.

Every attack test runs the real command line in a subprocess with a fresh secret in a
file and in the environment, inside a project folder under ``tmp_path``, and then checks
the same five facts: the exit code, the located diagnostic, no secret in any output, no
request reached the loopback server, no file appeared, all within a time bound.
"""

from __future__ import annotations

import http.server
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TEI_HEAD = (
    '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
    "<title>Attack</title></titleStmt><publicationStmt><p>Test.</p>"
    "</publicationStmt><sourceDesc><p>Test.</p></sourceDesc></fileDesc></teiHeader>"
)
LOCATED = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<severity>error|warning) \[(?P<rule>[^\]]+)\]",
    re.MULTILINE,
)


def tei(body: str = "<p>Text.</p>", before: str = "") -> str:
    """A small TEI document with ``body`` in its body and ``before`` ahead of the root."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{before}{TEI_HEAD}'
        f"<text><body>{body}</body></text></TEI>\n"
    )


class Loopback:
    """An HTTP server on 127.0.0.1 (never another interface) that records every request
    and stops itself after ``lifetime`` seconds even if a test forgets to."""

    def __init__(self, lifetime: float = 120.0) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                hits.append(self.path)
                body = b"<x>SERVED</x>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # stop() waits for the serving loop to look up: every 20 ms, not the default
        # 0.5 s that every attack test would spend idle at its end
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Outcome:
    """What one run of the command line did."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    written: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def rules(self) -> list[tuple[str, int, str]]:
        """(file name, line, rule) of every located finding printed."""
        return [
            (Path(m["file"]).name, int(m["line"]), m["rule"]) for m in LOCATED.finditer(self.output)
        ]


@dataclass
class Attack:
    """A project folder, a secret, a loopback server, and a way to run teikit there."""

    folder: Path
    secret: str
    secret_file: Path
    loopback: Loopback

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, timeout: float = 60.0, env: dict[str, str] | None = None) -> Outcome:
        before = _listing(self.folder)
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "teikit.cli", *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "TEIKIT_TEST_SECRET": self.secret, **(env or {})},
        )
        seconds = time.monotonic() - start
        written = sorted(set(_listing(self.folder)) - set(before))
        return Outcome(done.returncode, done.stdout, done.stderr, seconds, written)

    def assert_safe(self, outcome: Outcome) -> None:
        """The facts every attack must leave true, whatever it tried."""
        assert self.secret not in outcome.output, outcome.output
        assert "Traceback" not in outcome.output, outcome.output
        assert self.loopback.hits == [], self.loopback.hits
        assert outcome.written == [], outcome.written


def _listing(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob("*")]


@pytest.fixture
def attack(tmp_path: Path) -> Iterator[Attack]:
    """A fresh project folder with a secret file beside it and a loopback server."""
    secret = "SECRET-" + secrets.token_hex(8)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret + "\n", encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    server = Loopback()
    try:
        yield Attack(folder, secret, secret_file, server)
    finally:
        server.stop()
