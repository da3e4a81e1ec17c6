"""teikit.saxon: one processor, one compile cache shared by every engine, messages kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from teikit import saxon
from teikit.diagnostics import Severity
from teikit.loading import parse_bytes

SHEET = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:param name="who" select="'nobody'"/>
  <xsl:template match="/">
    <xsl:message>plain words</xsl:message>
    <xsl:message>teikit|error|bad-p|/tei:TEI[1]/tei:text[1]|the p is bad</xsl:message>
    <out><xsl:value-of select="$who"/></out>
  </xsl:template>
</xsl:stylesheet>"""

DOC = b"""<TEI xmlns="http://www.tei-c.org/ns/1.0">
<text><p>x</p></text></TEI>"""


def test_processor_is_created_once() -> None:
    assert saxon.processor() is saxon.processor()


def test_importing_the_module_does_not_load_saxonche() -> None:
    # the batch runner forks workers only while saxonche is not loaded
    import subprocess

    code = "import teikit.saxon, sys; print('saxonche' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_same_text_compiles_once() -> None:
    assert saxon.compile_text(SHEET) is saxon.compile_text(SHEET)


def test_same_file_compiles_once_and_an_edit_recompiles(tmp_path: Path) -> None:
    path = tmp_path / "s.xsl"
    path.write_text(SHEET, encoding="utf-8")
    first = saxon.compile_file(path)
    assert saxon.compile_file(path) is first
    path.write_text(SHEET.replace("nobody", "somebody!"), encoding="utf-8")
    assert saxon.compile_file(path) is not first


def test_run_returns_output_parameters_and_every_message() -> None:
    tree = parse_bytes(DOC, "m.xml")
    out = saxon.compile_text(SHEET).run(tree, {"who": "ana"})
    assert "<out>ana</out>" in out.text
    assert out.messages == [
        "plain words",
        "teikit|error|bad-p|/tei:TEI[1]/tei:text[1]|the p is bad",
    ]


def test_messages_become_located_diagnostics() -> None:
    tree = parse_bytes(DOC, "m.xml")
    out = saxon.compile_text(SHEET).run(tree)
    plain, located = saxon.message_diagnostics(out.messages, tree, "m.xml")
    assert (plain.severity, plain.rule, plain.message) == (
        Severity.INFO,
        "xslt:message",
        "plain words",
    )
    assert (located.severity, located.rule, located.line, located.xpath) == (
        Severity.ERROR,
        "xslt:bad-p",
        2,
        "/tei:TEI[1]/tei:text[1]",
    )


def test_a_stylesheet_that_does_not_compile_raises_compile_error() -> None:
    with pytest.raises(saxon.CompileError, match="does not compile"):
        saxon.compile_text(SHEET.replace("$who", "$nobody-declared-me"))


def test_terminate_raises_run_error_with_the_messages() -> None:
    stop = SHEET.replace(
        "<xsl:message>plain words</xsl:message>",
        '<xsl:message terminate="yes">stop here</xsl:message>',
    )
    with pytest.raises(saxon.RunError) as caught:
        saxon.compile_text(stop).run(parse_bytes(DOC, "m.xml"))
    assert caught.value.messages == ["stop here"]
