"""The click commands through ``CliRunner``: each command's flags, output and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit.cli import FORMATS, cli, parse_params, table
from teikit.render import RENDERERS

from conftest import DATA

VALIDATION = DATA / "validation"
VERSE = DATA / "outputs" / "verse.xml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_clean_exits_0(runner: CliRunner) -> None:
    done = runner.invoke(
        cli, ["validate", "-q", "-s", str(VALIDATION / "mini.rng"), str(VALIDATION / "clean.xml")]
    )
    assert (done.exit_code, done.output) == (0, "")


def test_validate_findings_exit_1_and_print_the_report(runner: CliRunner) -> None:
    done = runner.invoke(
        cli, ["validate", "-q", "-s", str(VALIDATION / "mini.rng"), str(VALIDATION / "broken.xml")]
    )
    assert done.exit_code == 1 and "error [rng:" in done.stdout


def test_validate_offers_every_renderer_as_a_format() -> None:
    assert FORMATS == tuple(RENDERERS)


def test_validate_markdown_format(runner: CliRunner) -> None:
    done = runner.invoke(
        cli,
        ["validate", "-q", "-f", "markdown", "-s", "references", str(VALIDATION / "broken.xml")],
    )
    assert done.exit_code == 1 and "`ref:unresolved`" in done.stdout


def test_an_unreadable_input_is_reported_in_the_chosen_format(
    runner: CliRunner, tmp_path: Path
) -> None:
    done = runner.invoke(cli, ["validate", "-q", "-f", "json", str(tmp_path / "none.xml")])
    assert done.exit_code == 2
    assert json.loads(done.stdout)["diagnostics"][0]["rule"] == "load:not-found"


def test_jobs_below_one_mean_one(runner: CliRunner) -> None:
    done = runner.invoke(
        cli, ["validate", "-q", "-j", "0", "-s", "references", str(VALIDATION / "clean.xml")]
    )
    assert done.exit_code == 0


def test_transform_text_goes_to_stdout(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["transform", str(VERSE), "--to", "text"])
    assert done.exit_code == 0 and "a third begins" in done.stdout


def test_transform_with_a_malformed_param_exits_2(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["transform", str(VERSE), "--to", "text", "-p", "width"])
    assert done.exit_code == 2 and "key=value" in done.stderr


def test_transform_needs_a_format(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["transform", str(VERSE)])
    assert done.exit_code == 2 and "--to" in done.stderr


def test_build_writes_three_files_into_the_output_folder(runner: CliRunner, tmp_path: Path) -> None:
    done = runner.invoke(cli, ["build", str(VERSE), "-o", str(tmp_path), "--force"])
    assert done.exit_code in (0, 1), done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["verse.epub", "verse.html", "verse.txt"]
    assert done.stderr.count("wrote ") == 3


def test_schemas_list_prints_the_table_and_the_store(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path))
    done = runner.invoke(cli, ["schemas", "list"])
    lines = done.stdout.splitlines()
    assert done.exit_code == 0
    assert (lines[0].split(), lines[1].split()[0], lines[-1]) == (
        ["NAME", "VERSION", "KIND", "SHA-256", "STATE"],
        "tei_all",
        f"store: {tmp_path}",
    )


def test_schemas_fetch_refuses_a_path_and_from_together(runner: CliRunner) -> None:
    done = runner.invoke(cli, ["schemas", "fetch", "tei_all", "a.rng", "--from", "b.rng"])
    assert done.exit_code == 2 and "not both" in done.stderr


def test_schemas_has_no_other_action(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["schemas", "remove", "x"]).exit_code == 2


def test_params_become_a_dict() -> None:
    assert parse_params(["width=72", "page-markers=true"]) == {
        "width": "72",
        "page-markers": "true",
    }


def test_table_aligns_columns_under_the_header() -> None:
    text = table([{"a": "long value", "b": "x"}], {"a": "A", "b": "B"})
    assert text.splitlines() == ["A           B", "long value  x"]


@pytest.mark.parametrize(
    ("flags", "config", "jobs"),
    [([], "", 3), ([], "jobs = 2\n", 2), (["-j", "1"], "jobs = 2\n", 1)],
)
def test_a_folder_build_takes_its_jobs_as_validate_does(
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    config: str,
    jobs: int,
) -> None:
    """--jobs, else [tool.teikit] jobs, else the cores (here 3): the real build, watched."""
    import os

    import teikit.collection

    real, seen = teikit.collection.build_collection, []

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(kwargs["jobs"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(teikit.collection, "build_collection", watched)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.teikit]\n{config}", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "verse.xml").write_bytes(VERSE.read_bytes())
    done = runner.invoke(cli, ["build", "-q", "corpus", "-o", "site", "--force", *flags])
    assert (done.exit_code, seen) == (0, [jobs]), done.output
    assert (tmp_path / "site" / "verse.html").is_file()
