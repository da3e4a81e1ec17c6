"""When memory is reclaimed: Python's cyclic garbage collector held off while a block
allocates much and frees little, and a large document's tree freed after the work that
waits on it.

Why the collector: validating one document with 10^5 findings, or writing the report
of a run, makes millions of small objects that live to the end of the block; the
collector's generational passes scan them again and again (a fifth of the CPU of such a
file, in the worker and in the run alike). Objects without cycles are still freed at
once while it is off; the few cycles made meanwhile wait for its next pass after the
block.

Why a tree freed later: freeing the tree of a dictionary of 7·10^5 elements takes
0.06 s, and leaves its 1.4 million small blocks for the C allocator to merge at its next
large request (another 0.1 s, wherever that falls). A worker frees a document after it
has sent the document's report (the run renders it meanwhile); a forked child never
frees it, as it exits without freeing anything. Imports nothing of teikit: the lowest
floor.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block, then as it was before."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: What the open :func:`freeing_later` block keeps (see :func:`free_later`).
_kept: ContextVar[list[object] | None] = ContextVar("teikit_kept", default=None)


@contextmanager
def freeing_later() -> Iterator[None]:
    """Within the block, :func:`free_later` keeps the last thing it is given until the
    block ends (a process that ends inside the block never frees it)."""
    kept: list[object] = []
    token = _kept.set(kept)
    try:
        yield
    finally:
        _kept.reset(token)
        kept.clear()


def free_later(thing: object) -> None:
    """Keep ``thing`` (a document) to the end of the open :func:`freeing_later` block or
    the next :func:`free_kept`, freeing what was kept before (one document at most is
    kept); outside such a block, nothing is kept."""
    kept = _kept.get()
    if kept is not None:
        kept[:] = [thing]


def free_kept() -> None:
    """Free what :func:`free_later` keeps, now: before the next document is read, so
    that two trees are never held at once."""
    kept = _kept.get()
    if kept is not None:
        kept.clear()
