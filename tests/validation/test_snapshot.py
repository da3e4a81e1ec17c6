"""A run's snapshot: a warm re-run reads no file whose status is unchanged and settled,
every change of bytes is still seen (times restored, same size, another inode), a file
written in the run's clock tick is never trusted, and damage only costs the speed-up."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import teikit.validation.digests as digests_module
import teikit.validation.discovery as discovery_module
import teikit.validation.snapshot as snapshot_module
from teikit.diagnostics import Report
from teikit.validation import validate
from teikit.validation.cache import ResultCache
from teikit.validation.digests import hashed_count

from conftest import DATA

CLEAN = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
MINI = DATA / "validation" / "mini.rng"


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four documents, one of them invalid, below a working folder of their own."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(4):
        body = CLEAN.replace("Hello.", f"Hello {n}.")
        if n == 2:
            body = body.replace(f"Hello {n}.", "<bogus>Bad</bogus>")
        (folder / f"{n}.xml").write_text(body, encoding="utf-8")
    return folder


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs that begin a minute from now: the files just written have settled."""
    later = time.time_ns() + 60 * 10**9
    monkeypatch.setattr(snapshot_module.time, "time_ns", lambda: later)


def _new_process() -> None:
    """Forget what this process read, as a new ``teikit`` process would not know it."""
    digests_module._digests.clear()
    discovery_module._scans.clear()


def _run(corpus: Path, cache: ResultCache | None) -> Report:
    _new_process()
    return validate([corpus], [str(MINI)], cache=cache)


def _same(a: Report, b: Report) -> None:
    assert a.render("json") == b.render("json")
    assert a == b


def _snapshots(corpus: Path) -> list[Path]:
    return sorted((corpus.parent / ".cache").glob("v*/runs/*.snapshot"))


@pytest.mark.usefixtures("settled")
def test_a_warm_rerun_reads_no_file_and_reports_the_same(corpus: Path) -> None:
    plain = _run(corpus, None)
    assert not plain.ok  # there are findings to carry over
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    (written,) = _snapshots(corpus)
    before = written.stat().st_mtime_ns
    warm = ResultCache(corpus.parent / ".cache")
    read = hashed_count()
    _same(plain, _run(corpus, warm))
    assert hashed_count() == read  # no document (nor schema) was read to be hashed
    assert warm.stats.snapshot == warm.stats.hits == 4 and warm.stats.misses == 0
    assert written.stat().st_mtime_ns == before  # nothing new: not written again


def test_files_written_in_the_runs_clock_tick_are_read_again(corpus: Path) -> None:
    """Without the settled fixture the files are seconds old: their status is not
    recorded, so the re-run hashes each of them again, and still uses the results."""
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    warm = ResultCache(corpus.parent / ".cache")
    read = hashed_count()
    _same(_run(corpus, None), _run(corpus, warm))
    assert hashed_count() >= read + 4
    assert warm.stats.snapshot == 4


@pytest.mark.usefixtures("settled")
def test_new_bytes_are_seen_with_times_restored_and_size_unchanged(corpus: Path) -> None:
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    target = corpus / "0.xml"
    old = target.stat()
    text = target.read_text(encoding="utf-8")
    time.sleep(0.05)  # past the file system's coarse clock tick
    target.write_text(text.replace("Hello 0.", "<b>0</b>"), encoding="utf-8")  # same size
    os.utime(target, ns=(old.st_atime_ns, old.st_mtime_ns))  # as `touch -d`, `cp -p`
    assert target.stat().st_size == old.st_size and target.stat().st_mtime_ns == old.st_mtime_ns
    warm = ResultCache(corpus.parent / ".cache")
    now = _run(corpus, warm)
    _same(_run(corpus, None), now)
    assert warm.stats.misses == 1 and warm.stats.snapshot == 3
    assert any(d.file.endswith("0.xml") for d in now.diagnostics)  # the new bytes judged


@pytest.mark.usefixtures("settled")
def test_a_file_replaced_by_another_is_read_again(corpus: Path) -> None:
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    target, other = corpus / "1.xml", corpus / "3.xml"
    old = target.stat()
    time.sleep(0.05)
    shutil.copy(other, corpus / "new.tmp")
    os.utime(corpus / "new.tmp", ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(corpus / "new.tmp", target)  # another inode, the old times, same size
    warm = ResultCache(corpus.parent / ".cache")
    _same(_run(corpus, None), _run(corpus, warm))
    assert warm.stats.misses == 1


@pytest.mark.usefixtures("settled")
def test_a_deleted_or_added_file_changes_the_report_as_without_cache(corpus: Path) -> None:
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    (corpus / "3.xml").unlink()
    _same(_run(corpus, None), _run(corpus, ResultCache(corpus.parent / ".cache")))
    (corpus / "9.xml").write_text(CLEAN.replace("Hello.", "<bogus>9</bogus>"), encoding="utf-8")
    _same(_run(corpus, None), _run(corpus, ResultCache(corpus.parent / ".cache")))


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "shape"])
def test_a_damaged_snapshot_is_ignored_never_trusted(corpus: Path, damage: str) -> None:
    truth = _run(corpus, ResultCache(corpus.parent / ".cache"))
    (snapshot,) = _snapshots(corpus)
    data = snapshot.read_bytes()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":  # a result changes, the checksum does not
        data = data.replace(b"bogus", b"bonus")
    elif damage == "garbage":
        data = b"\x00\xff not json"
    else:  # whole and checksummed, but not a snapshot
        import hashlib

        body = b'{"files": [["a", [1, 2], "x", true, false]]}'
        data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    snapshot.write_bytes(data)
    read = hashed_count()
    cache = ResultCache(corpus.parent / ".cache")
    _same(truth, _run(corpus, cache))
    assert cache.stats.damaged == 1 and cache.stats.snapshot == 0
    assert cache.stats.hits == 4  # from the entries, each checked against the files
    assert hashed_count() >= read + 4  # every file read: no status was trusted


@pytest.mark.usefixtures("settled")
def test_keys_made_under_other_options_are_not_taken(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot is named by the command, but a result's key also holds options the
    command does not show (here the size limit from the environment): a changed option
    means every key is made again, and the limit's verdict is reported."""
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "100")
    warm = ResultCache(corpus.parent / ".cache")
    report = _run(corpus, warm)
    _same(_run(corpus, None), report)
    assert warm.stats.snapshot == 0 and warm.stats.misses == 4
    assert {d.rule for d in report.diagnostics} == {"load:too-large"}


@pytest.mark.usefixtures("settled")
def test_results_beyond_the_budget_stay_in_the_entries(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus whose results and findings outgrow the budget keeps the rest on disk
    only: the snapshot still spares reading the files, and the entries give the rest."""
    monkeypatch.setattr(snapshot_module, "RESULTS_BUDGET", 2)
    _run(corpus, ResultCache(corpus.parent / ".cache"))
    warm = ResultCache(corpus.parent / ".cache")
    read = hashed_count()
    _same(_run(corpus, None), _run(corpus, warm))
    assert hashed_count() == read
    assert warm.stats.hits == 4 and 0 < warm.stats.snapshot < 4


def test_the_cache_keeps_the_newest_snapshots_only(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One snapshot per command: a hook that validates the files of each commit makes a
    new command every time, so the oldest snapshots go."""
    monkeypatch.setattr(snapshot_module, "KEPT", 2)
    cache = corpus.parent / ".cache"
    for name in ("0.xml", "1.xml", "2.xml"):
        _new_process()
        validate([corpus / name], [str(MINI)], cache=ResultCache(cache))
        time.sleep(0.01)  # distinct modification times
    kept = _snapshots(corpus)
    assert len(kept) == 2
    _new_process()
    validate([corpus / "2.xml"], [str(MINI)], cache=(again := ResultCache(cache)))
    assert again.stats.snapshot == 1  # the newest is among those kept


def test_results_of_any_shape_are_written_and_read_back_whole() -> None:
    """Each document's report is written short; any other shape (several files, a
    schema named for another file, no schema at all) is written in full: all come back
    equal, field by field."""
    from teikit.diagnostics import Diagnostic, SchemaUse, Severity

    finding = Diagnostic(Severity.ERROR, "rng:x", "m", "a.xml", 3, 4, "/TEI", ("p", "q"))
    shapes = {
        "one": Report([finding], ["a.xml"], False, {"a.xml": [SchemaUse("tei_all", "4.3.0")]}),
        "refused": Report([finding], ["a.xml"], True, {}),
        "two": Report(
            [finding],
            ["a.xml", "b.xml"],
            True,
            {"a.xml": [SchemaUse("tei_all", "4.3.0")], "b.xml": [SchemaUse("x.rng", "ab12")]},
            True,
        ),
        "other": Report([], ["a.xml"], False, {"b.xml": [SchemaUse("tei_all", "4.3.0")]}),
    }
    deps = (("/s/tei_all.rng", "0" * 64), ("/s/gone.xml", ""))
    written = snapshot_module._Tables([], [])
    packed = written.pack({key: (deps, report) for key, report in shapes.items()})
    assert isinstance(packed["one"][1], str) and isinstance(packed["two"][1], list)
    read = snapshot_module._Tables(written.deps, written.uses).unpack(packed)
    for key, report in shapes.items():
        assert read[key] == (deps, report)
        assert read[key][1].warnings_as_errors == report.warnings_as_errors
