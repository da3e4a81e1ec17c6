"""Spooled reports: a run that finds millions of problems holds a chunk of them, not all,
and its report reads the same in every format as one held in memory."""

from __future__ import annotations

import os
import pickle
import tracemalloc
from pathlib import Path

import pytest

import teikit.diagnostics
from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.files import Spool
from teikit.render import RENDERERS, render, step_summary, summary
from teikit.validation import validate

KINDS = list(Severity)


def _file_report(i: int, per_file: int) -> Report:
    """One file's report as a worker sends it; every third file has a finding located
    in a part it XIncludes, so that part's findings are scattered over the run."""
    name = f"corpus/d{i}.xml"
    found = [
        Diagnostic(
            KINDS[j % 3],
            f"rng:rule-{j % 4}",
            f'bad <x a="1"> & "q", ü line {j}',
            name if j % 3 or i % 3 else "corpus/part.xml",
            j + 1,
            2,
            f"/tei:TEI/tei:p[{j}]",
            ("a", "b") if j % 2 else (),
        )
        for j in range(per_file)
    ]
    return Report(found, [name], schemas={name: [SchemaUse("tei_all", "4.3.0")]})


def _run(files: int, per_file: int, *, spooled: bool) -> Report:
    report = Report(files=["clean.xml"])
    if spooled:
        report.spool()
    add = report.merger()
    for i in range(files):
        add(_file_report(i, per_file))
    return report


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("shape", [(0, 0), (1, 2), (13, 5)])
def test_a_spooled_report_renders_as_one_held_in_memory(
    fmt: str, shape: tuple[int, int], frozen_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(teikit.diagnostics, "SPOOL_CHUNK", 7)
    held, spooled = _run(*shape, spooled=False), _run(*shape, spooled=True)
    assert spooled.spooled is not None
    assert shape[0] < 2 or len(spooled.diagnostics) < 7 < len(spooled)
    assert render(spooled, fmt) == render(held, fmt)
    assert (summary(spooled), step_summary(spooled)) == (summary(held), step_summary(held))
    assert (spooled.ok, spooled.exit_code, len(spooled)) == (held.ok, held.exit_code, len(held))
    assert list(spooled.by_file()) == list(held.by_file())


def test_a_spooled_run_holds_one_chunk_however_many_it_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ten times the findings, about the same memory: each chunk goes to disk when full."""
    monkeypatch.setattr(teikit.diagnostics, "SPOOL_CHUNK", 500)

    def peak(files: int, spooled: bool) -> int:
        tracemalloc.start()
        report = _run(files, 50, spooled=spooled)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(report) == files * 50
        return top

    small, large = peak(20, True), peak(200, True)
    assert large < 2 * small, (small, large)
    assert peak(200, False) > 5 * small  # without the spool it grows with the findings


def test_validate_spools_when_asked_and_finds_the_same(tmp_path: Path, tei_all: Path) -> None:
    head = (
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>T</title></titleStmt><publicationStmt><p>P</p></publicationStmt>"
        "<sourceDesc><p>S</p></sourceDesc></fileDesc></teiHeader><text><body>"
    )
    for i in range(4):
        bad = "".join(f"<p>{j}<foo/></p>" for j in range(i * 3))
        (tmp_path / f"d{i}.xml").write_text(f"{head}<p>ok</p>{bad}</body></text></TEI>")
    held = validate([tmp_path], "tei_all")
    spooled = validate([tmp_path], "tei_all", spool=True)
    assert spooled.spooled is not None and len(held) == 18
    assert render(spooled, "json") == render(held, "json")


@pytest.mark.parametrize(
    ("severities", "warnings_fail", "ok"),
    [
        ((Severity.INFO, Severity.WARNING), False, True),
        ((Severity.INFO, Severity.WARNING), True, False),
        ((Severity.INFO, Severity.ERROR), False, False),
    ],
)
def test_a_spooled_reports_verdict_does_not_read_the_spool_back(
    monkeypatch: pytest.MonkeyPatch, severities: tuple[Severity, ...], warnings_fail: bool, ok: bool
) -> None:
    report = Report(files=["a.xml"], warnings_as_errors=warnings_fail)
    report.spool()
    add = report.merger()
    found = [Diagnostic(severities[i % 2], "rng:x", "m", "a.xml", i + 1) for i in range(25_000)]
    add(Report(found, ["a.xml"]))
    assert report.spooled is not None and report.spooled.chunk_count >= 1
    monkeypatch.setattr(report.spooled, "chunk", lambda n: pytest.fail("read back"))
    assert (report.ok, report.exit_code) == (ok, 0 if ok else 1)


@pytest.mark.parametrize("spooled", [True, False])
def test_a_packed_report_crosses_processes_as_bytes_and_reads_the_same(
    spooled: bool, frozen_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker packs a file's many findings once (:meth:`Report.packed`); a spooled run
    copies the packed chunks to its spool without making a single finding of them, and
    the report reads exactly as one whose findings travelled as objects."""
    monkeypatch.setattr(teikit.diagnostics, "SPOOL_CHUNK", 7)
    shape = [(i, 3 if i % 4 else 9) for i in range(13)]  # some files pack, some do not
    expected = Report(files=["clean.xml"])
    expected.merge_all(_file_report(i, n) for i, n in shape)
    run = Report(files=["clean.xml"])
    if spooled:
        run.spool()
    add = run.merger()
    with monkeypatch.context() as reading:
        if spooled:
            reading.setattr(Spool, "chunk", lambda self, n: pytest.fail("unpacked"))
        for i, n in shape:
            sent = _file_report(i, n).packed()
            assert (sent.spooled is not None) == (n >= 7)
            add(pickle.loads(pickle.dumps(sent)))
    assert (run.spooled is not None) == spooled
    for fmt in RENDERERS:
        assert render(run, fmt) == render(expected, fmt)
    assert list(run.by_file()) == list(expected.by_file())
    assert (run.ok, len(run)) == (expected.ok, len(expected)) == (False, 63)


def test_a_spool_on_disk_never_leaves_its_process() -> None:
    report = Report(files=["a.xml"])
    report.spool()
    with pytest.raises(TypeError, match="cannot leave"):
        pickle.dumps(report)


def test_workers_send_a_files_many_findings_packed_and_the_run_reads_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock: None
) -> None:
    """Through real worker processes (a deadline puts every file in one; forked or
    spawned, so the real chunk size): a file with a chunk's worth of findings arrives
    packed, and the report reads exactly as the one made in this process."""
    head = (
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>T</title></titleStmt><publicationStmt><p>P</p></publicationStmt>"
        "<sourceDesc><p>S</p></sourceDesc></fileDesc></teiHeader><text><body>"
    )
    for i, n in enumerate((3, teikit.diagnostics.SPOOL_CHUNK)):
        bad = "".join(f'<p><ref target="#nowhere{j}">x</ref></p>' for j in range(n))
        (tmp_path / f"d{i}.xml").write_text(f"{head}{bad}</body></text></TEI>")
    held = validate([tmp_path], "references")
    copied: list[int] = []
    extend = Spool.extend
    monkeypatch.setattr(Spool, "extend", lambda s, o: copied.append(len(o)) or extend(s, o))
    workers = validate([tmp_path], "references", spool=True, timeout=60)
    assert copied == [teikit.diagnostics.SPOOL_CHUNK]  # the large file's findings, packed
    assert workers.spooled is not None and len(workers) == len(held) == 3 + copied[0]
    for fmt in ("json", "text", "junit"):
        assert render(workers, fmt) == render(held, fmt)


def test_the_last_packed_report_stays_in_memory_until_another_comes(
    monkeypatch: pytest.MonkeyPatch, frozen_clock: None
) -> None:
    """A run over one large file does not write its findings to disk to read them back;
    a second large file moves the first to disk, so memory holds one at most."""
    monkeypatch.setattr(teikit.diagnostics, "SPOOL_CHUNK", 7)
    expected = Report(files=["clean.xml"])
    run = Report(files=["clean.xml"])
    run.spool()
    assert run.spooled is not None
    on_disk = run.spooled._file  # noqa: SLF001 - the spool's own file is what is asserted
    add = run.merger()
    sizes = []
    for i in range(3):
        expected.merge(_file_report(i, 9))
        add(pickle.loads(pickle.dumps(_file_report(i, 9).packed())))
        sizes.append(on_disk.seek(0, os.SEEK_END))
    assert sizes[0] == 0 < sizes[1] < sizes[2]
    for fmt in RENDERERS:
        assert render(run, fmt) == render(expected, fmt)
    assert list(run.by_file()) == list(expected.by_file())
