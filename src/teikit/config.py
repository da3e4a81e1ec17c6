"""``[tool.teikit]``: a project's settings, so ``teikit validate`` alone does the right thing.

Read from ``pyproject.toml`` (``[tool.teikit]``) or ``teikit.toml`` (top level), found by
walking up from the working folder, the way ruff and pytest find theirs. CLI flags win
over the file; the file wins over teikit's defaults. A folder that holds only a
``teikit.lock`` is a project too (with teikit's defaults): its lock is what CI verifies
the schemas against, so it must be found even where nothing else is configured. Unknown
keys are an error, because a misspelt ``exclude`` silently validating drafts is the kind of
surprise this module exists to prevent.

```toml
[tool.teikit]
paths = ["tei"]                      # what `teikit validate` checks with no paths
include = ["*.xml", "*.tei"]         # file names searched for in folders
exclude = ["tei/drafts/**"]          # globs (relative to the project) never validated
timeout = 60                         # seconds per document (0: no deadline)
memory-limit = 2048                  # MB a document's worker process may hold (0: no limit)
warnings-as-errors = false
fetch = false                        # may validation download missing catalogue schemas?
allow-hosts = []                     # hosts beyond the TEI/EpiDoc catalogue
mirrors = {}                         # catalogue prefix -> mirror prefix (host must be allowed)
unavailable = "error"                # or "warning": a schema that cannot be had

[tool.teikit.per-file-schemas]
"tei/letters/**" = ["tei_all", "references"]
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from teikit.diagnostics import UsageError
from teikit.validation.access import Access
from teikit.validation.batch import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from teikit.validation.lock import LOCK_FILE
from teikit.validation.schemas import Settings

PYPROJECT = "pyproject.toml"
TEIKIT_TOML = "teikit.toml"
DEFAULT_INCLUDE = ("*.xml", "*.tei")
KEYS = {
    "paths",
    "include",
    "exclude",
    "timeout",
    "memory-limit",
    "warnings-as-errors",
    "fetch",
    "allow-hosts",
    "mirrors",
    "unavailable",
    "per-file-schemas",
    "schemas",
    "jobs",
}


@dataclass(frozen=True)
class Config:
    """The project's settings (all defaults when there is no project configuration)."""

    root: Path | None = None
    source: Path | None = None
    paths: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    timeout: float | None = None
    memory_limit: int | None = None
    warnings_as_errors: bool = False
    fetch: bool = False
    allow_hosts: tuple[str, ...] = ()
    mirrors: tuple[tuple[str, str], ...] = ()
    unavailable: str = "error"
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    jobs: int | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def configured(self) -> bool:
        """True when a ``[tool.teikit]`` table or a ``teikit.toml`` says something (a
        lock alone makes a project root, not a configuration)."""
        return self.source is not None and self.source.name != LOCK_FILE

    def bounds(
        self, timeout: float | None = None, memory_limit: int | None = None
    ) -> tuple[float | None, int | None]:
        """The deadline (s) and memory limit (MB) per document, None for none: the
        arguments (CLI flags), else this configuration, else teikit's defaults; 0 switches
        a bound off. Every way of running teikit on a project (the CLI, ``pytest
        --teikit``) bounds a document alike, so a hostile one stops the same everywhere."""
        if timeout is None:
            timeout = DEFAULT_TIMEOUT if self.timeout is None else self.timeout
        if memory_limit is None:
            memory_limit = DEFAULT_MEMORY_LIMIT if self.memory_limit is None else self.memory_limit
        return timeout or None, memory_limit or None

    def settings(
        self,
        *,
        fetch: bool | None = None,
        allow_hosts: tuple[str, ...] = (),
        unavailable: str | None = None,
        embedded_schematron: bool = False,
    ) -> Settings:
        """The schema :class:`~teikit.validation.schemas.Settings` for a run; arguments
        (from CLI flags) win over the file."""
        access = Access(
            fetch=self.fetch if fetch is None else fetch,
            allow_hosts=self.allow_hosts + tuple(allow_hosts),
            mirrors=self.mirrors,
        )
        return Settings(
            access=access,
            root=self.root,
            per_file=self.per_file,
            unavailable=unavailable or self.unavailable,
            embedded_schematron=embedded_schematron,
        )


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not readable TOML ({exc}); fix it.") from None


def _teikit_table(folder: Path) -> tuple[Path, dict[str, object]] | None:
    """The teikit table of ``folder``'s teikit.toml or pyproject.toml, if either has one."""
    own = folder / TEIKIT_TOML
    if own.is_file():
        return own, _read(own)
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        tool = _read(pyproject).get("tool")
        table = tool.get("teikit") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            return pyproject, table
    return None


def find(start: Path | None = None) -> tuple[Path, dict[str, object]] | None:
    """The nearest configuration at or above ``start`` (default: the working folder);
    a folder with only a ``teikit.lock`` answers (its lock, an empty table).

    The walk stops at a repository root (a ``.git`` folder), so a project never picks up
    a stranger's configuration from a folder above it.
    """
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        found = _teikit_table(candidate)
        if found is not None:
            return found
        if (candidate / LOCK_FILE).is_file():
            return candidate / LOCK_FILE, {}
        if (candidate / ".git").exists():
            return None
    return None


def _strings(table: dict[str, object], key: str, source: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{source}: '{key}' must be a list of strings.")
    return tuple(value)


def _per_file(table: dict[str, object], source: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = table.get("per-file-schemas", {})
    if not isinstance(raw, dict):
        raise UsageError(f"{source}: 'per-file-schemas' must be a table of glob = [schemas].")
    return tuple((glob, _strings(raw, glob, source)) for glob in raw)


def _mirrors(table: dict[str, object], source: Path) -> tuple[tuple[str, str], ...]:
    raw = table.get("mirrors", {})
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise UsageError(f"{source}: 'mirrors' must be a table of prefix = \"mirror prefix\".")
    return tuple((str(k), str(v)) for k, v in raw.items())


def _number(table: dict[str, object], key: str, source: Path, zero: bool = False) -> float | None:
    """A positive number, or None when absent; ``zero`` allows 0 (a bound switched off,
    as the flag's 0 does)."""
    value = table.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < (0 if zero else 1e-9)
    ):
        kind = "a number, 0 or more (0: none)" if zero else "a positive number"
        raise UsageError(f"{source}: '{key}' must be {kind}.")
    return float(value)


def parse(table: dict[str, object], source: Path) -> Config:
    """A :class:`Config` from a ``[tool.teikit]`` table; :class:`UsageError` if malformed."""
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise UsageError(
            f"{source}: unknown teikit setting(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(KEYS))}."
        )
    unavailable = table.get("unavailable", "error")
    if unavailable not in {"error", "warning"}:
        raise UsageError(f'{source}: \'unavailable\' is "error" or "warning".')
    for key in ("warnings-as-errors", "fetch"):
        if not isinstance(table.get(key, False), bool):
            raise UsageError(f"{source}: '{key}' must be true or false.")
    jobs = _number(table, "jobs", source)
    memory = _number(table, "memory-limit", source, zero=True)
    return Config(
        root=source.parent,
        source=source,
        paths=_strings(table, "paths", source),
        include=_strings(table, "include", source) or DEFAULT_INCLUDE,
        exclude=_strings(table, "exclude", source),
        timeout=_number(table, "timeout", source, zero=True),
        memory_limit=None if memory is None else int(memory),
        warnings_as_errors=bool(table.get("warnings-as-errors", False)),
        fetch=bool(table.get("fetch", False)),
        allow_hosts=_strings(table, "allow-hosts", source),
        mirrors=_mirrors(table, source),
        unavailable=str(unavailable),
        per_file=_per_file(table, source),
        jobs=int(jobs) if jobs else None,
    )


def load(start: Path | None = None) -> Config:
    """The configuration in effect at ``start``; defaults when there is none."""
    found = find(start)
    if found is None:
        return Config()
    source, table = found
    return parse(table, source)
