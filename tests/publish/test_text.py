"""Plain-text output: the reading text, blank-line structure, wrapping and page markers."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

import teikit
from teikit.loading import parse_bytes
from teikit.publish import build

from conftest import DATA

OUT = DATA / "outputs"
TEI = {"tei": "http://www.tei-c.org/ns/1.0"}


@pytest.fixture(scope="module")
def text(edition: teikit.Document) -> str:
    return edition.to_text().output


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s)


def plain(el: object) -> str:
    return " ".join("".join(el.itertext()).split())  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["editorial", "drama", "verse", "prefixed", "xinclude-main"])
def test_golden_text_with_page_markers(name: str) -> None:
    expected = (OUT / f"{name}.txt").read_text(encoding="utf-8")
    assert teikit.load(OUT / f"{name}.xml").to_text(page_markers=True).output == expected


def test_golden_text_wrapped_at_twenty() -> None:
    expected = (OUT / "editorial.w20.txt").read_text(encoding="utf-8")
    assert teikit.load(OUT / "editorial.xml").to_text(width=20).output == expected


def test_sic_readings_are_not_in_the_text(edition: teikit.Document, text: str) -> None:
    reading = copy.deepcopy(edition.tree)
    for sic in reading.xpath("//tei:sic", namespaces=TEI):
        sic.getparent().remove(sic)
    allowed = set(words(plain(reading.xpath("//tei:text", namespaces=TEI)[0])))
    sic_only = {
        w for s in edition.xpath("//tei:text//tei:choice/tei:sic") for w in words(plain(s))
    } - allowed
    assert sic_only and not sic_only & set(words(text))


def test_corrections_are_in_the_text(edition: teikit.Document, text: str) -> None:
    corrs = [plain(c) for c in edition.xpath("//tei:text//tei:choice/tei:corr")]
    flat = " ".join(text.split())
    assert corrs and all(c in flat for c in corrs)


def test_headings_and_paragraphs_are_separated_by_blank_lines(
    edition: teikit.Document, text: str
) -> None:
    blocks = [b.split("\n")[0] for b in text.split("\n\n")]  # a heading's underline goes
    heads = [plain(h) for h in edition.xpath("//tei:text//tei:div/tei:head")]
    assert "\n\n\n" not in text and all(h in blocks for h in heads)
    assert len(blocks) > len(edition.xpath("//tei:text//tei:p"))


def test_paragraphs_are_single_lines_without_width(edition: teikit.Document, text: str) -> None:
    p = edition.xpath("//tei:body//tei:p[not(.//tei:choice) and not(.//tei:pb)]")[3]
    assert plain(p) in text.split("\n")


def test_numbered_conclusions_keep_their_numbers(edition: teikit.Document, text: str) -> None:
    numbers = [
        i.get("n")
        for i in edition.xpath("//tei:div[@xml:id='part-5']//tei:list[@type='ordered']/tei:item")
    ]
    starts = {line.split(" ", 1)[0] for line in text.split("\n")}
    assert len(numbers) == 31 and all(f"{n}." in starts for n in numbers)


@pytest.mark.parametrize("width", [30, 72])
def test_wrapping_never_exceeds_width_except_for_long_words(
    text: str, edition: teikit.Document, width: int
) -> None:
    wrapped = edition.to_text(width=width).output
    too_long = [line for line in wrapped.split("\n") if len(line) > width]
    assert all(len(line.split()) == 1 for line in too_long)
    assert wrapped.split() == text.split()


#: A page marker "[N]" stands apart; a note reference "[N]" follows a word ("тон[1]"), and the
#: notes themselves come after the heading "Примечания" at the end.
PAGE_MARKER = re.compile(r"(?<![\w»])\[(\d+)\]")


def _without_notes(text: str) -> str:
    return text.split("\n\nПримечания\n\n")[0]


def test_page_markers_one_to_twenty_one(edition: teikit.Document) -> None:
    marked = _without_notes(edition.to_text(page_markers=True).output)
    # page 21 of the transcription holds no text: no marker
    assert PAGE_MARKER.findall(marked) == [str(n) for n in range(1, 21)]


def test_no_page_markers_by_default(text: str) -> None:
    assert not PAGE_MARKER.search(_without_notes(text))


def test_output_is_utf8_cyrillic_and_ends_with_newline(text: str) -> None:
    assert text.startswith("Л. Троцкий\n\nПроблемы развития СССР\n") and text.endswith("»\n")


def test_colophon_lines_in_the_documents_language(text: str) -> None:
    colophon = text.rsplit("\n\n* * *\n\n", 1)[1].splitlines()
    assert [line.split(":", 1)[0] for line in colophon] == [
        "Источник",
        "Лицензия",
        "Номера страниц",
    ]
    assert "CC0" in colophon[1] and "Разметка TEI" in colophon[1]
    assert colophon[2] == "Номера страниц: страницы транскрипции «Проблемы развития СССР»"


def test_part_and_section_headings_look_different(text: str) -> None:
    assert "\nI. Экономические противоречия переходного периода.\n=====" in text
    assert "\nКлассовая природа СССР.\n-----" in text


def test_one_title_block(text: str) -> None:
    assert text.count("Проблемы развития СССР\n") == 1


def test_drama_has_speaker_lines_and_bracketed_stage_directions() -> None:
    text = teikit.load(OUT / "drama.xml").to_text().output
    assert "\n\nМаша.\nГде ты был? (Садится.) Я ждала.\n" in text
    assert "\n\n(Комната. Вечер.)\n\n" in text


def test_an_inline_stage_direction_keeps_the_punctuation_after_it() -> None:
    """Cut from RusDraCor's artsybashev-revnost and afinogenov-mashenka: the text read
    "(Игриво заглядывая въ глаза) . Такъ" and "(осекается) , то есть" (646 stray spaces
    before a full stop, 78 before a comma over the plays); the HTML had it right."""
    doc = teikit.Document(
        parse_bytes(
            """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="ru"><teiHeader><fileDesc>
<titleStmt><title>T</title></titleStmt><publicationStmt><p/></publicationStmt>
<sourceDesc><p/></sourceDesc></fileDesc></teiHeader><text><body><sp>
<speaker>Елена Николаевна.</speaker>
<p>Просто мнѣ весело!.. <stage>(Игриво заглядывая въ
  глаза)</stage>. Такъ я сегодня интересная?.. Во-вторых... <stage>(осекается)</stage>,
  то есть<stage>уходит</stage>: вот что<stage>(тихо)</stage>вы</p></sp></body></text>
</TEI>""".encode(),
            "mem.xml",
        )
    )
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert text.split("\n")[1] == (
        "Просто мнѣ весело!.. (Игриво заглядывая въ глаза). Такъ я сегодня интересная?.. "
        "Во-вторых... (осекается), то есть (уходит): вот что (тихо) вы"
    )


def test_deleted_text_is_not_read() -> None:
    text = teikit.load(OUT / "editorial.xml").to_text().output
    assert "removed" not in text and "inserted" in text


def test_finishing_the_text_follows_its_rule_on_any_markup() -> None:
    """finish_text works with string methods for speed; its rule, stated as the regular
    expressions it replaced, must give the same text for any mix of whitespace, the four
    markers and letters (a deterministic sample of 20,000 short strings)."""
    from random import Random

    from teikit.transform import finish_text

    def by_rule(raw: str) -> str:
        text = re.sub(r"[ \t\r\n]+", " ", raw)
        text = re.sub("[ \ufdd1]*\ufdd0[ \ufdd0\ufdd1]*", "\n\n", text)
        text = re.sub(" *\ufdd1[ \ufdd1]*", "\n", text)
        text = text.replace("\ufdd2", " ").replace("\ufdd3", "\n")
        return re.sub(r" +\n", "\n", text).strip(" \n") + "\n"

    chars = ["a", "é", " ", " ", "\t", "\n", "\r", "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"]
    rnd = Random(13)
    for _ in range(20_000):
        raw = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 14)))
        assert finish_text(raw) == by_rule(raw), repr(raw)


def test_the_text_markers_in_a_source_are_dropped_from_the_text(tmp_path: Path) -> None:
    """U+FDD0-U+FDEF are text.xsl's internal markers: a source's own are dropped, not read
    as paragraph breaks, in one transformation and in a build (which tells the stylesheet
    in t:markers whether the document has any) alike."""
    src = tmp_path / "m.xml"
    src.write_text(
        """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt><title>T</title></titleStmt><publicationStmt><p/></publicationStmt>
<sourceDesc><p/></sourceDesc></fileDesc></teiHeader><text><body>
<p>one\ufdd0two<hi>th\ufdefree</hi> four\ufdd1</p></body></text></TEI>""",
        encoding="utf-8",
    )
    assert teikit.transform(teikit.load(src), "text").output == "T\n\nonetwothree four\n"
    _, written = build(src, tmp_path / "out", force=True)
    assert (tmp_path / "out" / "m.txt").read_text(encoding="utf-8") == "T\n\nonetwothree four\n"
    assert tmp_path / "out" / "m.txt" in written
