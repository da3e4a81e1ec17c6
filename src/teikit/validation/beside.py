"""A large document's grammars checked beside its reference check, on an idle core.

Why: a run over one large document (a dictionary of 10^5 entries) has two cores and
uses one: the grammar engines (the names a document uses, libxml2's check) and the
reference check run one after the other, though each needs nothing but the parsed
tree. So a worker that knows a core is idle (the pool has fewer workers than
``--jobs``) forks once it has read the file: the child parses the same bytes and runs
the grammars, the worker parses them and runs the reference check, and the child's
findings come back through a pipe, with the files it read (the result cache must know
them). On 10^5 dangling pointers in a dictionary that is the grammars' half-second off
the run. Why before parsing, each with a tree of its own: a tree shared by the two
processes is copied page by page as either touches it (making an lxml proxy writes to
the node), which cost the reference check a fifth of its time; a second parse costs the
idle core a quarter-second. Why the grammars in the child and not the reference check:
a valid document's grammars find nothing to send back, while 10^5 reference findings
took 0.3 s to come back.

Nothing of the result depends on it: anything wrong with the child (it fails, dies,
its peak memory passes the worker's limit, or it read other bytes than the worker of a
file it included: edited meanwhile) and the worker runs the checks itself, watched as
all its work is, so the report is the one it would have made alone. The child is
killed with the worker (``PR_SET_PDEATHSIG``: a deadline or Ctrl-C that stops the
worker stops it too), and killed by it when its work is not wanted. Only on Linux, only
in workers (:func:`allowed`, never in a library caller's process), and only from a
process with one thread and no Saxon, which may be forked safely.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Generic, TypeVar

from teikit.loading.scope import noted
from teikit.validation.memory import over

#: Documents smaller than this are checked in the worker: the fork and the pipe would
#: cost more than the overlap gives (the reference check of 1 MB takes ~0.02 s).
BESIDE_BYTES = 2**20
_MB = 2**20

T = TypeVar("T")

#: The memory limit (MB, None: none) of the worker allowed to fork (:func:`allowed`).
_allowed: ContextVar[tuple[int | None] | None] = ContextVar("teikit_beside", default=None)


@contextlib.contextmanager
def allowed(memory_limit: int | None) -> Iterator[None]:
    """Within the block, :func:`start` may fork (a worker with a core to spare, whose
    process may hold ``memory_limit`` MB)."""
    token = _allowed.set((memory_limit,))
    try:
        yield
    finally:
        _allowed.reset(token)


class Child(Generic[T]):
    """A forked child's work, taken once (:meth:`result`) or given up (:meth:`close`)."""

    def __init__(self, pid: int, reading: int) -> None:
        self._pid = pid
        self._reading: int | None = reading
        self._result: T | None = None

    def result(self) -> T | None:
        """What the child's work returned; None when the child did not deliver it (it
        failed, died, or grew past the limit) or read other bytes than this process
        read of the same file (edited meanwhile): the caller then does the work itself.
        The files the child read join this process's dependencies."""
        if self._reading is None:
            return self._result
        with os.fdopen(self._reading, "rb") as pipe:
            self._reading = None
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            return None
        value: T
        value, paths, read = pickle.loads(data)  # our own child's: plain values
        mine = noted()
        if mine is not None:
            if any(mine.read.get(path, digest) != digest for path, digest in read.items()):
                return None
            mine.update(paths)
            mine.read.update(read)
        self._result = value
        return value

    def close(self) -> None:
        """Stop the child if its work was not taken, and wait for it: none is left."""
        if self._reading is None:
            return
        os.close(self._reading)
        self._reading = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)


@contextlib.contextmanager
def start(work: Callable[[], T], size: int) -> Iterator[Child[T] | None]:
    """``work`` (the checks of a document of ``size`` bytes) started in a forked child,
    when :func:`allowed` and worthwhile (:data:`BESIDE_BYTES` or more); the block gets
    the :class:`Child`, or None when nothing was started. On leaving the block the child
    is gone, whatever happened in it."""
    bound = _allowed.get()
    if bound is None or size < BESIDE_BYTES or not fork_safe():
        yield None
        return
    limit = bound[0]
    parent = os.getpid()
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _child(work, writing, parent, limit)
    os.close(writing)
    child: Child[T] = Child(pid, reading)
    try:
        yield child
    finally:
        child.close()


def _child(work: Callable[[], object], writing: int, parent: int, limit: int | None) -> None:
    """Run ``work``, write what it returns and what it read to ``writing``, and exit: 0
    only when everything was written (the worker uses nothing else)."""
    status = 1
    try:
        die_with_parent()
        if os.getppid() == parent:  # else the worker died before the line above
            value = work()
            record = noted()
            data = pickle.dumps(
                (
                    value,
                    set(record) if record is not None else set(),
                    dict(record.read) if record is not None else {},
                ),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            if limit is None or not over(limit * _MB):
                with os.fdopen(writing, "wb") as pipe:
                    pipe.write(data)
                status = 0
    except BaseException:  # noqa: BLE001 - any failure: the worker does the work itself
        status = 1
    finally:
        os._exit(status)


def fork_safe() -> bool:
    """Whether this process may fork a child that runs Python and lxml: Linux (where
    the child can be tied to this process's life), one thread, and no Saxon (a native
    runtime with threads of its own). The worker pool asks the same before it forks
    its workers."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and "saxonche" not in sys.modules
    )


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphan processes)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
