"""teikit's RelaxNG diagnostics against jing's on 200 seeded multi-error mutants of four
corpora (the edition, RusDraCor, Schnitzler's letters, FreeDict), jing run once in one
JVM: the same error lines, the same names, a column on every element-level one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from teikit.document import load
from teikit.validation.rng import RelaxNG

from conftest import ROOT, require_command

sys.path.insert(0, str(ROOT / "benchmarks"))
import faults  # noqa: E402

pytestmark = pytest.mark.slow

#: Floors of issue 12: recall and precision of error lines, names on matched lines.
FLOOR = 0.97


def _sources(shared: Path) -> list[Path]:
    corpora = shared / "corpora"
    plays = sorted((corpora / "rusdracor" / "tei").glob("*.xml"), key=lambda p: p.stat().st_size)[
        :40:2
    ]
    letters = sorted((corpora / "schnitzler-briefe" / "letters").glob("*.xml"))[:60:2]
    dictionaries = sorted((corpora / "freedict").glob("*/*.tei"), key=lambda p: p.stat().st_size)[
        :6
    ]
    return [
        ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml",
        *plays,
        *letters,
        *dictionaries,
    ]


@pytest.fixture(scope="module")
def scores(shared: Path, tei_all: Path, tmp_path_factory: pytest.TempPathFactory) -> faults.Scores:
    require_command("java")
    made = faults.generate(_sources(shared), 200, tmp_path_factory.mktemp("faults"), seed=12)
    jing = faults.jing_errors(tei_all, [m.path for m in made])
    engine = RelaxNG.compile(tei_all)
    ours = {
        str(m.path): [
            (d.line, d.column, d.rule, d.message)
            for d in engine.validate(load(m.path, xinclude=False))
        ]
        for m in made
    }
    return faults.compare(jing, ours)


def test_the_mutants_have_many_errors(scores: faults.Scores) -> None:
    assert scores.jing_lines >= 600


def test_every_error_line_of_jing_is_reported(scores: faults.Scores) -> None:
    assert scores.recall >= FLOOR, "\n".join(scores.missed[:20])


def test_no_error_line_jing_does_not_report(scores: faults.Scores) -> None:
    assert scores.precision >= FLOOR, "\n".join(scores.extra[:20])


def test_the_names_jing_gives_are_named(scores: faults.Scores) -> None:
    assert scores.names >= FLOOR


def test_every_element_level_diagnostic_has_a_column(scores: faults.Scores) -> None:
    assert scores.element_level and scores.with_column == scores.element_level
