"""teikit against jing and xmllint, measured side by side in one run.

Usage: python benchmarks/run.py [--runs 5] [--mutations 120] [--write]

Every timing is the median wall time of ``--runs`` cold processes; the memory column is
the peak resident set size of the process (os.wait4's ru_maxrss). ``--write`` puts the
table and the machine description into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faults
import mutations
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EDITION = ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml"
CORPUS = ROOT.parent / "shared" / "corpora" / "rusdracor" / "tei"
LETTERS = ROOT.parent / "shared" / "corpora" / "schnitzler-briefe" / "letters"
FREEDICT = ROOT.parent / "shared" / "corpora" / "freedict"


NOTES = """
Notes. Timings are of whole cold processes (interpreter or JVM start included). teikit
keeps its parsed index of tei_all on disk (first use ever: ~0.3 s more) but no compiled
grammar: every process reduces and compiles its own. jing runs with the JVM's default
threads (its user time exceeds its wall time on 2 cores); teikit without ``--jobs``
validates a run of several files in as many workers as the machine has cores (at most
4: two here). xmllint compiles the whole tei_all (runs=1). See
docs/decisions/0006-fast-tei-all.md.
"""


def tei_all() -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from teikit.validation.schemas import stored_schema

    return stored_schema("tei_all")


def measure(cmd: list[str], runs: int) -> tuple[float, int, int] | None:
    """(median seconds, peak RSS in MB, exit code) of ``runs`` cold runs, or None."""
    times, peaks, code = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return None
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss // 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(times), max(peaks), code


def byte_compile() -> None:
    """Compile teikit's modules to bytecode once, as installing the package does (pip
    compiles them), so that each measured process reads them rather than compiling
    every module again (~0.05–0.1 s a process) when PYTHONDONTWRITEBYTECODE is set or
    the checkout is run before anything wrote its ``__pycache__``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )


def synthetic(size_mb: int, out: Path) -> Path:
    """A valid TEI file of about ``size_mb`` MB: one play with the others' acts appended."""
    plays = sorted(CORPUS.glob("*.xml"))
    tree = etree.parse(str(plays[0]))
    ns = {"t": mutations.TEI}
    body = tree.find(".//t:body", ns)
    assert body is not None
    i = 0
    size = len(etree.tostring(tree, encoding="utf-8"))
    while size < size_mb * 1024 * 1024:  # sized by the UTF-8 bytes added, no re-serializing
        other = etree.parse(str(plays[1 + i % (len(plays) - 1)]))
        for div in other.findall(".//t:body/t:div", ns):
            for el in div.iter():
                el.attrib.pop("{http://www.w3.org/XML/1998/namespace}id", None)
                if el.get("who"):
                    el.attrib.pop("who")
            body.append(div)
            size += len(etree.tostring(div, encoding="utf-8"))
        i += 1
    path = out / "synthetic.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    return path


def precision(schema: Path, count: int, out: Path) -> tuple[int, int, int, int]:
    """(verdicts equal, mutants, first lines equal, both invalid) over seeded mutants."""
    sys.path.insert(0, str(ROOT / "src"))
    from teikit.document import load
    from teikit.validation.rng.relaxng import RelaxNG

    small = sorted(CORPUS.glob("*.xml"), key=lambda p: p.stat().st_size)[:60]
    made = mutations.generate(small, count, out / "mutants")
    jing = mutations.jing_first_errors(schema, [m.path for m in made])
    engine = RelaxNG.compile(schema)
    agree = same = both = 0
    for m in made:
        found = engine.validate(load(m.path, xinclude=False))
        first = jing[str(m.path)]
        agree += (first is None) == (not found)
        if first is not None and found:
            both += 1
            same += min(d.line for d in found) == first
    return agree, len(made), same, both


def fault_sources() -> list[Path]:
    """The files the multi-error mutants are made from: the edition, small plays,
    letters and dictionaries (the same as the differential test's)."""
    plays = sorted(CORPUS.glob("*.xml"), key=lambda p: p.stat().st_size)[:40:2]
    letters = sorted(LETTERS.glob("*.xml"))[:60:2]
    dictionaries = sorted(FREEDICT.glob("*/*.tei"), key=lambda p: p.stat().st_size)[:6]
    return [EDITION, *plays, *letters, *dictionaries]


def diagnostics_scores(schema: Path, files: list[Path]) -> faults.Scores:
    """teikit's RelaxNG diagnostics against jing's on ``files`` (one JVM)."""
    sys.path.insert(0, str(ROOT / "src"))
    from teikit.document import load
    from teikit.validation.rng.relaxng import RelaxNG

    jing = faults.jing_errors(schema, files)
    engine = RelaxNG.compile(schema)
    ours = {
        str(p): [
            (d.line, d.column, d.rule, d.message) for d in engine.validate(load(p, xinclude=False))
        ]
        for p in files
    }
    return faults.compare(jing, ours)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mutations", type=int, default=120)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()
    byte_compile()
    schema = tei_all()
    teikit, pyjing = str(BIN / "teikit"), str(BIN / "pyjing")
    xmllint = shutil.which("xmllint")
    plays = sorted(CORPUS.glob("*.xml"))
    largest = max(plays, key=lambda p: p.stat().st_size)
    tmp = Path(tempfile.mkdtemp(prefix="teikit-bench-"))
    rows: list[tuple[str, str, tuple[float, int, int] | None, float | None, str]] = []

    def row(
        case: str,
        tool: str,
        cmd: list[str] | None,
        ref: float | None = None,
        target: float | None = None,
        runs: int | None = None,
        seconds: float | None = None,
    ) -> float | None:
        result = measure(cmd, runs or args.runs) if cmd else None
        ratio = result[0] / ref if result and ref else None
        mark = (
            ""
            if target is None or ratio is None
            else (f"≤{target}× jing: {'met' if ratio <= target else 'NOT met'}")
        )
        if seconds is not None and result:
            mark = f"<{seconds} s cold: {'met' if result[0] < seconds else 'NOT met'}"
        rows.append((case, tool, result, ratio, mark))
        return result[0] if result else None

    q = ["-q", "--no-cache"]  # the result cache would time a lookup, not a validation
    jing_edition = row(
        "(a/b) edition vs tei_all", "jing (pyjing)", [pyjing, str(schema), str(EDITION)]
    )
    if xmllint:
        row(
            "(a/b) edition vs tei_all",
            "xmllint --relaxng",
            [xmllint, "--noout", "--relaxng", str(schema), str(EDITION)],
            jing_edition,
            runs=1,
        )
    row(
        "(a) edition, project profile",
        "teikit validate",
        [teikit, "validate", *q, str(EDITION)],
        jing_edition,
        0.5,
    )
    row(
        "(b) edition vs tei_all",
        "teikit validate --schema tei_all",
        [teikit, "validate", *q, "--schema", "tei_all", str(EDITION)],
        jing_edition,
        0.5,
    )
    jing_corpus = row(
        "(c) 120 plays vs tei_all", "jing, one JVM", [pyjing, str(schema), *map(str, plays)]
    )
    if xmllint:
        row(
            "(c) 120 plays vs tei_all",
            "xmllint --relaxng (one process)",
            [xmllint, "--noout", "--relaxng", str(schema), *map(str, plays)],
            jing_corpus,
            runs=1,
        )
    for jobs in (1, 2):
        row(
            "(c) 120 plays vs tei_all",
            f"teikit --jobs {jobs}",
            [teikit, "validate", *q, "--schema", "tei_all", "--jobs", str(jobs), *map(str, plays)],
            jing_corpus,
            0.5 if jobs == 2 else None,
        )
    row(
        "(d) build edition",
        "teikit build",
        [teikit, "build", "-q", str(EDITION), "-o", str(tmp / "dist")],
        jing_edition,
        seconds=1.0,
    )
    row(
        f"(e) html of {largest.name}",
        "teikit transform --to html",
        [teikit, "transform", str(largest), "--to", "html", "-o", str(tmp / "x.html")],
        jing_edition,
        seconds=1.0,
    )
    shared = sorted(
        p
        for p in (ROOT.parent / "shared" / "corpora").rglob("*")
        if p.suffix in (".xml", ".tei") and p.is_file()
    )
    if shared:
        biggest = max(shared, key=lambda p: p.stat().st_size)
        row(
            f"(f) build of {biggest.name} (largest shared file)",
            "teikit build --force",
            [teikit, "build", "-q", "--force", str(biggest), "-o", str(tmp / "big")],
            jing_edition,
            seconds=2.0,
        )
    big = synthetic(50, tmp)
    size = big.stat().st_size / 1024 / 1024
    jing_big = row(
        f"50 MB synthetic ({size:.0f} MB)", "jing", [pyjing, str(schema), str(big)], runs=1
    )
    row(
        f"50 MB synthetic ({size:.0f} MB)",
        "teikit --schema tei_all",
        [teikit, "validate", *q, "--schema", "tei_all", str(big)],
        jing_big,
        runs=1,
    )
    if xmllint:
        row(
            f"50 MB synthetic ({size:.0f} MB)",
            "xmllint --relaxng",
            [xmllint, "--noout", "--relaxng", str(schema), str(big)],
            jing_big,
            runs=1,
        )
    # Invalid documents: every error, side by side with jing (whole cold processes)
    mutants = [m.path for m in faults.generate(fault_sources(), 200, tmp / "faults", seed=12)]
    jing_mutants = row(
        "(f) 200 multi-error mutants",
        "jing, one JVM",
        [pyjing, str(schema), *map(str, mutants)],
        runs=3,
    )
    row(
        "(f) 200 multi-error mutants",
        "teikit --schema tei_all",
        [teikit, "validate", *q, "--schema", "tei_all", *map(str, mutants)],
        jing_mutants,
        1.0,
        runs=3,
    )
    letters = sorted(LETTERS.glob("*.xml"))
    jing_letters = row(
        f"(g) {len(letters)} invalid letters",
        "jing, one JVM",
        [pyjing, str(schema), *map(str, letters)],
        runs=3,
    )
    row(
        f"(g) {len(letters)} invalid letters",
        "teikit --schema tei_all",
        [teikit, "validate", *q, "--schema", "tei_all", *map(str, letters)],
        jing_letters,
        1.0,
        runs=3,
    )
    flat = faults.dictionary_with_errors(
        FREEDICT / "oci-cat" / "oci-cat.tei", 1000, tmp / "dictionary-1000-errors.xml"
    )
    jing_flat = row(
        "(h) dictionary, 1,000 errors", "jing", [pyjing, str(schema), str(flat)], runs=3
    )
    row(
        "(h) dictionary, 1,000 errors",
        "teikit --schema tei_all",
        [teikit, "validate", *q, "--schema", "tei_all", str(flat)],
        jing_flat,
        1.0,
        runs=3,
    )
    agree, total, same, both = precision(schema, args.mutations, tmp)
    scores = diagnostics_scores(schema, [*mutants, flat])

    lines = [
        "| case | tool | median s | peak RSS MB | exit | ratio to jing | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for case, tool, result, ratio, mark in rows:
        if result is None or (tool.startswith("teikit") and result[2] >= 2):
            lines.append(
                f"| {case} | {tool} | n/a | n/a | {result[2] if result else '-'} | n/a | {mark} |"
            )
            continue
        lines.append(
            f"| {case} | {tool} | {result[0]:.3f} | {result[1]} | {result[2]} | "
            f"{f'{ratio:.2f}×' if ratio else ''} | {mark} |"
        )
    pct = 100 * same / both if both else 0
    lines.append("")
    lines.append(
        f"Precision: verdicts equal to jing on {agree}/{total} seeded mutants; first "
        f"error on jing's line in {same}/{both} invalid ones ({pct:.1f}%, target ≥95%: "
        f"{'met' if pct >= 95 else 'NOT met'})."
    )
    lines.append(
        f"Diagnostics against jing on the 200 mutants and the dictionary: error lines "
        f"recall {scores.recall:.3f} ({scores.matched}/{scores.jing_lines}), precision "
        f"{scores.precision:.3f} ({scores.matched}/{scores.our_lines}), the name jing "
        f"gives named on {scores.names:.3f} of matched lines, a column on "
        f"{scores.with_column}/{scores.element_level} element-level diagnostics "
        "(targets ≥0.97, ≥0.97, ≥0.97, all)."
    )
    table = "\n".join(lines)
    print(table)
    if args.write:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            platform.processor(),
        )
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        machine = (
            f"CPU {cpu}, {os.cpu_count()} cores, {ram:.0f} GB RAM, Python "
            f"{platform.python_version()}, {java.splitlines()[0] if java else 'no java'}"
            f", lxml {etree.LXML_VERSION} / libxml2 {etree.LIBXML_VERSION}"
        )
        load = (
            f"Load average (1/5/15 min) {'/'.join(f'{x:.2f}' for x in load_before)} "
            f"before the run, {'/'.join(f'{x:.2f}' for x in os.getloadavg())} after it; "
            "other engineers' jobs may share the machine."
        )
        (ROOT / "benchmarks" / "RESULTS.md").write_text(
            f"# Benchmark results\n\n`python benchmarks/run.py --runs {args.runs} --write`, "
            f"{time.strftime('%Y-%m-%d %H:%M')}. Machine: {machine}. {load}\n\n{table}\n"
            f"{NOTES}",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
