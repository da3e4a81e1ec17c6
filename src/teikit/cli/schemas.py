"""``teikit schemas list|fetch|add``: the schema store from the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from teikit.cli.base import cli, examples, finish
from teikit.diagnostics import ExitCode, UsageError

# --------------------------------------------------------------------------- schemas


@cli.group(
    epilog=examples("""
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
@finish()
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
@finish()
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
    if config.root is not None:
        from teikit.validation import lock

        kept = lock.PYPROJECT if lock.uses_pyproject(config.root) else lock.LOCK_FILE
        locked = f"; locked in {config.root / kept}"
    else:
        locked = (
            "; not locked: no project here (no [tool.teikit] in pyproject.toml, no "
            "teikit.toml or teikit.lock at or above this folder). To lock it, create "
            "an empty teikit.lock in the project's folder and fetch again"
        )
    click.echo(
        f"{entry.key} stored at {store_dir() / entry.file}, SHA-256 "
        f"{entry.sha256[:12]}… verified{locked}"
    )
    return ExitCode.OK


@schemas.command(name="add")
@click.argument("name", metavar="NAME")
@click.argument("path", metavar="PATH")
@finish()
def schemas_add(name: str, path: str) -> int:
    """Register a local .rng, .xsd or .sch schema under NAME (copied, with its SHA-256)."""
    from teikit.validation.store import add, sha256_of

    stored = add(name, Path(path))
    click.echo(f"{name} stored at {stored} (SHA-256 {sha256_of(stored)[:12]}…)")
    return ExitCode.OK
