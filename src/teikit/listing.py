"""The collection's index page: what it shows of each document, and the page itself.

Why a module of its own: what a reader of a collection needs to find a document (its
titles, authors and date, read from the teiHeader) and how the page lists them are
decisions about presentation; :mod:`teikit.collection` only decides what to build and
keeps the manifest these come from.
"""

from __future__ import annotations

import html
import os

from teikit import namespaces

TEI = "{" + namespaces.TEI + "}"


def document_meta(doc: object) -> dict[str, object]:
    """Titles, authors and dates from the teiHeader, for the index page."""
    root = doc.tree.getroot()  # type: ignore[attr-defined]

    def texts(path: str) -> list[str]:
        return [" ".join("".join(el.itertext()).split()) for el in root.iterfind(path)]

    stmt = f"{TEI}teiHeader/{TEI}fileDesc/{TEI}titleStmt"
    dates = [
        el.get("when") or " ".join("".join(el.itertext()).split())
        for el in root.iterfind(f"{TEI}teiHeader//{TEI}sourceDesc//{TEI}date")
    ]
    dates += [
        el.get("when") or " ".join("".join(el.itertext()).split())
        for el in root.iterfind(f"{TEI}teiHeader/{TEI}fileDesc/{TEI}publicationStmt/{TEI}date")
    ]
    return {
        "titles": [t for t in texts(f"{stmt}/{TEI}title") if t],
        "authors": [a for a in texts(f"{stmt}/{TEI}author") if a],
        "date": next((d for d in dates if d), ""),
    }


def index_page(entries: dict[str, object]) -> str:
    """The collection's index: one row per published document, links to its outputs."""
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
        rows.append(
            "<tr>"
            f"<td>{'<br>'.join(html.escape(str(t)) for t in titles)}</td>"
            f"<td>{html.escape('; '.join(str(a) for a in meta.get('authors', [])))}</td>"
            f"<td>{html.escape(str(meta.get('date', '')))}</td>"
            f"<td>{links}</td></tr>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Collection</title>\n</head>\n<body>\n<main>\n<h1>Collection</h1>\n"
        f'<p>{len(rows)} documents.</p>\n<table>\n<thead><tr><th scope="col">Title</th>'
        '<th scope="col">Authors</th><th scope="col">Date</th>'
        '<th scope="col">Outputs</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
