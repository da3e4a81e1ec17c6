"""A large document's grammars checked beside its reference check, on an idle core.

Why: a run over one large document (a dictionary of 10^5 entries) has two cores and
uses one: the grammar engines (the names a document uses, libxml2's check) and the
reference check run one after the other, though the reference check needs nothing but
the parsed tree. A forked process has that tree at once. So a worker that knows a core
is idle (the pool has fewer workers than ``--jobs``) forks after parsing: the child
runs the grammars, the worker the reference check, and the child's findings come back
through a pipe, with the files it read (the result cache must know them). On 10^5
dangling pointers in a dictionary that is the grammars' half-second off the run. Why the
grammars in the child and not the reference check: a valid document's grammars find
nothing to send back, and a child that makes lxml proxies of the tree copies the pages
it touches (the reference check ran 40% slower there, and its 10^5 findings took 0.3 s
to come back).

Nothing of the result depends on it: anything wrong with the child (it fails, dies,
or its peak memory passes the worker's limit) and the worker runs the checks itself,
watched as all its work is, so the report is the one it would have made alone. The
child is killed with the worker (``PR_SET_PDEATHSIG``: a deadline or Ctrl-C that stops
the worker stops it too). Only on Linux, only in workers (:func:`allowed`, never in a
library caller's process), and only from a process with one thread and no Saxon, which
may be forked safely.
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
from pathlib import Path

from teikit.diagnostics import Diagnostic, restored
from teikit.loading.scope import noted
from teikit.validation.memory import over

#: Documents smaller than this are checked in the worker: the fork and the pipe would
#: cost more than the overlap gives (the reference check of 1 MB takes ~0.02 s).
BESIDE_BYTES = 2**20
_MB = 2**20

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


def start(
    work: Callable[[], list[Diagnostic]], path: Path | None
) -> Callable[[], list[Diagnostic] | None] | None:
    """``work`` (checks of the document read from ``path``) started in a forked child,
    when :func:`allowed` and worthwhile (a file of :data:`BESIDE_BYTES` or more).
    Returns None when nothing was started, else what waits for the child's findings:
    None from it means the child did not deliver them (it failed, died, or grew past
    the limit) and the caller must do the work itself."""
    bound = _allowed.get()
    if bound is None or _size(path) < BESIDE_BYTES or not fork_safe():
        return None
    limit = bound[0]
    parent = os.getpid()
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _child(work, writing, parent, limit)
    os.close(writing)

    def result() -> list[Diagnostic] | None:
        with os.fdopen(reading, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        rows, paths, read = pickle.loads(data)  # our own child's: plain values
        mine = noted()
        if mine is not None:
            mine.update(paths)
            mine.read.update(read)
        return restored(rows)

    return result


def _child(
    work: Callable[[], list[Diagnostic]], writing: int, parent: int, limit: int | None
) -> None:
    """Run ``work``, write its findings and what it read to ``writing``, and exit: 0 only
    when everything was written (the worker uses nothing else)."""
    status = 1
    try:
        die_with_parent()
        if os.getppid() == parent:  # else the worker died before the line above
            found = work()
            record = noted()
            data = pickle.dumps(
                (
                    list(map(tuple, found)),
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


def _size(path: Path | None) -> int:
    """The bytes of the file at ``path`` (0 for a document built in memory)."""
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0


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
