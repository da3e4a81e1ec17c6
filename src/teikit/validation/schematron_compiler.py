"""The Schematron to XSLT 3.0 compiler (the translation described in
``docs/decisions/0002-schematron-on-saxon.md``), split from
:mod:`teikit.validation.schematron`, which caches, sandboxes and runs the result.

Why separate: generation is one long, self-contained unit; the engine module only
needs :class:`Compiler` and its two outputs (stylesheet text and assertion codes).
Every schema passes :mod:`teikit.validation.schematron_safety` here, after includes
and abstract patterns are expanded and before any XSLT is generated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

from lxml import etree

from teikit.diagnostics import TeikitError, error
from teikit.files import is_remote
from teikit.loading import parse_file
from teikit.namespaces import SCHEMATRON, SCHEMATRON_OLD, TEIKIT_SCHEMATRON_RESULT, XSD, XSLT
from teikit.validation.schematron_safety import Checker, inside, own_functions

ISO = SCHEMATRON
OLD = SCHEMATRON_OLD
XSL = XSLT
SCH_NAMESPACES = (ISO, OLD)
RESULT = TEIKIT_SCHEMATRON_RESULT
#: sch:include elements expanded at most (a cycle of includes would never end).
MAX_INCLUDES = 256


def _literal(value: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that inserts ``value`` as is (no backslash escapes)."""
    return lambda _match: value


def is_sch(el: Any, local: str | None = None) -> bool:
    if not isinstance(el.tag, str):
        return False
    qn = etree.QName(el)
    return qn.namespace in SCH_NAMESPACES and (local is None or qn.localname == local)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _children(el: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in el if is_sch(c, local)]


class Compiler:
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
        self.checker = Checker(source, {}, set())

    # -- preparation -------------------------------------------------------------------

    def _fail(self, message: str, el: etree._Element | None = None) -> TeikitError:
        line = el.sourceline if el is not None and el.sourceline else 0
        diag = error("sch:schema-invalid", message, file=self.source, line=line, column=0)
        return TeikitError(f"{self.source}:{line}: {message}", diag)

    def _collect_namespaces(self) -> None:
        # in-scope declarations on rules first (ODD-generated RNG relies on them), then
        # sch:ns, which wins: it is the documented way to bind a prefix
        for el in self.schema.iter():
            if is_sch(el, "rule") or is_sch(el, "pattern"):
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
                        text = re.sub(rf"\${re.escape(name)}(?![\w.-])", _literal(value), text)
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
        patterns = [
            p
            for p in self.schema.iter(f"{{{ISO}}}pattern", f"{{{OLD}}}pattern")
            if p.get("abstract") != "true"
        ]
        phase = self.phase
        if phase == "#DEFAULT":
            phase = self.schema.get("defaultPhase") or "#ALL"
        if phase == "#ALL":
            return patterns, []
        for ph in self.schema.iter(f"{{{ISO}}}phase", f"{{{OLD}}}phase"):
            if ph.get("id") == phase:
                wanted = {a.get("pattern") for a in _children(ph, "active")}
                return [p for p in patterns if p.get("id") in wanted], _children(ph, "let")
        raise self._fail(
            f"No sch:phase with id '{phase}'; use #ALL, #DEFAULT or one of "
            + ", ".join(repr(p.get("id")) for p in self.schema.iter(f"{{{ISO}}}phase"))
            + "."
        )

    # -- generation --------------------------------------------------------------------

    def _x(self, parent: etree._Element, local: str, **attrs: str) -> etree._Element:
        el: etree._Element = etree.SubElement(parent, f"{{{XSL}}}{local}")
        for key, value in attrs.items():
            el.set(key.rstrip("_").replace("_", "-"), value)
        return el

    def _let(
        self,
        parent: etree._Element,
        let: etree._Element,
        *,
        param: bool = False,
        tunnel: bool = False,
    ) -> None:
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
            if isinstance(child.tag, str) and is_sch(child, "value-of"):
                self._x(parent, "value-of", select=child.get("select", "."))
            elif isinstance(child.tag, str) and is_sch(child, "name"):
                path = child.get("path")
                self._x(parent, "value-of", select=f"name({path})" if path else "name(.)")
            elif isinstance(child.tag, str):
                self._message(parent, child)  # emph, dir, span, foreign: their text
            if child.tail:
                self._x(parent, "text").text = child.tail
        if is_sch(node, "assert") or is_sch(node, "report"):
            for ref in (node.get("diagnostics") or "").split():
                diag = self.diagnostics_by_id.get(ref)
                if diag is None:
                    raise self._fail(
                        f"@diagnostics names '{ref}', which no sch:diagnostic declares.", node
                    )
                self._x(parent, "text").text = " "
                self._message(parent, diag)

    def _rule_body(
        self, rule: etree._Element, rules_by_id: dict[str, etree._Element]
    ) -> list[etree._Element]:
        """The rule's lets and assertions, with ``sch:extends`` expanded in place."""
        body: list[etree._Element] = []
        for child in rule:
            if not isinstance(child.tag, str) or not is_sch(child):
                continue
            if _local(child) == "extends":
                if child.get("href"):
                    raise self._fail(
                        "sch:extends/@href (external rules) is not supported; "
                        "copy the rule into this schema.",
                        child,
                    )
                base = rules_by_id.get(child.get("rule", ""))
                if base is None:
                    raise self._fail(
                        f"sch:extends names '{child.get('rule')}', which no "
                        "abstract rule declares.",
                        child,
                    )
                body.extend(self._rule_body(base, rules_by_id))
            elif _local(child) in ("let", "assert", "report"):
                body.append(child)
        return body

    def build(self) -> tuple[str, dict[str, str]]:
        """The stylesheet text and the mapping from assertion code to rule code."""
        self._expand_includes()
        self._expand_abstract_patterns()
        self._collect_namespaces()
        self.checker.namespaces = self.namespaces
        self.checker.own_functions = own_functions(self.schema)
        self.checker.check_schema(self.schema)
        binding = (self.schema.get("queryBinding") or "xslt").lower()
        if binding not in {"xslt", "xslt2", "xslt3", "xpath", "xpath2", "xpath3", "xpath31"}:
            raise self._fail(
                f"queryBinding '{binding}' is not supported; teikit runs "
                "xslt, xslt2, xslt3 and xpath 1–3.1 on Saxon.",
                self.schema,
            )
        self.diagnostics_by_id = {
            d.get("id", ""): d
            for d in self.schema.iter(f"{{{ISO}}}diagnostic", f"{{{OLD}}}diagnostic")
        }
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
        results = etree.SubElement(root_template, f"{{{RESULT}}}results", nsmap={None: RESULT})
        for p_index, pattern in enumerate(patterns, start=1):
            mode = f"p{p_index}"
            self._x(sheet, "mode", name=mode, on_no_match="shallow-skip")
            lets = _children(pattern, "let")
            scope = self._x(results, "for-each", select=".")
            for let in lets:
                self._let(scope, let)
            apply = self._x(scope, "apply-templates", select=".", mode=mode)
            for let in lets:
                self._x(
                    apply,
                    "with-param",
                    name=let.get("name", ""),
                    select=f"${let.get('name')}",
                    tunnel="yes",
                )
            rules = _children(pattern, "rule")
            rules_by_id = {
                r.get("id", ""): r
                for r in self.schema.iter(f"{{{ISO}}}rule", f"{{{OLD}}}rule")
                if r.get("abstract") == "true"
            }
            concrete = [r for r in rules if r.get("abstract") != "true"]
            for r_index, rule in enumerate(concrete, start=1):
                context = rule.get("context")
                if not context:
                    raise self._fail("sch:rule needs a @context.", rule)
                template = self._x(
                    sheet,
                    "template",
                    match=context,
                    mode=mode,
                    priority=str(len(concrete) - r_index + 1),
                )
                for let in lets:
                    self._let(template, let, param=True, tunnel=True)
                a_index = 0
                for item in self._rule_body(rule, rules_by_id):
                    if _local(item) == "let":
                        self._let(template, item)
                        continue
                    a_index += 1
                    code = (
                        item.get("id")
                        or rule.get("id")
                        or pattern.get("id")
                        or f"p{p_index}-r{r_index}-a{a_index}"
                    )
                    key = f"{mode}.{r_index}.{a_index}"
                    codes[key] = code
                    test = item.get("test")
                    if test is None:
                        raise self._fail(f"sch:{_local(item)} needs a @test.", item)
                    cond = f"not({test})" if _local(item) == "assert" else f"({test})"
                    when = self._x(template, "if", test=cond)
                    out = etree.SubElement(when, f"{{{RESULT}}}failed-assert")
                    out.set("key", key)
                    out.set("role", item.get("role") or rule.get("role") or "")
                    subject = item.get("subject") or rule.get("subject")
                    out.set("location", f"{{path(({subject})[1])}}" if subject else "{path()}")
                    self._message(out, item)
                self._x(template, "apply-templates", select="@*|node()", mode="#current")
        return etree.tostring(sheet, encoding="unicode"), codes

    def _local_file(self, el: etree._Element, what: str) -> Path:
        """The file ``el/@href`` names, which must lie in the schema's own folder tree:
        a schema named by a stranger's document must not pull in anything else."""
        href = el.get("href", "")
        folder = Path(self.source).parent
        if is_remote(href):
            raise self.checker.refuse(f"{what} of '{href}' would reach the network", el)
        target = folder / href.removeprefix("file:").split("#")[0]
        if not inside(target, folder):
            raise self.checker.refuse(
                f"{what} of '{href}' reads outside the schema's folder {folder}", el
            )
        return target

    def _include(self, inc: etree._Element) -> None:
        target = self._local_file(inc, "sch:include")
        try:
            included = parse_file(target, require_tei=False).getroot()
        except TeikitError as exc:
            raise self._fail(f"sch:include of '{inc.get('href')}' failed: {exc}", inc) from None
        parent = inc.getparent()
        if parent is not None:
            parent.replace(inc, included)

    def _expand_includes(self) -> None:
        """Replace ``sch:include`` (nested too, up to :data:`MAX_INCLUDES`) and top-level
        ``xsl:include``/``xsl:import`` by what they name; an XSLT module contributes its
        ``xsl:function``s and ``xsl:key``s, which are then checked like the schema's."""
        for _ in range(MAX_INCLUDES):
            inc = next(iter(self.schema.iter(f"{{{ISO}}}include", f"{{{OLD}}}include")), None)
            if inc is None:
                break
            self._include(inc)
        else:
            raise self._fail(f"More than {MAX_INCLUDES} sch:include elements (a cycle?).")
        for el in list(self.schema):
            if not isinstance(el.tag, str) or el.tag not in (
                f"{{{XSL}}}include",
                f"{{{XSL}}}import",
            ):
                continue
            local = etree.QName(el).localname
            target = self._local_file(el, f"xsl:{local}")
            try:
                module = parse_file(target, require_tei=False).getroot()
            except TeikitError as exc:
                raise self._fail(f"xsl:{local} of '{el.get('href')}' failed: {exc}", el) from None
            for child in module:
                if isinstance(child.tag, str) and etree.QName(child).namespace == XSL:
                    if etree.QName(child).localname not in ("function", "key"):
                        raise self.checker.refuse(
                            f"the module {target.name} that xsl:{local} names holds "
                            f"xsl:{etree.QName(child).localname}; only xsl:function and "
                            "xsl:key may be brought in",
                            el,
                        )
                    el.addprevious(deepcopy(child))
            self.schema.remove(el)
