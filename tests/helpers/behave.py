"""A stand-in for validating one file, for the worker-pool tests: each file's name says
what its worker does (sleep, die, raise, hold memory, or finish).

It lives here, not in the test module, because a spawned worker imports the module of
the function it runs: this one imports only teikit's report type, the test module pytest
and the pool as well, a tenth of a second more for each of the twenty-odd workers the
pool tests start.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from teikit.diagnostics import Report


def behave(path: Path, options: object) -> Report:
    """Each file's name says what to do: sleep, die, raise, or finish."""
    if path.name == "sleep":
        time.sleep(60)
    if path.name == "die":
        os._exit(7)
    if path.name == "raise":
        raise ValueError("a bug")
    if path.name in ("hog", "burst"):  # 300 MB, written (so resident), kept or let go
        held = b"\1" * (300 * 2**20)
        if path.name == "hog":
            time.sleep(60)
        del held
    return Report(files=[path.name])
