"""What a document uses, as the RelaxNG engine's choices need it: its element names
and (element, attribute) pairs, which decide whether a reduced grammar covers it, and
its size, which prices a walk or a check.

Why apart from the engine: these are plain reads of the document, shared by the
engine's bets (:mod:`.relaxng`), and the engine's module is long enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lxml import etree

if TYPE_CHECKING:
    from teikit.document import Document

#: (element, attribute) names, Clark, a document uses or a grammar keeps.
Pairs = frozenset[tuple[str, str]]
#: Files above this size have their names gathered before libxml2 checks them (0.05 s
#: for 2.5 MB, as long as the check) when a grammar might lack some (see
#: :meth:`.relaxng.RelaxNG._names_first`).
LARGE_BYTES = 256 * 1024


def names(root: etree._Element) -> tuple[frozenset[str], Pairs]:
    """The element names (Clark) used in a document, and each attribute name with the
    element it is on: grammars keep on each element only its own attributes
    (:mod:`.contexts`).

    One pass over lxml's element iterator, an element's attribute names from
    ``keys()`` (no proxy per attribute): half the time of a pass for the names and an
    XPath for the attributes (50 µs on a small file, 59 ms on a 143,000-element
    dictionary).
    """
    tags: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for el in root.iter(etree.Element):
        tag = cast(str, el.tag)  # an element's tag (comments and PIs are not iterated)
        tags.add(tag)
        for name in el.keys():
            pairs.add((tag, name))
    return frozenset(tags), frozenset(pairs)


def attributes(pairs: Pairs) -> frozenset[str]:
    """The attribute names of ``pairs``, whatever element they are on."""
    return frozenset(name for _, name in pairs)


def large(doc: Document) -> bool:
    """Whether ``doc`` is a file over :data:`LARGE_BYTES`."""
    path = doc.path
    return path is not None and path.is_file() and path.stat().st_size > LARGE_BYTES


def size(root: etree._Element) -> int:
    """How many elements the document has, counted by libxml2."""
    found = root.xpath("count(//*)")
    return int(found) if isinstance(found, float) else 0


def namespace(clark: str) -> str:
    """The namespace of a Clark name (empty for none)."""
    return clark[1:].partition("}")[0] if clark.startswith("{") else ""
