"""teikit's RelaxNG diagnostics against jing's on 200 seeded multi-error mutants, 50 from
each of four sources (the edition, RusDraCor, Schnitzler's letters, FreeDict), jing run
once in one JVM: the same error lines, the same names, jing's column on every
element-level one, in each source (a source's failures are not hidden by the others'
successes: pooled, the letters would be three quarters of jing's lines). The edition is
also compared under its own profile, the schema it is validated against by default."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from teikit.document import load
from teikit.validation.rng import RelaxNG

from conftest import EDITION, ROOT, require_command

sys.path.insert(0, str(ROOT / "benchmarks"))
import faults  # noqa: E402

pytestmark = pytest.mark.slow

#: Floors of issue 12: recall and precision of error lines, names on matched lines.
FLOOR = 0.97
#: Mutants per source (issue 12 asks for at least 200 over the four).
EACH = 50
SOURCES = ("edition", "rusdracor", "schnitzler-briefe", "freedict")

Ours = dict[str, list[tuple[int, int, str, str]]]
Theirs = dict[str, list[tuple[int, int, str]]]


def _sources(shared: Path) -> dict[str, list[Path]]:
    corpora = shared / "corpora"
    return {
        "edition": [EDITION],
        "rusdracor": sorted(
            (corpora / "rusdracor" / "tei").glob("*.xml"), key=lambda p: p.stat().st_size
        )[:40:2],
        "schnitzler-briefe": sorted((corpora / "schnitzler-briefe" / "letters").glob("*.xml"))[
            :60:2
        ],
        "freedict": sorted((corpora / "freedict").glob("*/*.tei"), key=lambda p: p.stat().st_size)[
            :6
        ],
    }


def _ours(schema: Path, files: list[Path]) -> Ours:
    engine = RelaxNG.compile(schema)
    return {
        str(f): [(d.line, d.column, d.rule, d.message) for d in engine.validate(load(f))]
        for f in files
    }


def _columns_as_jing(jing: Theirs, ours: Ours) -> tuple[int, int]:
    """Of teikit's RelaxNG diagnostics on lines jing reports, how many stand at one of
    jing's columns on that line, and how many there are."""
    same = total = 0
    for file, theirs in jing.items():
        columns: dict[int, set[int]] = {}
        for line, column, _ in theirs:
            columns.setdefault(line, set()).add(column)
        for line, column, rule, _ in ours[file]:
            if rule.startswith("rng:") and line in columns:
                total += 1
                same += column in columns[line]
    return same, total


@pytest.fixture(scope="module")
def runs(
    shared: Path, tei_all: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Theirs, Ours]]:
    """jing's and teikit's findings per source, on ``EACH`` mutants of each."""
    require_command("java")
    out = tmp_path_factory.mktemp("faults")
    made = {
        name: [
            m.path for m in faults.generate(files, EACH, out / name, seed=12 + SOURCES.index(name))
        ]
        for name, files in _sources(shared).items()
    }
    jing = faults.jing_errors(tei_all, [p for paths in made.values() for p in paths])
    ours = _ours(tei_all, [p for paths in made.values() for p in paths])
    return {
        name: ({str(p): jing[str(p)] for p in paths}, {str(p): ours[str(p)] for p in paths})
        for name, paths in made.items()
    }


@pytest.fixture(scope="module")
def scores(runs: dict[str, tuple[Theirs, Ours]]) -> dict[str, faults.Scores]:
    return {name: faults.compare(jing, ours) for name, (jing, ours) in runs.items()}


def test_the_mutants_have_many_errors_in_every_source(scores: dict[str, faults.Scores]) -> None:
    assert set(scores) == set(SOURCES)
    assert sum(s.jing_lines for s in scores.values()) >= 600
    assert all(s.jing_lines >= 50 for s in scores.values()), {
        n: s.jing_lines for n, s in scores.items()
    }


@pytest.mark.parametrize("source", SOURCES)
def test_every_error_line_of_jing_is_reported(
    scores: dict[str, faults.Scores], source: str
) -> None:
    assert scores[source].recall >= FLOOR, "\n".join(scores[source].missed[:20])


@pytest.mark.parametrize("source", SOURCES)
def test_no_error_line_jing_does_not_report(scores: dict[str, faults.Scores], source: str) -> None:
    assert scores[source].precision >= FLOOR, "\n".join(scores[source].extra[:20])


@pytest.mark.parametrize("source", SOURCES)
def test_the_names_jing_gives_are_named(scores: dict[str, faults.Scores], source: str) -> None:
    assert scores[source].names >= FLOOR


#: Where a message turns from what is wrong to what would be allowed (lists of names).
_ALTERNATIVES = re.compile(r"; here | may contain |; it may have | such as |: use |: add ")
#: What teikit says of an element inside one the schema does not know.
_INSIDE = "which is not an element of this schema"


def _repeats(theirs: list[tuple[int, int, str]]) -> set[int]:
    """Lines where jing only repeats its previous message: inside an element it
    rejected, jing reports each child with the last message it gave (a child of an
    unknown ``<diiv>`` after an error in a ``<list>`` reads 'element "label" not
    allowed yet'), so its name there is not the child's."""
    lines: set[int] = set()
    for (_, _, before), (line, _, message) in zip(theirs, theirs[1:], strict=False):
        if message == before:
            lines.add(line)
    return lines


def _named_as_subject(jing: Theirs, ours: Ours) -> tuple[int, int]:
    """On lines both report, how often the name jing's message is about is named in
    what teikit says is wrong, not only among the names it lists as allowed there
    (lines where jing repeats itself about the content of an unknown element aside)."""
    named = total = 0
    for file, theirs in jing.items():
        repeated = _repeats(theirs)
        for line in {ln for ln, _, _ in theirs} & {ln for ln, _, _, _ in ours[file]}:
            wanted = {faults._jing_name(m) for ln, _, m in theirs if ln == line} - {""}
            inside = all(_INSIDE in m for ln, _, _, m in ours[file] if ln == line)
            if wanted and not (line in repeated and inside):
                total += 1
                said = [_ALTERNATIVES.split(m)[0] for ln, _, _, m in ours[file] if ln == line]
                named += bool(wanted & set().union(*map(faults._our_names, said)))
    return named, total


@pytest.mark.parametrize("source", SOURCES)
def test_the_name_jing_gives_is_what_the_message_is_about(
    runs: dict[str, tuple[Theirs, Ours]], source: str
) -> None:
    named, total = _named_as_subject(*runs[source])
    assert total and named / total >= FLOOR, f"{named}/{total}"


@pytest.mark.parametrize("source", SOURCES)
def test_every_element_level_diagnostic_has_jings_column(
    runs: dict[str, tuple[Theirs, Ours]], scores: dict[str, faults.Scores], source: str
) -> None:
    s = scores[source]
    assert s.element_level and s.with_column == s.element_level
    same, total = _columns_as_jing(*runs[source])
    assert total and same / total >= FLOOR, f"{same}/{total} at jing's column"


def test_the_edition_under_its_profile_is_reported_as_jing_reports_it(
    tmp_path: Path,
) -> None:
    require_command("java")
    profile = ROOT / "schemas" / "teikit.rng"
    files = [m.path for m in faults.generate([EDITION], EACH, tmp_path, seed=101)]
    jing = faults.jing_errors(profile, files)
    ours = _ours(profile, files)
    s = faults.compare(jing, ours)
    assert s.jing_lines >= 50
    assert s.recall >= FLOOR, "\n".join(s.missed[:20])
    assert s.precision >= FLOOR, "\n".join(s.extra[:20])
    assert s.names >= FLOOR
    assert s.with_column == s.element_level
    same, total = _columns_as_jing(jing, ours)
    assert same / total >= FLOOR
