"""The DOCTYPE decision: refuse entities, refuse a document that needs its DTD, ignore
(with a warning) a DOCTYPE that merely names one.

Why apart from the parser: the parser only reads; what a DOCTYPE *means* for a document
teikit never loads a DTD for is a policy, with its own three outcomes and messages.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from teikit.diagnostics import Diagnostic, LoadError, Severity, error


def _text_line(data: bytes, encoding: str | None, needle: str) -> int:
    """The line of ``needle`` in ``data`` decoded as the parser did (UTF-16 too)."""
    try:
        text = data.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def check_doctype(
    tree: etree._ElementTree, data: bytes, file: str, notes: list[Diagnostic]
) -> None:
    """Decide about a DOCTYPE from the parsed document, never from the bytes.

    Why parsed: a byte pattern misses a DOCTYPE after a long comment or in UTF-16, and
    a parser never misses one. Entity declarations are refused (XXE, expansion bombs);
    so is a document that *needs* its DTD (it uses an entity only the DTD defines);
    a DOCTYPE that merely names a DTD (common in dictionaries) is ignored with a
    warning, since the DTD is never loaded and the document stands without it.
    """
    docinfo: Any = tree.docinfo  # lxml-stubs lack doctype, system_url, public_id
    if not docinfo.doctype:
        return
    encoding = docinfo.encoding
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise LoadError(
            error(
                "load:entity-declared",
                "The document declares entities in its DOCTYPE; teikit never expands entities "
                "(they enable XXE and expansion bombs). Replace them with the characters or "
                "markup they stand for.",
                file=file,
                line=_text_line(data, encoding, "<!ENTITY"),
                column=1,
            )
        )
    used = next(iter(tree.iter(etree.Entity)), None)
    if used is not None:
        raise LoadError(
            error(
                "load:dtd-external",
                f"The document uses the entity {used.text}, which only its DTD "
                f"({docinfo.system_url or docinfo.public_id or 'the DOCTYPE'}) defines; teikit "
                "loads no DTDs and reaches no network. Replace the entity with the character "
                "it stands for, then validate with --schema.",
                file=file,
                line=used.sourceline or 1,
                column=1,
            )
        )
    named = docinfo.system_url or docinfo.public_id
    what = f"names the DTD {named}" if named else "has an internal subset"
    notes.append(
        Diagnostic(
            Severity.WARNING,
            "load:doctype-ignored",
            f"The DOCTYPE {what}; teikit never loads DTDs, so it is ignored and the document "
            "is validated with its schemas (or --schema) instead.",
            file=file,
            line=_text_line(data, encoding, "<!DOCTYPE"),
            column=1,
        )
    )
