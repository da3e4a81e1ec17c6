"""Hostile input: every kind is refused with a located diagnostic and exit 2, fast.

Each file in tests/data/hostile/ is run through the real command line in a
subprocess (a timeout, not a timing assertion, guards against hangs and bombs),
for ``validate`` and for ``transform --to text``.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

import pytest

from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "hostile"

#: file -> the rule code it must produce
HOSTILE = {
    "xxe.xml": "load:entity-declared",
    "xxe-parameter.xml": "load:entity-declared",
    "laughs.xml": "load:entity-declared",
    "utf16-entity.xml": "load:entity-declared",
    "dtd.xml": "load:dtd-external",
    "remote.xml": "load:xinclude-remote",
    "sub/outside.xml": "load:xinclude-outside",
    "loopa.xml": "load:xinclude-loop",
    "textinc.xml": "xml:encoding",
    "truncated.xml": "xml:malformed",
    "badutf8.xml": "xml:encoding",
    "empty.xml": "xml:empty",
    "nontei.xml": "load:not-tei",
    "deep.xml": "load:too-deep",
}

LOCATED = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
    r"error \[(?P<rule>[^\]]+)\]",
    re.MULTILINE,
)


def teikit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "teikit.cli", *args],
        cwd=DATA,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@functools.cache
def validated(name: str) -> subprocess.CompletedProcess[str]:
    """One ``validate`` run per file, shared by the tests that each check one fact of it
    (a process start costs more than any of the checks)."""
    return teikit("validate", "-q", "--schema", "references", name)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_validate_refuses_with_a_located_diagnostic(name: str) -> None:
    done = validated(name)
    assert (
        done.returncode,
        LOCATED.search(done.stdout) and LOCATED.search(done.stdout)["rule"],
    ) == (2, HOSTILE[name]), done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_validate_never_shows_a_traceback(name: str) -> None:
    done = validated(name)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_transform_refuses_with_a_located_diagnostic(name: str) -> None:
    done = teikit("transform", name, "--to", "text")
    found = LOCATED.search(done.stderr)
    assert (done.returncode, found and found["rule"], "Traceback" in done.stderr) == (
        2,
        HOSTILE[name],
        False,
    ), done.stderr


def test_xxe_never_shows_the_file_it_names() -> None:
    done = validated("xxe.xml")
    assert "root:" not in done.stdout + done.stderr


def test_a_file_above_the_size_limit_is_refused() -> None:
    done = teikit(
        "validate", "-q", "--schema", "references", "small.xml", env={"TEIKIT_MAX_BYTES": "100"}
    )
    found = LOCATED.search(done.stdout)
    assert (done.returncode, found and found["rule"]) == (2, "load:too-large")


def test_the_same_file_within_the_limit_is_read() -> None:
    done = teikit(
        "validate", "-q", "--schema", "references", "small.xml", env={"TEIKIT_MAX_BYTES": "100000"}
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_malformed_size_limit_falls_back_to_the_default() -> None:
    done = teikit(
        "validate", "-q", "--schema", "references", "small.xml", env={"TEIKIT_MAX_BYTES": "lots"}
    )
    assert (done.returncode, "Traceback" in done.stderr) == (0, False)
