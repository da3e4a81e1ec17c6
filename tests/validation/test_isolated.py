"""A Dask worker's own validating process: one per worker, kept from chunk to chunk,
stopped with a local cluster's run."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from teikit.validation.isolated import closing_pools, held_to
from teikit.validation.workers import Bounds


def _pid(path: Path, arg: object) -> int:
    return os.getpid()


def test_a_workers_chunks_go_to_one_process_of_its_own_kept_between_chunks() -> None:
    with closing_pools(True):
        first = held_to(_pid, [Path("a.xml"), Path("b.xml")], None, Bounds())
        second = held_to(_pid, [Path("c.xml")], None, Bounds(timeout=30))
        third = held_to(_pid, [Path("d.xml")], None, Bounds(timeout=30))
    assert len(set(first)) == 1 and first[0] != os.getpid()
    assert second != first[:1], "other bounds, another run: a fresh process"
    assert third == second
    assert multiprocessing.active_children() == []
