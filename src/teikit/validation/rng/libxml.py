"""What teikit asks of libxml2's RelaxNG: compile a grammar, and turn its error log into
Diagnostics.

libxml2 reports RelaxNG failures as typed log entries (``RELAXNG_ERR_ELEMWRONG``…)
carrying a line but no file for XIncluded nodes and no XPath; each type maps to a stable
``rng:`` rule code, the message is rewritten into something a TEI encoder can act on
and located through :mod:`teikit.locations`. This report is the fallback: the
derivative walk (:mod:`.validator`) explains every document whose schema it takes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.diagnostics import Diagnostic, TeikitError, error
from teikit.locations import element_at_line, file_of, locate

if TYPE_CHECKING:
    from teikit.document import Document

#: libxml2 error type name → rule code. One code per thing an encoder has to fix;
#: types not listed become ``rng:invalid``.
RULES: dict[str, str] = {
    **dict.fromkeys(
        (
            "RELAXNG_ERR_ELEMWRONG",
            "RELAXNG_ERR_ELEMNAME",
            "RELAXNG_ERR_ELEMWRONGNS",
            "RELAXNG_ERR_ELEMNONS",
            "RELAXNG_ERR_ELEMEXTRANS",
            "RELAXNG_ERR_INTEREXTRA",
            "RELAXNG_ERR_EXTRACONTENT",
            "RELAXNG_ERR_ELEMNOTEMPTY",
        ),
        "rng:element-not-allowed",
    ),
    **dict.fromkeys(("RELAXNG_ERR_NOELEM", "RELAXNG_ERR_INTERSEQ"), "rng:element-missing"),
    **dict.fromkeys(
        (
            "RELAXNG_ERR_INVALIDATTR",
            "RELAXNG_ERR_ATTRNAME",
            "RELAXNG_ERR_ATTRNONS",
            "RELAXNG_ERR_ATTRWRONGNS",
            "RELAXNG_ERR_ATTREXTRANS",
        ),
        "rng:attribute-not-allowed",
    ),
    **dict.fromkeys(
        (
            "RELAXNG_ERR_TYPE",
            "RELAXNG_ERR_TYPEVAL",
            "RELAXNG_ERR_TYPECMP",
            "RELAXNG_ERR_DATATYPE",
            "RELAXNG_ERR_VALUE",
            "RELAXNG_ERR_LIST",
            "RELAXNG_ERR_LISTEXTRA",
            "RELAXNG_ERR_LISTEMPTY",
            "RELAXNG_ERR_DATAELEM",
            "RELAXNG_ERR_VALELEM",
            "RELAXNG_ERR_LISTELEM",
        ),
        "rng:value-invalid",
    ),
    "RELAXNG_ERR_DUPID": "rng:duplicate-id",
    **dict.fromkeys(("RELAXNG_ERR_TEXTWRONG", "RELAXNG_ERR_NOTELEM"), "rng:text-not-allowed"),
}
GENERIC = "rng:invalid"

#: Types that only repeat, at an ancestor, a failure reported more precisely below it.
_ECHOES = {"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERNODATA", "RELAXNG_ERR_NOSTATE"}

_HINTS: dict[str, str] = {
    "rng:element-not-allowed": "Move or remove it, or check its name and namespace.",
    "rng:element-missing": "Add the missing element.",
    "rng:attribute-not-allowed": "Remove the attribute or check its name.",
    "rng:value-invalid": "Use a value of the type the schema requires.",
    "rng:text-not-allowed": "Wrap the text in an element allowed here, or remove it.",
}


def _clean(message: str) -> str:
    """libxml2's wording, without its C-isms (``{ns}name`` → ``name``, stray spaces)."""
    text = re.sub(r"\{[^}]*\}", "", message.strip())
    text = re.sub(r"\s+", " ", text)
    return text if text.endswith(".") else text + "."


def compile_tree(root: etree._Element, path: Path) -> etree.RelaxNG:
    """A reduced grammar, built in memory, compiled without a round trip through text."""
    try:
        return etree.RelaxNG(etree.ElementTree(root))
    except etree.RelaxNGParseError as exc:
        raise invalid(path, f"cannot be compiled: {exc}") from None


def compile_bytes(data: bytes, path: Path) -> etree.RelaxNG:
    """A schema compiled whole, from its bytes (its includes resolved by libxml2)."""
    try:
        tree = etree.ElementTree(
            etree.fromstring(
                data,
                etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
                base_url=str(path),
            )
        )
        return etree.RelaxNG(tree)
    except (etree.XMLSyntaxError, etree.RelaxNGParseError) as exc:
        raise invalid(path, f"cannot be compiled: {exc}") from None


def invalid(path: Path, why: str) -> TeikitError:
    """The schema's failure (``why`` it cannot be used) as an error located on the
    schema, so that it is the error of each document that uses it, not the end of a
    whole run (exit 3 is for teikit itself)."""
    message = f"The RelaxNG schema {path} {why}."
    return TeikitError(message, error("rng:schema-invalid", message, file=str(path)))


def diagnostics(entries: list[etree._LogEntry], doc: Document) -> list[Diagnostic]:
    """libxml2's log ``entries`` for ``doc`` as located Diagnostics, echoes and repeats
    dropped."""
    default = str(doc.path) if doc.path else ""
    specific = [e for e in entries if e.type_name not in _ECHOES]
    chosen = specific or entries
    out: list[Diagnostic] = []
    seen: set[tuple[int, str, str]] = set()
    for entry in chosen:
        rule = RULES.get(entry.type_name, GENERIC)
        node = element_at_line(doc.tree, entry.line) if entry.line else None
        where = (
            locate(node, default)
            if node is not None
            else {"file": file_of(doc.root, default), "line": entry.line, "column": 0, "xpath": ""}
        )
        message = _clean(entry.message)
        hint = _HINTS.get(rule)
        if hint:
            message = f"{message} {hint}"
        key = (entry.line, rule, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(error(rule, message, **where))
    return out
