"""What the report of a file whose work was stopped says: the work's own words, and why.

Why apart from :mod:`.workers`: the pool decides when a file is stopped (a deadline, a
memory limit, a dead worker); these are only the messages its report carries, which
``teikit build`` words as building and a validation as validating.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BUILDING", "VALIDATING", "Work", "died_message", "memory_message", "timeout_message"]


@dataclass(frozen=True)
class Work:
    """How the messages of a stopped file name the work the pool does: validating, or
    building (``teikit build`` runs under the same bounds)."""

    doing: str = "validating"
    done: str = "validated"
    verb: str = "validate"


VALIDATING = Work()
BUILDING = Work("building", "built", "build")


def died_message(code: int | None, work: Work) -> str:
    """The message of a file whose worker died with exit ``code`` (negative: a signal)."""
    how = (
        f"was killed by signal {-code}"
        if code is not None and code < 0
        else f"exited with status {code}"
    )
    return (
        f"The process {work.doing} this file {how} (out of memory, or a crash in an "
        f"engine); the other files were {work.done}. {work.verb.capitalize()} this file "
        "alone to see "
        "whether it happens again."
    )


def timeout_message(deadline: float | None, work: Work) -> str:
    """The message of a file stopped at its ``deadline`` (seconds)."""
    return (
        f"{work.doing.capitalize()} this file took longer than {deadline:g} s and was "
        f"stopped; the other files were {work.done}. Raise --timeout (or [tool.teikit] "
        "timeout) if the file is just large, or look for a schema rule or pattern that never ends."
    )


def memory_message(limit: int | None, work: Work) -> str:
    """The message of a file whose worker grew past ``limit`` MB."""
    return (
        f"{work.doing.capitalize()} this file used more than {limit} MB of memory and was "
        f"stopped; the other files were {work.done}. Raise --memory-limit (or "
        "[tool.teikit] memory-limit; 0 for none) if the file is just large, or look "
        "for a schema or XInclude that multiplies the document."
    )
