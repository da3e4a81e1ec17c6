"""XInclude resolved by teikit: included elements keep their own file and line."""

from __future__ import annotations

from pathlib import Path

from teikit.loading import parse_file
from teikit.locations import file_of

from conftest import CASES


def test_xincluded_elements_name_their_own_file() -> None:
    tree = parse_file(CASES / "valid" / "xinclude-ok.xml")
    div = tree.find(".//{http://www.tei-c.org/ns/1.0}div")
    assert Path(file_of(div)).name == "chapter.xml"


def test_xincluded_elements_keep_their_own_line() -> None:
    tree = parse_file(CASES / "valid" / "xinclude-ok.xml")
    p = tree.find(".//{http://www.tei-c.org/ns/1.0}div/{http://www.tei-c.org/ns/1.0}p")
    assert p.sourceline == 2
