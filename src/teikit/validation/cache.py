"""A result cache for validation: a re-run over an unchanged corpus reads, it does not work.

Why a manifest and not a key known in advance: what decides a file's result is only known
after validating it once (the files it XIncludes, the files its pointers name, the schemas
its ``xml-model`` PIs chose). So an entry is found by a *key* made of what is known before
(the file's bytes, its name as reports show it, teikit's version and code, the options) and
holds the *dependencies* met while computing it, each with the SHA-256 it had. A lookup is
a hit only when every dependency still hashes the same (a file that was absent must still
be absent); anything else is a miss and the file is validated again. The dependencies are
noted by the code that reads them (:func:`teikit.loading.note_dependency`).

Why entries can be trusted: each entry file starts with the SHA-256 of the rest, and holds
its entries by key (a worker's chunk of files shares one file: :mod:`.entries`). A
truncated, garbled or misplaced entry (a file that does not hold the key asked for) fails
that check, is counted as damaged, and is recomputed and rewritten: a cache never turns a
wrong result into a pass.

Why two runs may share the folder: an entry file is written whole under a temporary name
and only then given the key's name, by a hard link or :func:`os.replace`, which are
atomic, so a reader sees either no entry or a whole one; two writers of one key write the
same result and the last one wins. A lock per entry would cost two system calls per file
and buy nothing more, and
neither does a lock around :meth:`ResultCache.clear`: removing an entry while a run reads
it costs that run a recomputation, an entry written just after a clear is a true one, and
two clears only remove the same files twice (``tests/validation/test_cache.py`` runs
clears against runs). So the cache takes no lock at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from teikit import version
from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.files import cache_dir
from teikit.loading import dependencies, dependency_path
from teikit.locations import display_path
from teikit.validation.digests import ABSENT, Status, file_digest, status_of
from teikit.validation.entries import Packs, seal, unseal, write_pack

__all__ = [
    "ResultCache",
    "CacheStats",
    "Result",
    "common",
    "default_folder",
    "fingerprint",
    "seal",
    "unseal",
]

#: Bump when the entry layout or the meaning of a key changes: old entries are then
#: simply never found (they live under another folder name).
FORMAT = 2


def default_folder() -> Path:
    """Where results are cached when nobody says: ``results/`` in teikit's cache folder
    (``$TEIKIT_CACHE_DIR``, else the platform's user cache folder; see
    :func:`teikit.files.cache_dir`). ``[tool.teikit]`` can name another, read by the CLI.
    """

    return cache_dir() / "results"


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """teikit's version plus a fingerprint of its code (name, size, mtime of each module).

    Why more than ``__version__``: a development checkout keeps one version number across
    many changes, and a cache that survived a fix would show the bug's old result. An
    installed wheel's modules do not change, so there this is as stable as the version.
    """

    package = Path(version.__file__).resolve().parent
    digest = hashlib.sha256(version.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


#: An entry as read: the files its report was computed from, each with the SHA-256 it had
#: (:data:`ABSENT`: the file did not exist), and the report.
Result = tuple[tuple[tuple[str, str], ...], Report]

#: The fields of :class:`Report` an entry carries. A field added to ``Report`` must be
#: added here too: until then :func:`report_to_json` refuses, so a test fails instead of
#: the cache silently dropping what the new field says.
REPORT_FIELDS = ("diagnostics", "files", "input_error", "schemas", "warnings_as_errors")


def check_fields(report: Report) -> None:
    """Raise unless :data:`REPORT_FIELDS` says all of ``report`` (``spooled`` is where a
    run's report keeps findings, not a finding: a file's report has none; ``stored``
    says where the report is kept)."""
    missing = _COMPARED - set(REPORT_FIELDS)
    if missing or report.spooled is not None:
        raise TypeError(f"the result cache does not know Report fields {sorted(missing)}")


#: The names of the fields of :class:`Report` that equality compares and of every field
#: of :class:`Diagnostic`: asked per entry written, and :func:`dataclasses.fields` is
#: slow to ask 10^4 times.
_COMPARED = frozenset(f.name for f in fields(Report) if f.compare)
_DIAGNOSTIC = Diagnostic._fields


def diagnostic_to_json(d: Diagnostic) -> dict[str, object]:
    """A :class:`Diagnostic` as plain JSON values, every field."""
    shape = {name: getattr(d, name) for name in _DIAGNOSTIC}
    shape["severity"] = d.severity.value
    shape["expected"] = list(d.expected)
    return shape


def diagnostic_from_json(item: Mapping[str, Any]) -> Diagnostic:
    """The inverse of :func:`diagnostic_to_json`; raises on anything unexpected."""
    entry = dict(item)
    entry["severity"] = Severity(entry["severity"])
    entry["expected"] = tuple(entry["expected"])
    return Diagnostic(**entry)


def report_to_json(report: Report) -> dict[str, object]:
    """A :class:`Report` as plain JSON values, every field, nothing lost."""
    check_fields(report)
    return {
        "diagnostics": [diagnostic_to_json(d) for d in report.diagnostics],
        "files": list(report.files),
        "input_error": report.input_error,
        "schemas": {
            file: [[u.name, u.version] for u in used] for file, used in report.schemas.items()
        },
        "warnings_as_errors": report.warnings_as_errors,
    }


def report_from_json(data: Mapping[str, Any]) -> Report:
    """The inverse of :func:`report_to_json`; raises on anything unexpected."""
    schemas = {
        str(file): [SchemaUse(str(name), str(version)) for name, version in used]
        for file, used in data["schemas"].items()
    }
    return Report(
        diagnostics=[diagnostic_from_json(item) for item in data["diagnostics"]],
        files=[str(f) for f in data["files"]],
        input_error=bool(data["input_error"]),
        schemas=schemas,
        warnings_as_errors=bool(data.get("warnings_as_errors", False)),
    )


def common(options: Mapping[str, object]) -> str:
    """The part of every key that a run's files share: the entry format, teikit's
    :func:`fingerprint` and the ``options``, as canonical JSON."""
    return json.dumps(
        {"format": FORMAT, "teikit": fingerprint(), "options": options},
        sort_keys=True,
        default=str,
    )


@dataclass
class CacheStats:
    """What one process's cache did: for progress lines, benchmarks and tests."""

    hits: int = 0
    misses: int = 0
    damaged: int = 0
    written: int = 0
    #: hits whose entry came from the run's snapshot (:mod:`teikit.validation.snapshot`)
    snapshot: int = 0


class ResultCache:
    """Validation results on disk, one verified entry per (file, options) key."""

    @staticmethod
    @lru_cache(maxsize=8)
    def at(folder: str) -> ResultCache:
        """This process's cache over ``folder``, made once: a worker stores one result
        per file, and making a cache (and its options' key part) per file was a
        measurable part of a run that fills the cache."""
        return ResultCache(folder)

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.root = self.folder / f"v{FORMAT}"
        self.stats = CacheStats()
        self._where = os.fspath(self.root)
        #: Entries already read and verified, by key (a run's snapshot holds them):
        #: looked at before the entry files.
        self.known: dict[str, Result] = {}
        #: Keys a snapshot holds, by the SHA-256 of the options' :func:`common` part they
        #: were made with, then by (path, :data:`Status`) of the file.
        self.keys: dict[str, dict[tuple[str, Status], str]] = {}
        self._last_read: tuple[tuple[str, str], ...] = ()
        #: the options last asked of :meth:`key` and their :func:`common` part
        self._shared: tuple[Mapping[str, object], str] | None = None
        self._packs = Packs()
        #: entries waiting to be written together (see :meth:`gathered`), by thread (a
        #: Dask worker may run chunks in threads of one process)
        self._pending: dict[int, list[tuple[str, dict[str, Any]]]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled into pool and Dask workers: the folder travels, the counts do not."""
        return {
            "folder": self.folder,
            "root": self.root,
            "stats": CacheStats(),
            "_where": self._where,
            "known": {},
            "keys": {},
            "_last_read": (),
            "_shared": None,
            "_packs": Packs(),
            "_pending": {},
        }

    # -- keys and entries ----------------------------------------------------------

    def key(
        self,
        path: Path,
        shown: str,
        options: Mapping[str, object],
        digest: str | None = None,
    ) -> str | None:
        """The entry key of ``path`` (reported as ``shown``): of ``digest`` (the SHA-256
        of the bytes validated) if given, else of the file's bytes now; None when it
        cannot be read.

        A file that cannot be read is never cached: its report says why, and that may
        change without any byte changing (permissions, a folder appearing).
        """
        shared = self._shared
        if shared is None or shared[0] != options:  # a worker asks once per file
            shared = self._shared = (dict(options), common(options))
        return self.key_for(path, shown, shared[1], digest)

    @staticmethod
    def key_for(path: Path, shown: str, shared: str, digest: str | None = None) -> str | None:
        """:meth:`key`, given :func:`common` of the options (``shared``: made once per
        pass)."""
        if digest is None:
            digest = file_digest(path)
        if digest == ABSENT:
            return None
        # JSON never holds a raw newline and a digest is 64 hex digits: unambiguous.
        material = f"{shared}\n{json.dumps(shown)}\n{digest}"
        return hashlib.sha256(material.encode()).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self._where, key[:2], key + ".json")

    def get(self, key: str, digests: dict[str, str] | None = None) -> Report | None:
        """The cached report for ``key`` if its entry is whole and its dependencies are
        unchanged; a damaged entry is counted, and treated as missing. ``digests``
        remembers dependencies' digests across the lookups of one pass (see
        :meth:`lookup_all`)."""
        found = self.known.get(key)
        known = found is not None
        if found is None:
            found = self.result(key)
        if found is None:
            self.stats.misses += 1
            return None
        deps, report = found
        if digests is None:
            digests = {}
        for p, h in deps:
            now = digests.get(p)
            if now is None:
                now = digests[p] = file_digest(p)
            if now != h:
                self.stats.misses += 1
                return None
        self.stats.hits += 1
        self.stats.snapshot += known
        report.stored = (key, deps)
        return report

    def result(self, key: str) -> Result | None:
        """The entry stored under ``key`` as (its dependencies, its report), verified
        but not checked against the files, or None: no entry, or a damaged one
        (counted: checksum, key or shape wrong)."""
        try:
            entry = self._packs.entry(self._entry(key), key)
            if entry is None:
                return None
            deps = tuple((str(p), str(h)) for p, h in entry["deps"])
            return deps, report_from_json(entry["report"])
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            self.stats.damaged += 1
            return None

    def put(
        self,
        key: str,
        report: Report,
        deps: Iterable[Path],
        read: Mapping[Path, str] | None = None,
    ) -> None:
        """Store ``report`` under ``key`` with the dependencies it was computed from,
        and note both on ``report.stored``; ``read`` gives the SHA-256 of the bytes
        the loader read of some of them (a file edited since is a change), the others
        are hashed now.

        Best effort: a cache folder that cannot be written (read-only, full) costs the
        speed-up, never the run.
        """
        known = read or {}
        digests = tuple(sorted({(str(p), known.get(p) or file_digest(p)) for p in deps}))
        if digests == self._last_read:  # one object for the run's equal lists: each
            digests = self._last_read  # chunk's answers pickle it once, the parent too
        self._last_read = digests
        report.stored = (key, digests)
        entry = {"deps": digests, "report": report_to_json(report)}
        pending = self._pending.get(threading.get_ident())
        if pending is not None:
            pending.append((key, entry))
        else:
            self.stats.written += write_pack(self._where, [(key, entry)])

    @contextmanager
    def gathered(self) -> Iterator[None]:
        """Within the block, :meth:`put` keeps the entries, and they are written
        together at its end (see :mod:`.entries`): a worker's chunk of files."""
        thread = threading.get_ident()
        if thread in self._pending:  # within one already: that one writes
            yield
            return
        self._pending[thread] = []
        try:
            yield
        finally:
            pending = self._pending.pop(thread)
            if pending:
                self.stats.written += write_pack(self._where, pending)

    def lookup(self, path: Path, shown: str, options: Mapping[str, object]) -> Report | None:
        """The cached report of ``path`` (reported as ``shown``) run with ``options``,
        or None when it must be validated (again)."""
        key = self.key(path, shown, options)
        return self.get(key) if key is not None else None

    def lookup_all(
        self,
        files: Iterable[Path],
        options: Mapping[str, object],
        statuses: Mapping[str, Status] | None = None,
    ) -> Iterator[Report | None]:
        """:meth:`lookup` of each file in turn (reported as :func:`display_path` shows
        it), each dependency checked once for the whole pass: the entries of a corpus
        share their schemas and the store's index, and a warm re-run of 10,000 files
        looked at them 40,000 times. A file that changes during the pass may be judged
        by its state at the first look, as a file changed during any run is: its status
        as ``statuses`` (discovery's look) gives it, else as it is now. A file whose
        status a snapshot gave a key for (:attr:`keys`) is not named nor hashed again:
        its key is taken as it stands."""

        digests: dict[str, str] = {}
        shared = common(options)
        keys = self.keys.get(hashlib.sha256(shared.encode()).hexdigest())
        seen = statuses or {}
        for path in files:
            key = None
            if keys:
                text = str(path)
                try:
                    status = seen.get(text) or status_of(os.stat(text))
                    key = keys.get((text, status))
                except OSError:
                    pass
            if key is None:
                key = self.key_for(path, display_path(str(path)), shared)
            yield self.get(key, digests) if key is not None else None

    def lookup_many(
        self,
        files: Sequence[Path],
        options: Mapping[str, object],
        *,
        split: bool = False,
        statuses: Mapping[str, Status] | None = None,
    ) -> list[Report | None]:
        """:meth:`lookup_all` of ``files``, with ``split`` half of them by a child
        process (:mod:`teikit.validation.halves`): a warm re-run is mostly these lookups."""

        if not self.known and not os.path.isdir(self._where):
            # An empty cache (a CI runner's first run): nothing to find, so no key to
            # make (a name and a hash per file; an entry written meanwhile by another
            # run only costs this one its use).
            self.stats.misses += len(files)
            return [None] * len(files)

        def step(part: Sequence[Path]) -> tuple[list[Report | None], CacheStats]:
            counted = ResultCache(self.folder)  # its own counts, what this one was told
            counted.known, counted.keys = self.known, self.keys
            return list(counted.lookup_all(part, options, statuses)), counted.stats

        found: list[Report | None] = []
        if split:
            from teikit.validation.halves import in_two

            parts = in_two(step, files)
        else:
            parts = [step(files)]
        for reports, stats in parts:
            found.extend(reports)
            for name in ("hits", "misses", "damaged", "snapshot"):
                setattr(self.stats, name, getattr(self.stats, name) + getattr(stats, name))
        return found

    def record(
        self, path: Path, shown: str, options: Mapping[str, object], compute: Callable[[], Report]
    ) -> Report:
        """``compute()``'s report of ``path``, stored with every file it read.

        ``compute`` runs inside :func:`teikit.loading.dependencies`, so every file that
        the loader, the engines and the reference check touch becomes a dependency. The
        key is made of the bytes the loader read and validated (and so are the digests
        of the files it included), not of the file as it is before or after: a file
        edited meanwhile is stored under the bytes that were validated, which a later
        lookup presents only if the file holds them again. A file the loader did not
        read whole (missing, unreadable, over the size limit) is not cached.
        """

        with dependencies() as deps:
            report = compute()
        own = dependency_path(path)
        digest = deps.read.get(own)
        key = self.key(path, shown, options, digest) if digest is not None else None
        if key is not None:
            deps.discard(own)
            self.put(key, report, deps, deps.read)
        return report

    def clear(self) -> int:
        """Remove every entry (of every format) and every run's snapshot
        (:mod:`teikit.validation.snapshot`); the number of entry files removed. Safe
        while other runs use the cache (see the module's notes): no lock."""
        for snapshot in self.folder.glob("v*/runs/*.snapshot"):
            snapshot.unlink(missing_ok=True)
        removed = 0
        for entry in sorted(self.folder.glob("v*/*/*.json")):
            try:
                entry.unlink()
            except FileNotFoundError:
                continue  # another clear removed it first
            removed += 1
        return removed
