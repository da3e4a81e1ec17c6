"""The cache's entry files: a chunk's entries share one file, linked under each key's
name; each key still finds only its own entry, and damage is still found per key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teikit.diagnostics import Report
from teikit.validation.cache import ResultCache
from teikit.validation.entries import Packs, write_pack

KEYS = [f"{i:02x}" * 32 for i in (1, 2, 3)]


def _gathered(folder: Path) -> tuple[ResultCache, list[Report]]:
    cache = ResultCache(folder)
    reports = [Report(files=[f"{i}.xml"]) for i in range(len(KEYS))]
    with cache.gathered():
        for key, report in zip(KEYS, reports, strict=True):
            cache.put(key, report, [])
        assert not list(folder.glob("v*/*/*.json"))  # written at the end, together
    return cache, reports


def _entry(folder: Path, key: str) -> Path:
    (found,) = folder.glob(f"v*/{key[:2]}/{key}.json")
    return found


def test_a_chunks_entries_are_one_file_under_each_keys_name(tmp_path: Path) -> None:
    cache, reports = _gathered(tmp_path)
    assert cache.stats.written == len(KEYS)
    files = [_entry(tmp_path, key) for key in KEYS]
    assert len({os.stat(f).st_ino for f in files}) == 1  # one file, three names
    assert not list(tmp_path.glob("v*/.tmp-*"))  # its temporary name is gone
    reader = ResultCache(tmp_path)
    for key, report in zip(KEYS, reports, strict=True):
        found = reader.result(key)
        assert found is not None and found[1].files == report.files
    assert reader.stats.damaged == 0


def test_a_damaged_pack_is_damaged_for_every_key_it_holds(tmp_path: Path) -> None:
    _gathered(tmp_path)
    entry = _entry(tmp_path, KEYS[0])
    entry.write_bytes(entry.read_bytes()[:-10])  # truncated, through one of its names
    reader = ResultCache(tmp_path)
    assert all(reader.result(key) is None for key in KEYS)
    assert reader.stats.damaged == len(KEYS)


def test_a_pack_under_a_key_it_does_not_hold_is_damaged(tmp_path: Path) -> None:
    _gathered(tmp_path)
    stranger = "ff" * 32
    target = tmp_path / "v2" / stranger[:2] / f"{stranger}.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(_entry(tmp_path, KEYS[0]).read_bytes())
    reader = ResultCache(tmp_path)
    assert reader.result(stranger) is None and reader.stats.damaged == 1


def _replace_all(cache: ResultCache, folder: Path) -> None:
    """Store a newer result under every key in one chunk; each key then reads it."""
    with cache.gathered():
        for key in KEYS:
            cache.put(key, Report(files=["new.xml"]), [])
    for key in KEYS:
        found = ResultCache(folder).result(key)
        assert found is not None and found[1].files == ["new.xml"]


def test_a_new_pack_replaces_an_older_entry_of_the_same_key(tmp_path: Path) -> None:
    _gathered(tmp_path)
    _replace_all(ResultCache(tmp_path), tmp_path)


def test_without_hard_links_each_entry_is_written_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("no hard links on this file system")

    monkeypatch.setattr(os, "link", refuse)
    cache, _ = _gathered(tmp_path)
    assert cache.stats.written == len(KEYS)
    assert len({os.stat(_entry(tmp_path, key)).st_ino for key in KEYS}) == len(KEYS)
    assert all(ResultCache(tmp_path).result(key) is not None for key in KEYS)
    _replace_all(cache, tmp_path)  # newer results replace the older entries there too


def test_a_reader_reads_a_pack_once_for_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [(key, {"deps": [], "report": {}}) for key in KEYS]
    assert write_pack(str(tmp_path / "v2"), entries) == len(KEYS)
    packs = Packs()
    assert packs.entry(str(_entry(tmp_path, KEYS[0])), KEYS[0]) == entries[0][1]
    monkeypatch.setattr("teikit.validation.entries._entries", None)  # no second parse
    assert packs.entry(str(_entry(tmp_path, KEYS[2])), KEYS[2]) == entries[2][1]
    assert packs.entry(str(tmp_path / "missing.json"), KEYS[0]) is None


def test_a_run_with_workers_writes_chunks_and_a_rerun_reads_every_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from teikit.validation import validate

    from conftest import DATA

    monkeypatch.chdir(tmp_path)
    clean = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
    files = []
    for i in range(40):  # enough for chunks of more than one file
        files.append(tmp_path / f"d{i:02}.xml")
        text = clean if i % 3 else clean.replace("Hello.", "<bogus>Bad</bogus>")
        files[-1].write_text(text, encoding="utf-8")
    first = validate(files, jobs=2, cache=ResultCache(tmp_path / "c"))
    entries = list((tmp_path / "c").glob("v*/*/*.json"))
    assert len(entries) == len(files)
    assert any(os.stat(e).st_nlink > 1 for e in entries)  # a chunk's entries, one file
    for snapshot in (tmp_path / "c").glob("v*/runs/*.snapshot"):
        snapshot.unlink()  # its copies of the results would be read first
    again = ResultCache(tmp_path / "c")
    second = validate(files, jobs=2, cache=again)
    assert again.stats.hits == len(files) and again.stats.damaged == 0
    assert first.render("json") == second.render("json") == validate(files).render("json")


def test_threads_gathering_on_one_cache_each_write_their_own(tmp_path: Path) -> None:
    """A Dask worker may validate chunks in threads of one process, through one cache:
    each thread's entries are its own, written when its own block ends."""
    import threading

    cache = ResultCache(tmp_path)
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with cache.gathered():
            cache.put("ee" * 32, Report(files=["other.xml"]), [])
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    with cache.gathered():
        for key in KEYS:
            cache.put(key, Report(files=["mine.xml"]), [])
    assert all(ResultCache(tmp_path).result(key) is not None for key in KEYS)
    assert ResultCache(tmp_path).result("ee" * 32) is None  # its block is still open
    leave.set()
    thread.join(10)
    found = ResultCache(tmp_path).result("ee" * 32)
    assert found is not None and found[1].files == ["other.xml"]


def test_a_warm_up_samples_entries_depend_on_their_own_reads_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one process the warm-up sample (up to 1,024 files) is validated together:
    each entry lists what its own document read, not every file of the sample."""
    from teikit.validation import validate

    from conftest import DATA

    monkeypatch.chdir(tmp_path)
    clean = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
    files = [tmp_path / f"d{i:02}.xml" for i in range(20)]
    for path in files:
        path.write_text(clean, encoding="utf-8")
    stored: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    put = ResultCache.put

    def kept(self: ResultCache, key: str, report: Report, *args: object) -> None:
        put(self, key, report, *args)  # type: ignore[arg-type]
        assert report.stored is not None
        stored.append(report.stored)

    monkeypatch.setattr(ResultCache, "put", kept)
    validate(files, cache=ResultCache(tmp_path / "c"))
    assert len(stored) == len(files)
    documents = {str(path) for path in files}
    assert all(not documents & {p for p, _ in deps} for _, deps in stored)
