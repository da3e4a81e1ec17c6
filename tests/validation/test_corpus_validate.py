"""On real TEI nobody here wrote, teikit's tei_all verdicts agree with jing's.

The baseline (``jing-tei_all-4.3.0.tsv``, shipped with the corpus) gives jing's
valid/invalid verdict for each of the 120 RusDraCor plays and ``corpus.xml``; one
``teikit.validate`` call over all of them compiles tei_all once. A live check then
runs jing itself (one JVM for all files) on copies that were broken on purpose.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from teikit.diagnostics import Severity
from teikit.validation import validate

from conftest import require_command

pytestmark = pytest.mark.slow


def _baseline(root: Path) -> dict[str, bool]:
    with (root / "jing-tei_all-4.3.0.tsv").open(encoding="utf-8") as fh:
        return {row["file"]: row["valid"] == "yes" for row in csv.DictReader(fh, delimiter="\t")}


def test_teikit_agrees_with_jing_on_every_corpus_file(shared: Path, tei_all: Path) -> None:
    root = shared / "corpora" / "rusdracor"
    expected = _baseline(root)
    files = [root / name for name in sorted(expected)]
    report = validate(files, schemas=["tei_all"], jobs=1)
    invalid = {Path(d.file).resolve() for d in report if d.severity is Severity.ERROR}
    got = {name: (root / name).resolve() not in invalid for name in expected}
    assert got == expected


def _mutants(rusdracor: list[Path], out: Path) -> list[Path]:
    """Small, typical mistakes in real plays: a made-up element, a misplaced one, a
    missing required child, an unknown attribute, and one untouched control."""
    edits = [
        (r"<stage>", "<stagee>", r"</stage>", "</stagee>"),
        (r"<speaker>", "<castList/><speaker>", None, None),
        (r"<titleStmt>\s*<title", "<titleStmt><bogus/><title", None, None),
        (r"<sp ", '<sp colour="red" ', None, None),
        (None, None, None, None),
    ]
    made = []
    for i, (a, b, c, d) in enumerate(edits):
        src = rusdracor[i * 7]
        text = src.read_text(encoding="utf-8")
        if a:
            text = re.sub(a, b, text, count=1)
        if c:
            text = re.sub(c, d, text, count=1)
        target = out / f"mutant-{i}-{src.name}"
        target.write_text(text, encoding="utf-8")
        made.append(target)
    return made


def test_teikit_agrees_with_live_jing_on_mutated_plays(
    rusdracor: list[Path], tei_all: Path, java: str, tmp_path: Path
) -> None:
    beside = Path(sys.executable).parent / "pyjing"  # the venv's, when PATH lacks it
    pyjing = str(beside) if beside.is_file() else require_command("pyjing")
    mutants = _mutants(rusdracor, tmp_path)
    done = subprocess.run(
        [pyjing, str(tei_all), *map(str, mutants)], capture_output=True, text=True, timeout=600
    )
    jing_invalid = {
        Path(line.split(":")[0]).name for line in done.stdout.splitlines() if ": error:" in line
    }
    report = validate(mutants, schemas=["tei_all"])
    teikit_invalid = {Path(d.file).name for d in report if d.severity is Severity.ERROR}
    assert (teikit_invalid, len(jing_invalid)) == (jing_invalid, 4)
