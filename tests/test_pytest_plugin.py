"""``pytest --teikit`` on a small project in a temporary folder.

One run is a fresh ``pytest`` process, as a user starts it (the ``pytest11`` entry point
found from the installed package, the plugin imported from nothing); the others run
pytest in this process (pytester's in-process run loads the entry points afresh too),
which proves the same behaviour for a sixth of the CPU of a process start.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DATA as TEST_DATA
from helpers.hostile import ENDLESS_SCHEMATRON

pytest_plugins = ["pytester"]

DATA = TEST_DATA / "tei-kinds"
CONFIG = """
[project]
name = "edition"

[tool.teikit]
paths = ["tei"]
exclude = ["tei/drafts/**"]

[tool.teikit.per-file-schemas]
"**" = ["references"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """tei/ with a valid letter and poem, a letter with a dangling @ref, a draft that is
    excluded, and an SVG that is not TEI."""
    pytester.makepyprojecttoml(CONFIG)
    tei = pytester.path / "tei"
    (tei / "drafts").mkdir(parents=True)
    for name in ("letter.xml", "poem.xml"):
        (tei / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = (
        (DATA / "letter.xml")
        .read_text(encoding="utf-8")
        .replace('ref="#anna">Anna</persName>,', 'ref="#nobody">Anna</persName>,')
    )
    (tei / "broken.xml").write_text(broken, encoding="utf-8")
    (tei / "drafts" / "draft.xml").write_text(broken, encoding="utf-8")
    (tei / "figure.xml").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return pytester


def test_each_configured_tei_file_is_an_item(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("--teikit", "--collect-only", "-q")
    assert sorted(line for line in result.outlines if "tei/" in line) == [
        "teikit::tei/broken.xml",
        "teikit::tei/letter.xml",
        "teikit::tei/poem.xml",
    ]


def test_valid_files_pass_and_a_dangling_ref_fails(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--teikit")
    result.assert_outcomes(passed=2, failed=1)


def test_the_failure_shows_teikits_diagnostics(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("--teikit")
    result.stdout.fnmatch_lines(
        [
            "*teikit found problems (judged by references@*",
            "*broken.xml:*: error [[]ref:unresolved[]]*#nobody*",
        ]
    )


def test_k_selects_tei_items_like_any_test(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("--teikit", "-k", "poem")
    result.assert_outcomes(passed=1)


def test_without_the_flag_no_tei_item_is_collected(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("--collect-only", "-q")
    assert not any("tei/" in line for line in result.outlines)


def test_without_tool_teikit_the_flag_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[project]\nname = "x"\n')
    result = pytester.runpytest_inprocess("--teikit")
    assert result.ret != 0 and "needs [tool.teikit]" in result.stderr.str() + result.stdout.str()


def test_a_teikit_lock_alone_is_no_configuration_for_the_flag(pytester: pytest.Pytester) -> None:
    """A lock says which schema bytes; it does not say which files are the project's TEI."""
    pytester.makepyprojecttoml('[project]\nname = "x"\n')
    (pytester.path / "teikit.lock").write_text("[schemas]\n")
    result = pytester.runpytest_inprocess("--teikit")
    assert result.ret != 0 and "needs [tool.teikit]" in result.stderr.str() + result.stdout.str()


def test_the_configured_deadline_stops_a_document_that_never_ends(
    pytester: pytest.Pytester, tei_all: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[tool.teikit] timeout bounds each item as it bounds `teikit validate`: a document
    whose own Schematron never ends fails with load:timeout, the others pass."""
    from teikit.validation.store import LEGACY_INDEX, STORE_FILE

    # pytester moves HOME (and so the default store): keep the store tei_all is in.
    store = next(p for p in tei_all.parents if {STORE_FILE, LEGACY_INDEX} & {*os.listdir(p)})
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(store))
    pytester.makepyprojecttoml('[tool.teikit]\npaths = ["tei"]\ntimeout = 1\n')
    (pytester.path / "rules").mkdir()
    (pytester.path / "rules" / "endless.sch").write_text(ENDLESS_SCHEMATRON, encoding="utf-8")
    (pytester.path / "tei").mkdir()
    poem = (DATA / "poem.xml").read_text(encoding="utf-8")
    (pytester.path / "tei" / "poem.xml").write_text(poem, encoding="utf-8")
    pi = '<?xml-model href="../rules/endless.sch" schematypens="http://purl.oclc.org/dsdl/schematron"?>'
    (pytester.path / "tei" / "endless.xml").write_text(
        poem.replace("?>\n", "?>\n" + pi + "\n", 1), encoding="utf-8"
    )
    result = pytester.runpytest_subprocess("--teikit", timeout=120)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*endless.xml*error [[]load:timeout[]]*"])
