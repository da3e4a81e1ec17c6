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
by their status (``stat``: modification time, size, inode, device), so an edited,
replaced or deleted schema or lock is resolved again, as before the memo: on every use,
except for the files of one run of the batch runner (:class:`Batch`), where one check
serves :data:`CHECK_EVERY` documents. Why: the checks (the key's environment reads and a
stat per file) were a tenth of the Python around a small valid file, and a schema
edited while a run is under way is still seen a few dozen documents later.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
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
#: Documents of a :class:`Batch` that one check of a plan's files serves.
CHECK_EVERY = 64

_run: ContextVar[object | None] = ContextVar("teikit_named_run", default=None)


@dataclass
class _Last:
    """The plan checked last, in which run (see :class:`Batch`), and how many of that
    run's documents it has served since."""

    names: tuple[str, ...]
    settings: Settings
    resolved: _Resolved
    run: object | None
    served: int = 0


_last: _Last | None = None


class Batch:
    """Inside, one check of a remembered plan's files serves up to :data:`CHECK_EVERY`
    documents of the run ``run`` (any object that stays the same for the run's files
    and is new for the next run: the batch runner passes its options) naming the same
    schemas under the same settings. A new run checks again at its first document, so
    a schema edited between two runs judges the second; one edited during a run is
    seen a few dozen documents later. A class, not a generator: entered once per
    document, it must cost next to nothing."""

    __slots__ = ("_of", "_token")

    def __init__(self, run: object) -> None:
        self._of = run

    def __enter__(self) -> None:
        self._token = _run.set(self._of)

    def __exit__(self, *_: object) -> None:
        _run.reset(self._token)


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
    global _last
    last, run = _last, _run.get()
    if (
        run is not None
        and last is not None
        and last.run is run
        and last.served < CHECK_EVERY
        and last.names == names
        and (last.settings is settings or last.settings == settings)
    ):
        last.served += 1
        return _served(last.resolved)
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
    _last = _Last(names, settings, found, run)
    return _served(found)


def _served(found: _Resolved) -> Plan:
    """A copy of the remembered plan that a caller may change, its files noted as
    dependencies of the document at hand (for the result cache)."""
    note_resolved(path for path, _ in found.files)
    plan = found.plan
    return type(plan)(list(plan.engines), list(plan.notices), list(plan.schemas), plan.unavailable)
