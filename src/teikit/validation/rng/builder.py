"""A RelaxNG schema's XML converted into patterns (:mod:`.patterns`) as a walk needs them.

Why lazily: an element's content is converted only when a document first enters such
an element; tei_all has some 590 elements and a document uses a few dozen.

One grammar is read, with the files it includes inside the schema's folder tree
(RelaxNG 4.7: an include's own defines and start replace the included ones, ``combine``
joins same-named ones); ``externalRef``, ``parentRef`` and nested grammars are refused
with :class:`~.patterns.SchemaError`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree

from teikit.namespaces import RELAXNG
from teikit.validation.rng import nodes
from teikit.validation.rng.patterns import (
    XML_NS,
    Datatype,
    Kind,
    NameClass,
    Pattern,
    Patterns,
    SchemaError,
)

_R = f"{{{RELAXNG}}}"

#: Most files one schema may read through ``include`` and ``externalRef`` (a loop of
#: includes ends here).
MAX_INCLUDES = 100


class Builder(Patterns):
    """Makes every pattern of one schema, each structure once, and converts the
    schema's XML into patterns as the validator reaches them."""

    def __init__(self, data: bytes, base_url: str = "") -> None:
        super().__init__()
        root = etree.fromstring(data, nodes.parser(), base_url=base_url)
        if root.tag != f"{_R}grammar":
            raise SchemaError("the schema's root is not <grammar>")
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
        for child in nodes.top_level(parent):
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
        self._files += 1
        root = local_file(include, self._folder, self._files)
        if root.tag != f"{_R}grammar":
            raise SchemaError(f"{include.get('href', '').strip()!r} is not a <grammar>")
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


def local_file(ref: etree._Element, folder: Path | None, count: int) -> etree._Element:
    """The root of the file an ``include`` or ``externalRef`` ``ref`` names, the
    ``count``-th this schema reads: a remote file, one outside ``folder`` (the schema's
    folder tree) or one past :data:`MAX_INCLUDES` is a :class:`SchemaError`."""
    href = ref.get("href", "").strip()
    base = Path(ref.base).parent if ref.base else folder
    target = ((base or Path(".")) / href).resolve()
    outside = folder is not None and not target.is_relative_to(folder)
    if "://" in href or count > MAX_INCLUDES or outside:
        raise SchemaError(f"{href!r} is remote, outside the schema's folder or one too many")
    try:
        return etree.parse(str(target), nodes.parser()).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaError(f"{href!r} cannot be read: {exc}") from None


def _inherited(node: etree._Element, key: str) -> str:
    value = nodes.inherited(node, key) or ""
    return value.strip() if key == "datatypeLibrary" else value


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
