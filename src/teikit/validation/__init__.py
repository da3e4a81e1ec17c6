"""Validation: files, folders and globs in; one :class:`~teikit.diagnostics.Report` out.

This module is the public face: :func:`validate_document` runs the engines that
:mod:`teikit.validation.schemas` resolves for one loaded document, and :func:`validate`
reads its arguments and hands the files to :mod:`teikit.validation.batch`, which owns
workers, warm-up and ordering.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.diagnostics import Diagnostic, Report
from teikit.locations import display_path

if TYPE_CHECKING:
    from teikit.document import Document
    from teikit.validation.schemas import Settings

__all__ = ["expand_paths", "validate", "validate_document"]

ProgressCallback = Callable[[int, int], None]


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)


def validate_document(doc: Document, schemas: Sequence[str] | str | None = None, *,
                      embedded_schematron: bool = False,
                      settings: Settings | None = None) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.plan`);
    by default the document's ``xml-model`` PIs, else tei_all and the reference check.
    The report names, for the file, every schema that judged it.
    """
    from dataclasses import replace

    from teikit.validation.schemas import Settings, plan

    settings = settings or Settings()
    if embedded_schematron and not settings.embedded_schematron:
        settings = replace(settings, embedded_schematron=True)
    names = [schemas] if isinstance(schemas, str) else list(schemas or [])
    found_plan = plan(names or None, doc, settings)
    shown = display_path(str(doc.path)) if doc.path else ""
    report = Report(files=[shown] if doc.path else [], input_error=found_plan.unavailable)
    report.schemas[shown] = list(found_plan.schemas)
    found: list[Diagnostic] = [replace(d, file=d.file or shown) for d in found_plan.notices]
    for engine in found_plan.engines:
        found.extend(engine.validate(doc))
    # One engine may reach the same fact through two schemas; say it once.
    unique = list(dict.fromkeys(found))
    report.add(sorted(unique, key=_sort_key))
    return report


def validate(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
             schemas: Sequence[str] | str | None = None, *, jobs: int = 1,
             embedded_schematron: bool = False,
             on_file: ProgressCallback | None = None,
             settings: Settings | None = None, include: Sequence[str] = ("*.xml", "*.tei"),
             exclude: Sequence[str] = (), skip_non_tei: bool = False) -> Report:
    """Validate files, folders (recursively ``include``: ``*.xml``, ``*.tei``) and globs
    into one report (see :mod:`teikit.validation.discovery` for what is skipped and why;
    ``exclude`` globs are relative to ``settings.root``).

    ``on_file(done, total)`` is called after each file, for progress displays.
    Raises :class:`~teikit.diagnostics.UsageError` for an unknown schema name and
    :class:`~teikit.diagnostics.TeikitError` when a schema cannot be used at all.
    The work itself is :mod:`teikit.validation.batch`'s.
    """
    from teikit.diagnostics import Severity
    from teikit.validation.batch import Options, run
    from teikit.validation.discovery import discover
    from teikit.validation.schemas import check_names

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    names = ((schemas,) if isinstance(schemas, str) else tuple(schemas)) if schemas else None
    check_names(list(names or ()), settings)
    files, problems = discover(paths, include=include, exclude=exclude,
                               root=settings.root if settings else None,
                               skip_non_tei=skip_non_tei)
    duds = [d for d in problems if d.severity is Severity.ERROR]
    report = Report(diagnostics=list(problems), input_error=bool(duds))
    report.files.extend(d.file for d in duds)
    options = Options(schemas=names, embedded_schematron=embedded_schematron, jobs=jobs,
                      settings=settings)
    for result in run(files, options, on_file=on_file):
        report.merge(result)
    return report


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate and a diagnostic per dud input (see
    :func:`teikit.validation.batch.expand_paths`)."""
    from teikit.validation.batch import expand_paths as expand

    return expand(paths)
