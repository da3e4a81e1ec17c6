"""A Dask worker's own validating process: documents held to their bounds, warm.

Why a module of its own: a Dask task runs in a thread, which cannot be stopped inside
an engine (C, Saxon's native image); a process can. So a worker hands its chunks to a
process of its own (:class:`~teikit.validation.workers.Pool` of one), kept from chunk to
chunk so that it compiles each schema once, and forked, where that is safe, from the
worker after it warmed its engines, so that it starts warm. A local cluster's workers
are threads of the client: their processes are stopped when the run ends.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from teikit.diagnostics import Report
from teikit.validation.workers import Bounds, Pool, Warm

__all__ = ["closing_pools", "forkable", "held_to"]

T = TypeVar("T")
R = TypeVar("R")


def forkable() -> bool:
    """May this process fork the processes that validate for it?

    A forked process starts at once with its parent's imports and warmed engines (as
    ``--jobs`` workers do); a spawned one imports teikit and warms its own engines
    (some 0.6 s of CPU each, on the cores the run has).
    :func:`teikit.validation.workers.context` forks only from a single thread; here
    the other threads are Dask's own (its event loop, its executor, a local cluster's
    other workers) and the client's, collecting reports: they run networking and
    bookkeeping, never teikit's engines or libxml2, so the child, which runs only
    teikit's engines, needs none of the locks they may hold. Saxon's native runtime
    has threads of its own that the child would need: once it is loaded, no fork.
    """
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and "saxonche" not in sys.modules
    )


#: Per Dask worker thread (by its ident): what the run does and the pool of one process
#: that does it under its bounds, kept from chunk to chunk (it compiles each schema once).
_pools: dict[int, tuple[object, Any]] = {}
_pools_lock = threading.Lock()


@contextmanager
def closing_pools(local: bool) -> Iterator[None]:
    """Stop the validating processes of this process's Dask worker threads on leaving
    (only for ``local``, a local cluster's run: its workers are this process's
    threads, and they are gone); at once if the run was interrupted or failed."""
    try:
        yield
    except BaseException:
        if local:
            _close_pools(kill=True)
        raise
    if local:
        _close_pools()


def _close_pools(*, kill: bool = False) -> None:
    with _pools_lock:
        held = list(_pools.values())
        _pools.clear()
    for _, pool in held:
        pool.close(kill=kill)


def held_to(
    one: Callable[[Path, T], R],
    files: list[Path],
    arg: T,
    bounds: Bounds,
    *,
    warm: Warm | None = None,
) -> list[R | Report]:
    """``one(file, arg)`` for each file, in a process of this worker's own, each stopped
    at ``bounds``: a document that overruns gets ``load:timeout`` (one that grows past
    the limit ``load:memory``, a dead process ``load:worker-died``) and the others of
    the chunk are done. A Dask task running in a thread cannot be stopped; a process
    can."""

    key = (one, arg, bounds)
    me = threading.get_ident()
    with _pools_lock:
        held: tuple[object, Pool[R]] | None = _pools.pop(me, None)
    if held is not None and held[0] != key:  # another run on this cluster
        held[1].close()
        held = None
    results: list[R | Report | None] = [None] * len(files)

    def done(i: int, outcome: R | Report) -> None:
        results[i] = outcome

    with _children_allowed():
        if held is None:
            forked = forkable()
            pool = Pool(
                one,
                arg,
                1,
                bounds.timeout,
                multiprocessing.get_context("fork" if forked else "spawn"),
                memory=bounds.memory_limit,
                warm=None if forked else warm,
                work=bounds.work,
            )
            held = (key, pool)
        try:
            held[1].map(files, list(range(len(files))), done)
        except BaseException:
            held[1].close(kill=True)
            raise
    with _pools_lock:
        _pools[me] = held
    return [r for r in results if r is not None]


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Let this process start child processes though Dask started it as a daemon.

    :mod:`multiprocessing` forbids daemonic processes to have children because it could
    not stop them at exit. The pool's processes stop themselves: Linux kills them when
    their parent goes (``PR_SET_PDEATHSIG``) and they leave when their pipe closes.
    """
    config = vars(multiprocessing.current_process()).get("_config", {})
    daemon = config.pop("daemon", None)
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon
