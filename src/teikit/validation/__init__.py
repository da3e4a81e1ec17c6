"""Validation: files, folders and globs in; one :class:`~teikit.diagnostics.Report` out.

This module is the public face: :func:`validate_document` runs the engines that
:mod:`teikit.validation.schemas` resolves for one loaded document, and :func:`validate`
reads its arguments and hands the files to :mod:`teikit.validation.batch`, which owns
workers, warm-up and ordering.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from teikit.diagnostics import Diagnostic, Report, TeikitError, UsageError
from teikit.locations import display_path

__all__ = ["expand_paths", "validate", "validate_document"]

ProgressCallback = Callable[[int, int], None]


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)


def validate_document(doc: object, schemas: Sequence[str] | None = None, *,
                      embedded_schematron: bool = False) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.resolve`);
    by default the document's ``xml-model`` PIs, else the teikit profile. A schema that
    cannot be used (it does not compile, is unsafe, or fails while running) is a located
    error in this document's report, not the end of a run over many documents; only
    failures without a location (the schema store is broken) are raised.
    """
    from teikit.validation.schemas import resolve

    path = doc.path  # type: ignore[attr-defined]
    report = Report(files=[display_path(str(path))] if path else [])
    found: list[Diagnostic] = [replace(d, file=display_path(d.file)) if d.file else d
                               for d in getattr(doc, "notes", ())]
    engines: list[object] = []
    try:
        engines = list(resolve(list(schemas) if schemas else None, doc,
                               embedded_schematron=embedded_schematron))
    except TeikitError as exc:
        found.append(_isolated(exc, report))
    for engine in engines:
        try:
            found.extend(engine.validate(doc))  # type: ignore[attr-defined]
        except TeikitError as exc:
            found.append(_isolated(exc, report))
    # One engine may reach the same fact through two schemas; say it once.
    unique = list(dict.fromkeys(found))
    report.add(sorted(unique, key=_sort_key))
    return report


def _isolated(exc: TeikitError, report: Report) -> Diagnostic:
    """A schema's failure as this document's located error (an input error: exit 2), or
    ``exc`` raised again when it has no location, i.e. teikit itself cannot run."""
    if exc.diagnostic is None or isinstance(exc, UsageError):
        raise exc
    report.input_error = True
    diag = exc.diagnostic
    return replace(diag, file=display_path(diag.file)) if diag.file else diag


def validate(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
             schemas: Sequence[str] | None = None, *, jobs: int = 1,
             embedded_schematron: bool = False,
             on_file: ProgressCallback | None = None) -> Report:
    """Validate files, folders (recursively ``*.xml``) and globs into one report.

    ``on_file(done, total)`` is called after each file, for progress displays.
    Raises :class:`~teikit.diagnostics.UsageError` for an unknown schema name and
    :class:`~teikit.diagnostics.TeikitError` when a schema cannot be used at all.
    The work itself is :mod:`teikit.validation.batch`'s.
    """
    from teikit.validation.batch import Options, expand_paths, project_roots, run
    from teikit.validation.schemas import check_names

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = list(paths)
    names = tuple(schemas) if schemas else None
    check_names(list(names or ()))
    files, problems = expand_paths(paths)
    report = Report(diagnostics=list(problems), input_error=bool(problems))
    report.files.extend(d.file for d in problems)
    options = Options(schemas=names, embedded_schematron=embedded_schematron, jobs=jobs,
                      roots=project_roots(paths, files))
    for result in run(files, options, on_file=on_file):
        report.merge(result)
    return report


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate and a diagnostic per dud input (see
    :func:`teikit.validation.batch.expand_paths`)."""
    from teikit.validation.batch import expand_paths as expand

    return expand(paths)
