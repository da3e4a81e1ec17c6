"""Headless Chromium through Playwright, for the tests that look at rendered pages.

Why one place: the browser must run without network, sandbox-less in containers and
without background traffic, and a missing browser or Playwright skips locally and fails
in CI; the tests that take screenshots share those settings instead of each keeping a
copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from conftest import missing, require_command

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A launched headless Chromium, closed on the way out."""
    executable = require_command("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Python package playwright")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
