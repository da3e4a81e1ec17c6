"""A :class:`~teikit.diagnostics.Report` in the forms people and CI systems read.

* ``text``: ``file:line:col: error [rule] message``, the form editors jump from;
* ``json``: a stable, versioned shape (``docs/json-report.md``) for scripts;
* ``junit``: one ``<testcase>`` per file, so CI test tabs show passing files too;
* ``sarif``: SARIF 2.1.0 for code-scanning dashboards, with a rule table;
* ``github``: workflow commands that become annotations on the pull request;
* ``markdown``: a findings table for ``$GITHUB_STEP_SUMMARY`` (GitHub shows only ten
  annotations per step, so the summary is where the full list lives).

Rendering is pure: it returns text, and the CLI decides where it goes.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.etree import ElementTree as ET

from teikit.codes import Severity, UsageError
from teikit.version import __version__

if TYPE_CHECKING:
    from teikit.diagnostics import Diagnostic, Report

JSON_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: Help for every rule code teikit itself defines (engines add ``rng:``, ``sch:`` … codes,
#: which fall back to :data:`PREFIX_HELP`). SARIF viewers show these texts.
RULE_HELP: dict[str, str] = {
    "xml:malformed": "The file is not well-formed XML; fix the markup at the position given.",
    "xml:empty": "The file is empty or has no root element.",
    "xml:encoding": "The bytes are not valid in the declared encoding; save the file as UTF-8.",
    "load:not-found": "A path given to teikit names no file (or a folder with no *.xml).",
    "load:unreadable": "The file exists but cannot be read (permissions, I/O error).",
    "load:too-large": "The file is bigger than teikit's size limit (TEIKIT_MAX_BYTES).",
    "load:too-deep": "Elements are nested deeper than the parser's depth limit.",
    "load:not-tei": "The root element is not TEI or teiCorpus in the TEI namespace.",
    "load:entity-declared": "The document declares entities; teikit never expands them "
    "(XXE, expansion bombs). Write the characters or markup instead.",
    "load:dtd-external": "The DOCTYPE names an external DTD; teikit loads no DTDs.",
    "load:xinclude-outside": "An XInclude reaches outside the document's folder tree.",
    "load:xinclude-remote": "An XInclude names a remote resource; only local files are included.",
    "load:xinclude-missing": "An XInclude names a file (or xpointer) that does not exist and "
    "has no xi:fallback.",
    "load:xinclude-loop": "XIncludes include each other in a cycle (or nest too deep).",
    "load:xinclude-root": "The root element itself is an xi:include.",
    "load:xinclude-too-many": "A document pulls in more XIncluded material than the limits allow.",
    "ref:unresolved": "A pointer (#id or file.xml#id) names an xml:id that does not exist.",
    "ref:file-missing": "A pointer names a local file that does not exist.",
    "ref:file-unreadable": "A pointer names a local file that is not safe, well-formed XML.",
    "ref:bad-prefix": "A prefixed pointer (prefix:value) has no prefixDef, or its value "
    "matches none of the prefixDef's matchPatterns.",
    "ref:duplicate-id": "Two elements carry the same xml:id.",
    "schema:unavailable": "A schema named by a PI, the configuration or the defaults cannot "
    "be had (not stored, fetching not allowed): run the command the message names "
    "(teikit schemas fetch …) or pass --fetch.",
    "schema:version": "A PI names the newest TEI/EpiDoc release; teikit says which stored "
    "version stands in for it.",
    "schema:missing": "An xml-model PI names a local schema file that does not exist.",
    "schema:rnc": "An xml-model PI names a RelaxNG compact-syntax schema; convert it with trang.",
    "schema:unknown-kind": "An xml-model PI names a schema whose kind teikit cannot tell.",
}

PREFIX_HELP: dict[str, str] = {
    "rng": "The document does not match the RelaxNG grammar.",
    "xsd": "The document does not match the W3C XML Schema.",
    "sch": "A Schematron assertion failed (or a report fired).",
    "ref": "A reference does not resolve.",
    "xml": "The file is not well-formed XML.",
    "load": "teikit refused to read the input.",
    "schema": "A schema could not be used.",
    "xslt": "A stylesheet reported a problem.",
    "epub": "The EPUB packaging reported a problem.",
    "epubcheck": "epubcheck (teikit build --check) found a problem in the EPUB.",
    "nu": "The Nu HTML Checker (teikit build --check) found a problem in the HTML page.",
}


def rule_help(rule: str) -> str:
    """The help text for ``rule``: its own, else its engine's."""
    return RULE_HELP.get(rule) or PREFIX_HELP.get(rule.partition(":")[0], "A teikit finding.")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(report: Report) -> str:
    """One line for the end of a run: ``120 files: 2 errors, 1 warning in 2 files``."""
    counts: Counter[Severity] = Counter()
    affected: set[str | None] = set()
    for d in report:
        if d.severity is not Severity.INFO:
            counts[d.severity] += 1
            affected.add(d.file)
    files = len(report.files)
    if not affected:
        return _with_schemas(f"{_plural(files, 'file')}: no errors, no warnings", report)
    return _with_schemas(
        f"{_plural(files, 'file')}: {_plural(counts[Severity.ERROR], 'error')}, "
        f"{_plural(counts[Severity.WARNING], 'warning')} in "
        f"{_plural(len(affected), 'file')}",
        report,
    )


def schemas_line(report: Report) -> str:
    """``schemas: tei_all@4.3.0 (2 files), teikit@0.1.0 (1 file)``: what judged the run
    ('' when no file was read), so no verdict is shown without its measure; a file read
    but judged by nothing (its schema unavailable, downgraded to a warning) counts under
    ``no schema``, so a pass that checked nothing says so."""
    counts: Counter[str] = Counter()
    for used in report.schemas.values():
        counts.update(list(dict.fromkeys(str(u) for u in used)) or ["no schema"])
    if not counts:
        return ""
    return "schemas: " + ", ".join(f"{name} ({_plural(n, 'file')})" for name, n in counts.items())


def _with_schemas(line: str, report: Report) -> str:
    used = schemas_line(report)
    return f"{line}; {used}" if used else line


def _text(report: Report) -> str:
    return "\n".join(str(d) for d in report)


def _json(report: Report) -> str:
    return json.dumps(
        _json_data(report, [d.to_dict() for d in report]), ensure_ascii=False, indent=2
    )


def _json_data(report: Report, diagnostics: list[object]) -> dict[str, object]:
    counts = Counter(d.severity.value for d in report)
    data = {
        "version": JSON_VERSION,
        "tool": {"name": "teikit", "version": __version__},
        "summary": {
            "files": len(report.files),
            "files_with_errors": len({d.file for d in report if d.severity is Severity.ERROR}),
            "errors": counts.get("error", 0),
            "warnings": counts.get("warning", 0),
            "infos": counts.get("info", 0),
            "ok": report.ok,
            "exit_code": report.exit_code,
        },
        "files": list(report.files),
        "schemas": _schemas_by_file(report),
        "diagnostics": diagnostics,
    }
    return data


def _schemas_by_file(report: Report) -> dict[str, list[dict[str, str]]]:
    return {file: [u.to_dict() for u in used] for file, used in report.schemas.items()}


#: Characters XML 1.0 cannot carry at all (a file name may hold them): shown as escapes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML character data needs them. Not
    ``xml.sax.saxutils.escape``: importing it imports ``urllib.request`` (with
    ``http.client`` and ``email``), a quarter of the command line's start-up."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _junit(report: Report) -> str:
    """The Ant JUnit shape most CI systems read, valid against its schema
    (``JUnit.xsd``): one suite, one ``testcase`` per file (a ``failure`` when it has
    errors), the schemas per file as suite properties, warnings in ``system-out``."""
    return "".join(_junit_pieces(report))


def _junit_pieces(report: Report) -> Iterator[str]:
    """:func:`_junit` piece by piece: what ``ElementTree`` writes for the whole suite,
    indented, but one ``testcase`` at a time, so a run of 10^5 files is never one tree
    nor one string. Each element is still written by ``ElementTree`` (its escaping)."""
    names = dict.fromkeys(report.files)
    names.update(dict.fromkeys(d.file or "<input>" for d in report))
    failing = len({d.file or "<input>" for d in report if d.severity is Severity.ERROR})
    suite = ET.Element(
        "testsuite",
        package="teikit",
        id="0",
        name="teikit validate",
        timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        hostname="localhost",
        tests=str(len(names)),
        failures=str(failing),
        errors="0",
        skipped="0",
        time="0",
    )
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  '
    yield ET.tostring(suite, encoding="unicode")[: -len(" />")] + ">\n    "
    properties = [(file, schema) for file, used in report.schemas.items() for schema in used]
    yield "<properties>\n      " if properties else "<properties />\n    "
    for n, (file, schema) in enumerate(properties, 1):
        prop = ET.Element("property", name="schema", value=_xml_text(f"{file}: {schema}"))
        prop.tail = "\n      " if n < len(properties) else "\n    "
        yield ET.tostring(prop, encoding="unicode")
    if properties:
        yield "</properties>\n    "
    for file, found in report.by_file():
        yield ET.tostring(_testcase(file, found), encoding="unicode")
    others = sum(1 for d in report if d.severity is not Severity.ERROR)
    if others:
        yield "<system-out>"
        lines = (str(d) for d in report if d.severity is not Severity.ERROR)
        for n, line in enumerate(lines):
            yield ("\n" if n else "") + _escape(_xml_text(line))
        yield "</system-out>\n    "
    else:
        yield "<system-out />\n    "
    yield "<system-err />\n  </testsuite>\n</testsuites>"


def _testcase(file: str, found: list[Diagnostic]) -> ET.Element:
    """One file's ``testcase``, indented as the suite's child (its tail included)."""
    case = ET.Element(
        "testcase", classname="teikit.validate", name=_xml_text(file) or "<input>", time="0"
    )
    case.tail = "\n    "
    errors = [d for d in found if d.severity is Severity.ERROR]
    if errors:
        failure = ET.SubElement(
            case,
            "failure",
            type=_xml_text(errors[0].rule),
            message=_xml_text(
                f"{_plural(len(errors), 'error')}; first: [{errors[0].rule}] {errors[0].message}"
            ),
        )
        failure.text = _xml_text("\n".join(str(d) for d in errors))
        case.text, failure.tail = "\n      ", "\n    "
    return case


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    """A file as a URI reference: forward slashes, percent-encoded (spaces, ``#``, ``%``,
    ``?``, non-ASCII, control characters), ``file:`` for absolute paths."""
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return "file://" + quote(path, safe="/", errors="surrogateescape")
    return quote(path, safe="/", errors="surrogateescape")


def _sarif_rules(rule_ids: list[str]) -> list[dict[str, object]]:
    return [
        {
            "id": rule,
            "shortDescription": {"text": rule_help(rule)},
            "fullDescription": {"text": rule_help(rule)},
            "help": {"text": rule_help(rule)},
        }
        for rule in rule_ids
    ]


def _sarif(report: Report) -> str:
    rule_ids = sorted({d.rule for d in report})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    log = _sarif_log(report, _sarif_rules(rule_ids), [_sarif_result(d, index) for d in report])
    return json.dumps(log, ensure_ascii=False, indent=2)


def _sarif_result(d: Diagnostic, index: dict[str, int]) -> dict[str, object]:
    location: dict[str, object] = {}
    if d.file:
        physical: dict[str, object] = {"artifactLocation": {"uri": _uri(d.file)}}
        if d.line:
            physical["region"] = {"startLine": d.line, "startColumn": d.column or 1}
        location["physicalLocation"] = physical
    if d.xpath:
        location["logicalLocations"] = [{"fullyQualifiedName": d.xpath, "kind": "element"}]
    result: dict[str, object] = {
        "ruleId": d.rule,
        "ruleIndex": index[d.rule],
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": d.message},
    }
    if location:
        result["locations"] = [location]
    return result


def _sarif_log(
    report: Report, rules: list[dict[str, object]], results: list[object]
) -> dict[str, object]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "teikit", "version": __version__, "rules": rules}},
                "artifacts": [{"location": {"uri": _uri(f)}} for f in report.files],
                "properties": {"schemas": _schemas_by_file(report)},
                "results": results,
            }
        ],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _github(report: Report) -> str:
    return "\n".join(_github_line(d) for d in report)


def _github_line(d: Diagnostic) -> str:
    props = []
    if d.file:
        props.append(f"file={_escape_property(d.file.replace(chr(92), '/'))}")
        if d.line:
            props.append(f"line={d.line}")
            props.append(f"col={d.column or 1}")
    props.append(f"title={_escape_property(d.rule)}")
    return f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::{_escape_data(d.message)}"


_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def _cell(text: str) -> str:
    """``text`` as literal Markdown table-cell content: every ASCII punctuation mark
    backslash-escaped (so no emphasis, link, image, code span, autolink or raw HTML
    can start), line breaks and other control characters as spaces."""
    flat = re.sub("[\x00-\x1f\x7f\u2028\u2029]", " ", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def _code(text: str) -> str:
    """``text`` as a code span in a table cell: its content is shown literally, so only
    a backtick (which would end the span), a pipe (which would end the cell) and line
    breaks need care."""
    flat = re.sub("[\x00-\x1f\x7f\u2028\u2029]", " ", text).replace("`", "'")
    return "`" + flat.replace("|", "\\|") + "`"


def _markdown(report: Report) -> str:
    return "".join(_markdown_pieces(report))


def _markdown_pieces(report: Report) -> Iterator[str]:
    """:func:`_markdown` a row at a time."""
    yield f"## teikit validate\n\n{summary(report)}\n"
    if not len(report):
        return
    yield "\n| File | Line | Severity | Rule | Message |\n| --- | ---: | --- | --- | --- |"
    for d in report:
        yield (
            f"\n| {_cell(d.file)} | {d.line or ''} | {d.severity.value} | "
            f"{_code(d.rule)} | {_cell(d.message)} |"
        )
    yield "\n"


#: GitHub refuses a job summary larger than 1 MiB; stay well below, for other steps' parts.
SUMMARY_LIMIT = 1_000_000


def step_summary(report: Report, limit: int = SUMMARY_LIMIT) -> str:
    """The Markdown job summary, cut to at most ``limit`` bytes (UTF-8) with a last line
    saying how many findings were left out, so a huge run never loses its summary. Built
    a row at a time: past the cut, rows are only counted (and the last 200 bytes' worth
    kept, in case the whole fits after all)."""
    kept: list[str] = []
    tail: list[str] = []
    size, left = 0, 0
    budget = limit - 200  # room for the closing note
    for piece in _markdown_pieces(report):
        size += len(piece.encode("utf-8"))
        if size <= budget:
            kept.append(piece)
            continue
        left += piece.startswith("\n| ") and not piece.startswith("\n| File |")
        if size <= limit:
            tail.append(piece)
    if size <= limit:
        return "".join(kept + tail)
    return "".join(kept) + (
        f"\n\n… {left} more findings are not shown (GitHub "
        "limits a job summary to 1 MiB); see the report file or the "
        "annotations.\n"
    )


RENDERERS = {
    "text": _text,
    "json": _json,
    "junit": _junit,
    "sarif": _sarif,
    "github": _github,
    "markdown": _markdown,
}


def render(report: Report, fmt: str = "text") -> str:
    """``report`` in format ``fmt`` (text, json, junit, sarif, github, markdown)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise UsageError(
            f"Unknown report format '{fmt}'; choose one of {', '.join(RENDERERS)}."
        ) from None
    # A file name that is not UTF-8 reaches Python as lone surrogates, which no UTF-8
    # stream can take; show them as escapes instead of failing with a traceback.
    return renderer(report).encode("utf-8", "backslashreplace").decode("utf-8")


# ---------------------------------------------------------------- streaming (large reports)


class _Lazy(list):  # type: ignore[type-arg]
    """A list whose items exist one at a time: json's pure-Python encoder (the one used
    whenever ``indent`` is set) walks it, so a million findings are never all turned into
    dicts at once, nor the whole text held as one string."""

    def __init__(self, count: int, items: Callable[[], Iterator[object]]) -> None:
        super().__init__()
        self._count, self._items = count, items

    def __bool__(self) -> bool:
        return self._count > 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[object]:
        return self._items()


def _pieces(report: Report, fmt: str) -> Iterator[str]:
    if fmt == "json":
        data = _json_data(report, _Lazy(len(report), lambda: (d.to_dict() for d in report)))
        return json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data)
    if fmt == "sarif":
        rule_ids = sorted({d.rule for d in report})
        index = {rule: i for i, rule in enumerate(rule_ids)}
        log = _sarif_log(
            report,
            _sarif_rules(rule_ids),
            _Lazy(len(report), lambda: (_sarif_result(d, index) for d in report)),
        )
        return json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(log)
    if fmt in ("text", "github"):
        return _lines(report, str if fmt == "text" else _github_line)
    return _junit_pieces(report) if fmt == "junit" else _markdown_pieces(report)


#: Findings per piece of a text or GitHub stream (a piece per finding cost as much again).
_LINES_PER_PIECE = 1024


def _lines(report: Report, line: Callable[[Diagnostic], str]) -> Iterator[str]:
    """One ``line`` per finding, joined by newlines, :data:`_LINES_PER_PIECE` a piece."""
    found, glue = iter(report), ""
    while batch := list(itertools.islice(found, _LINES_PER_PIECE)):
        yield glue + "\n".join(map(line, batch))
        glue = "\n"


def stream(report: Report, fmt: str = "text") -> Iterator[str]:
    """:func:`render` in pieces whose concatenation is exactly the same text, so that a
    report of millions of findings goes to disk without ever being one string: every
    format is written a finding (JSON, SARIF, text, GitHub, Markdown) or a file (JUnit)
    at a time."""
    if fmt not in RENDERERS:
        render(report, fmt)  # raises the usage error
    for piece in _pieces(report, fmt):  # an ASCII piece (told in O(1)) has no surrogate
        yield piece if piece.isascii() else piece.encode("utf-8", "backslashreplace").decode()
