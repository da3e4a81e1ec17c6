"""RelaxNG errors in a document assembled with XInclude: each named in the file it was
read from, at the line and column jing gives when run on that file.

One schema serves jing on all three files: its start is the document or a division,
and a document may hold ``xi:include`` where a division goes, so jing reads the
document as written and each part on its own, while teikit validates the assembled
tree. As in TEI, ``xml:base`` is allowed: the loader marks each included element with
it, as XInclude processing does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from teikit.diagnostics import Diagnostic
from teikit.locations import display_path
from teikit.validation import validate

from helpers import jing

TEI = "http://www.tei-c.org/ns/1.0"
XI = "http://www.w3.org/2001/XInclude"

SCHEMA = f"""<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="{TEI}"
    xmlns:xi="{XI}">
  <start><choice><ref name="TEI"/><ref name="div"/><ref name="group"/></choice></start>
  <define name="TEI"><element name="TEI"><oneOrMore><choice><ref name="div"/>
    <element name="xi:include"><attribute name="href"/><optional>
    <attribute name="xpointer"/></optional></element></choice></oneOrMore></element></define>
  <define name="group"><element name="group"><oneOrMore><ref name="div"/></oneOrMore>
    </element></define>
  <define name="div"><element name="div"><optional><attribute name="xml:id"/></optional>
    <optional><attribute name="xml:base"/></optional>
    <attribute name="n"/><element name="head"><text/></element>
    <zeroOrMore><element name="p"><text/></element></zeroOrMore></element></define>
</grammar>
"""

MAIN = f"""<TEI xmlns="{TEI}" xmlns:xi="{XI}">
<div n="1"><head>h</head><p>a</p></div>
<xi:include href="parts/two.xml"/>
<div n="3">
  <p>no head</p></div>
<xi:include href="parts/more.xml" xpointer="element(b)"/>
<div><head>h</head></div>
</TEI>
"""

TWO = f"""<div xmlns="{TEI}" n="2">stray
  <p>before the head</p>
  <head>late</head>
  <bogus/>
</div>
"""

MORE = f"""<group xmlns="{TEI}">
  <div xml:id="a" n="a"><p>not included</p></div>
  <div xml:id="b"
       n="b"><head>h</head>
    <p>ok</p><p>text<hi>x</hi></p>
    <list/>
  </div>
</group>
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xinclude")
    (folder / "parts").mkdir()
    (folder / "s.rng").write_text(SCHEMA, encoding="utf-8")
    (folder / "main.xml").write_text(MAIN, encoding="utf-8")
    (folder / "parts" / "two.xml").write_text(TWO, encoding="utf-8")
    (folder / "parts" / "more.xml").write_text(MORE, encoding="utf-8")
    return folder


def _places(found: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return sorted((Path(d.file).name, d.line, d.column) for d in found)


def test_each_error_is_placed_in_its_own_file_as_jing_places_it(made: Path) -> None:
    files = [made / "main.xml", made / "parts" / "two.xml", made / "parts" / "more.xml"]
    theirs = jing.check(made / "s.rng", files)
    expected = theirs[files[0]] + theirs[files[1]]
    # of more.xml only the included division counts (lines 3 to 7)
    expected += [d for d in theirs[files[2]] if 3 <= d.line <= 7]
    report = validate([made / "main.xml"], schemas=[str(made / "s.rng")])
    mine = [d for d in report.diagnostics if d.rule.startswith("rng:")]
    assert _places(mine) == _places(expected)
    assert {Path(d.file).name for d in mine} == {"main.xml", "two.xml", "more.xml"}


def test_every_error_has_a_column(made: Path) -> None:
    report = validate([made / "main.xml"], schemas=[str(made / "s.rng")])
    assert report.diagnostics
    assert all(d.column > 0 for d in report.diagnostics)


def test_the_file_is_named_as_the_report_names_files(made: Path) -> None:
    report = validate([made / "main.xml"], schemas=[str(made / "s.rng")])
    two = [d for d in report.diagnostics if d.file.endswith("two.xml")]
    assert two
    assert all(d.file == display_path(str(made / "parts" / "two.xml")) for d in two)
