"""Validation: files, folders and globs in; one :class:`~teikit.diagnostics.Report` out.

This module is the public face: :func:`validate` reads its arguments and hands the
files to :mod:`teikit.validation.batch`, which owns workers, warm-up, ordering and
:func:`validate_document` (the engines that :mod:`teikit.validation.schemas` resolves,
run on one loaded document).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.collector import collector_paused
from teikit.diagnostics import Diagnostic, Report, Severity
from teikit.validation.batch import Options, ProgressCallback, project_roots, run, validate_document
from teikit.validation.batch import expand_paths as expand
from teikit.validation.cache import ResultCache
from teikit.validation.digests import Status

if TYPE_CHECKING:
    from teikit.validation.schemas import Settings

__all__ = ["expand_paths", "validate", "validate_document"]


def validate(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    schemas: Sequence[str] | str | None = None,
    *,
    jobs: int = 1,
    embedded_schematron: bool = False,
    on_file: ProgressCallback | None = None,
    settings: Settings | None = None,
    cache: ResultCache | None = None,
    dask: str | None = None,
    timeout: float | None = None,
    memory_limit: int | None = None,
    include: Sequence[str] = ("*.xml", "*.tei"),
    exclude: Sequence[str] = (),
    skip_non_tei: bool = False,
    spool: bool = False,
) -> Report:
    """Validate files, folders (recursively ``include``: ``*.xml``, ``*.tei``) and globs
    into one report (see :mod:`teikit.validation.discovery` for what is skipped and why;
    ``exclude`` globs are relative to ``settings.root``).

    ``on_file(done, total)`` is called after each file, for progress displays. With a
    ``cache`` (:class:`~teikit.validation.cache.ResultCache`), files whose result is
    there are not validated again (looked up before any engine is warmed, so a re-run
    over an unchanged corpus compiles no schema); the report is the same either way.
    ``timeout`` (seconds) validates each file in a worker process that is stopped when
    it overruns: that file gets a ``load:timeout`` error and the others are validated.
    ``memory_limit`` (MB) does the same for a worker whose memory grows past it
    (``load:memory``). With neither, and one job, files are validated in this process,
    unbounded.
    With ``dask`` (``"local"`` or a scheduler address), the files not found in the cache
    are validated on that Dask cluster (:mod:`teikit.validation.cluster`; a local one
    has ``jobs`` workers when ``jobs > 1``).
    With ``spool``, the report keeps its findings on disk as they come
    (:meth:`~teikit.diagnostics.Report.spool`), so a run that finds millions holds
    only a chunk of them: read them by iterating the report, not ``.diagnostics``.

    Raises :class:`~teikit.diagnostics.UsageError` for an unknown schema name and
    :class:`~teikit.diagnostics.TeikitError` when a schema cannot be used at all.
    The work itself is :mod:`teikit.validation.batch`'s.
    """
    from teikit.validation.discovery import discover
    from teikit.validation.schemas import check_names

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = list(paths)
    names = ((schemas,) if isinstance(schemas, str) else tuple(schemas)) if schemas else None
    check_names(list(names or ()), settings)
    # What follows allocates a few objects per file and frees none of them in cycles:
    # the cyclic collector's passes over them were a quarter of a warm re-run.
    with collector_paused():
        snapshot = None
        seen: dict[str, Status] = {}  # discovery's look at each file, for the lookups
        if cache is not None:
            from teikit.validation.snapshot import Snapshot

            command = {
                "paths": [os.fspath(p) for p in paths],
                "include": list(include),
                "exclude": list(exclude),
                "skip_non_tei": skip_non_tei,
                "schemas": names,
                "embedded_schematron": embedded_schematron,
                "settings": repr(settings),
            }
            snapshot = Snapshot(cache, command)
        files, problems = discover(
            paths,
            include=include,
            exclude=exclude,
            root=settings.root if settings else None,
            skip_non_tei=skip_non_tei,
            digest=cache is not None,
            split=jobs > 1,
            statuses=seen,
        )
        duds = [d for d in problems if d.severity is Severity.ERROR]
        report = Report(diagnostics=list(problems), input_error=bool(duds))
        report.files.extend(d.file for d in duds)
        if spool:
            report.spool()
        options = Options(
            schemas=names,
            embedded_schematron=embedded_schematron,
            jobs=jobs,
            roots=project_roots(paths, files),
            settings=settings,
            cache=str(cache.folder) if cache is not None else None,
            timeout=timeout,
            memory_limit=memory_limit,
        )
        # Each file's report is folded into the run's as soon as the files before it are
        # in, and dropped: the run holds only those that finished ahead of a slower one.
        add = report.merger()
        waiting: dict[int, Report] = {}
        following = 0

        def arrive(i: int, result: Report) -> None:
            nonlocal following
            if snapshot is not None:
                snapshot.note(files[i], result)
            waiting[i] = result
            while following in waiting:
                add(waiting.pop(following))
                following += 1

        todo = []
        cached = None
        if cache is not None:
            # Entries a snapshot holds are read at once: no child to split the lookups with.
            split = jobs > 1 and not cache.known
            cached = cache.lookup_many(files, options.deciding, split=split, statuses=seen)
        for i in range(len(files)):
            hit = cached[i] if cached is not None else None
            if hit is None:
                todo.append(i)
            else:
                arrive(i, hit)
        hits = len(files) - len(todo)

    def progress(done: int, total: int) -> None:
        if on_file:
            on_file(hits + done, hits + total)

    def computed(j: int, result: Report) -> None:
        arrive(todo[j], result)

    _compute([files[i] for i in todo], options, dask, progress, computed)
    assert not waiting and following == len(files), "a file's report went missing"
    if snapshot is not None:
        snapshot.save(files, options.deciding)
    return report


def _compute(
    files: list[Path],
    options: Options,
    dask: str | None,
    on_file: ProgressCallback,
    on_report: Callable[[int, Report], None],
) -> None:
    """Validate ``files`` (those the cache did not have) in this process or its pool
    (:func:`teikit.validation.batch.run`), or on the Dask cluster ``dask``; with none,
    nothing at all: no cluster, no pool, not even their imports."""
    if not files:
        return
    if dask:
        from teikit.validation import cluster

        workers = options.jobs if options.jobs > 1 else None
        cluster.run(files, options, dask, on_file=on_file, workers=workers, on_report=on_report)
    else:
        run(files, options, on_file=on_file, on_report=on_report)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate and a diagnostic per dud input (see
    :func:`teikit.validation.batch.expand_paths`)."""

    return expand(paths)
