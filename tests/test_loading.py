"""The locked-down loader: safe documents load, XIncludes keep their own location."""

from __future__ import annotations

from pathlib import Path

import pytest

from teikit.diagnostics import LoadError
from teikit.loading import max_bytes, parse_bytes, parse_file
from teikit.locations import file_of

from conftest import CASES


def test_a_tei_document_loads() -> None:
    assert (
        parse_bytes(b'<TEI xmlns="http://www.tei-c.org/ns/1.0"/>', "x.xml")
        .getroot()
        .tag.endswith("TEI")
    )


def test_xincluded_elements_name_their_own_file() -> None:
    tree = parse_file(CASES / "valid" / "xinclude-ok.xml")
    div = tree.find(".//{http://www.tei-c.org/ns/1.0}div")
    assert Path(file_of(div)).name == "chapter.xml"


def test_xincluded_elements_keep_their_own_line() -> None:
    tree = parse_file(CASES / "valid" / "xinclude-ok.xml")
    p = tree.find(".//{http://www.tei-c.org/ns/1.0}div/{http://www.tei-c.org/ns/1.0}p")
    assert p.sourceline == 2


def test_the_first_error_is_reported_not_the_last() -> None:
    with pytest.raises(LoadError) as caught:
        parse_bytes(b"<TEI>\n<p>open <hi>x</p>\n</TEI>", "m.xml")
    assert caught.value.diagnostic.line == 2


def test_size_limit_reads_the_environment_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "1234")
    assert max_bytes() == 1234


def test_a_nonsense_size_limit_keeps_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "-5")
    assert max_bytes() == 512 * 1024 * 1024
