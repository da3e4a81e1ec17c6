"""The ``teikit`` command: flags in, one library call, the report decides the exit code.

Nothing here validates or transforms; it parses arguments into an options object,
calls :mod:`teikit`, renders what comes back and exits with the report's code
(0 clean, 1 findings, 2 usage or input error, 3 could not run).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from teikit import __version__
from teikit.diagnostics import ExitCode, LoadError, Report, TeikitError, UsageError

FORMATS = ("text", "json", "junit", "sarif", "github")
#: Fewer files than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_FILES = 3

VALIDATE_EXAMPLES = """examples:
  teikit validate tei/                          every *.xml below tei/, schemas from xml-model PIs
  teikit validate --schema tei_all corpus/*.xml the TEI Consortium's tei_all.rng
  teikit validate --schema teikit --schema extra.sch edition.xml
  teikit validate --format sarif -o teikit.sarif tei/   for GitHub code scanning
  teikit validate --jobs 2 --format github corpus/      GitHub Actions annotations
"""

TRANSFORM_EXAMPLES = """examples:
  teikit transform edition.xml --to html -o edition.html
  teikit transform edition.xml --to text --param width=72 --param page-markers=true
  teikit transform edition.xml --to epub -o edition.epub
"""

BUILD_EXAMPLES = """examples:
  teikit build                      the edition in tei/ into dist/
  teikit build my.xml -o out/       validate my.xml, then write out/my.{html,txt,epub}
  teikit build my.xml --force       publish even though validation found errors
"""

SCHEMAS_EXAMPLES = """examples:
  teikit schemas list               named schemas, their versions, checksums and state
  teikit schemas fetch tei_all      download and verify tei_all.rng (TEI P5 4.3.0)
  teikit schemas fetch tei_all --from tei_all.rng   verify and store a local copy
  teikit schemas add mine ./my.rng  register a local schema under a name
"""


@dataclass
class Options:
    """Everything the command line asked for, in one place."""

    command: str
    paths: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    format: str = "text"
    output: str | None = None
    jobs: int = 1
    to: str = "html"
    params: dict[str, str] = field(default_factory=dict)
    force: bool = False
    embedded: bool = False
    action: str = ""
    name: str = ""
    quiet: bool = False
    source: str | None = None


def _params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param expects key=value, got '{item}'.")
        params[key] = value
    return params


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="teikit",
        description="Validate TEI P5 documents and publish them as HTML, text and EPUB 3.",
        epilog="Run 'teikit COMMAND --help' for a command's options and examples. Exit codes: "
        "0 clean, 1 findings, 2 usage or input error, 3 could not run.",
    )
    top.add_argument("--version", action="version", version=f"teikit {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    v = sub.add_parser("validate", help="validate TEI files against schemas",
                       epilog=VALIDATE_EXAMPLES, formatter_class=raw,
                       description="Validate files, folders (recursively, *.xml) and globs.")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("-s", "--schema", dest="schemas", action="append", default=[],
                   metavar="SCHEMA", help="teikit, tei_all, a stored name, or a .rng/.xsd/.sch "
                   "path (repeatable); default: the document's xml-model PIs, else teikit")
    v.add_argument("-f", "--format", choices=FORMATS, default="text")
    v.add_argument("-o", "--output", metavar="FILE", help="write the report here, not stdout")
    v.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="validate files in N parallel processes")
    v.add_argument("--embedded-schematron", dest="embedded", action="store_true",
                   help="also run Schematron rules embedded in RelaxNG schemas (as ODD "
                   "generates them)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")

    t = sub.add_parser("transform", help="turn one TEI file into HTML, text or EPUB",
                       epilog=TRANSFORM_EXAMPLES, formatter_class=raw)
    t.add_argument("paths", nargs=1, metavar="IN")
    t.add_argument("--to", choices=("html", "text", "epub"), required=True)
    t.add_argument("-o", "--output", metavar="OUT", help="default: stdout (html, text), "
                   "IN's name with .epub (epub)")
    t.add_argument("-p", "--param", dest="params", action="append", default=[],
                   metavar="KEY=VALUE", help="stylesheet parameter (repeatable)")

    b = sub.add_parser("build", help="validate, then write HTML, text and EPUB",
                       epilog=BUILD_EXAMPLES, formatter_class=raw)
    b.add_argument("paths", nargs="?", metavar="IN", help="default: the edition in tei/")
    b.add_argument("-o", "--output", default="dist", metavar="DIR")
    b.add_argument("--force", action="store_true", help="publish even if validation fails")
    b.add_argument("-q", "--quiet", action="store_true")

    s = sub.add_parser("schemas", help="list, fetch or add named schemas in the local store",
                       epilog=SCHEMAS_EXAMPLES, formatter_class=raw)
    s.add_argument("action", choices=("list", "fetch", "add"))
    s.add_argument("name", nargs="?", default="")
    s.add_argument("paths", nargs="?", metavar="PATH", help="for add: the schema file")
    s.add_argument("--from", dest="source", metavar="FILE", help="for fetch: verify and store "
                   "this local copy (the schema or its source archive) instead of downloading")
    return top


def options(argv: Sequence[str] | None) -> Options:
    ns = parser().parse_args(argv)
    raw = vars(ns)
    paths = raw.get("paths") or []
    return Options(
        command=ns.command,
        paths=[paths] if isinstance(paths, str) else list(paths),
        schemas=raw.get("schemas", []),
        format=raw.get("format", "text"),
        output=raw.get("output"),
        jobs=max(1, raw.get("jobs", 1)),
        to=raw.get("to", "html"),
        params=_params(raw.get("params", [])),
        force=raw.get("force", False),
        embedded=raw.get("embedded", False),
        action=raw.get("action", ""),
        name=raw.get("name", ""),
        quiet=raw.get("quiet", False),
        source=raw.get("source"),
    )


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, only for people: a TTY and more than a few files.

    Yields the ``on_file(done, total)`` callback for :func:`teikit.validate` (or None),
    so CI logs and redirected output stay free of control sequences.
    """
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(TextColumn("validating"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True)
    task: list[int] = []

    def on_file(done: int, total: int) -> None:
        if total <= PROGRESS_MIN_FILES:
            return
        if not task:
            progress.start()
            task.append(progress.add_task("validate", total=total))
        progress.update(task[0], completed=done)

    try:
        yield on_file
    finally:
        if task:
            progress.stop()


def _emit(text: str, output: str | None) -> None:
    if output:
        from teikit.publish import write_atomic

        try:
            write_atomic(Path(output), (text + "\n" if text and not text.endswith("\n")
                                         else text).encode("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def run(opts: Options) -> int:
    """Carry out one command; the returned int is the process exit code."""
    if opts.command == "validate":
        from teikit.render import render, summary
        from teikit.validation import validate

        with progress_bar(enabled=not opts.quiet) as on_file:
            report = validate(opts.paths, schemas=opts.schemas or None, jobs=opts.jobs,
                              embedded_schematron=opts.embedded, on_file=on_file)
        _emit(report.render(opts.format), opts.output)
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if opts.format == "github" and step_summary:
            # GitHub shows ten annotations per step; the job summary lists everything.
            with open(step_summary, "a", encoding="utf-8") as fh:
                fh.write(render(report, "markdown") + "\n")
        if not opts.quiet:
            print(summary(report), file=sys.stderr)
        return report.exit_code
    if opts.command == "transform":
        from teikit.publish import transform_file

        report, data = transform_file(Path(opts.paths[0]), opts.to, opts.params,
                                      Path(opts.output) if opts.output else None)
        if data is not None:
            sys.stdout.write(data)
        for d in report:
            print(d, file=sys.stderr)
        return report.exit_code
    if opts.command == "build":
        from teikit.publish import build, default_edition

        source = Path(opts.paths[0]) if opts.paths else default_edition()
        report, written = build(source, Path(opts.output), force=opts.force)
        for d in report:
            print(d, file=sys.stderr)
        if not opts.quiet:
            for path in written:
                print(f"wrote {path}", file=sys.stderr)
        return report.exit_code
    if opts.command == "schemas":
        from teikit.validation.schemas import schemas_command

        if opts.action == "fetch" and opts.paths and opts.source:
            raise UsageError("give the file either as PATH or as --from FILE, not both.")
        print(schemas_command(opts.action, opts.name,
                              opts.source or (opts.paths[0] if opts.paths else None)))
        return ExitCode.OK
    raise UsageError(f"unknown command {opts.command}")  # argparse prevents this


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; never lets a traceback reach the user."""
    try:
        opts = options(argv)
    except UsageError as exc:
        print(f"teikit: {exc}", file=sys.stderr)
        return ExitCode.INPUT
    try:
        code = run(opts)
    except LoadError as exc:
        report = Report(diagnostics=[exc.diagnostic] if exc.diagnostic else [],
                        input_error=True)
        print(report.render("text") if opts.command != "validate"
              else report.render(opts.format), file=sys.stderr)
        code = exc.exit_code
    except TeikitError as exc:
        print(f"teikit: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print("teikit: interrupted", file=sys.stderr)
        code = 130
    sys.stdout.flush()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
