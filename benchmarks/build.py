"""teikit build and transform on the largest shared files and the edition, cold processes.

Usage: python benchmarks/build.py [--runs 3] [--src DIR]

Issue 13's targets: the largest shared file built in < 2.0 s cold, the edition's build in
< 1.0 s. "Largest" two ways, both measured: FreeDict oci-cat (most elements, 143,000)
and the ELTeC novel FRA04202_Rolland (most bytes). Each row is one fresh process per run
(interpreter, Saxon and every stylesheet compile included; teikit keeps no compiled
stylesheet on disk, so there is nothing warm to reuse): the median wall time, the CPU
time (user + system, from os.wait4) and the peak resident memory. The CPU column is
what the work costs; on a shared machine the wall column also holds waiting for a core.

``--src DIR`` measures another checkout's ``src`` with this interpreter (before/after).
There is no peer row: the TEI Consortium's Stylesheets (teitohtml, teitoepub), the
reference for TEI to HTML and EPUB, are not installed on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
EDITION = ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml"
DICTIONARY = SHARED / "freedict" / "oci-cat" / "oci-cat.tei"
NOVEL = SHARED / "eltec-fra" / "novels" / "FRA04202_Rolland.xml"
CLI = "import sys; from teikit.cli import main; sys.argv[0] = 'teikit'; main()"


def measure(args: list[str], src: Path, runs: int) -> tuple[float, float, int, int]:
    """(median wall s, median CPU s, peak RSS MB, exit code) of ``runs`` cold runs."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    walls, cpus, peak, code = [], [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peak = max(peak, usage.ru_maxrss // 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(walls), statistics.median(cpus), peak, code


def cases(out: Path) -> list[tuple[str, str, list[str], float | None]]:
    """(case, command shown, teikit arguments, target seconds) for every row."""
    rows: list[tuple[str, str, list[str], float | None]] = [
        ("edition", "build", ["build", "-q", str(EDITION), "-o", str(out / "ed")], 1.0)
    ]
    for label, path in (("oci-cat (most elements)", DICTIONARY), (f"{NOVEL.stem}", NOVEL)):
        if not path.is_file():
            continue
        build = ["build", "-q", "--force", str(path), "-o", str(out / path.stem)]
        rows.append((label, "build --force", build, 2.0))
        for fmt in ("html", "text", "epub"):
            target = out / f"{path.stem}.{fmt}"
            rows.append(
                (
                    label,
                    f"transform --to {fmt}",
                    ["transform", str(path), "--to", fmt, "-o", str(target)],
                    None,
                )
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="teikit-build-bench-"))
    load_before = os.getloadavg()
    print("| case | teikit | median wall s | median CPU s | peak RSS MB | exit | target |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for case, shown, teikit_args, target in cases(out):
        wall, cpu, rss, code = measure(teikit_args, args.src.resolve(), args.runs)
        mark = (
            "" if target is None else f"< {target} s cold: {'met' if wall < target else 'NOT met'}"
        )
        print(
            f"| {case} | {shown} | {wall:.2f} | {cpu:.2f} | {rss} | {code} | {mark} |", flush=True
        )
    load_after = os.getloadavg()
    print(
        f"\nLoad average (1/5/15 min) {'/'.join(f'{x:.2f}' for x in load_before)} before, "
        f"{'/'.join(f'{x:.2f}' for x in load_after)} after; {os.cpu_count()} cores; "
        f"runs={args.runs}; src={args.src}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
