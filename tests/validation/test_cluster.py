"""``--dask``: the same report as ``--jobs``, a lost worker reported, a missing extra
explained. Real Dask: a ``distributed.LocalCluster`` of worker processes."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import distributed
import pytest

from teikit.diagnostics import TeikitError, UsageError
from teikit.validation import validate
from teikit.validation.cluster import INSTALL_HINT

from conftest import DATA
from helpers.hostile import ENDLESS_SCHEMATRON

pytestmark = pytest.mark.slow

MINI = str(DATA / "validation" / "mini.rng")


def test_dask_local_with_2_workers_gives_the_report_of_jobs_2(
    rusdracor: list[Path], tei_all: Path
) -> None:
    """Over all 120 plays: tei_all (real verdicts) and a tiny grammar (many findings, so
    order and content of thousands of diagnostics are compared)."""
    schemas = ["tei_all", MINI]
    pooled = validate(rusdracor, schemas, jobs=2)
    clustered = validate(rusdracor, schemas, jobs=2, dask="local")
    assert len(pooled.diagnostics) > 1000
    assert clustered.render("json") == pooled.render("json")
    assert clustered == pooled


def test_progress_reaches_every_file(rusdracor: list[Path]) -> None:
    seen: list[tuple[int, int]] = []
    validate(
        rusdracor[:30],
        [MINI],
        jobs=2,
        dask="local",
        on_file=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (30, 30)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_local_run_leaves_no_process_behind(rusdracor: list[Path]) -> None:
    """A local cluster's workers validate in processes of their own: all stopped when
    the run ends, bounded or not."""
    import multiprocessing

    validate(rusdracor[:20], [MINI], jobs=2, dask="local")
    validate(rusdracor[:20], [MINI], jobs=2, dask="local", timeout=30)
    assert multiprocessing.active_children() == []


def _cannot_run(path: Path, options: object) -> None:
    raise TeikitError("the schema store is broken")


def test_when_teikit_cannot_run_the_run_ends_with_that_error(
    rusdracor: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with --jobs: not a diagnostic per file, the run's own error (exit 3)."""
    from teikit.validation import batch

    monkeypatch.setattr(batch, "validate_path", _cannot_run)
    with pytest.raises(TeikitError, match="store is broken"):
        validate(rusdracor[:40], [MINI], jobs=2, dask="local")


def test_a_killed_worker_is_reported_and_the_run_finishes(rusdracor: list[Path]) -> None:
    """One of two workers is killed (SIGKILL) once the first results are in. The
    scheduler may not retry (allowed-failures 0), so the files it held become
    run:worker-failed diagnostics; every other file has its real report."""
    import dask

    files = rusdracor[:96]
    truth = validate(files, [MINI], jobs=1)
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killed = threading.Event()

        def kill_once(done: int, total: int) -> None:
            if not killed.is_set():
                killed.set()
                os.kill(victim, signal.SIGKILL)

        report = validate(files, [MINI], dask=cluster.scheduler_address, on_file=kill_once)
    assert killed.is_set()
    failed = {d.file for d in report if d.rule == "run:worker-failed"}
    assert failed, "the killed worker held files: they must be reported"
    assert len(failed) < len(files)
    assert report.files == truth.files
    assert report.exit_code == 2
    for file in truth.files:
        if file not in failed:
            assert report.for_file(file) == truth.for_file(file)


def test_a_document_over_its_deadline_on_a_worker_times_out_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """--timeout holds on Dask workers too: b.xml's schema never ends, so b.xml gets
    load:timeout; the files around it (and in the same chunk) get their real reports."""
    clean = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
    (tmp_path / "endless.sch").write_text(ENDLESS_SCHEMATRON, encoding="utf-8")
    pi = (
        '<?xml-model href="endless.sch" '
        'schematypens="http://purl.oclc.org/dsdl/schematron"?>\n<TEI '
    )
    names = ["a.xml", "b.xml", "c.xml", "d.xml"]
    for name in names:
        text = clean.replace("<TEI ", pi, 1) if name == "b.xml" else clean
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = [tmp_path / n for n in names]
    report = validate(files, None, jobs=2, dask="local", timeout=3)
    by_file = {Path(f).name: [d.rule for d in report.for_file(f)] for f in report.files}
    assert by_file == {"a.xml": [], "b.xml": ["load:timeout"], "c.xml": [], "d.xml": []}
    assert report.exit_code == 2


def test_a_document_over_the_memory_limit_on_a_worker_is_stopped_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """--memory-limit holds on Dask workers too: b.xml (a million paragraphs, some
    300 MB to validate) gets load:memory under 150 MB; the others their real reports."""
    clean = (DATA / "validation" / "clean.xml").read_text(encoding="utf-8")
    names = ["a.xml", "b.xml", "c.xml", "d.xml"]
    for name in names:
        (tmp_path / name).write_text(clean, encoding="utf-8")
    big = "<p>x</p>" * 1_000_000 + "</body>"
    (tmp_path / "b.xml").write_text(clean.replace("</body>", big, 1), encoding="utf-8")
    files = [tmp_path / n for n in names]
    report = validate(files, None, jobs=2, dask="local", memory_limit=150)
    by_file = {Path(f).name: [d.rule for d in report.for_file(f)] for f in report.files}
    assert by_file == {"a.xml": [], "b.xml": ["load:memory"], "c.xml": [], "d.xml": []}


def test_without_the_extra_the_flag_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(UsageError, match=r"pip install 'teikit\[dask\]'"):
        validate([DATA / "validation" / "clean.xml"], [MINI], dask="local")
    assert INSTALL_HINT in "pip install 'teikit[dask]'"


def test_the_cli_explains_the_missing_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["validate", "--dask", "local", str(DATA / "validation" / "clean.xml")])
    assert code == 2
    assert "teikit[dask]" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from teikit.cli import main
    from teikit.validation import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    code = main(
        [
            "validate",
            "--no-cache",
            "--dask",
            "tcp://127.0.0.1:9",
            str(DATA / "validation" / "clean.xml"),
        ]
    )
    assert code == 3
    assert "Dask scheduler" in capsys.readouterr().err
