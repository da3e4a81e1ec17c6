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

import gc
import sys
from collections.abc import Sequence

import click

from teikit.cli import commands, schemas
from teikit.cli.base import FORMATS, Finished, cli, parse_params
from teikit.cli.schemas import table
from teikit.diagnostics import ExitCode

__all__ = ["FORMATS", "Finished", "cli", "commands", "main", "parse_params", "schemas", "table"]


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code, never a traceback.

    Like the command line itself, ``--help``, ``--version`` and malformed usage end in
    ``SystemExit`` (0, 0 and 2, the message on stderr); a command that ran returns its
    exit code, so tests and wrappers can call ``main([...])`` directly.
    """
    if argv is None:
        # The command's process: what importing made lives until exit, so the cyclic
        # collector need not scan it again and again (~0.1 s of a run over invalid
        # documents, whose walk allocates much); forked workers share it unwritten.
        gc.freeze()
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
