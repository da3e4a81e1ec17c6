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

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.diagnostics import Diagnostic, LoadError, Report, TeikitError
from teikit.locations import display_path

if TYPE_CHECKING:
    from teikit.validation.schemas import Settings

__all__ = ["Options", "ProgressCallback", "expand_paths", "run", "validate_path"]

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
    #: The run's schema settings (network access, project lock, per-file schemas).
    settings: Settings | None = None

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


def validate_path(path: Path, options: Options) -> Report:
    """One file, start to end; a file teikit will not read is an input error, not a crash."""
    from teikit.document import load
    from teikit.validation import validate_document

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
    from teikit.validation import validate_document
    from teikit.validation.schemas import Settings, plan

    if len(files) < 2 * WARM_SAMPLE:
        return {}
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
        for i, warm in _warm_up(files, options).items():
            results[i] = warm
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
