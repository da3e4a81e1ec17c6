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
  :mod:`teikit.validation.relaxng` uses to pin an error to the smallest failing element.

Only schemas this rewriting is provably exact for are indexed as reducible: one
``grammar`` root, defines and ``start`` at top level or in ``div``, no ``include``,
``externalRef``, nested ``grammar``, ``parentRef`` or ``combine``. Others are compiled
whole (slow, but exact).
"""

from __future__ import annotations

import marshal
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

RNG_NS = "http://relaxng.org/ns/structure/1.0"
_R = f"{{{RNG_NS}}}"
#: Bump when the cached structure changes, so old cache files are ignored.
CACHE_VERSION = 2
#: Names teikit adds to a grammar; a schema is not expected to use this prefix.
ANY = "__teikit_any"
STRICT = "__teikit_strict"

_NOT_REDUCIBLE = {f"{_R}{n}" for n in ("include", "externalRef", "parentRef")}


def cache_dir() -> Path:
    """Where indexed grammars are kept: $TEIKIT_CACHE_DIR, else the XDG cache folder."""
    env = os.environ.get("TEIKIT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "teikit"


@dataclass(frozen=True)
class Define:
    """One ``define``: its attributes (besides ``name``), body, refs and declared element."""

    attrs: str
    body: str
    refs: tuple[str, ...]
    element: str | None  # Clark name of the element it declares, when that is all it does


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

    def reduced(self, present: frozenset[str]) -> bytes:
        """The grammar, exact for any document whose element names are in ``present``,
        with ``notAllowed`` simplified away (see :func:`simplify`)."""
        return simplify(self._write(self.start, self.start_refs, present))

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
        return simplify(self._write(self._start_for(refs), refs, present))

    def own_level(self, element: str, present: frozenset[str]) -> bytes:
        """A grammar that checks one ``element``'s own attributes and the sequence of its
        children strictly, but accepts anything inside those children.

        Every element define becomes "this name, any attributes, any content"; the
        start is a strict copy of ``element``'s define(s). An error against it lies at
        this element's level, not deeper.
        """
        assert self.defines is not None
        lax: dict[str, tuple[str, str]] = {}
        for name in present:
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
            lax[f"{STRICT}{i}"] = (original.attrs, original.body)
            strict.append(f"{STRICT}{i}")
        return self._write(self._start_for(tuple(strict)), tuple(strict), present, lax)

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

_NAME_CLASSES = {f"{_R}{n}" for n in ("name", "anyName", "nsName")}
#: Patterns that match nothing when any child matches nothing (RelaxNG 4.20).
_ALL_NEEDED = {f"{_R}{n}" for n in ("group", "interleave", "oneOrMore", "list", "mixed",
                                    "define", "start")}
_NAMED = {f"{_R}element", f"{_R}attribute"}
_OPTIONAL = {f"{_R}zeroOrMore", f"{_R}optional"}
_LEAVES = {f"{_R}{n}" for n in ("text", "empty", "value", "param", "name", "anyName",
                                "nsName")}


def _kids(node: etree._Element) -> list[etree._Element]:
    return [k for k in node if isinstance(k.tag, str)]


def _content(node: etree._Element) -> list[etree._Element]:
    """A pattern's sub-patterns: an element or attribute without ``name=`` starts with
    its name class, which is not a pattern."""
    kids = _kids(node)
    if node.tag in _NAMED and node.get("name") is None:
        return kids[1:]
    return kids


def simplify(data: bytes) -> bytes:
    """``data`` (a grammar written by :class:`Grammar`) with ``notAllowed`` removed.

    Why: libxml2 compiles an element's content model into a fast automaton only when
    it holds no ``notAllowed``; with it, libxml2 falls back to a backtracking validator
    about 10× slower, and a reduced grammar is full of ``notAllowed``. The rewriting
    is RelaxNG's own simplification (spec 4.20), made exact also for recursion:

    * a define *matches something* (is productive) when its pattern can be satisfied
      by a finite tree; this is computed as a least fixpoint, so an element that can
      only contain itself (``listRelation`` once ``relation`` is absent) is known to
      match nothing. Defines that match nothing are ``notAllowed``.
    * ``choice`` drops such branches; ``group``/``interleave``/``oneOrMore``/``list``/
      ``mixed``/``element``/``attribute`` holding one match nothing; ``zeroOrMore``/
      ``optional`` of one become ``empty``; an ``except`` of nothing is dropped.

    Then the grammar is normalised around a libxml2 defect found here: an element
    whose content is an explicit ``group`` followed by attributes, with the element
    reachable inside that group, makes ``xmlRelaxNGParse`` loop forever; a ``group``
    inside an element, define or group is therefore spliced into its parent (the same
    sequence), single-branch choices are unwrapped and redundant ``empty`` dropped.
    None of these rewritings changes which documents match.
    """
    root = etree.fromstring(data)
    defines = {d.get("name", ""): d for d in root if d.tag == f"{_R}define"}
    productive: set[str] = set()

    def matches(node: etree._Element) -> bool:
        tag = node.tag
        if tag == f"{_R}notAllowed":
            return False
        if tag == f"{_R}ref":
            return node.get("name", "") in productive
        if tag == f"{_R}choice":
            kids = _kids(node)
            if kids and kids[0].tag in _NAME_CLASSES:
                return True
            return any(matches(k) for k in kids)
        if tag in _ALL_NEEDED or tag in _NAMED:
            return all(matches(k) for k in _content(node))
        return True  # text, empty, data, value, zeroOrMore, optional

    # Least fixpoint by worklist: a define is re-examined only when one it refers to
    # has just become productive.
    users: dict[str, list[str]] = {}
    for name, define in defines.items():
        for ref in define.iter(f"{_R}ref"):
            users.setdefault(ref.get("name", ""), []).append(name)
    todo = list(defines)
    while todo:
        name = todo.pop()
        if name in productive or not matches(defines[name]):
            continue
        productive.add(name)
        todo.extend(u for u in users.get(name, ()) if u not in productive)

    def rewrite(node: etree._Element) -> bool:
        """Simplify below ``node``; True when ``node`` itself matches nothing."""
        tag = node.tag
        if tag == f"{_R}notAllowed":
            return True
        if tag == f"{_R}ref":
            return node.get("name", "") not in productive
        if tag in _LEAVES:
            return False
        kids = _content(node)
        if tag == f"{_R}choice" and kids and kids[0].tag in _NAME_CLASSES:
            return False
        if tag == f"{_R}data":
            for k in kids:
                if k.tag == f"{_R}except" and _drop_except(k):
                    node.remove(k)
            return False
        flags = [rewrite(k) for k in kids]
        if tag == f"{_R}choice":
            for k, nothing in zip(kids, flags, strict=True):
                if nothing:
                    node.remove(k)
            return all(flags)
        if tag in _OPTIONAL:
            if any(flags):
                empty = etree.Element(f"{_R}empty")
                empty.tail = node.tail
                node.getparent().replace(node, empty)
            return False
        return any(flags)

    def _drop_except(exc: etree._Element) -> bool:
        """Simplify an ``except`` of a ``data``; True when nothing is left of it."""
        flags = [rewrite(k) for k in _kids(exc)]
        for k, nothing in zip(_kids(exc), flags, strict=True):
            if nothing:
                exc.remove(k)
        return all(flags)

    starts = [s for s in root if s.tag == f"{_R}start"]
    for holder in [*defines.values(), *starts]:
        if rewrite(holder):
            for k in list(holder):
                holder.remove(k)
            etree.SubElement(holder, f"{_R}notAllowed")
    # keep only what start still reaches
    seen: set[str] = set()
    todo = [r.get("name", "") for s in starts for r in s.iter(f"{_R}ref")]
    while todo:
        name = todo.pop()
        if name in seen or name not in defines:
            continue
        seen.add(name)
        todo.extend(r.get("name", "") for r in defines[name].iter(f"{_R}ref"))
    for name, define in defines.items():
        if name not in seen:
            root.remove(define)
    _normalise(root)
    return etree.tostring(root)


_SPLICE_INTO = {f"{_R}element", f"{_R}define", f"{_R}group"}


def _normalise(root: etree._Element) -> None:
    """Splice groups into their sequence parents, unwrap one-branch choices, drop
    redundant ``empty`` (see :func:`simplify` for the libxml2 defect this avoids)."""
    changed = True
    while changed:
        changed = False
        for node in list(root.iter(f"{_R}group", f"{_R}choice", f"{_R}empty")):
            parent = node.getparent()
            if parent is None:
                continue
            kids = _kids(node)
            if node.tag == f"{_R}group" and parent.tag in _SPLICE_INTO:
                at = parent.index(node)
                parent.remove(node)
                for k in reversed(kids):
                    parent.insert(at, k)
                changed = True
            elif (node.tag == f"{_R}choice" and len(kids) == 1
                  and kids[0].tag not in _NAME_CLASSES and parent.tag != f"{_R}start"):
                parent.replace(node, kids[0])
                changed = True
            elif node.tag == f"{_R}empty" and parent.tag in _SPLICE_INTO:
                if len(_content(parent)) > 1:
                    parent.remove(node)
                    changed = True


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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grammar-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(marshal.dumps(_to_plain(grammar)))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home folder only costs speed
    return grammar


def _to_plain(g: Grammar) -> dict[str, object]:
    return {
        "v": CACHE_VERSION, "sha256": g.sha256, "reducible": g.reducible, "header": g.header,
        "prefix": g.prefix, "start": g.start, "start_refs": g.start_refs,
        "defines": {k: (d.attrs, d.body, d.refs, d.element) for k, d in
                    (g.defines or {}).items()},
        "elements": g.elements or {},
    }


def _from_plain(raw: dict[str, object]) -> Grammar:
    if raw["v"] != CACHE_VERSION:
        raise ValueError("old cache")
    defines = {k: Define(*v) for k, v in raw["defines"].items()}  # type: ignore[union-attr]
    return Grammar(sha256=raw["sha256"], reducible=raw["reducible"],  # type: ignore[arg-type]
                   header=raw["header"], prefix=raw["prefix"],  # type: ignore[arg-type]
                   start=raw["start"], start_refs=tuple(raw["start_refs"]),  # type: ignore
                   defines=defines, elements=raw["elements"])  # type: ignore[arg-type]


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
        defines[name] = Define(attrs + decls, body, refs, element)
    start = starts[0]
    decls, body = _inner(start, root.nsmap)
    start_xml = f"<{prefix}start{decls}>{body}</{prefix}start>"
    start_refs = tuple(sorted({r.get("name", "") for r in start.iter(f"{_R}ref")}))
    return Grammar(sha256, True, header, prefix, start_xml, start_refs, defines,
                   {k: tuple(v) for k, v in elements.items()})


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
