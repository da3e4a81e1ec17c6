"""The worker pool on its own: a deadline, a crash and a bug each cost one file."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from teikit.diagnostics import Report
from teikit.validation.workers import Pool, context

from helpers.behave import behave


def _run(
    names: list[str], deadline: float | None = 1.0, memory: int | None = None
) -> dict[str, list[str]]:
    files = [Path(n) for n in names]
    found: dict[str, list[str]] = {}

    def done(i: int, report: Report) -> None:
        found[names[i]] = [d.rule for d in report.diagnostics]

    # under a memory limit, spawned: a forked worker starts as large as this test process
    how = multiprocessing.get_context("spawn") if memory else context()
    pool = Pool(behave, None, 2, deadline, how, memory=memory)
    try:
        pool.map(files, list(range(len(files))), done)
    finally:
        pool.close()
    return found


def test_every_file_gets_a_report_whatever_its_worker_did() -> None:
    assert _run(["ok1", "sleep", "die", "raise", "ok2"]) == {
        "ok1": [],
        "sleep": ["load:timeout"],
        "die": ["load:worker-died"],
        "raise": ["load:internal-error"],
        "ok2": [],
    }


def test_the_deadline_is_kept() -> None:
    start = time.monotonic()
    _run(["sleep"], deadline=0.5)  # the one file sleeps 60 s
    assert time.monotonic() - start < 5


def test_without_a_deadline_files_still_finish() -> None:
    assert _run(["ok1", "ok2", "ok3"], deadline=None) == {"ok1": [], "ok2": [], "ok3": []}


def test_a_failure_inside_a_chunk_costs_only_its_own_file() -> None:
    """Files travel in chunks; the ones sent along with a file that hangs or kills its
    worker are validated again by the next worker, not blamed."""
    names = [f"ok{i}" for i in range(60)]
    names[17], names[41] = "sleep", "die"
    found = _run(names, deadline=1.0)
    assert {n: rules for n, rules in found.items() if rules} == {
        "sleep": ["load:timeout"],
        "die": ["load:worker-died"],
    }
    assert sorted(found) == sorted(names)


def test_a_worker_over_the_memory_limit_costs_only_its_file() -> None:
    """One that holds its memory is stopped while it works (no deadline to fall back
    on); one that lets it go before the parent looks is caught by its own peak."""
    names = [f"ok{i}" for i in range(20)]
    names[3], names[11] = "hog", "burst"
    found = _run(names, deadline=None, memory=150)
    assert {n: rules for n, rules in found.items() if rules} == {
        "hog": ["load:memory"],
        "burst": ["load:memory"],
    }
    assert sorted(found) == sorted(names)


def test_under_the_memory_limit_nothing_is_stopped() -> None:
    # no deadline: on a loaded machine writing 300 MB may take longer than one
    found = _run(["ok1", "burst", "ok2"], deadline=None, memory=1024)
    assert found == {"ok1": [], "burst": [], "ok2": []}


def _oom_score(path: Path, options: object) -> Report:
    return Report(files=[Path("/proc/self/oom_score_adj").read_text().strip()])


@pytest.mark.skipif(not Path("/proc/self/oom_score_adj").exists(), reason="Linux's /proc")
def test_workers_are_the_oom_killers_first_choice_not_the_parent() -> None:
    """If memory runs out all the same, a worker dies (its file reported), not the run."""
    scores: list[str] = []
    pool = Pool(_oom_score, None, 1, None, context())
    try:
        pool.map([Path("a")], [0], lambda i, report: scores.extend(report.files))
    finally:
        pool.close()
    assert scores == ["1000"]
    assert Path("/proc/self/oom_score_adj").read_text().strip() != "1000"
