"""The grammar index: a large RelaxNG schema (tei_all) read once, reduced per document.

Why: libxml2 needs 12–17 s to compile the 1 MB ``tei_all.rng``, on every cold start;
jing needs under a second for the whole validation. But a pattern ``element X {…}``
can only ever match an element named X: for a document without any X, replacing it by
``notAllowed`` cannot change the verdict. A TEI document uses a few dozen of TEI's 590
elements, and the reduced grammar (simplified by :mod:`.simplify`, pruned to what
``start`` still reaches) compiles in milliseconds.

* :func:`index` reads a schema into a :class:`Grammar` (each define's patterns as
  :class:`~.nodes.Node`, the defines it refers to, the element it declares), or says
  why it cannot be reduced (:class:`Whole`). It is kept on disk under the user cache
  folder, keyed by the schema's SHA-256 (marshal, not pickle: reading a cache file
  cannot run code), so the next process never parses the 1 MB file again.
* :meth:`Grammar.reduced` writes the grammar for one set of names.

Only schemas this rewriting is provably exact for are reducible: one ``grammar`` root,
defines and ``start`` at top level or in ``div``, no ``include``, ``externalRef``,
nested ``grammar``, ``parentRef`` or ``combine``. Others are compiled whole.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from teikit.files import cache_dir, write_atomic
from teikit.namespaces import RELAXNG
from teikit.validation.rng import contexts, nodes, simplify
from teikit.validation.rng.nodes import Node, Plain

_R = f"{{{RELAXNG}}}"
#: Bump when the cached structure changes, so old cache files are ignored.
CACHE_VERSION = 6
_NOT_REDUCIBLE = {f"{_R}{n}" for n in ("include", "externalRef", "parentRef")}


@dataclass(frozen=True)
class Define:
    """One ``define``: the ``ns``/``datatypeLibrary`` it sets beyond the root's, the
    namespaces it declares, the defines it refers to, the element it declares (Clark
    name, when that is all it does) and its body in plain form (see :meth:`Grammar.body`)."""

    attrs: tuple[tuple[str, str], ...]
    namespaces: tuple[tuple[str | None, str], ...]
    refs: tuple[str, ...]
    element: str | None
    body: tuple[Plain, ...]


@dataclass(frozen=True)
class Whole:
    """A schema that cannot be reduced (and why): libxml2 compiles it whole."""

    sha256: str
    reason: str
    reducible: bool = False


@dataclass(frozen=True)
class Grammar:
    """A reducible schema, indexed: its root's attributes and namespaces, ``start``,
    and its defines by name."""

    sha256: str
    root: Node
    start: Node
    defines: dict[str, Define]
    #: every attribute name (Clark) declared by name anywhere, found once at indexing
    attributes: frozenset[str] = frozenset()
    reducible: bool = True
    _bodies: dict[str, tuple[Node, ...]] = field(default_factory=dict, compare=False)
    #: what earlier reductions found, for the next (see :meth:`reduced_tree`)
    _memo: _Reductions = field(default_factory=lambda: _Reductions(), compare=False)

    def body(self, name: str) -> tuple[Node, ...]:
        """The patterns of define ``name``, made into nodes on first use (a document
        reaches a few hundred of tei_all's 1,700 defines)."""
        found = self._bodies.get(name)
        if found is None:
            found = tuple(nodes.from_plain(p) for p in self.defines[name].body)
            self._bodies[name] = found
        return found

    def element_names(self) -> frozenset[str]:
        """The element names (Clark) the schema's defines declare: a document name
        outside them is an error unless a wildcard takes it."""
        return frozenset(d.element for d in self.defines.values() if d.element is not None)

    def attribute_names(self) -> frozenset[str]:
        """The attribute names (Clark) the schema declares by name anywhere."""
        return self.attributes

    def reduced(
        self,
        present: frozenset[str],
        attrs: frozenset[str] | None = None,
        on: Mapping[str, frozenset[str]] | None = None,
    ) -> bytes:
        """:meth:`reduced_tree` serialized (for reading and for tests)."""
        return etree.tostring(self.reduced_tree(present, attrs, on), encoding="utf-8")

    def reduced_tree(
        self,
        present: frozenset[str],
        attrs: frozenset[str] | None = None,
        on: Mapping[str, frozenset[str]] | None = None,
    ) -> etree._Element:
        """The grammar, exact for any document whose element names are in ``present``
        and (unless None) whose attribute names are in ``attrs`` and, with ``on``,
        whose attributes on each element (Clark name) are among ``on``'s for it,
        simplified.

        Attributes are reduced like elements: ``attribute X {…}`` only matches an
        attribute named X. Why bother: libxml2 checks every attribute an element may
        carry (TEI gives each some 40) at every element; dropping the ones a corpus
        never uses makes validation ~2× faster, and keeping on each element only its
        own (:mod:`.contexts`) a third faster again.
        """
        known = self._reachable(present)
        refs = {name: self.defines[name].refs for name in known}
        productive = simplify.productive(known, refs, attrs, self._memo.seed(present, attrs))
        self._memo.keep(present, attrs, productive)
        rules = simplify.Rules(productive, known, attrs)
        bodies = {name: self._rewritten(name, rules) for name in productive}
        fresh: dict[str, str] = {}
        if on is not None and attrs is not None:
            bodies, fresh = self._specialised(bodies, attrs, on)
        empties = simplify.empty_defines(bodies)
        root = nodes.element("grammar", self.root.attrs, self.root.namespaces)
        start = nodes.element("start", (), self.start.namespaces, root)
        rewritten = [simplify.rewrite(k, rules) for k in self.start.kids]
        kept = tuple(simplify.inline_empty(k, empties) for k in rewritten if k is not None)
        if len(kept) != len(rewritten):
            nodes.element("notAllowed", parent=start)
            kept = ()
        for k in kept:
            nodes.write(k, start)
        self._write_defines(root, kept, rules, bodies, empties, fresh)
        return root

    def _specialised(
        self,
        bodies: dict[str, tuple[Node, ...]],
        attrs: frozenset[str],
        on: Mapping[str, frozenset[str]],
    ) -> tuple[dict[str, tuple[Node, ...]], dict[str, str]]:
        """``bodies`` with each element keeping only its own attributes, and the
        copies of attribute defines that takes (:mod:`.contexts`); with the names
        whose body is new, each mapped to the define it was made from."""
        special = contexts.Specialiser(bodies, attrs, on, set(self.defines))
        out = dict(bodies)
        fresh: dict[str, str] = {}
        for name, body in bodies.items():
            element = self.defines[name].element
            found = special.element(element, body) if element is not None else None
            if found is not None and found != body:  # None: it matches nothing so; keep all
                out[name] = found
                fresh[name] = name
        for name, (origin, body) in special.copies.items():
            out[name] = body
            fresh[name] = origin
        return out, fresh

    def _signature(self, name: str, rules: simplify.Rules) -> tuple[object, ...]:
        """What define ``name``'s simplified body depends on: which of its references
        still match something, and which of its attributes may occur."""
        d = self.defines[name]
        ok = tuple(r in rules.productive or r not in rules.known for r in d.refs)
        if rules.attrs is None:
            return (name, ok, None)
        own = self._memo.attributes.get(name)
        if own is None:
            own = self._memo.attributes[name] = tuple(
                sorted({n.name for n in simplify.walk(self.body(name)) if n.kind == "attribute"})
            )
        return (name, ok, tuple(a in rules.attrs for a in own))

    def _rewritten(self, name: str, rules: simplify.Rules) -> tuple[Node, ...]:
        """Define ``name``'s body simplified under ``rules``, once per signature (a
        corpus grows its union of names a few times; most defines stay the same)."""
        key = self._signature(name, rules)
        found = self._memo.rewritten.get(key)
        if found is None:
            found = simplify.sequence(
                tuple(k for k in (simplify.rewrite(x, rules) for x in self.body(name)) if k)
            )
            self._memo.rewritten[key] = found
        return found

    def _reachable(self, present: frozenset[str]) -> dict[str, tuple[Node, ...] | None]:
        """Defines reachable from ``start``, with None for an absent element's."""
        known: dict[str, tuple[Node, ...] | None] = {}
        todo = simplify.refs_in(self.start.kids)
        while todo:
            name = todo.pop()
            d = self.defines.get(name)
            if name in known or d is None:
                continue
            if d.element is not None and d.element not in present:
                known[name] = None
                continue
            known[name] = self.body(name)
            todo.extend(d.refs)
        return known

    def _write_defines(
        self,
        root: etree._Element,
        start: tuple[Node, ...],
        rules: simplify.Rules,
        bodies: Mapping[str, tuple[Node, ...]],
        empties: set[str],
        fresh: Mapping[str, str],
    ) -> None:
        """Append the defines ``start`` reaches, simplified, to ``root``; ``fresh``
        maps the names whose bodies were made for this grammar alone (not kept for
        the next) to the define each was made from."""
        written: set[str] = set()
        todo = simplify.refs_in(start)
        while todo:
            name = todo.pop()
            if name in written or name not in bodies:
                continue
            written.add(name)
            d = self.defines[fresh.get(name, name)]
            key = None
            if name not in fresh:
                key = (self._signature(name, rules), tuple(r in empties for r in d.refs))
            found = self._memo.finished.get(key) if key is not None else None
            if found is None:
                tree = simplify.sequence(
                    tuple(simplify.inline_empty(k, empties) for k in bodies[name])
                )
                found = (tree, tuple(simplify.refs_in(tree)))
                if key is not None:
                    self._memo.finished[key] = found
            define = nodes.element("define", (("name", name), *d.attrs), d.namespaces, root)
            for k in found[0]:
                nodes.write(k, define)
            todo.extend(found[1])


class _Reductions:
    """What reductions of one grammar share: each define's simplified body per
    signature, the attribute names each define declares, and the last productive set.

    Why the last productive set: a grammar reduced to more names matches more, so
    every define productive for fewer names stays productive; the fixpoint may start
    from that set instead of from nothing.
    """

    #: Entries after which the tables start afresh (a long run over varied corpora).
    LIMIT = 50_000

    def __init__(self) -> None:
        self.rewritten: dict[tuple[object, ...], tuple[Node, ...]] = {}
        self.finished: dict[tuple[object, ...], tuple[tuple[Node, ...], tuple[str, ...]]] = {}
        self.attributes: dict[str, tuple[str, ...]] = {}
        self._last: tuple[frozenset[str], frozenset[str] | None, frozenset[str]] | None = None

    def seed(self, present: frozenset[str], attrs: frozenset[str] | None) -> frozenset[str]:
        """Defines known productive for names ``present``/``attrs`` (a subset of the
        answer): the last reduction's, when it was for fewer names."""
        if self._last is None:
            return frozenset()
        names, anames, productive = self._last
        wider = attrs is None or (anames is not None and anames <= attrs)
        return productive if names <= present and wider else frozenset()

    def keep(
        self, present: frozenset[str], attrs: frozenset[str] | None, productive: set[str]
    ) -> None:
        """Remember this reduction's productive defines; bound the tables."""
        self._last = (present, attrs, frozenset(productive))
        if len(self.rewritten) + len(self.finished) > self.LIMIT:
            self.rewritten.clear()
            self.finished.clear()


Indexed = Grammar | Whole


def index(data: bytes, sha256: str, base_url: str) -> Indexed:
    """The indexed grammar for schema bytes ``data``, from the disk cache when there."""
    path = cache_dir() / f"grammar-v{CACHE_VERSION}-{sha256}.marshal"
    try:
        cached = _from_plain(marshal.loads(_verified(path.read_bytes())))
        if cached.sha256 == sha256:  # derived from these very schema bytes, or rebuilt
            return cached
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):
        pass
    grammar = _index(data, sha256, base_url)
    try:
        body = marshal.dumps(_to_plain(grammar))
        write_atomic(path, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    except OSError:
        pass  # a read-only home folder only costs speed
    return grammar


def _verified(raw: bytes) -> bytes:
    """The body of a cache file whose SHA-256 line matches it; ValueError otherwise.

    Why: a damaged (or truncated) file must be rebuilt, never trusted, and
    ``marshal`` must never read bytes it did not write itself.
    """
    digest, _, body = raw.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest:
        raise ValueError("damaged cache")
    return body


def _to_plain(g: Indexed) -> dict[str, object]:
    if isinstance(g, Whole):
        return {"v": CACHE_VERSION, "sha256": g.sha256, "whole": g.reason}
    return {
        "v": CACHE_VERSION,
        "sha256": g.sha256,
        "root": nodes.plain(g.root),
        "start": nodes.plain(g.start),
        "attributes": tuple(sorted(g.attributes)),
        "defines": {
            k: (d.attrs, d.namespaces, d.refs, d.element, d.body) for k, d in g.defines.items()
        },
    }


def _from_plain(raw: dict[str, object]) -> Indexed:
    if raw["v"] != CACHE_VERSION:
        raise ValueError("old cache")
    sha256 = str(raw["sha256"])
    if "whole" in raw:
        return Whole(sha256, str(raw["whole"]))
    table = raw["defines"]
    if not isinstance(table, dict):
        raise ValueError("bad cache")
    defines = {str(k): Define(*v) for k, v in table.items()}
    names = raw["attributes"]
    if not isinstance(names, tuple):
        raise ValueError("bad cache")
    return Grammar(
        sha256,
        # marshal gives back what _to_plain stored; a stale or foreign file fails in
        # from_plain, which the caller treats as a cache miss
        nodes.from_plain(cast(nodes.Plain, raw["root"])),
        nodes.from_plain(cast(nodes.Plain, raw["start"])),
        defines,
        frozenset(map(str, names)),
    )


def _why_whole(root: etree._Element, tops: list[etree._Element]) -> str:
    """Why the grammar rooted at ``root`` cannot be reduced exactly ('' if it can)."""
    if root.tag != f"{_R}grammar":
        return "its root is not <grammar>"
    for el in root.iter():
        if el.tag in _NOT_REDUCIBLE or (el.tag == f"{_R}grammar" and el is not root):
            return f"it uses <{etree.QName(el).localname}>"
        if el.get("combine") is not None:
            return "it combines defines"
    if sum(1 for t in tops if t.tag == f"{_R}start") != 1:
        return "it has no single <start>"
    names = [t.get("name", "") for t in tops if t.tag == f"{_R}define"]
    return "a define is given twice" if len(names) != len(set(names)) else ""


def _index(data: bytes, sha256: str, base_url: str) -> Indexed:
    root = etree.fromstring(data, nodes.parser(), base_url=base_url)
    tops = nodes.top_level(root)
    reason = _why_whole(root, tops)
    if reason:
        return Whole(sha256, reason)
    for el in list(root.iter()):  # annotations and embedded Schematron: not grammar
        parent = el.getparent()
        if isinstance(el.tag, str) and not el.tag.startswith(_R) and parent is not None:
            parent.remove(el)
    inherited = {k: root.get(k) for k in ("ns", "datatypeLibrary")}
    defines: dict[str, Define] = {}
    start = next(t for t in tops if t.tag == f"{_R}start")
    for top in tops:
        if top.tag != f"{_R}define":
            continue
        kids = list(top)
        element = None
        if len(kids) == 1 and kids[0].tag == f"{_R}element" and kids[0].get("name"):
            element = _clark(kids[0])
        attrs = tuple(
            (k, v)
            for k in ("ns", "datatypeLibrary")
            if (v := nodes.inherited(top, k)) is not None and v != inherited[k]
        )
        refs = tuple(sorted({r.get("name", "") for r in top.iter(f"{_R}ref")}))
        added = tuple((p, u) for p, u in top.nsmap.items() if root.nsmap.get(p) != u)
        body = tuple(nodes.plain(nodes.read(k, top.nsmap)) for k in kids)
        defines[top.get("name", "")] = Define(attrs, added, refs, element, body)
    shell = nodes.Node(
        "grammar",
        tuple((str(k), str(v)) for k, v in root.attrib.items() if "}" not in str(k)),
        tuple(root.nsmap.items()),
    )
    attributes = frozenset(
        nodes.attribute_clark(a) for a in root.iter(f"{_R}attribute") if a.get("name")
    )
    return Grammar(sha256, shell, nodes.read(start, root.nsmap), defines, attributes)


def _clark(element: etree._Element) -> str:
    """The Clark name an ``<element name="…">`` pattern matches (RelaxNG 4.10 rules)."""
    raw = element.get("name", "").strip()
    if ":" in raw:
        prefix, local = raw.split(":", 1)
        ns = element.nsmap.get(prefix, "")
    else:
        local = raw
        ns = nodes.inherited(element, "ns") or ""
    return f"{{{ns}}}{local}" if ns else local
