"""A run's snapshot: what a warm re-run needs, in one verified read.

Why: the result cache finds a file's result by the file's bytes (:mod:`.cache`), so a
re-run over an unchanged corpus of 10^4 files still read and hashed every file, and
opened, verified and decoded an entry for each: most of a re-run that should cost a
tenth of the cold one. A snapshot keeps, for the files of one run, what those reads
found (each file's SHA-256 and what discovery saw in it) with the
:data:`~.cache.Status` the file had when it was read, and the entries of the run's
results, in one file of the cache folder named by the command (working folder, the
paths given, schemas, settings). A re-run looks at each file's status: a file whose
status is the recorded one is taken to hold the recorded bytes; any other is read and
hashed as before. Keys, entries and their dependencies are then checked exactly as
without a snapshot: it saves reads, it decides nothing.

Why a status may stand for the bytes: writing a file sets its status-change time to
the clock's present, and no call sets that time back (``touch -d``, ``cp -p``, ``rsync
-a`` and archives restore only the modification time). A status is recorded only when
both of its times are :data:`SETTLED_NS` older than the run's start (git's rule for a
"racily clean" index entry): a file written within the clock tick in which it was read
is read again next time, never trusted. What this does not cover: a clock set back
by more than that, and file systems that do not keep these times (some network and FUSE
mounts): there, ``--no-cache`` (or ``TEIKIT_NO_CACHE=1``).

Why it is safe to share and to damage: it is written as an entry is (its checksum
first, the whole file moved into place at once), so two runs of one command write the
same kind of snapshot and the last one stays; a snapshot that fails its checksum or its
shape is counted as damaged and ignored: the run reads its files and entries as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.files import write_atomic
from teikit.validation.cache import (
    FORMAT,
    Result,
    ResultCache,
    check_fields,
    common,
    fingerprint,
    seal,
    unseal,
)
from teikit.validation.digests import (
    Status,
    file_digest,
    hashed_count,
    known_digests,
    recall,
    times_of,
)
from teikit.validation.discovery import known_scans, recall_scans

__all__ = ["Snapshot"]

#: How much older than the run's start a file's times must be for its status to be
#: recorded: more than the coarsest clock tick of a common file system (FAT's 2 s).
SETTLED_NS = 3 * 10**9
#: Results plus findings a snapshot holds in memory and on disk; a run with more keeps
#: the rest in the cache's entries only (memory stays flat as the corpus grows).
RESULTS_BUDGET = 250_000

#: Snapshots a cache folder keeps (the most recently written): one per command, and a
#: hook that validates the files it is given makes a new command at every commit.
KEPT = 32

#: The files a result was computed from, each with its SHA-256.
Deps = tuple[tuple[str, str], ...]


class Snapshot:
    """The snapshot of the run ``command`` describes, read (and its memos taught to
    this process) on creation, written again by :meth:`save` when the run learnt
    something it did not hold."""

    def __init__(self, cache: ResultCache, command: Mapping[str, object]) -> None:
        self.cache = cache
        material = json.dumps(
            {"format": FORMAT, "teikit": fingerprint(), "cwd": os.getcwd(), **command},
            sort_keys=True,
            default=str,
        )
        name = hashlib.sha256(material.encode()).hexdigest()
        self.path = cache.root / "runs" / f"{name}.snapshot"
        self.began = time.time_ns()
        self._noted: dict[str, tuple[str, Deps, Report | None]] = {}
        self._room = RESULTS_BUDGET
        self._load()
        self._hashed = hashed_count()

    def _load(self) -> None:
        """Teach this process what the snapshot holds, if it is whole."""
        try:
            raw = self.path.read_bytes()
        except OSError:
            return
        try:
            data = json.loads(unseal(raw))
            # A value of another type than JSON's text where a text belongs can only
            # fail to match (a status, a path) or fails to hash (a list): never trusted.
            files = data["files"]
            digests = {(p, s): d for p, s, d, _, _, _ in files}
            digests.update({(p, s): d for p, s, d in data["digests"]})
            keys = {(p, s): k for p, s, _, _, _, k in files}
            if not all(isinstance(v, str) for v in (*digests.values(), *keys.values())):
                raise TypeError("a digest or a key is not text")
            results = _Tables(data["deps"], data["uses"]).unpack(data["results"])
            made_with = str(data["common"])
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            self.cache.stats.damaged += 1
            return
        recall(digests)
        recall_scans({(p, s): (t, m) for p, s, _, t, m, _ in files})
        self.cache.known.update(results)
        self.cache.keys[made_with] = keys

    def note(self, path: Path, report: Report) -> None:
        """Keep where ``path``'s ``report`` is stored (its key and what it read) for
        :meth:`save`, and the report itself while :data:`RESULTS_BUDGET` lasts: a run
        over a corpus whose findings outgrow it keeps them in the entries (and spooled),
        not in memory."""
        if report.stored is None:  # not cached (a file stopped at its deadline…)
            return
        key, deps = report.stored
        self._room -= 1 + len(report)
        kept = self._room >= 0 and report.spooled is None  # a packed report is large
        self._noted[str(path)] = (key, deps, report if kept else None)

    def save(self, files: Sequence[Path], options: Mapping[str, object]) -> None:
        """Record the run over ``files`` (run with ``options``): each file's status,
        digest, scan and result key where its status has settled, the results noted
        (:meth:`note`) and the digests of the files those read. Nothing is written
        when every result came from this snapshot and no file was read (an unchanged
        corpus); best effort: a cache folder that cannot be written costs the
        speed-up, never the run."""
        if self.cache.stats.snapshot == len(files) and hashed_count() == self._hashed:
            return
        paths = {str(f) for f in files}
        read = {p for _, deps, _ in self._noted.values() for p, _ in deps} - paths
        for dep in read:
            file_digest(dep)  # read by workers: known here only once taken here
        scans = {(p, s): (t, m) for p, s, t, m in known_scans(paths)}
        latest: dict[str, tuple[Status, str]] = {}
        for p, s, d in known_digests(paths | read):
            if p not in latest or times_of(s)[1] > times_of(latest[p][0])[1]:
                latest[p] = (s, d)  # an edited file's new status
        own, other = [], []
        for p, (s, d) in latest.items():
            if not self._settled(s):
                continue
            if (p, s) in scans and p in self._noted:
                own.append([p, s, d, *scans[p, s], self._noted[p][0]])
            elif p in read:
                other.append([p, s, d])
        tables = _Tables([], [])
        results = {key: (deps, r) for key, deps, r in self._noted.values() if r is not None}
        packed = tables.pack(results)
        data = {
            "common": hashlib.sha256(common(options).encode()).hexdigest(),
            "files": own,
            "digests": other,
            "deps": tables.deps,
            "uses": tables.uses,
        }
        body = json.dumps({**data, "results": packed}, sort_keys=True).encode()

        try:
            write_atomic(self.path, seal(body))
        except OSError:
            return
        _prune(self.path.parent)

    def _settled(self, status: Status) -> bool:
        """Whether both times of ``status`` are older than the run by :data:`SETTLED_NS`."""
        return max(times_of(status)) < self.began - SETTLED_NS


#: The fields of :class:`Diagnostic`, in the order a snapshot writes them (no names):
#: a field added there must be added here, or :meth:`_Tables.pack` refuses.
DIAGNOSTIC_FIELDS = ("severity", "rule", "message", "file", "line", "column", "xpath", "expected")


def _prune(folder: Path) -> None:
    """Remove all but the :data:`KEPT` most recently written snapshots in ``folder``
    (another run may remove one first, or be reading it: it then reads nothing)."""
    found = []
    for path in folder.glob("*.snapshot"):
        try:
            found.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    for _, path in sorted(found, reverse=True)[KEPT:]:
        path.unlink(missing_ok=True)


def _diagnostic(d: Diagnostic) -> list[object]:
    """``d``'s fields in :data:`DIAGNOSTIC_FIELDS` order, as JSON values."""
    return [
        d.severity.value,
        d.rule,
        d.message,
        d.file,
        d.line,
        d.column,
        d.xpath,
        list(d.expected),
    ]


class _Tables:
    """Results written compactly: the dependency lists and schema lists that thousands
    of a corpus's results share are written once, and each result names them by index
    (a snapshot of 10^4 results is read in a third of the time)."""

    def __init__(self, deps: list[Any], uses: list[Any]) -> None:
        self.deps, self.uses = deps, uses
        self._index: dict[object, int] = {}

    def pack(self, results: Mapping[str, Result]) -> dict[str, list[Any]]:
        """``results`` as JSON values: per key [deps, files, [[file, uses]…],
        diagnostics, input error, warnings as errors], the tables filled meanwhile; a
        one-file report (each document's) in short: its file as a text, and its
        schemas, when they are that file's, as the index of their list."""
        if Diagnostic._fields != DIAGNOSTIC_FIELDS:
            raise TypeError("the snapshot does not know every field of Diagnostic")
        packed = {}
        checked = False
        for key, (deps, report) in results.items():
            if not checked or report.spooled is not None:
                check_fields(report)  # the fields are the class's: once is enough
                checked = True
            indexes = {f: self._add(self.uses, tuple(us)) for f, us in report.schemas.items()}
            files: str | list[str] = list(report.files)
            used: int | list[Any] = [[f, i] for f, i in indexes.items()]
            if len(report.files) == 1 and list(indexes) in ([], report.files):
                files = report.files[0]
                used = indexes.get(files, -1)
            packed[key] = [
                self._add(self.deps, deps),
                files,
                used,
                [_diagnostic(d) for d in report.diagnostics],
                report.input_error,
                report.warnings_as_errors,
            ]
        return packed

    def _add(self, table: list[Any], value: tuple[Any, ...]) -> int:
        """The index of ``value`` in ``table`` (written as lists), added if new."""
        found = self._index.get((id(table), value))
        if found is None:
            found = self._index[(id(table), value)] = len(table)
            table.append([list(v) if isinstance(v, tuple) else [v.name, v.version] for v in value])
        return found

    def unpack(self, packed: Mapping[str, Any]) -> dict[str, Result]:
        """The inverse of :meth:`pack`; raises on anything unexpected in its shape.
        Texts are taken as JSON gives them (a snapshot's checksum holds, so what it
        says is what was written; a value of another type only ever fails to match)."""
        deps = [tuple((p, h) for p, h in listed) for listed in self.deps]
        uses = [tuple(SchemaUse(n, v) for n, v in listed) for listed in self.uses]
        severity = {s.value: s for s in Severity}
        results: dict[str, Result] = {}
        for key, (d, files, used, diagnostics, input_error, strict) in packed.items():
            found = [
                Diagnostic(severity[v], r, m, f, ln, c, x, tuple(e))
                for v, r, m, f, ln, c, x, e in diagnostics
            ]
            if isinstance(files, str):  # the short form of a one-file report
                schemas = {files: list(uses[used])} if used >= 0 else {}
                files = [files]
            else:
                schemas = {f: list(uses[i]) for f, i in used}
            report = Report(
                diagnostics=found,
                files=files,
                input_error=input_error is True,
                schemas=schemas,
                warnings_as_errors=strict is True,
            )
            results[key] = (deps[d], report)
        return results
