"""Reading XML that a stranger wrote, safely.

TEI files arrive from collaborators, corpora and pull requests, and validation runs in
CI with the repository's secrets nearby, so the parser is locked down:

* no network, no DTD loading, no entity expansion; a document that declares entities
  or names an external DTD is refused (``load:entity-declared``, ``load:dtd-external``);
  :mod:`~teikit.loading.doctype` decides;
* libxml2's own depth limit and a size limit bound time and memory
  (:mod:`~teikit.loading.limits`);
* XInclude is resolved here, by teikit and not by libxml2, so that every included file
  is read with this same parser and must lie inside the including document's folder
  tree (:mod:`~teikit.loading.xinclude`).

The parse itself is :mod:`~teikit.loading.parsing`; what a run may read and did read is
:mod:`~teikit.loading.scope`. Anything wrong becomes a
:class:`~teikit.diagnostics.LoadError` holding one located
:class:`~teikit.diagnostics.Diagnostic`; a traceback never reaches the user.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from teikit.diagnostics import Diagnostic
from teikit.loading.limits import max_bytes
from teikit.loading.parsing import TEI_NS, base_url, parse_bytes, read_file
from teikit.loading.scope import (
    dependencies,
    dependency_path,
    inside_project,
    note_dependency,
    set_project_roots,
)
from teikit.loading.xinclude import resolve_includes
from teikit.locations import record_files

__all__ = [
    "TEI_NS",
    "dependencies",
    "dependency_path",
    "inside_project",
    "max_bytes",
    "note_dependency",
    "parse_bytes",
    "parse_file",
    "read_file",
    "set_project_roots",
]


def parse_file(
    path: str | os.PathLike[str],
    *,
    xinclude: bool = True,
    require_tei: bool = True,
    notes: list[Diagnostic] | None = None,
    data: bytes | None = None,
) -> etree._ElementTree:
    """Read and parse a file, resolving XIncludes inside its folder tree; warnings (of
    the file and of what it includes) are appended to ``notes``. ``data``: the file's
    bytes, when the caller has read them already (with :func:`read_file`)."""
    p = path if isinstance(path, Path) else Path(path)
    if notes is None:
        notes = []
    if data is None:
        data = read_file(p)
    tree = parse_bytes(data, str(p), require_tei=require_tei, notes=notes)
    read = [p]
    if xinclude:
        read.extend(resolve_includes(tree, p, notes))
    record_files(base_url(str(p)), read)
    return tree
