"""The one diagnostic model shared by every engine, and the one exit policy.

Every validator, the loader and the stylesheets report through :class:`Diagnostic`,
so a CI log, a SARIF upload and a library caller all see the same rule codes and
locations. :class:`Report` is the only place that turns findings into an exit code.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict, Unpack

# Severities, exit codes and the exceptions live one floor lower (teikit.codes) so the
# renderers can use them without importing this module; they are re-exported here.
from teikit.codes import ExitCode, LoadError, Severity, TeikitError, UsageError
from teikit.files import Spool

__all__ = [
    "Diagnostic",
    "ExitCode",
    "LoadError",
    "Report",
    "Severity",
    "TeikitError",
    "UsageError",
    "Where",
    "error",
]


class Diagnostic(NamedTuple):
    """One located finding.

    ``rule`` is a stable code with an engine prefix (``rng:``, ``xsd:``, ``sch:<id>``,
    ``ref:unresolved``, ``xml:malformed``, ``load:…``) so that users can search,
    suppress and document findings; ``line`` and ``column`` are 1-based, 0 when unknown.
    ``expected`` lists, when an engine knows them, what would have been allowed at that
    point (element names, attribute names or values) in full; the message names only
    the first few, so a tool reading JSON can offer all of them.

    Why a named tuple (immutable, compared and hashed by value, ``_replace`` for a
    changed copy): a document can have 10^5 findings, each made where it is found,
    de-duplicated, sent from a worker, spooled and read back. A tuple is made, hashed,
    pickled and read back in C; a frozen dataclass sets each field through
    ``object.__setattr__`` and pickles through Python (5.3 µs a finding on those
    steps, against 2.5).
    """

    severity: Severity
    rule: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    xpath: str = ""
    expected: tuple[str, ...] = ()

    def __str__(self) -> str:
        """``file:line:col: severity [rule] message`` on one line, whatever the file name
        and message hold (see :func:`one_line`)."""
        severity, rule, message, where, line, column = self[:6]
        if not where:
            where = "<input>"
        elif where[:2] == "::":
            where = "./" + where  # a file named like a workflow command stays a file name
        text = (
            f"{where}:{line}:{column or 1}: {severity!s} [{rule}] {message}"
            if line
            else f"{where}: {severity!s} [{rule}] {message}"
        )
        # One escape over the line: its own parts (": ", " [", "] ") have nothing to escape.
        return text if text.isprintable() else one_line(text)

    def to_dict(self) -> dict[str, object]:
        """The stable JSON shape of one diagnostic (documented in the README);
        ``expected`` only when the engine said what would have been allowed."""
        shape: dict[str, object] = {
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "xpath": self.xpath,
        }
        if self.expected:
            shape["expected"] = list(self.expected)
        return shape


@dataclass(frozen=True, slots=True, order=True)
class SchemaUse:
    """A schema that judged a file, by name and version (``tei_all`` ``4.3.0``).

    Reports carry these per file so a CI log says what a green or red verdict was
    measured against; a local file's "version" is the start of its SHA-256.
    """

    name: str
    version: str = ""

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name

    def to_dict(self) -> dict[str, str]:
        """The JSON shape (docs/json-report.md): ``{"name": …, "version": …}``."""
        return {"name": self.name, "version": self.version}


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with control characters and line breaks shown as escapes (``\\n``,
    ``\\x1b``), so a message is always one line.

    Why: messages quote documents, and file names come from the repository; in CI a
    line that begins with ``::`` is a workflow command (``::error``, ``::add-mask``,
    ``::stop-commands``), and a terminal obeys escape sequences. A document must not be
    able to write either into teikit's output.
    """
    # Every character :data:`_CONTROL` matches is unprintable: a printable text (the
    # common case, tested in C) has none, and the scan for them is half of writing a line.
    return text if text.isprintable() else _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return named.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


class Where(TypedDict, total=False):
    """Where a finding is: the keyword arguments :func:`error` and :class:`Diagnostic`
    take after the message (what :func:`teikit.locations.locate` returns), so that
    ``**where`` is checked, not waved through."""

    file: str
    line: int
    column: int
    xpath: str


def error(
    rule: str, message: str, *, expected: tuple[str, ...] = (), **where: Unpack[Where]
) -> Diagnostic:
    """Shorthand for the common case of an error-level diagnostic."""
    return Diagnostic(Severity.ERROR, rule, message, expected=expected, **where)


def _grouped(found: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    groups: dict[str, list[Diagnostic]] = {}
    for d in found:
        groups.setdefault(d.file or "<input>", []).append(d)
    return groups


_SEVERITY, _FILE = operator.attrgetter("severity"), operator.attrgetter("file")


def _named_files(found: list[Diagnostic]) -> tuple[str, ...]:
    """The files ``found`` names, each once, in order (``<input>`` for none): a chunk's
    keys, as :meth:`Report.by_file` groups by them."""
    return tuple(name or "<input>" for name in dict.fromkeys(map(_FILE, found)))


#: A finding from its fields as a plain tuple, made in C (no Python call per finding).
_as_diagnostic = functools.partial(tuple.__new__, Diagnostic)


def restored(rows: Iterable[tuple[Any, ...]]) -> list[Diagnostic]:
    """Findings from their fields as plain tuples (``tuple(d)``): how they cross to
    another process or to disk, since pickling a named tuple calls Python per finding
    and a tuple is pickled, and made a finding again, in C. The rows must be teikit's
    own (nothing checks their fields)."""
    return list(map(_as_diagnostic, rows))


def _unspooled(spool: Spool[tuple[Any, ...]]) -> Iterator[Diagnostic]:
    """The findings of ``spool``, in order (see :func:`restored`)."""
    return map(_as_diagnostic, spool)


#: Findings a spooled report holds in memory before it writes them to disk, as one chunk
#: (some 20 MB: a finding that lists what tei_all allows in a ``p`` is ~2 KB).
SPOOL_CHUNK = 10_000


@dataclass
class Report:
    """The findings of one run over one or more files.

    ``files`` lists every file that was checked, clean or not, so that per-file
    formats (JUnit) can show passing files too; ``schemas`` says, per file, which
    schemas judged it.

    A report of a large run may keep its findings on disk (:meth:`spool`): then
    ``diagnostics`` holds only those not yet spooled, and iterating the report
    (``for d in report``, ``len(report)``, :meth:`by_file`) sees them all, in order.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    input_error: bool = False
    schemas: dict[str, list[SchemaUse]] = field(default_factory=dict)
    #: The project asked for warnings to fail the run too (``warnings-as-errors``).
    warnings_as_errors: bool = False
    #: findings moved to disk (:meth:`spool`); they come before ``diagnostics``
    spooled: Spool[tuple[Any, ...]] | None = field(default=None, repr=False, compare=False)
    #: the severities of the findings on disk, so that the verdict (:attr:`ok`) does not
    #: read them back (10^5 findings: a third of a second)
    spooled_severities: set[Severity] = field(default_factory=set, repr=False, compare=False)
    #: where the result cache keeps this (one file's) report: its key, and the files it
    #: was computed from with their SHA-256, for the run's snapshot
    #: (:mod:`teikit.validation.snapshot`); None outside the cache. Not a finding.
    stored: tuple[str, tuple[tuple[str, str], ...]] | None = field(
        default=None, repr=False, compare=False
    )

    def __iter__(self) -> Iterator[Diagnostic]:
        if self.spooled is None:
            return iter(self.diagnostics)
        return itertools.chain(_unspooled(self.spooled), self.diagnostics)

    def __len__(self) -> int:
        return len(self.diagnostics) + (len(self.spooled) if self.spooled else 0)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """True when nothing at error level (or, with ``warnings_as_errors``, at warning
        level) was found."""
        failing = (
            (Severity.ERROR, Severity.WARNING) if self.warnings_as_errors else (Severity.ERROR,)
        )
        if self.input_error or not self.spooled_severities.isdisjoint(failing):
            return False
        return not any(d.severity in failing for d in self.diagnostics)

    def spool(self, *, memory: bool = False) -> None:
        """Keep this report's findings on disk (or, ``memory``, pickled in memory: see
        :meth:`packed`) from now on: those found so far go there at once, and
        :meth:`merger` moves each :data:`SPOOL_CHUNK` more as they come."""
        if self.spooled is None:
            self.spooled = Spool(memory=memory)
        found = self.diagnostics
        self.spooled_severities.update(map(_SEVERITY, found))
        self.spooled.write(list(map(tuple, found)), _named_files(found))
        self.diagnostics = []

    def packed(self) -> Report:
        """This report as it should cross to another process: with :data:`SPOOL_CHUNK` or
        more findings, those pickled once into an in-memory spool, which a spooled run
        takes as it is (:meth:`merger`); fewer travel as objects."""
        if self.spooled is None and len(self.diagnostics) >= SPOOL_CHUNK:
            self.spool(memory=True)
        return self

    def by_file(self) -> Iterator[tuple[str, list[Diagnostic]]]:
        """Each file's findings, files in ``files`` order (then files only findings
        name; ``<input>`` for none), one file at a time. A spooled report is read a
        chunk at a time: each chunk was written with the files it names, and is grouped
        by file when it is read (a file's findings mostly sit in one)."""
        where: dict[str, list[int]] = {f: [] for f in self.files}
        spooled = self.spooled.chunk_count if self.spooled is not None else 0
        for n in range(spooled + 1):
            names = (
                self.spooled.keys(n)
                if self.spooled is not None and n < spooled
                else _named_files(self.diagnostics)
            )
            for name in names:
                where.setdefault(name, []).append(n)
        held: tuple[int, dict[str, list[Diagnostic]]] = (-1, {})
        for name, places in where.items():
            found: list[Diagnostic] = []
            for n in places:
                if held[0] != n:
                    held = (n, _grouped(self._chunk(n)))
                found.extend(held[1][name])
            yield name, found

    def _chunk(self, n: int) -> list[Diagnostic]:
        """The ``n``-th chunk: a spooled one, or (after them) the findings held."""
        if self.spooled is not None and n < self.spooled.chunk_count:
            return restored(self.spooled.chunk(n))
        return self.diagnostics

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings, 2 input could not be read (the one exit policy)."""
        if self.input_error:
            return ExitCode.INPUT
        return ExitCode.OK if self.ok else ExitCode.FINDINGS

    def add(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def merge(self, other: Report) -> None:
        """Fold another report (for example one file's) into this one."""
        self.merge_all([other])

    def merge_all(self, others: Iterable[Report]) -> None:
        """Fold many reports into this one, in order, each file listed once.

        One pass with a set of the files seen: merging a run's 10^4 per-file reports one
        by one with :meth:`merge` would compare every file with every other.
        """
        add = self.merger()
        for other in others:
            add(other)

    def merger(self) -> Callable[[Report], None]:
        """A function that folds one report after another into this one, as
        :meth:`merge_all` does, for reports that arrive one at a time (a run folds each
        file's report in as soon as the files before it are in, and drops it)."""
        seen = set(self.files)

        def add(other: Report) -> None:
            if other.spooled is not None and self.spooled is not None:
                self.spool()  # what came before goes first
                self.spooled.extend(other.spooled)
                self.spooled_severities.update(other.spooled_severities)
            elif other.spooled is not None:
                self.diagnostics.extend(_unspooled(other.spooled))
            self.diagnostics.extend(other.diagnostics)
            if self.spooled is not None and len(self.diagnostics) >= SPOOL_CHUNK:
                self.spool()
            for f in other.files:
                if f not in seen:
                    seen.add(f)
                    self.files.append(f)
            self.input_error = self.input_error or other.input_error
            for file, used in other.schemas.items():
                mine = self.schemas.get(file)
                if mine is None:  # the common case: each file's report names its own
                    self.schemas[file] = list(used)
                else:
                    mine.extend(u for u in used if u not in mine)

        return add

    def schemas_used(self) -> list[SchemaUse]:
        """Every schema that judged some file in this report, each once, in first use order."""
        seen: list[SchemaUse] = []
        for used in self.schemas.values():
            seen.extend(u for u in used if u not in seen)
        return seen

    def for_file(self, file: str) -> list[Diagnostic]:
        return [d for d in self if d.file == file]

    def render(self, fmt: str = "text") -> str:
        """The report as text, json, junit, sarif or github (see :mod:`teikit.render`)."""
        from teikit.render import render

        return render(self, fmt)
