"""The project lock: which schema bytes (by SHA-256) a project validates against.

A store is per machine; the lock is per project and goes into version control, so
CI and every contributor verify the same bytes the maintainer fetched. It lives in
``[tool.teikit.schemas]`` of ``pyproject.toml`` when the project configures teikit
there, else in ``teikit.lock`` (TOML, ``[schemas]``). Each entry is keyed like the
store (``"tei_all@4.3.0"`` or an address) and holds ``sha256`` and ``source``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from teikit.diagnostics import TeikitError
from teikit.files import write_atomic

LOCK_FILE = "teikit.lock"
PYPROJECT = "pyproject.toml"
_TABLE = "[tool.teikit.schemas]"


@dataclass(frozen=True)
class Locked:
    """One locked schema: its store key, the SHA-256 its bytes must have, where from."""

    key: str
    sha256: str
    source: str = ""


def _toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TeikitError(f"{path} is not readable TOML ({exc}); fix it.") from None


def _table(data: dict[str, object], *keys: str) -> dict[str, object]:
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def uses_pyproject(root: Path) -> bool:
    """True when the project keeps teikit settings in pyproject.toml (so the lock goes there)."""
    return (
        bool(_table(_toml(root / PYPROJECT), "tool", "teikit")) and not (root / LOCK_FILE).is_file()
    )


def read(root: Path | None) -> dict[str, Locked]:
    """The project's locked schemas (empty without a project or a lock)."""
    if root is None:
        return {}
    tables = [
        _table(_toml(root / PYPROJECT), "tool", "teikit", "schemas"),
        _table(_toml(root / LOCK_FILE), "schemas"),
    ]
    out: dict[str, Locked] = {}
    for table in tables:
        for key, value in table.items():
            if isinstance(value, dict) and isinstance(value.get("sha256"), str):
                out[key] = Locked(key, str(value["sha256"]), str(value.get("source", "")))
    return out


def _line(item: Locked) -> str:
    # A JSON string of printable text is a valid TOML basic string.
    return (
        f"{json.dumps(item.key)} = {{ sha256 = {json.dumps(item.sha256)}, "
        f"source = {json.dumps(item.source)} }}"
    )


def _write(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def record(root: Path, item: Locked) -> Path:
    """Add or update ``item`` in the project's lock; the file written.

    pyproject.toml is edited as text inside its ``[tool.teikit.schemas]`` table only
    (the rest of the file, comments included, stays byte for byte), because the
    standard library reads TOML but does not write it.
    """
    if uses_pyproject(root):
        path = root / PYPROJECT
        current = {
            k: v
            for k, v in read(root).items()
            if k in _table(_toml(path), "tool", "teikit", "schemas")
        }
        current[item.key] = item
        block = _TABLE + "\n" + "".join(_line(v) + "\n" for _, v in sorted(current.items()))
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(r"^\[tool\.teikit\.schemas\][ \t]*\n(?:(?!\[).*\n?)*", re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _: block + "\n", text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + block
        _write(path, text)
        return path
    path = root / LOCK_FILE
    locked = {k: v for k, v in read(root).items() if k in _table(_toml(path), "schemas")}
    locked[item.key] = item
    _write(
        path,
        "# The schema bytes this project validates against, by SHA-256.\n"
        "# Written by 'teikit schemas fetch'; commit it so CI checks the same bytes.\n"
        "[schemas]\n" + "".join(_line(v) + "\n" for _, v in sorted(locked.items())),
    )
    return path
