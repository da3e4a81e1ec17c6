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

import hashlib
import re
import threading
from collections.abc import Callable
from copy import deepcopy
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from teikit import saxon
from teikit.diagnostics import Diagnostic, Severity, TeikitError, error
from teikit.files import is_remote
from teikit.locations import display_path, element_at, locate
from teikit.namespaces import (
    RELAXNG,
    SCHEMATRON,
    SCHEMATRON_OLD,
    TEIKIT_SCHEMATRON_RESULT,
    XSD,
    XSLT,
)

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
    from teikit.loading import parse_file

    root = parse_file(path, xinclude=False, require_tei=False).getroot()
    return frozenset(ph.get("id", "") for ph in root.iter(f"{{{ISO}}}phase",
                                                         f"{{{OLD}}}phase"))


def _literal(value: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that inserts ``value`` as is (no backslash escapes)."""
    return lambda _match: value


def _is_sch(el: Any, local: str | None = None) -> bool:
    if not isinstance(el.tag, str):
        return False
    qn = etree.QName(el)
    return qn.namespace in SCH_NAMESPACES and (local is None or qn.localname == local)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _children(el: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in el if _is_sch(c, local)]


class _Compiler:
    """Builds the XSLT 3.0 stylesheet for one schema and one phase.

    Kept separate from :class:`Schematron` so that the (rather long) generation logic
    is one readable unit and the public class only caches and runs.
    """

    def __init__(self, schema: etree._Element, source: str, phase: str) -> None:
        self.schema = schema
        self.source = source
        self.phase = phase
        self.namespaces: dict[str, str] = {}
        self.diagnostics_by_id: dict[str, etree._Element] = {}
        self.mode_count = 0

    # -- preparation -------------------------------------------------------------------

    def _fail(self, message: str, el: etree._Element | None = None) -> TeikitError:
        line = el.sourceline if el is not None and el.sourceline else 0
        diag = error("sch:schema-invalid", message, file=self.source, line=line, column=0)
        return TeikitError(f"{self.source}:{line}: {message}", diag)

    def _collect_namespaces(self) -> None:
        # in-scope declarations on rules first (ODD-generated RNG relies on them), then
        # sch:ns, which wins: it is the documented way to bind a prefix
        for el in self.schema.iter():
            if _is_sch(el, "rule") or _is_sch(el, "pattern"):
                for prefix, uri in (el.nsmap or {}).items():
                    if prefix and prefix not in ("xsl", "xml") and uri not in SCH_NAMESPACES:
                        self.namespaces.setdefault(prefix, uri)
        for ns in self.schema.iter(f"{{{ISO}}}ns", f"{{{OLD}}}ns"):
            ns_prefix, ns_uri = ns.get("prefix"), ns.get("uri")
            if not ns_prefix or ns_uri is None:
                raise self._fail("sch:ns needs both @prefix and @uri.", ns)
            self.namespaces[ns_prefix] = ns_uri
        self.namespaces.setdefault("xs", XSD)

    def _expand_abstract_patterns(self) -> None:
        """Instantiate ``<pattern is-a="…">`` from abstract patterns by substituting
        ``$param`` in every query attribute, as ISO 19757-3 §6.3 describes."""
        patterns = [p for p in self.schema.iter(f"{{{ISO}}}pattern", f"{{{OLD}}}pattern")]
        abstract = {p.get("id"): p for p in patterns if p.get("abstract") == "true"}
        for p in patterns:
            base_id = p.get("is-a")
            if not base_id:
                continue
            base = abstract.get(base_id)
            if base is None:
                raise self._fail(f"pattern is-a='{base_id}' names no abstract pattern.", p)
            params = {q.get("name", ""): q.get("value", "") for q in _children(p, "param")}
            inst = deepcopy(base)
            inst.attrib.pop("abstract", None)
            if p.get("id"):
                inst.set("id", p.get("id", ""))
            else:
                inst.attrib.pop("id", None)
            names = sorted(params, key=len, reverse=True)
            for el in inst.iter():
                if not isinstance(el.tag, str):
                    continue
                for attr in ("context", "test", "select", "value", "path", "subject"):
                    text = el.get(attr)
                    if text is None:
                        continue
                    for name in names:
                        value = params[name]
                        text = re.sub(rf"\${re.escape(name)}(?![\w.-])",
                                      _literal(value), text)
                    el.set(attr, text)
            parent = p.getparent()
            if parent is not None:
                parent.replace(p, inst)
        for p in abstract.values():
            parent = p.getparent()
            if parent is not None:
                parent.remove(p)

    def _active_patterns(self) -> tuple[list[etree._Element], list[etree._Element]]:
        """The patterns the phase activates, and the phase's own lets."""
        patterns = [p for p in self.schema.iter(f"{{{ISO}}}pattern", f"{{{OLD}}}pattern")
                    if p.get("abstract") != "true"]
        phase = self.phase
        if phase == "#DEFAULT":
            phase = self.schema.get("defaultPhase") or "#ALL"
        if phase == "#ALL":
            return patterns, []
        for ph in self.schema.iter(f"{{{ISO}}}phase", f"{{{OLD}}}phase"):
            if ph.get("id") == phase:
                wanted = {a.get("pattern") for a in _children(ph, "active")}
                return [p for p in patterns if p.get("id") in wanted], _children(ph, "let")
        raise self._fail(f"No sch:phase with id '{phase}'; use #ALL, #DEFAULT or one of "
                         + ", ".join(repr(p.get("id")) for p in
                                     self.schema.iter(f"{{{ISO}}}phase")) + ".")

    # -- generation --------------------------------------------------------------------

    def _x(self, parent: etree._Element, local: str, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{XSL}}}{local}")
        for key, value in attrs.items():
            el.set(key.rstrip("_").replace("_", "-"), value)
        return el

    def _let(self, parent: etree._Element, let: etree._Element, *, param: bool = False,
             tunnel: bool = False) -> None:
        name = let.get("name")
        if not name:
            raise self._fail("sch:let needs a @name.", let)
        kind = "param" if param else "variable"
        attrs: dict[str, str] = {"name": name}
        if tunnel:
            attrs["tunnel"] = "yes"
        if not param:
            if let.get("as"):
                attrs["as"] = let.get("as", "")
            if let.get("value") is not None:
                attrs["select"] = let.get("value", "")
        el = self._x(parent, kind, **attrs)
        if not param and let.get("value") is None:
            for child in let:  # a let with content: the content is the value
                el.append(deepcopy(child))
            el.text = let.text

    def _message(self, parent: etree._Element, node: etree._Element) -> None:
        """Copy an assertion's mixed content as XSLT that builds its text."""
        if node.text:
            self._x(parent, "text").text = node.text
        for child in node:
            if isinstance(child.tag, str) and _is_sch(child, "value-of"):
                self._x(parent, "value-of", select=child.get("select", "."))
            elif isinstance(child.tag, str) and _is_sch(child, "name"):
                path = child.get("path")
                self._x(parent, "value-of", select=f"name({path})" if path else "name(.)")
            elif isinstance(child.tag, str):
                self._message(parent, child)  # emph, dir, span, foreign: their text
            if child.tail:
                self._x(parent, "text").text = child.tail
        if _is_sch(node, "assert") or _is_sch(node, "report"):
            for ref in (node.get("diagnostics") or "").split():
                diag = self.diagnostics_by_id.get(ref)
                if diag is None:
                    raise self._fail(f"@diagnostics names '{ref}', which no sch:diagnostic "
                                     "declares.", node)
                self._x(parent, "text").text = " "
                self._message(parent, diag)

    def _rule_body(self, rule: etree._Element, rules_by_id: dict[str, etree._Element]
                   ) -> list[etree._Element]:
        """The rule's lets and assertions, with ``sch:extends`` expanded in place."""
        body: list[etree._Element] = []
        for child in rule:
            if not isinstance(child.tag, str) or not _is_sch(child):
                continue
            if _local(child) == "extends":
                if child.get("href"):
                    raise self._fail("sch:extends/@href (external rules) is not supported; "
                                     "copy the rule into this schema.", child)
                base = rules_by_id.get(child.get("rule", ""))
                if base is None:
                    raise self._fail(f"sch:extends names '{child.get('rule')}', which no "
                                     "abstract rule declares.", child)
                body.extend(self._rule_body(base, rules_by_id))
            elif _local(child) in ("let", "assert", "report"):
                body.append(child)
        return body

    def build(self) -> tuple[str, dict[str, str]]:
        """The stylesheet text and the mapping from assertion code to rule code."""
        for inc in list(self.schema.iter(f"{{{ISO}}}include", f"{{{OLD}}}include")):
            self._include(inc)
        self._expand_abstract_patterns()
        self._collect_namespaces()
        binding = (self.schema.get("queryBinding") or "xslt").lower()
        if binding not in {"xslt", "xslt2", "xslt3", "xpath", "xpath2", "xpath3", "xpath31"}:
            raise self._fail(f"queryBinding '{binding}' is not supported; teikit runs "
                             "xslt, xslt2, xslt3 and xpath 1–3.1 on Saxon.", self.schema)
        self.diagnostics_by_id = {d.get("id", ""): d for d in self.schema.iter(
            f"{{{ISO}}}diagnostic", f"{{{OLD}}}diagnostic")}
        patterns, phase_lets = self._active_patterns()

        nsmap = {"xsl": XSL, **{p: u for p, u in self.namespaces.items() if p != "xsl"}}
        sheet = etree.Element(f"{{{XSL}}}stylesheet", nsmap=nsmap)
        sheet.set("version", "3.0")
        sheet.set("exclude-result-prefixes", "#all")
        self._x(sheet, "output", method="xml", indent="no")
        # foreign XSLT the schema carries (functions and keys), as ISO allows for xslt*
        for foreign in self.schema:
            if isinstance(foreign.tag, str) and etree.QName(foreign).namespace == XSL:
                sheet.append(deepcopy(foreign))
        for let in _children(self.schema, "let") + phase_lets:
            self._let(sheet, let)

        codes: dict[str, str] = {}
        root_template = self._x(sheet, "template", match="/")
        results = etree.SubElement(root_template, f"{{{_RESULT}}}results", nsmap={
            None: _RESULT})
        for p_index, pattern in enumerate(patterns, start=1):
            mode = f"p{p_index}"
            self._x(sheet, "mode", name=mode, on_no_match="shallow-skip")
            lets = _children(pattern, "let")
            scope = self._x(results, "for-each", select=".")
            for let in lets:
                self._let(scope, let)
            apply = self._x(scope, "apply-templates", select=".", mode=mode)
            for let in lets:
                self._x(apply, "with-param", name=let.get("name", ""),
                        select=f"${let.get('name')}", tunnel="yes")
            rules = _children(pattern, "rule")
            rules_by_id = {r.get("id", ""): r for r in self.schema.iter(
                f"{{{ISO}}}rule", f"{{{OLD}}}rule") if r.get("abstract") == "true"}
            concrete = [r for r in rules if r.get("abstract") != "true"]
            for r_index, rule in enumerate(concrete, start=1):
                context = rule.get("context")
                if not context:
                    raise self._fail("sch:rule needs a @context.", rule)
                template = self._x(sheet, "template", match=context, mode=mode,
                                   priority=str(len(concrete) - r_index + 1))
                for let in lets:
                    self._let(template, let, param=True, tunnel=True)
                a_index = 0
                for item in self._rule_body(rule, rules_by_id):
                    if _local(item) == "let":
                        self._let(template, item)
                        continue
                    a_index += 1
                    code = (item.get("id") or rule.get("id") or pattern.get("id")
                            or f"p{p_index}-r{r_index}-a{a_index}")
                    key = f"{mode}.{r_index}.{a_index}"
                    codes[key] = code
                    test = item.get("test")
                    if test is None:
                        raise self._fail(f"sch:{_local(item)} needs a @test.", item)
                    cond = f"not({test})" if _local(item) == "assert" else f"({test})"
                    when = self._x(template, "if", test=cond)
                    out = etree.SubElement(when, f"{{{_RESULT}}}failed-assert")
                    out.set("key", key)
                    out.set("role", item.get("role") or rule.get("role") or "")
                    subject = item.get("subject") or rule.get("subject")
                    out.set("location", f"{{path(({subject})[1])}}" if subject
                            else "{path()}")
                    self._message(out, item)
                self._x(template, "apply-templates", select="@*|node()", mode="#current")
        return etree.tostring(sheet, encoding="unicode"), codes

    def _include(self, inc: etree._Element) -> None:
        from teikit.loading import parse_file

        href = inc.get("href", "")
        if is_remote(href):
            raise self._fail(f"sch:include of '{href}' would reach the network; include "
                             "local files only.", inc)
        target = Path(self.source).parent / href.removeprefix("file:").split("#")[0]
        try:
            included = parse_file(target, require_tei=False).getroot()
        except TeikitError as exc:
            raise self._fail(f"sch:include of '{href}' failed: {exc}", inc) from None
        parent = inc.getparent()
        if parent is not None:
            parent.replace(inc, included)


_cache: dict[tuple[str, str, str, str], Schematron] = {}
_cache_lock = threading.Lock()


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
            self._stylesheet = saxon.compile_text(xslt, source)
        except saxon.CompileError as exc:
            message = (f"The Schematron schema {source} does not compile as XSLT 3.0: "
                       f"{exc.detail}. Check the XPath in its @context/@test/@value.")
            raise TeikitError(message, error("sch:schema-invalid", message, file=source)
                              ) from None

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
        from teikit.loading import read_file

        data = read_file(path)
        key = (str(path.resolve()), hashlib.sha256(data).hexdigest(), phase, kind)
        with _cache_lock:
            found = _cache.get(key)
            if found is None:
                found = cls._build(path, data, phase, kind)
                _cache[key] = found
            return found

    @classmethod
    def _build(cls, path: Path, data: bytes, phase: str, kind: str) -> Schematron:
        from teikit.loading import parse_bytes

        source = str(path)
        root = parse_bytes(data, source, require_tei=False).getroot()
        if kind == "rng":
            root = _schema_from_rng(root)
        elif not _is_sch(root, "schema"):
            message = (f"{source} is not an ISO Schematron schema: its root is "
                       f"<{etree.QName(root).localname}>, not <sch:schema> in {ISO}.")
            raise TeikitError(message, error("sch:schema-invalid", message, file=source,
                                             line=root.sourceline or 0))
        xslt, codes = _Compiler(root, source, phase).build()
        return cls(source, xslt, codes)

    @classmethod
    def from_string(cls, text: str, source: str = "<schematron>",
                    phase: str = "#DEFAULT") -> Schematron:
        """Compile a schema given as text (no cache): for tests and generated rules."""
        from teikit.loading import parse_bytes

        root = parse_bytes(text.encode("utf-8"), source, require_tei=False).getroot()
        xslt, codes = _Compiler(root, source, phase).build()
        return cls(source, xslt, codes)

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every failed assertion and successful report, located in ``doc``."""
        try:
            out = self._stylesheet.run(doc.tree).text
        except saxon.RunError as exc:
            message = (f"Running the Schematron schema {self.source} on "
                       f"{doc.path or 'the document'} failed: {exc.detail}")
            raise TeikitError(message, error("sch:run-failed", message,
                                             file=str(doc.path or ""))) from None
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
            where: dict[str, Any]
            if el is not None:
                where = locate(el, str(doc.path or ""))
                where["xpath"] = _readable(path) or where["xpath"]
            else:
                where = {"file": default_file, "line": 0, "column": 0,
                         "xpath": _readable(path)}
            message = " ".join("".join(item.itertext()).split())
            found.append(Diagnostic(severity, f"sch:{code}", message, **where))
        found.sort(key=lambda d: (d.file, d.line, d.rule))
        return found


def _readable(path: str) -> str:
    """Saxon's ``Q{uri}local[n]`` path with the tei/xml prefixes (as users type it)."""
    from teikit.locations import NAMESPACES

    for prefix, uri in NAMESPACES.items():
        path = path.replace(f"Q{{{uri}}}", f"{prefix}:")
    return path.replace("Q{}", "")


def _schema_from_rng(rng: etree._Element) -> etree._Element:
    """A synthetic ``sch:schema`` holding every ``ns``, ``let``, ``pattern`` and
    ``diagnostics`` embedded in a RelaxNG grammar (ODD output puts them anywhere)."""
    schema = etree.Element(f"{{{ISO}}}schema", nsmap={"sch": ISO})
    schema.set("queryBinding", "xslt2")
    for el in rng.iter():
        if not isinstance(el.tag, str) or not _is_sch(el):
            continue
        if _local(el) not in ("ns", "pattern", "diagnostics"):
            continue
        if any(_is_sch(a) for a in el.iterancestors()):
            continue  # nested inside an already collected Schematron element
        copy = deepcopy(el)  # keeps in-scope namespaces, which rules rely on
        if etree.QName(copy).namespace == OLD:
            for sub in copy.iter():
                if isinstance(sub.tag, str) and etree.QName(sub).namespace == OLD:
                    sub.tag = f"{{{ISO}}}{etree.QName(sub).localname}"
        schema.append(copy)
    return schema
