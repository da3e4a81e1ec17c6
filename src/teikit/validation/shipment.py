"""Schemas travel to Dask workers by hash, not by path.

Why a module of its own: a worker on another machine has no copy of the client's schema
store, and must not fetch (the network is used only by ``schemas fetch``), yet must
judge each document by the very schema the client would. So the client's stored schemas
go once to every worker (a worker plugin, which Dask also gives to workers that join
later), and each worker keeps them in its own store, unless it has those bytes already
(verified by SHA-256: a shared store path, or a local cluster, where nothing is copied).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from teikit.diagnostics import TeikitError

__all__ = ["ShippedSchema", "install_schemas", "plugin", "stored"]


@dataclass(frozen=True)
class ShippedSchema:
    """One stored schema as it travels to workers: its store entry and its bytes."""

    key: str
    name: str
    version: str
    kind: str
    filename: str
    source: str
    sha256: str
    data: bytes


def stored() -> list[ShippedSchema]:
    """Every verified schema in this machine's store (what a run may resolve names and
    ``xml-model`` URLs to); a damaged one stays behind, and fails where it is used."""
    from teikit.validation import store

    found = []
    for entry in store.entries().values():
        try:
            path = store.verified(entry)
        except TeikitError:
            continue
        found.append(
            ShippedSchema(
                entry.key,
                entry.name,
                entry.version,
                entry.kind,
                Path(entry.file).name,
                entry.source,
                entry.sha256,
                path.read_bytes(),
            )
        )
    return found


def install_schemas(shipped: list[ShippedSchema]) -> int:
    """Put each shipped schema in this process's store unless it has those bytes already;
    the number written. Runs on each worker (see :func:`plugin`)."""
    import tempfile

    from teikit.validation import store
    from teikit.validation.catalogue import SchemaRef

    have = store.entries()
    written = 0
    for schema in shipped:
        entry = have.get(schema.key)
        if entry is not None and entry.sha256 == schema.sha256:
            try:
                store.verified(entry)
                continue
            except TeikitError:
                pass  # damaged here: replace it with the client's copy
        with tempfile.TemporaryDirectory(prefix="teikit-schema-") as folder:
            temp = Path(folder) / schema.filename
            temp.write_bytes(schema.data)
            store.put(
                schema.key,
                SchemaRef(schema.name, schema.version),
                temp,
                schema.kind,
                schema.filename,
                schema.source,
            )
        written += 1
    return written


def plugin(shipped: list[ShippedSchema]) -> Any:
    """A worker plugin carrying the schemas: set up on every worker, also later ones."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class SchemaShipment(WorkerPlugin):  # type: ignore[misc, unused-ignore]
        name = "teikit-schemas"

        def setup(self, worker: Any) -> None:
            install_schemas(shipped)

    return SchemaShipment()
