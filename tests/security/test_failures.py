"""Clean failures: an output that cannot be written, a file name that is not UTF-8, a
process short of memory, a run killed mid-write: a message and exit 2 (the input or
the environment) or 3, never a traceback, and no temporary left for good."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.conftest import Attack, tei

FINDING = tei('<p><ref target="#nobody">x</ref></p>')


def _report_to(attack: Attack, target: str) -> tuple[int, str]:
    attack.write("doc.xml", FINDING)
    outcome = attack.run("validate", "-q", "-f", "json", "-o", target, "doc.xml")
    attack.assert_safe(outcome)
    return outcome.code, outcome.stderr


def test_a_file_where_a_folder_should_be(attack: Attack, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    code, err = _report_to(attack, str(tmp_path / "plain" / "report.json"))
    assert (code, err.startswith("teikit: cannot write")) == (2, True), err


def test_a_full_disk(attack: Attack) -> None:
    code, err = _report_to(attack, "/dev/full")
    assert (code, "No space left on device" in err) == (2, True), err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # written to, never replaced


@contextlib.contextmanager
def _read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write: a read-only tmpfs for root (whom permissions do not
    stop), else a folder without write permission."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("root without the right to mount a read-only tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_folder(attack: Attack, tmp_path: Path) -> None:
    with _read_only_folder(tmp_path) as folder:
        code, err = _report_to(attack, str(folder / "report.json"))
    assert (code, err.startswith("teikit: cannot write")) == (2, True), err


def test_a_file_name_that_is_not_utf8(attack: Attack) -> None:
    name = os.fsdecode(b"caf\xe9.xml")
    attack.write(name, FINDING)
    outcome = attack.run("validate", "-q", "-f", "json", "--schema", "references", ".")
    attack.assert_safe(outcome)
    report = json.loads(outcome.stdout)
    assert (outcome.code, report["files"], [d["rule"] for d in report["diagnostics"]]) == (
        1,
        ["caf\udce9.xml"],
        ["ref:unresolved"],
    )
    text = attack.run("validate", "-q", "--schema", "references", ".")
    assert (text.code, text.stdout.startswith("caf\\udce9.xml:2:")) == (1, True), text.output


def test_a_temporary_of_a_killed_run_is_removed_by_the_next(attack: Attack, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".report.json.teikit-999999-abcd.tmp"  # process 999999 is long gone
    stale.write_text("half a report")
    code, _ = _report_to(attack, str(out / "report.json"))
    assert (code, stale.exists(), (out / "report.json").is_file()) == (1, False, True)


def test_running_out_of_memory_is_a_located_error(attack: Attack) -> None:
    body = "".join(f'<p n="{i}">word word word word word word word</p>' for i in range(400_000))
    attack.write("big.xml", tei(body))
    limit = 150 * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "teikit.cli",
            "validate",
            "--no-cache",
            "--schema",
            "references",
            "big.xml",
        ],
        cwd=attack.folder,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode in (2, 3), done.stdout + done.stderr
    assert "memory" in (done.stdout + done.stderr).lower()
