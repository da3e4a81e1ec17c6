"""``teikit validate`` from the command line: exit codes, formats, files, jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from teikit.cli import main
from teikit.cli.commands import MOST_JOBS, default_jobs
from teikit.validation import validate

from conftest import CASES
from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "validation"
CLEAN = str(DATA / "clean.xml")
BROKEN = str(DATA / "broken.xml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "-s", str(DATA / "mini.rng"), CLEAN)[0] == 0


def test_findings_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "-s", str(DATA / "mini.rng"), BROKEN)[0] == 1


def test_a_missing_path_exits_2_with_a_diagnostic(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-s", "references", str(DATA / "no-such.xml"))
    assert (code, "[load:not-found]" in out) == (2, True)


def test_a_glob_matching_nothing_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-s", "references", str(DATA / "nothing-*.xml"))
    assert (code, "[load:not-found]" in out) == (2, True)


def test_an_unknown_schema_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-s", "no-such-schema", CLEAN)
    assert (code, "Unknown schema 'no-such-schema'" in err) == (2, True)


def test_a_compact_syntax_schema_is_a_usage_error_naming_trang(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rnc = tmp_path / "g.rnc"
    rnc.write_text("start = element TEI { text }\n")
    code, _, err = run(capsys, "-s", str(rnc), CLEAN)
    assert (code, "trang" in err) == (2, True)


def test_a_folder_is_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for p in (tmp_path / "top.xml", tmp_path / "a" / "b" / "deep.xml"):
        p.write_bytes((DATA / "clean.xml").read_bytes())
    report = validate([tmp_path], schemas=["references"])
    assert sorted(Path(f).name for f in report.files) == ["deep.xml", "top.xml"]


def test_files_are_reported_in_the_order_given() -> None:
    report = validate([BROKEN, CLEAN], schemas=["references"])
    assert [Path(f).name for f in report.files] == ["broken.xml", "clean.xml"]


def test_jobs_give_the_same_report_as_one_process() -> None:
    files = [BROKEN, CLEAN, str(DATA / "xsd-cases.xml"), str(DATA / "xsd-ok.xml")]
    one = validate(files, schemas=[str(DATA / "mini.xsd"), "references"], jobs=1)
    two = validate(files, schemas=[str(DATA / "mini.xsd"), "references"], jobs=2)
    assert (two.files, two.diagnostics) == (one.files, one.diagnostics)


@pytest.mark.parametrize(("cores", "jobs"), [(1, 1), (2, 2), (64, MOST_JOBS)])
def test_a_run_not_told_how_many_jobs_uses_the_cores_up_to_a_ceiling(
    monkeypatch: pytest.MonkeyPatch, cores: int, jobs: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert default_jobs() == jobs


def test_on_file_is_called_once_per_file_up_to_the_total() -> None:
    calls: list[tuple[int, int]] = []
    validate([BROKEN, CLEAN], schemas=["references"], on_file=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]


def test_json_output_parses_and_counts_the_errors(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-q", "-f", "json", "-s", "references", BROKEN)
    assert json.loads(out)["summary"]["errors"] == 1


def test_output_file_is_written_and_stdout_stays_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "out" / "report.sarif"
    _, out, _ = run(capsys, "-q", "-f", "sarif", "-o", str(target), "-s", "references", BROKEN)
    assert (out, json.loads(target.read_text())["version"]) == ("", "2.1.0")


def test_the_summary_line_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "-s", "references", BROKEN, CLEAN)
    assert err.strip() == (
        "2 files: 1 error, 0 warnings in 1 file; schemas: references@0.1.0 (2 files)"
    )


def test_quiet_prints_no_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "-q", "-s", "references", CLEAN)[2] == ""


def test_github_format_writes_the_step_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(capsys, "-q", "-f", "github", "-s", "references", BROKEN)
    assert "`ref:unresolved`" in summary.read_text()


def test_an_unknown_remote_xml_model_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    remote = CASES / "schema_unavailable" / "remote-unknown.xml"
    code, out, _ = run(capsys, "-q", str(remote))
    assert (code, "error [schema:unavailable]" in out) == (2, True)


def test_xml_model_pi_names_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "-q", str(DATA / "with-pi.xml"))[0] == 0


def test_no_progress_bar_when_stderr_is_not_a_tty() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "teikit.cli",
            "validate",
            "-s",
            "references",
            *[CLEAN] * 1,
            BROKEN,
            str(DATA / "xsd-ok.xml"),
            str(DATA / "xsd-cases.xml"),
            str(DATA / "with-pi.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TERM": "xterm"},
    )
    assert "\x1b[" not in done.stderr
