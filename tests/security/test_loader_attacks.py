"""The loader's promises, attacked: no DTD whatever the encoding or position, one
parser's limits for libxml2 and Saxon, linear-time prefixDef patterns, honest locations
and no reading outside the project."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import Attack, tei

ENTITY = '<!DOCTYPE TEI [\n<!ENTITY secret SYSTEM "{file}">\n]>\n'


def test_a_doctype_after_a_70_kb_comment_is_still_refused(attack: Attack) -> None:
    comment = "<!--" + "x" * 70_000 + "-->\n"
    body = tei("<p>&secret;</p>", before=comment + ENTITY.format(file=attack.secret_file.as_uri()))
    attack.write("doc.xml", body)
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (2, [("doc.xml", 4, "load:entity-declared")])
    assert outcome.seconds < 20


def test_a_doctype_in_utf16_is_still_refused(attack: Attack) -> None:
    text = tei("<p>&secret;</p>", before=ENTITY.format(file=attack.secret_file.as_uri()))
    attack.write("doc.xml", text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (2, [("doc.xml", 3, "load:entity-declared")])


def test_an_external_dtd_is_never_opened_even_when_local(attack: Attack) -> None:
    attack.write("local.dtd", f'<!ENTITY secret "{attack.secret}">')
    attack.write("doc.xml", tei("<p>&secret;</p>", before='<!DOCTYPE TEI SYSTEM "local.dtd">\n'))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (2, [("doc.xml", 3, "load:dtd-external")])


def test_a_doctype_that_only_names_a_dtd_is_a_warning_and_the_file_is_published(
    attack: Attack,
) -> None:
    attack.write("doc.xml", tei(before=f'<!DOCTYPE TEI SYSTEM "{attack.loopback.url}/x.dtd">\n'))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (0, [("doc.xml", 2, "load:doctype-ignored")])
    html = attack.run("transform", "doc.xml", "--to", "text")
    assert (html.code, "Text." in html.stdout, attack.loopback.hits) == (0, True, [])


@pytest.mark.parametrize("depth", [101, 200, 255])
def test_what_loads_also_runs_in_saxon_at_any_depth(attack: Attack, depth: int) -> None:
    nested = "<seg>" * (depth - 4) + "x" + "</seg>" * (depth - 4)  # TEI/text/body/p
    attack.write("doc.xml", tei(f"<p>{nested}</p>"))
    for args in (
        ("validate", "-q", "--schema", "teikit", "doc.xml"),
        ("transform", "doc.xml", "--to", "text"),
    ):
        outcome = attack.run(*args)
        attack.assert_safe(outcome)
        assert "SXXP0003" not in outcome.output and "xslt:error" not in outcome.output, (
            outcome.output
        )
        assert outcome.code in (0, 1), outcome.output


def test_one_level_deeper_than_the_limit_is_refused_with_a_location(attack: Attack) -> None:
    attack.write("doc.xml", tei("<p>" + "<seg>" * 253 + "x" + "</seg>" * 253 + "</p>"))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, [r[2] for r in outcome.rules()]) == (2, ["load:too-deep"])


def test_a_wide_element_that_loads_also_runs_in_saxon(attack: Attack) -> None:
    attrs = " ".join(f'n{i}="1"' for i in range(1000))
    attack.write("doc.xml", tei(f'<p><seg xmlns:x="urn:x" {attrs.replace("n", "x:n")}>w</seg></p>'))
    outcome = attack.run("transform", "doc.xml", "--to", "text")
    attack.assert_safe(outcome)
    assert (outcome.code, "w" in outcome.stdout) == (0, True), outcome.output


def test_100000_namespace_declarations_are_refused_fast(attack: Attack) -> None:
    decls = " ".join(f'xmlns:p{i}="urn:{i}"' for i in range(100_000))
    attack.write("doc.xml", tei(f"<p {decls}>x</p>"))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (2, [("doc.xml", 2, "load:too-wide")])
    assert outcome.seconds < 20


def test_a_backtracking_prefixdef_pattern_runs_in_linear_time(attack: Attack) -> None:
    header = (
        '<encodingDesc><listPrefixDef><prefixDef ident="evil" matchPattern="(a+)+$" '
        'replacementPattern="#$1"/></listPrefixDef></encodingDesc>'
    )
    doc = tei(f'<p><ref target="evil:{"a" * 5000}b">x</ref></p>').replace(
        "</fileDesc>", "</fileDesc>" + header
    )
    attack.write("doc.xml", doc)
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, [r[2] for r in outcome.rules()]) == (1, ["ref:bad-prefix"])
    assert outcome.seconds < 10


def test_xml_base_does_not_move_a_finding_to_another_file(attack: Attack) -> None:
    attack.write(
        "doc.xml",
        tei(
            '<p xml:base="/etc/hostname"><ref target="#nobody">x</ref></p>'
            '<p xml:base="other.xml"><ref target="#none">y</ref></p>'
        ),
    )
    outcome = attack.run("validate", "-q", "-f", "json", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    files = {d["file"] for d in json.loads(outcome.stdout)["diagnostics"]}
    assert (outcome.code, files) == (1, {"doc.xml"})


def test_xml_base_does_not_send_a_pointer_outside(attack: Attack) -> None:
    attack.write(
        "doc.xml",
        tei(f'<p xml:base="{attack.secret_file.as_uri()}"><ref target="secret.txt#x">x</ref></p>'),
    )
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert [r[2] for r in outcome.rules()] == ["ref:file-missing"], outcome.output


def test_a_pointer_outside_the_project_is_neither_read_nor_probed(attack: Attack) -> None:
    attack.write("doc.xml", tei('<p><ref target="../secret.txt#x">x</ref></p>'))
    outcome = attack.run("validate", "-q", "--schema", "references", "doc.xml")
    attack.assert_safe(outcome)
    assert [r[2] for r in outcome.rules()] == ["ref:outside-project"], outcome.output


def test_a_grammar_that_hangs_libxml2_named_by_a_pi_is_refused_in_time(attack: Attack) -> None:
    from conftest import DATA

    hang = (DATA / "relaxng" / "group-before-attributes.rng").read_text(encoding="utf-8")
    attack.write("schema/hang.rng", hang)
    pi = (
        '<?xml-model href="../schema/hang.rng" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    )
    attack.write("tei/loop.xml", pi + (DATA / "relaxng" / "loop.xml").read_text(encoding="utf-8"))
    outcome = attack.run(
        "validate", "-q", "--no-cache", "--timeout", "20", "tei/loop.xml", timeout=60
    )
    attack.assert_safe(outcome)
    assert outcome.seconds < 15, outcome.output
    assert (outcome.code, outcome.rules()) == (1, [("loop.xml", 3, "rng:element-missing")]), (
        outcome.output
    )


def test_a_long_name_that_loads_also_runs_in_saxon(attack: Attack) -> None:
    name = "n" + "x" * 40_000  # libxml2 takes names up to 50,000 characters; Saxon too
    attack.write("doc.xml", tei(f'<p><seg {name}="1">w</seg></p>'))
    outcome = attack.run("transform", "doc.xml", "--to", "text")
    attack.assert_safe(outcome)
    assert (outcome.code, "w" in outcome.stdout) == (0, True), outcome.output[-500:]


def _linked_secret(attack: Attack) -> str:
    """A TEI file outside the project whose element name and text are the secret."""
    outside = attack.folder.parent / "elsewhere" / "secret.xml"
    outside.parent.mkdir()
    outside.write_text(tei(f"<{attack.secret}>{attack.secret}</{attack.secret}>"))
    return str(outside)


def test_a_link_out_of_the_project_is_not_followed_when_walking_a_folder(attack: Attack) -> None:
    (attack.folder / ".git").mkdir()  # the project is a repository, as a CI checkout is
    attack.write("tei/good.xml", tei())
    (attack.folder / "tei" / "evil.xml").symlink_to(_linked_secret(attack))
    outcome = attack.run("validate", "-q", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, "tei/evil.xml: warning [load:link-outside]" in outcome.stdout) == (
        0,
        True,
    ), outcome.output


def test_a_link_inside_the_repository_is_followed(attack: Attack) -> None:
    (attack.folder / ".git").mkdir()
    attack.write("shared/part.xml", tei('<p><ref target="#nowhere">x</ref></p>'))
    attack.write("tei/good.xml", tei())
    (attack.folder / "tei" / "part.xml").symlink_to(attack.folder / "shared" / "part.xml")
    outcome = attack.run("validate", "-q", "--schema", "references", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (1, [("part.xml", 2, "ref:unresolved")]), (
        outcome.output
    )
