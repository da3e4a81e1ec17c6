"""Files in, one :class:`~teikit.diagnostics.Report` out: the batch runner.

Two seams, so that a result cache or another executor (Dask) can be plugged in without
touching how one file is validated or how the public :func:`teikit.validation.validate`
reads its arguments:

* :func:`validate_path` validates one file given the resolved :class:`Options`; it is a
  plain module-level function of picklable arguments, so any executor can ship it.
* :func:`run` maps a per-file function (by default :func:`validate_path`) over a list of
  files and returns their reports in the order the files were given: a warm-up sample
  first, then this process alone (no deadline, one job) or worker processes that are
  stopped at a per-document deadline (:mod:`teikit.validation.workers`).

Workers are forked when the parent is single-threaded without Saxon loaded, else
spawned, so no half-copied runtime state; each process compiles each schema once,
through the engines' per-process caches.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.collector import free_later
from teikit.diagnostics import Diagnostic, LoadError, Report, TeikitError
from teikit.document import Document, load
from teikit.loading import (
    dependencies,
    dependency_path,
    max_bytes,
    read_file,
    set_project_roots,
)
from teikit.locations import display_path
from teikit.validation import beside
from teikit.validation.cache import ResultCache
from teikit.validation.judging import (
    grammars_of,
    judged,
    starts_of,
    validate_document,
    worth_a_child,
)

if TYPE_CHECKING:
    from teikit.loading.scope import Noted
    from teikit.validation.schemas import Settings

__all__ = [
    "Options",
    "ProgressCallback",
    "expand_paths",
    "project_roots",
    "run",
    "validate_document",
    "validate_path",
]

#: ``on_file(done, total)``, called after each file, for progress displays.
ProgressCallback = Callable[[int, int], None]

#: Files sampled (evenly over a run) to warm the engines before the run proper: at
#: least this many, and one in :data:`WARM_SHARE` of a larger run, up to :data:`WARM_MOST`
#: files or :data:`WARM_BYTES` of them (the sample is held in memory at once).
WARM_SAMPLE = 8
WARM_SHARE = 10
WARM_MOST = 1024
WARM_BYTES = 4 * 2**20

#: The CLI's deadline per document, in seconds, unless --timeout or the config says.
DEFAULT_TIMEOUT = 60.0
#: The CLI's memory limit per worker process, in MB, unless --memory-limit or the config says.
DEFAULT_MEMORY_LIMIT = 2048


@dataclass(frozen=True)
class Options:
    """Everything a worker needs to validate one file, resolved once per run.

    Frozen and made of plain values so that it pickles to spawned workers and can be a
    cache key (the result cache hashes it together with the file's content).
    """

    schemas: tuple[str, ...] | None = None
    embedded_schematron: bool = False
    jobs: int = 1
    #: the folders validated (see :func:`teikit.loading.inside_project`)
    roots: tuple[str, ...] = ()
    #: The run's schema settings (network access, project lock, per-file schemas).
    settings: Settings | None = None
    #: the result cache's folder (:mod:`teikit.validation.cache`); None: no cache.
    cache: str | None = None
    #: seconds each document may take (None: no deadline, validate in this process)
    timeout: float | None = None
    #: MB of memory the process validating a document may hold (None: no limit)
    memory_limit: int | None = None
    #: a worker of this run has a core to spare: a large document's grammars may be
    #: checked beside its reference check (:mod:`teikit.validation.beside`); set by :func:`run`
    spare_core: bool = False

    @functools.cached_property
    def deciding(self) -> dict[str, object]:
        """The options that decide a file's result (part of each cache key): not
        ``jobs``, ``cache``, ``timeout`` nor ``memory_limit``, which only decide how the
        work is done (a stopped file is never cached: its report is made by the
        parent). The size limit is read from the environment and decides
        ``load:too-large``; ``settings`` is a frozen dataclass of plain values, so its
        repr says all of it; the project roots
        decide which schemas a document may name (hashed: a run may have thousands)."""

        roots = hashlib.sha256("\n".join(self.roots).encode()).hexdigest()
        return {
            "schemas": list(self.schemas or ()),
            "embedded_schematron": self.embedded_schematron,
            "roots": roots,
            "settings": repr(self.settings),
            "max_bytes": max_bytes(),
        }

    @property
    def schema_list(self) -> list[str] | None:
        """``schemas`` as the list the resolver takes (``None``: the document decides)."""
        return list(self.schemas) if self.schemas else None


#: The per-file seam: validate one path under the run's options.
ValidateOne = Callable[[Path, Options], Report]


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate (argument order; folders sorted) and a diagnostic per dud input
    or skipped file: :func:`teikit.validation.discovery.discover` with its defaults."""
    from teikit.validation.discovery import discover

    return discover(paths)


def project_roots(paths: Iterable[str | os.PathLike[str]], files: list[Path]) -> tuple[str, ...]:
    """The folders a run validates: folder arguments and the folders of the files, none
    inside another (10,000 files in 300 folders below one argument give one root)."""
    found = {os.fspath(p) for p in paths if Path(p).is_dir()}
    # A Path's text is normalised, so its folder is the text's (no Path per file).
    found.update(os.path.dirname(str(f)) or "." for f in files)
    roots: set[Path] = set()
    for root in sorted((Path(r) for r in found), key=lambda r: len(r.parts)):
        if not any(parent in roots for parent in root.parents):
            roots.add(root)
    return tuple(sorted(str(r) for r in roots))


def validate_path(path: Path, options: Options) -> Report:
    """One file, start to end; a file teikit will not read is an input error, not a crash.

    With ``options.cache``, the report is also stored in the result cache, with the files
    it was computed from (the caller looked the file up there already).
    """
    from teikit.validation.named import Batch

    with Batch(options):  # a run's schemas are checked per chunk of files, not per file
        if options.cache is not None:
            return ResultCache.at(options.cache).record(
                path,
                display_path(str(path)),
                options.deciding,
                lambda: _validate_fresh(path, options),
            )
        return _validate_fresh(path, options)


def _validate_fresh(path: Path, options: Options) -> Report:
    """:func:`validate_path` without the cache. A worker with a core to spare has a large
    document's grammars checked beside (:mod:`teikit.validation.beside`): it forks once
    it has read the file, before parsing it."""
    set_project_roots(options.roots)
    shown = display_path(str(path))
    try:
        with beside.allowed(options.memory_limit) if options.spare_core else nullcontext():
            data = read_file(path)
            named = (options.schema_list, options.embedded_schematron, options.settings)
            work = functools.partial(grammars_of, path, data, *named)
            starts = functools.partial(starts_of, data)
            worth = beside.may_fork(len(data)) and worth_a_child(*named)
            with beside.start(work, len(data), starts) if worth else nullcontext() as grammars:
                doc = load(path, data=data)
                free_later(doc)  # in a worker: freed once the report has gone
                report = judged(doc, *named, grammars)
    except LoadError as exc:
        diag = exc.diagnostic
        found = (
            [diag._replace(file=display_path(diag.file) if diag.file else shown)] if diag else []
        )
        return Report(diagnostics=found, files=[shown], input_error=True)
    report.files = [shown]
    return report


def _warm_up(
    files: list[Path],
    options: Options,
    *,
    validate: bool,
    pick: bool = True,
    read: dict[int, Noted] | None = None,
) -> dict[int, Report]:
    """Announce an even sample of ``files`` (without ``pick``: all of them, a sample
    already) to the engines at once; with ``validate`` also validate the sample here and
    return its reports, by index, and in ``read`` (if given) the files each one's load
    and validation read.

    Why: the RelaxNG engine reduces tei_all to the names documents use and grows that
    grammar as new names turn up, one compile each time; a sample shows most of a
    corpus's names at once (see :func:`_sample`). Announcing a sample's documents together costs one
    compile instead of one per file, and forked workers inherit the compiled grammar
    instead of each growing its own. Engines without ``expect`` are only warmed. Under
    a deadline or a memory limit nothing is validated here: this process has no one to
    stop it; for the same reason its sample is only files that fit in
    :data:`WARM_BYTES` together, read without their XIncludes (a fan-out of includes
    within the limits can need gigabytes: a worker that grows so is stopped, this
    process would not be).
    """
    from teikit.validation.schemas import Settings, plan

    if pick and len(files) < 2 * WARM_SAMPLE:
        return {}
    set_project_roots(options.roots)
    docs: dict[int, Document] = {}
    held = 0
    for i in _sample(len(files)) if pick else range(len(files)):
        try:
            size = files[i].stat().st_size
            if held + size > WARM_BYTES:
                continue
            held += size
            with dependencies() as noted:
                docs[i] = load(files[i], xinclude=validate)
            if read is not None:
                read[i] = noted
        except (LoadError, OSError):
            continue  # reported where the run reaches it
    if not docs:
        return {}
    names = options.schema_list
    settings = replace(
        options.settings or Settings(), embedded_schematron=options.embedded_schematron
    )
    try:
        engines = plan(names, next(iter(docs.values())), settings).engines
        for engine in engines:
            expect = getattr(engine, "expect", None)
            if expect is not None:
                expect(list(docs.values()))
    except TeikitError:
        return {}  # raised again, or reported, where the run reaches it
    if not validate:
        return {}
    out = {}
    for i, doc in docs.items():
        with dependencies() as noted:
            out[i] = validate_document(doc, names, settings=settings)
        out[i].files = [display_path(str(files[i]))]
        if read is not None:
            read[i] |= noted
            read[i].read.update(noted.read)
    return out


def sample(files: list[Path]) -> list[str]:
    """The warm-up sample of a run over ``files`` (see :func:`_sample`), as paths to send
    to processes that do not inherit this one's engines (spawned, or on Dask workers),
    which warm theirs with :func:`announce` before their first file."""
    if len(files) < 2 * WARM_SAMPLE:
        return []
    return [str(files[i]) for i in _sample(len(files))]


def announce(paths: list[str], options: Options) -> None:
    """Warm this process's engines on the sample ``paths`` (see :func:`sample`),
    validating nothing; best effort: a file or schema that fails here fails again, and
    is reported, where the run reaches it."""

    with dependencies():  # what the sample reads decides no cached result
        _warm_up([Path(p) for p in paths], options, validate=False, pick=False)


def _sample(total: int) -> range:
    """Indexes of an even sample of ``total`` files (see :data:`WARM_SAMPLE`).

    Why it grows with the run: each worker process grows its own reduced grammar as it
    meets names the sample did not show it, one compile each; on 10,000 small files a
    sample of 8 left each of two workers some twenty compiles (3 s of 15), one of 1,000
    left them a few.
    """
    count = max(WARM_SAMPLE, min(WARM_MOST, total // WARM_SHARE))
    step = total // count
    return range(0, step * count, step)


def _warm(
    files: list[Path], options: Options, results: list[Report | None], *, validate: bool = True
) -> None:
    """Keep the warm-up sample's reports (see :func:`_warm_up`), and cache them, each
    with the files its own load and validation read (a sample is up to 1,024 files: an
    entry depending on every file of the sample was a quadratic cost)."""

    if options.cache is None or not validate:  # nothing to cache: no reads to note
        results_of = _warm_up(files, options, validate=validate)
        for i, report in results_of.items():
            results[i] = report
        return
    read: dict[int, Noted] = {}
    with dependencies():  # what the sample's announcement read decides no result
        warmed = _warm_up(files, options, validate=validate, read=read)
    cache = ResultCache(options.cache)
    for i, report in warmed.items():
        results[i] = report
        own = dependency_path(files[i])
        digest = read[i].read.get(own)  # the bytes validated (see ResultCache.record)
        if digest is not None:
            key = cache.key(files[i], display_path(str(files[i])), options.deciding, digest)
            if key is not None:
                cache.put(key, report, read[i] - {own}, read[i].read)


def run(
    files: list[Path],
    options: Options,
    *,
    on_file: ProgressCallback | None = None,
    one: ValidateOne = validate_path,
    on_report: Callable[[int, Report], None] | None = None,
) -> list[Report]:
    """Validate ``files`` with ``one`` (default :func:`validate_path`); one report per
    file, in ``files`` order, whatever order the work finished in.

    With a deadline (``options.timeout``), a memory limit (``options.memory_limit``) or
    more than one job, every file is validated in a worker process
    (:mod:`teikit.validation.workers`) that is stopped when it overruns, grows past the
    limit or dies, so one file's hang or crash is that file's error. Without either
    bound and with one job (the library's default) files are validated here.
    ``one`` must be a module-level function (it is pickled to spawned workers); the
    warm-up sample is announced to this process's engines before workers fork from it.
    With ``on_report``, each file's report goes to ``on_report(index, report)`` as it is
    made (in any order) and is not kept: the list returned is empty.
    """
    from teikit.validation.workers import Bounds, context, run_pool

    total = len(files)
    results: list[Report | None] = [None] * total
    bounded = options.timeout is not None or options.memory_limit is not None
    pooled = bounded or (options.jobs > 1 and total > 1)
    if one is validate_path:
        _warm(files, options, results, validate=not pooled)
    done = sum(r is not None for r in results)
    todo = [i for i in range(total) if results[i] is None]
    if on_report is not None:
        for i, warmed in enumerate(results):
            if warmed is not None:
                on_report(i, warmed)
                results[i] = None

    def store(i: int, report: Report) -> None:
        nonlocal done
        if on_report is not None:
            on_report(i, report)
        else:
            results[i] = report
        done += 1
        if on_file:
            on_file(done, total)

    if not pooled:
        for i in todo:
            store(i, one(files[i], options))
    elif todo:
        # Forked workers inherit the warmed engines; spawned ones warm their own.
        spawned = context().get_start_method() == "spawn"
        warm = (announce, sample(files)) if spawned else None
        size = min(max(1, options.jobs), len(todo))
        if size < options.jobs:  # fewer files than cores: a worker may use a second
            options = replace(options, spare_core=True)
        bounds = Bounds(options.timeout, options.memory_limit)
        around = gathered if one is validate_path and options.cache is not None else None
        run_pool(one, files, options, size, bounds, store, todo=todo, warm=warm, around=around)
    return [r for r in results if r is not None]


def gathered(options: Options) -> AbstractContextManager[object]:
    """What a worker validates a chunk of files within: with a cache, the chunk's
    entries are written together at its end, one file for all of them
    (:meth:`teikit.validation.cache.ResultCache.gathered`)."""
    if options.cache is None:
        return nullcontext()

    return ResultCache.at(options.cache).gathered()
