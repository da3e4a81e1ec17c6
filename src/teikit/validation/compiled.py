"""One compile cache for every validation engine: a schema is compiled once per process.

Why shared: compiling is the expensive part of validating (tei_all as RelaxNG, a Schematron
turned into XSLT and compiled by Saxon, an XML Schema read by xmlschema), and a batch
validates many documents against the same few schemas. Each engine used to keep its own
dictionary with its own key and its own idea of "the same schema"; here the key is one
rule for all: the engine's kind, the schema's resolved path, the SHA-256 of its bytes and
the engine's own variant (a Schematron phase). An edited schema has new bytes and is
compiled again; an unchanged one is found by its file status without being hashed again.

Builds of different schemas run in parallel; two threads asking for the same schema wait
for one build.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

_lock = threading.Lock()
#: (kind, path, sha256, *variant) -> the engine's compiled object
_entries: dict[tuple[str, ...], object] = {}
#: (kind, path, mtime_ns, size, *variant) -> the full key, to skip re-hashing
_by_stat: dict[tuple[str, ...], tuple[str, ...]] = {}
_building: dict[tuple[str, ...], threading.Lock] = {}


def compiled(
    kind: str,
    path: Path,
    build: Callable[[bytes], T],
    *variant: str,
    read: Callable[[Path], bytes] = Path.read_bytes,
) -> T:
    """The ``kind`` engine's compiled form of the schema at ``path`` (with ``variant``).

    ``build(data)`` compiles it from its bytes the first time; ``read`` reads them (the
    engines pass the loader's size-limited reader). ``OSError`` from reading and whatever
    ``build`` raises propagate, and nothing is cached then.
    """
    resolved = path.resolve()
    try:
        stat = resolved.stat()
    except OSError:
        read(resolved)  # the engine's own reader says why, in the engine's terms
        raise
    quick = (kind, str(resolved), str(stat.st_mtime_ns), str(stat.st_size), *variant)
    with _lock:
        known = _by_stat.get(quick)
        if known is not None and known in _entries:
            return cast(T, _entries[known])
    data = read(resolved)
    key = (kind, str(resolved), hashlib.sha256(data).hexdigest(), *variant)
    with _lock:
        building = _building.setdefault(key, threading.Lock())
    with building:
        with _lock:
            found = _entries.get(key)
        if found is None:
            found = build(data)
            with _lock:
                _entries[key] = found
    with _lock:
        _by_stat[quick] = key
        _building.pop(key, None)
    return cast(T, found)


def clear() -> None:
    """Forget every compiled schema (for tests that count compilations)."""
    with _lock:
        _entries.clear()
        _by_stat.clear()
