"""ISO Schematron, compiled by teikit into XSLT 3.0 and run on Saxon (saxonche).

Why our own compiler: lxml's ``isoschematron`` speaks XPath 1 only, and TEI's rules
(``queryBinding="xslt2"``, in ``teikit.sch`` and inside ODD-generated RelaxNG such as
``tei_all.rng``) need XPath 2/3. SchXslt is on no registry we may use, so this module
turns a Schematron schema into one XSLT 3.0 stylesheet (built with lxml, compiled once
by Saxon) and turns that stylesheet's small result document into
:class:`~teikit.diagnostics.Diagnostic` objects. The design is in
``docs/decisions/0002-schematron-on-saxon.md``; in short:

* each active ``sch:pattern`` becomes one XSLT mode whose built-in behaviour is
  ``shallow-skip`` (visit every element and attribute); each ``sch:rule`` becomes a
  template in that mode, earlier rules with higher priority, so the *first* matching
  rule of a pattern fires for a node and later ones do not (ISO's first-match rule);
* schema- and phase-level ``sch:let`` are global variables (the document is the global
  context item); pattern-level ones are evaluated on the document node and passed as
  tunnel parameters; rule-level ones are local variables in the rule's template;
* a failed ``sch:assert`` or a successful ``sch:report`` emits
  ``<failed-assert id= role= location= kind=>message</failed-assert>``; ``location`` is
  Saxon's ``path()``, which :func:`teikit.locations.element_at` maps back to a line;
* the rule code is ``sch:`` + the assertion's ``@id``, else its rule's, else its
  pattern's, else a stable positional id (``p2-r1-a3``); ``@role`` sets the severity.

Abstract rules (``extends``), abstract patterns (``is-a`` with ``sch:param``),
``sch:include``, ``sch:phase``, ``sch:diagnostics``, ``@subject`` and top-level
``xsl:function``/``xsl:key`` are supported; anything else unknown is ignored.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit import saxon
from teikit.diagnostics import Diagnostic, Severity, TeikitError, Where, error
from teikit.loading import parse_bytes, parse_file, read_file
from teikit.locations import NAMESPACES, display_path, element_at, locate
from teikit.namespaces import (
    RELAXNG,
    SCHEMATRON,
    SCHEMATRON_OLD,
    TEIKIT_SCHEMATRON_RESULT,
    XSLT,
)
from teikit.validation.compiled import compiled
from teikit.validation.schematron_compiler import Compiler, is_sch
from teikit.validation.schematron_safety import native_stderr_silenced

if TYPE_CHECKING:
    from teikit.document import Document

ISO = SCHEMATRON
OLD = SCHEMATRON_OLD
XSL = XSLT
RNG = RELAXNG
SCH_NAMESPACES = (ISO, OLD)

#: Schematron roles (ISO leaves them open) and the severity each one means.
ROLE_SEVERITY: dict[str, Severity] = {
    "error": Severity.ERROR,
    "fatal": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "nonfatal": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "informational": Severity.INFO,
}

_RESULT = TEIKIT_SCHEMATRON_RESULT


@cache
def _phases(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    root = parse_file(path, xinclude=False, require_tei=False).getroot()
    return frozenset(ph.get("id", "") for ph in root.iter(f"{{{ISO}}}phase", f"{{{OLD}}}phase"))


class Schematron:
    """One compiled Schematron schema (one phase); thread-safe to :meth:`validate`.

    Build it with :meth:`compile` (a ``.sch`` file) or :meth:`from_rng` (the rules
    embedded in a RelaxNG schema); both cache per process by path, content hash and
    phase, so a batch of documents pays for generation and Saxon compilation once.
    """

    def __init__(self, source: str, xslt: str, codes: dict[str, str]) -> None:
        self.source = source
        #: the generated XSLT 3.0 text (kept for debugging and for the decision record)
        self.xslt = xslt
        self._codes = codes
        try:
            with native_stderr_silenced():
                self._stylesheet = saxon.compile_text(xslt, source, untrusted=True)
        except saxon.CompileError as exc:
            message = (
                f"The Schematron schema {source} does not compile as XSLT 3.0: "
                f"{exc.detail}. Check the XPath in its @context/@test/@value."
            )
            raise TeikitError(message, error("sch:schema-invalid", message, file=source)) from None

    @property
    def rule_codes(self) -> list[str]:
        """Every rule code this schema can report (``sch:`` + id), sorted."""
        return sorted({f"sch:{c}" for c in self._codes.values()})

    @classmethod
    def compile(cls, path: str | Path, phase: str = "#DEFAULT") -> Schematron:
        """Compile a ``.sch`` file (cached per path, content and phase)."""
        return cls._cached(Path(path), phase, "sch")

    @staticmethod
    def phases(path: str | Path) -> frozenset[str]:
        """The ids of the phases a ``.sch`` file declares (read without compiling it;
        read once per process and file version, as schema resolution asks per document)."""
        p = Path(path).resolve()
        stat = p.stat()
        return _phases(p, stat.st_mtime_ns, stat.st_size)

    @classmethod
    def from_rng(cls, path: str | Path, phase: str = "#ALL") -> Schematron:
        """Compile the Schematron embedded in a RelaxNG schema (ISO or the older
        ASCC namespace), as TEI ODD processing leaves it in ``tei_all.rng``."""
        return cls._cached(Path(path), phase, "rng")

    @classmethod
    def _cached(cls, path: Path, phase: str, kind: str) -> Schematron:
        return compiled(
            f"schematron-{kind}",
            path,
            lambda data: cls._build(path, data, phase, kind),
            phase,
            read=read_file,
        )

    @classmethod
    def _build(cls, path: Path, data: bytes, phase: str, kind: str) -> Schematron:
        source = str(path)
        root = parse_bytes(data, source, require_tei=False).getroot()
        if kind == "rng":
            root = _schema_from_rng(root)
        elif not is_sch(root, "schema"):
            message = (
                f"{source} is not an ISO Schematron schema: its root is "
                f"<{etree.QName(root).localname}>, not <sch:schema> in {ISO}."
            )
            raise TeikitError(
                message,
                error("sch:schema-invalid", message, file=source, line=root.sourceline or 0),
            )
        xslt, codes = Compiler(root, source, phase).build()
        return cls(source, xslt, codes)

    @classmethod
    def from_string(
        cls, text: str, source: str = "<schematron>", phase: str = "#DEFAULT"
    ) -> Schematron:
        """Compile a schema given as text (no cache): for tests and generated rules."""
        root = parse_bytes(text.encode("utf-8"), source, require_tei=False).getroot()
        xslt, codes = Compiler(root, source, phase).build()
        return cls(source, xslt, codes)

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every failed assertion and successful report, located in ``doc``."""
        try:
            with native_stderr_silenced():  # the error is reported here, escaped
                out = self._stylesheet.run(doc.tree).text
        except saxon.RunError as exc:
            message = (
                f"Running the Schematron schema {self.source} on "
                f"{doc.path or 'the document'} failed: {exc.detail}"
            )
            raise TeikitError(
                message, error("sch:run-failed", message, file=str(doc.path or ""))
            ) from None
        return self._diagnostics(out, doc)

    def _diagnostics(self, out: str, doc: Document) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        default_file = display_path(str(doc.path)) if doc.path else ""
        results = etree.fromstring(out.encode("utf-8"))
        for item in results:
            role = (item.get("role") or "").strip().lower()
            severity = ROLE_SEVERITY.get(role, Severity.ERROR)
            code = self._codes.get(item.get("key", ""), "unknown")
            path = item.get("location", "")
            el = element_at(doc.tree, path)
            where: Where
            if el is not None:
                where = locate(el, str(doc.path or ""))
                where["xpath"] = _readable(path) or where["xpath"]
            else:
                where = {"file": default_file, "line": 0, "column": 0, "xpath": _readable(path)}
            message = " ".join("".join(item.itertext()).split())
            found.append(Diagnostic(severity, f"sch:{code}", message, **where))
        found.sort(key=lambda d: (d.file, d.line, d.rule))
        return found


def _readable(path: str) -> str:
    """Saxon's ``Q{uri}local[n]`` path with the tei/xml prefixes (as users type it)."""
    for prefix, uri in NAMESPACES.items():
        path = path.replace(f"Q{{{uri}}}", f"{prefix}:")
    return path.replace("Q{}", "")


def _schema_from_rng(rng: etree._Element) -> etree._Element:
    """A synthetic ``sch:schema`` holding every ``ns``, ``let``, ``pattern`` and
    ``diagnostics`` embedded in a RelaxNG grammar (ODD output puts them anywhere)."""
    schema = etree.Element(f"{{{ISO}}}schema", nsmap={"sch": ISO})
    schema.set("queryBinding", "xslt2")
    for el in rng.iter():
        if not isinstance(el.tag, str) or not is_sch(el):
            continue
        if etree.QName(el).localname not in ("ns", "pattern", "diagnostics"):
            continue
        if any(is_sch(a) for a in el.iterancestors()):
            continue  # nested inside an already collected Schematron element
        copy = deepcopy(el)  # keeps in-scope namespaces, which rules rely on
        if etree.QName(copy).namespace == OLD:
            for sub in copy.iter():
                if isinstance(sub.tag, str) and etree.QName(sub).namespace == OLD:
                    sub.tag = f"{{{ISO}}}{etree.QName(sub).localname}"
        schema.append(copy)
    return schema
