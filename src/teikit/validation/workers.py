"""Worker processes with a deadline per document: a hang or a crash costs one file.

Why processes and not threads or alarms: the engines spend their time in C (libxml2)
and in Saxon's native image, where neither a Python exception nor a signal handler can
stop them. A process can always be stopped. So every document is validated in a worker
process; the parent only hands out paths and collects reports, and when a document
overruns its deadline (or its worker dies) the parent kills that worker, records a
located error for that one file (``load:timeout``, ``load:worker-died``), starts a fresh
worker and goes on with the rest.

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
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from teikit.diagnostics import Report, TeikitError, error
from teikit.locations import display_path

#: One task's outcome as sent back: ("ok", report) or ("fatal", exit code, message).
_Reply = tuple[Any, ...]
#: The per-file function a worker runs (module level, so it pickles to spawned workers).
PerFile = Callable[[Path, Any], Report]
#: Seconds a killed worker is given to go before it is waited for anyway.
_GRACE = 2.0


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphan workers)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _serve(conn: Connection, one: PerFile, options: Any) -> None:
    """A worker's life: validate each path it is sent until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:  # the parent's "no more work" (a forked worker may hold the
            return  # parent's end of its own pipe, so EOF alone would never come)
        reply: _Reply
        try:
            reply = ("ok", one(Path(path), options))
        except MemoryError:
            reply = (
                "ok",
                _failed(
                    Path(path),
                    "load:out-of-memory",
                    "Validating this file ran out of memory; the other files were validated.",
                ),
            )
        except TeikitError as exc:
            reply = ("fatal", exc.exit_code, str(exc))
        except Exception as exc:  # a bug in teikit: this file's error, not the run's end
            reply = (
                "ok",
                _failed(
                    Path(path),
                    "load:internal-error",
                    "teikit failed on this "
                    f"file ({type(exc).__name__}: {exc}); the other files were "
                    "validated. Please report this with the file.",
                ),
            )
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


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
    task: int | None = None
    started: float = 0.0


class Pool:
    """``size`` workers running ``one(path, options)`` with a per-file ``deadline``."""

    def __init__(
        self, one: PerFile, options: Any, size: int, deadline: float | None, context: Any
    ) -> None:
        self.one = one
        self.options = options
        self.deadline = deadline
        self.context = context
        self.workers = [self._start() for _ in range(size)]

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(child, self.one, self.options), daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` (whatever it is doing) and put a fresh one in its place."""
        _kill(worker)
        self.workers[self.workers.index(worker)] = self._start()

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

    def map(self, files: list[Path], todo: list[int], done: Callable[[int, Report], None]) -> None:
        """Validate ``files[i]`` for each ``i`` in ``todo``, calling ``done(i, report)``
        as each finishes (in completion order)."""
        queue = deque(todo)
        busy = 0
        while queue or busy:
            for worker in self.workers:
                if worker.task is None and queue:
                    worker.task = queue.popleft()
                    worker.started = time.monotonic()
                    worker.conn.send(str(files[worker.task]))
                    busy += 1
            busy -= self._collect(files, done)

    def _collect(self, files: list[Path], done: Callable[[int, Report], None]) -> int:
        """Wait for replies (or the nearest deadline); the number of tasks finished."""
        active = [w for w in self.workers if w.task is not None]
        waits: list[Any] = [w.conn for w in active] + [w.process.sentinel for w in active]
        ready = set(wait(waits, timeout=self._wait_time(active)))
        finished = 0
        for worker in active:
            task = worker.task
            assert task is not None
            if worker.conn in ready:
                reply = _receive(worker)
                if reply is None:
                    report = _failed(files[task], "load:worker-died", _died(worker))
                    self._replace(worker)
                elif reply[0] == "fatal":
                    failure = TeikitError(str(reply[2]))
                    failure.exit_code = int(reply[1])
                    raise failure
                else:
                    report = reply[1]
                    worker.task = None
            elif worker.process.sentinel in ready:
                report = _failed(files[task], "load:worker-died", _died(worker))
                self._replace(worker)
            elif self._overran(worker):
                report = _failed(files[task], "load:timeout", _timeout_message(self.deadline))
                self._replace(worker)
            else:
                continue
            done(task, report)
            finished += 1
        return finished

    def _wait_time(self, active: list[_Worker]) -> float | None:
        if self.deadline is None or not active:
            return None
        now = time.monotonic()
        return max(0.0, min(w.started + self.deadline - now for w in active)) + 0.01

    def _overran(self, worker: _Worker) -> bool:
        return self.deadline is not None and time.monotonic() - worker.started >= self.deadline


def _receive(worker: _Worker) -> _Reply | None:
    try:
        reply: _Reply = worker.conn.recv()
        return reply
    except (EOFError, OSError):
        return None


def _died(worker: _Worker) -> str:
    worker.process.join(_GRACE)
    code = worker.process.exitcode
    how = (
        f"was killed by signal {-code}"
        if code is not None and code < 0
        else f"exited with status {code}"
    )
    return (
        f"The process validating this file {how} (out of memory, or a crash in a "
        "validator); the other files were validated. Validate this file alone to see "
        "whether it happens again."
    )


def _timeout_message(deadline: float | None) -> str:
    return (
        f"Validating this file took longer than {deadline:g} s and was stopped; the "
        "other files were validated. Raise --timeout (or [tool.teikit] timeout) if the "
        "file is just large, or look for a schema rule or pattern that never ends."
    )


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(OSError):
        worker.conn.close()
    process = worker.process
    if process.is_alive():
        with contextlib.suppress(OSError, AttributeError):
            os.kill(process.pid, signal.SIGKILL)
    process.join(_GRACE)
    worker.task = None


def context() -> BaseContext:
    """Fork where that is safe and cheap, else spawn.

    A spawned worker starts a new interpreter and imports teikit again (~0.3 s); a
    forked one starts at once, with the parent's warmed engines. Forking is only safe
    from a single-threaded parent that has no Saxon (a native runtime with threads)
    loaded; then the only inherited state is Python objects and libxml2 structures,
    which a child may use as its own.
    """
    if (
        "fork" in multiprocessing.get_all_start_methods()
        and sys.platform == "linux"
        and threading.active_count() == 1
        and "saxonche" not in sys.modules
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
