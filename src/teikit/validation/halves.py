"""A serial step of a run on two cores: half of its items in a forked child.

Why: before any worker starts, and in all of a warm re-run, one process goes through
every file of the run: discovery reads (and, for the result cache, hashes) each, the
cache looks each up. On a corpus of 10^4 small files that is most of a warm re-run, and
the start of a cold one, with the second core idle. A child forked for the second half
of the items halves that where forking is safe and cheap (see
:func:`teikit.validation.workers.context`); elsewhere, and for a few items, the step runs
here as before. The child computes its half, sends it back pickled and leaves; if it
fails in any way, this process computes that half too, so the results never depend on
whether the split happened.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

from teikit.validation.workers import context

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are not worth a fork (a few milliseconds).
MIN_ITEMS = 2000


def in_two(step: Callable[[Sequence[T]], R], items: Sequence[T], *, split: bool = True) -> list[R]:
    """``step`` over ``items``, as one result, or (with ``split`` and enough items) two:
    the first half's, computed here, and the second half's, computed by a forked child.
    ``step`` must not depend on what the other half did (each half is its own call)."""
    if not split or len(items) < MIN_ITEMS or context().get_start_method() != "fork":
        return [step(items)]
    middle = len(items) // 2
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its half, pickled, then gone without any clean-up
        code = 1
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides
            with os.fdopen(write, "wb") as out:
                pickle.dump(step(items[middle:]), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        try:
            mine = step(items[:middle])
            data = answer.read()
        except BaseException:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
    _, status = os.waitpid(pid, 0)
    try:
        if os.waitstatus_to_exitcode(status) != 0:
            raise ValueError("the child did not finish")
        theirs: R = pickle.loads(data)
    except (ValueError, pickle.UnpicklingError, EOFError):
        theirs = step(items[middle:])
    return [mine, theirs]
