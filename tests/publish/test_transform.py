"""teikit.transform: one Saxon processor, stylesheets compiled once, messages as diagnostics."""

from __future__ import annotations

import pytest

import teikit
from teikit import transform as _api  # noqa: F401  (the public function)
from teikit.diagnostics import Severity, UsageError
from teikit.loading import parse_bytes
from teikit.transform import STYLESHEETS, epub_bundle, parameters, run, wrap

from conftest import DATA

OUT = DATA / "outputs"

BROKEN_REF = b"""<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt><title>T</title></titleStmt><publicationStmt><p/></publicationStmt>
<sourceDesc><p/></sourceDesc></fileDesc></teiHeader>
<text><body><p>Hello
<persName ref="#nobody">Nobody</persName>.</p></body></text></TEI>"""


def _doc(data: bytes, name: str = "mem.xml") -> teikit.Document:
    return teikit.Document(parse_bytes(data, name))


def test_transform_returns_the_output_string() -> None:
    doc = teikit.load(OUT / "verse.xml")
    assert "a third begins" in teikit.transform(doc, "text").output


def test_transform_returns_the_stylesheet_messages() -> None:
    result = teikit.transform(_doc(BROKEN_REF), "html")
    assert [d.rule for d in result.diagnostics] == ["xslt:unresolved-ref"]


def test_document_facade_keeps_the_stylesheet_messages() -> None:
    assert [d.rule for d in _doc(BROKEN_REF).to_html().diagnostics] == ["xslt:unresolved-ref"]


def test_epub_bundle_is_not_a_public_format() -> None:
    assert "epub-bundle" not in STYLESHEETS
    with pytest.raises(UsageError, match="unknown output format"):
        run(teikit.load(OUT / "verse.xml"), "epub-bundle")


def test_epub_bundle_is_made_for_the_packager() -> None:
    assert "urn:x-teikit:bundle" in epub_bundle(teikit.load(OUT / "verse.xml")).output


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown output format"):
        run(teikit.load(OUT / "verse.xml"), "pdf")


def test_unknown_parameter_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="widht"):
        run(teikit.load(OUT / "verse.xml"), "text", {"widht": "72"})


def test_boolean_parameter_must_be_true_or_false() -> None:
    with pytest.raises(UsageError, match="page-markers"):
        run(teikit.load(OUT / "verse.xml"), "text", {"page-markers": "yes"})


def test_width_must_be_a_number() -> None:
    with pytest.raises(UsageError, match="width"):
        run(teikit.load(OUT / "verse.xml"), "text", {"width": "wide"})


def test_parameters_are_read_from_the_stylesheets() -> None:
    assert {"width", "page-markers", "ui-lang"} <= set(parameters("text"))
    assert {"toc", "index", "css", "ui-lang"} <= set(parameters("html"))


def test_xsl_message_becomes_a_located_diagnostic() -> None:
    result = run(_doc(BROKEN_REF), "html")
    [d] = [d for d in result.diagnostics if d.rule == "xslt:unresolved-ref"]
    assert (d.severity, d.line, d.xpath) == (
        Severity.WARNING,
        5,
        "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[1]/tei:persName[1]",
    )


def test_unresolved_reference_still_renders_the_name() -> None:
    assert "Nobody" in run(_doc(BROKEN_REF), "html").output


def test_ui_language_parameter_changes_labels() -> None:
    doc = teikit.load(OUT / "editorial.xml")
    assert "Примечания" in run(doc, "html", {"ui-lang": "ru"}).output


def test_wrap_never_splits_a_word() -> None:
    line = "short " + "x" * 30 + " words here"
    assert wrap(line, 10).split() == line.split()


def test_wrap_zero_leaves_lines_alone() -> None:
    line = "word " * 50
    assert wrap(line, 0) == line


def test_a_prepared_document_gives_the_same_outputs_and_never_a_stale_one() -> None:
    """build parses a document and applies the word rule once for its three formats
    (transform.prepared); the outputs are those of formats rendered one by one, and a
    tree edited inside the block is rendered afresh, not from the prepared tree."""
    from teikit.transform import prepared

    doc = teikit.load(DATA / "structures" / "letter.xml")
    alone = [run(doc, f).output for f in ("html", "text")] + [epub_bundle(doc).output]
    with prepared(doc):
        shared = [run(doc, f).output for f in ("html", "text")] + [epub_bundle(doc).output]
        p = doc.tree.find(".//{http://www.tei-c.org/ns/1.0}p")
        assert p is not None
        p.text = "Ganz neu: " + (p.text or "")
        edited = run(doc, "text").output
    assert shared == alone
    assert "Ganz neu:" in edited
