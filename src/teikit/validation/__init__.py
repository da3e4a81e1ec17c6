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

from teikit.diagnostics import Diagnostic, Report
from teikit.locations import display_path

__all__ = ["expand_paths", "validate", "validate_document"]

ProgressCallback = Callable[[int, int], None]


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)


#: Codes that restate, on the same line, what RelaxNG's ID semantics report: a duplicate
#: xml:id is found by the grammar (``xsd:ID``), the reference check and teikit.sch alike.
_SAME_FACT = {"ref:duplicate-id": "rng:duplicate-id", "sch:id-unique": "rng:duplicate-id"}


def _one_report_per_fact(found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` without the diagnostics that only repeat another engine's finding on
    the same line (see :data:`_SAME_FACT`): an editor fixes one thing, not three."""
    said = {(d.file, d.line, d.rule) for d in found}
    return [d for d in found if d.rule not in _SAME_FACT
            or (d.file, d.line, _SAME_FACT[d.rule]) not in said]


def validate_document(doc: object, schemas: Sequence[str] | None = None, *,
                      embedded_schematron: bool = False) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.resolve`);
    by default the document's ``xml-model`` PIs, else the teikit profile.
    """
    from teikit.validation.schemas import resolve

    engines = resolve(list(schemas) if schemas else None, doc,
                      embedded_schematron=embedded_schematron)
    path = doc.path  # type: ignore[attr-defined]
    report = Report(files=[display_path(str(path))] if path else [])
    found: list[Diagnostic] = []
    for engine in engines:
        found.extend(engine.validate(doc))
    # One engine may reach the same fact through two schemas; say it once.
    unique = _one_report_per_fact(list(dict.fromkeys(found)))
    report.add(sorted(unique, key=_sort_key))
    return report


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
    from teikit.validation.batch import Options, expand_paths, run
    from teikit.validation.schemas import check_names

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    names = tuple(schemas) if schemas else None
    check_names(list(names or ()))
    files, problems = expand_paths(paths)
    report = Report(diagnostics=list(problems), input_error=bool(problems))
    report.files.extend(d.file for d in problems)
    options = Options(schemas=names, embedded_schematron=embedded_schematron, jobs=jobs)
    for result in run(files, options, on_file=on_file):
        report.merge(result)
    return report


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate and a diagnostic per dud input (see
    :func:`teikit.validation.batch.expand_paths`)."""
    from teikit.validation.batch import expand_paths as expand

    return expand(paths)
