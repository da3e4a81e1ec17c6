"""Files in, one :class:`~teikit.diagnostics.Report` out: the batch runner.

Two seams, so that a result cache or another executor (Dask) can be plugged in without
touching how one file is validated or how the public :func:`teikit.validation.validate`
reads its arguments:

* :func:`validate_path` validates one file given the resolved :class:`Options`; it is a
  plain module-level function of picklable arguments, so any executor can ship it.
* :func:`run` maps a per-file function (by default :func:`validate_path`) over a list of
  files and returns their reports in the order the files were given: a warm-up sample
  first, then this process alone (``jobs == 1``) or this process plus ``jobs - 1`` pool
  workers with work stealing.

Pool workers are forked when the parent is single-threaded without Saxon loaded, else
spawned, so no half-copied runtime state; each process compiles each schema once,
through the engines' per-process caches.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.diagnostics import Diagnostic, LoadError, Report, TeikitError, UsageError
from teikit.locations import display_path

if TYPE_CHECKING:
    from teikit.document import Document
    from teikit.validation.schemas import Settings

__all__ = ["Options", "ProgressCallback", "expand_paths", "project_roots", "run",
           "validate_document", "validate_path"]

#: ``on_file(done, total)``, called after each file, for progress displays.
ProgressCallback = Callable[[int, int], None]

#: Files sampled (evenly over a run) to warm the engines before the run proper.
WARM_SAMPLE = 8

#: Chunks per worker: enough to even out files of unequal size, few enough that each
#: worker's engines (a RelaxNG grammar reduced to the elements it has met) settle.
CHUNKS_PER_JOB = 4


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

    @functools.cached_property
    def deciding(self) -> dict[str, object]:
        """The options that decide a file's result (part of each cache key): not
        ``jobs`` nor ``cache``, which only decide how the work is done. The size limit
        is read from the environment and decides ``load:too-large``; ``settings`` is a
        frozen dataclass of plain values, so its repr says all of it; the project roots
        decide which schemas a document may name (hashed: a run may have thousands)."""
        from teikit.loading import max_bytes

        roots = hashlib.sha256("\n".join(self.roots).encode()).hexdigest()
        return {"schemas": list(self.schemas or ()),
                "embedded_schematron": self.embedded_schematron, "roots": roots,
                "settings": repr(self.settings), "max_bytes": max_bytes()}

    @property
    def schema_list(self) -> list[str] | None:
        """``schemas`` as the list the resolver takes (``None``: the document decides)."""
        return list(self.schemas) if self.schemas else None


#: The per-file seam: validate one path under the run's options.
ValidateOne = Callable[[Path, Options], Report]


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)


def validate_document(doc: Document, schemas: Sequence[str] | str | None = None, *,
                      embedded_schematron: bool = False,
                      settings: Settings | None = None) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.plan`);
    by default the document's ``xml-model`` PIs, else tei_all and the reference check.
    The report names, for the file, every schema that judged it. A schema that cannot
    be used (it does not compile, is unsafe, or fails while running) is a located error
    in this document's report, not the end of a run over many documents; only failures
    without a location (a broken schema store) are raised: teikit itself cannot run.
    """
    from teikit.loading import note_dependency
    from teikit.validation.schemas import Settings, plan

    settings = settings or Settings()
    if embedded_schematron and not settings.embedded_schematron:
        settings = replace(settings, embedded_schematron=True)
    names = [schemas] if isinstance(schemas, str) else list(schemas or [])
    shown = display_path(str(doc.path)) if doc.path else ""
    report = Report(files=[shown] if doc.path else [])
    found: list[Diagnostic] = [replace(d, file=display_path(d.file)) if d.file else d
                               for d in doc.notes]
    try:
        found_plan = plan(names or None, doc, settings)
    except TeikitError as exc:
        found.append(_isolated(exc, report))
        report.add(found)
        return report
    report.input_error = found_plan.unavailable
    report.schemas[shown] = list(found_plan.schemas)
    found.extend(replace(d, file=d.file or shown) for d in found_plan.notices)
    for engine in found_plan.engines:  # the schemas decide the result: the cache must know
        source = getattr(engine, "path", None) or getattr(engine, "source", None)
        if source:
            note_dependency(source)
    for engine in found_plan.engines:
        try:
            found.extend(engine.validate(doc))
        except TeikitError as exc:
            found.append(_isolated(exc, report))
    # One engine may reach the same fact through two schemas; say it once.
    unique = _one_report_per_fact(list(dict.fromkeys(found)))
    report.add(sorted(unique, key=_sort_key))
    return report


#: Codes that restate, on the same line, what RelaxNG's ID semantics report: a duplicate
#: xml:id is found by the grammar (``xsd:ID``), the reference check and teikit.sch alike.
_SAME_FACT = {"ref:duplicate-id": "rng:duplicate-id", "sch:id-unique": "rng:duplicate-id"}


def _one_report_per_fact(found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` without the diagnostics that only repeat another engine's finding on
    the same line (see :data:`_SAME_FACT`): an editor fixes one thing, not three."""
    said = {(d.file, d.line, d.rule) for d in found}
    return [d for d in found if d.rule not in _SAME_FACT
            or (d.file, d.line, _SAME_FACT[d.rule]) not in said]


def _isolated(exc: TeikitError, report: Report) -> Diagnostic:
    """A schema's failure as this document's located error (an input error: exit 2), or
    ``exc`` raised again when it has no location, i.e. teikit itself cannot run."""
    if exc.diagnostic is None or isinstance(exc, UsageError):
        raise exc
    report.input_error = True
    diag = exc.diagnostic
    return replace(diag, file=display_path(diag.file)) if diag.file else diag


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate (argument order; folders sorted) and a diagnostic per dud input
    or skipped file: :func:`teikit.validation.discovery.discover` with its defaults."""
    from teikit.validation.discovery import discover

    return discover(paths)


def project_roots(paths: Iterable[str | os.PathLike[str]], files: list[Path]
                  ) -> tuple[str, ...]:
    """The folders a run validates: folder arguments and the folders of the files."""
    roots = {os.fspath(p) for p in paths if Path(p).is_dir()}
    roots.update(str(f.parent) for f in files)
    return tuple(sorted(roots))


def validate_path(path: Path, options: Options) -> Report:
    """One file, start to end; a file teikit will not read is an input error, not a crash.

    With ``options.cache``, the report is also stored in the result cache, with the files
    it was computed from (the caller looked the file up there already).
    """
    if options.cache is not None:
        from teikit.validation.cache import ResultCache

        return ResultCache(options.cache).record(
            path, display_path(str(path)), options.deciding,
            lambda: _validate_fresh(path, options))
    return _validate_fresh(path, options)


def _validate_fresh(path: Path, options: Options) -> Report:
    """:func:`validate_path` without the cache."""
    from teikit.document import load
    from teikit.loading import set_project_roots

    set_project_roots(tuple(Path(r) for r in options.roots))
    shown = display_path(str(path))
    try:
        doc = load(path)
    except LoadError as exc:
        diag = exc.diagnostic
        found = [replace(diag, file=display_path(diag.file) if diag.file else shown)] \
            if diag else []
        return Report(diagnostics=found, files=[shown], input_error=True)
    report = validate_document(doc, options.schema_list,
                               embedded_schematron=options.embedded_schematron,
                               settings=options.settings)
    report.files = [shown]
    return report


_Chunk = tuple[list[Report] | None, int, str]


def _worker(one: ValidateOne, paths: list[str], options: Options) -> _Chunk:
    """Validate one chunk of files in a pool process; exceptions are flattened so they
    survive pickling. Only paths go in and small reports come out: documents and
    compiled schemas stay in the worker, which reuses them for its next chunk."""
    try:
        return [one(Path(p), options) for p in paths], 0, ""
    except TeikitError as exc:
        return None, exc.exit_code, str(exc)


def _warm_up(files: list[Path], options: Options) -> dict[int, Report]:
    """Validate an even sample of ``files`` first, after telling the engines about all
    of them at once; their reports, by index.

    Why: the RelaxNG engine reduces tei_all to the names documents use and grows that
    grammar as new names turn up, one compile each time; a corpus meets most of its
    names in its first dozen files. Announcing a sample's documents together costs one
    compile instead of one per file, and forked workers inherit the compiled grammar
    instead of each growing its own. Engines without ``expect`` are only warmed.
    """
    from teikit.document import load
    from teikit.loading import set_project_roots
    from teikit.validation.schemas import Settings, plan

    if len(files) < 2 * WARM_SAMPLE:
        return {}
    set_project_roots(tuple(Path(r) for r in options.roots))
    step = len(files) // WARM_SAMPLE
    docs = {}
    for i in range(0, step * WARM_SAMPLE, step):
        try:
            docs[i] = load(files[i])
        except LoadError:
            continue  # reported where the run reaches it
    if not docs:
        return {}
    names = options.schema_list
    settings = replace(options.settings or Settings(),
                       embedded_schematron=options.embedded_schematron)
    try:
        engines = plan(names, next(iter(docs.values())), settings).engines
    except TeikitError:
        return {}  # raised again, where the run reaches it
    for engine in engines:
        expect = getattr(engine, "expect", None)
        if expect is not None:
            expect(list(docs.values()))
    out = {}
    for i, doc in docs.items():
        out[i] = validate_document(doc, names, settings=settings)
        out[i].files = [display_path(str(files[i]))]
    return out


def _warm(files: list[Path], options: Options, results: list[Report | None]) -> None:
    """Keep the warm-up sample's reports (see :func:`_warm_up`), and cache them.

    The sample is loaded and validated together, so each of its cache entries depends on
    every file any of them read: more than it needs, never less, and only for 8 files.
    """
    from teikit.loading import dependencies
    from teikit.validation.cache import ResultCache

    with dependencies() as deps:
        warmed = _warm_up(files, options)
    cache = ResultCache(options.cache) if options.cache is not None else None
    for i, report in warmed.items():
        results[i] = report
        if cache is not None:
            key = cache.key(files[i], display_path(str(files[i])), options.deciding)
            if key is not None:
                cache.put(key, report, deps - {files[i].resolve()})


def _context() -> multiprocessing.context.BaseContext:
    """Fork where that is safe and cheap, else spawn.

    A spawned worker starts a new interpreter and imports teikit again (~0.3 s); a
    forked one starts at once. Forking is only safe from a single-threaded parent that
    has no Saxon (a JVM-like runtime) loaded; then the only inherited state is Python
    objects and libxml2 structures, which a child may use as its own.
    """
    if ("fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
            and threading.active_count() == 1 and "saxonche" not in sys.modules):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _in_parallel(one: ValidateOne, files: list[Path], options: Options,
                 results: list[Report | None], on_file: ProgressCallback | None) -> None:
    """Fill ``results`` (in ``files`` order) using ``options.jobs`` processes: this one
    and ``jobs - 1`` pool workers.

    Files go out in chunks, workers taking them from the front. This process, whose
    engines are already warm, takes chunks from the back for as long as it can cancel
    them before a worker has started them (work stealing through
    :meth:`~concurrent.futures.Future.cancel`), then collects the workers' reports.
    """
    jobs = options.jobs
    total = len(files)
    todo = [i for i in range(total) if results[i] is None]
    size = max(1, -(-len(todo) // (jobs * CHUNKS_PER_JOB)))
    chunks = [todo[i: i + size] for i in range(0, len(todo), size)]
    done = total - len(todo)
    if not chunks:
        return

    def store(chunk: list[int], found: list[Report]) -> None:
        nonlocal done
        for i, result in zip(chunk, found, strict=True):
            results[i] = result
        done += len(found)
        if on_file:
            on_file(done, total)

    def collect(future: Future[_Chunk], chunk: list[int]) -> None:
        found, code, message = future.result()
        if found is None:
            failure = TeikitError(message)
            failure.exit_code = code
            raise failure
        store(chunk, found)

    pool = ProcessPoolExecutor(max_workers=min(jobs - 1, len(chunks)), mp_context=_context())
    try:
        futures = [pool.submit(_worker, one, [str(files[i]) for i in chunk], options)
                   for chunk in chunks]
        pending = dict(zip(futures, chunks, strict=True))
        for future, chunk in reversed(list(pending.items())):
            if not future.cancel():
                break  # the workers have reached this chunk: the rest is theirs
            del pending[future]
            store(chunk, [one(files[i], options) for i in chunk])
            for ready in [f for f in pending if f.done()]:
                collect(ready, pending.pop(ready))
        for future in as_completed(list(pending)):
            collect(future, pending.pop(future))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run(files: list[Path], options: Options, *, on_file: ProgressCallback | None = None,
        one: ValidateOne = validate_path) -> list[Report]:
    """Validate ``files`` with ``one`` (default :func:`validate_path`); one report per
    file, in ``files`` order, whatever order the work finished in.

    ``one`` must be a module-level function (it is pickled to pool workers). The warm-up
    sample always goes through :func:`validate_path` in this process, because its point
    is to warm this process's engines before workers are forked from it.
    """
    total = len(files)
    results: list[Report | None] = [None] * total
    if one is validate_path:
        _warm(files, options, results)
    if options.jobs <= 1 or total <= 1:
        done = sum(r is not None for r in results)
        for i, path in enumerate(files):
            if results[i] is None:
                results[i] = one(path, options)
                done += 1
                if on_file:
                    on_file(done, total)
    else:
        _in_parallel(one, files, options, results, on_file)
    return [r for r in results if r is not None]
