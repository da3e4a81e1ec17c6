"""RelaxNG patterns as named, hash-consed nodes, and the constructors that make them.

Why this form: the derivative algorithm (:mod:`.derivative`) compares and memoises
patterns by identity, so every pattern is made by one :class:`Patterns` that returns the
same object for the same structure (hash-consing). Choices are n-ary sets, so that
``a | b | a`` is ``a | b`` and derivatives do not grow without bound. A schema's XML is
converted into patterns by :mod:`.builder`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from teikit.namespaces import XML

XML_NS = XML


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


#: The kinds as module constants, for the derivative walk's inner loops: reading
#: ``Kind.NOT_ALLOWED`` goes through the enum class's attribute machinery (~100 ns in
#: Python 3.11, several times an element), a module constant is one dictionary read.
EMPTY, NOT_ALLOWED, TEXT, CHOICE = Kind.EMPTY, Kind.NOT_ALLOWED, Kind.TEXT, Kind.CHOICE
GROUP, INTERLEAVE, ONE_OR_MORE, AFTER = Kind.GROUP, Kind.INTERLEAVE, Kind.ONE_OR_MORE, Kind.AFTER
ATTRIBUTE, ELEMENT, DATA, VALUE, LIST = (
    Kind.ATTRIBUTE,
    Kind.ELEMENT,
    Kind.DATA,
    Kind.VALUE,
    Kind.LIST,
)


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
    """The schema uses a construct the builder does not handle (fall back to libxml2)."""


class Patterns:
    """Makes patterns, each structure once, simplifying as RelaxNG 4.20 allows
    (``notAllowed`` and ``empty`` absorbed, choices flattened)."""

    def __init__(self) -> None:
        self._table: dict[tuple[object, ...], Pattern] = {}
        self.empty = Pattern(EMPTY, True)
        self.not_allowed = Pattern(NOT_ALLOWED, False)
        self.text = Pattern(TEXT, True)

    def _intern(self, key: tuple[object, ...], make: Pattern) -> Pattern:
        found = self._table.get(key)
        if found is None:
            self._table[key] = make
            found = make
        return found

    def choice(self, a: Pattern, b: Pattern) -> Pattern:
        """``a | b`` as a flat set of alternatives, without ``notAllowed``."""
        if a is b or b.kind is NOT_ALLOWED:
            return a
        if a.kind is NOT_ALLOWED:
            return b
        return self.choice_of((a, b))

    def choice_of(self, patterns: Iterable[Pattern]) -> Pattern:
        """The choice of all ``patterns`` at once: the same pattern as folding them
        with :meth:`choice`, without re-reading the growing set at every step (a
        derivative over a choice of a hundred alternatives is one set, not a hundred)."""
        members: dict[int, Pattern] = {}
        for p in patterns:
            if p.kind is CHOICE:
                for alt in p.alternatives:
                    members[id(alt)] = alt
            elif p.kind is not NOT_ALLOWED:
                members[id(p)] = p
        if len(members) <= 1:
            return next(iter(members.values()), self.not_allowed)
        alts = tuple(sorted(members.values(), key=id))
        return self._intern(
            ("choice", *map(id, alts)),
            Pattern(CHOICE, any(p.nullable for p in alts), alternatives=alts),
        )

    def group(self, a: Pattern, b: Pattern) -> Pattern:
        return self._pair(GROUP, a, b)

    def interleave(self, a: Pattern, b: Pattern) -> Pattern:
        return self._pair(INTERLEAVE, a, b)

    def _pair(self, kind: Kind, a: Pattern, b: Pattern) -> Pattern:
        """A group or interleave of ``a`` and ``b``: ``notAllowed`` when either is, the
        other when one is ``empty``."""
        if a.kind is NOT_ALLOWED or b.kind is NOT_ALLOWED:
            return self.not_allowed
        if a.kind is EMPTY:
            return b
        if b.kind is EMPTY:
            return a
        return self._intern(
            (kind.value, id(a), id(b)), Pattern(kind, a.nullable and b.nullable, a, b)
        )

    def after(self, a: Pattern, b: Pattern) -> Pattern:
        if a.kind is NOT_ALLOWED or b.kind is NOT_ALLOWED:
            return self.not_allowed
        return self._intern(("after", id(a), id(b)), Pattern(AFTER, False, a, b))

    def one_or_more(self, a: Pattern) -> Pattern:
        if a.kind in (NOT_ALLOWED, EMPTY):
            return a
        return self._intern(("oneOrMore", id(a)), Pattern(ONE_OR_MORE, a.nullable, a))

    def optional(self, a: Pattern) -> Pattern:
        return self.choice(a, self.empty)

    def attribute(self, names: NameClass, value: Pattern) -> Pattern:
        if value.kind is NOT_ALLOWED:
            return value
        return self._intern(
            ("attribute", names, id(value)), Pattern(ATTRIBUTE, False, value, names=names)
        )

    def list_of(self, a: Pattern) -> Pattern:
        if a.kind is NOT_ALLOWED:
            return a
        return self._intern(("list", id(a)), Pattern(LIST, False, a))

    def data(self, datatype: Datatype, minus: Pattern | None) -> Pattern:
        minus = minus if minus is not None and minus.kind is not NOT_ALLOWED else None
        return self._intern(
            ("data", datatype, id(minus)), Pattern(DATA, False, minus, datatype=datatype)
        )

    def value_of(self, datatype: Datatype, value: str, ns: str) -> Pattern:
        # ``right`` unused; the namespace context matters for QName values only
        return self._intern(
            ("value", datatype, value, ns),
            Pattern(VALUE, False, datatype=datatype, value=value),
        )
