"""RelaxNG validation on libxml2 (lxml), with libxml2's error log turned into Diagnostics.

libxml2 reports RelaxNG failures as typed log entries (``RELAXNG_ERR_ELEMWRONG``…)
carrying a line but no file for XIncluded nodes and no XPath; this module maps each
type to a stable ``rng:`` rule code, rewrites the message into something a TEI encoder
can act on and locates it through :mod:`teikit.locations`.
"""

from __future__ import annotations

import hashlib
import re
import threading
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
    "RELAXNG_ERR_ELEMWRONG": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMNAME": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMWRONGNS": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMNONS": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMEXTRANS": "rng:element-not-allowed",
    "RELAXNG_ERR_INTEREXTRA": "rng:element-not-allowed",
    "RELAXNG_ERR_EXTRACONTENT": "rng:element-not-allowed",
    "RELAXNG_ERR_NOELEM": "rng:element-missing",
    "RELAXNG_ERR_INTERSEQ": "rng:element-missing",
    "RELAXNG_ERR_INVALIDATTR": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRNAME": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRNONS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRWRONGNS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTREXTRANS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRVALID": "rng:attribute-invalid",
    "RELAXNG_ERR_TYPE": "rng:value-invalid",
    "RELAXNG_ERR_TYPEVAL": "rng:value-invalid",
    "RELAXNG_ERR_TYPECMP": "rng:value-invalid",
    "RELAXNG_ERR_DATATYPE": "rng:value-invalid",
    "RELAXNG_ERR_VALUE": "rng:value-invalid",
    "RELAXNG_ERR_LIST": "rng:value-invalid",
    "RELAXNG_ERR_LISTEXTRA": "rng:value-invalid",
    "RELAXNG_ERR_LISTEMPTY": "rng:value-invalid",
    "RELAXNG_ERR_DATAELEM": "rng:value-invalid",
    "RELAXNG_ERR_VALELEM": "rng:value-invalid",
    "RELAXNG_ERR_LISTELEM": "rng:value-invalid",
    "RELAXNG_ERR_DUPID": "rng:duplicate-id",
    "RELAXNG_ERR_TEXTWRONG": "rng:text-not-allowed",
    "RELAXNG_ERR_NOTELEM": "rng:text-not-allowed",
    "RELAXNG_ERR_ELEMNOTEMPTY": "rng:element-not-empty",
    "RELAXNG_ERR_CONTENTVALID": "rng:content-invalid",
}
GENERIC = "rng:invalid"

#: Types that only repeat, at an ancestor, a failure reported more precisely below it.
_ECHOES = {"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERNODATA", "RELAXNG_ERR_NOSTATE"}

_HINTS: dict[str, str] = {
    "rng:element-not-allowed": "Move or remove it, or check its name and namespace.",
    "rng:element-missing": "Add the missing element.",
    "rng:attribute-not-allowed": "Remove the attribute or check its name.",
    "rng:attribute-invalid": "Check that required attributes are present and their values "
    "are allowed.",
    "rng:value-invalid": "Use a value of the type the schema requires.",
    "rng:text-not-allowed": "Wrap the text in an element allowed here, or remove it.",
}

_lock = threading.Lock()
_compiled: dict[tuple[str, str], RelaxNG] = {}


def _clean(message: str) -> str:
    """libxml2's wording, without its C-isms (``{ns}name`` → ``name``, stray spaces)."""
    text = re.sub(r"\{[^}]*\}", "", message.strip())
    text = re.sub(r"\s+", " ", text)
    return text if text.endswith(".") else text + "."


class RelaxNG:
    """A compiled RelaxNG schema; compile once per process, validate many documents."""

    def __init__(self, path: Path, schema: etree.RelaxNG) -> None:
        self.path = path
        self._schema = schema

    @classmethod
    def compile(cls, path: str | Path) -> RelaxNG:
        """The compiled schema at ``path``, cached per process by path and content hash
        (so an edited schema is recompiled, an unchanged one never twice)."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise TeikitError(f"Cannot read the RelaxNG schema {p}: {exc.strerror}.") from None
        key = (str(p.resolve()), hashlib.sha256(data).hexdigest())
        with _lock:
            found = _compiled.get(key)
            if found is None:
                found = cls(p, _compile_bytes(data, p))
                _compiled[key] = found
            return found

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every RelaxNG error in ``doc`` as a located Diagnostic (empty when valid)."""
        with _lock:  # an lxml validator keeps its error log on the object
            ok = self._schema.validate(doc.tree)
            entries = [] if ok else list(self._schema.error_log)
        if ok:
            return []
        return _diagnostics(entries, doc)


def _compile_bytes(data: bytes, path: Path) -> etree.RelaxNG:
    try:
        tree = etree.ElementTree(etree.fromstring(data, etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False), base_url=str(path)))
        return etree.RelaxNG(tree)
    except (etree.XMLSyntaxError, etree.RelaxNGParseError) as exc:
        raise TeikitError(f"The RelaxNG schema {path} cannot be compiled: {exc}.") from None


def _diagnostics(entries: list[etree._LogEntry], doc: Document) -> list[Diagnostic]:
    default = str(doc.path) if doc.path else ""
    specific = [e for e in entries if e.type_name not in _ECHOES]
    chosen = specific or entries
    out: list[Diagnostic] = []
    seen: set[tuple[int, str, str]] = set()
    for entry in chosen:
        rule = RULES.get(entry.type_name, GENERIC)
        node = element_at_line(doc.tree, entry.line) if entry.line else None
        where = locate(node, default) if node is not None else {
            "file": file_of(doc.root, default), "line": entry.line, "column": 0, "xpath": ""}
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
