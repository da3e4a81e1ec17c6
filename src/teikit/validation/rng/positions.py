"""Where each element's start and end tags end in the source: line and column.

Why: lxml (libxml2) keeps one line per element and no column, and no position at all
for end tags; an editor needs both to jump to an error. One expat pass over the raw
bytes (C speed, linear) gives the byte offset of every tag in document order, the same
order as lxml's elements; a tag's end is found by scanning to its ``>`` outside quoted
attribute values. Positions follow jing's convention: the line and column just after
the tag's ``>``, 1-based, so that a diagnostic points where jing's does.

Only run for invalid documents, and as cheaply as it can be: a file without a DOCTYPE
in an ASCII-compatible encoding (nearly every TEI file) has its start tags found by a
regular expression once comments, CDATA sections and processing instructions are blanked
(no Python call per tag: a third of expat's time on a 143,000-element dictionary), and
an end tag is looked for only when a diagnostic stands at it. Other files are read by
expat. When XInclude made the tree of several files, each file is read by expat and its
elements paired with the tree's by name and line, in document order (:class:`Sources`),
so an included element is placed in its own file as jing places it when run on that
file.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from xml.parsers import expat

from lxml import etree

from teikit.diagnostics import Diagnostic
from teikit.locations import element_at, file_of
from teikit.namespaces import XML_BASE

#: What may hold a ``<`` that opens no tag (comments, CDATA sections, processing
#: instructions): blanked, keeping every offset, before tags are looked for.
_OPAQUE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
#: The ``<`` of a start tag, in blanked bytes.
_START = re.compile(rb"<[^!?/]")
#: A tag up to its closing ``>``: any byte but ``>`` and quotes, or a quoted value
#: (possessive: a tag whose quote never closes fails at once, not by backtracking).
_TAG = re.compile(rb"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")


class Positions:
    """Start- and end-tag positions of one file's elements, by element.

    ``ends`` and ``tags`` come from expat; without them (the regular-expression scan,
    :func:`_scan`) an end tag is found when asked for, in ``blank`` (``data`` with
    comments, CDATA and processing instructions blanked).
    """

    def __init__(
        self,
        data: bytes,
        starts: list[int],
        ends: list[int] | None,
        tags: list[str],
        blank: bytes = b"",
    ) -> None:
        self._data = data
        self._starts = starts
        self._ends = ends
        self._tags = tags
        self._blank = blank
        #: an offset and its line, from which the next line is counted (diagnostics
        #: come in document order: each count is short)
        self._mark = (0, 1)
        #: the tree whose elements these are, paired when first asked about (:meth:`bind`)
        self._root: etree._Element | None = None
        self._paired: dict[etree._Element, int] | None = {}
        #: the last tag's start and end, and the last position asked for: one element's
        #: many findings (10^4 unknown attributes) are placed once, not each by scanning
        #: its whole start tag and line again (that was quadratic in the tag's length)
        self._last_tag = (-1, 0)
        self._last_at = (-1, (0, 0))

    @property
    def _index(self) -> dict[etree._Element, int]:
        """Each element's index in document order (see :meth:`bind`)."""
        if self._paired is None:
            root = self._root
            self._paired = (
                {} if root is None else dict(zip(root.iter(etree.Element), itertools.count()))
            )
        return self._paired

    def of(self, el: etree._Element) -> Positions | None:
        """These positions when ``el`` is one of this file's elements (the question
        :class:`Sources` answers for a tree of several files)."""
        return self if el in self._index else None

    def pair(self, elements: list[etree._Element]) -> list[etree._Element]:
        """Pair ``elements`` (this file's, in document order, some of its elements
        perhaps left out: an ``xi:include`` replaced, an ``xpointer`` part) with the
        file's tags of the same name that end on the element's line (libxml2's line
        of an element is that of its start tag's ``>``). Returns those paired."""
        paired = []
        j, n = 0, len(self._starts)
        for el in elements:
            k = j
            while k < n and not (
                self._tags[k] == el.tag
                and self._line_of(self._tag_end(self._starts[k]) - 1) == el.sourceline
            ):
                k += 1
            if k < n:
                self._index[el] = k
                paired.append(el)
                j = k + 1
        return paired

    def _line_of(self, offset: int) -> int:
        """The 1-based line of ``offset``, counted from the last one asked for."""
        at, line = self._mark
        if offset < at:
            line -= self._data.count(b"\n", offset, at)
        else:
            line += self._data.count(b"\n", at, offset)
        self._mark = (offset, line)
        return line

    def bind(self, root: etree._Element | None, count: int | None = None) -> bool:
        """Pair positions with the elements of the tree of ``root``, in document order
        (``count`` of them, when the caller counted them); False when they do not pair
        up (the tree is not the file's: XInclude, or another source).

        The elements are paired when first asked about. Why: a check that knows its
        findings' document indices asks by index (:meth:`starts_at`), and pairing each
        of a dictionary's 7·10^5 elements was a third of placing its 10^5 findings.
        Without ``root`` (bytes alone, :func:`starts_in`) only :meth:`starts_at` answers."""
        if count is None and root is not None:
            count = _count(root)
        if count != len(self._starts):
            return False
        self._root, self._paired = root, None
        return True

    def start(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) just after the ``>`` of ``el``'s start tag."""
        i = self._index.get(el)
        return None if i is None else self._at(self._tag_end(self._starts[i]))

    def starts(self, elements: list[etree._Element]) -> list[tuple[int, int] | None]:
        """:meth:`start` of each of ``elements``, None for those not of this file: one
        call for all of a check's findings (10^5 dangling pointers)."""
        index, starts, tag_end, at = self._index, self._starts, self._tag_end, self._at
        return [None if (i := index.get(el)) is None else at(tag_end(starts[i])) for el in elements]

    def starts_at(self, indices: list[int]) -> list[tuple[int, int]]:
        """:meth:`start` of the elements at these indices in document order."""
        starts, tag_end, at = self._starts, self._tag_end, self._at
        return [at(tag_end(starts[i])) for i in indices]

    def before_start(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) of the ``<`` of ``el``'s start tag: where jing places text
        that is not allowed before it."""
        i = self._index.get(el)
        return None if i is None else self._at(self._starts[i])

    def text_before(self, el: etree._Element, at: str) -> tuple[int, int] | None:
        """Where jing places text that is not allowed before ``el``'s start tag
        (``at`` "before-start") or end tag ("before-end").

        jing reports such text when its parser (Xerces) delivers it: at the first
        markup after the text (a comment or processing instruction in between counts),
        having read ``<`` of a start tag, comment or PI, or ``</`` of an end tag; but
        at the ``<`` itself when a line break follows the text's first line.
        """
        i = self._index.get(el)
        if i is None:
            return None
        mark = self._starts[i]
        if at != "before-start":
            start = self._tag_end(mark)
            if self._data[start - 2 : start] == b"/>":
                return self._at(start)
            mark = self._end_tag(i, el)
        data = self._data
        while True:
            prev = data.rfind(b">", 0, mark)
            run = data[prev + 1 : mark]
            opener = self._opener(prev) if prev > 0 and not run.strip() else -1
            if opener < 0:
                break
            mark = opener
        if b"\n" in run.lstrip(b"\r\n"):
            return self._at(mark)
        return self._at(mark + (2 if data[mark + 1 : mark + 2] == b"/" else 1))

    def _opener(self, close: int) -> int:
        """The ``<`` of the comment or PI whose ``>`` is at ``close``; -1 for a tag."""
        data = self._data
        if data[close - 2 : close + 1] == b"-->":
            return data.rfind(b"<!--", 0, close)
        if data[close - 1 : close + 1] == b"?>":
            return data.rfind(b"<?", 0, close)
        return -1

    def before_end(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) of the ``<`` of ``el``'s end tag."""
        i = self._index.get(el)
        if i is None:
            return None
        start = self._tag_end(self._starts[i])
        return self._at(start if self._data[start - 2 : start] == b"/>" else self._end_tag(i, el))

    def end(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) just after the ``>`` of ``el``'s end tag (for ``<x/>``, of
        the one tag)."""
        i = self._index.get(el)
        if i is None:
            return None
        start = self._tag_end(self._starts[i])
        if self._data[start - 2 : start] == b"/>":
            return self._at(start)
        return self._at(self._tag_end(self._end_tag(i, el)))

    def _end_tag(self, i: int, el: etree._Element) -> int:
        """The offset of the ``<`` of the end tag of ``el``, the ``i``-th element (not
        written ``<x/>``).

        Without expat's list: the end tags after the start tag of the last element
        inside ``el`` close that one (unless written ``<x/>``), then each of its
        ancestors up to ``el``; so ``el``'s is the next end tag but as many.
        """
        if self._ends is not None:
            return self._ends[i]
        last, depth = el, 0
        child = _last_child(el)
        while child is not None:
            last, depth = child, depth + 1
            child = _last_child(child)
        at = self._tag_end(self._starts[self._index[last]])
        found = at
        for _ in range(depth + (self._data[at - 2 : at] != b"/>")):
            found = self._blank.find(b"</", at)
            at = found + 2
        return found

    def _tag_end(self, offset: int) -> int:
        """The offset just after the ``>`` closing the tag that starts at ``offset``
        (a ``>`` inside a quoted value does not close it), or the end of the data.
        A regular expression: the byte-by-byte loop it replaced was a quarter of
        wording an invalid document's errors."""
        if self._last_tag[0] == offset:
            return self._last_tag[1]
        found = _TAG.match(self._data, offset)
        end = found.end() if found is not None else len(self._data)
        self._last_tag = (offset, end)
        return end

    def _at(self, offset: int) -> tuple[int, int]:
        """(line, column) of ``offset``, counted on from the last one asked for when
        that is before it (findings come in document order): a column is the characters
        since the line's start, and on a one-line document (minified TEI) looking back
        to that start for each of 10^5 findings was quadratic."""
        last, (line, column) = self._last_at
        if last == offset:
            return line, column
        data = self._data
        if 0 <= last < offset:
            breaks = data.count(b"\n", last, offset)
            if breaks:
                line += breaks
                last = data.rfind(b"\n", last, offset) + 1
                column = 1
        else:
            line = (
                data.count(b"\n", 0, offset) + 1
                if last < 0
                else (line - data.count(b"\n", offset, last))
            )
            last = data.rfind(b"\n", 0, offset) + 1
            column = 1
        column += len(data[last:offset].decode("utf-8", "replace"))
        self._last_at = (offset, (line, column))
        return line, column


def _last_child(el: etree._Element) -> etree._Element | None:
    return next(el.iterchildren(etree.Element, reversed=True), None)


def _blanked(match: re.Match[bytes]) -> bytes:
    return b" " * (match.end() - match.start())


def _count(root: etree._Element) -> int:
    """The number of elements in the tree of ``root``, counted by libxml2 (no Python
    object for each)."""
    return int(root.xpath("count(descendant-or-self::*)"))


def _scan(data: bytes, root: etree._Element | None, count: int | None = None) -> Positions | None:
    """The start tags of ``data`` found by regular expressions and paired with the
    elements of the tree of ``root`` (see :meth:`Positions.bind`), when that is sure to
    be right: an ASCII-compatible encoding, no DOCTYPE (whose entities could add
    elements or hide markup), as many start tags as elements. Else None: expat reads
    the file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4] or b"<!DOCTYPE" in data:
        return None
    blank = _OPAQUE.sub(_blanked, data)
    found = Positions(data, [m.start() for m in _START.finditer(blank)], None, [], blank)
    return found if found.bind(root, count) else None


def read(data: bytes) -> Positions | None:
    """The tag positions of document ``data``; None when expat cannot read it (an
    encoding it lacks, an entity it cannot expand: lxml's lines remain)."""
    parser = expat.ParserCreate(namespace_separator="}")
    starts: list[int] = []
    ends: list[int] = []
    tags: list[str] = []
    open_tags: list[int] = []

    def start(name: str, attrs: object) -> None:
        open_tags.append(len(starts))
        starts.append(parser.CurrentByteIndex)
        ends.append(-1)
        tags.append("{" + name if "}" in name else name)

    def end(name: str) -> None:
        ends[open_tags.pop()] = parser.CurrentByteIndex

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.UseForeignDTD(False)
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return None
    return Positions(data, starts, ends, tags)


def starts_in(data: bytes, question: tuple[int, list[int]]) -> list[tuple[int, int]] | None:
    """:meth:`Positions.starts_at` answered from a file's bytes alone: ``question`` is
    the number of elements of the tree parsed from ``data`` (to be sure its tags are
    those elements) and the indices asked about. None when they are not.

    Why from bytes: a forked child that holds the document's bytes answers it while the
    process that asked goes on (:mod:`teikit.validation.beside`)."""
    count, indices = question
    found = _scan(data, None, count)
    if found is None:
        found = read(data)
        if found is None or not found.bind(None, count):
            return None
    return found.starts_at(indices)


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class Sources:
    """Positions in a tree that XInclude made of several files: for each element, those
    of the file it was read from."""

    def __init__(self) -> None:
        self._of: dict[etree._Element, Positions] = {}

    def add(self, positions: Positions, elements: list[etree._Element]) -> None:
        for el in positions.pair(elements):
            self._of[el] = positions

    def of(self, el: etree._Element) -> Positions | None:
        """The positions of the file ``el`` was read from, if known."""
        return self._of.get(el)

    def starts(self, elements: list[etree._Element]) -> list[tuple[int, int] | None]:
        """:meth:`Positions.start` of each of ``elements``, in its own file."""
        return [None if (own := self._of.get(el)) is None else own.start(el) for el in elements]


def of_file(
    path: Path | None, root: etree._Element, count: int | None = None
) -> Positions | Sources | None:
    """Positions for the document at ``path`` whose tree is ``root`` (of ``count``
    elements, when the caller counted them), or None.

    The last document's are kept: its RelaxNG findings, its reference findings and the
    other engines' (:func:`placed`) ask for them in turn, and reading them is a pass over
    the file's bytes."""
    global _last_of
    if _last_of[0] is root and _last_of[1] == path:
        return _last_of[2]
    found = _of_file(path, root, count)
    _last_of = (root, path, found)
    return found


#: The root, path and positions :func:`of_file` answered last.
_last_of: tuple[etree._Element | None, Path | None, Positions | Sources | None] = (
    None,
    None,
    None,
)


def _of_file(
    path: Path | None, root: etree._Element, count: int | None
) -> Positions | Sources | None:
    data = None if path is None else _bytes(path)
    if path is None or data is None:
        return None
    if count is None:
        count = _count(root)
    found = _scan(data, root, count)
    if found is not None:
        return found
    found = read(data)
    if found is None or found.bind(root, count):
        return found
    return _included(path, root)


def _included(path: Path, root: etree._Element) -> Sources:
    """Positions for a tree XInclude made: each part (the document, and each included
    element, which carries ``xml:base``) paired with the file it was read from."""
    sources = Sources()
    files: dict[str, Positions | None] = {}
    for top, elements in _parts(root).items():
        name = file_of(top, str(path))
        if name not in files:
            data = _bytes((path.parent / name).resolve())
            files[name] = None if data is None else read(data)
        found = files[name]
        if found is not None:
            sources.add(found, elements)
    return sources


def _parts(root: etree._Element) -> dict[etree._Element, list[etree._Element]]:
    """The elements of each part of the tree, in document order, by the part's top
    (the root, or an element with ``xml:base``)."""
    parts: dict[etree._Element, list[etree._Element]] = {}
    stack: list[tuple[etree._Element, etree._Element]] = [(root, root)]
    while stack:
        el, top = stack.pop()
        if el is not root and el.get(XML_BASE) is not None:
            top = el
        parts.setdefault(top, []).append(el)
        stack.extend((child, top) for child in reversed(el) if isinstance(child.tag, str))
    return parts


def placed(path: Path | None, root: etree._Element, found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` with a column on every element-level finding that has none.

    Schematron, XML Schema and the reference check locate a finding by its element, and
    lxml gives them its line only; an editor jumping to the finding wants the column
    too, and the same place RelaxNG findings get: just after the ``>`` of the element's
    start tag. The positions are read only when some finding needs them (once per
    document), and a finding whose element cannot be found keeps what it had.
    """
    todo = [i for i, d in enumerate(found) if d.line and not d.column and d.xpath]
    where = of_file(path, root) if todo else None
    if where is None:
        return found
    out = list(found)
    for i in todo:
        el = element_at(root, found[i].xpath)
        own = where.of(el) if el is not None else None
        spot = own.start(el) if own is not None and el is not None else None
        if spot is not None:
            out[i] = found[i]._replace(line=spot[0], column=spot[1])
    return out
