"""Worker processes with a deadline per document: a hang or a crash costs one file.

Why processes and not threads or alarms: the engines spend their time in C (libxml2)
and in Saxon's native image, where neither a Python exception nor a signal handler can
stop them. A process can always be stopped. So every document is validated in a worker
process; the parent only hands out paths and collects reports, and when a document
overruns its deadline (or its worker dies) the parent kills that worker, records a
located error for that one file (``load:timeout``, ``load:worker-died``), starts a fresh
worker and goes on with the rest.

Memory is bounded the same way (``load:memory``): the parent reads each busy worker's
resident memory (``/proc/<pid>/statm``) every :data:`POLL` seconds while it waits, and
stops one that is over the limit; a worker also checks its own peak (``VmHWM``) after
each file, so a burst between two looks is caught, whatever the timing. Not an
``RLIMIT_AS`` (Saxon's native image reserves gigabytes of address space and will not
start under one) nor an ``RLIMIT_DATA`` (allocations fail inside the engines: Saxon
aborts the process and libxml2 reports a syntax error the document does not have).
If memory runs out all the same, workers are the OOM killer's first choice.

Workers ignore Ctrl-C (the terminal sends it to the whole process group): the parent
decides, kills every worker and waits for them, so an interrupted run leaves no
process behind. Workers also ask Linux to kill them when the parent dies
(``PR_SET_PDEATHSIG``), and stop when their pipe closes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Generic, TypeVar

from teikit.collector import collector_paused, free_kept, freeing_later
from teikit.diagnostics import Report, TeikitError, error
from teikit.locations import display_path
from teikit.validation.beside import die_with_parent, fork_safe
from teikit.validation.memory import WATCHABLE, over, resident
from teikit.validation.stopped import BUILDING as BUILDING
from teikit.validation.stopped import VALIDATING as VALIDATING
from teikit.validation.stopped import Work as Work
from teikit.validation.stopped import died_message, memory_message, timeout_message

#: One task's outcome as sent back: ("ok", result) or ("fatal", exit code, message).
_Reply = tuple[Any, ...]
#: What the per-file function returns: a validation's Report, a build's outcome.
R = TypeVar("R")
#: The per-file function a worker runs (module level, so it pickles to spawned workers).
PerFile = Callable[[Path, Any], Any]
#: What a worker runs once before its first file: ``warm[0](warm[1], options)``.
Warm = tuple[Callable[[Any, Any], None], Any]
#: What each chunk of files is worked on within: ``with around(options):``.
Around = Callable[[Any], AbstractContextManager[Any]]
#: Seconds a killed worker is given to go before it is waited for anyway.
_GRACE = 2.0
#: The most files sent to a worker at once (fewer near the end of a run).
MAX_CHUNK = 64
#: Seconds between two looks at the busy workers' memory, under a memory limit.
POLL = 0.05
_MB = 2**20


@dataclass(frozen=True)
class Bounds:
    """What each document's work is held to: ``timeout`` seconds and ``memory_limit``
    MB of its process (None: unbounded), and what the messages call the work."""

    timeout: float | None = None
    memory_limit: int | None = None
    work: Work = VALIDATING

    @property
    def bounded(self) -> bool:
        return self.timeout is not None or self.memory_limit is not None


def run_pool(
    one: Callable[[Path, Any], R],
    files: list[Path],
    arg: Any,
    size: int,
    bounds: Bounds,
    done: Callable[[int, R | Report], None],
    *,
    todo: list[int] | None = None,
    warm: Warm | None = None,
    around: Around | None = None,
) -> None:
    """``one(files[i], arg)`` for every ``i`` in ``todo`` (default: all) in ``size``
    workers held to ``bounds``, each outcome handed to ``done(i, outcome)`` as it comes;
    ``warm`` runs in each worker before its first file, each chunk runs ``around``
    it. Every worker is stopped before this returns (at once on Ctrl-C or a fatal error)."""
    pool = Pool(
        one,
        arg,
        size,
        bounds.timeout,
        context(),
        memory=bounds.memory_limit,
        warm=warm,
        work=bounds.work,
        around=around,
    )
    try:
        pool.map(files, list(range(len(files))) if todo is None else todo, done)
    except BaseException:
        pool.close(kill=True)  # Ctrl-C or a fatal error: stop everything now
        raise
    pool.close()


def _killed_first() -> None:
    """Ask Linux's OOM killer to take this worker before anything else: if the machine
    runs out of memory all the same (``--memory-limit 0``, or more workers than memory),
    a worker dies and its file is reported (``load:worker-died``), not the parent and
    its report. Raising one's own score needs no privilege."""
    with contextlib.suppress(OSError):
        with open("/proc/self/oom_score_adj", "w", encoding="ascii") as fh:
            fh.write("1000")


def _serve(
    conn: Connection,
    one: PerFile,
    options: Any,
    clock: Any,
    memory: int | None,
    warm: Warm | None = None,
    work: Work = VALIDATING,
    around: Around | None = None,
) -> None:
    """A worker's life: validate each chunk of paths it is sent (``around`` it, if
    given) until the pipe closes, answering once per chunk. ``clock`` (shared with the
    parent) holds the start time of the file being validated (0 between files) and its
    task number, so the parent can hold each document to its deadline without a message
    per document. A file after which this process's peak memory is over ``memory`` MB
    is answered ``load:memory`` and the worker leaves (its peak stays high: the next file
    would be blamed). ``warm`` runs before the first file, on that file's clock (its
    deadline covers the warm-up too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _killed_first()
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:  # the parent's "no more work" (a forked worker may hold the
            return  # parent's end of its own pipe, so EOF alone would never come)
        if warm is not None and chunk:
            clock[1] = chunk[0][0]
            clock[0] = time.monotonic()
            with contextlib.suppress(Exception):  # best effort: the files will tell
                warm[0](warm[1], options)
            clock[0] = 0.0
            warm = None
        with freeing_later():  # the last document is freed once its report has gone
            replies = _chunk(chunk, one, options, clock, memory, work, around)
            try:
                conn.send(replies)
            except (EOFError, OSError):
                return
        if replies and replies[-1][1][0] == "memory":
            return


def _chunk(
    chunk: list[tuple[int, str]],
    one: PerFile,
    options: Any,
    clock: Any,
    memory: int | None,
    work: Work,
    around: Around | None,
) -> list[tuple[int, _Reply]]:
    """The replies to one chunk of files (see :func:`_serve`): each file on the clock,
    the chunk ended by a file that fails or leaves the process over ``memory`` MB."""
    replies: list[tuple[int, _Reply]] = []
    with around(options) if around is not None else contextlib.nullcontext():
        for task, path in chunk:
            free_kept()  # the last file's document (see freeing_later in _serve)
            clock[1] = task
            clock[0] = time.monotonic()
            reply = _one(one, Path(path), options, work)
            if memory is not None and reply[0] == "ok" and over(memory * _MB):
                message = memory_message(memory, work)
                reply = ("memory", _failed(Path(path), "load:memory", message))
            clock[0] = 0.0
            replies.append((task, reply))
            if reply[0] != "ok":
                break
    return replies


def _one(one: PerFile, path: Path, options: Any, work: Work = VALIDATING) -> _Reply:
    """``one(path, options)`` as a reply; a failure is this file's report, unless
    teikit itself cannot run (a :class:`TeikitError`: the parent ends the run)."""
    try:
        with collector_paused():  # a file's findings are made, then sent and freed
            result = one(path, options)
            return ("ok", result.packed() if isinstance(result, Report) else result)
    except MemoryError:
        return (
            "ok",
            _failed(
                path,
                "load:out-of-memory",
                f"{work.doing.capitalize()} this file ran out of memory; the other files "
                f"were {work.done}.",
            ),
        )
    except TeikitError as exc:
        return ("fatal", exc.exit_code, str(exc))
    except Exception as exc:  # a bug in teikit: this file's error, not the run's end
        return (
            "ok",
            _failed(
                path,
                "load:internal-error",
                "teikit failed on this "
                f"file ({type(exc).__name__}: {exc}); the other files were "
                f"{work.done}. Please report this with the file.",
            ),
        )


def _failed(path: Path, rule: str, message: str) -> Report:
    """The report of a file whose validation did not finish: one located error."""
    shown = display_path(str(path))
    return Report(
        diagnostics=[error(rule, message, file=shown, line=1, column=1)],
        files=[shown],
        input_error=True,
    )


@dataclass
class _Worker:
    process: Any
    conn: Connection
    #: shared with the process: [start of the current file (0: between files), its task]
    clock: Any
    #: tasks sent to it, in the order it works on them, not yet answered
    pending: deque[int] = field(default_factory=deque)

    def current(self) -> tuple[int | None, float]:
        """(the task it is validating, since when), or (None, 0) between files."""
        start, task = self.clock[0], self.clock[1]
        return (int(task), start) if start else (None, 0.0)


class Pool(Generic[R]):
    """``size`` workers running ``one(path, options)`` with a per-file ``deadline``
    (seconds) and ``memory`` limit (MB), each None for none. A file that does not finish
    gets a :class:`Report` with one located error instead of ``one``'s result (``work``
    says, in its message, what was stopped).

    Files go out in chunks (at most :data:`MAX_CHUNK`, fewer as the run ends, so both
    workers finish together) and two chunks are in flight per worker, so a worker never
    waits for the parent between files; answers come back once per chunk. On a busy
    machine each exchange waits for a time slice: one per file made a run of 10,000
    small files mostly waiting.
    """

    def __init__(
        self,
        one: Callable[[Path, Any], R],
        options: Any,
        size: int,
        deadline: float | None,
        context: Any,
        *,
        memory: int | None = None,
        warm: Warm | None = None,
        work: Work = VALIDATING,
        around: Around | None = None,
    ) -> None:
        self.one = one
        self.around = around
        self.work = work
        self.options = options
        self.warm = warm
        self.deadline = deadline
        self.memory = memory
        self.context = context
        self.queue: deque[int] = deque()
        self.workers = [self._start() for _ in range(size)]

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        clock = self.context.RawArray("d", 2)
        process = self.context.Process(
            target=_serve,
            args=(
                child,
                self.one,
                self.options,
                clock,
                self.memory,
                self.warm,
                self.work,
                self.around,
            ),
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(process, parent, clock)

    def close(self, *, kill: bool = False) -> None:
        """Stop every worker and wait for it: nothing outlives the run. Idle workers
        leave when their pipe closes; ``kill`` (Ctrl-C, a fatal error) stops busy ones
        at once instead of letting them finish their document."""
        for worker in self.workers:
            if kill:
                _kill(worker)
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
                worker.conn.close()
        deadline = time.monotonic() + _GRACE
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _kill(worker)

    def map(
        self, files: list[Path], todo: list[int], done: Callable[[int, R | Report], None]
    ) -> None:
        """Validate ``files[i]`` for each ``i`` in ``todo``, calling ``done(i, report)``
        as each finishes (in completion order)."""
        self.queue = deque(todo)
        while self.queue or any(w.pending for w in self.workers):
            for worker in list(self.workers):
                self._feed(worker, files, done)
            self._collect(files, done)

    def _feed(
        self, worker: _Worker, files: list[Path], done: Callable[[int, R | Report], None]
    ) -> None:
        """Keep two chunks in flight on ``worker``, shrinking as the queue empties so
        the workers finish together; one worker alone (a Dask worker's) has no one to
        finish with, and shrinking would only add round trips at each chunk's end."""
        size = max(1, min(MAX_CHUNK, len(self.queue) // (4 * len(self.workers))))
        size = size if len(self.workers) > 1 else MAX_CHUNK
        while self.queue and len(worker.pending) <= size:
            chunk = [self.queue.popleft() for _ in range(min(size, len(self.queue)))]
            try:
                worker.conn.send([(i, str(files[i])) for i in chunk])
            except (OSError, ValueError):  # it died, perhaps while idle: replace it
                self.queue.extendleft(reversed(chunk))
                self._lost(worker, files, done, "load:worker-died")
                return
            worker.pending.extend(chunk)

    def _collect(self, files: list[Path], done: Callable[[int, R | Report], None]) -> None:
        """Wait for answers (or the nearest deadline) and hand each file's report on."""
        active = [w for w in self.workers if w.pending]
        waits: list[Any] = [w.conn for w in active] + [w.process.sentinel for w in active]
        ready = set(wait(waits, timeout=self._wait_time(active)))
        for worker in active:
            if worker.conn in ready:
                if not self._answers(worker, done):
                    self._lost(worker, files, done, "load:worker-died")
            elif worker.process.sentinel in ready:
                self._lost(worker, files, done, "load:worker-died")
            elif self._overran(worker) and self._answers(worker, done, block=False):
                if self._overran(worker):  # answers read, and still running late
                    self._lost(worker, files, done, "load:timeout")
            elif self._too_big(worker):
                self._lost(worker, files, done, "load:memory")

    def _answers(
        self, worker: _Worker, done: Callable[[int, R | Report], None], *, block: bool = True
    ) -> bool:
        """Read one chunk's answers from ``worker`` (without ``block``: only if one is
        there); False when its pipe is broken."""
        try:
            if not block and not worker.conn.poll():
                return True
            replies: list[tuple[int, _Reply]] = worker.conn.recv()
        except (EOFError, OSError):
            return False
        for task, reply in replies:
            worker.pending.remove(task)
            if reply[0] == "fatal":
                failure = TeikitError(str(reply[2]))
                failure.exit_code = int(reply[1])
                raise failure
            done(task, reply[1])
            if reply[0] == "memory":  # it went over the limit and left
                self._replace(worker)
        return True

    def _lost(
        self, worker: _Worker, files: list[Path], done: Callable[[int, R | Report], None], rule: str
    ) -> None:
        """``worker`` died or overran: the file it was on gets ``rule``, a fresh worker
        takes its place, and the files it had not answered go back to the queue (the
        ones it finished but had not sent are validated again: only on failures)."""
        culprit, _ = worker.current()
        if rule == "load:worker-died":
            message = _died(worker, self.work)
        elif rule == "load:memory":
            message = memory_message(self.memory, self.work)
        else:
            message = timeout_message(self.deadline, self.work)
        if culprit not in worker.pending:
            culprit = worker.pending[0] if worker.pending else None
        self._replace(worker, culprit)
        if culprit is not None:
            done(culprit, _failed(files[culprit], rule, message))

    def _replace(self, worker: _Worker, culprit: int | None = None) -> None:
        """Stop ``worker`` and start a fresh one in its place; the files it had not
        answered, but ``culprit``, go back to the queue."""
        _kill(worker)
        self.workers[self.workers.index(worker)] = self._start()
        self.queue.extendleft(reversed([t for t in worker.pending if t != culprit]))
        worker.pending.clear()

    def _wait_time(self, active: list[_Worker]) -> float | None:
        """Seconds until the nearest deadline (a worker between files may start one at
        any moment, so it can overrun no sooner than a whole deadline from now), or
        until the next look at the workers' memory."""
        poll = POLL if self.memory is not None and active and WATCHABLE else None
        if self.deadline is None or not active:
            return poll
        now = time.monotonic()
        ends = [start + self.deadline - now for _, start in map(_Worker.current, active) if start]
        return min(max(0.0, min([*ends, self.deadline])) + 0.01, poll or self.deadline)

    def _too_big(self, worker: _Worker) -> bool:
        """Is ``worker`` over the memory limit while validating a file? (Between files
        there is no file to blame: its own check after the file retires it.)"""
        if self.memory is None or worker.current()[0] is None:
            return False
        return (resident(worker.process.pid) or 0) > self.memory * _MB

    def _overran(self, worker: _Worker) -> bool:
        _, start = worker.current()
        return (
            self.deadline is not None and bool(start) and time.monotonic() - start >= self.deadline
        )


def _died(worker: _Worker, work: Work) -> str:
    worker.process.join(_GRACE)
    return died_message(worker.process.exitcode, work)


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(OSError):
        worker.conn.close()
    process = worker.process
    if process.is_alive():
        with contextlib.suppress(OSError, AttributeError):
            os.kill(process.pid, signal.SIGKILL)
    process.join(_GRACE)


def context() -> BaseContext:
    """Fork where that is safe and cheap, else spawn.

    A spawned worker starts a new interpreter and imports teikit again (~0.3 s); a
    forked one starts at once, with the parent's warmed engines. Forking is only safe
    from a single-threaded parent that has no Saxon (a native runtime with threads)
    loaded; then the only inherited state is Python objects and libxml2 structures,
    which a child may use as its own.
    """
    if "fork" in multiprocessing.get_all_start_methods() and fork_safe():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
