"""Where each element's start and end tags end in the source: line and column.

Why: lxml (libxml2) keeps one line per element and no column, and no position at all
for end tags; an editor needs both to jump to an error. One expat pass over the raw
bytes (C speed, linear) gives the byte offset of every tag in document order, the same
order as lxml's elements; a tag's end is found by scanning to its ``>`` outside quoted
attribute values. Positions follow jing's convention: the line and column just after
the tag's ``>``, 1-based, so that a diagnostic points where jing's does.

Only run for invalid documents, only when the tree is the file's own (no XInclude
changed the element sequence): otherwise the caller keeps lxml's lines.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from xml.parsers import expat

from lxml import etree


class Positions:
    """Start- and end-tag positions of one document's elements, by element."""

    def __init__(self, data: bytes, starts: list[int], ends: list[int]) -> None:
        self._data = data
        self._starts = starts
        self._ends = ends
        self._lines = [m.start() for m in re.finditer(b"\n", data)]
        self._index: dict[etree._Element, int] = {}

    def bind(self, root: etree._Element) -> bool:
        """Pair positions with ``root``'s elements; False when they do not pair up
        (the tree is not the file's: XInclude, or another source)."""
        elements = list(root.iter(etree.Element))
        if len(elements) != len(self._starts):
            return False
        self._index = {el: i for i, el in enumerate(elements)}
        return True

    def start(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) just after the ``>`` of ``el``'s start tag."""
        i = self._index.get(el)
        return None if i is None else self._at(self._tag_end(self._starts[i]))

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
            mark = self._ends[i]
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
        return self._at(start if self._data[start - 2 : start] == b"/>" else self._ends[i])

    def end(self, el: etree._Element) -> tuple[int, int] | None:
        """(line, column) just after the ``>`` of ``el``'s end tag (for ``<x/>``, of
        the one tag)."""
        i = self._index.get(el)
        if i is None:
            return None
        start = self._tag_end(self._starts[i])
        if self._data[start - 2 : start] == b"/>":
            return self._at(start)
        return self._at(self._tag_end(self._ends[i]))

    def _tag_end(self, offset: int) -> int:
        """The offset just after the ``>`` closing the tag that starts at ``offset``."""
        data = self._data
        quote = 0
        i = offset
        while i < len(data):
            byte = data[i]
            if quote:
                if byte == quote:
                    quote = 0
            elif byte in (34, 39):  # " or '
                quote = byte
            elif byte == 62:  # >
                return i + 1
            i += 1
        return i

    def _at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self._lines, offset)
        begin = self._lines[line - 1] + 1 if line else 0
        column = len(self._data[begin:offset].decode("utf-8", "replace"))
        return line + 1, column + 1


def read(data: bytes) -> Positions | None:
    """The tag positions of document ``data``; None when expat cannot read it (an
    encoding it lacks, an entity it cannot expand: lxml's lines remain)."""
    parser = expat.ParserCreate()
    starts: list[int] = []
    ends: list[int] = []
    open_tags: list[int] = []

    def start(name: str, attrs: object) -> None:
        open_tags.append(len(starts))
        starts.append(parser.CurrentByteIndex)
        ends.append(-1)

    def end(name: str) -> None:
        ends[open_tags.pop()] = parser.CurrentByteIndex

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.UseForeignDTD(False)
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return None
    return Positions(data, starts, ends)


def of_file(path: Path | None, root: etree._Element) -> Positions | None:
    """Positions for the document at ``path`` whose tree is ``root``, or None."""
    if path is None:
        return None
    try:
        found = read(path.read_bytes())
    except OSError:
        return None
    return found if found is not None and found.bind(root) else None
