"""Validation: files, folders and globs in; one :class:`~teikit.diagnostics.Report` out.

This module only walks inputs and fans work out; which engines run is decided by
:mod:`teikit.validation.schemas`, and each engine turns its own findings into
diagnostics. With ``jobs > 1`` files are validated by this process and ``jobs - 1``
pool workers (forked when the parent is single-threaded without Saxon loaded, else
spawned, so no half-copied runtime state); each process compiles each schema once,
through the engines' per-process caches, and the report lists files in the order they
were given, whatever order workers finish in.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.diagnostics import Diagnostic, LoadError, Report, TeikitError, error
from teikit.locations import display_path

if TYPE_CHECKING:
    from teikit.validation.schemas import Settings

__all__ = ["expand_paths", "validate", "validate_document"]

ProgressCallback = Callable[[int, int], None]


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)


def validate_document(doc: object, schemas: Sequence[str] | str | None = None, *,
                      embedded_schematron: bool = False,
                      settings: Settings | None = None) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.plan`);
    by default the document's ``xml-model`` PIs, else tei_all and the reference check.
    The report names, for the file, every schema that judged it.
    """
    from dataclasses import replace as _replace

    from teikit.validation.schemas import Settings, plan

    settings = settings or Settings()
    if embedded_schematron and not settings.embedded_schematron:
        settings = _replace(settings, embedded_schematron=True)
    names = [schemas] if isinstance(schemas, str) else list(schemas or [])
    found_plan = plan(names or None, doc, settings)
    path = doc.path  # type: ignore[attr-defined]
    shown = display_path(str(path)) if path else ""
    report = Report(files=[shown] if path else [], input_error=found_plan.unavailable)
    report.schemas[shown] = list(found_plan.schemas)
    found: list[Diagnostic] = [replace(d, file=d.file or shown) for d in found_plan.notices]
    for engine in found_plan.engines:
        found.extend(engine.validate(doc))
    # One engine may reach the same fact through two schemas; say it once.
    unique = list(dict.fromkeys(found))
    report.add(sorted(unique, key=_sort_key))
    return report


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate (argument order; folders sorted) and a diagnostic per dud input.

    Folders are searched recursively for ``*.xml``; arguments with ``*``, ``?`` or
    ``[`` are globs (``**`` recursive). A path that names nothing is an input error.
    """
    files: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()

    def take(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        text = os.fspath(raw)
        p = Path(text)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.xml") if q.is_file())
            if not found:
                problems.append(error("load:not-found", "This folder holds no *.xml files; "
                                      "name the files or a folder that has some.",
                                      file=display_path(text)))
            for q in found:
                take(q)
        elif p.is_file():
            take(p)
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            xml = [m for m in matches if m.is_file()]
            if not xml:
                problems.append(error("load:not-found", f"No file matches the pattern "
                                      f"'{text}'; check it (quote it so the shell leaves it "
                                      "to teikit).", file=text))
            for q in xml:
                take(q)
        else:
            problems.append(error("load:not-found", "No such file or folder; check the path.",
                                  file=display_path(text)))
    return files, problems


def _validate_path(path: Path, schemas: Sequence[str] | None,
                   embedded_schematron: bool) -> Report:
    """One file, start to end; a file teikit will not read is an input error, not a crash."""
    from teikit.document import load

    shown = display_path(str(path))
    try:
        doc = load(path)
    except LoadError as exc:
        diag = exc.diagnostic
        found = [replace(diag, file=display_path(diag.file) if diag.file else shown)] \
            if diag else []
        return Report(diagnostics=found, files=[shown], input_error=True)
    report = validate_document(doc, schemas, embedded_schematron=embedded_schematron)
    report.files = [shown]
    return report


def _worker(paths: list[str], schemas: Sequence[str] | None,
            embedded_schematron: bool) -> tuple[list[Report] | None, int, str]:
    """Validate one chunk of files in a pool process; exceptions are flattened so they
    survive pickling. Only paths go in and small reports come out: documents and
    compiled schemas stay in the worker, which reuses them for its next chunk."""
    try:
        return [_validate_path(Path(p), schemas, embedded_schematron) for p in paths], 0, ""
    except TeikitError as exc:
        return None, exc.exit_code, str(exc)


#: Files sampled (evenly over a run) to warm the engines before the run proper.
WARM_SAMPLE = 8


def _warm_up(files: list[Path], schemas: list[str] | None, embedded_schematron: bool
             ) -> dict[int, Report]:
    """Validate an even sample of ``files`` first, after telling the engines about all
    of them at once; their reports, by index.

    Why: the RelaxNG engine reduces tei_all to the names documents use and grows that
    grammar as new names turn up, one compile each time; a corpus meets most of its
    names in its first dozen files. Announcing a sample's documents together costs one
    compile instead of one per file, and forked workers inherit the compiled grammar
    instead of each growing its own. Engines without ``expect`` are only warmed.
    """
    from teikit.document import load
    from teikit.validation.schemas import resolve

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
    try:
        engines = resolve(schemas, next(iter(docs.values())),
                          embedded_schematron=embedded_schematron)
    except TeikitError:
        return {}  # raised again, where the run reaches it
    for engine in engines:
        expect = getattr(engine, "expect", None)
        if expect is not None:
            expect(list(docs.values()))
    out = {}
    for i, doc in docs.items():
        out[i] = validate_document(doc, schemas, embedded_schematron=embedded_schematron)
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


def _in_parallel(files: list[Path], names: list[str] | None, embedded_schematron: bool,
                 jobs: int, results: list[Report | None],
                 on_file: ProgressCallback | None) -> None:
    """Fill ``results`` (in ``files`` order) using ``jobs`` processes: this one and
    ``jobs - 1`` pool workers.

    Files go out in chunks, workers taking them from the front. This process, whose
    engines are already warm, takes chunks from the back for as long as it can cancel
    them before a worker has started them (work stealing through
    :meth:`~concurrent.futures.Future.cancel`), then collects the workers' reports.
    """
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

    def collect(future: Future[tuple[list[Report] | None, int, str]], chunk: list[int]
                ) -> None:
        found, code, message = future.result()
        if found is None:
            failure = TeikitError(message)
            failure.exit_code = code
            raise failure
        store(chunk, found)

    pool = ProcessPoolExecutor(max_workers=min(jobs - 1, len(chunks)), mp_context=_context())
    try:
        futures = [pool.submit(_worker, [str(files[i]) for i in chunk], names,
                               embedded_schematron) for chunk in chunks]
        pending = dict(zip(futures, chunks, strict=True))
        for future, chunk in reversed(list(pending.items())):
            if not future.cancel():
                break  # the workers have reached this chunk: the rest is theirs
            del pending[future]
            store(chunk, [_validate_path(files[i], names, embedded_schematron)
                          for i in chunk])
            for ready in [f for f in pending if f.done()]:
                collect(ready, pending.pop(ready))
        for future in as_completed(list(pending)):
            collect(future, pending.pop(future))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: Chunks per worker: enough to even out files of unequal size, few enough that each
#: worker's engines (a RelaxNG grammar reduced to the elements it has met) settle.
CHUNKS_PER_JOB = 4


def validate(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
             schemas: Sequence[str] | str | None = None, *, jobs: int = 1,
             embedded_schematron: bool = False,
             on_file: ProgressCallback | None = None) -> Report:
    """Validate files, folders (recursively ``*.xml``) and globs into one report.

    ``on_file(done, total)`` is called after each file, for progress displays.
    Raises :class:`~teikit.diagnostics.UsageError` for an unknown schema name and
    :class:`~teikit.diagnostics.TeikitError` when a schema cannot be used at all.
    """
    from teikit.validation.schemas import check_names

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    names = ([schemas] if isinstance(schemas, str) else list(schemas)) if schemas else None
    check_names(names or [])
    files, problems = expand_paths(paths)
    report = Report(diagnostics=list(problems), input_error=bool(problems))
    report.files.extend(d.file for d in problems)
    total = len(files)
    results: list[Report | None] = [None] * total
    for i, warm in _warm_up(files, names, embedded_schematron).items():
        results[i] = warm
    if jobs <= 1 or total <= 1:
        done = sum(r is not None for r in results)
        for i, path in enumerate(files):
            if results[i] is None:
                results[i] = _validate_path(path, names, embedded_schematron)
                done += 1
                if on_file:
                    on_file(done, total)
    else:
        _in_parallel(files, names, embedded_schematron, jobs, results, on_file)
    for result in results:
        if result is not None:
            report.merge(result)
    return report
