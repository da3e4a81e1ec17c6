"""Python's cyclic garbage collector held off while a block allocates much and frees
little.

Why: validating one document with 10^5 findings, or writing the report of a run,
makes millions of small objects that live to the end of the block; the collector's
generational passes scan them again and again (a fifth of the CPU of such a file, in the
worker and in the run alike). Objects without cycles are still freed at once while it is
off; the few cycles made meanwhile wait for its next pass after the block. Imports
nothing of teikit: the lowest floor.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
