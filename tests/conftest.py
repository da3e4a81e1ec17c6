"""Shared fixtures and the one skip policy.

Tests that need an outside tool (Java, Chromium, the Nu checker) or ``../shared``
skip with a message on a user's machine, and fail in CI (``CI=true``), where a
skipped check would hide a missing install step.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, tzinfo
from pathlib import Path

import pytest

import teikit

ROOT = Path(__file__).resolve().parent.parent
EDITION = ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml"
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"
CASES = ROOT / "tests" / "cases"
OUTPUT = ROOT / "tests" / "output"

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The CLI caches validation results by default; a test that monkeypatches teikit would
# otherwise read a result computed without its patch. Tests of the cache turn it back on.
os.environ.setdefault("TEIKIT_NO_CACHE", "1")


def missing(what: str) -> None:
    """Skip (locally) or fail (in CI) because ``what`` is not available."""
    message = f"{what} is not available"
    if IN_CI:
        pytest.fail(f"{message}; CI must have it (see the Makefile's tools target)")
    pytest.skip(message)


def require_command(name: str) -> str:
    """The path of an executable, or skip/fail."""
    path = shutil.which(name)
    if not path:
        missing(f"the command '{name}'")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout (the corpora and the authority table)."""
    if not (SHARED / "corpora" / "rusdracor" / "tei").is_dir():
        missing(f"{SHARED} (the shared corpora beside the checkout)")
    return SHARED


@pytest.fixture(scope="session")
def rusdracor(shared: Path) -> list[Path]:
    """The 120 RusDraCor plays, sorted by name."""
    return sorted((shared / "corpora" / "rusdracor" / "tei").glob("*.xml"))


@pytest.fixture(scope="session")
def tei_all() -> Path:
    """tei_all.rng (TEI P5 4.3.0) from teikit's schema store (`teikit schemas fetch`)."""
    from teikit.diagnostics import TeikitError
    from teikit.validation.schemas import stored_schema

    try:
        return stored_schema("tei_all")
    except TeikitError as exc:
        missing(f"tei_all.rng ({exc}); run 'teikit schemas fetch tei_all'")
        raise


@pytest.fixture(scope="session")
def edition() -> teikit.Document:
    """The edition, loaded once for all the output tests (read-only: do not change it)."""
    return teikit.load(EDITION)


@pytest.fixture(scope="session")
def java() -> str:
    return require_command("java")


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder under tests/output/ named after the test, kept for inspection."""
    folder = OUTPUT / request.node.name.replace("/", "_").replace("[", "_").rstrip("]")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """JUnit's timestamp frozen, so two renderings can be compared byte for byte."""
    import teikit.render

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls(2026, 12, 1, 17, 0, 0, tzinfo=tz)

    monkeypatch.setattr(teikit.render, "datetime", Frozen)
