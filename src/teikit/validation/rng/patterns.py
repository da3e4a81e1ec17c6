"""RelaxNG patterns as named, hash-consed nodes, built lazily from a schema's XML.

Why this form: the derivative algorithm (:mod:`.derivative`) compares and memoises
patterns by identity, so every pattern is made by one :class:`Builder` that returns the
same object for the same structure (hash-consing). Choices are n-ary sets, so that
``a | b | a`` is ``a | b`` and derivatives do not grow without bound. An element's
content is converted only when a document first enters such an element: tei_all has
some 590 elements and a document uses a few dozen.

Only schemas :mod:`.grammar` indexes as reducible (one ``grammar``, no ``include``,
``externalRef``, ``parentRef``, nested grammar or ``combine``) are built here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from teikit.namespaces import RELAXNG, XML

XML_NS = XML
_R = f"{{{RELAXNG}}}"


#: Most files one schema may include (a loop of includes ends here).
MAX_INCLUDES = 100


class Kind(Enum):
    """The pattern kinds of simplified RelaxNG, plus ``AFTER`` from the algorithm."""

    EMPTY = "empty"
    NOT_ALLOWED = "notAllowed"
    TEXT = "text"
    CHOICE = "choice"
    GROUP = "group"
    INTERLEAVE = "interleave"
    ONE_OR_MORE = "oneOrMore"
    AFTER = "after"
    ATTRIBUTE = "attribute"
    ELEMENT = "element"
    DATA = "data"
    VALUE = "value"
    LIST = "list"


class QName(NamedTuple):
    """A name as the document uses it: namespace URI and local name."""

    ns: str
    local: str


class NameClass(NamedTuple):
    """A RelaxNG name class: ``name`` (ns, local), ``any`` or ``ns`` (with an optional
    ``minus`` exception), or a ``choice`` of two (``left``/``right``)."""

    kind: str
    ns: str = ""
    local: str = ""
    minus: NameClass | None = None
    left: NameClass | None = None
    right: NameClass | None = None

    def contains(self, name: QName) -> bool:
        """Whether ``name`` is in this class (RelaxNG 4.10's ``contains``)."""
        if self.kind == "name":
            return self.ns == name.ns and self.local == name.local
        if self.kind == "choice":
            assert self.left is not None and self.right is not None
            return self.left.contains(name) or self.right.contains(name)
        inside = self.kind == "any" or self.ns == name.ns
        return inside and not (self.minus is not None and self.minus.contains(name))

    def names(self) -> list[QName]:
        """The names this class lists explicitly (wildcards list none)."""
        if self.kind == "name":
            return [QName(self.ns, self.local)]
        if self.kind == "choice":
            assert self.left is not None and self.right is not None
            return self.left.names() + self.right.names()
        return []


class Datatype(NamedTuple):
    """A ``data`` or ``value`` pattern's datatype: library URI, type name, facets."""

    library: str
    name: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False, slots=True)
class Pattern:
    """One hash-consed pattern. Identity is equality: the :class:`Builder` never makes
    two equal patterns, so memo tables key on the object itself.

    ``left``/``right`` are the operands of binary patterns (``right`` unused for
    one-operand ones), ``alternatives`` the members of a choice, ``names`` the name
    class of an attribute or element, ``datatype``/``value`` those of data and value
    patterns, ``source`` the RNG ``<element>`` whose content is built on demand.
    """

    kind: Kind
    nullable: bool
    left: Pattern | None = None
    right: Pattern | None = None
    alternatives: tuple[Pattern, ...] = ()
    names: NameClass | None = None
    datatype: Datatype | None = None
    value: str = ""
    source: int = -1


class SchemaError(ValueError):
    """The schema uses a construct this builder does not handle (fall back to libxml2)."""


class Builder:
    """Makes every pattern of one schema, each structure once, and converts the
    schema's XML into patterns as the validator reaches them."""

    def __init__(self, data: bytes, base_url: str = "") -> None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        root = etree.fromstring(data, parser, base_url=base_url)
        if root.tag != f"{_R}grammar":
            raise SchemaError("the schema's root is not <grammar>")
        self._table: dict[tuple[object, ...], Pattern] = {}
        self.empty = Pattern(Kind.EMPTY, True)
        self.not_allowed = Pattern(Kind.NOT_ALLOWED, False)
        self.text = Pattern(Kind.TEXT, True)
        self._defines: dict[str, list[etree._Element]] = {}
        self._starts: list[etree._Element] = []
        self._folder = Path(base_url).resolve().parent if base_url else None
        self._files = 0
        self._collect(root, frozenset(), False)
        if not self._starts:
            raise SchemaError("the grammar has no <start>")
        self._converted: dict[str, Pattern] = {}
        self._converting: set[str] = set()
        #: RNG ``<element>`` nodes, by the index a :class:`Pattern` keeps in ``source``.
        self._element_nodes: list[etree._Element] = []
        self._element_index: dict[etree._Element, int] = {}
        self._contents: dict[int, Pattern] = {}
        self._all_elements: list[Pattern] | None = None
        self.start = self._combined(self._starts)

    # -- the grammar's top level ---------------------------------------------------

    def _collect(
        self, parent: etree._Element, overridden: frozenset[str], start_overridden: bool
    ) -> None:
        """Gather ``start`` and the defines of a grammar and of what it includes
        (RelaxNG 4.7: an include's own defines and start replace the included ones;
        ``combine`` joins same-named ones). Constructs the walk does not handle are
        refused here, not in the middle of a document."""
        for el in parent.iter(f"{_R}externalRef", f"{_R}parentRef", f"{_R}grammar"):
            if el is not parent:
                raise SchemaError(f"<{etree.QName(el).localname}> is not supported")
        for child in _flattened(parent):
            if child.tag == f"{_R}start" and not start_overridden:
                self._starts.append(child)
            elif child.tag == f"{_R}define":
                name = child.get("name", "").strip()
                if name not in overridden:
                    self._defines.setdefault(name, []).append(child)
            elif child.tag == f"{_R}include":
                self._include(child, overridden, start_overridden)

    def _include(
        self, include: etree._Element, overridden: frozenset[str], start_overridden: bool
    ) -> None:
        """Read the grammar ``include`` names (a local file inside the schema's folder
        tree) and gather it under the include's overrides."""
        href = include.get("href", "").strip()
        base = Path(include.base or "").parent if include.base else self._folder
        target = ((base or Path(".")) / href).resolve()
        self._files += 1
        if (
            "://" in href
            or self._files > MAX_INCLUDES
            or (self._folder is not None and not target.is_relative_to(self._folder))
        ):
            raise SchemaError(
                f"the include of {href!r} is remote, outside the schema's folder or one too many"
            )
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            root = etree.parse(str(target), parser).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"the include of {href!r} cannot be read: {exc}") from None
        if root.tag != f"{_R}grammar":
            raise SchemaError(f"{href!r} is not a <grammar>")
        if include.get("ns") is not None and root.get("ns") is None:
            root.set("ns", include.get("ns", ""))
        own = [k for k in include.iter(f"{_R}define") if k is not include]
        names = frozenset(k.get("name", "").strip() for k in own)
        has_start = any(True for _ in include.iter(f"{_R}start"))
        self._collect(root, overridden | names, start_overridden or has_start)
        self._collect(include, overridden, start_overridden)

    def content(self, element: Pattern) -> Pattern:
        """The content pattern of an element pattern, converted on first use."""
        found = self._contents.get(element.source)
        if found is None:
            node = self._element_nodes[element.source]
            kids = list(node)
            if node.get("name") is None:
                kids = kids[1:]  # the first child is the name class
            found = self._sequence(kids)
            self._contents[element.source] = found
        return found

    def element_patterns(self) -> list[Pattern]:
        """Every element pattern of the schema (converted as needed): what jing
        searches when an element appears where it is not allowed."""
        if self._all_elements is None:
            for node in self._element_nodes_all():
                self._element(node)
            self._all_elements = [
                self._table[("element", i)] for i in range(len(self._element_nodes))
            ]
        return self._all_elements

    def _element_nodes_all(self) -> list[etree._Element]:
        out: list[etree._Element] = []
        for define in [*(d for ds in self._defines.values() for d in ds), *self._starts]:
            out.extend(define.iter(f"{_R}element"))
        return out

    # -- constructors (hash-consed, simplifying as RelaxNG 4.20 allows) ----------------

    def _intern(self, key: tuple[object, ...], make: Pattern) -> Pattern:
        found = self._table.get(key)
        if found is None:
            self._table[key] = make
            found = make
        return found

    def choice(self, a: Pattern, b: Pattern) -> Pattern:
        """``a | b`` as a flat set of alternatives, without ``notAllowed``."""
        if a is b or b.kind is Kind.NOT_ALLOWED:
            return a
        if a.kind is Kind.NOT_ALLOWED:
            return b
        return self.choice_of((a, b))

    def choice_of(self, patterns: Iterable[Pattern]) -> Pattern:
        """The choice of all ``patterns`` at once: the same pattern as folding them
        with :meth:`choice`, without re-reading the growing set at every step (a
        derivative over a choice of a hundred alternatives is one set, not a hundred)."""
        members: dict[int, Pattern] = {}
        for p in patterns:
            if p.kind is Kind.CHOICE:
                for alt in p.alternatives:
                    members[id(alt)] = alt
            elif p.kind is not Kind.NOT_ALLOWED:
                members[id(p)] = p
        if len(members) <= 1:
            return next(iter(members.values()), self.not_allowed)
        alts = tuple(sorted(members.values(), key=id))
        return self._intern(
            ("choice", *map(id, alts)),
            Pattern(Kind.CHOICE, any(p.nullable for p in alts), alternatives=alts),
        )

    def group(self, a: Pattern, b: Pattern) -> Pattern:
        if a.kind is Kind.NOT_ALLOWED or b.kind is Kind.NOT_ALLOWED:
            return self.not_allowed
        if a.kind is Kind.EMPTY:
            return b
        if b.kind is Kind.EMPTY:
            return a
        return self._intern(
            ("group", id(a), id(b)), Pattern(Kind.GROUP, a.nullable and b.nullable, a, b)
        )

    def interleave(self, a: Pattern, b: Pattern) -> Pattern:
        if a.kind is Kind.NOT_ALLOWED or b.kind is Kind.NOT_ALLOWED:
            return self.not_allowed
        if a.kind is Kind.EMPTY:
            return b
        if b.kind is Kind.EMPTY:
            return a
        return self._intern(
            ("interleave", id(a), id(b)), Pattern(Kind.INTERLEAVE, a.nullable and b.nullable, a, b)
        )

    def after(self, a: Pattern, b: Pattern) -> Pattern:
        if a.kind is Kind.NOT_ALLOWED or b.kind is Kind.NOT_ALLOWED:
            return self.not_allowed
        return self._intern(("after", id(a), id(b)), Pattern(Kind.AFTER, False, a, b))

    def one_or_more(self, a: Pattern) -> Pattern:
        if a.kind in (Kind.NOT_ALLOWED, Kind.EMPTY):
            return a
        return self._intern(("oneOrMore", id(a)), Pattern(Kind.ONE_OR_MORE, a.nullable, a))

    def optional(self, a: Pattern) -> Pattern:
        return self.choice(a, self.empty)

    def attribute(self, names: NameClass, value: Pattern) -> Pattern:
        if value.kind is Kind.NOT_ALLOWED:
            return value
        return self._intern(
            ("attribute", names, id(value)), Pattern(Kind.ATTRIBUTE, False, value, names=names)
        )

    def list_of(self, a: Pattern) -> Pattern:
        if a.kind is Kind.NOT_ALLOWED:
            return a
        return self._intern(("list", id(a)), Pattern(Kind.LIST, False, a))

    def data(self, datatype: Datatype, minus: Pattern | None) -> Pattern:
        minus = minus if minus is not None and minus.kind is not Kind.NOT_ALLOWED else None
        return self._intern(
            ("data", datatype, id(minus)), Pattern(Kind.DATA, False, minus, datatype=datatype)
        )

    def value_of(self, datatype: Datatype, value: str, ns: str) -> Pattern:
        # ``right`` unused; the namespace context matters for QName values only
        return self._intern(
            ("value", datatype, value, ns),
            Pattern(Kind.VALUE, False, datatype=datatype, value=value),
        )

    # -- conversion from the schema's XML ------------------------------------------

    def _combined(self, parts: list[etree._Element]) -> Pattern:
        """Same-named defines (or starts) joined by their ``combine`` (RelaxNG 4.17)."""
        out = self._sequence(list(parts[0]))
        how = next((p.get("combine") for p in parts if p.get("combine")), "choice")
        join = self.interleave if how == "interleave" else self.choice
        for part in parts[1:]:
            out = join(out, self._sequence(list(part)))
        return out

    def _sequence(self, nodes: list[etree._Element]) -> Pattern:
        out = self.empty
        for node in nodes:
            out = self.group(out, self._convert(node))
        return out

    def _convert(self, node: etree._Element) -> Pattern:
        """``node`` (a pattern element of the schema) as a pattern."""
        tag = node.tag
        if not isinstance(tag, str) or not tag.startswith(_R):
            return self.empty  # an annotation: RelaxNG ignores foreign elements
        local = tag[len(_R) :]
        kids = [k for k in node if isinstance(k.tag, str) and k.tag.startswith(_R)]
        leaf = {"empty": self.empty, "notAllowed": self.not_allowed, "text": self.text}
        if local in leaf:
            return leaf[local]
        if local in ("choice", "interleave"):
            join = self.choice if local == "choice" else self.interleave
            out = self.not_allowed if local == "choice" else self.empty
            for k in kids:
                out = join(out, self._convert(k))
            return out
        wrap: dict[str, Callable[[Pattern], Pattern]] = {
            "group": lambda p: p,
            "define": lambda p: p,
            "start": lambda p: p,
            "mixed": lambda p: self.interleave(p, self.text),
            "optional": self.optional,
            "oneOrMore": self.one_or_more,
            "list": self.list_of,
            "zeroOrMore": lambda p: self.optional(self.one_or_more(p)),
        }
        if local in wrap:
            return wrap[local](self._sequence(kids))
        return self._named(local, node, kids)

    def _named(self, local: str, node: etree._Element, kids: list[etree._Element]) -> Pattern:
        """The patterns that carry a name, a datatype or a value."""
        if local == "ref":
            return self._ref(node.get("name", "").strip())
        if local == "element":
            return self._element(node)
        if local == "attribute":
            return self._attribute(node, kids)
        if local == "data":
            return self._data(node, kids)
        if local == "value":
            dt = Datatype(
                _inherited(node, "datatypeLibrary") if node.get("type") else "",
                node.get("type", "token").strip(),
            )
            return self.value_of(dt, node.text or "", _inherited(node, "ns"))
        raise SchemaError(f"<{local}> is not supported")

    def _ref(self, name: str) -> Pattern:
        found = self._converted.get(name)
        if found is not None:
            return found
        defines = self._defines.get(name)
        if not defines:
            raise SchemaError(f"reference to undefined pattern {name!r}")
        if name in self._converting:
            raise SchemaError(f"pattern {name!r} refers to itself outside an element")
        self._converting.add(name)
        found = self._combined(defines)
        self._converting.discard(name)
        self._converted[name] = found
        return found

    def _element(self, node: etree._Element) -> Pattern:
        index = self._element_index.get(node)
        if index is None:
            index = len(self._element_nodes)
            self._element_nodes.append(node)
            self._element_index[node] = index
        names = self._names_of(node, attribute=False)
        return self._intern(
            ("element", index), Pattern(Kind.ELEMENT, False, names=names, source=index)
        )

    def _attribute(self, node: etree._Element, kids: list[etree._Element]) -> Pattern:
        names = self._names_of(node, attribute=True)
        if node.get("name") is None:
            kids = kids[1:]
        value = self._sequence(kids) if kids else self.text
        return self.attribute(names, value)

    def _data(self, node: etree._Element, kids: list[etree._Element]) -> Pattern:
        params = tuple(
            (k.get("name", "").strip(), k.text or "") for k in kids if k.tag == f"{_R}param"
        )
        minus = None
        for k in kids:
            if k.tag == f"{_R}except":
                minus = self.not_allowed
                for alt in k:
                    minus = self.choice(minus, self._convert(alt))
        dt = Datatype(_inherited(node, "datatypeLibrary"), node.get("type", "").strip(), params)
        return self.data(dt, minus)

    def _names_of(self, node: etree._Element, attribute: bool) -> NameClass:
        """The name class of an ``element`` or ``attribute`` pattern (RelaxNG 4.10/4.11:
        an attribute's unprefixed ``name`` is in no namespace unless it says ``ns``)."""
        raw = node.get("name")
        if raw is not None:
            return _qname(raw.strip(), node, attribute)
        first = next((k for k in node if isinstance(k.tag, str)), None)
        if first is None:
            raise SchemaError("element or attribute without a name")
        return _name_class(first)


def _flattened(parent: etree._Element) -> list[etree._Element]:
    """The children of a grammar (or include), with ``div`` wrappers opened."""
    out: list[etree._Element] = []
    for child in parent:
        out.extend(_flattened(child) if child.tag == f"{_R}div" else [child])
    return out


def _inherited(node: etree._Element, key: str) -> str:
    el: etree._Element | None = node
    while el is not None:
        value = el.get(key)
        if value is not None:
            return value.strip() if key == "datatypeLibrary" else value
        el = el.getparent()
    return ""


def _qname(raw: str, node: etree._Element, attribute: bool) -> NameClass:
    if ":" in raw:
        prefix, local = raw.split(":", 1)
        ns = XML_NS if prefix == "xml" else node.nsmap.get(prefix, "")
        return NameClass("name", ns, local)
    ns = node.get("ns", "") if attribute else _inherited(node, "ns")
    return NameClass("name", ns, raw)


def _name_class(node: etree._Element) -> NameClass:
    local = etree.QName(node).localname
    kids = [k for k in node if isinstance(k.tag, str) and k.tag.startswith(_R)]
    minus = None
    for k in kids:
        if etree.QName(k).localname == "except":
            parts = [_name_class(x) for x in k if isinstance(x.tag, str)]
            minus = _choice_of(parts)
    if local == "name":
        return _qname((node.text or "").strip(), node, attribute=False)
    if local == "anyName":
        return NameClass("any", minus=minus)
    if local == "nsName":
        return NameClass("ns", _inherited(node, "ns"), minus=minus)
    if local == "choice":
        return _choice_of([_name_class(k) for k in kids])
    raise SchemaError(f"<{local}> is not a name class")


def _choice_of(parts: list[NameClass]) -> NameClass:
    if not parts:
        raise SchemaError("empty name class choice")
    out = parts[0]
    for p in parts[1:]:
        out = NameClass("choice", left=out, right=p)
    return out
