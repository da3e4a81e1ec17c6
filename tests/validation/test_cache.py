"""The result cache: unchanged files are read back, anything that decides a result
invalidates, damage is recomputed, and a report never depends on whether it was cached."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import teikit.version
from teikit.diagnostics import Report
from teikit.validation import validate
from teikit.validation.cache import ResultCache, fingerprint
from teikit.validation.digests import file_digest
from teikit.validation.discovery import discover

from conftest import DATA

CLEAN = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
MINI = DATA / "validation" / "mini.rng"

XINCLUDING = """<?xml version="1.0"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude">
  <teiHeader><fileDesc><titleStmt><title>T</title></titleStmt>
  <publicationStmt><p>x</p></publicationStmt><sourceDesc><p>x</p></sourceDesc></fileDesc>
  </teiHeader>
  <text><body><xi:include href="parts/body.xml"/></body></text>
</TEI>
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project: two plain documents, one with an XInclude, one naming its
    schema by PI, one pointing at a file that does not exist yet."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.xml").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "b.xml").write_text(CLEAN.replace("Hello.", "<bogus>Bad</bogus>"), encoding="utf-8")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "body.xml").write_text(
        '<p xmlns="http://www.tei-c.org/ns/1.0">Included.</p>', encoding="utf-8"
    )
    (tmp_path / "inc.xml").write_text(XINCLUDING, encoding="utf-8")
    shutil.copy(MINI, tmp_path / "mini.rng")
    (tmp_path / "pi.xml").write_text(
        CLEAN.replace(
            "<TEI ",
            '<?xml-model href="mini.rng" '
            'schematypens="http://relaxng.org/ns/structure/1.0"?>\n<TEI ',
        ),
        encoding="utf-8",
    )
    (tmp_path / "ref.xml").write_text(
        CLEAN.replace("Hello.", 'See <ref target="other.xml#x">there</ref>.'), encoding="utf-8"
    )
    return tmp_path


def _files(root: Path) -> list[Path]:
    return sorted(root.glob("*.xml"))


def _run(root: Path, cache: ResultCache | None, **options: object) -> Report:
    return validate(_files(root), cache=cache, **options)  # type: ignore[arg-type]


def _same(a: Report, b: Report) -> None:
    assert a.render("json") == b.render("json")
    assert a == b


def test_a_rerun_over_unchanged_files_reads_every_result(project: Path) -> None:
    first = _run(project, ResultCache(project / ".cache"))
    again = ResultCache(project / ".cache")
    second = _run(project, again)
    assert again.stats.hits == len(_files(project)) and again.stats.misses == 0
    _same(first, second)


def test_reports_are_identical_with_and_without_the_cache(project: Path) -> None:
    plain = _run(project, None)
    cold = _run(project, ResultCache(project / ".cache"))
    warm = _run(project, ResultCache(project / ".cache"))
    assert not plain.ok  # the fixture has findings, so the comparison means something
    _same(plain, cold)
    _same(plain, warm)


def _misses_after(project: Path, change: object, **options: object) -> tuple[int, Report]:
    _run(project, ResultCache(project / ".cache"), **options)
    if callable(change):
        change()
    cache = ResultCache(project / ".cache")
    report = _run(project, cache, **options)
    _same(report, _run(project, None, **options))
    return cache.stats.misses, report


def test_a_changed_file_is_validated_again(project: Path) -> None:
    misses, report = _misses_after(
        project,
        lambda: (project / "a.xml").write_text(
            CLEAN.replace("Hello.", "<bogus>Now bad</bogus>"), encoding="utf-8"
        ),
    )
    assert misses == 1
    assert report.for_file("a.xml")


def test_digests_taken_by_discovery_are_true_and_go_stale_with_the_file(project: Path) -> None:
    """Discovery hashes each file as it reads it, for the cache's keys: the digest is
    the file's, and a file edited after discovery read it is hashed again."""
    target = project / "a.xml"
    files, _ = discover([target], digest=True)
    assert files == [target]
    assert file_digest(target) == hashlib.sha256(target.read_bytes()).hexdigest()
    target.write_text(CLEAN + "<!-- edited -->", encoding="utf-8")
    assert file_digest(target) == hashlib.sha256(target.read_bytes()).hexdigest()


def test_a_changed_xinclude_invalidates_the_including_file(project: Path) -> None:
    misses, report = _misses_after(
        project,
        lambda: (project / "parts" / "body.xml").write_text(
            '<p xmlns="http://www.tei-c.org/ns/1.0"><bogus>x</bogus></p>', encoding="utf-8"
        ),
    )
    assert misses == 1
    assert any(d.file == "parts/body.xml" for d in report)


def test_a_changed_schema_invalidates_the_files_that_use_it(project: Path) -> None:
    def loosen() -> None:
        rng = (project / "mini.rng").read_text(encoding="utf-8")
        (project / "mini.rng").write_text(
            rng.replace(
                '<element name="p"><text/></element>',
                '<element name="p"><ref name="any"/></element>',
            ),
            encoding="utf-8",
        )

    _run(project, ResultCache(project / ".cache"), schemas=[str(project / "mini.rng")])
    assert not _run(project, None, schemas=[str(project / "mini.rng")]).ok
    loosen()
    cache = ResultCache(project / ".cache")
    report = _run(project, cache, schemas=[str(project / "mini.rng")])
    assert cache.stats.misses == len(_files(project))
    _same(report, _run(project, None, schemas=[str(project / "mini.rng")]))


def test_a_schema_named_by_a_pi_is_a_dependency(project: Path) -> None:
    """Only pi.xml names mini.rng: only it is validated again when the schema changes."""
    misses, _ = _misses_after(
        project,
        lambda: (project / "mini.rng").write_text(
            (project / "mini.rng").read_text(encoding="utf-8").replace("<!--", "<!-- x"),
            encoding="utf-8",
        ),
    )
    assert misses == 1


def test_a_file_appearing_where_a_pointer_points_invalidates(project: Path) -> None:
    before = _run(project, None)
    assert any(d.rule == "ref:file-missing" for d in before.for_file("ref.xml"))
    misses, after = _misses_after(
        project,
        lambda: (project / "other.xml").write_text(
            CLEAN.replace("<p>Hello.</p>", '<p xml:id="x">Hi.</p>'), encoding="utf-8"
        ),
    )
    assert misses == 2  # ref.xml and the new other.xml
    assert not [d for d in after.for_file("ref.xml") if d.rule.startswith("ref:")]


def test_other_options_are_other_entries(project: Path) -> None:
    _run(project, ResultCache(project / ".cache"))
    cache = ResultCache(project / ".cache")
    _run(project, cache, embedded_schematron=True)
    assert cache.stats.hits == 0


def test_another_teikit_version_does_not_read_old_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(project, ResultCache(project / ".cache"))
    fingerprint.cache_clear()
    monkeypatch.setattr(teikit.version, "__version__", "99.0.0")
    try:
        cache = ResultCache(project / ".cache")
        _run(project, cache)
        assert cache.stats.hits == 0
    finally:
        fingerprint.cache_clear()


def _entries(project: Path) -> list[Path]:
    return sorted((project / ".cache").glob("v*/*/*.json"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "swap", "garbage"])
def test_a_damaged_entry_is_recomputed_never_trusted(project: Path, damage: str) -> None:
    truth = _run(project, ResultCache(project / ".cache"))
    for snapshot in (project / ".cache").glob("v*/runs/*.snapshot"):
        snapshot.unlink()  # its copies of the results would be read first (test_snapshot)
    entries = _entries(project)
    assert len(entries) == len(_files(project))
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":  # a bit of a result changes, the checksum does not
            data = data.replace(b'"input_error": false', b'"input_error": true ')
        elif damage == "swap":  # a whole, valid entry under another file's name
            data = entries[(i + 1) % len(entries)].read_bytes()
        else:
            data = b"\x00\xff not json"
        entry.write_bytes(data)
    cache = ResultCache(project / ".cache")
    _same(truth, _run(project, cache))
    assert cache.stats.damaged == len(entries) and cache.stats.hits == 0
    healed = ResultCache(project / ".cache")
    _same(truth, _run(project, healed))
    assert healed.stats.hits == len(entries)


def test_an_unwritable_cache_costs_speed_not_the_run(project: Path) -> None:
    (project / ".cache").write_text("a file where the folder should be", encoding="utf-8")
    _same(_run(project, None), _run(project, ResultCache(project / ".cache")))


RUN = """
import json, sys
from pathlib import Path
from teikit.validation import validate
from teikit.validation.cache import ResultCache
files = sorted(Path(sys.argv[1]).glob("*.xml"))
print(validate(files, [sys.argv[3]], jobs=2, cache=ResultCache(sys.argv[2])).render("json"))
"""


def test_two_runs_sharing_a_cache_at_once_agree(project: Path, rusdracor: list[Path]) -> None:
    corpus = project / "corpus"
    corpus.mkdir()
    for play in rusdracor[:24]:
        shutil.copy(play, corpus / play.name)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN, str(corpus), str(project / ".c"), str(MINI)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=project,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    plain = validate(sorted(corpus.glob("*.xml")), [str(MINI)], jobs=1).render("json")
    assert json.loads(plain)["diagnostics"]  # something to get wrong
    assert json.loads(outputs[0]) == json.loads(outputs[1]) == json.loads(plain)
    cache = ResultCache(project / ".c")
    assert validate(sorted(corpus.glob("*.xml")), [str(MINI)], cache=cache).render("json") == plain
    assert cache.stats.hits == 24 and cache.stats.damaged == 0


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    from teikit.cli import main

    code = main(["validate", "-q", "-f", "json", *args])
    return code, capsys.readouterr().out


def test_the_cli_caches_by_default_and_no_cache_bypasses(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEIKIT_NO_CACHE", raising=False)
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(project / "c"))
    uncached = _cli(capsys, "--no-cache", *map(str, _files(project)))
    assert not _entries_in(project / "c")
    assert _cli(capsys, *map(str, _files(project))) == uncached
    assert len(_entries_in(project / "c")) == len(_files(project))
    assert _cli(capsys, *map(str, _files(project))) == uncached
    monkeypatch.setenv("TEIKIT_NO_CACHE", "1")
    for entry in _entries_in(project / "c"):
        entry.unlink()
    assert _cli(capsys, *map(str, _files(project))) == uncached
    assert not _entries_in(project / "c")


def _entries_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("results/v*/*/*.json"))


def test_clearing_while_runs_use_the_cache_changes_no_report(project: Path) -> None:
    """No lock: a clear racing runs (and another clear) costs recomputation only."""
    import threading

    plain = _run(project, None)
    folder = project / ".cache"
    reports: list[Report] = []
    stop = threading.Event()

    def clear() -> None:
        while not stop.is_set():
            ResultCache(folder).clear()

    clearers = [threading.Thread(target=clear) for _ in range(2)]
    for thread in clearers:
        thread.start()
    try:
        for _ in range(6):
            reports.append(_run(project, ResultCache(folder)))
    finally:
        stop.set()
        for thread in clearers:
            thread.join()
    for report in reports:
        _same(report, plain)
    ResultCache(folder).clear()  # the race is over: a run's snapshot may have outlived it
    _run(project, ResultCache(folder))
    assert ResultCache(folder).clear() == len(_files(project))
    assert not list(folder.glob("v*/*/*.json"))
    assert not list(folder.glob("v*/runs/*.snapshot"))


def test_an_xinclude_through_a_retargeted_link_is_read_again(project: Path) -> None:
    """The file an XInclude names through a link is the link's target at each run: a
    link moved to another folder (both inside the project) is a change of what the
    document includes, though no byte of it or of the old target changed."""
    import os

    (project / "parts").rename(project / "parts_a")
    shutil.copytree(project / "parts_a", project / "parts_b")
    (project / "parts_b" / "body.xml").write_text(
        '<p xmlns="http://www.tei-c.org/ns/1.0"><bogus>b</bogus></p>', encoding="utf-8"
    )
    os.symlink("parts_a", project / "parts")
    _run(project, ResultCache(project / ".cache"))
    (project / "parts").unlink()
    os.symlink("parts_b", project / "parts")
    cache = ResultCache(project / ".cache")
    report = _run(project, cache)
    _same(report, _run(project, None))
    assert cache.stats.misses == 1
    # the new target's error is reported (located in the included file)
    assert any("bogus" in d.message and d.file.endswith("body.xml") for d in report.diagnostics)


def test_entries_with_the_same_dependencies_share_one_list(project: Path) -> None:
    """Each worker's answers travel pickled per chunk: equal dependency lists that are
    one object are written once per chunk, not once per file."""
    cache = ResultCache(project / ".cache")
    reports = [Report(files=[name]) for name in ("a.xml", "b.xml")]
    for report, name in zip(reports, ("a", "b"), strict=True):
        cache.put(name * 64, report, [project / "mini.rng", project / "parts" / "body.xml"])
    first, second = (r.stored for r in reports)
    assert first is not None and second is not None
    assert first[1] == second[1] and first[1] is second[1]
    assert cache.stats.written == 2
    assert not list((project / ".cache").glob("v*/*/.tmp-*"))  # moved into place


def test_a_process_makes_its_cache_once_and_its_keys_follow_the_options(project: Path) -> None:
    """Workers store a result per file through one cache per folder; the part of the
    key the options make is remembered, and made again when the options differ."""
    folder = str(project / ".cache")
    assert ResultCache.at(folder) is ResultCache.at(folder)
    cache = ResultCache.at(folder)
    options: dict[str, object] = {"schemas": ["tei_all"]}
    first = cache.key(project / "a.xml", "a.xml", options)
    options["schemas"] = ["teikit"]  # the same mapping, changed
    assert cache.key(project / "a.xml", "a.xml", options) != first
    options["schemas"] = ["tei_all"]
    assert cache.key(project / "a.xml", "a.xml", options) == first


def test_lookups_in_an_empty_cache_make_no_keys(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI runner's first run finds an empty cache: every file is a miss, known
    without naming and hashing each one; once there are entries, keys are made."""
    made: list[str] = []
    key_for = ResultCache.key_for

    def counted(path: Path, shown: str, shared: str, digest: str | None = None) -> str | None:
        made.append(shown)
        return key_for(path, shown, shared, digest)

    monkeypatch.setattr(ResultCache, "key_for", staticmethod(counted))
    cache = ResultCache(project / ".cache")
    assert cache.lookup_many(_files(project), {}) == [None] * len(_files(project))
    assert cache.stats.misses == len(_files(project)) and not made
    _run(project, ResultCache(project / ".cache"))
    made.clear()
    again = ResultCache(project / ".cache")
    for snapshot in (project / ".cache").glob("v*/runs/*.snapshot"):
        snapshot.unlink()  # its keys would be taken as they stand
    _run(project, again)
    assert again.stats.hits == len(_files(project)) and len(made) == len(_files(project))


def test_a_file_edited_as_it_is_validated_is_stored_under_the_bytes_validated(
    project: Path,
) -> None:
    """The key is the bytes the loader read: a file edited after it was hashed for the
    lookup but before it was read is stored under its new bytes, so undoing the edit
    never finds a result computed from bytes the file no longer has."""
    target = project / "a.xml"
    before = target.read_bytes()
    edited = CLEAN.replace("Hello.", "<bogus>Now bad</bogus>").encode()
    assert file_digest(target)  # hashed as discovery hashes it, then edited
    cache = ResultCache(project / ".cache")

    def edited_then_validated() -> Report:
        target.write_bytes(edited)
        return validate([target])

    assert not cache.record(target, "a.xml", {}, edited_then_validated).ok
    target.write_bytes(before)  # the edit undone: the old bytes have no result
    assert cache.lookup(target, "a.xml", {}) is None
    target.write_bytes(edited)
    found = cache.lookup(target, "a.xml", {})
    assert found is not None and not found.ok


def test_an_include_edited_after_it_was_read_is_a_change(project: Path) -> None:
    """A file a document included is recorded with the bytes that were read of it: an
    edit after the read (while the engines ran) makes the entry stale, not true."""
    part = project / "parts" / "body.xml"
    cache = ResultCache(project / ".cache")

    def validated_then_part_edited() -> Report:
        report = validate([project / "inc.xml"])
        part.write_text('<p xmlns="http://www.tei-c.org/ns/1.0">Edited.</p>', encoding="utf-8")
        return report

    cache.record(project / "inc.xml", "inc.xml", {}, validated_then_part_edited)
    assert cache.lookup(project / "inc.xml", "inc.xml", {}) is None
