"""A schema of several grammars or files as one ``grammar``, for the derivative walk.

Why: the pattern builder (:mod:`.patterns`) reads one grammar, with ``include`` and
``combine``; schemas that use ``externalRef``, ``parentRef`` or a nested ``grammar``,
or whose root is a pattern rather than a grammar, would otherwise be explained in
libxml2's words. RelaxNG's own simplification (sections 4.3–4.9 and 4.18 of the
specification) turns any schema into a single grammar with every ``define`` at its top:
this module does those steps, and only those, leaving the rest to the builder.

* ``datatypeLibrary`` and QName names are resolved in the file they are written in
  (4.3, 4.10), so that content moved into another file keeps its meaning;
* ``externalRef`` is replaced by the referenced pattern, ``include`` by a ``div`` with
  the included grammar less the components the include overrides (4.5, 4.7);
* a non-grammar root becomes ``<grammar><start>…</start></grammar>`` (4.18);
* every nested grammar's defines are renamed apart and lifted to the top, its ``start``
  becomes a define it is replaced by a reference to, and ``parentRef`` a ``ref`` to the
  renamed define of the grammar around it (4.18).

Files are read as the builder reads includes: local, inside the schema's folder tree,
at most :data:`~.builder.MAX_INCLUDES`; anything else is a :class:`SchemaError`
(libxml2's wording then remains).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.namespaces import RELAXNG, XML
from teikit.validation.rng import nodes
from teikit.validation.rng.builder import Builder, local_file
from teikit.validation.rng.patterns import SchemaError

_R = f"{{{RELAXNG}}}"
#: What a renamed define is called: a colon never occurs in a define's NCName.
_RENAMED = "g{}:{}"


def builder(data: bytes, path: Path) -> Builder:
    """The schema's patterns; a schema the builder does not take as it is (several
    grammars, a pattern root) made one grammar first."""
    try:
        return Builder(data, str(path))
    except SchemaError:
        return Builder(single_grammar(data, str(path)), str(path))


def single_grammar(data: bytes, base_url: str) -> bytes:
    """Schema ``data`` (read from ``base_url``) as one grammar without ``include``,
    ``externalRef``, ``parentRef`` or nested grammars."""
    reader = _Reader(Path(base_url).resolve() if base_url else None)
    root = reader.resolve(reader.parse_bytes(data, base_url))
    if root.tag != f"{_R}grammar":
        grammar = etree.Element(f"{_R}grammar", nsmap={None: RELAXNG})
        start = etree.SubElement(grammar, f"{_R}start")
        start.append(root)
        root = grammar
    _Lifter(root).lift()
    return etree.tostring(root)


class _Reader:
    """Reads a schema's files once each and inlines ``externalRef`` and ``include``."""

    def __init__(self, first: Path | None) -> None:
        self._folder = first.parent if first is not None else None
        self._files = 0

    def parse_bytes(self, data: bytes, base_url: str) -> etree._Element:
        root = etree.fromstring(data, nodes.parser(), base_url=base_url or None)
        _settle(root)
        return root

    def _file(self, ref: etree._Element) -> etree._Element:
        """The root of the file ``ref`` (an ``include`` or ``externalRef``) names."""
        self._files += 1
        root = local_file(ref, self._folder, self._files)
        _settle(root)
        return root

    def resolve(self, root: etree._Element) -> etree._Element:
        """``root`` with every ``externalRef`` and ``include`` below it inlined."""
        for ref in list(root.iter(f"{_R}externalRef", f"{_R}include")):
            if ref.tag == f"{_R}externalRef":
                target = self.resolve(self._file(ref))
                _inherit_ns(ref, target)
                if ref is root:
                    return target
                _replace(ref, target)
            else:
                self._include(ref)
        return root

    def _include(self, include: etree._Element) -> None:
        """RelaxNG 4.7: the included grammar, less what ``include`` overrides, then
        the include's own components, in one ``div`` each."""
        grammar = self.resolve(self._file(include))
        if grammar.tag != f"{_R}grammar":
            raise SchemaError(f"{include.get('href')!r} is not a <grammar>")
        _inherit_ns(include, grammar)
        own = nodes.top_level(include)
        names = {k.get("name", "").strip() for k in own if k.tag == f"{_R}define"}
        starts = any(k.tag == f"{_R}start" for k in own)
        for k in nodes.top_level(grammar):
            overridden = k.tag == f"{_R}define" and k.get("name", "").strip() in names
            if overridden or (k.tag == f"{_R}start" and starts):
                parent = k.getparent()
                if parent is not None:
                    parent.remove(k)
        included = etree.Element(f"{_R}div")
        if grammar.get("ns") is not None:
            included.set("ns", grammar.get("ns", ""))
        included.extend(list(grammar))
        include.tag = f"{_R}div"
        for key in ("href", "ns"):
            include.attrib.pop(key, None)
        include.insert(0, included)


def _settle(root: etree._Element) -> None:
    """Resolve, within the file ``root`` was read from, what depends on that file's
    ancestors and prefixes: ``datatypeLibrary`` on ``data`` and ``value`` (4.3) and
    prefixed names (4.10, as an ``ns`` attribute and a local name)."""
    for el in root.iter(f"{_R}data", f"{_R}value"):
        if el.get("datatypeLibrary") is None and (el.tag == f"{_R}data" or el.get("type")):
            el.set("datatypeLibrary", (nodes.inherited(el, "datatypeLibrary") or "").strip())
    for el in root.iter(f"{_R}element", f"{_R}attribute"):
        raw = el.get("name")
        if raw is not None and ":" in raw:
            ns, local = _expand(raw.strip(), el)
            el.set("name", local)
            el.set("ns", ns)
    for el in root.iter(f"{_R}name"):
        raw = (el.text or "").strip()
        if ":" in raw:
            ns, el.text = _expand(raw, el)
            el.set("ns", ns)


def _expand(raw: str, el: etree._Element) -> tuple[str, str]:
    prefix, local = raw.split(":", 1)
    if prefix == "xml":
        return XML, local
    ns = el.nsmap.get(prefix)
    if ns is None:
        raise SchemaError(f"the prefix of {raw!r} is not declared")
    return ns, local


def _inherit_ns(ref: etree._Element, target: etree._Element) -> None:
    """RelaxNG 4.5/4.7: a referring element's ``ns`` passes to a root without one."""
    if ref.get("ns") is not None and target.get("ns") is None:
        target.set("ns", ref.get("ns", ""))


def _replace(old: etree._Element, new: etree._Element) -> None:
    parent = old.getparent()
    if parent is None:
        raise SchemaError("nothing to replace")
    new.tail = old.tail
    parent.replace(old, new)


class _Lifter:
    """RelaxNG 4.18: every define of every grammar at the top of the outermost one,
    renamed apart; nested grammars replaced by a reference to their start."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._count = 0

    def lift(self) -> None:
        if self.root.getparent() is None and self.root.tag == f"{_R}grammar":
            own = {k.get("name", "").strip() for k in self._defines(self.root)}
            self._scope(self.root, {n: n for n in own}, {})

    @staticmethod
    def _defines(grammar: etree._Element) -> list[etree._Element]:
        return [k for k in nodes.top_level(grammar) if k.tag == f"{_R}define"]

    def _scope(
        self, grammar: etree._Element, names: dict[str, str], parent: dict[str, str]
    ) -> None:
        """Rename references in ``grammar`` (``names`` for its own defines, ``parent``
        for ``parentRef``) and lift the grammars nested in it."""
        for define in self._defines(grammar):
            define.set("name", names.get(define.get("name", "").strip(), ""))
        for el in _own_descendants(grammar):
            if el.tag == f"{_R}ref":
                el.set("name", self._target(names, el))
            elif el.tag == f"{_R}parentRef":
                el.tag = f"{_R}ref"
                el.set("name", self._target(parent, el))
            elif el.tag == f"{_R}grammar":
                self._nested(el, names)

    @staticmethod
    def _target(names: dict[str, str], ref: etree._Element) -> str:
        name = ref.get("name", "").strip()
        if name not in names:
            raise SchemaError(f"reference to undefined pattern {name!r}")
        return names[name]

    def _nested(self, grammar: etree._Element, parent: dict[str, str]) -> None:
        self._count += 1
        n = self._count
        own = {k.get("name", "").strip() for k in self._defines(grammar)}
        self._scope(grammar, {name: _RENAMED.format(n, name) for name in own}, parent)
        start_name = _RENAMED.format(n, "start")
        # the defines leave their ancestors: the namespace they inherited goes with them
        moved = etree.Element(f"{_R}div", ns=nodes.inherited(grammar, "ns") or "")
        starts = 0
        for k in nodes.top_level(grammar):
            if k.tag == f"{_R}start":
                k.tag = f"{_R}define"
                k.set("name", start_name)
                starts += 1
            if k.tag == f"{_R}define":
                moved.append(k)
        if not starts:
            raise SchemaError("a nested grammar has no <start>")
        self.root.append(moved)
        ref = etree.Element(f"{_R}ref", name=start_name)
        _replace(grammar, ref)


def _own_descendants(grammar: etree._Element) -> list[etree._Element]:
    """The elements below ``grammar`` that belong to it: nested grammars themselves,
    not what is inside them."""
    out: list[etree._Element] = []
    stack = list(grammar)
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        out.append(el)
        if el.tag != f"{_R}grammar":
            stack.extend(el)
    return out
