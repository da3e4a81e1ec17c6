"""One loaded document judged: its schemas planned, its engines run, its findings
said once each and sorted.

A schema that fails (it does not compile, is unsafe, or fails while running) is a
located error of that document, not the end of a run over many; only a failure without
a location (a broken schema store) is raised, as teikit itself cannot run. When a
child checks the document's grammars (:mod:`teikit.validation.beside`), the reference
check runs here meanwhile and the child's findings are taken as if found here.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.collector import free_later
from teikit.diagnostics import (
    Diagnostic,
    Report,
    SchemaUse,
    TeikitError,
    UsageError,
    restored,
)
from teikit.document import Document, load
from teikit.loading import note_dependency
from teikit.locations import display_path
from teikit.validation import beside
from teikit.validation.facts import said_once

if TYPE_CHECKING:
    from teikit.validation.schemas import Engine, Plan, Settings

#: A report's order: by file, line, column, rule, message (read in C: 10^5 findings).
_sort_key = operator.attrgetter("file", "line", "column", "rule", "message")


def validate_document(
    doc: Document,
    schemas: Sequence[str] | str | None = None,
    *,
    embedded_schematron: bool = False,
    settings: Settings | None = None,
) -> Report:
    """Validate one loaded :class:`~teikit.document.Document`.

    ``schemas`` are names or paths (see :func:`teikit.validation.schemas.plan`);
    by default the document's ``xml-model`` PIs, else tei_all and the reference check.
    The report names, for the file, every schema that judged it. A schema that cannot
    be used (it does not compile, is unsafe, or fails while running) is a located error
    in this document's report, not the end of a run over many documents; only failures
    without a location (a broken schema store) are raised: teikit itself cannot run.
    """
    return judged(doc, schemas, embedded_schematron, settings, None)


#: What a child checking a document's grammars sends back (:func:`grammars_of`): the
#: schemas of its plan, and the grammars' findings as plain tuples.
Grammars = tuple[list[SchemaUse], list[tuple[object, ...]]]


def judged(
    doc: Document,
    schemas: Sequence[str] | str | None,
    embedded_schematron: bool,
    settings: Settings | None,
    grammars: beside.Child[Grammars] | None,
) -> Report:
    """:func:`validate_document`, the grammars' findings taken from ``grammars`` (a
    child checking them, :mod:`teikit.validation.beside`) when it delivers them."""
    shown = display_path(str(doc.path)) if doc.path else ""
    report = Report(files=[shown] if doc.path else [])
    found: list[Diagnostic] = [
        d._replace(file=display_path(d.file)) if d.file else d for d in doc.notes
    ]
    try:
        found_plan = _plan(doc, schemas, embedded_schematron, settings)
    except TeikitError as exc:
        found.append(_isolated(exc, report))
        report.add(found)
        return report
    report.input_error = found_plan.unavailable
    report.schemas[shown] = list(found_plan.schemas)
    found.extend(d._replace(file=d.file or shown) for d in found_plan.notices)
    for engine in found_plan.engines:  # the schemas decide the result: the cache must know
        source = getattr(engine, "path", None) or getattr(engine, "source", None)
        if source:
            note_dependency(source)
    found.extend(_findings(found_plan, doc, report, grammars))
    # One engine may reach the same fact through two schemas; say it once.
    unique = said_once(list(dict.fromkeys(found)))
    if any(d.line and not d.column and d.xpath for d in unique):  # not RelaxNG's: placed
        from teikit.validation.rng.positions import placed

        unique = placed(doc.path, doc.root, unique)
    report.add(sorted(unique, key=_sort_key))
    return report


def _plan(
    doc: Document | None,
    schemas: Sequence[str] | str | None,
    embedded_schematron: bool,
    settings: Settings | None,
) -> Plan:
    """The schemas and engines that judge ``doc`` (:func:`~teikit.validation.schemas.plan`)."""
    from teikit.validation.schemas import Settings, plan

    settings = settings or Settings()
    if embedded_schematron and not settings.embedded_schematron:
        settings = replace(settings, embedded_schematron=True)
    names = [schemas] if isinstance(schemas, str) else list(schemas or [])
    return plan(names or None, doc, settings)


def _findings(
    found_plan: Plan, doc: Document, report: Report, grammars: beside.Child[Grammars] | None
) -> list[Diagnostic]:
    """Every engine's findings on ``doc``, a failing schema as its located error. With a
    child checking the grammars, the worker runs the reference check meanwhile and
    takes the child's findings (the order does not show: findings are de-duplicated and
    sorted); unless the child did not deliver them, or planned other schemas."""
    from teikit.validation.schemas import References

    if grammars is None:
        return _guarded(found_plan.engines, doc, report)
    aside = [e for e in found_plan.engines if not isinstance(e, References)]
    found = _guarded([e for e in found_plan.engines if isinstance(e, References)], doc, report)
    theirs = grammars.result()
    if theirs is None or theirs[0] != list(found_plan.schemas):
        return found + _guarded(aside, doc, report)
    return found + restored(theirs[1])


def worth_a_child(
    schemas: Sequence[str] | None, embedded_schematron: bool, settings: Settings | None
) -> bool:
    """Whether a child checking a document's grammars would have work beside its
    reference check: False only when the schemas are named (so the plan is known before
    the document is read) and they lack the one or the other, where a child would only
    hold a second tree. A document's PIs and the defaults bring both."""
    from teikit.validation.schemas import References

    if not schemas:
        return True
    try:
        engines = _plan(None, schemas, embedded_schematron, settings).engines
    except TeikitError:
        return False  # the worker's own plan says what is wrong
    split = [isinstance(e, References) for e in engines]
    return any(split) and not all(split)


def grammars_of(
    path: Path,
    data: bytes,
    schemas: Sequence[str] | None,
    embedded_schematron: bool,
    settings: Settings | None,
) -> Grammars:
    """In a child (:mod:`teikit.validation.beside`): the document read from ``data``,
    planned as the worker plans it (:func:`judged`), and every engine but the reference
    check run on it (a failure raised: the worker then runs them itself)."""
    from teikit.validation.schemas import References

    doc = load(path, data=data)
    free_later(doc)  # in the child: never freed (it would delay the child's answer)
    found_plan = _plan(doc, schemas, embedded_schematron, settings)
    aside = [e for e in found_plan.engines if not isinstance(e, References)]
    return list(found_plan.schemas), [tuple(d) for e in aside for d in e.validate(doc)]


def starts_of(data: bytes, question: tuple[int, list[int]]) -> list[tuple[int, int]] | None:
    """In a child: where the start tags the reference check asks about end, read from
    the document's ``data`` (:func:`~teikit.validation.rng.positions.starts_in`)."""
    from teikit.validation.rng.positions import starts_in

    return starts_in(data, question)


def _guarded(engines: Sequence[Engine], doc: Document, report: Report) -> list[Diagnostic]:
    """Each engine's findings; a schema that fails is that document's error (see
    :func:`_isolated`), not the end of the others."""
    found: list[Diagnostic] = []
    for engine in engines:
        try:
            found.extend(engine.validate(doc))
        except TeikitError as exc:
            found.append(_isolated(exc, report))
    return found


def _isolated(exc: TeikitError, report: Report) -> Diagnostic:
    """A schema's failure as this document's located error (an input error: exit 2), or
    ``exc`` raised again when it has no location, i.e. teikit itself cannot run."""
    if exc.diagnostic is None or isinstance(exc, UsageError):
        raise exc
    report.input_error = True
    diag = exc.diagnostic
    return diag._replace(file=display_path(diag.file)) if diag.file else diag
