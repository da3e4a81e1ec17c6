"""The documents that XInclude a named part, so that a part is judged where it belongs.

pre-commit names only the staged files. When an edition is split into parts that its
documents XInclude (a chapter whose root is a TEI ``div``), a commit that changes only a
chapter names only the chapter: on its own it is not TEI and is skipped, so its change
would pass unseen. For such a run (``--skip-non-tei``, the hook's flag), the project's
documents that XInclude a named part, directly or through another part, join the run;
discovery then validates the part inside them (``load:xinclude-part``), as it does when
a folder holds both.

Only a named file that is XML but not TEI starts a search (a staged TEI document is
judged on its own, as always), so an ordinary commit costs nothing here. The search
walks the project as a folder run would (``include``, ``exclude``, no link out of it)
and parses only files that mention XInclude.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from teikit.diagnostics import Diagnostic
from teikit.loading.scope import links_inside
from teikit.validation.discovery import _walk, is_tei, matches, xincluded


def including(
    named: Sequence[Path],
    area: Sequence[Path],
    *,
    include: Sequence[str],
    exclude: Sequence[str] = (),
    root: Path | None = None,
) -> list[Path]:
    """The files below the ``area`` folders that XInclude one of the ``named`` parts
    (files whose XML root is not TEI), directly or through other parts, in walk order."""
    wanted = {p.resolve() for p in named if p.is_file() and is_tei(p) is False}
    if not wanted:
        return []
    ignored: list[Diagnostic] = []  # links out of the project: never read, never said
    candidates = [
        path
        for folder in area
        if folder.is_dir()
        for path, _ in links_inside(folder, _walk(folder, include), ignored)
        if not any(matches(pattern, path, root) for pattern in exclude)
    ]
    targets = {path: set(xincluded(path)) for path in candidates}
    found: set[Path] = set()
    grew = True
    while grew:  # a part may be XIncluded by a part: up to the documents
        grew = False
        for path, parts in targets.items():
            if path not in found and path.resolve() not in wanted and parts & wanted:
                found.add(path)
                wanted.add(path.resolve())
                grew = True
    return [path for path in candidates if path in found]
