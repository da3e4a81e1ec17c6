"""The parts every ``teikit`` command shares: the group, shared options, exit handling.

Options used by more than one command are defined once here (:data:`quiet_option`,
:func:`output_option`, :func:`schema_access` …) and stacked as decorators; :func:`finish`
maps every :class:`TeikitError` to its documented exit code in one place, so errors never
reach the user as tracebacks.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from teikit.diagnostics import ExitCode, LoadError, Report, TeikitError, UsageError
from teikit.files import write_output
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


def examples(text: str) -> str:
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


def schema_access(command: Callable[P, R]) -> Callable[P, R]:
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


def bounds_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--timeout`` and ``--memory-limit``: validate and build hold every document to
    the same bounds (:mod:`teikit.validation.workers`)."""
    for option in reversed(
        (
            click.option(
                "--timeout",
                type=click.FloatRange(min=0),
                default=None,
                metavar="SECONDS",
                help="stop working on a document after SECONDS (default: [tool.teikit] "
                "timeout, else 60; 0: no deadline); it gets a load:timeout error and the "
                "run goes on",
            ),
            click.option(
                "--memory-limit",
                "memory_limit",
                type=click.IntRange(min=0),
                default=None,
                metavar="MB",
                help="stop working on a document when its process holds more than MB of "
                "memory (default: [tool.teikit] memory-limit, else 2048; 0: no limit); it "
                "gets a load:memory error and the run goes on",
            ),
        )
    ):
        command = option(command)
    return command


def project_settings(
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


def finish(
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


def emit(text: str | Iterable[str], output: str | None) -> None:
    """``text`` (or its pieces: :func:`teikit.render.stream`) to the file ``output`` (see
    :func:`teikit.files.write_output`: atomic, never held whole, a device written to
    directly) or to stdout, ending in one newline; a failure is exit 2, not a traceback."""

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
