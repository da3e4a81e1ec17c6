"""How much memory a process holds, read as cheaply as each question allows.

Why a module of its own: the worker pool (:mod:`teikit.validation.workers`) asks two
questions about memory, one of each worker from the parent while it waits (resident
memory now, from ``/proc/<pid>/statm``) and one of a worker about itself after each
file (its peak, ``VmHWM``), and both have platform fallbacks that are no business of
the pool's.
"""

from __future__ import annotations

import os
import sys


def over(limit: int) -> bool:
    """Has this process's peak memory gone over ``limit`` bytes (see :func:`peak`)?

    Asked after every file, so first the kernel's cheap answer: ``ru_maxrss`` is never
    below ``VmHWM`` (it is the larger of the peak of this memory map and of the ones
    before an ``exec``), so at or under the limit it settles the question; reading
    ``/proc/self/status`` cost a tenth of validating a small file. Over it, the exact
    peak decides (a spawned worker's ``ru_maxrss`` may be its parent's)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return (peak() or 0) > limit
    quick = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if quick * (1 if sys.platform == "darwin" else 1024) <= limit:
        return False
    return (peak() or 0) > limit


def peak() -> int | None:
    """This process's highest resident memory so far, in bytes (None: not known).

    ``VmHWM`` on Linux: it belongs to the process's own memory map, so a forked worker
    does not inherit its parent's peak (``ru_maxrss`` may, across ``exec``)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def resident(pid: int) -> int | None:
    """Process ``pid``'s resident memory now, in bytes (None: not known, e.g. no /proc)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return None


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: Can the parent read its workers' memory? (Linux; elsewhere only the workers' own check.)
WATCHABLE = os.path.exists(f"/proc/{os.getpid()}/statm")
