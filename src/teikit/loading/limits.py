"""The loader's limits: how deep, how large, how wide, how many includes.

Why one place: every limit bounds the time or memory a stranger's file can cost, and the
ones Saxon's parser is given too (:mod:`teikit.saxon`) must be the same numbers, so a
document one parser accepts is never refused by the other.
"""

from __future__ import annotations

import os
import re

from lxml import etree

from teikit import saxon
from teikit.diagnostics import LoadError, error

#: Nesting deeper than this is refused: libxml2's limit without XML_PARSE_HUGE.
MAX_DEPTH = saxon.MAX_DEPTH
#: Files larger than this (bytes) are refused before parsing (override: TEIKIT_MAX_BYTES).
MAX_BYTES = 512 * 1024 * 1024
#: XInclude chains longer than this are refused (they are almost always cycles).
MAX_INCLUDE_DEPTH = 32
#: At most this many xi:include elements are resolved for one document, so that a few
#: small files including each other many times over cannot multiply without bound.
MAX_INCLUDES = 10_000

#: The limits Saxon's parser is given too (one parser's limits, see :mod:`teikit.saxon`).
MAX_ATTRIBUTES = saxon.MAX_ATTRIBUTES
MAX_NAME_LENGTH = saxon.MAX_NAME_LENGTH
#: A tag long enough to hold :data:`MAX_ATTRIBUTES` attributes (see :func:`check_width`).
_WIDE = re.compile(b"<[^<]{%d}" % (4 * MAX_ATTRIBUTES))


def max_bytes() -> int:
    """The size limit now: ``TEIKIT_MAX_BYTES`` when it is a positive integer, else
    :data:`MAX_BYTES`. Read per call so a caller (or a test) can change it at run time,
    and never fatal: a malformed value must not turn every run into a traceback."""
    raw = os.environ.get("TEIKIT_MAX_BYTES", "").strip()
    try:
        value = int(raw)
    except ValueError:
        return MAX_BYTES
    return value if value > 0 else MAX_BYTES


def check_width(tree: etree._ElementTree, file: str, data: bytes | None = None) -> None:
    """Refuse an element with more than :data:`MAX_ATTRIBUTES` attributes and namespace
    declarations: it would cost every engine time, and Saxon's parser counts both.

    A tree parsed from ``data`` cannot hold one when no ``<`` in it is followed by
    4 × the limit bytes without another, nor does an internal DTD subset default
    attributes (``<!ATTLIST``): every attribute and declaration takes at least 4
    bytes of its tag, `` a=""``, and a tag holds no ``<``. Then the elements are not
    walked (the walk was most of loading a file: 0.06 s of 0.09 on a 143,000-element
    dictionary; the search for such a run of bytes takes 5 ms).
    """
    if data is not None and b"<!ATTLIST" not in data and not _WIDE.search(data):
        return
    for el in tree.iter():
        if not isinstance(el.tag, str) or len(el.attrib) + len(el.nsmap) <= MAX_ATTRIBUTES:
            continue
        parent = el.getparent()
        inherited = parent.nsmap if parent is not None else {}
        declared = sum(1 for p, u in el.nsmap.items() if inherited.get(p) != u)
        if len(el.attrib) + declared > MAX_ATTRIBUTES:
            raise LoadError(
                error(
                    "load:too-wide",
                    f"This element has {len(el.attrib)} attributes and "
                    f"{declared} namespace declarations, more than teikit's limit of "
                    f"{MAX_ATTRIBUTES}; split the data over several elements.",
                    file=file,
                    line=el.sourceline or 1,
                    column=1,
                )
            )
