"""The documents that XInclude a named part join a pre-commit run (validation/parents.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teikit.validation.parents import including

XI = "http://www.w3.org/2001/XInclude"
TEI = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="{xi}"><teiHeader><fileDesc><titleStmt>
<title>T</title></titleStmt><publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p>
</sourceDesc></fileDesc></teiHeader><text><body>{body}</body></text></TEI>
"""
PART = '<div xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="{xi}"><p>x</p>{body}</div>\n'


def _write(path: Path, template: str, href: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f'<xi:include href="{href}"/>' if href else ""
    path.write_text(template.format(xi=XI, body=body), encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """book.xml includes part.xml, which includes chapter.xml; other.xml includes nothing."""
    _write(tmp_path / "tei" / "book.xml", TEI, "parts/part.xml")
    _write(tmp_path / "tei" / "parts" / "part.xml", PART, "chapter.xml")
    _write(tmp_path / "tei" / "parts" / "chapter.xml", PART)
    _write(tmp_path / "tei" / "other.xml", TEI)
    return tmp_path


def _names(found: list[Path]) -> list[str]:
    return [p.name for p in found]


def test_a_named_part_brings_the_documents_that_include_it(book: Path) -> None:
    found = including([book / "tei" / "parts" / "chapter.xml"], [book / "tei"], include=["*.xml"])
    assert _names(found) == ["book.xml", "part.xml"]


def test_a_named_tei_document_starts_no_search(book: Path) -> None:
    assert including([book / "tei" / "other.xml"], [book / "tei"], include=["*.xml"]) == []


def test_excluded_documents_are_not_brought(book: Path) -> None:
    found = including(
        [book / "tei" / "parts" / "part.xml"],
        [book / "tei"],
        include=["*.xml"],
        exclude=["tei/book.xml"],
        root=book,
    )
    assert found == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_out_of_the_project_is_not_read(
    book: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    outside = _write(elsewhere / "runner.xml", TEI, str(book / "tei" / "parts" / "part.xml"))
    (book / "tei" / "link.xml").symlink_to(outside)
    found = including([book / "tei" / "parts" / "part.xml"], [book / "tei"], include=["*.xml"])
    assert _names(found) == ["book.xml"]
