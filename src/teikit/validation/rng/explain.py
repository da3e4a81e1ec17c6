"""Findings of the derivative walk, worded for the person who fixes the file.

Why here and not in the walk: what went wrong is the walk's business (jing's rules);
how to say it is this module's: name what is missing and where it goes, what may stand
where a wrong element stands (shortest names first; the full list travels in the
diagnostic's ``expected`` for JSON), the near miss an unknown name probably is, a
datatype in words with an example. Names keep the document's prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from teikit.diagnostics import Diagnostic, Where, error
from teikit.locations import locate
from teikit.validation.rng.datatypes import Context, allows, describe, rank
from teikit.validation.rng.derivative import Derivatives
from teikit.validation.rng.naming import (
    SHOWN,
    Namer,
    Scope,
    expected_attributes,
    expected_elements,
    note,
    scope,
    split,
    written,
)
from teikit.validation.rng.nearmiss import suggestion
from teikit.validation.rng.patterns import Datatype, Kind, Pattern, QName
from teikit.validation.rng.positions import Positions, Sources
from teikit.validation.rng.validator import Finding


def _listing(values: list[str]) -> str:
    """Values shortest first, up to :data:`SHOWN`, the rest counted."""
    ordered = sorted(set(values), key=lambda v: (len(v), v))
    more = len(ordered) - SHOWN
    return ", ".join(ordered[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def _article(names: list[str]) -> str:
    """ "a " or "an " before one element name (``<encodingDesc>``), nothing before
    several."""
    if len(names) != 1:
        return ""
    return "an " if names[0].lstrip("<@").lower()[:1] in "aeiou" else "a "


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Explainer:
    """Turns one document's findings into diagnostics."""

    def __init__(self, d: Derivatives, positions: Positions | Sources | None, default: str) -> None:
        self.d = d
        self.positions = positions
        self.default = default
        self._schema_names: dict[str, set[str]] | None = None

    def diagnostics(self, findings: list[Finding]) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        seen: set[tuple[str, int, int, str, str]] = set()
        for f in findings:
            message, expected = self._message(f)
            if f.kind == "text" and f.at == "before-start" and _holds(f.state) is not None:
                # text in an element that holds a value is judged when the next start
                # tag is read (jing's data-content rule): placed after that tag
                where = self._where(f.element, "start")
            else:
                where = self._where(f.element, f.at, f.kind == "text")
            # the file too: XIncluded parts may repeat one another's places and words
            key = (
                str(where["file"]),
                int(str(where["line"])),
                int(str(where["column"])),
                f.code,
                message,
            )
            if key in seen:
                continue
            seen.add(key)
            # sorted: the grammar walk's order follows string hashing, which differs
            # between processes (workers), and a report must not change between runs
            out.append(error(f.code, message, expected=tuple(sorted(set(expected))), **where))
        return out

    def _where(self, el: etree._Element, at: str, text: bool = False) -> Where:
        where = locate(el, self.default)
        pos = None
        found = self.positions.of(el) if self.positions is not None else None
        if found is not None and text:
            pos = found.text_before(el, at)
        elif found is not None:
            pos = {
                "start": found.start,
                "end": found.end,
                "before-start": found.before_start,
                "before-end": found.before_end,
            }[at](el)
        if pos is not None:
            where["line"], where["column"] = pos
        elif at in ("end", "before-end"):
            where["line"], where["column"] = _end_line(el), 0
        return where

    def _message(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        if f.kind == "in-unknown":
            parent = f.other if f.other is not None else el
            namer = Namer(el)
            return (
                f"{namer.tag(f.name or QName('', ''), el)} cannot stand here: it "
                f"is inside {namer.element(parent)}, which is not an element of this schema.",
                [],
            )
        if f.kind in ("unknown", "elsewhere", "not-yet", "incomplete", "text"):
            return self._content(f)
        if f.kind == "attribute" and f.code == "rng:attribute-missing":
            namer = Namer(el)
            tag = namer.tag(f.name or QName("", ""), el)
            names = namer.each(f.missing, scope(el), attributes=True)
            json = [f"@{n}" for n in expected_attributes(f.missing, scope(el))]
            if not names:
                return f"{tag} lacks a required attribute.", []
            plural = "attribute" if len(names) == 1 else "attributes"
            return f"{tag} needs the {plural} {_and(names)}.", json
        if f.kind == "attribute":
            return self._attribute(f)
        if f.kind in ("value", "content"):
            return self._value(f)
        return self._ids(f)

    # -- content -------------------------------------------------------------------

    def _content(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        parent = f.other if f.kind == "text" else (el if f.kind == "incomplete" else el.getparent())
        where = scope(parent if parent is not None else el)
        expected = list(expected_elements(tuple(f.expected), where))
        if f.kind == "incomplete":
            return self._incomplete(f, el, where), expected
        if f.kind == "text":
            return self._text(f, parent, where), expected
        n = Namer(el)
        if f.kind == "not-yet" and f.missing:
            ptag = n.element(parent) if parent is not None else ""
            needed = n.each(f.missing, where)
            tag = n.tag(f.name or QName("", ""), el)
            return f"{ptag} needs {_article(needed)}{_and(needed)} before this {tag}.", expected
        tag = n.tag(f.name or QName("", ""), el)
        place = self._place(f, parent, n, where)
        if place:
            return place, expected
        near = self._near(f, where, n)
        if near is not None:
            return f"{tag} is not allowed here: did you mean {near}?", expected
        ptag = n.element(parent) if parent is not None else ""
        if f.kind == "not-yet":
            return (
                f"{tag} is not allowed here yet in {ptag}: something required comes first; "
                f"here {ptag} may contain {n.expected(f.expected, where) or 'nothing more'}.",
                expected,
            )
        what = "not a known element" if f.kind == "unknown" else "not allowed here"
        if not expected and f.kind == "elsewhere" and self._always_empty(parent):
            return f"{tag} is not allowed in {ptag}, which is always empty: move it out.", expected
        holds = _holds(f.state) if not expected else None
        if holds is not None:
            said = f"{tag} is not allowed in {ptag}, which holds {holds}".rstrip(",")
            return f"{said}: move it out.", expected
        if not expected:
            return f"{tag} is {what}; {ptag} may contain nothing more here.", expected
        return (
            f"{tag} is {what}; here {ptag} may contain {n.expected(f.expected, where)}.",
            expected,
        )

    def _incomplete(
        self, f: Finding, el: etree._Element, where: tuple[tuple[str | None, str], ...]
    ) -> str:
        n = Namer(el)
        ptag = n.element(el)
        close = f"</{written(el)}>"
        if f.missing:
            needed = n.each(f.missing, where)
            return f"{ptag} needs {_article(needed)}{_and(needed)} before {close}."
        if not f.expected:  # an element whose content is a value, with elements in it
            holds = _holds(f.state)
            return f"{ptag} must hold {holds or 'its content'} and nothing else."
        return f"{ptag} is incomplete: add one of {n.expected(f.expected, where)} before {close}."

    def _text(
        self, f: Finding, parent: etree._Element | None, where: tuple[tuple[str | None, str], ...]
    ) -> str:
        n = Namer(f.element)
        text = f.value if len(f.value) <= 30 else f.value[:27] + "…"
        ptag = n.element(parent) if parent is not None else ""
        if not f.expected and self._always_empty(parent):
            return (
                f'Text "{text}" is not allowed in {ptag}, which is always empty: remove it '
                "or move it out."
            )
        holds = _holds(f.state) if not f.expected else None
        if holds is not None:  # the text may be right: the elements beside it are not
            return (
                f'Text "{text}" cannot stand beside elements in {ptag}, which holds '
                f"{holds.rstrip(',')}: keep the text and move the elements out."
            )
        if not f.expected:
            return (
                f'Text "{text}" is not allowed in {ptag}, which takes no text '
                "here: remove it or move it out."
            )
        return (
            f'Text "{text}" is not allowed directly in {ptag}; wrap it in an '
            f"element allowed here, such as {n.expected(f.expected, where)}."
        )

    def _near(self, f: Finding, where: tuple[tuple[str | None, str], ...], n: Namer) -> str | None:
        """The name the offending element probably should have had, written out: the
        same name in the namespace the schema expects (``<p xmlns="">`` for a TEI
        ``<p>``; its namespace always said, as it is the fault), else the nearest name
        of its own namespace (``<persname>`` for ``<persName>``)."""
        name = f.name
        if name is None:
            return None
        other = next(
            (e for e in sorted(f.expected) if e.local == name.local and e.ns != name.ns), None
        )
        if other is not None:
            [written] = Namer(f.element).each([other], where)
            return written if written.endswith(")") else f"{written} {note(other.ns)}"
        own = [e.local for e in f.expected if e.ns == name.ns]
        near = suggestion(name.local, own) or (
            suggestion(name.local, self._all_names(name.ns)) if f.kind == "unknown" else None
        )
        if near is None:
            return None
        return n.each([QName(name.ns, near)], where)[0]

    def _place(self, f: Finding, parent: etree._Element | None, n: Namer, where: Scope) -> str:
        """Where a misplaced element goes, from the sibling after which it stopped being
        allowed: "<head> must come before the first <p> of this <div>"; "<head> is not
        allowed after <head> in <sec>" when that sibling has its own name."""
        if parent is None or f.name is None or f.kind != "elsewhere":
            return ""
        el = f.element
        blocker = self._blocker(parent, f.name, el)
        if blocker is None:
            return ""
        tag = n.tag(f.name, el)
        ptag = n.element(parent)
        if blocker.tag != el.tag:
            first = next(k for k in parent if k.tag == blocker.tag)
            at = (
                f"the first {n.element(blocker)}"
                if first is blocker
                else f"the {n.element(blocker)} at line {blocker.sourceline}"
            )
            return f"{tag} must come before {at} of this {ptag}."
        said = f"{tag} is not allowed after {n.element(blocker)} in {ptag}"
        if not f.expected:
            return f"{said}, which may contain nothing more here."
        return f"{said}; here {ptag} may contain {n.expected(f.expected, where)}."

    def _always_empty(self, parent: etree._Element | None) -> bool:
        """Whether ``parent``'s every definition has empty content (``<pb>``,
        ``<anchor>``): "may contain nothing more" would suggest it held something."""
        if parent is None:
            return False
        d = self.d
        return _empty(d.start_tag_close(d.find_element(QName(*split(parent.tag))), forgive=True))

    def _blocker(
        self, parent: etree._Element, name: QName, el: etree._Element
    ) -> etree._Element | None:
        """The sibling after which an element ``name`` stopped being allowed (a ``<p>``
        after the ``<closer>`` of a ``<div>``), when it was allowed before it."""
        before: tuple[etree._Element, bool] | None = None
        blocker = None
        for kid, ok in self._replay(parent, name, el):
            if before is not None and before[1] and not ok:
                blocker = before[0]
            before = (kid, ok)
        return blocker if before is not None and before[0] is el and not before[1] else None

    def _replay(
        self, parent: etree._Element, name: QName, el: etree._Element
    ) -> Iterator[tuple[etree._Element, bool]]:
        """Each element child of ``parent`` up to ``el`` and whether an element ``name``
        would have been allowed just before it, replaying ``parent``'s children from its
        own definition, each taken as complete whatever it holds; a child that is itself
        not allowed there is passed over (the second of two misplaced ``<p>`` still
        follows the ``<closer>``)."""
        d = self.d
        state = d.start_tag_close(d.find_element(QName(*split(parent.tag))), forgive=True)
        for kid in parent:
            if not isinstance(kid.tag, str):
                continue
            yield kid, d.start_tag_open(state, name).kind is not Kind.NOT_ALLOWED
            if kid is el:
                return
            nxt = d.start_tag_open(state, QName(*split(kid.tag)))
            if nxt.kind is not Kind.NOT_ALLOWED:
                state = d.recover_after(nxt)

    def _all_names(self, ns: str) -> list[str]:
        """The local names of the schema's elements in namespace ``ns``."""
        if self._schema_names is None:
            self._schema_names = {}
            for p in self.d.b.element_patterns():
                for name in p.names.names() if p.names is not None else ():
                    self._schema_names.setdefault(name.ns, set()).add(name.local)
        return sorted(self._schema_names.get(ns, ()))

    # -- attributes and values -----------------------------------------------------

    def _attribute(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        where = scope(el)
        allowed = expected_attributes(f.expected, where)
        n = Namer(el)
        name = f.name or QName("", "")
        said = f"{n.attribute(name, el)} is not allowed on {n.element(el)}"
        near = suggestion(name.local, [e.local for e in f.expected if e.ns == name.ns])
        if near is not None:
            [written] = n.each([QName(name.ns, near)], where, attributes=True)
            return f"{said}: did you mean {written}?", allowed
        if not allowed:
            return f"{said}, which takes no attributes.", allowed
        return f"{said}; it may have {n.expected(f.expected, where, attributes=True)}.", allowed

    def _value(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        n = Namer(el)
        values, kinds, types = _value_forms(f.state)
        value = f.value if len(f.value) <= 40 else f.value[:37] + "…"
        if f.kind == "content":
            said = f'The content "{value}" of {n.element(el)} is not valid'
        else:
            written = n.attribute(f.name or QName("", ""), el, value=value)
            said = f"{written} on {n.element(el)} is {'not valid' if value.strip() else 'empty'}"
        # an empty value among the allowed ones is said as such, not as one of ""
        forms = [f'"{v}"' for v in sorted(values) if v]
        empty = ", or leave it empty" if "" in values else ""
        if forms and not kinds:
            near = suggestion(f.value, sorted(values))
            if near is not None:
                return f'{said}: did you mean "{near}"?', sorted(values)
            return f"{said}: use one of {_listing(forms)}{empty}.", sorted(values)
        bare = f.value.strip()[1:]
        if f.value.strip().startswith("#") and any(allows(t, bare, Context(el)) for t in types):
            # a pointer written where the schema wants a plain name (@scribe="#pmb1")
            return f'{said}: it takes a name, not a pointer: write "{bare}".', sorted(values)
        options = list(dict.fromkeys(kinds)) + ([f"one of {', '.join(forms)}"] if forms else [])
        if not options and empty:
            return f"{said}: leave it empty.", sorted(values)
        words = _or(options) + empty if options else "a value the schema allows"
        return f"{said}: use {words}.", sorted(values)

    def _ids(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        name = f.name or QName("", "")
        other = f.other
        line = other.sourceline if other is not None else 0
        if f.kind == "duplicate":
            written = Namer(el).attribute(name, el, value=f.value, sign="")
            return (
                f"{written} is already used at line {line}: every ID must "
                "be unique; rename one of them.",
                [],
            )
        if f.kind == "first":
            written = Namer(el).attribute(name, el, value=f.value, sign="")
            return (
                f"{written} is used again at line {line}: every ID must be "
                "unique; rename one of them.",
                [],
            )
        written = Namer(el).attribute(name, el, value=f.value)
        return f"{written} points to no element with that ID.", []


def _empty(p: Pattern) -> bool:
    """Whether a state inside an element allows only its end tag, whichever
    definition of the element it is in."""
    if p.kind is Kind.AFTER:
        return p.left is not None and _empty(p.left)
    if p.kind is Kind.CHOICE:
        return all(_empty(a) for a in p.alternatives)
    return p.kind is Kind.EMPTY


def _holds(state: Pattern | None) -> str | None:
    """What an element whose content is a value (``<att>``, ``<when>``) holds, in words
    ("a single value: an XML name such as p"), or None when its content is not a value:
    text or elements beside it are then the fault, not the value."""
    values, kinds, _ = _value_forms(state)
    listed = sorted(v for v in values if v)
    forms = list(dict.fromkeys(kinds)) + ([f"one of {_listing(listed)}"] if listed else [])
    if forms == ["any text"]:
        return "only text"
    return f"a single value, {_or(forms)}," if forms else None


def _value_forms(state: Pattern | None) -> tuple[set[str], list[str], list[Datatype]]:
    """The closed values, the datatype descriptions and the datatypes of the value
    patterns a state expected (the left sides of its ``after`` patterns)."""
    values: set[str] = set()
    found: list[Datatype] = []
    lists: list[Pattern | None] = []
    todo: list[Pattern | None] = [state]
    seen: set[int] = set()
    while todo:
        p = todo.pop()
        if p is None or id(p) in seen:
            continue
        seen.add(id(p))
        if p.kind is Kind.VALUE:
            values.add(p.value)
        elif p.kind is Kind.DATA and p.datatype is not None:
            found.append(p.datatype)
        elif p.kind is Kind.LIST:
            lists.append(p.left)
        elif p.kind is Kind.TEXT:
            found.append(Datatype("", "string"))
        elif p.kind is Kind.CHOICE:
            todo.extend(p.alternatives)
        elif p.kind is Kind.AFTER:
            todo.append(p.left)
        elif p.kind in (Kind.GROUP, Kind.INTERLEAVE, Kind.ONE_OR_MORE):
            todo.extend((p.left, p.right))
    # the commonest form first (a full date before a year alone), each said once
    found.sort(key=rank)
    return values, [describe(dt) for dt in found] + [_list_form(p) for p in lists], found


def _list_form(items: Pattern | None) -> str:
    """A ``list`` pattern in words, after what its items are ("a URI … such as …, or
    several separated by spaces"), not "a list of values"."""
    values, kinds, _ = _value_forms(items)
    forms = kinds + ([f"one of {', '.join(repr(v) for v in sorted(values))}"] if values else [])
    if not forms:
        return "a list of values separated by spaces"
    return f"{_or(forms)}, or several separated by spaces"


def _end_line(node: etree._Element) -> int:
    """The line of ``node``'s end tag when no positions are known: lxml keeps start
    lines only, so count the newlines after the last one."""
    children: list[etree._Element] = list(node)
    if children:
        last = children[-1]
        base = _end_line(last) if isinstance(last.tag, str) else _line(last)
        return base + (last.tail or "").count("\n")
    return _line(node) + (node.text or "").count("\n")


def _line(node: etree._Element) -> int:
    line = node.sourceline
    return line if isinstance(line, int) else 0
