"""The messages issue 12 and the README promise, on tei_all: what is missing and where,
where a misplaced element goes, the near miss, a datatype in words with an example."""

from __future__ import annotations

import json
import re
from pathlib import Path

from teikit.document import load
from teikit.render import render
from teikit.validation import validate
from teikit.validation.rng import RelaxNG
from teikit.validation.rng.naming import SHOWN

DOC = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>{title}
</titleStmt><publicationStmt><p>p</p></publicationStmt><sourceDesc><p>s</p></sourceDesc>
</fileDesc></teiHeader><text><body>
{body}
</body></text></TEI>"""


def _messages(
    tmp_path: Path, tei_all: Path, body: str, title: str = "<title>t</title>"
) -> list[str]:
    path = tmp_path / "doc.xml"
    path.write_text(DOC.format(body=body, title=title), encoding="utf-8")
    return [d.message for d in RelaxNG.compile(tei_all).validate(load(path))]


def test_a_missing_child_is_named_with_where_it_goes(tmp_path: Path, tei_all: Path) -> None:
    assert _messages(tmp_path, tei_all, "<p>x</p>", title="") == [
        "<titleStmt> needs a <title> before </titleStmt>."
    ]


def test_a_head_after_a_paragraph_is_sent_before_it(tmp_path: Path, tei_all: Path) -> None:
    assert _messages(tmp_path, tei_all, "<div><p>x</p><head>h</head></div>") == [
        "<head> must come before the first <p> of this <div>."
    ]


def test_a_misspelt_element_gets_the_name_it_misses(tmp_path: Path, tei_all: Path) -> None:
    assert _messages(tmp_path, tei_all, "<p><persname>N</persname></p>") == [
        "<persname> is not allowed here: did you mean <persName>?"
    ]


def test_a_misspelt_attribute_gets_the_name_it_misses(tmp_path: Path, tei_all: Path) -> None:
    assert _messages(tmp_path, tei_all, '<p><hi rnd="b">x</hi></p>') == [
        "@rnd is not allowed on <hi>: did you mean @rend?"
    ]


def test_a_date_in_words_is_answered_with_an_iso_example(tmp_path: Path, tei_all: Path) -> None:
    [message] = _messages(tmp_path, tei_all, '<p><date when="10 July 1843">d</date></p>')
    assert message.startswith(
        '@when="10 July 1843" on <date> is not valid: use an ISO 8601 date such as 1843-07-10'
    )


def test_a_misplaced_element_is_told_what_may_stand_there(tmp_path: Path, tei_all: Path) -> None:
    [message] = _messages(tmp_path, tei_all, "<p>x</p><item>i</item>")
    assert message.startswith("<item> is not allowed here; here <body> may contain <")
    assert " more." in message  # the rest is in the diagnostic's expected


def test_text_in_an_empty_element_is_told_to_go(tmp_path: Path, tei_all: Path) -> None:
    assert _messages(tmp_path, tei_all, "<p>x<pb>12</pb></p>") == [
        'Text "12" is not allowed in <pb>, which is always empty: remove it or move it out.'
    ]


def test_a_misplaced_element_is_sent_before_the_sibling_that_ended_its_place(
    tmp_path: Path, tei_all: Path
) -> None:
    # before: "<p> must come before the first <head> of this <div>" (wrong advice: <p>
    # may stand after <head>, not after <closer>), then "<p> is not allowed here; …"
    assert (
        _messages(
            tmp_path,
            tei_all,
            "<div><head>h</head><p>a</p><closer>c</closer>\n<p>b</p>\n<p>c</p></div>",
        )
        == ["<p> must come before the first <closer> of this <div>."] * 2
    )


def test_an_element_in_an_empty_element_is_told_to_go(tmp_path: Path, tei_all: Path) -> None:
    # before: "<hi> is not allowed here; <anchor> may contain nothing more here."
    assert _messages(tmp_path, tei_all, '<p>x<anchor xml:id="a"><hi>y</hi></anchor></p>') == [
        "<hi> is not allowed in <anchor>, which is always empty: move it out."
    ]


def test_an_allowed_empty_value_is_said_as_leave_it_empty(tmp_path: Path, tei_all: Path) -> None:
    # before: 'use a language tag (BCP 47) such as en or de-AT or one of "".'
    assert _messages(tmp_path, tei_all, '<p xml:lang="not a lang">x</p>') == [
        '@xml:lang="not a lang" on <p> is not valid: use a language tag (BCP 47) such as en '
        "or de-AT, or leave it empty."
    ]


def test_the_full_list_of_what_may_stand_there_is_in_json_only(
    tmp_path: Path, tei_all: Path
) -> None:
    path = tmp_path / "doc.xml"
    path.write_text(DOC.format(body="<p>x</p><item>i</item>", title="<title>t</title>"))
    report = validate([path], schemas=[str(tei_all)])
    text = render(report, "text")
    [shown] = json.loads(render(report, "json"))["diagnostics"]
    listed = re.search(r"may contain (.*) and (\d+) more\.", shown["message"])
    assert listed is not None and shown["message"] in text
    names = [n.strip("<>") for n in listed[1].split(", ")]
    assert len(names) == SHOWN
    assert [len(n) for n in names] == sorted(len(n) for n in names)  # shortest first
    assert len(shown["expected"]) == SHOWN + int(listed[2])
    assert set(names) < set(shown["expected"])


def test_a_paragraph_after_the_last_division_is_named_not_the_division(
    tmp_path: Path, tei_all: Path
) -> None:
    # issue 12: this was reported as "<div> not allowed in <body>"
    assert _messages(tmp_path, tei_all, "<div><p>a</p></div>\n<p>b</p>") == [
        "<p> must come before the first <div> of this <body>."
    ]


def test_stray_text_in_a_division_is_blamed_not_a_sibling(tmp_path: Path, tei_all: Path) -> None:
    [message] = _messages(tmp_path, tei_all, "<div><p>a</p>\nstray\n<p>b</p></div>")
    assert message.startswith('Text "stray" is not allowed directly in <div>; wrap it in ')


def test_elements_in_an_element_that_holds_a_value_are_sent_out(
    tmp_path: Path, tei_all: Path
) -> None:
    # before: 'Text "ref" is not allowed in <att>, which takes no text here' (the text
    # was right), '<hi> is not allowed here; <att> may contain nothing more here' and
    # '<att> is incomplete: add one of  before </att>' (an empty list)
    holds = "which holds a single value, an XML name (a letter or '_' first, no spaces) such as p1"
    assert _messages(tmp_path, tei_all, "<p><att>ref<hi>x</hi></att></p>") == [
        f'Text "ref" cannot stand beside elements in <att>, {holds}: keep the text and move '
        "the elements out.",
        f"<hi> is not allowed in <att>, {holds}: move it out.",
        "<att> must hold a single value, an XML name (a letter or '_' first, no spaces) such "
        "as p1, and nothing else.",
    ]
