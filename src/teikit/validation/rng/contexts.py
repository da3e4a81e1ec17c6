"""Attributes reduced per element: each element's pattern keeps only the attributes
documents carry on that element.

Why: libxml2 checks every optional attribute an element's pattern allows, at every such
element, copying its validation state for each (the cost of a valid small TEI file is
mostly this). Reducing attributes by name over the whole grammar (:mod:`.grammar`)
leaves every element with each attribute any document used anywhere: one ``@part`` on
one ``<l>`` gives all ~120 elements of a corpus an ``att.fragmentable``-like check, and
the dozens of global attributes a corpus uses here and there made its check ~1.6x
dearer than one reduced to a document's own. Per element, each keeps its own few.

Exact, like the reduction by name: an ``attribute X`` pattern inside the pattern of
element E (not inside a nested element) can only match an attribute of an element named
E, so where no document of the set carries X on E it can be ``notAllowed`` without
changing any verdict for them. TEI's attribute classes are defines shared by many
elements (``att.global.attributes``), so a define that reaches attributes and no
element gets a copy per distinct set of its attributes kept (``name-in-N``), and each
element refers to its own. Only elements declared by their own define with one name
and no inline element inside are specialised; any other keeps the grammar-wide set,
which is exact too (more patterns kept than needed never changes a verdict).
"""

from __future__ import annotations

from collections.abc import Mapping

from teikit.validation.rng import simplify
from teikit.validation.rng.nodes import Node

NOT_ALLOWED = Node("notAllowed")


def attribute_defines(bodies: Mapping[str, tuple[Node, ...]]) -> dict[str, frozenset[str]]:
    """The defines that reach named attributes and no element (through references to
    other defines of ``bodies``), each with the attribute names it reaches.

    A reference to a define outside ``bodies`` counts as reaching an element: such a
    define is left as it is, which is always exact.
    """
    direct: dict[str, tuple[frozenset[str], tuple[str, ...], bool]] = {}
    for name, body in bodies.items():
        found = simplify.walk(body)
        attrs = frozenset(n.name for n in found if n.kind == "attribute" and n.name)
        refs = tuple(n.name for n in found if n.kind == "ref")
        direct[name] = (attrs, refs, any(n.kind == "element" for n in found))
    elementary = {n for n, (_, refs, element) in direct.items() if element}
    elementary |= {n for n, (_, refs, _) in direct.items() if any(r not in bodies for r in refs)}
    grew = True
    while grew:
        grew = False
        for name, (_, refs, _) in direct.items():
            if name not in elementary and any(r in elementary for r in refs):
                elementary.add(name)
                grew = True
    reach: dict[str, frozenset[str]] = {}

    def attributes_of(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in reach:
            return reach[name]
        attrs, refs, _ = direct[name]
        out = attrs.union(*(attributes_of(r, seen | {name}) for r in refs if r not in seen))
        reach[name] = out
        return out

    candidates = [n for n in direct if n not in elementary]
    return {n: reached for n in candidates if (reached := attributes_of(n, frozenset()))}


class Specialiser:
    """Element defines rewritten to their own attributes, and the copies of attribute
    defines they refer to, for one reduced grammar.

    ``bodies`` are the reduced grammar's define bodies (simplified for the attribute
    names of the whole set, ``attrs``); ``on`` gives, per element (Clark name), the
    attribute names documents carry on it.
    """

    def __init__(
        self,
        bodies: Mapping[str, tuple[Node, ...]],
        attrs: frozenset[str],
        on: Mapping[str, frozenset[str]],
        taken: set[str],
    ) -> None:
        self.bodies = bodies
        self.attrs = attrs
        self.on = on
        self.reaches = attribute_defines(bodies)
        #: define names in use (the grammar's): a copy's name must be new
        self.taken = taken
        #: copies made: name → (the define copied, its body)
        self.copies: dict[str, tuple[str, tuple[Node, ...]]] = {}
        self._made: dict[tuple[str, frozenset[str]], str | None] = {}
        self._rules = simplify.Rules(set(bodies), bodies, None)

    def element(self, element: str, body: tuple[Node, ...]) -> tuple[Node, ...] | None:
        """The body of the define declaring ``element`` with only the attributes
        carried on it (None: it can match nothing now), or ``body`` unchanged when
        the element cannot be specialised (see the module's note)."""
        if len(body) != 1 or body[0].kind != "element" or not body[0].name:
            return body
        content = body[0].kids
        if any(n.kind == "element" for n in simplify.walk(content)):
            return body
        kept = self._within(content, self.on.get(element, frozenset()))
        if kept is None:
            return None
        return (body[0].with_kids(kept),)

    def _within(
        self, patterns: tuple[Node, ...], allowed: frozenset[str]
    ) -> tuple[Node, ...] | None:
        """``patterns`` (a sequence) with attributes outside ``allowed`` taken out and
        attribute defines replaced by their copies for ``allowed``; None when they can
        match nothing any more."""
        out = []
        for pattern in patterns:
            found = simplify.rewrite(self._narrowed(pattern, allowed), self._rules)
            if found is None:
                return None
            out.append(found)
        return simplify.sequence(tuple(out))

    def _narrowed(self, node: Node, allowed: frozenset[str]) -> Node:
        if node.kind == "attribute":
            return node if not node.name or node.name in allowed else NOT_ALLOWED
        if node.kind == "ref":
            reaches = self.reaches.get(node.name)
            if reaches is None or reaches & allowed == reaches & self.attrs:
                return node
            copy = self._copy(node.name, reaches & allowed)
            if copy is None:
                return NOT_ALLOWED
            attrs = tuple((k, copy if k == "name" else v) for k, v in node.attrs)
            return node._replace(attrs=attrs, name=copy)
        if not node.kids or node.kind == "element":
            return node
        return node.with_kids(tuple(self._narrowed(k, allowed) for k in node.kids))

    def _copy(self, name: str, allowed: frozenset[str]) -> str | None:
        """The name of define ``name``'s copy keeping the attributes ``allowed`` (None:
        the copy can match nothing)."""
        key = (name, allowed)
        if key in self._made:
            return self._made[key]
        self._made[key] = name  # a define that reaches itself keeps all its attributes
        body = self._within(self.bodies[name], allowed)
        made = None
        if body is not None:
            made = f"{name}-in-{len(self.copies)}"
            while made in self.taken:
                made += "-"
            self.taken.add(made)
            self.copies[made] = (name, body)
        self._made[key] = made
        return made
