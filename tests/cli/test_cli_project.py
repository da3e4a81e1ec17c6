"""The CLI on a configured project: no paths means the configured ones, flags win over
[tool.teikit], build and transform --validate take --schema, the job summary stays small."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from teikit.cli import main
from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.render import SUMMARY_LIMIT, step_summary

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "tei-kinds"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / "tei" / "drafts").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.teikit]\npaths = ["tei"]\nexclude = ["tei/drafts/**"]\n\n'
        '[tool.teikit.per-file-schemas]\n"**" = ["references"]\n'
    )
    shutil.copyfile(DATA / "letter.xml", root / "tei" / "letter.xml")
    shutil.copyfile(DATA / "poem.xml", root / "tei" / "poem.tei")
    (root / "tei" / "drafts" / "draft.xml").write_text("<TEI>not well-formed")
    # Saxon keeps the working folder it starts in as its base URI for the whole process:
    # start it here first, so later tests do not see this temporary folder in messages.
    from teikit import saxon

    saxon.processor()
    monkeypatch.chdir(root)
    return root


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["validate", "-q", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_validate_without_paths_checks_the_configured_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _json(capsys)
    assert (code, sorted(Path(f).name for f in report["files"])) == (  # type: ignore[union-attr]
        0,
        ["letter.xml", "poem.tei"],
    )


def test_the_configured_schemas_judge_the_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _json(capsys)
    names = {
        u["name"]
        for used in report["schemas"].values()  # type: ignore[attr-defined]
        for u in used
    }
    assert names == {"references"}


def test_a_schema_flag_wins_over_the_configuration(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _json(capsys, "--schema", "teikit", "tei/letter.xml")
    assert [u["name"] for u in report["schemas"]["tei/letter.xml"]] == [  # type: ignore[index]
        "teikit"
    ]


def test_exclude_on_the_command_line_adds_to_the_configuration(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _json(capsys, "--exclude", "*.tei")
    assert [Path(f).name for f in report["files"]] == ["letter.xml"]  # type: ignore[union-attr]


def test_no_paths_and_no_configuration_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "-q"]) == 2
    assert "configure them" in capsys.readouterr().err


def test_warnings_as_errors_makes_a_warning_fail(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poem = project / "tei" / "poem.tei"
    poem.write_text(
        poem.read_text().replace("?>\n", '?>\n<?xml-model href="https://example.org/s.rng"?>\n', 1)
    )
    (project / "pyproject.toml").write_text(
        '[tool.teikit]\npaths = ["tei"]\nunavailable = "warning"\n'
    )
    relaxed = main(["validate", "-q", "tei/poem.tei"])
    strict = main(["validate", "-q", "--warnings-as-errors", "tei/poem.tei"])
    assert (relaxed, strict) == (0, 1)


def test_build_takes_a_schema(project: Path, tmp_path: Path) -> None:
    """The letter is valid TEI but not valid against teikit's narrow profile."""
    out = tmp_path / "dist"
    assert main(["build", "tei/letter.xml", "-o", str(out), "-q", "--schema", "teikit"]) == 1
    assert main(["build", "tei/letter.xml", "-o", str(out), "-q", "--schema", "references"]) == 0


@pytest.mark.parametrize(
    ("schema", "code", "written"),
    [("teikit", 1, False), ("references", 0, True)],
    ids=["refuses-an-invalid-file", "writes-a-valid-file"],
)
def test_transform_validate(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    schema: str,
    code: int,
    written: bool,
) -> None:
    """The letter is valid TEI but not valid against teikit's narrow profile."""
    out = tmp_path / "letter.html"
    args = ["transform", "tei/letter.xml", "--to", "html", "-o", str(out), "--validate"]
    found = main([*args, "--schema", schema])
    errors = capsys.readouterr().err
    assert (found, out.exists(), "[rng:" in errors) == (code, written, not written)


def test_the_job_summary_stays_under_githubs_limit() -> None:
    many = [
        Diagnostic(Severity.ERROR, "rng:element-not-allowed", "x" * 400, f"f{i}.xml", i)
        for i in range(5000)
    ]
    report = Report(
        diagnostics=many,
        files=[f"f{i}.xml" for i in range(5000)],
        schemas={"f0.xml": [SchemaUse("tei_all", "4.3.0")]},
    )
    text = step_summary(report)
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT < len(report.render("markdown").encode())
    assert "more findings are not shown" in text.splitlines()[-1]


def test_a_small_job_summary_is_the_whole_table() -> None:
    report = Report(
        diagnostics=[Diagnostic(Severity.ERROR, "ref:unresolved", "m", "a.xml", 3)], files=["a.xml"]
    )
    assert step_summary(report) == report.render("markdown")
