"""A loaded TEI document: the tree, where it came from, and what can be done with it.

:class:`Document` is the one obvious entry point for library users: load once, then
validate and transform the same parsed tree without reading the file again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from teikit.diagnostics import Diagnostic, Report
from teikit.loading import parse_file
from teikit.namespaces import XPATH_PREFIXES

if TYPE_CHECKING:
    from teikit.transform import Result


class Document:
    """A parsed TEI document with XIncludes resolved.

    ``path`` is the file it was read from (``None`` for documents built in memory);
    ``tree`` is the lxml tree, which callers may read but should not change while a
    validation or transformation of it is running.
    """

    def __init__(
        self, tree: etree._ElementTree, path: Path | None = None, notes: tuple[Diagnostic, ...] = ()
    ) -> None:
        self.tree = tree
        self.path = path
        #: what the loader ignored and says so (a DOCTYPE naming a DTD): reported with
        #: every validation of this document, so the warning is never lost
        self.notes = notes

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    @property
    def name(self) -> str:
        """The file's stem: the base name of every output made from it."""
        return self.path.stem if self.path else "document"

    def xpath(self, expr: str, **variables: Any) -> Any:
        """Evaluate XPath 1.0 with the ``tei`` and ``xml`` prefixes bound."""
        return self.tree.xpath(expr, namespaces=XPATH_PREFIXES, **variables)

    def validate(self, schemas: list[str] | None = None) -> Report:
        """Validate against ``schemas`` (names or paths); by default the schemas named by
        the document's ``xml-model`` processing instructions, else tei_all and the
        reference checks."""
        from teikit.validation import validate_document

        return validate_document(self, schemas)

    # The facade methods import the output layer when called: it sits above this module
    # (it imports Document), and a plain `teikit.load(...).validate()` never pays for it.
    # This is the one documented exception to "a module imports only from below".

    def to_html(self, params: dict[str, str] | None = None) -> Result[str]:
        """The document as one standalone HTML5 page (``.output``) with the stylesheet's
        messages (``.diagnostics``); ``str()`` of the result is the page."""
        from teikit.transform import transform

        return transform(self, "html", params=params)

    def to_text(self, width: int = 0, page_markers: bool = False) -> Result[str]:
        """The reading text (corrections applied), ``width`` > 0 wraps lines; with the
        stylesheet's messages, like :meth:`to_html`."""
        from teikit.transform import transform

        params = {"width": str(width), "page-markers": "true" if page_markers else "false"}
        return transform(self, "text", params=params)

    def to_epub(self, out: str | os.PathLike[str]) -> Result[Path]:
        """Write the document as an EPUB 3 file at ``out`` (atomically); ``.output`` is
        its path, ``.diagnostics`` the stylesheet's messages."""
        from teikit.epub import write_epub

        return write_epub(self, Path(out))

    def __repr__(self) -> str:
        return f"<teikit.Document {self.path or '(in memory)'}>"


def load(
    path: str | os.PathLike[str], *, xinclude: bool = True, data: bytes | None = None
) -> Document:
    """Read a TEI file safely (see :mod:`teikit.loading`); ``data``: its bytes, when the
    caller has read them already (with :func:`teikit.loading.read_file`).

    Raises :class:`~teikit.diagnostics.LoadError`, carrying a located diagnostic, when
    the file is missing, malformed, hostile or not TEI.
    """
    p = path if isinstance(path, Path) else Path(path)  # a batch passes Paths: no copy
    notes: list[Diagnostic] = []
    tree = parse_file(p, xinclude=xinclude, notes=notes, data=data)
    return Document(tree, p, tuple(notes))
