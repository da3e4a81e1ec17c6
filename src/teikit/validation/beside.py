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
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from teikit.collector import freeing_later
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
    """A forked child's work, taken once (:meth:`result`) or given up (:meth:`close`),
    and the one question it may be asked meanwhile (:meth:`ask`, :meth:`answer`)."""

    def __init__(self, pid: int, reading: int, asking: int, question: int) -> None:
        self._pid = pid
        self._reading: int | None = reading
        self._asking: int | None = asking
        self._question = question
        self._result: T | None = None
        self._answer: object = None

    def ask(self, question: object) -> bool:
        """Ask the child ``question`` (for its :func:`start` ``answering``, once its work
        is done); the caller goes on and takes the :meth:`answer` later. False when it
        cannot be asked (asked already, the work was taken, or the child is gone).
        Never blocks: the question is written to a file in memory, and only its length
        to the pipe."""
        if self._asking is None:
            return False
        payload = pickle.dumps(question, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.pwrite(self._question, payload, 0)
            os.write(self._asking, len(payload).to_bytes(8, "little"))
        except BrokenPipeError:  # the child is gone: no one to answer
            return False
        finally:
            self._stop_asking()
        return True

    def answer(self) -> object:
        """The answer to the question asked (:meth:`ask`), when the child has done its
        work by now (it says so with a first byte) and delivers it; else None, and a
        child still at its work will find the question withdrawn: the caller finds the
        answer itself rather than wait for it behind the child's work."""
        if self._reading is not None and not _readable(self._reading):
            os.ftruncate(self._question, 0)
            return None
        self._receive()
        return self._answer

    def result(self) -> T | None:
        """What the child's work returned; None when the child did not deliver it (it
        failed, died, or grew past the limit) or read other bytes than this process
        read of the same file (edited meanwhile): the caller then does the work itself.
        The files the child read join this process's dependencies."""
        self._stop_asking()
        self._receive()
        return self._result

    def _stop_asking(self) -> None:
        """Tell the child no (more) question comes: it sends what it has."""
        if self._asking is not None:
            os.close(self._asking)
            self._asking = None

    def _receive(self) -> None:
        """Read the child's one message (its work's value, its answer, what it read) and
        wait for it to exit; keep the value and answer only if they can be trusted."""
        if self._reading is None:
            return
        with os.fdopen(self._reading, "rb") as pipe:
            self._reading = None
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        os.close(self._question)
        if status != 0 or len(data) < 2:
            return
        value: T
        # after the first byte (the work is done): our own child's plain values
        value, answer, paths, read = pickle.loads(memoryview(data)[1:])
        mine = noted()
        if mine is not None:
            if any(mine.read.get(path, digest) != digest for path, digest in read.items()):
                return
            mine.update(paths)
            mine.read.update(read)
        self._result, self._answer = value, answer

    def close(self) -> None:
        """Stop the child if its work was not taken, and wait for it: none is left."""
        self._stop_asking()
        if self._reading is None:
            return
        os.close(self._reading)
        self._reading = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        os.close(self._question)


#: The child started for the document being checked in this block (see :func:`helper`).
_current: ContextVar[Child[Any] | None] = ContextVar("teikit_beside_child", default=None)


def helper() -> Child[Any] | None:
    """The child checking this document's grammars (:func:`start`), which a check may
    :meth:`~Child.ask` a question about the document's bytes; None when there is none."""
    return _current.get()


def may_fork(size: int) -> bool:
    """Whether :func:`start` would fork for a document of ``size`` bytes here: a caller
    asks before it works out whether a child would have anything to do."""
    return _allowed.get() is not None and size >= BESIDE_BYTES and fork_safe()


@contextlib.contextmanager
def start(
    work: Callable[[], T], size: int, answering: Callable[[Any], object] | None = None
) -> Iterator[Child[T] | None]:
    """``work`` (the checks of a document of ``size`` bytes) started in a forked child,
    when :func:`allowed` and worthwhile (:data:`BESIDE_BYTES` or more); the block gets
    the :class:`Child`, or None when nothing was started. Once its work is done, the
    child answers with ``answering`` the question it is asked (:meth:`Child.ask`), if
    any. On leaving the block the child is gone, whatever happened in it."""
    bound = _allowed.get()
    if bound is None or not may_fork(size):
        yield None
        return
    limit = bound[0]
    parent = os.getpid()
    reading, writing = os.pipe()
    asked, asking = os.pipe()
    question = os.memfd_create("teikit-question")
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        os.close(asking)
        _child(work, answering, (asked, question, writing), parent, limit)
    os.close(writing)
    os.close(asked)
    child: Child[T] = Child(pid, reading, asking, question)
    token = _current.set(child)
    try:
        yield child
    finally:
        _current.reset(token)
        child.close()


def _child(
    work: Callable[[], object],
    answering: Callable[[Any], object] | None,
    fds: tuple[int, int, int],
    parent: int,
    limit: int | None,
) -> None:
    """Run ``work``, then answer the question asked, if any; write the value, the answer
    and what it read to the pipe, and exit: 0 only when everything was written (the
    worker uses nothing else). ``fds``: where the question's length comes, the file
    holding it, and the pipe to write to."""
    status = 1
    try:
        die_with_parent()
        if os.getppid() == parent:  # else the worker died before the line above
            with freeing_later():  # left only by os._exit: the child frees nothing
                os._exit(_delivered(work, answering, fds, limit))
    except BaseException:  # noqa: BLE001 - any failure: the worker does the work itself
        status = 1
    finally:
        os._exit(status)


def _delivered(
    work: Callable[[], object],
    answering: Callable[[Any], object] | None,
    fds: tuple[int, int, int],
    limit: int | None,
) -> int:
    """The child's work and answer written (see :func:`_child`): 0, or 1 when the
    child is over the worker's memory limit."""
    asked, question, writing = fds
    value = work()
    os.write(writing, b".")  # the work is done: a question is answered, not withdrawn
    length = _read_all(asked, 8)  # blocks until asked, or told that no question comes
    answer = None
    size = int.from_bytes(length, "little")
    payload = os.pread(question, size, 0) if len(length) == 8 else b""
    if answering is not None and payload and len(payload) == size:  # else withdrawn
        answer = answering(pickle.loads(payload))
    record = noted()
    data = pickle.dumps(
        (
            value,
            answer,
            set(record) if record is not None else set(),
            dict(record.read) if record is not None else {},
        ),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    if limit is not None and over(limit * _MB):
        return 1
    with os.fdopen(writing, "wb") as pipe:
        pipe.write(data)
    return 0


def _readable(fd: int) -> bool:
    """Whether ``fd`` has something to read (or its end) now, without waiting."""
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))


def _read_all(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes from ``fd``, fewer only at its end."""
    got = b""
    while len(got) < n:
        more = os.read(fd, n - len(got))
        if not more:
            break
        got += more
    return got


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
