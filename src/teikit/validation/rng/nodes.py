"""A RelaxNG schema's patterns as named, immutable nodes, read from and written to XML.

Why a node type of our own: the grammar index is kept on disk (marshal: reading it
cannot run code) and rewritten for every set of names a corpus uses; lxml elements can
be neither marshalled nor hashed by value. A :class:`Node` has named fields; its
*plain* form (nested tuples) is what the disk cache holds. XML is written with lxml,
never by pasting strings, so names and values are escaped by construction.
"""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from teikit.namespaces import RELAXNG, XML

_R = f"{{{RELAXNG}}}"
#: Patterns whose text RelaxNG reads (elsewhere text is only whitespace).
_TEXT_MATTERS = {"value", "param", "name"}

#: A node as nested tuples, in :class:`Node`'s field order (the disk cache's form).
Plain = tuple[
    str,
    tuple[tuple[str, str], ...],
    tuple[tuple[str | None, str], ...],
    str,
    tuple["Plain", ...],
    str,
]


class Node(NamedTuple):
    """One RelaxNG pattern element.

    ``kind`` is its local name (``element``, ``ref``, ``choice``…); ``attrs`` its own
    attributes (foreign ones, i.e. annotations, dropped); ``namespaces`` the namespace
    declarations it adds to its parent's (a ``name`` or QName value may use them);
    ``text`` its text where RelaxNG reads it; ``kids`` its child patterns; ``name`` the
    ``name`` of a ``ref`` or ``element``, and for an ``attribute`` the Clark name it
    matches.
    """

    kind: str
    attrs: tuple[tuple[str, str], ...] = ()
    namespaces: tuple[tuple[str | None, str], ...] = ()
    text: str = ""
    kids: tuple[Node, ...] = ()
    name: str = ""

    def with_kids(self, kids: tuple[Node, ...]) -> Node:
        """This node with other children (``_replace`` costs a dict per call; the
        simplification makes thousands)."""
        return _new(Node, (self.kind, self.attrs, self.namespaces, self.text, kids, self.name))

    @property
    def content(self) -> tuple[Node, ...]:
        """The child patterns: an element or attribute without ``name=`` starts with its
        name class, which is not a pattern."""
        if self.kind in ("element", "attribute") and not self.name:
            return self.kids[1:]
        return self.kids

    @property
    def lead(self) -> tuple[Node, ...]:
        """The name class child that :attr:`content` leaves out, if any."""
        if self.kind in ("element", "attribute") and not self.name:
            return self.kids[:1]
        return ()


EMPTY = Node("empty")


def plain(node: Node) -> Plain:
    """``node`` as nested tuples (marshal-able)."""
    return (
        node.kind,
        node.attrs,
        node.namespaces,
        node.text,
        tuple(plain(k) for k in node.kids),
        node.name,
    )


def from_plain(raw: Plain) -> Node:
    """The node a :func:`plain` tuple stands for (built without the keyword handling
    of ``Node(...)``: a process converts some 20,000 of them before its first compile)."""
    kids = raw[4]
    return _new(
        Node, (raw[0], raw[1], raw[2], raw[3], tuple(map(from_plain, kids)) if kids else (), raw[5])
    )


_new = tuple.__new__


def read(el: etree._Element, outer: dict[str | None, str]) -> Node:
    """``el`` (a RelaxNG element whose parent declares ``outer``) as a node."""
    kind = etree.QName(el).localname
    attrs = tuple((str(k), str(v)) for k, v in el.attrib.items() if "}" not in str(k))
    added = tuple((p, u) for p, u in el.nsmap.items() if outer.get(p) != u)
    text = el.text or "" if kind in _TEXT_MATTERS else ""
    kids = tuple(read(k, el.nsmap) for k in el if isinstance(k.tag, str))
    name = el.get("name", "") if kind in ("ref", "element") else ""
    if kind == "attribute" and el.get("name"):
        name = attribute_clark(el)
    return Node(kind, attrs, added, text, kids, name)


def attribute_clark(el: etree._Element) -> str:
    """The Clark name an ``<attribute name="…">`` matches: a prefix is looked up, an
    unprefixed name is in the ``ns`` given on the pattern itself, else in no namespace
    (RelaxNG 4.8: attributes do not inherit ``ns``)."""
    raw = el.get("name", "").strip()
    if ":" in raw:
        prefix, local = raw.split(":", 1)
        ns = el.nsmap.get(prefix) or (XML if prefix == "xml" else "")
    else:
        local, ns = raw, el.get("ns", "")
    return f"{{{ns}}}{local}" if ns else local


def write(node: Node, parent: etree._Element) -> None:
    """Append ``node`` as XML to ``parent``."""
    tag = _TAGS.get(node.kind) or _TAGS.setdefault(node.kind, f"{_R}{node.kind}")
    if node.namespaces:
        el = etree.SubElement(parent, tag, dict(node.attrs), dict(node.namespaces))
    elif node.attrs:
        el = etree.SubElement(parent, tag, dict(node.attrs))
    else:  # most nodes: the cheapest call lxml has
        el = etree.SubElement(parent, tag)
    if node.text:
        el.text = node.text
    for kid in node.kids:
        write(kid, el)


_TAGS: dict[str, str] = {}


def _nsmap(pairs: tuple[tuple[str | None, str], ...]) -> dict[str | None, str] | None:
    return dict(pairs) if pairs else None


def element(
    tag: str,
    attrs: tuple[tuple[str, str], ...] = (),
    namespaces: tuple[tuple[str | None, str], ...] = (),
    parent: etree._Element | None = None,
) -> etree._Element:
    """A RelaxNG element ``tag`` (local name), under ``parent`` when given."""
    if parent is None:
        made: etree._Element = etree.Element(
            f"{_R}{tag}", attrib=dict(attrs), nsmap=_nsmap(namespaces)
        )
        return made
    child: etree._Element = etree.SubElement(
        parent, f"{_R}{tag}", attrib=dict(attrs), nsmap=_nsmap(namespaces)
    )
    return child


def parser() -> etree.XMLParser:
    """The parser every schema file is read with: no entity expansion, no network, no
    DTD (a schema is data, never a way to reach files or hosts); comments and PIs go."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def top_level(parent: etree._Element) -> list[etree._Element]:
    """The children of a grammar (or include), with ``div`` wrappers opened."""
    out: list[etree._Element] = []
    for child in parent:
        out.extend(top_level(child) if child.tag == f"{_R}div" else [child])
    return out


def inherited(el: etree._Element, key: str) -> str | None:
    """The attribute ``key`` (``ns``, ``datatypeLibrary``) on ``el`` or its nearest
    ancestor that has it; None when none has."""
    node: etree._Element | None = el
    while node is not None:
        value = node.get(key)
        if value is not None:
            return value
        node = node.getparent()
    return None
