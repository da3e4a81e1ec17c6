"""The ``teikit`` command: flags in, one library call, the report decides the exit code.

Nothing here validates or transforms. Each command is one click function that turns its
flags into one library call, renders what comes back (report formats, the ``schemas
list`` table, ``wrote …`` lines: all output formatting lives here, not in the library)
and ends with the report's exit code (0 clean, 1 findings, 2 usage or input error,
3 could not run).

Adding a flag is a small edit: options used by more than one command are defined once
below (:data:`quiet_option`, :data:`output_option` …) and stacked as decorators; a
command's own option is one ``@click.option`` line plus one keyword argument passed on
to the library. Errors never reach the user as tracebacks: :func:`_finish` maps every
:class:`TeikitError` to its documented exit code in one place.

Each command imports its own layer when it runs (publishing, the schema store and
fetching, the renderers): ``teikit validate`` on one file should not pay ~80 ms for
loading the publishing and download code it never uses.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from teikit.diagnostics import ExitCode, LoadError, Report, TeikitError, UsageError
from teikit.render import RENDERERS
from teikit.version import __version__

#: Fewer files than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_FILES = 3
#: Report formats of ``validate --format``: every renderer teikit has.
FORMATS = tuple(RENDERERS)
#: Output formats of ``transform --to``.
TRANSFORM_FORMATS = ("html", "text", "epub")

P = ParamSpec("P")
R = TypeVar("R")


class Finished(click.exceptions.Exit):
    """A command ran to its end with this exit code.

    An ``Exit`` so click (and ``CliRunner``) exit with the code; a class of its own so
    :func:`main` can tell it from the ``Exit`` that ``--help`` and ``--version`` raise.
    """


# --------------------------------------------------------------------------- shared options


def _examples(text: str) -> str:
    r"""An epilog click prints as written (``\b`` stops it from rewrapping the lines)."""
    return "\b\nexamples:\n" + text.strip("\n")


def parse_params(values: Sequence[str]) -> dict[str, str]:
    """``-p KEY=VALUE`` (repeatable) as a dict; a malformed one is a usage error (exit 2).

    Parsed in the command body, not as a click callback, so the error is teikit's own
    ``UsageError`` with its usual message and exit code.
    """
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param expects key=value, got '{item}'.")
        params[key] = value
    return params


quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="no progress bar, summary or 'wrote' lines"
)
param_option = click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="stylesheet parameter (repeatable)",
)
schema_option = click.option(
    "-s",
    "--schema",
    "schemas",
    multiple=True,
    metavar="SCHEMA",
    help="teikit, tei_all, NAME@VERSION from the store, or a .rng/.xsd/.sch path "
    "(repeatable); default: [tool.teikit] per-file-schemas, else the document's xml-model "
    "PIs, else tei_all + references",
)


def _schema_access(command: Callable[P, R]) -> Callable[P, R]:
    """The flags that say where schemas may come from (validate, build, transform)."""
    for option in reversed(
        (
            click.option(
                "--fetch/--no-fetch",
                "fetch",
                default=None,
                help="download missing catalogue schemas (TEI Vault, EpiDoc) into the "
                "store; default: [tool.teikit] fetch, else no",
            ),
            click.option(
                "--allow-host",
                "allow_hosts",
                multiple=True,
                metavar="HOST[:PORT]",
                help="with --fetch, also fetch from this host (repeatable)",
            ),
            click.option(
                "--unavailable",
                type=click.Choice(("error", "warning")),
                default=None,
                help="a schema that cannot be had is an error (exit 2, the default) or, "
                "on purpose, a warning",
            ),
        )
    ):
        command = option(command)
    return command


def _settings(
    fetch: bool | None,
    allow_hosts: tuple[str, ...],
    unavailable: str | None,
    embedded: bool = False,
) -> tuple[Any, Any]:
    """The project's [tool.teikit] and the schema settings with the CLI flags winning."""
    from teikit.config import load

    config = load()
    return config, config.settings(
        fetch=fetch, allow_hosts=allow_hosts, unavailable=unavailable, embedded_schematron=embedded
    )


def output_option(
    help: str, default: str | None = None, metavar: str = "FILE"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``-o/--output``: every command writes somewhere, each with its own default."""
    return click.option(
        "-o",
        "--output",
        default=default,
        metavar=metavar,
        help=help,
        show_default=default is not None,
    )


def _finish(
    render_format: Callable[[dict[str, Any]], str] = lambda _: "text",
) -> Callable[[Callable[P, int]], Callable[P, NoReturn]]:
    """Run a command body and end with its exit code; errors become their exit codes.

    ``render_format`` picks the report format a :class:`LoadError`'s diagnostic is shown
    in (``validate --format json`` shows it as JSON too).
    """

    def decorate(body: Callable[P, int]) -> Callable[P, NoReturn]:
        @functools.wraps(body)
        def run(*args: P.args, **kwargs: P.kwargs) -> NoReturn:
            try:
                code = body(*args, **kwargs)
            except LoadError as exc:
                report = Report(
                    diagnostics=[exc.diagnostic] if exc.diagnostic else [], input_error=True
                )
                click.echo(report.render(render_format(kwargs)), err=True)
                code = exc.exit_code
            except TeikitError as exc:
                click.echo(f"teikit: {exc}", err=True)
                code = exc.exit_code
            except KeyboardInterrupt:
                click.echo("teikit: interrupted", err=True)
                code = 130
            except MemoryError:
                click.echo(
                    "teikit: out of memory; validate fewer or smaller files at once "
                    "(--jobs 1), or give the process more memory.",
                    err=True,
                )
                code = ExitCode.CANNOT_RUN
            except OSError as exc:  # the environment: a full disk, a read-only folder …
                where = f" {exc.filename}" if exc.filename else ""
                click.echo(f"teikit: cannot read or write{where}: {exc.strerror or exc}.", err=True)
                code = ExitCode.INPUT
            with contextlib.suppress(OSError):
                sys.stdout.flush()
            raise Finished(code)

        return run

    return decorate


# --------------------------------------------------------------------------- the group


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Run 'teikit COMMAND --help' for a command's options and examples. Exit codes: "
    "0 clean, 1 findings, 2 usage or input error, 3 could not run.",
)
@click.version_option(__version__, "--version", prog_name="teikit", message="%(prog)s %(version)s")
def cli() -> None:
    """Validate TEI P5 documents and publish them as HTML, text and EPUB 3."""


# --------------------------------------------------------------------------- validate


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

    progress = Progress(
        TextColumn("validating"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task: list[Any] = []

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


def _emit(text: str | Iterable[str], output: str | None) -> None:
    """``text`` (or its pieces: :func:`teikit.render.stream`) to the file ``output`` (see
    :func:`teikit.files.write_output`: atomic, never held whole, a device written to
    directly) or to stdout, ending in one newline; a failure is exit 2, not a traceback."""
    from teikit.files import write_output

    def ended(last: str = "") -> Iterator[str]:
        for piece in [text] if isinstance(text, str) else text:
            last = piece or last
            yield piece
        if last and not last.endswith("\n"):
            yield "\n"

    if not output:
        for piece in ended():
            sys.stdout.write(piece)
        return
    try:
        write_output(Path(output), (piece.encode("utf-8") for piece in ended()))
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


@cli.command(
    epilog=_examples("""
  teikit validate                               the paths configured in [tool.teikit]
  teikit validate tei/                          every *.xml and *.tei below tei/
  teikit validate --schema tei_all corpus/*.xml the TEI Consortium's tei_all.rng
  teikit validate --schema teikit --schema extra.sch edition.xml
  teikit validate --format sarif -o teikit.sarif tei/   for GitHub code scanning
  teikit validate --jobs 2 --format github corpus/      GitHub Actions annotations
""")
)
@click.argument("paths", nargs=-1, required=False, metavar="[PATH...]")
@schema_option
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="report format",
)
@output_option("write the report here, not stdout")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1, clamp=True),
    default=None,
    metavar="N",
    help="validate files in N parallel processes (default 1)",
)
@click.option(
    "--embedded-schematron",
    "embedded",
    is_flag=True,
    help="also run Schematron rules embedded in RelaxNG schemas (as ODD generates them)",
)
@click.option(
    "--exclude",
    "exclude",
    multiple=True,
    metavar="GLOB",
    help="never validate files matching GLOB (repeatable; adds to [tool.teikit])",
)
@click.option(
    "--skip-non-tei",
    is_flag=True,
    help="skip named files that are not TEI, as folder searches do (pre-commit)",
)
@click.option(
    "--warnings-as-errors",
    "strict",
    is_flag=True,
    default=None,
    help="warnings fail the run (exit 1); default: [tool.teikit]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="stop validating a file after SECONDS (default: [tool.teikit] timeout, else "
    "60; 0: no deadline); the file gets a load:timeout error and the run goes on",
)
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    envvar="TEIKIT_NO_CACHE",
    help="validate every file again, ignoring (and not filling) the result cache "
    "[env TEIKIT_NO_CACHE=1]",
)
@click.option(
    "--dask",
    "dask",
    metavar="ADDRESS",
    help="validate on a Dask cluster: 'local' starts one here (--jobs workers), "
    "else the scheduler's address, e.g. tcp://host:8786 (needs teikit[dask])",
)
@_schema_access
@quiet_option
@_finish(lambda kwargs: str(kwargs.get("fmt") or "text"))
def validate(
    paths: tuple[str, ...],
    schemas: tuple[str, ...],
    fmt: str,
    output: str | None,
    jobs: int | None,
    embedded: bool,
    exclude: tuple[str, ...],
    skip_non_tei: bool,
    strict: bool | None,
    timeout: float | None,
    no_cache: bool,
    dask: str | None,
    fetch: bool | None,
    allow_hosts: tuple[str, ...],
    unavailable: str | None,
    quiet: bool,
) -> int:
    """Validate files, folders (recursively, *.xml and *.tei) and globs.

    With no PATH, the paths configured in [tool.teikit] (pyproject.toml or teikit.toml).
    """
    from teikit.render import step_summary, stream, summary
    from teikit.validation import validate as run_validation
    from teikit.validation.batch import DEFAULT_TIMEOUT
    from teikit.validation.cache import ResultCache

    config, settings = _settings(fetch, allow_hosts, unavailable, embedded)
    if not paths and not config.paths:
        raise UsageError(
            "name the files or folders to validate, or configure them: "
            'paths = ["tei"] in [tool.teikit] of pyproject.toml.'
        )
    targets = list(paths) or [str(config.root / p) for p in config.paths]
    seconds = timeout if timeout is not None else (config.timeout or DEFAULT_TIMEOUT)
    with progress_bar(enabled=not quiet) as on_file:
        report = run_validation(
            targets,
            schemas=list(schemas) or None,
            jobs=jobs or config.jobs or 1,
            embedded_schematron=embedded,
            on_file=on_file,
            settings=settings,
            timeout=seconds or None,
            cache=None if no_cache else ResultCache(),
            dask=dask,
            include=config.include,
            exclude=config.exclude + exclude,
            skip_non_tei=skip_non_tei,
        )
    report.warnings_as_errors = config.warnings_as_errors if strict is None else strict
    _emit(stream(report, fmt), output)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        # GitHub shows ten annotations per step; the job summary lists everything.
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(step_summary(report) + "\n")
    if not quiet:
        click.echo(summary(report), err=True)
    return report.exit_code


# --------------------------------------------------------------------------- transform


@cli.command(
    epilog=_examples("""
  teikit transform edition.xml --to html -o edition.html
  teikit transform edition.xml --to text --param width=72 --param page-markers=true
  teikit transform edition.xml --to epub -o edition.epub
  teikit transform letter.xml --to html --css house.css --xslt names.xsl
""")
)
@click.argument("source", metavar="IN")
@click.option(
    "--to", "fmt", type=click.Choice(TRANSFORM_FORMATS), required=True, help="output format"
)
@output_option("default: stdout (html, text), IN's name with .epub (epub)", metavar="OUT")
@param_option
@click.option(
    "--css",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="CSS appended to the page's (html) or book's (epub) stylesheet",
)
@click.option(
    "--xslt",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="XSLT whose templates replace teikit's for the elements they match",
)
@click.option(
    "--validate",
    "check",
    is_flag=True,
    help="validate first (--schema, else the defaults); nothing is written if it fails",
)
@schema_option
@_schema_access
@_finish()
def transform(
    source: str,
    fmt: str,
    output: str | None,
    params: tuple[str, ...],
    css: Path | None,
    xslt: Path | None,
    check: bool,
    schemas: tuple[str, ...],
    fetch: bool | None,
    allow_hosts: tuple[str, ...],
    unavailable: str | None,
) -> int:
    """Turn one TEI file into HTML, text or EPUB."""
    from teikit.publish import Customisation, transform_file

    if check:
        from teikit.validation import validate as run_validation

        _, settings = _settings(fetch, allow_hosts, unavailable)
        checked = run_validation([source], schemas=list(schemas) or None, settings=settings)
        if not checked.ok:
            click.echo(checked.render("text"), err=True)
            return checked.exit_code

    report, data = transform_file(
        Path(source),
        fmt,
        parse_params(params),
        Path(output) if output else None,
        Customisation(css, xslt),
    )
    if data is not None:
        sys.stdout.write(data)
    for d in report:
        click.echo(str(d), err=True)
    return report.exit_code


# --------------------------------------------------------------------------- build


@cli.command(
    epilog=_examples("""
  teikit build                      the edition in tei/ into dist/
  teikit build my.xml -o out/       validate my.xml, then write out/my.{html,txt,epub}
  teikit build my.xml --force       publish even though validation found errors
  teikit build --check              then run the Nu checker and epubcheck on the outputs
  teikit build corpus/ -o site/     every document below corpus/, mirrored, plus site/index.html
  teikit build corpus/ -o site/ --dask local --jobs 4   the same on a local Dask cluster
""")
)
@click.argument("source", required=False, metavar="[IN]")
@output_option("the folder to write into", default="dist", metavar="DIR")
@click.option("--force", is_flag=True, help="publish even if validation fails")
@click.option(
    "--check",
    is_flag=True,
    help="then check the HTML with the Nu checker and the "
    "EPUB with epubcheck (needs Java, epubcheck and vnu.jar)",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1, clamp=True),
    default=1,
    metavar="N",
    help="a folder: build documents in N processes (or N local Dask workers)",
)
@click.option(
    "--dask",
    "dask",
    metavar="ADDRESS",
    help="a folder: build on a Dask cluster ('local' or the scheduler's address)",
)
@schema_option
@_schema_access
@quiet_option
@_finish()
def build(
    source: str | None,
    output: str,
    force: bool,
    check: bool,
    jobs: int,
    dask: str | None,
    schemas: tuple[str, ...],
    fetch: bool | None,
    allow_hosts: tuple[str, ...],
    unavailable: str | None,
    quiet: bool,
) -> int:
    """Validate, then write HTML, text and EPUB.

    IN defaults to the edition in tei/; nothing is written when validation fails. When IN
    is a folder, every *.xml below it is built into the same layout below the output
    folder, documents whose outputs are current are skipped, and an index.html lists them.
    """
    from teikit.publish import build as run_build
    from teikit.publish import default_edition

    if source and Path(source).is_dir():
        return _build_folder(Path(source), Path(output), force, jobs, dask, quiet)
    _, settings = _settings(fetch, allow_hosts, unavailable)
    report, written = run_build(
        Path(source) if source else default_edition(),
        Path(output),
        force=force,
        check=check,
        schemas=list(schemas) or None,
        settings=settings,
    )
    for d in report:
        click.echo(str(d), err=True)
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}", err=True)
    return report.exit_code


def _build_folder(
    source: Path, output: Path, force: bool, jobs: int, dask: str | None, quiet: bool
) -> int:
    """``build`` over a folder (:func:`teikit.collection.build_collection`)."""
    from teikit.collection import build_collection

    with progress_bar(enabled=not quiet) as on_file:
        done = build_collection(source, output, force=force, jobs=jobs, dask=dask, on_file=on_file)
    for d in done.report:
        click.echo(str(d), err=True)
    if not quiet:
        click.echo(
            f"built {len(done.built)}, up to date {len(done.skipped)}, index {done.index}", err=True
        )
    return done.report.exit_code


# --------------------------------------------------------------------------- schemas


@cli.group(
    epilog=_examples("""
  teikit schemas list               named schemas, their versions, checksums and state
  teikit schemas fetch tei_all      download and verify tei_all.rng (TEI P5 4.3.0)
  teikit schemas fetch tei_all --from tei_all.rng   verify and store a local copy
  teikit schemas add mine ./my.rng  register a local schema under a name
""")
)
def schemas() -> None:
    """List, fetch or add named schemas in the local store."""


def table(rows: Sequence[dict[str, str]], header: dict[str, str]) -> str:
    """Rows as left-aligned columns under ``header`` (its keys pick and order the columns)."""
    cols = list(header)
    widths = {c: max([len(header[c]), *(len(r.get(c, "")) for r in rows)]) for c in cols}
    return "\n".join(
        "  ".join(row.get(c, "").ljust(widths[c]) for c in cols).rstrip() for row in [header, *rows]
    )


@schemas.command(name="list")
@_finish()
def schemas_list() -> int:
    """Named schemas, their versions, checksums and state."""
    from teikit.validation.store import listing, store_dir

    click.echo(
        table(
            listing(),
            {
                "name": "NAME",
                "version": "VERSION",
                "kind": "KIND",
                "sha256": "SHA-256",
                "state": "STATE",
            },
        )
    )
    click.echo(f"store: {store_dir()}")
    return ExitCode.OK


@schemas.command(name="fetch")
@click.argument("name", metavar="NAME[@VERSION]")
@click.argument("path", required=False, metavar="[PATH]")
@click.option(
    "--from",
    "source",
    metavar="FILE",
    help="verify and store this local copy (the "
    "schema or its source archive) instead of downloading",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="also fetch from this host (a mirror; plain HTTP only for loopback)",
)
@_finish()
def schemas_fetch(
    name: str, path: str | None, source: str | None, allow_hosts: tuple[str, ...]
) -> int:
    """Download a catalogue schema (TEI Vault, EpiDoc) or take a local copy, verify its
    SHA-256 and record it in the project's lock."""
    from teikit.config import load
    from teikit.validation.fetching import fetch
    from teikit.validation.store import store_dir

    if path and source:
        raise UsageError("give the file either as PATH or as --from FILE, not both.")
    given = source or path
    config = load()
    settings = config.settings(fetch=True, allow_hosts=allow_hosts)
    entry = fetch(
        name, source=Path(given) if given else None, access=settings.access, lock_root=config.root
    )
    locked = f"; locked in {config.root}" if config.root else ""
    click.echo(
        f"{entry.key} stored at {store_dir() / entry.file}, SHA-256 "
        f"{entry.sha256[:12]}… verified{locked}"
    )
    return ExitCode.OK


@schemas.command(name="add")
@click.argument("name", metavar="NAME")
@click.argument("path", metavar="PATH")
@_finish()
def schemas_add(name: str, path: str) -> int:
    """Register a local .rng, .xsd or .sch schema under NAME (copied, with its SHA-256)."""
    from teikit.validation.store import add, sha256_of

    stored = add(name, Path(path))
    click.echo(f"{name} stored at {stored} (SHA-256 {sha256_of(stored)[:12]}…)")
    return ExitCode.OK


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code, never a traceback.

    Like the command line itself, ``--help``, ``--version`` and malformed usage end in
    ``SystemExit`` (0, 0 and 2, the message on stderr); a command that ran returns its
    exit code, so tests and wrappers can call ``main([...])`` directly.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context("teikit", args) as ctx:
            cli.invoke(ctx)
    except Finished as done:
        return done.exit_code
    except click.exceptions.Exit as stop:
        raise SystemExit(stop.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Abort:
        click.echo("teikit: interrupted", err=True)
        return 130
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
