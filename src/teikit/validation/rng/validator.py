"""A document walked through the derivatives, with jing's recovery after each error.

Why jing's recovery: an editor fixes a file from the whole list of its errors, so the
list must hold every real error once, and no echo of an earlier one. jing's rules
(``PatternMatcher``) are the reference users know: after an element that is not
allowed, go on inside it with its own definition from elsewhere in the schema (or skip
it when the schema has none) and continue after it as if it were absent; an element
that would fit once something required is skipped is "not allowed yet"; a missing
attribute is taken as given; an incomplete element is closed anyway. Once the state is
``notAllowed`` after an error, further errors are only its consequences and are not
reported.

The result is a list of :class:`Finding` (what went wrong, at which element, with the
names that would have fitted); :mod:`.explain` words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from teikit.validation.rng.datatypes import Context
from teikit.validation.rng.derivative import Derivatives
from teikit.validation.rng.patterns import (
    AFTER,
    ATTRIBUTE,
    CHOICE,
    ELEMENT,
    GROUP,
    INTERLEAVE,
    NOT_ALLOWED,
    ONE_OR_MORE,
    Kind,
    Pattern,
    QName,
)


@dataclass(frozen=True)
class Finding:
    """One error as the walk saw it.

    ``code`` is the rule code; ``element`` the element it is located at and ``at``
    which of its tags (``start`` or ``end``); ``name`` the offending element or
    attribute; ``expected`` the element (or attribute) names that would have fitted
    there; ``missing`` the required names that are absent; ``value`` an offending
    value; ``state`` the pattern at that point, for explanations that need more.
    """

    code: str
    element: etree._Element
    at: str
    kind: str
    name: QName | None = None
    expected: tuple[QName, ...] = ()
    missing: tuple[QName, ...] = ()
    value: str = ""
    state: Pattern | None = None
    other: etree._Element | None = None


@cache
def qname(clark: str) -> QName:
    """A Clark name (``{ns}local``) as a :class:`QName` (cached: a document repeats
    its few dozen names thousands of times)."""
    if clark.startswith("{"):
        ns, _, local = clark[1:].partition("}")
        return QName(ns, local)
    return QName("", clark)


@dataclass
class Walk:
    """The state of one walk over one document (see the module's docstring)."""

    d: Derivatives
    findings: list[Finding] = field(default_factory=list)
    had_error: bool = False
    ids: dict[str, etree._Element] = field(default_factory=dict)
    refs: list[tuple[etree._Element, str, QName]] = field(default_factory=list)
    reported_first: set[str] = field(default_factory=set)

    def _ignored(self, state: Pattern) -> bool:
        return self.had_error and state.kind is NOT_ALLOWED

    def _report(self, state: Pattern, finding: Finding) -> None:
        if self._ignored(state):
            return
        self.had_error = True
        self.findings.append(finding)

    # -- the walk ------------------------------------------------------------------

    def run(self, root: etree._Element) -> list[Finding]:
        """Every finding for the document rooted at ``root``, in document order of
        the events (IDREFs without an ID last, as jing)."""
        state = self.d.b.start
        self.element(root, state)
        for el, value, name in self.refs:
            if value not in self.ids:
                self.findings.append(
                    Finding("rng:idref-unresolved", el, "start", "idref", name, value=value)
                )
        return self.findings

    def element(self, el: etree._Element, state: Pattern) -> Pattern:
        """Walk ``el`` from ``state``; the state after its end tag."""
        name = qname(str(el.tag))
        opened = self.start_tag_open(el, name, state)
        if opened is None:  # an element the schema does not know: as if absent
            self.unknown(el)
            return state
        return self.inside(el, name, opened)

    def unknown(self, el: etree._Element) -> None:
        """The content of an element the schema does not know: each known child is
        checked against its own definition and, as jing does, reported at its end
        tag as standing where it cannot (its parent is unknown); the rest is skipped."""
        d = self.d
        for child in el.iterchildren(etree.Element):
            name = qname(str(child.tag))
            found = d.find_element(name)
            if found.kind is NOT_ALLOWED:
                self.unknown(child)
                continue
            count = len(self.findings)
            after = self.inside(child, name, d.b.after(found, d.b.empty))
            incomplete = any(
                f.element is child and f.kind == "incomplete" for f in self.findings[count:]
            )
            if after.kind is not NOT_ALLOWED and not incomplete:
                self.had_error = True
                self.findings.append(
                    Finding("rng:element-not-allowed", child, "end", "in-unknown", name, other=el)
                )

    def inside(self, el: etree._Element, name: QName, state: Pattern) -> Pattern:
        """Walk ``el`` from the state after its start tag opened; the state after
        its end tag. (The walk's hot loop: the common, error-free case reads the memo
        tables directly: ~850,000 elements a second once they are warm.)"""
        d = self.d
        attributes = el.items()
        if attributes:
            named, kinds, values = d.attributes, d.id_kinds, d.values
            for key, value in attributes:
                attribute = qname(key)
                # the common case inline: name and value met before, no ID semantics
                nxt = named.get((state, attribute))
                after = None if nxt is None or kinds.get(nxt) != "" else values.get((nxt, value))
                if after is None or after.kind is NOT_ALLOWED:
                    after = self.attribute(el, attribute, value, state, Context(el))
                state = after
        closed = d.closed.get(state) or d.start_tag_close(state)
        state = closed if closed.kind is not NOT_ALLOWED else self.start_tag_close(el, name, state)
        text = el.text or ""
        elements = False
        opened_table, mixed, typed = d.opened, d.mixed, d.typed_content
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):  # comments and PIs do not split text
                text += child.tail or ""
                continue
            if text and not text.isspace():
                nxt = mixed.get(state) or d.mixed_text(state)
                state = nxt if nxt.kind is not NOT_ALLOWED else self.text(el, text, state, child)
            text = child.tail or ""
            child_name = qname(tag)
            opened = opened_table.get((state, child_name)) or d.start_tag_open(state, child_name)
            if opened.kind is not NOT_ALLOWED:  # the common case, inline
                state = self.inside(child, child_name, opened)
            else:
                state = self.element(child, state)
            elements = True
        if not elements and typed.get(state, True) and d.typed(state):
            return self.typed_text(el, name, text, state, Context(el))
        if text and not text.isspace():
            nxt = mixed.get(state) or d.mixed_text(state)
            state = nxt if nxt.kind is not NOT_ALLOWED else self.text(el, text, state, None)
        ended = d.ended.get(state) or d.end_tag(state)
        return ended if ended.kind is not NOT_ALLOWED else self.end_tag(el, name, state)

    def start_tag_open(self, el: etree._Element, name: QName, state: Pattern) -> Pattern | None:
        """The state inside ``el``; None for an element the schema does not know
        anywhere, which is reported and then skipped with its content."""
        d = self.d
        nxt = d.start_tag_open(state, name)
        if nxt.kind is not NOT_ALLOWED:
            return nxt
        recovered = d.start_tag_open(state, name, recover=True)
        expected = _start_names(state)
        if recovered.kind is not NOT_ALLOWED:
            # required before this element: what the state needs that the state after
            # it (recovered, the element taken as given) no longer needs
            after = _required(d.recover_after(recovered), ELEMENT)
            missing = tuple(n for n in _required_elements(state) if n not in after and n != name)
            self._report(
                state,
                Finding(
                    "rng:element-missing" if missing else "rng:element-not-allowed",
                    el,
                    "start",
                    "not-yet",
                    name,
                    expected,
                    missing,
                    state=state,
                ),
            )
            return recovered
        found = d.find_element(name)
        self._report(
            state,
            Finding(
                "rng:element-not-allowed",
                el,
                "start",
                "unknown" if found.kind is NOT_ALLOWED else "elsewhere",
                name,
                expected,
                state=state,
            ),
        )
        if found.kind is NOT_ALLOWED:
            return None
        return d.b.after(found, state)

    def attribute(
        self, el: etree._Element, name: QName, value: str, state: Pattern, cx: Context
    ) -> Pattern:
        d = self.d
        nxt = d.attributes.get((state, name)) or d.attribute(state, name)
        if nxt.kind is NOT_ALLOWED:
            self._report(
                state,
                Finding(
                    "rng:attribute-not-allowed",
                    el,
                    "start",
                    "attribute",
                    name,
                    _attribute_names(state),
                    state=state,
                ),
            )
            return state
        kind = d.id_kind(nxt)
        if kind:
            self._ids(el, name, value, kind)
        after = d.after_value(nxt, value, cx)
        if after.kind is not NOT_ALLOWED:
            return after
        self._report(
            state, Finding("rng:value-invalid", el, "start", "value", name, value=value, state=nxt)
        )
        return d.recover_after(nxt)

    def start_tag_close(self, el: etree._Element, name: QName, state: Pattern) -> Pattern:
        d = self.d
        nxt = d.start_tag_close(state)
        if nxt.kind is not NOT_ALLOWED:
            return nxt
        self._report(
            state,
            Finding(
                "rng:attribute-missing",
                el,
                "start",
                "attribute",
                name,
                missing=_required_attributes(state),
                state=state,
            ),
        )
        return d.start_tag_close(state, forgive=True)

    def text(
        self, el: etree._Element, text: str, state: Pattern, before: etree._Element | None
    ) -> Pattern:
        if not text.strip():
            return state
        nxt = self.d.mixed_text(state)
        if nxt.kind is not NOT_ALLOWED:
            return nxt
        at, where = (before, "before-start") if before is not None else (el, "before-end")
        self._report(
            state,
            Finding(
                "rng:text-not-allowed",
                at,
                where,
                "text",
                qname(str(el.tag)),
                _start_names(state),
                value=text.strip(),
                state=state,
                other=el,
            ),
        )
        return state

    def typed_text(
        self, el: etree._Element, name: QName, text: str, state: Pattern, cx: Context
    ) -> Pattern:
        """Content that is a datatype (``<when>1843</when>``), checked as one value,
        end tag included (jing's ``setDataDeriv``)."""
        d = self.d
        only = d.text_only(state)
        nxt = d.after_value(only, text, cx)
        if nxt.kind is not NOT_ALLOWED:
            return nxt
        recovered = d.recover_after(state)
        if not self._ignored(state) and (
            recovered.kind is not NOT_ALLOWED
            or d.after_value(d.empty_after(only), text, cx).kind is NOT_ALLOWED
        ):
            self._report(
                state,
                Finding("rng:value-invalid", el, "end", "content", name, value=text, state=only),
            )
        return recovered

    def end_tag(self, el: etree._Element, name: QName, state: Pattern) -> Pattern:
        d = self.d
        nxt = d.end_tag(state)
        if nxt.kind is not NOT_ALLOWED:
            return nxt
        recovered = d.recover_after(state)
        if not self._ignored(state) and (
            recovered.kind is not NOT_ALLOWED or d.end_tag(d.empty_after(state)).kind is NOT_ALLOWED
        ):
            self._report(
                state,
                Finding(
                    "rng:element-missing",
                    el,
                    "end",
                    "incomplete",
                    name,
                    _start_names(state),
                    _required_elements(state),
                    state=state,
                ),
            )
        return recovered

    # -- IDs -----------------------------------------------------------------------

    def _ids(self, el: etree._Element, name: QName, value: str, kind: str) -> None:
        """ID semantics (XSD ``ID``/``IDREF``/``IDREFS``, ``kind``) for the attribute
        just named: a duplicate is reported at both places, as jing does."""
        if kind == "ID":
            key = value.strip()
            first = self.ids.get(key)
            if first is None:
                self.ids[key] = el
                return
            self.had_error = True
            self.findings.append(
                Finding("rng:duplicate-id", el, "start", "duplicate", name, value=key, other=first)
            )
            if key not in self.reported_first:
                self.reported_first.add(key)
                self.findings.append(
                    Finding("rng:duplicate-id", first, "start", "first", name, value=key, other=el)
                )
        elif kind in ("IDREF", "IDREFS"):
            self.refs.extend((el, v, name) for v in value.split())


def _names(p: Pattern, kind: Kind, out: dict[QName, None], seen: set[int]) -> None:
    """Names of ``kind`` patterns (element or attribute) that could come first."""
    if id(p) in seen:
        return
    seen.add(id(p))
    if p.kind is kind:
        assert p.names is not None
        out.update(dict.fromkeys(p.names.names()))
    elif p.kind is CHOICE:
        for alt in p.alternatives:
            _names(alt, kind, out, seen)
    elif p.kind is AFTER:
        assert p.left is not None
        _names(p.left, kind, out, seen)
    elif p.kind in (GROUP, INTERLEAVE):
        assert p.left is not None and p.right is not None
        _names(p.left, kind, out, seen)
        if p.kind is INTERLEAVE or p.left.nullable or kind is ATTRIBUTE:
            _names(p.right, kind, out, seen)
    elif p.kind is ONE_OR_MORE:
        assert p.left is not None
        _names(p.left, kind, out, seen)


#: Names that could come first, per pattern and kind (patterns are hash-consed, so a
#: state met again, as in a dictionary's thousand entries, is answered at once).
_FIRST: dict[tuple[Pattern, Kind], tuple[QName, ...]] = {}


def _first_names(p: Pattern, kind: Kind) -> tuple[QName, ...]:
    found = _FIRST.get((p, kind))
    if found is None:
        out: dict[QName, None] = {}
        _names(p, kind, out, set())
        found = tuple(out)
        if len(_FIRST) > 100_000:
            _FIRST.clear()
        _FIRST[(p, kind)] = found
    return found


def _start_names(p: Pattern) -> tuple[QName, ...]:
    return _first_names(p, ELEMENT)


def _attribute_names(p: Pattern) -> tuple[QName, ...]:
    return _first_names(p, ATTRIBUTE)


def _required(p: Pattern, kind: Kind) -> frozenset[QName]:
    """Names of ``kind`` patterns every way through ``p`` still needs (jing's
    ``RequiredElementsFunction``/``RequiredAttributesFunction``)."""
    if p.kind is kind:
        assert p.names is not None
        names = p.names.names()
        return frozenset(names) if len(names) == 1 else frozenset()
    if p.kind is CHOICE:
        sets = [_required(alt, kind) for alt in p.alternatives]
        return frozenset.intersection(*sets) if sets else frozenset()
    if p.kind in (GROUP, INTERLEAVE):
        assert p.left is not None and p.right is not None
        return _required(p.left, kind) | _required(p.right, kind)
    if p.kind in (ONE_OR_MORE, AFTER):
        assert p.left is not None
        return _required(p.left, kind)
    return frozenset()


def _required_elements(p: Pattern) -> tuple[QName, ...]:
    return tuple(sorted(_required(p, ELEMENT)))


def _required_attributes(p: Pattern) -> tuple[QName, ...]:
    return tuple(sorted(_required(p, ATTRIBUTE)))


def walk(d: Derivatives, root: etree._Element) -> list[Finding]:
    """Every finding for the document rooted at ``root`` (see :class:`Walk`)."""
    return Walk(d).run(root)
