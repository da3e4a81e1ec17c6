"""RelaxNG simplification of a reduced grammar, as pure functions over :class:`Node`.

Why: a grammar reduced to a document's names (absent elements' defines made
``notAllowed``) is exact but full of ``notAllowed``, and libxml2 compiles an element's
content into a fast automaton only when it holds none (otherwise a backtracking
validator ~10x slower). This is RelaxNG's own simplification (spec 4.20), exact for
recursion too: a define *matches something* (is productive) when some finite tree
matches it, a least fixpoint, so an element that could only contain itself
(``listRelation`` once ``relation`` is absent) is known to match nothing. ``choice``
drops branches that match nothing; ``group``, ``interleave``, ``oneOrMore``, ``list``,
``mixed``, ``element`` and ``attribute`` holding one match nothing; ``zeroOrMore`` and
``optional`` of one become ``empty``; an ``except`` of nothing goes.

Then sequences are normalised around a libxml2 defect (see :mod:`.hazards`): a ``group``
inside an element or group is spliced into it (the same sequence), one-branch choices
are unwrapped and redundant ``empty`` dropped; defines left matching only the empty
sequence are inlined away. None of this changes which documents match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from teikit.validation.rng.nodes import EMPTY, Node

_NAME_CLASSES = {"name", "anyName", "nsName"}
#: Patterns that match nothing when any child matches nothing (RelaxNG 4.20).
_ALL_NEEDED = {"group", "interleave", "oneOrMore", "list", "mixed"}
_NAMED = {"element", "attribute"}
_OPTIONAL = {"zeroOrMore", "optional"}
#: Patterns whose children form a sequence a ``group`` child can be spliced into.
_SEQUENCES = {"element", "group"}
_EMPTY_ABLE = {"empty", "ref", "group", "optional", "zeroOrMore", "oneOrMore"}
#: Patterns whose children are not patterns to simplify.
_LEAVES = _NAME_CLASSES | {"value", "param"}

#: Reachable define name → its body, or None for a define that matches nothing.
Known = Mapping[str, tuple[Node, ...] | None]


class Rules:
    """What the simplification knows: which defines are productive, which are
    reachable at all, and (None: all) which attribute names may occur."""

    def __init__(self, productive: set[str], known: Known, attrs: frozenset[str] | None) -> None:
        self.productive = productive
        self.known = known
        self.attrs = attrs

    def absent_attribute(self, node: Node) -> bool:
        return (
            node.kind == "attribute"
            and self.attrs is not None
            and bool(node.name)
            and node.name not in self.attrs
        )

    def ref_ok(self, node: Node) -> bool:
        return node.name in self.productive or node.name not in self.known


def walk(nodes: tuple[Node, ...]) -> list[Node]:
    """Every node in ``nodes`` and below them."""
    out: list[Node] = []
    todo = list(nodes)
    while todo:
        n = todo.pop()
        out.append(n)
        todo.extend(n.kids)
    return out


def refs_in(nodes: tuple[Node, ...]) -> list[str]:
    """Names of every define ``nodes`` refer to."""
    out: list[str] = []
    todo = list(nodes)
    while todo:
        n = todo.pop()
        if n.kind == "ref":
            out.append(n.name)
        todo.extend(n.kids)
    return out


def matches(node: Node, rules: Rules) -> bool:
    """Whether ``node`` can match some finite tree under ``rules``."""
    kind = node.kind
    if kind == "notAllowed" or rules.absent_attribute(node):
        return False
    if kind == "ref":
        return rules.ref_ok(node)
    if kind == "choice":
        kids = node.kids
        return (bool(kids) and kids[0].kind in _NAME_CLASSES) or any(
            matches(k, rules) for k in kids
        )
    if kind in _ALL_NEEDED or kind in _NAMED:
        return all(matches(k, rules) for k in node.content)
    return True  # text, empty, data, value, zeroOrMore, optional


def productive(
    known: Known,
    refs: Mapping[str, tuple[str, ...]],
    attrs: frozenset[str] | None,
    seed: frozenset[str] = frozenset(),
) -> set[str]:
    """The reachable defines that match something: a least fixpoint by worklist,
    started from ``seed`` (defines known to match something, or nothing)."""
    users: dict[str, list[str]] = {}
    for name, tree in known.items():
        for ref in refs[name] if tree is not None else ():
            users.setdefault(ref, []).append(name)
    found: set[str] = {n for n in seed if known.get(n) is not None}
    rules = Rules(found, known, attrs)
    pending = [n for n, t in known.items() if t is not None]
    while pending:
        name = pending.pop()
        tree = known[name]
        if name in found or tree is None or not all(matches(k, rules) for k in tree):
            continue
        found.add(name)
        pending.extend(u for u in users.get(name, ()) if u not in found)
    return found


def rewrite(node: Node, rules: Rules) -> Node | None:
    """``node`` with what matches nothing taken out; None when it matches nothing.
    (Written for speed: it runs on some 25,000 nodes per compiled grammar.)"""
    kind = node.kind
    if kind == "notAllowed" or (kind == "attribute" and rules.absent_attribute(node)):
        return None
    if kind == "ref":
        return node if rules.ref_ok(node) else None
    kids = node.kids
    if not kids or kind in _LEAVES:
        return node
    if kind == "choice" and kids[0].kind in _NAME_CLASSES:
        return node
    if kind == "data":
        return node.with_kids(tuple(_data_kid(k, rules) for k in kids if _keeps(k, rules)))
    lead: tuple[Node, ...] = ()
    if kind in _NAMED and not node.name:
        lead, kids = kids[:1], kids[1:]
    done = [rewrite(k, rules) for k in kids]
    if kind == "choice":
        left = [k for k in done if k is not None]
        if not left:
            return None
        return left[0] if len(left) == 1 else node.with_kids(tuple(left))
    if None in done:
        return EMPTY if kind in _OPTIONAL else None
    content = cast(tuple[Node, ...], tuple(done))  # no None is left
    if kind in _SEQUENCES:
        content = sequence(content)
    return node.with_kids(lead + content)


def _keeps(kid: Node, rules: Rules) -> bool:
    return kid.kind != "except" or any(rewrite(x, rules) for x in kid.kids)


def _data_kid(kid: Node, rules: Rules) -> Node:
    if kid.kind != "except":
        return kid
    return kid.with_kids(tuple(x for x in (rewrite(y, rules) for y in kid.kids) if x))


def sequence(kids: tuple[Node, ...]) -> tuple[Node, ...]:
    """Children of a sequence with ``group`` children spliced in and ``empty`` dropped
    while something else remains."""
    if not any(k.kind in ("group", "empty") for k in kids):
        return kids  # the common case: nothing to splice or drop
    out: list[Node] = []
    for k in kids:
        out.extend(sequence(k.kids) if k.kind == "group" else (k,))
    rest = [k for k in out if k.kind != "empty"]
    return tuple(rest) if rest else tuple(out[:1])


def _only_sequence(node: Node) -> bool:
    """Whether ``node`` is built of nothing but references, sequences and ``empty``:
    only such a pattern can turn out to match just the empty sequence."""
    return node.kind in _EMPTY_ABLE and all(map(_only_sequence, node.kids))


def _is_empty(node: Node, empties: set[str]) -> bool:
    if node.kind == "ref":
        return node.name in empties
    return all(_is_empty(k, empties) for k in node.kids)


def empty_defines(bodies: Mapping[str, tuple[Node, ...]]) -> set[str]:
    """The defines that match only the empty sequence (attribute lists whose
    attributes no document uses): libxml2 compiles an element whose content still
    refers to one into a slower validator, so they are inlined away."""
    empties: set[str] = set()
    candidates = {n: b for n, b in bodies.items() if all(map(_only_sequence, b))}
    grew = True
    while grew:
        grew = False
        for name, body in candidates.items():
            if name not in empties and all(_is_empty(k, empties) for k in body):
                empties.add(name)
                grew = True
    return empties


def inline_empty(node: Node, empties: set[str]) -> Node:
    """``node`` with references to defines in ``empties`` replaced by ``empty``, and
    what that leaves empty made ``empty``."""
    kind = node.kind
    if kind == "ref":
        return EMPTY if node.name in empties else node
    if not node.kids or kind in _NAME_CLASSES or kind in ("value", "param", "data"):
        return node
    if kind == "choice" and node.kids[0].kind in _NAME_CLASSES:
        return node
    kids = tuple(inline_empty(k, empties) for k in node.content)
    if kind in _SEQUENCES or kind in _OPTIONAL or kind == "oneOrMore":
        kids = sequence(kids)
        if kind != "element" and all(k.kind == "empty" for k in kids):
            return EMPTY
    return node.with_kids(node.lead + kids)
