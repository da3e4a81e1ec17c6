"""Corpus scale: 10,000 generated TEI files, jing against teikit's runners, one run.

Usage: python benchmarks/scale.py [--files 10000] [--keep] [--write]

The corpus is generated into a temporary folder (never committed): every leaf ``div`` of
the shared corpora (RusDraCor plays, Schnitzler letters, ELTeC novels), under its own
document's ``teiHeader``, becomes a small TEI document; cycling through them with a moving
window over each div's children gives as many distinct files as asked. All runs validate
against tei_all (``--schema tei_all``), so jing and teikit do the same job.

Rows: jing (one JVM for all files); teikit ``--jobs 2`` without cache (cold); teikit
``--jobs 2`` filling an empty cache, then re-running on it (warm); teikit ``--dask local``
with 2 workers (cold, cluster start included); and a ``--jobs 2`` run over a tenth of the
corpus, to show memory does not grow with the corpus. Memory is the peak of the summed
resident set size of the process and all its descendants (sampled every 50 ms with
psutil), so a pool or a cluster is charged for all its processes. Then the two numbers the
scaling argument rests on: per-file worker time and the scheduler's cost per task.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPORA = ROOT.parent / "shared" / "corpora"
TEI = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI}
WINDOW = 12


def _units() -> list[tuple[etree._Element, etree._Element, str]]:
    """(teiHeader, leaf div, source name) for every leaf div of the shared corpora."""
    sources = sorted((CORPORA / "rusdracor" / "tei").glob("*.xml"))
    sources += sorted((CORPORA / "schnitzler-briefe").rglob("*.xml"))
    sources += sorted((CORPORA / "eltec-fra").rglob("*.xml"))
    units = []
    for source in sources:
        root = etree.parse(str(source)).getroot()
        header = root.find("t:teiHeader", NS)
        if header is None:
            continue
        for div in root.iterfind(".//t:body//t:div", NS):
            if div.find("t:div", NS) is None and len(div):
                units.append((header, div, source.stem))
    return units


def generate(count: int, out: Path) -> list[Path]:
    """``count`` distinct small TEI files below ``out`` (one folder per source)."""
    units = _units()
    files = []
    for i in range(count):
        header, div, stem = units[i % len(units)]
        variant = i // len(units)
        children = list(div)
        start = (variant * WINDOW) % max(1, len(children))
        kept = children[start : start + WINDOW] or children[:WINDOW]
        tei = etree.Element(f"{{{TEI}}}TEI", nsmap={None: TEI})
        tei.set("{http://www.w3.org/XML/1998/namespace}id", f"gen{i}")
        tei.append(copy.deepcopy(header))
        body = etree.SubElement(etree.SubElement(tei, f"{{{TEI}}}text"), f"{{{TEI}}}body")
        part = etree.SubElement(body, f"{{{TEI}}}div")
        for key, value in div.attrib.items():
            if key != "{http://www.w3.org/XML/1998/namespace}id":
                part.set(key, value)
        for child in kept:
            part.append(copy.deepcopy(child))
        path = out / stem / f"{i:05d}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(etree.tostring(tei, xml_declaration=True, encoding="utf-8"))
        files.append(path)
    return files


Result = tuple[float, float, float, float, int, float]


def measure(cmd: list[str], env: dict[str, str] | None = None) -> Result:
    """(wall seconds, CPU seconds of the whole process tree, peak summed RSS of the tree
    in MB, peak RSS of the first process alone in MB, exit code, 1-minute load average at
    the end). CPU time is the number to trust on a busy machine: wall time there measures
    the other tenants too. The summed RSS counts pages that forked workers share with
    their parent once per process, so it overstates what the tree really holds."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    peak = top = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, top
        try:
            parent = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            total = 0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    try:
                        rss = p.memory_info().rss
                    except psutil.Error:
                        continue
                    total += rss
                    if p is parent:
                        top = max(top, rss)
            except psutil.Error:
                pass
            peak = max(peak, total)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    cpu = usage.ru_utime + usage.ru_stime + _orphans_cpu()
    return elapsed, cpu, peak / 2**20, top / 2**20, proc.returncode, os.getloadavg()[0]


def _adopt_orphans() -> None:
    """Make this process the reaper of its descendants whose parent ends first (Linux).

    Why: a process that nobody waits for (its parent ended first) is missing from
    ``wait4``'s CPU time, and so are the processes it reaped. Whatever way a run starts
    its workers (forked by a pool, by a Dask worker, by a fork server), every one of
    them is then counted."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1)


def _orphans_cpu(grace: float = 10.0) -> float:
    """CPU seconds of the adopted descendants (see :func:`_adopt_orphans`), each waited
    for as it ends (a fork server ends when its parent does), for up to ``grace`` s."""
    total = 0.0
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.02)
            continue
        total += usage.ru_utime + usage.ru_stime
    return total


def task_overhead(tasks: int = 2000) -> tuple[float, float]:
    """(seconds to start and stop a 2-worker LocalCluster, scheduler seconds per task)."""
    import distributed

    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        up = time.perf_counter() - start
        client.gather(client.map(abs, range(50), pure=False))  # warm the connections
        start = time.perf_counter()
        client.gather(client.map(abs, range(tasks), pure=False))
        per_task = (time.perf_counter() - start) / tasks
    return up, per_task


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-scale.md")
    args = parser.parse_args()
    _adopt_orphans()
    from run import byte_compile  # benchmarks/run.py, beside this script

    byte_compile()  # as an installed teikit is: no process compiles its modules again
    sys.path.insert(0, str(ROOT / "src"))
    from teikit.validation.schemas import stored_schema

    schema = stored_schema("tei_all")
    work = Path(tempfile.mkdtemp(prefix="teikit-scale-"))
    corpus = work / "corpus"
    started = time.perf_counter()
    files = generate(args.files, corpus)
    size = sum(f.stat().st_size for f in files) / 2**20
    print(
        f"generated {len(files)} files ({size:.0f} MB) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    teikit = [str(BIN / "teikit"), "validate", "-q", "--schema", "tei_all"]
    cache = {"TEIKIT_CACHE_DIR": str(work / "cache"), "TEIKIT_NO_CACHE": "0"}
    no_cache = {"TEIKIT_NO_CACHE": "1"}
    tenth = work / "tenth"
    tenth.mkdir()
    for f in files[::10]:  # every tenth file: the same mix of sources as the whole
        (tenth / f.parent.name).mkdir(exist_ok=True)
        os.link(f, tenth / f.parent.name / f.name)
    rows: list[tuple[str, Result]] = []

    def row(name: str, cmd: list[str], env: dict[str, str] | None = None) -> float:
        result = measure(cmd, env)
        rows.append((name, result))
        print(
            f"{name}: {result[0]:.1f} s wall, {result[1]:.1f} s CPU, {result[2]:.0f} MB "
            f"(first process {result[3]:.0f} MB), exit {result[4]}, load {result[5]:.1f}",
            flush=True,
        )
        return result[0]

    load_before = os.getloadavg()
    jing = row("jing, one JVM", [str(BIN / "pyjing"), str(schema), *map(str, files)])
    cold = row("teikit --jobs 2, no cache", [*teikit, "--jobs", "2", str(corpus)], no_cache)
    row("teikit --jobs 2, filling an empty cache", [*teikit, "--jobs", "2", str(corpus)], cache)
    warm = row("teikit --jobs 2, warm cache (re-run)", [*teikit, "--jobs", "2", str(corpus)], cache)
    dask = row(
        "teikit --dask local, 2 workers, no cache",
        [*teikit, "--dask", "local", "--jobs", "2", str(corpus)],
        no_cache,
    )
    row(
        f"teikit --jobs 2, no cache, {len(files) // 10} files (memory check)",
        [*teikit, "--jobs", "2", str(tenth)],
        no_cache,
    )
    up, per_task = task_overhead()
    load_after = os.getloadavg()
    lines = [
        f"Corpus: {len(files)} generated files, {size:.0f} MB, tei_all 4.3.0. Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Load average before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in load_after)}.",
        "",
        "| run | wall s | CPU s | peak RSS MB (all processes) | peak RSS MB (first "
        "process) | exit | load after | ratio (wall) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    ratios = {
        "teikit --jobs 2, no cache": f"{cold / jing:.2f}× jing (target ≤ 0.5)",
        "teikit --jobs 2, warm cache (re-run)": f"{warm / cold:.3f}× cold (target ≤ 0.1)",
        "teikit --dask local, 2 workers, no cache": f"{dask / cold:.2f}× --jobs 2 (target ≤ 1.3)",
    }
    for name, (secs, cpu, mb, first, code, load) in rows:
        lines.append(
            f"| {name} | {secs:.1f} | {cpu:.1f} | {mb:.0f} | {first:.0f} | {code} | {load:.1f} "
            f"| {ratios.get(name, '')} |"
        )
    lines += [
        "",
        f"Dask: a 2-worker LocalCluster of processes starts and stops in {up:.1f} s; "
        f"the scheduler costs {per_task * 1000:.2f} ms per task (2,000 no-op tasks); "
        "teikit sends chunks of at most 512 files, smaller towards the end of a run. "
        f"Per-file worker time (2 workers, cluster start excluded): "
        f"{(dask - up) * 2 / len(files) * 1000:.1f} ms.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "RESULTS-scale.md").write_text(text + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
