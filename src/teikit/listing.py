"""The collection's index page: what it shows of each document, and the page itself.

Why a module of its own: what a reader of a collection needs to find a document (its
titles, authors and date, read from the teiHeader) and how the page lists them are
decisions about presentation; :mod:`teikit.collection` only decides what to build and
keeps the manifest these come from.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable
from pathlib import Path

from teikit import namespaces
from teikit.nfc import nfc

TEI = "{" + namespaces.TEI + "}"
_NS = {"t": namespaces.TEI}


def document_meta(doc: object) -> dict[str, object]:
    """What the index shows of a document, read from its teiHeader as a reader would
    name it: the document's own title (not the series it belongs to, nor a title that
    only repeats its date), its authors in display form, and its date (a letter's date
    of sending first, then the text's creation, the earliest of a play's writing,
    printing and premiere (DraCor's ``standOff`` events), the source's, the
    publication's; ISO where given).
    The order is the EPUB's ``dc:date`` rule (``t:work-date`` in ``xslt/common.xsl``), so
    the index and the book name the same year; the index falls back to a date as
    written where the EPUB, which may hold only a W3C date, has none."""
    root = doc.tree.getroot()  # type: ignore[attr-defined]
    header = root.find(f"{TEI}teiHeader")
    if header is None:
        return {"titles": [], "authors": [], "date": ""}
    stmt = header.find(f"{TEI}fileDesc/{TEI}titleStmt")
    titles = [] if stmt is None else _titles(stmt)
    authors = [] if stmt is None else [_person(a) for a in stmt.iterfind(f"{TEI}author")]
    dates = [
        *header.iterfind(
            f"{TEI}profileDesc/{TEI}correspDesc/{TEI}correspAction[@type='sent']/{TEI}date"
        ),
        *header.iterfind(f"{TEI}profileDesc/{TEI}creation//{TEI}date"),
        *sorted(
            (
                e
                for e in root.iterfind(f"{TEI}standOff//{TEI}event")
                if e.get("type") in _WORK_EVENTS and (e.get("when") or e.get("notBefore"))
            ),
            key=lambda e: e.get("when") or e.get("notBefore") or "",
        ),
        *_source_dates(header),
        *header.iterfind(f"{TEI}fileDesc/{TEI}publicationStmt/{TEI}date"),
    ]
    when = (d.get("when") or d.get("notBefore") or d.get("from") or _text(d) for d in dates)
    return {
        "titles": titles,
        "authors": [a for a in authors if a],
        "date": next((w for w in when if w), ""),
    }


def _source_dates(header: object) -> list[object]:
    """The source's dates in the order that dates the work: its first edition's, then the
    edition's the text was taken from (``originalSource``, ``printSource``), then any other
    but the digital source's (ELTeC and DraCor date their digitisation: Gay's "Ellénore"
    of 1844 was listed as 2006). The EPUB's ``dc:date`` follows the same order."""
    dates = list(header.iterfind(f".//{TEI}sourceDesc//{TEI}date"))  # type: ignore[attr-defined]
    kinds = [d.xpath("string(ancestor::t:bibl[1]/@type)", namespaces=_NS) for d in dates]
    ranked = [("firstEdition",), ("originalSource", "printSource")]
    found = [d for types in ranked for d, k in zip(dates, kinds, strict=True) if k in types]
    others = [
        d
        for d, k in zip(dates, kinds, strict=True)
        if k not in ("firstEdition", "originalSource", "printSource", "digitalSource")
    ]
    return found + others


def _text(el: object) -> str:
    return " ".join("".join(el.itertext()).split())  # type: ignore[attr-defined]


def _titles(stmt: object) -> list[str]:
    """The main title and its subtitle, in the header's language order: a series title
    (``@level="s"``), a journal's (``"j"``) and a title holding only a date are left out
    when another remains; translations (a second ``@xml:lang``) follow the first."""
    found = [
        t
        for t in stmt.iterfind(f"{TEI}title")  # type: ignore[attr-defined]
        if _text(t) and t.get("level") not in ("s", "j") and "date" not in (t.get("type") or "")
    ]
    if not found:
        found = [t for t in stmt.iterfind(f"{TEI}title") if _text(t)]  # type: ignore[attr-defined]
    main = [t for t in found if t.get("type") != "sub"]
    first_lang = (main or found)[0].get(_LANG) if found else None
    ordered = sorted(found, key=lambda t: (t.get(_LANG) != first_lang, t.get("type") == "sub"))
    return [_text(t) for t in ordered]


def _person(author: object) -> str:
    """An author as a reader writes the name: the first ``persName`` if the element has
    one (not its translations or authority ids), a catalogue's "Surname, Forename"
    turned round, its life dates and bracketed real name left out."""
    named = author.find(f"{TEI}persName")  # type: ignore[attr-defined]
    if named is not None:
        parts = [*named.iterfind(f"{TEI}forename"), *named.iterfind(f"{TEI}surname")]
        name = " ".join(t for t in map(_text, parts) if t) or _text(named)
    else:
        name = " ".join(
            [(author.text or "").strip()]  # type: ignore[attr-defined]
            + [_text(c) for c in author if c.tag != f"{TEI}idno"]  # type: ignore[attr-defined]
        ).strip()
    name = " ".join(_CATALOGUE.sub(" ", name).split())
    surname, comma, forename = name.partition(", ")
    return f"{forename} {surname}" if comma and "," not in forename else name


#: DraCor's ``standOff`` events that date a play (its writing, printing, premiere).
_WORK_EVENTS = ("written", "print", "premiere")
#: A catalogue name's life dates "(1821-1880)" and bracketed real name "[Amantine …]".
_CATALOGUE = re.compile(r"\([^()]*\d{3,4}[^()]*\)|\[[^\]]*\]")
_LANG = namespaces.clark(namespaces.XML, "lang")


#: ``<html … lang="…">`` at the top of a page teikit wrote.
_PAGE_LANG = re.compile(rb'<html\b[^>]*?\blang="([^"]+)"')


def page_lang(outputs: Iterable[str | Path]) -> str:
    """The language the document's HTML page declares (``<html lang>``, BCP 47 as the
    stylesheets derived it from the document), '' without a page.

    Why: the index is in English, its titles and authors in the document's language; a
    screen reader reads "Чайка" as English unless its cell says otherwise. Read back from
    the page rather than derived again, so that page and index can never disagree."""
    for out in outputs:
        if str(out).endswith(".html"):
            try:
                with open(out, "rb") as page:
                    found = _PAGE_LANG.search(page.read(512))
            except OSError:
                return ""
            return found.group(1).decode("ascii", "replace") if found else ""
    return ""


def index_page(entries: dict[str, object]) -> str:
    """The collection's index: one row per published document, links to its outputs, its
    titles and authors marked with the document's language; in NFC like every page teikit
    writes (headers spell titles in decomposed form too)."""
    rows = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        meta = entry.get("meta", {})
        titles = meta.get("titles") or [name]
        links = " ".join(
            f'<a href="{html.escape(out)}">{html.escape(os.path.splitext(out)[1][1:])}</a>'
            for out in sorted(entry.get("outputs", {}))
        )
        lang = html.escape(str(meta.get("lang") or ""))
        cell = f'<td lang="{lang}">' if lang else "<td>"
        rows.append(
            "<tr>"
            f"{cell}{'<br>'.join(html.escape(str(t)) for t in titles)}</td>"
            f"{cell}{html.escape('; '.join(str(a) for a in meta.get('authors', [])))}</td>"
            f"<td>{html.escape(str(meta.get('date', '')))}</td>"
            f"<td>{links}</td></tr>"
        )
    return nfc(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Collection</title>\n</head>\n<body>\n<main>\n<h1>Collection</h1>\n"
        f'<p>{len(rows)} documents.</p>\n<table>\n<thead><tr><th scope="col">Title</th>'
        '<th scope="col">Authors</th><th scope="col">Date</th>'
        '<th scope="col">Outputs</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
