"""Which files a run validates: .xml and .tei, exclude globs, non-TEI XML skipped when
found (an error when named), XInclude parts validated inside their parent only."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from teikit.diagnostics import Severity
from teikit.validation import validate
from teikit.validation.discovery import discover, matches

TEI = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0"{extra}><teiHeader><fileDesc><titleStmt><title>T</title>
</titleStmt><publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p></sourceDesc>
</fileDesc></teiHeader><text><body>{body}</body></text></TEI>
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n'
XSLT = '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/>\n'
POM = '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion></project>\n'
PART = '<div xmlns="http://www.tei-c.org/ns/1.0"><p>Included part.</p></div>\n'


def _tei(body: str = "<p>x</p>", extra: str = "") -> str:
    return TEI.format(body=body, extra=extra)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "tei" / "drafts").mkdir(parents=True)
    (root / "tei" / "a.xml").write_text(_tei())
    (root / "tei" / "b.tei").write_text(_tei())
    (root / "tei" / "drafts" / "c.xml").write_text(_tei())
    (root / "tei" / "figure.svg.xml").write_text(SVG)
    (root / "tei" / "style.xml").write_text(XSLT)
    (root / "tei" / "pom.xml").write_text(POM)
    (root / "tei" / "notes.txt").write_text("not xml")
    return root


def _names(files: list[Path]) -> list[str]:
    return [p.name for p in files]


def test_a_folder_yields_xml_and_tei_files(project: Path) -> None:
    files, _ = discover([project / "tei"])
    assert _names(files) == ["a.xml", "b.tei", "c.xml"]


def test_non_tei_xml_in_a_folder_is_skipped_with_an_info(project: Path) -> None:
    _, notes = discover([project / "tei"])
    assert sorted((Path(d.file).name, d.severity, d.rule) for d in notes) == [
        (name, Severity.INFO, "load:skipped-not-tei")
        for name in ("figure.svg.xml", "pom.xml", "style.xml")
    ]


def test_non_tei_xml_named_explicitly_is_an_error(project: Path) -> None:
    report = validate([project / "tei" / "pom.xml"], schemas=["references"])
    assert (report.exit_code, [d.rule for d in report]) == (2, ["load:not-tei"])


def test_a_folder_run_with_only_skipped_non_tei_is_clean(project: Path) -> None:
    report = validate([project / "tei"], schemas=["references"])
    assert (report.exit_code, len(report.files)) == (0, 3)


def test_exclude_globs_drop_files_relative_to_the_root(project: Path) -> None:
    files, _ = discover([project / "tei"], exclude=["tei/drafts/**"], root=project)
    assert _names(files) == ["a.xml", "b.tei"]


def test_an_exclude_without_a_slash_matches_any_name(project: Path) -> None:
    files, _ = discover([project / "tei"], exclude=["*.tei"], root=project)
    assert _names(files) == ["a.xml", "c.xml"]


def test_include_changes_what_a_folder_search_takes(project: Path) -> None:
    files, _ = discover([project / "tei"], include=["*.tei"])
    assert _names(files) == ["b.tei"]


def test_a_malformed_file_is_never_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><oops></TEI>")
    files, _ = discover([tmp_path])
    assert _names(files) == ["broken.xml"]


def test_skip_non_tei_applies_to_named_files_when_asked(project: Path) -> None:
    files, notes = discover(
        [project / "tei" / "pom.xml", project / "tei" / "a.xml"], skip_non_tei=True
    )
    assert (_names(files), [d.rule for d in notes]) == (["a.xml"], ["load:skipped-not-tei"])


def test_an_xincluded_file_is_validated_only_inside_its_parent(tmp_path: Path) -> None:
    (tmp_path / "part.xml").write_text(PART)
    (tmp_path / "main.xml").write_text(
        _tei('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>')
    )
    report = validate([tmp_path], schemas=["references"])
    notes = [(Path(d.file).name, d.rule) for d in report]
    assert (report.exit_code, [Path(f).name for f in report.files], notes) == (
        0,
        ["main.xml"],
        [("part.xml", "load:xinclude-part")],
    )


def test_the_part_info_names_the_parent(tmp_path: Path) -> None:
    (tmp_path / "part.xml").write_text(PART)
    (tmp_path / "main.xml").write_text(
        _tei('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>')
    )
    _, notes = discover([tmp_path])
    assert "main.xml" in notes[0].message


def test_an_invalid_part_fails_its_parent(tmp_path: Path) -> None:
    (tmp_path / "part.xml").write_text(
        PART.replace("<p>", '<p><persName ref="#nobody">X</persName>')
    )
    (tmp_path / "main.xml").write_text(
        _tei('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>')
    )
    report = validate([tmp_path], schemas=["references"])
    assert [d.rule for d in report.errors] == ["ref:unresolved"]


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("tei/drafts/**", "tei/drafts/x/y.xml", True),
        ("tei/drafts/**", "tei/final/y.xml", False),
        ("**/*.tei", "a/b/c.tei", True),
        ("**/*.tei", "c.tei", True),
        ("tei/*.xml", "tei/sub/a.xml", False),
        ("drafts", "tei/drafts/a.xml", True),
    ],
)
def test_glob_matching(pattern: str, path: str, hit: bool, tmp_path: Path) -> None:
    assert matches(pattern, tmp_path / path, tmp_path) is hit


NS = b"http://www.tei-c.org/ns/1.0"


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0" encoding="utf-8"?>\n<TEI xmlns="' + NS + b'" xml:id="a"><p/></TEI>',
        b"<?xml version='1.0'?><!-- a - b --><?xml-model href='x'?>\n<t:TEI xmlns:t='" + NS + b"'>",
        b'<teiCorpus xmlns="' + NS + b'"/>',
        b'<TEI a="x>y" xmlns="' + NS + b'">',
        b'<TEI xmlns="http://other">',
        b"<TEI>",
        b'<tei:TEI xmlns="' + NS + b'">',
        b'<!DOCTYPE TEI><TEI xmlns="' + NS + b'">',
        b'\xef\xbb\xbf<TEI xmlns="' + NS + b'">',
        b'<TEI xmlns="' + NS + b'" xmlns="' + NS + b'">',
        b'junk<TEI xmlns="' + NS + b'">',
        b'<TEI foo="xmlns=&quot;x&quot;" xmlns="' + NS + b'">',
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_the_quick_root_check_agrees_with_the_parser(tmp_path: Path, head: bytes) -> None:
    """Discovery reads a plain start tag without a parser; when it answers, it answers
    what the parser would, and it never decides to skip a file."""
    from teikit.validation.discovery import _plain_tei, is_tei

    (tmp_path / "f.xml").write_bytes(head)
    assert _plain_tei(head) in (None, is_tei(tmp_path / "f.xml"))
    assert _plain_tei(head) is not False


def test_a_folder_walk_leaves_no_reference_cycle(tmp_path: Path) -> None:
    """The walk's files are freed when the run lets go of them, not at the cyclic
    collector's next pass (which a run pauses while it discovers): nothing it made is
    garbage only that collector could free."""
    for folder in ("a", "a/b", "c"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "x.xml").write_text(
            TEI.format(extra="", body="<p/>"), encoding="utf-8"
        )
    gc.collect()
    gc.disable()
    try:
        files, _ = discover([tmp_path])
        assert len(files) == 3
        del files
        assert gc.collect() == 0
    finally:
        gc.enable()
