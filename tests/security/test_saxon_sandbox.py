"""The Saxon configuration itself is a sandbox: stylesheets compiled on the sandboxed
processor cannot read files, reach the loopback server, see the environment or write
files, even though they never went through teikit's static Schematron check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teikit.saxon import sandbox
from tests.security.conftest import Attack


def _run(xpath: str, extra: str = "") -> str:
    sheet = (
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        f'<xsl:template match="/"><r><xsl:value-of select="{xpath}"/>{extra}</r>'
        "</xsl:template></xsl:stylesheet>"
    )
    proc = sandbox()
    executable = proc.new_xslt30_processor().compile_stylesheet(stylesheet_text=sheet)
    return str(executable.transform_to_string(xdm_node=proc.parse_xml(xml_text="<a/>")))


@pytest.mark.parametrize("how", ["unparsed-text('{file}')", "string(doc('{file}'))"])
def test_the_sandbox_reads_no_file(attack: Attack, how: str) -> None:
    with pytest.raises(Exception, match="prohibited"):
        _run(how.format(file=attack.secret_file.as_uri()))


def test_the_sandbox_reaches_no_loopback_server(attack: Attack) -> None:
    with pytest.raises(Exception, match="prohibited"):
        _run(f"unparsed-text('{attack.loopback.url}/leak')")
    assert attack.loopback.hits == []


def test_the_sandbox_sees_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ.setdefault("TEIKIT_SANDBOX_PROBE", "visible")
    assert "visible" not in _run("environment-variable('TEIKIT_SANDBOX_PROBE')")


def test_the_sandbox_writes_no_file(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    with pytest.raises(Exception, match="disabled"):
        _run("'x'", f'<xsl:result-document href="{target.as_uri()}">x</xsl:result-document>')
    assert not target.exists()
