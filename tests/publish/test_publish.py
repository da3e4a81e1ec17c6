"""Publishing: transform_file, build (validate first) and the CLI branches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from teikit.cli import main
from teikit.diagnostics import LoadError, UsageError
from teikit.publish import build, default_edition, transform_file

from conftest import DATA, EDITION, ROOT, missing

OUT = DATA / "outputs"
MALFORMED = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>open</body></text>'


def test_transform_file_returns_html_without_out() -> None:
    report, html = transform_file(OUT / "verse.xml", "html", None, None)
    assert report.ok and html is not None and html.startswith("<!DOCTYPE HTML>")


def test_transform_file_writes_to_out(tmp_path: Path) -> None:
    report, data = transform_file(OUT / "verse.xml", "text", {"width": "20"}, tmp_path / "v.txt")
    assert data is None and "a third begins" in (tmp_path / "v.txt").read_text("utf-8")


def test_transform_file_epub_defaults_to_the_input_stem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    transform_file(OUT / "verse.xml", "epub", None, None)
    assert (tmp_path / "verse.epub").is_file()


def test_transform_file_load_error_propagates(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(MALFORMED)
    with pytest.raises(LoadError):
        transform_file(bad, "html", None, None)


def test_build_writes_three_outputs_for_a_valid_document(tmp_path: Path) -> None:
    if not EDITION.is_file():
        missing(f"the edition {EDITION}")
    report, written = build(EDITION, tmp_path / "dist")
    stem = EDITION.stem
    assert report.ok and [p.name for p in written] == [
        f"{stem}.html",
        f"{stem}.txt",
        f"{stem}.epub",
    ]


def test_build_refuses_an_invalid_document_and_writes_nothing(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "editorial.html").write_bytes(b"previous good build")
    report, written = build(OUT / "editorial.xml", dist)
    assert (report.ok, written) == (False, [])
    assert [p.name for p in dist.iterdir()] == ["editorial.html"]
    assert (dist / "editorial.html").read_bytes() == b"previous good build"


def test_build_force_publishes_an_invalid_document(tmp_path: Path) -> None:
    report, written = build(OUT / "editorial.xml", tmp_path, force=True)
    assert not report.ok and len(written) == 3 and all(p.stat().st_size for p in written)


def test_default_edition_is_relative_to_the_current_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    if not EDITION.is_file():
        missing(f"the edition {EDITION}")
    monkeypatch.chdir(ROOT)
    assert default_edition().resolve() == EDITION


def test_default_edition_missing_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="edition"):
        default_edition()


def test_cli_transform_text_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transform", str(OUT / "drama.xml"), "--to", "text"]) == 0
    assert "Действие первое" in capsys.readouterr().out


def test_cli_transform_malformed_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(MALFORMED)
    assert main(["transform", str(bad), "--to", "html"]) == 2
    assert "xml:malformed" in capsys.readouterr().err


def test_cli_transform_unknown_param_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transform", str(OUT / "verse.xml"), "--to", "text", "-p", "colour=red"]) == 2
    assert "unknown parameter" in capsys.readouterr().err


def test_cli_build_invalid_exits_1_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(OUT / "editorial.xml"), "-o", str(tmp_path)]) == 1
    assert "rng:" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_cli_build_without_input_outside_the_repository_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 2


def test_cli_build_edition_from_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not EDITION.is_file():
        missing(f"the edition {EDITION}")
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "tei", work / "tei")
    shutil.copytree(ROOT / "schemas", work / "schemas")
    monkeypatch.chdir(work)
    assert main(["build", "-q"]) == 0
    assert sorted(p.suffix for p in (work / "dist").iterdir()) == [".epub", ".html", ".txt"]
