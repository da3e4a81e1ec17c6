"""The locked-down parser: bytes in, a tree or one located :class:`LoadError` out.

Why its own module: everything else in :mod:`teikit.loading` (XInclude, the DOCTYPE
decision, the limits) is a check around this one parse, and XInclude parses every
included file with it again, so the parse must not depend on how a file was reached.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lxml import etree

from teikit.diagnostics import Diagnostic, LoadError, error
from teikit.loading.doctype import check_doctype
from teikit.loading.limits import MAX_DEPTH, check_width, max_bytes
from teikit.loading.scope import note_bytes, note_dependency
from teikit.namespaces import TEI

TEI_NS = TEI
TEI_ROOTS = {f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"}


class _NothingResolver(etree.Resolver):
    """Answers every request for an external resource (DTD, parameter entity) with an
    empty text, so nothing outside the document is ever read.

    Why: ``load_dtd=False`` alone is not enough; with ``collect_ids=False`` libxml2 still
    opens a local external DTD (seen with lxml 6.1 / libxml2 2.14 under strace), and
    ``no_network`` guards the network only.
    """

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    """A fresh locked-down parser (parsers are not shared across threads).

    No DTD is loaded, no entity is expanded (an entity reference stays an
    :class:`lxml.etree._Entity` node, which :func:`~teikit.loading.doctype.check_doctype`
    refuses) and attribute defaults from a DTD are not applied.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_blank_text=False,
        # libxml2 would stop at a duplicate xml:id as if the file were malformed; the
        # reference check reports it instead, located, as ref:duplicate-id.
        collect_ids=False,
    )
    parser.resolvers.add(_NothingResolver())
    return parser


def _syntax_rule(message: str) -> str:
    text = message.lower()
    if "document is empty" in text:
        return "xml:empty"
    if "utf-8" in text or "encoding" in text or "not proper" in text or "char 0x" in text:
        return "xml:encoding"
    if "excessive depth" in text or ("xml_parse_huge" in text and "depth" in text):
        return "load:too-deep"
    if "entity" in text and ("amplification" in text or "loop" in text):
        return "load:entity-declared"
    return "xml:malformed"


def _fix_hint(rule: str) -> str:
    return {
        "xml:empty": "The file is empty or has no root element; give it a <TEI> root.",
        "xml:encoding": "Save the file as UTF-8 (or declare its real encoding).",
        "load:too-deep": f"Elements are nested deeper than {MAX_DEPTH} levels; flatten the markup.",
        "xml:malformed": "Fix the markup at this position; the file is not well-formed XML.",
    }.get(rule, "")


def base_url(file: str) -> str:
    """``file`` as the tree's URL: libxml2 takes UTF-8 only, and a file name that is not
    UTF-8 reaches Python with lone surrogates, which are written as escapes instead."""
    return file.encode("utf-8", "backslashreplace").decode("utf-8")


def _parse(data: bytes, file: str) -> etree._ElementTree:
    """``data`` parsed by the locked-down parser, or the first error as a LoadError."""
    # lxml keeps a per-thread log of earlier parses; start clean so the first entry
    # of a failure below is this document's first error.
    etree.clear_error_log()
    try:
        return etree.ElementTree(etree.fromstring(data, _parser(), base_url=base_url(file)))
    except etree.XMLSyntaxError as exc:
        # The first error is the cause; later ones are libxml2 recovering from it.
        log: Any = exc.error_log  # lxml-stubs lack _ErrorLog.__iter__
        entries = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
        entry = entries[0] if entries else None
        if any(e.type_name == "ERR_NO_MEMORY" for e in entries):
            raise LoadError(
                error(
                    "load:out-of-memory",
                    "Parsing this file ran out of memory (libxml2 could "
                    "not allocate); give teikit more memory or split the file.",
                    file=file,
                    line=1,
                    column=1,
                )
            ) from None
        msg = (entry.message if entry else str(exc)).strip()
        line = (entry.line if entry else exc.lineno) or 1
        col = (entry.column if entry else exc.offset) or 1
        rule = _syntax_rule(msg)
        hint = _fix_hint(rule)
        raise LoadError(
            error(rule, f"{msg}. {hint}".strip(), file=file, line=line, column=col)
        ) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise LoadError(
            error("xml:encoding", f"{exc}. Save the file as UTF-8.", file=file, line=1, column=1)
        ) from None


def parse_bytes(
    data: bytes, file: str, *, require_tei: bool = True, notes: list[Diagnostic] | None = None
) -> etree._ElementTree:
    """Parse ``data`` (read from ``file``) with the locked-down parser.

    Raises :class:`LoadError` for anything that is not a safe, well-formed document;
    warnings about what was ignored (a DOCTYPE naming a DTD) are appended to ``notes``.
    """
    if not data or data.isspace():  # not data.strip(): a copy of the whole file
        raise LoadError(
            error(
                "xml:empty",
                "The file is empty; a TEI document needs a root element.",
                file=file,
                line=1,
                column=1,
            )
        )
    tree = _parse(data, file)
    check_doctype(tree, data, file, notes if notes is not None else [])
    check_width(tree, file, data)
    root = tree.getroot()
    if require_tei and root.tag not in TEI_ROOTS:
        raise LoadError(
            error(
                "load:not-tei",
                f"The root element is <{etree.QName(root).localname}> in namespace "
                f"'{etree.QName(root).namespace or ''}'; a TEI document has <TEI> or <teiCorpus> "
                f"in {TEI_NS}.",
                file=file,
                line=root.sourceline or 1,
                column=1,
                xpath="/*[1]",
            )
        )
    return tree


def read_file(path: Path) -> bytes:
    """Read ``path`` within the size limit, as a located diagnostic when impossible."""
    file = str(path)
    note_dependency(path)
    try:
        size = os.stat(file).st_size
        limit = max_bytes()
        if size > limit:
            raise LoadError(
                error(
                    "load:too-large",
                    f"The file has {size} bytes, more than the limit of "
                    f"{limit}; raise TEIKIT_MAX_BYTES if you trust it.",
                    file=file,
                    line=1,
                    column=1,
                )
            )
        with open(file, "rb") as fh:
            data = fh.read()
        note_bytes(path, data)
        return data
    except FileNotFoundError:
        raise LoadError(error("load:not-found", "No such file.", file=file)) from None
    except IsADirectoryError:
        raise LoadError(
            error("load:not-found", "This is a folder, not a file.", file=file)
        ) from None
    except OSError as exc:
        raise LoadError(
            error("load:unreadable", f"Cannot read the file: {exc.strerror}.", file=file)
        ) from None
