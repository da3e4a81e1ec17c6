"""Schemas travel to Dask workers by hash: what a worker does with a shipment."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from teikit.validation.shipment import ShippedSchema, install_schemas

from conftest import DATA

MINI = str(DATA / "validation" / "mini.rng")


def test_shipped_schemas_land_once_in_a_workers_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a worker plugin does on a machine without the client's store."""
    from teikit.validation import store

    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    data = Path(MINI).read_bytes()
    shipped = ShippedSchema(
        "mini@1", "mini", "1", "relaxng", "mini.rng", "test", hashlib.sha256(data).hexdigest(), data
    )
    assert install_schemas([shipped]) == 1
    entry, path = store.get("mini@1")
    assert path.read_bytes() == data and entry.sha256 == shipped.sha256
    assert install_schemas([shipped]) == 0  # the same bytes are there: nothing travels
