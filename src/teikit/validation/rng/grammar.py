"""Per-document reduction of a large RelaxNG grammar (tei_all) so libxml2 compiles it fast.

Why: libxml2 needs 12–17 s to compile the 1 MB ``tei_all.rng``, on every cold start;
jing needs under a second for the whole validation. But a pattern ``element X {…}``
can only ever match an element named X: for a document without any X, replacing it by
``notAllowed`` cannot change the verdict. A TEI document uses a few dozen of TEI's 590
elements, and the reduced grammar (then pruned to what ``start`` still reaches)
compiles in milliseconds. This module owns that rewriting:

* :func:`index` parses a schema once into a compact :class:`Grammar` (each define's
  serialized body, the defines it refers to, the element it declares) and keeps it on
  disk under the user cache folder, keyed by the schema's SHA-256, so the next process
  never parses the 1 MB file again; an edited schema has another hash, hence another
  entry (marshal, not pickle: reading a cache file cannot run code).
* :meth:`Grammar.reduced` writes the grammar for one set of element names.
* :meth:`Grammar.standalone` and :meth:`Grammar.own_level` write the grammars that
  :mod:`teikit.validation.rng.relaxng` uses to pin an error to the smallest failing element.

Only schemas this rewriting is provably exact for are indexed as reducible: one
``grammar`` root, defines and ``start`` at top level or in ``div``, no ``include``,
``externalRef``, nested ``grammar``, ``parentRef`` or ``combine``. Others are compiled
whole (slow, but exact).
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import unescape

from lxml import etree

from teikit.files import cache_dir, write_atomic
from teikit.namespaces import RELAXNG

RNG_NS = RELAXNG
_R = f"{{{RNG_NS}}}"
#: Bump when the cached structure changes, so old cache files are ignored.
CACHE_VERSION = 4
#: Names teikit adds to a grammar; a schema is not expected to use this prefix.
ANY = "__teikit_any"
STRICT = "__teikit_strict"

_NOT_REDUCIBLE = {f"{_R}{n}" for n in ("include", "externalRef", "parentRef")}


@dataclass(frozen=True)
class Define:
    """One ``define``: its attributes (besides ``name``), body, refs and declared element."""

    attrs: str
    body: str
    refs: tuple[str, ...]
    element: str | None  # Clark name of the element it declares, when that is all it does
    tree: tuple[Node, ...] = ()  # the body as pattern nodes, for simplification


@dataclass(frozen=True)
class Grammar:
    """A schema indexed for reduction. ``reducible`` False means: compile it whole."""

    sha256: str
    reducible: bool
    header: str = ""
    prefix: str = ""
    start: str = ""
    start_refs: tuple[str, ...] = ()
    defines: dict[str, Define] | None = None
    elements: dict[str, tuple[str, ...]] | None = None  # Clark name → define names
    start_tree: tuple[Node, ...] = ()

    # -- writing grammars -------------------------------------------------------------

    def _tag(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _write(self, start: str, start_refs: tuple[str, ...], present: frozenset[str],
               replace: dict[str, tuple[str, str]] | None = None) -> bytes:
        """The grammar reachable from ``start`` with absent elements' defines made
        ``notAllowed`` and ``replace``'s defines given new bodies."""
        assert self.defines is not None
        replace = replace or {}
        out = [self.header, start]
        seen: set[str] = set()
        todo = list(start_refs)
        not_allowed = f"<{self._tag('notAllowed')}/>"
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in replace:
                attrs, body = replace[name]
                out.append(f'<{self._tag("define")} name="{name}"{attrs}>{body}'
                           f'</{self._tag("define")}>')
                todo.extend(_REF.findall(body))
                continue
            d = self.defines.get(name)
            if d is None:  # a broken schema: let libxml2 say so
                continue
            if d.element is not None and d.element not in present:
                body = not_allowed
            else:
                body = d.body
                todo.extend(d.refs)
            out.append(f'<{self._tag("define")} name="{name}"{d.attrs}>{body}'
                       f'</{self._tag("define")}>')
        out.append(f"</{self._tag('grammar')}>")
        return "".join(out).encode("utf-8")

    def reduced(self, present: frozenset[str], attrs: frozenset[str] | None = None
                ) -> bytes:
        """The grammar, exact for any document whose element names are in ``present``
        and (unless None) whose attribute names are in ``attrs``.

        Attributes are reduced like elements: ``attribute X {…}`` only matches an
        attribute named X. Why bother: libxml2 checks every attribute an element may
        carry (TEI gives each some 40) at every element; dropping the ones a corpus
        never uses makes validation ~2× faster.
        """
        return self._simplified(self.start_tree, present, attrs)

    def _simplified(self, start: tuple[Node, ...], present: frozenset[str],
                    attrs: frozenset[str] | None = None) -> bytes:
        """The grammar reachable from ``start`` with absent elements' defines made
        ``notAllowed`` and then ``notAllowed`` simplified away.

        Why: libxml2 compiles an element's content model into a fast automaton only
        when it holds no ``notAllowed``; with it, libxml2 falls back to a backtracking
        validator about 10× slower, and a reduced grammar is full of ``notAllowed``.
        The rewriting is RelaxNG's own simplification (spec 4.20), exact also for
        recursion: a define *matches something* (is productive) when some finite tree
        matches it, computed as a least fixpoint, so an element that could only contain
        itself (``listRelation`` once ``relation`` is absent) is known to match
        nothing. ``choice`` drops branches that match nothing; ``group``,
        ``interleave``, ``oneOrMore``, ``list``, ``mixed``, ``element`` and
        ``attribute`` holding one match nothing; ``zeroOrMore``/``optional`` of one
        become ``empty``; an ``except`` of nothing goes.

        Then sequences are normalised around a libxml2 defect found here: an element
        whose content is an explicit ``group`` followed by attributes, with the element
        itself reachable inside that group, makes ``xmlRelaxNGParse`` loop forever. A
        ``group`` inside an element or group is spliced into it (the same sequence),
        one-branch choices are unwrapped and redundant ``empty`` dropped. None of
        this changes which documents match.
        """
        assert self.defines is not None
        known: dict[str, object] = {}  # reachable define → its body, None if absent
        todo = _refs_in(start)
        while todo:
            name = todo.pop()
            if name in known or name not in self.defines:
                continue
            d = self.defines[name]
            if d.element is not None and d.element not in present:
                known[name] = None
                continue
            known[name] = d.tree
            todo.extend(d.refs)
        users: dict[str, list[str]] = {}
        for name, tree in known.items():
            for ref in (self.defines[name].refs if tree is not None else ()):
                users.setdefault(ref, []).append(name)
        productive: set[str] = set()
        pending = [n for n, t in known.items() if t is not None]
        while pending:
            name = pending.pop()
            tree = known[name]
            if name in productive or not all(
                    _matches(k, productive, known, attrs) for k in tree):  # type: ignore[union-attr]
                continue
            productive.add(name)
            pending.extend(u for u in users.get(name, ()) if u not in productive)
        bodies = {name: _sequence(tuple(_rewrite(k, productive, known, attrs)  # type: ignore
                                        for k in known[name]))  # type: ignore[union-attr]
                  for name in productive}
        # Defines left matching only the empty sequence (attribute lists whose attributes
        # no document uses) are inlined away: libxml2 compiles an element whose content
        # still refers to one into a slower validator.
        empties: set[str] = set()
        candidates = {n: b for n, b in bodies.items() if all(map(_only_sequence, b))}
        grew = True
        while grew:
            grew = False
            for name, body in candidates.items():
                if name not in empties and all(_is_empty(k, empties) for k in body):
                    empties.add(name)
                    grew = True
        out = [self.header]
        rewritten = [_rewrite(k, productive, known, attrs) for k in start]
        if any(k is None for k in rewritten):
            out.append(f"<{self._tag('start')}><{self._tag('notAllowed')}/>"
                       f"</{self._tag('start')}>")
            rewritten = []
        else:
            rewritten = [_inline_empty(k, empties) for k in rewritten]  # type: ignore
            out.append(self.start[: self.start.index(">") + 1])  # with its namespaces
            for k in rewritten:
                _serialize(k, out)  # type: ignore[arg-type]
            out.append(f"</{self._tag('start')}>")
        written: set[str] = set()
        todo = _refs_in(tuple(rewritten))  # type: ignore[arg-type]
        while todo:
            name = todo.pop()
            if name in written or name not in bodies:
                continue
            written.add(name)
            d = self.defines[name]
            tree = _sequence(tuple(_inline_empty(k, empties) for k in bodies[name]))
            out.append(f'<{self._tag("define")} name="{name}"{d.attrs}>')
            for k in tree:
                _serialize(k, out)
            out.append(f"</{self._tag('define')}>")
            todo.extend(_refs_in(tree))
        out.append(f"</{self._tag('grammar')}>")
        return "".join(out).encode("utf-8")

    def declared_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """The element and attribute names (Clark) the schema declares by name
        anywhere: a document name outside them is an error unless a wildcard takes it."""
        attributes: set[str] = set()
        todo = [*self.start_tree, *(k for d in (self.defines or {}).values() for k in d.tree)]
        while todo:
            node = todo.pop()
            if node[0] == "attribute" and node[5]:
                attributes.add(node[5])
            todo.extend(node[4])
        return frozenset(self.elements or {}), frozenset(attributes)

    def defines_of(self, element: str) -> tuple[str, ...]:
        """The defines declaring element ``element`` (Clark name), if any."""
        assert self.elements is not None
        return self.elements.get(element, ())

    def _start_for(self, refs: tuple[str, ...]) -> str:
        inner = "".join(f'<{self._tag("ref")} name="{r}"/>' for r in refs)
        if len(refs) > 1:
            inner = f"<{self._tag('choice')}>{inner}</{self._tag('choice')}>"
        return f"<{self._tag('start')}>{inner}</{self._tag('start')}>"

    def standalone(self, element: str, present: frozenset[str]) -> bytes:
        """A grammar whose start is the define(s) of ``element``: validating one element
        (with its subtree) against it says whether that subtree is valid on its own."""
        refs = self.defines_of(element)
        ref = self._tag("ref")
        start = tuple(("ref", ref, f' name="{_escape(r)}"', "", (), r) for r in refs)
        if len(start) > 1:
            start = (("choice", self._tag("choice"), "", "", start, ""),)
        return self._simplified(start, present, None)

    def own_level(self, element: str, present: frozenset[str], attributes: bool = True
                  ) -> bytes:
        """A grammar that checks one ``element``'s own attributes and the sequence of its
        children strictly, but accepts anything inside those children.

        Every element define becomes "this name, any attributes, any content"; the
        start is a strict copy of ``element``'s define(s). An error against it lies at
        this element's level, not deeper. With ``attributes`` False the element's own
        attributes are accepted whatever they are, so only its content is checked:
        libxml2 often reports a content error beside an attribute error (or blames the
        attributes for a content error), and this tells which one is real.
        """
        assert self.defines is not None
        lax: dict[str, tuple[str, str]] = {}
        # Every element is lax here, absent ones too: with absent children left
        # notAllowed, libxml2 blames an element's attributes for a missing child.
        for name in self.elements or {}:
            for define in self.defines_of(name):
                ns, _, local = name[1:].partition("}") if name.startswith("{") else (
                    "", "", name)
                lax[define] = ("", f'<{self._tag("element")}><{self._tag("name")} '
                               f'ns="{ns}">{local}</{self._tag("name")}><{self._tag("ref")} '
                               f'name="{ANY}"/></{self._tag("element")}>')
        z, c, a = self._tag("zeroOrMore"), self._tag("choice"), self._tag("anyName")
        lax[ANY] = ("", f"<{z}><{c}><{self._tag('attribute')}><{a}/></{self._tag('attribute')}>"
                    f"<{self._tag('text')}/><{self._tag('element')}><{a}/>"
                    f'<{self._tag("ref")} name="{ANY}"/></{self._tag("element")}></{c}></{z}>')
        strict = []
        for i, define in enumerate(self.defines_of(element)):
            original = self.defines[define]
            body = original.body
            if not attributes:
                body = "".join(self._text(_without_attributes(k, self.prefix, True))
                               for k in original.tree)
            lax[f"{STRICT}{i}"] = (original.attrs, body)
            strict.append(f"{STRICT}{i}")
        if not attributes:  # attribute lists reached from the strict copies: none
            todo = [r for d in self.defines_of(element) for r in self.defines[d].refs]
            while todo:
                name = todo.pop()
                if name in lax or name not in self.defines:
                    continue
                d = self.defines[name]
                lax[name] = (d.attrs, "".join(self._text(_without_attributes(
                    k, self.prefix, False)) for k in d.tree))
                todo.extend(d.refs)
        return self._write(self._start_for(tuple(strict)), tuple(strict), present, lax)

    @staticmethod
    def _text(node: Node) -> str:
        out: list[str] = []
        _serialize(node, out)
        return "".join(out)

    def _defines_under(self, parent: str) -> set[str]:
        """The element defines ``parent``'s define(s) may contain directly."""
        assert self.defines is not None
        out: set[str] = set()
        seen: set[str] = set()
        todo = [r for d in self.defines_of(parent) for r in self.defines[d].refs]
        while todo:
            name = todo.pop()
            d = self.defines.get(name)
            if name in seen or d is None:
                continue
            seen.add(name)
            if d.element is not None:
                out.add(name)
            else:
                todo.extend(d.refs)
        return out

    def _defines_for(self, element: str, parent: str | None) -> list[str]:
        """``element``'s define(s), narrowed to those ``parent`` may contain when that
        narrows them."""
        defines = list(self.defines_of(element))
        if parent is not None:
            defines = [d for d in defines if d in self._defines_under(parent)] or defines
        return defines

    def attribute_names(self, element: str, parent: str | None = None
                        ) -> tuple[frozenset[str], frozenset[str]]:
        """(declared, required) attribute names (Clark) of ``element``'s define(s) —
        of those its ``parent`` may contain, when that narrows them; ``*`` among the
        declared when a wildcard allows any. Required means not under an
        ``optional``, ``zeroOrMore`` or ``choice`` on the way from the element, in
        every define considered."""
        declared: set[str] = set()
        required: set[str] | None = None
        for define in self._defines_for(element, parent):
            names: set[str] = set()
            must: set[str] = set()
            for node, needed in self._attribute_patterns(define):
                names.add(node[5] or "*")
                if needed and node[5]:
                    must.add(node[5])
            declared |= names
            required = must if required is None else required & must
        return frozenset(declared), frozenset(required or ())

    def _attribute_patterns(self, define: str) -> Iterator[tuple[Node, bool]]:
        """The ``attribute`` patterns of an element define, each with whether it is
        required (reached through no ``optional``, ``zeroOrMore`` or ``choice``)."""
        assert self.defines is not None
        todo: list[tuple[Node, bool]] = []
        for top in self.defines[define].tree:
            todo.extend((k, True) for k in top[4])
        seen: set[str] = set()
        while todo:
            node, must = todo.pop()
            tag = node[0]
            if tag == "attribute":
                yield node, must
            elif tag == "ref":
                d = self.defines.get(node[5])
                if d is not None and d.element is None and node[5] not in seen:
                    seen.add(node[5])  # a shared list reached twice: the first way counts
                    todo.extend((k, must) for k in d.tree)
            elif tag != "element" and tag not in _NAME_CLASSES:
                keep = must and tag not in ("optional", "zeroOrMore", "choice")
                todo.extend((k, keep) for k in node[4])

    def attribute_values(self, element: str, attribute: str, parent: str | None = None
                         ) -> tuple[str, ...] | None:
        """The closed list of values ``attribute`` (Clark) may take on ``element``, or
        None when some pattern for it accepts free text or a datatype. It lets a report
        say what jing says: which values would have been allowed."""
        patterns = [node for define in self._defines_for(element, parent)
                    for node, _ in self._attribute_patterns(define) if node[5] == attribute]
        values: set[str] = set()
        for pattern in patterns:
            closed = self._values_in(_content(pattern), set())
            if closed is None:
                return None
            values |= closed
        return tuple(sorted(values)) if patterns and values else None

    def _values_in(self, nodes: tuple[Node, ...], seen: set[str]) -> set[str] | None:
        """The values a value pattern allows, None when it is open (data, text, list)."""
        assert self.defines is not None
        values: set[str] = set()
        if not nodes:
            return None  # <attribute name="x"/> means any text
        for node in nodes:
            tag = node[0]
            if tag == "value":
                values.add(unescape(node[3]))
            elif tag in ("choice", "group") or tag == "ref" and node[5] in seen:
                inner = self._values_in(node[4], seen) if tag != "ref" else set()
                if inner is None:
                    return None
                values |= inner
            elif tag == "ref" and node[5] in self.defines:
                seen.add(node[5])
                inner = self._values_in(self.defines[node[5]].tree, seen)
                if inner is None:
                    return None
                values |= inner
            elif tag != "empty":
                return None
        return values

    def content_names(self, element: str, clark: bool = False) -> list[str]:
        """Names of the elements ``element`` may contain directly: local names for
        messages, Clark names (``clark=True``) to tell content from wildcard matches."""
        assert self.defines is not None and self.elements is not None
        by_define = {d: el for el, ds in self.elements.items() for d in ds}
        names: set[str] = set()
        seen: set[str] = set()
        todo = [r for d in self.defines_of(element) for r in self.defines[d].refs]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.defines:
                continue
            seen.add(name)
            if name in by_define:
                names.add(by_define[name])
            else:
                todo.extend(self.defines[name].refs)
        if clark:
            return sorted(names)
        return sorted({n.rpartition("}")[2] for n in names})


_REF = re.compile(r'<(?:\w+:)?ref\s+name="([^"]+)"')

# -- simplification -----------------------------------------------------------------

#: A pattern as plain tuples (marshal-able, cheap to walk): local name, qualified name
#: as written, serialized attributes (and namespace declarations it adds), escaped
#: text (kept only where RelaxNG reads it), children, and its ``name`` attribute (for an
#: ``attribute``, the Clark name it matches).
Node = tuple[str, str, str, str, tuple["Node", ...], str]

_NAME_CLASSES = {"name", "anyName", "nsName"}
_TEXT_MATTERS = {"value", "param", "name"}
#: Patterns that match nothing when any child matches nothing (RelaxNG 4.20).
_ALL_NEEDED = {"group", "interleave", "oneOrMore", "list", "mixed"}
_NAMED = {"element", "attribute"}
_OPTIONAL = {"zeroOrMore", "optional"}
#: Patterns whose children form a sequence a ``group`` child can be spliced into.
_SEQUENCES = {"element", "group"}


def _node(el: etree._Element, outer: dict[str | None, str]) -> Node:
    """``el`` as a :data:`Node`; foreign attributes (annotations) are dropped, as
    RelaxNG ignores them."""
    local = etree.QName(el).localname
    qname = f"{el.prefix}:{local}" if el.prefix else local
    attrs = "".join(f' {k}="{_escape(v)}"' for k, v in el.attrib.items() if "}" not in k)
    attrs += "".join(f' xmlns:{p}="{_escape(u)}"' if p else f' xmlns="{_escape(u)}"'
                     for p, u in el.nsmap.items() if outer.get(p) != u)
    text = _escape(el.text or "").replace(">", "&gt;") if local in _TEXT_MATTERS else ""
    kids = tuple(_node(k, el.nsmap) for k in el if isinstance(k.tag, str))
    name = el.get("name", "") if local in ("ref", "element") else ""
    if local == "attribute" and el.get("name"):
        name = _attribute_clark(el)
    return (local, qname, attrs, text, kids, name)


def _attribute_clark(el: etree._Element) -> str:
    """The Clark name an ``<attribute name="…">`` matches: a prefix is looked up, an
    unprefixed name is in the ``ns`` given on the pattern itself, else in no namespace
    (RelaxNG 4.8: attributes do not inherit ``ns``)."""
    raw = el.get("name", "").strip()
    if ":" in raw:
        prefix, local = raw.split(":", 1)
        ns = el.nsmap.get(prefix) or (
            "http://www.w3.org/XML/1998/namespace" if prefix == "xml" else "")
    else:
        local, ns = raw, el.get("ns", "")
    return f"{{{ns}}}{local}" if ns else local


def _content(node: Node) -> tuple[Node, ...]:
    """A pattern's sub-patterns: an element or attribute without ``name=`` starts with
    its name class, which is not a pattern."""
    if node[0] in _NAMED and not node[5]:
        return node[4][1:]
    return node[4]


def _matches(node: Node, productive: set[str], known: dict[str, object],
             attrs: frozenset[str] | None) -> bool:
    """Whether ``node`` can match some finite tree, given the productive defines (and,
    unless ``attrs`` is None, only attributes named in ``attrs``)."""
    tag = node[0]
    if tag == "notAllowed":
        return False
    if tag == "attribute" and attrs is not None and node[5] and node[5] not in attrs:
        return False
    if tag == "ref":
        return node[5] in productive or node[5] not in known
    if tag == "choice":
        kids = node[4]
        return (bool(kids) and kids[0][0] in _NAME_CLASSES) or any(
            _matches(k, productive, known, attrs) for k in kids)
    if tag in _ALL_NEEDED or tag in _NAMED:
        return all(_matches(k, productive, known, attrs) for k in _content(node))
    return True  # text, empty, data, value, zeroOrMore, optional


def _refs_in(nodes: tuple[Node, ...]) -> list[str]:
    out: list[str] = []
    todo = list(nodes)
    while todo:
        n = todo.pop()
        if n[0] == "ref":
            out.append(n[5])
        todo.extend(n[4])
    return out


def _rewrite(node: Node, productive: set[str], known: dict[str, object],
             attrs: frozenset[str] | None) -> Node | None:
    """``node`` with what matches nothing taken out; None when it matches nothing."""
    tag = node[0]
    if tag == "notAllowed":
        return None
    if tag == "attribute" and attrs is not None and node[5] and node[5] not in attrs:
        return None
    if tag == "ref":
        return node if node[5] in productive or node[5] not in known else None
    kids = node[4]
    if not kids or tag in _NAME_CLASSES or tag in ("value", "param"):
        return node
    if tag == "choice" and kids[0][0] in _NAME_CLASSES:
        return node
    if tag == "data":
        keep = []
        for k in kids:
            if k[0] == "except":
                left = tuple(x for x in (_rewrite(y, productive, known, attrs) for y in k[4]) if x)
                if left:
                    keep.append((*k[:4], left, k[5]))
            else:
                keep.append(k)
        return (*node[:4], tuple(keep), node[5])
    lead = node[4][:1] if tag in _NAMED and not node[5] else ()
    done = [_rewrite(k, productive, known, attrs) for k in _content(node)]
    if tag == "choice":
        left = [k for k in done if k is not None]
        if not left:
            return None
        return left[0] if len(left) == 1 else (*node[:4], tuple(left), node[5])
    if tag in _OPTIONAL and any(k is None for k in done):
        return ("empty", node[1][: -len(tag)] + "empty", "", "", (), "")
    if any(k is None for k in done):
        return None
    content = tuple(done)  # type: ignore[arg-type]
    if tag in _SEQUENCES:
        content = _sequence(content)
    return (*node[:4], lead + content, node[5])


def _without_attributes(node: Node, prefix: str, top: bool) -> Node:
    """``node`` with its attribute patterns made ``empty``; at the ``top`` element, any
    attributes at all are allowed instead (one ``anyName`` pattern, so no overlap)."""
    if node[0] == "attribute":
        return ("empty", f"{prefix}empty", "", "", (), "")
    if node[0] in _NAME_CLASSES or node[0] in ("value", "param", "data") or (
            node[0] == "element" and not top):
        return node
    kids = tuple(_without_attributes(k, prefix, False) for k in node[4])
    if top and node[0] == "element":
        any_name = ("anyName", f"{prefix}anyName", "", "", (), "")
        kids += (("zeroOrMore", f"{prefix}zeroOrMore", "", "", (
            ("attribute", f"{prefix}attribute", "", "", (any_name,), ""),), ""),)
    return (*node[:4], kids, node[5])


_EMPTY_ABLE = {"empty", "ref", "group", "optional", "zeroOrMore", "oneOrMore"}


def _only_sequence(node: Node) -> bool:
    """Whether ``node`` is built of nothing but references, sequences and ``empty``:
    only such a pattern can turn out to match just the empty sequence."""
    return node[0] in _EMPTY_ABLE and all(map(_only_sequence, node[4]))


def _is_empty(node: Node, empties: set[str]) -> bool:
    """Whether ``node`` (see :func:`_only_sequence`) matches only the empty sequence."""
    if node[0] == "ref":
        return node[5] in empties
    return all(_is_empty(k, empties) for k in node[4])


def _inline_empty(node: Node, empties: set[str]) -> Node:
    """``node`` with references to defines in ``empties`` (which match only the empty
    sequence) replaced by ``empty``, and what that leaves empty made ``empty``."""
    tag = node[0]
    if tag == "ref":
        return ("empty", node[1][: -len(tag)] + "empty", "", "", (), "") if (
            node[5] in empties) else node
    if not node[4] or tag in _NAME_CLASSES or tag in ("value", "param", "data"):
        return node
    if tag == "choice" and node[4][0][0] in _NAME_CLASSES:
        return node
    lead = node[4][:1] if tag in _NAMED and not node[5] else ()
    kids = tuple(_inline_empty(k, empties) for k in _content(node))
    if tag in _SEQUENCES or tag in _OPTIONAL or tag == "oneOrMore":
        kids = _sequence(kids)
        if tag != "element" and all(k[0] == "empty" for k in kids):
            return ("empty", node[1][: -len(tag)] + "empty", "", "", (), "")
    return (*node[:4], lead + kids, node[5])


def _sequence(kids: tuple[Node, ...]) -> tuple[Node, ...]:
    """Children of a sequence with ``group`` children spliced in and ``empty`` dropped
    while something else remains (see :meth:`Grammar._simplified` for why)."""
    out: list[Node] = []
    for k in kids:
        out.extend(_sequence(k[4]) if k[0] == "group" else (k,))
    rest = [k for k in out if k[0] != "empty"]
    return tuple(rest) if rest else tuple(out[:1])


def _serialize(node: Node, out: list[str]) -> None:
    local, qname, attrs, text, kids, _ = node
    if not kids and not text:
        out.append(f"<{qname}{attrs}/>")
        return
    out.append(f"<{qname}{attrs}>{text}")
    for k in kids:
        _serialize(k, out)
    out.append(f"</{qname}>")


def index(data: bytes, sha256: str, base_url: str) -> Grammar:
    """The indexed grammar for schema bytes ``data``, from the disk cache when there."""
    path = cache_dir() / f"grammar-v{CACHE_VERSION}-{sha256}.marshal"
    try:
        raw = marshal.loads(path.read_bytes())
        return _from_plain(raw)
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass
    grammar = _index(data, sha256, base_url)
    try:
        write_atomic(path, marshal.dumps(_to_plain(grammar)))
    except OSError:
        pass  # a read-only home folder only costs speed
    return grammar


def _to_plain(g: Grammar) -> dict[str, object]:
    return {
        "v": CACHE_VERSION, "sha256": g.sha256, "reducible": g.reducible, "header": g.header,
        "prefix": g.prefix, "start": g.start, "start_refs": g.start_refs,
        "defines": {k: (d.attrs, d.body, d.refs, d.element, d.tree) for k, d in
                    (g.defines or {}).items()},
        "elements": g.elements or {}, "start_tree": g.start_tree,
    }


def _from_plain(raw: dict[str, object]) -> Grammar:
    if raw["v"] != CACHE_VERSION:
        raise ValueError("old cache")
    defines = {k: Define(*v) for k, v in raw["defines"].items()}  # type: ignore[union-attr]
    return Grammar(sha256=raw["sha256"], reducible=raw["reducible"],  # type: ignore[arg-type]
                   header=raw["header"], prefix=raw["prefix"],  # type: ignore[arg-type]
                   start=raw["start"], start_refs=tuple(raw["start_refs"]),  # type: ignore
                   defines=defines, elements=raw["elements"],  # type: ignore[arg-type]
                   start_tree=raw["start_tree"])  # type: ignore[arg-type]


def _index(data: bytes, sha256: str, base_url: str) -> Grammar:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True)
    root = etree.fromstring(data, parser, base_url=base_url)
    if root.tag != f"{_R}grammar":
        return Grammar(sha256, False)
    tops: list[etree._Element] = []
    for child in root:
        if child.tag == f"{_R}div":
            tops.extend(_flatten_div(child))
        else:
            tops.append(child)
    for el in root.iter():
        if el.tag in _NOT_REDUCIBLE or (el.tag == f"{_R}grammar" and el is not root):
            return Grammar(sha256, False)
        if el.get("combine") is not None:
            return Grammar(sha256, False)
    starts = [t for t in tops if t.tag == f"{_R}start"]
    if len(starts) != 1:
        return Grammar(sha256, False)
    for el in list(root.iter()):  # annotations and embedded Schematron: not grammar
        if isinstance(el.tag, str) and not el.tag.startswith(_R) and el is not root:
            el.getparent().remove(el)
    prefix = f"{root.prefix}:" if root.prefix else ""
    shell = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    header = etree.tostring(shell, encoding="unicode")
    header = header[: -2] + ">" if header.endswith("/>") else header[: header.index(">") + 1]
    root_ns = root.get("ns")
    root_dt = root.get("datatypeLibrary")
    defines: dict[str, Define] = {}
    elements: dict[str, list[str]] = {}
    for top in tops:
        if top.tag != f"{_R}define":
            continue
        name = top.get("name", "")
        if name in defines:
            return Grammar(sha256, False)
        kids = list(top)
        element = None
        if len(kids) == 1 and kids[0].tag == f"{_R}element" and kids[0].get("name"):
            element = _clark(kids[0])
            elements.setdefault(element, []).append(name)
        attrs = ""
        for key, inherited in (("ns", root_ns), ("datatypeLibrary", root_dt)):
            value = _inherited(top, key)
            if value is not None and value != inherited:
                attrs += f' {key}="{_escape(value)}"'
        refs = tuple(sorted({r.get("name", "") for r in top.iter(f"{_R}ref")}))
        decls, body = _inner(top, root.nsmap)
        defines[name] = Define(attrs + decls, body, refs, element,
                               tuple(_node(k, top.nsmap) for k in top))
    start = starts[0]
    decls, body = _inner(start, root.nsmap)
    start_xml = f"<{prefix}start{decls}>{body}</{prefix}start>"
    start_refs = tuple(sorted({r.get("name", "") for r in start.iter(f"{_R}ref")}))
    return Grammar(sha256, True, header, prefix, start_xml, start_refs, defines,
                   {k: tuple(v) for k, v in elements.items()},
                   tuple(_node(k, start.nsmap) for k in start))


def _flatten_div(div: etree._Element) -> list[etree._Element]:
    out: list[etree._Element] = []
    for child in div:
        out.extend(_flatten_div(child) if child.tag == f"{_R}div" else [child])
    return out


def _inherited(el: etree._Element, key: str) -> str | None:
    node: etree._Element | None = el
    while node is not None:
        value = node.get(key)
        if value is not None:
            return value
        node = node.getparent()
    return None


def _clark(element: etree._Element) -> str:
    """The Clark name an ``<element name="…">`` pattern matches (RelaxNG 4.10 rules)."""
    raw = element.get("name", "").strip()
    if ":" in raw:
        prefix, local = raw.split(":", 1)
        ns = element.nsmap.get(prefix, "")
    else:
        local = raw
        ns = _inherited(element, "ns") or ""
    return f"{{{ns}}}{local}" if ns else local


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _inner(el: etree._Element, nsmap: dict[str | None, str]) -> tuple[str, str]:
    """The namespace declarations ``el`` makes beyond the grammar root's, and its
    serialized children (pasted inside a header that declares the root's)."""
    extra = "".join(
        f' xmlns:{p}="{_escape(u)}"' if p else f' xmlns="{_escape(u)}"'
        for p, u in el.nsmap.items() if nsmap.get(p) != u)
    text = etree.tostring(el, encoding="unicode")
    end = text.index(">")
    if text[end - 1] == "/":
        return extra, ""
    return extra, text[end + 1: text.rindex("</")]
