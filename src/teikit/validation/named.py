"""Schemas named for a whole run, resolved once per process and re-checked per document.

Why: a run that names its schemas (``--schema tei_all``, or none: the defaults) resolves
the same names for each of its files, and resolving them (classify the name, find it in
the store, read the project lock, look the compiled engines up by their resolved paths)
cost more Python per small file than parsing it. Names decide the plan without the
document (its ``xml-model`` PIs are resolved per document elsewhere), so one plan serves
every document while nothing it was made from has changed.

What decides it: the names and the run's settings; the working folder (relative schema
paths, how schemas are named in reports); the store's folder and the size limit (both
read from the environment); and the files read or looked for while resolving (the
store's index, the project lock) and the schemas' own files. Those files are checked
by their status (``stat``: modification time, size, inode, device) on every use, so an
edited, replaced or deleted schema or lock is resolved again, as before the memo.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.loading import dependencies, max_bytes
from teikit.loading.scope import note_resolved
from teikit.validation.store import store_dir

if TYPE_CHECKING:
    from teikit.validation.schemas import Plan, Settings

#: A file's status as far as the memo cares (None: it does not exist or cannot be read).
Status = tuple[int, int, int, int] | None


@dataclass(frozen=True)
class _Resolved:
    plan: Plan
    #: every file that decided the plan, resolved, with its status when it was made
    files: tuple[tuple[Path, Status], ...]


_MEMO: dict[tuple[object, ...], _Resolved] = {}
#: Different runs of one process (a library user's loop, the test suite) name few sets.
_MOST = 64


def _status(path: Path) -> Status:
    """What tells that ``path`` changed: a new write, size, or another file in its place."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino, found.st_dev


def once(names: tuple[str, ...], settings: Settings, build: Callable[[], Plan]) -> Plan:
    """The plan for ``names`` under ``settings``: ``build()`` the first time, then the
    same engines while the files it depended on keep their status.

    The dependencies noted while building are noted again on each use, so the result
    cache (:func:`teikit.loading.dependencies`) still learns, per document, every file
    that decided its result. A build that raises is not remembered: it raises again for
    the next document, as it did before the memo.
    """
    key = (names, settings, os.getcwd(), store_dir(), max_bytes())
    found = _MEMO.get(key)
    if found is None or any(_status(path) != seen for path, seen in found.files):
        with dependencies() as noted:
            plan = build()
        for engine in plan.engines:
            source = getattr(engine, "path", None) or getattr(engine, "source", None)
            if source:
                noted.add(Path(source).resolve())
        found = _Resolved(plan, tuple((path, _status(path)) for path in sorted(noted)))
        if len(_MEMO) >= _MOST:
            _MEMO.clear()
        _MEMO[key] = found
    note_resolved(path for path, _ in found.files)
    plan = found.plan
    return replace(
        plan, engines=list(plan.engines), notices=list(plan.notices), schemas=list(plan.schemas)
    )
