"""A run's serial steps on two cores: the same results whether or not the second half is
computed by a forked child, and whether or not that child gets through."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from teikit.validation import digests as digests_module
from teikit.validation import discovery, halves, validate
from teikit.validation.cache import ResultCache

from conftest import DATA

CLEAN = DATA / "validation" / "clean.xml"
MINI = DATA / "validation" / "mini.rng"


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split from two items on, by forking whatever else this test process runs."""
    monkeypatch.setattr(halves, "MIN_ITEMS", 2)
    monkeypatch.setattr(halves, "context", lambda: multiprocessing.get_context("fork"))


def _pids(part: Sequence[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in part]


@pytest.mark.usefixtures("split")
def test_the_second_half_is_computed_by_a_child() -> None:
    first, second = halves.in_two(_pids, list(range(6)))
    assert [item for item, _ in first + second] == list(range(6))
    assert {pid for _, pid in first} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in second}


@pytest.mark.usefixtures("split")
def test_a_half_the_child_does_not_deliver_is_computed_here() -> None:
    parent = os.getpid()

    def step(part: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("a child that fails")
        return [item * 2 for item in part]

    assert halves.in_two(step, list(range(6))) == [[0, 2, 4], [6, 8, 10]]


def test_few_items_or_no_split_are_computed_here_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "context", lambda: multiprocessing.get_context("fork"))
    assert halves.in_two(_pids, [1, 2], split=True) == [_pids([1, 2])]
    monkeypatch.setattr(halves, "MIN_ITEMS", 2)
    assert halves.in_two(_pids, [1, 2, 3], split=False) == [_pids([1, 2, 3])]


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Eight documents, two of them invalid against mini.rng, and a non-TEI file."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(MINI, tmp_path / "mini.rng")
    text = CLEAN.read_text()
    for n in range(8):
        body = text.replace("Hello.", f"Hello {n}.")
        if n in (2, 5):
            body = body.replace("<p>Hello", "<p><hi>Hello").replace(f"{n}.</p>", f"{n}.</hi></p>")
        (folder / f"{n}.xml").write_text(body)
    (folder / "other.xml").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return folder


@pytest.mark.usefixtures("split")
def test_discovery_split_finds_the_same_and_hands_over_every_digest(corpus: Path) -> None:
    alone = discovery.discover([corpus])
    shared = discovery.discover([corpus], digest=True, split=True)
    assert shared == alone
    files, _ = shared
    for path in files:
        memo = (str(path), digests_module.status_of(path.stat()))
        assert memo in digests_module._digests  # hashed once, by whichever process read it


@pytest.mark.usefixtures("split")
def test_a_warm_run_split_in_two_reports_and_counts_as_one_process(
    corpus: Path, tmp_path: Path
) -> None:
    schema = [str(tmp_path / "mini.rng")]
    folder = tmp_path / "cache"
    first = validate([corpus], schema, cache=ResultCache(folder))
    one, two = ResultCache(folder), ResultCache(folder)
    alone = validate([corpus], schema, cache=one)
    shared = validate([corpus], schema, cache=two, jobs=2)
    assert shared == alone == first
    assert {d.file for d in shared.diagnostics if d.rule.startswith("rng:")} == {
        "corpus/2.xml",
        "corpus/5.xml",
    }
    assert two.stats == one.stats and one.stats.hits == 8 and one.stats.misses == 0
