"""Dictionaries (issue 13): ``gramGrp``'s ``pos``, ``gen`` and ``number`` as labels in the
reader's language (en, de, fr, ru; other languages English) instead of the source's
abbreviations; the source's value stays available (the HTML title), values that are not
common abbreviations are shown as they stand."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import html as lhtml

import teikit
from teikit.epub import epub_bytes

ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0"{lang}>
  <teiHeader><fileDesc>
    <titleStmt><title>Words</title></titleStmt>
    <publicationStmt><p>Test data.</p></publicationStmt>
    <sourceDesc><p>Written for teikit's tests.</p></sourceDesc>
  </fileDesc></teiHeader>
  <text><body>
    <entry xml:id="e1"><form><orth>casa</orth></form>
      <gramGrp><pos>n N9</pos><gen>f</gen><num>pl</num></gramGrp>
      <sense><cit type="trans"><quote>house</quote></cit></sense></entry>
    <entry xml:id="e2"><form><orth>ir</orth></form>
      <gramGrp><pos>v.</pos><gen>n</gen><pos>xyz</pos></gramGrp>
      <sense><cit type="trans"><quote>go</quote></cit></sense></entry>
  </body></text>
</TEI>
"""

LABELS = {
    "en": ["noun N9", "feminine", "plural", "verb", "neuter"],
    "de": ["Substantiv N9", "feminin", "Plural", "Verb", "neutral"],
    "fr": ["nom N9", "féminin", "pluriel", "verbe", "neutre"],
    "ru": ["существительное N9", "женский род", "множественное число", "глагол", "средний род"],
}


def doc(tmp_path: Path, lang: str | None) -> teikit.Document:
    attr = f' xml:lang="{lang}"' if lang else ""
    path = tmp_path / f"words-{lang}.xml"
    path.write_text(ENTRY.format(lang=attr), encoding="utf-8")
    return teikit.load(path)


def labels(page: str) -> list[tuple[str, str]]:
    tree = lhtml.document_fromstring(page.encode("utf-8"))
    return [
        (s.text_content(), s.get("title"))
        for s in tree.xpath("//span[contains(concat(' ', @class, ' '), ' gram ')]")
    ]


@pytest.mark.parametrize("lang", sorted(LABELS))
def test_labels_come_in_the_documents_language(tmp_path: Path, lang: str) -> None:
    found = labels(doc(tmp_path, lang).to_html().output)
    assert [text for text, _ in found] == LABELS[lang]
    # the source's value stays available
    assert [title for _, title in found] == ["n N9", "f", "pl", "v.", "n"]


@pytest.mark.parametrize("lang", ["oc", None])
def test_other_languages_get_english(tmp_path: Path, lang: str | None) -> None:
    assert [t for t, _ in labels(doc(tmp_path, lang).to_html().output)] == LABELS["en"]


def test_ui_lang_picks_the_labels_language(tmp_path: Path) -> None:
    page = doc(tmp_path, "en").to_html({"ui-lang": "de"}).output
    assert [t for t, _ in labels(page)] == LABELS["de"]


def test_an_unknown_value_is_shown_as_it_stands(tmp_path: Path) -> None:
    tree = lhtml.document_fromstring(doc(tmp_path, "en").to_html().output.encode("utf-8"))
    assert [s.text_content() for s in tree.xpath("//span[@class='tei-pos']")] == ["xyz"]


def test_text_shows_the_labels(tmp_path: Path) -> None:
    text = doc(tmp_path, "fr").to_text().output
    assert "casa nom N9 féminin pluriel house" in text
    assert "ir verbe neutre xyz go" in text


def test_epub_shows_the_labels(tmp_path: Path) -> None:
    data, _ = epub_bytes(doc(tmp_path, "ru"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xhtml")).decode()
    for label in LABELS["ru"]:
        assert f">{label}</span>" in body
