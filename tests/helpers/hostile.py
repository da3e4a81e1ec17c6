"""Pieces shared by the tests that attack a run: a Schematron that never ends, and a
JSON report read back as the rules found per file (to assert which file paid)."""

from __future__ import annotations

import json
from pathlib import Path

#: A Schematron rule that never ends (an XSLT function calling itself, in tail position).
ENDLESS_SCHEMATRON = (
    '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" '
    'xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:f="urn:f" queryBinding="xslt2">\n'
    '<sch:ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>\n'
    '<xsl:function name="f:loop"><xsl:param name="n"/>'
    '<xsl:sequence select="f:loop($n + 1)"/></xsl:function>\n'
    '<sch:pattern><sch:rule context="tei:TEI">\n'
    '<sch:report test="true()"><sch:value-of select="f:loop(1)"/></sch:report>\n'
    "</sch:rule></sch:pattern></sch:schema>\n"
)


def rules_by_file(report_json: str) -> dict[str, list[str]]:
    """The rule codes of a JSON report per file name, every validated file present."""
    data = json.loads(report_json)
    found: dict[str, list[str]] = {Path(f).name: [] for f in data["files"]}
    for d in data["diagnostics"]:
        found.setdefault(Path(d["file"]).name, []).append(d["rule"])
    return found
