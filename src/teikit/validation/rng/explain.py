"""Findings of the derivative walk, worded for the person who fixes the file.

Why here and not in the walk: what went wrong is the walk's business (jing's rules);
how to say it is this module's: name what is missing and where it goes, what may stand
where a wrong element stands (shortest names first; the full list travels in the
diagnostic's ``expected`` for JSON), the near miss an unknown name probably is, a
datatype in words with an example. Names keep the document's prefixes.
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from teikit.diagnostics import Diagnostic, Where, error
from teikit.locations import locate
from teikit.validation.rng.datatypes import describe, rank
from teikit.validation.rng.derivative import Derivatives
from teikit.validation.rng.patterns import XML_NS, Datatype, Kind, Pattern, QName
from teikit.validation.rng.positions import Positions, Sources
from teikit.validation.rng.validator import Finding

#: Names shown in a message; the diagnostic's ``expected`` has them all.
SHOWN = 8


def shown_element(name: QName, el: etree._Element) -> str:
    """``name`` as the document writes element names: unprefixed in the default
    namespace, else with the document's prefix for its namespace."""
    if name.ns == (el.nsmap.get(None) or ""):
        return name.local
    return _prefixed(name, el)


def shown_attribute(name: QName, el: etree._Element) -> str:
    """``name`` as written on an attribute: ``xml:id``, ``rend``, ``xlink:href``."""
    return name.local if not name.ns else _prefixed(name, el)


def _prefixed(name: QName, el: etree._Element) -> str:
    if name.ns == XML_NS:
        return f"xml:{name.local}"
    prefix = next((p for p, u in el.nsmap.items() if u == name.ns and p), None)
    return f"{prefix}:{name.local}" if prefix else f"{{{name.ns}}}{name.local}"


def distance(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours); a change of
    case alone costs nothing, as it is the commonest slip (``persname``)."""
    a, b = a.lower(), b.lower()
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def suggestion(wrong: str, candidates: list[str]) -> str | None:
    """See :func:`_suggestion` (cached: a misspelling repeats through a file)."""
    return _suggestion(wrong, tuple(candidates))


@cache
def _suggestion(wrong: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate ``wrong`` is probably a slip for: the nearest within a small
    edit distance (none but case below three letters, 1 below six, else 2), else None."""
    limit = 0 if len(wrong) < 3 else 1 if len(wrong) < 6 else 2
    scored = sorted(
        (distance(wrong, c), len(c), c)
        for c in candidates
        if c != wrong and abs(len(c) - len(wrong)) <= limit
    )
    if scored and scored[0][0] <= limit:
        return scored[0][2]
    return None


@cache
def _expected_names(
    names: tuple[QName, ...], nsmap: tuple[tuple[str | None, str], ...]
) -> tuple[tuple[str, ...], str]:
    """The names an element could have been, as the document would write them (sorted,
    once each) and as a message lists them. Cached: a run of errors in one content model
    (10^5 unknown siblings in a paragraph of tei_all: 200 names each) asks for the same
    list every time, and building it per error was most of the run."""
    ns = dict(nsmap)
    default = ns.get(None) or ""
    shown = []
    for name in names:
        if name.ns == default:
            shown.append(name.local)
        elif name.ns == XML_NS:
            shown.append(f"xml:{name.local}")
        else:
            prefix = next((p for p, u in ns.items() if u == name.ns and p), None)
            shown.append(f"{prefix}:{name.local}" if prefix else f"{{{name.ns}}}{name.local}")
    return tuple(sorted(set(shown))), _listing(shown, "<{}>") if shown else ""


def _listing(names: list[str], wrap: str) -> str:
    """Names shortest first, up to :data:`SHOWN`, the rest counted."""
    ordered = sorted(set(names), key=lambda n: (len(n), n))
    shown = ", ".join(wrap.format(n) for n in ordered[:SHOWN])
    more = len(ordered) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


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
        self._schema_names: list[str] | None = None

    def diagnostics(self, findings: list[Finding]) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        seen: set[tuple[str, int, int, str, str]] = set()
        for f in findings:
            message, expected = self._message(f)
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
            return (
                f"<{shown_element(f.name or QName('', ''), el)}> cannot stand here: it "
                f"is inside <{shown_element(QName(*_split(parent.tag)), parent)}>, which "
                "is not an element of this schema.",
                [],
            )
        if f.kind in ("unknown", "elsewhere", "not-yet", "incomplete", "text"):
            return self._content(f)
        if f.kind == "attribute" and f.code == "rng:attribute-missing":
            names = [f"@{shown_attribute(n, el)}" for n in f.missing]
            tag = shown_element(f.name or QName("", ""), el)
            if not names:
                return f"<{tag}> lacks a required attribute.", []
            plural = "attribute" if len(names) == 1 else "attributes"
            return f"<{tag}> needs the {plural} {_and(names)}.", names
        if f.kind == "attribute":
            return self._attribute(f)
        if f.kind in ("value", "content"):
            return self._value(f)
        return self._ids(f)

    # -- content -------------------------------------------------------------------

    def _content(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        parent = f.other if f.kind == "text" else (el if f.kind == "incomplete" else el.getparent())
        ptag = shown_element(QName(*_split(parent.tag)), parent) if parent is not None else ""
        names, may = _expected_names(tuple(f.expected), tuple(el.nsmap.items()))
        expected = list(names)
        tag = shown_element(f.name, el) if f.name is not None else ""
        if f.kind == "incomplete":
            if f.missing:
                needed = [f"<{shown_element(n, el)}>" for n in f.missing]
                return (
                    f"<{ptag}> needs {_article(needed)}{_and(needed)} before </{ptag}>.",
                    expected,
                )
            return f"<{ptag}> is incomplete: add one of {may} before </{ptag}>.", expected
        if f.kind == "text":
            text = f.value if len(f.value) <= 30 else f.value[:27] + "…"
            if not may:
                return (
                    f'Text "{text}" is not allowed in <{ptag}>, which takes no text '
                    "here: remove it or move it out.",
                    expected,
                )
            return (
                f'Text "{text}" is not allowed directly in <{ptag}>; wrap it in an '
                f"element allowed here, such as {may}.",
                expected,
            )
        if f.kind == "not-yet":
            if f.missing:
                needed = [f"<{shown_element(n, el)}>" for n in f.missing]
                return (
                    f"<{ptag}> needs {_article(needed)}{_and(needed)} before this <{tag}>.",
                    expected,
                )
            return (
                f"<{tag}> is not allowed here yet in <{ptag}>: something required comes "
                f"first; here <{ptag}> may contain {may or 'nothing more'}.",
                expected,
            )
        earlier = self._earlier_place(f, parent)
        if earlier:
            return earlier, expected
        near = suggestion(tag, expected) or (
            suggestion(tag, self._all_names()) if f.kind == "unknown" else None
        )
        if near is not None:
            return f"<{tag}> is not allowed here: did you mean <{near}>?", expected
        what = "not a known element" if f.kind == "unknown" else "not allowed here"
        if not expected:
            return f"<{tag}> is {what}; <{ptag}> may contain nothing more here.", expected
        return f"<{tag}> is {what}; here <{ptag}> may contain {may}.", expected

    def _earlier_place(self, f: Finding, parent: etree._Element | None) -> str:
        """ "<head> must come before the first <p> of this <div>", when the element
        would have been allowed before an earlier sibling."""
        if parent is None or f.name is None or f.kind != "elsewhere":
            return ""
        siblings = [k for k in parent if isinstance(k.tag, str)]
        if f.element not in siblings:
            return ""
        names = {QName(*_split(k.tag)) for k in siblings[: siblings.index(f.element)]}
        allowed_before = self._allowed_before(parent, f.name, f.element)
        if (
            allowed_before is None
            or allowed_before.tag == f.element.tag
            or QName(*_split(allowed_before.tag)) not in names
        ):
            return ""
        el = f.element
        return (
            f"<{shown_element(f.name, el)}> must come before the first "
            f"<{shown_element(QName(*_split(allowed_before.tag)), el)}> of this "
            f"<{shown_element(QName(*_split(parent.tag)), el)}>."
        )

    def _allowed_before(
        self, parent: etree._Element, name: QName, el: etree._Element
    ) -> etree._Element | None:
        """The first sibling before which an element ``name`` would have been
        allowed, replaying ``parent``'s children from its own definition."""
        d = self.d
        state = d.start_tag_close(d.find_element(QName(*_split(parent.tag))), forgive=True)
        for kid in parent:
            if kid is el:
                return None
            if not isinstance(kid.tag, str):
                continue
            if d.start_tag_open(state, name).kind is not Kind.NOT_ALLOWED:
                return kid
            nxt = d.start_tag_open(state, QName(*_split(kid.tag)))
            if nxt.kind is Kind.NOT_ALLOWED:
                return None
            state = d.recover_after(nxt)  # the child taken as complete, whatever it holds
        return None

    def _all_names(self) -> list[str]:
        if self._schema_names is None:
            self._schema_names = sorted(
                {
                    n.local
                    for p in self.d.b.element_patterns()
                    if p.names is not None
                    for n in p.names.names()
                }
            )
        return self._schema_names

    # -- attributes and values -----------------------------------------------------

    def _attribute(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        tag = shown_element(QName(*_split(el.tag)), el)
        name = shown_attribute(f.name or QName("", ""), el)
        allowed = [shown_attribute(n, el) for n in f.expected]
        near = suggestion(name, allowed)
        if near is not None:
            return f"@{name} is not allowed on <{tag}>: did you mean @{near}?", allowed
        if not allowed:
            return f"@{name} is not allowed on <{tag}>, which takes no attributes.", allowed
        return (
            f"@{name} is not allowed on <{tag}>; it may have {_listing(allowed, '@{}')}.",
            allowed,
        )

    def _value(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        tag = shown_element(QName(*_split(el.tag)), el)
        values, kinds = _value_forms(f.state)
        value = f.value if len(f.value) <= 40 else f.value[:37] + "…"
        if f.kind == "content":
            said = f'The content "{value}" of <{tag}> is not valid'
        else:
            said = (
                f'@{shown_attribute(f.name or QName("", ""), el)}="{value}" on <{tag}> is not valid'
            )
        forms = [f'"{v}"' for v in sorted(values)]
        if forms and not kinds:
            near = suggestion(f.value, sorted(values))
            if near is not None:
                return f'{said}: did you mean "{near}"?', sorted(values)
            return f"{said}: use one of {_listing(forms, '{}')}.", sorted(values)
        options = list(dict.fromkeys(kinds)) + ([f"one of {', '.join(forms)}"] if forms else [])
        words = _or(options)
        return f"{said}: use {words or 'a value the schema allows'}.", sorted(values)

    def _ids(self, f: Finding) -> tuple[str, list[str]]:
        el = f.element
        name = shown_attribute(f.name or QName("", ""), el)
        other = f.other
        line = other.sourceline if other is not None else 0
        if f.kind == "duplicate":
            return (
                f'{name}="{f.value}" is already used at line {line}: every ID must '
                "be unique; rename one of them.",
                [],
            )
        if f.kind == "first":
            return (
                f'{name}="{f.value}" is used again at line {line}: every ID must be '
                "unique; rename one of them.",
                [],
            )
        return f'@{name}="{f.value}" points to no element with that ID.', []


def _value_forms(state: Pattern | None) -> tuple[set[str], list[str]]:
    """The closed values and the datatype descriptions of the value patterns a
    state expected (the left sides of its ``after`` patterns)."""
    values: set[str] = set()
    found: list[Datatype] = []
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
            found.append(Datatype("", "list"))
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
    return values, [
        describe(dt) if dt.name != "list" else "a list of values separated by spaces"
        for dt in found
    ]


def _split(clark: object) -> tuple[str, str]:
    text = str(clark)
    if text.startswith("{"):
        ns, _, local = text[1:].partition("}")
        return ns, local
    return "", text


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
