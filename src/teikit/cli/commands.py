"""``teikit validate``, ``teikit transform`` and ``teikit build``: one function each.

Each turns its flags into one library call and renders what comes back; each imports its
own layer when it runs (publishing, the renderers), so ``teikit validate`` on one file
does not pay for loading the publishing code it never uses.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from teikit.cli.base import (
    FORMATS,
    TRANSFORM_FORMATS,
    bounds_options,
    cli,
    emit,
    examples,
    finish,
    output_option,
    param_option,
    parse_params,
    progress_bar,
    project_settings,
    quiet_option,
    schema_access,
    schema_option,
)
from teikit.collector import collector_paused
from teikit.diagnostics import UsageError
from teikit.render import step_summary, stream, summary
from teikit.validation import validate as run_validation
from teikit.validation.cache import ResultCache

if TYPE_CHECKING:
    from teikit.config import Config

#: Most workers a run starts when neither ``--jobs`` nor ``[tool.teikit]`` says.
MOST_JOBS = 4


@cli.command(
    epilog=examples("""
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
    help="validate files in N parallel processes (default: [tool.teikit] jobs, else the "
    "machine's cores, at most 4)",
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
    help="skip named files that are not TEI, as folder searches do; a skipped XInclude "
    "part is validated inside the project's documents that include it (pre-commit)",
)
@click.option(
    "--warnings-as-errors",
    "strict",
    is_flag=True,
    default=None,
    help="warnings fail the run (exit 1); default: [tool.teikit]",
)
@bounds_options
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
@schema_access
@quiet_option
@finish(lambda kwargs: str(kwargs.get("fmt") or "text"))
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
    memory_limit: int | None,
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

    config, settings = project_settings(fetch, allow_hosts, unavailable, embedded)
    if not paths and not config.paths:
        raise UsageError(
            "name the files or folders to validate, or configure them: "
            'paths = ["tei"] in [tool.teikit] of pyproject.toml.'
        )
    targets = list(paths) or [str(config.root / p) for p in config.paths]
    if skip_non_tei and paths:
        targets += _parents(paths, config, exclude)
    seconds, memory = config.bounds(timeout, memory_limit)
    with progress_bar(enabled=not quiet) as on_file:
        report = run_validation(
            targets,
            schemas=list(schemas) or None,
            jobs=jobs or config.jobs or default_jobs(),
            embedded_schematron=embedded,
            on_file=on_file,
            settings=settings,
            timeout=seconds,
            memory_limit=memory,
            cache=None if no_cache else ResultCache(),
            dask=dask,
            include=config.include,
            exclude=config.exclude + exclude,
            skip_non_tei=skip_non_tei,
            spool=True,
        )
    report.warnings_as_errors = config.warnings_as_errors if strict is None else strict
    # What the run left (the cache's results: 10^5 objects for 10^4 files) lives until
    # this process ends, and writing the report makes a few objects per finding that
    # die at once: no collector pass over either while the report is written.
    with collector_paused():
        emit(stream(report, fmt), output)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        # GitHub shows ten annotations per step; the job summary lists everything.
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(step_summary(report) + "\n")
    if not quiet:
        click.echo(summary(report), err=True)
    return report.exit_code


def _parents(paths: tuple[str, ...], config: Config, exclude: tuple[str, ...]) -> list[str]:
    """The project's documents that XInclude a named part (pre-commit names a staged
    chapter alone): searched in the configured paths, else the project or working folder."""
    from teikit.validation.parents import including

    root = config.root or Path.cwd()
    area = [root / p for p in config.paths] or [root]
    found = including(
        [Path(p) for p in paths],
        area,
        include=config.include,
        exclude=config.exclude + exclude,
        root=config.root,
    )
    return [str(p) for p in found]


def default_jobs() -> int:
    """Workers for a run not told how many: the cores this process may use, at most
    :data:`MOST_JOBS`. Why not one: a run validates in a worker process anyway (for its
    deadline), and a second one on the second core is what lets a run over invalid
    documents, which are walked in Python, keep pace with jing, whose JVM uses the other
    core for its compiler and collector. Why a ceiling: each worker holds its own
    compiled grammars (~300 MB with tei_all)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity outside Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MOST_JOBS))


# --------------------------------------------------------------------------- transform

css_option = click.option(
    "--css",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="CSS appended to the page's (html) or book's (epub) stylesheet",
)
xslt_option = click.option(
    "--xslt",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="XSLT whose templates replace teikit's for the elements they match",
)


@cli.command(
    epilog=examples("""
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
@css_option
@xslt_option
@click.option(
    "--validate",
    "check",
    is_flag=True,
    help="validate first (--schema, else the defaults); nothing is written if it fails",
)
@schema_option
@schema_access
@finish()
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
        _, settings = project_settings(fetch, allow_hosts, unavailable)
        checked = run_validation([source], schemas=list(schemas) or None, settings=settings)
        if not checked.ok:
            click.echo(checked.render("text"), err=True)
            click.echo(summary(checked), err=True)  # names the schemas that refused it
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
    epilog=examples("""
  teikit build                      the edition in tei/ into dist/
  teikit build my.xml -o out/       validate my.xml, then write out/my.{html,txt,epub}
  teikit build my.xml --force       publish even though validation found errors
  teikit build --check              then run the Nu checker and epubcheck on the outputs
  teikit build corpus/ -o site/     every document below corpus/, mirrored, plus site/index.html
  teikit build corpus/ -o site/ --dask local --jobs 4   the same on a local Dask cluster
  teikit build letter.xml --css house.css --xslt names.xsl   customised (see README)
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
    default=None,
    metavar="N",
    help="a folder: build documents in N processes, or N local Dask workers (default: "
    "[tool.teikit] jobs, else the machine's cores, at most 4)",
)
@click.option(
    "--dask",
    "dask",
    metavar="ADDRESS",
    help="a folder: build on a Dask cluster ('local' or the scheduler's address)",
)
@css_option
@xslt_option
@schema_option
@schema_access
@bounds_options
@quiet_option
@finish()
def build(
    source: str | None,
    output: str,
    force: bool,
    check: bool,
    jobs: int | None,
    dask: str | None,
    css: Path | None,
    xslt: Path | None,
    schemas: tuple[str, ...],
    fetch: bool | None,
    allow_hosts: tuple[str, ...],
    unavailable: str | None,
    timeout: float | None,
    memory_limit: int | None,
    quiet: bool,
) -> int:
    """Validate, then write HTML, text and EPUB.

    IN defaults to the edition in tei/; nothing is written when validation fails. When IN
    is a folder, every *.xml below it is built into the same layout below the output
    folder, documents whose outputs are current are skipped, and an index.html lists them.
    --css and --xslt customise every output as for transform (--css: html and epub).
    """
    from teikit.collection import build_collection, build_file
    from teikit.publish import Customisation, default_edition

    custom = Customisation(css, xslt)
    config, settings = project_settings(fetch, allow_hosts, unavailable)
    seconds, memory = config.bounds(timeout, memory_limit)
    if source and Path(source).is_dir():
        with progress_bar(enabled=not quiet) as on_file:
            done = build_collection(
                Path(source),
                Path(output),
                force=force,
                jobs=jobs or config.jobs or default_jobs(),
                dask=dask,
                on_file=on_file,
                css=custom.css,
                xslt=custom.xslt,
                check=check,
                schemas=list(schemas) or None,
                settings=settings,
                timeout=seconds,
                memory_limit=memory,
            )
        for d in done.report:
            click.echo(str(d), err=True)
        if not quiet:
            gone = f", removed {len(done.removed)} stale" if done.removed else ""
            click.echo(
                f"built {len(done.built)}, up to date {len(done.skipped)}{gone}, "
                f"index {done.index}",
                err=True,
            )
            click.echo(summary(done.report), err=True)
        return done.report.exit_code
    report, written = build_file(
        Path(source) if source else default_edition(),
        Path(output),
        force=force,
        check=check,
        schemas=list(schemas) or None,
        settings=settings,
        custom=custom,
        timeout=seconds,
        memory_limit=memory,
    )
    for d in report:
        click.echo(str(d), err=True)
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}", err=True)
        click.echo(summary(report), err=True)  # what judged it, published or not
    return report.exit_code
