"""teikit's RelaxNG verdicts equal jing's, file by file (the reduced grammar is exact)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from teikit.document import load
from teikit.validation import validate
from teikit.validation.rng.relaxng import RelaxNG

from conftest import ROOT, SHARED, require_command

sys.path.insert(0, str(ROOT / "benchmarks"))
import mutations  # noqa: E402

#: Corpus-wide and live-jing comparisons: minutes of JVM and tei_all work, not the quick loop.
pytestmark = pytest.mark.slow


def _jing_baseline() -> dict[str, bool]:
    """jing's verdict (valid?) for each RusDraCor play, from the corpus's own table."""
    table = SHARED / "corpora" / "rusdracor" / "jing-tei_all-4.3.0.tsv"
    with table.open(encoding="utf-8") as fh:
        return {
            Path(r["file"]).name: r["valid"] == "yes"
            for r in csv.DictReader(fh, delimiter="\t")
            if r["file"].startswith("tei/")
        }


def test_rusdracor_verdicts_equal_the_jing_baseline(rusdracor: list[Path], tei_all: Path) -> None:
    baseline = _jing_baseline()
    schema = RelaxNG.compile(tei_all)
    mine = {p.name: not schema.validate(load(p, xinclude=False)) for p in rusdracor}
    assert mine == {p.name: baseline[p.name] for p in rusdracor}


def test_a_parallel_corpus_run_gives_the_jing_baseline(
    rusdracor: list[Path], tei_all: Path
) -> None:
    # Two processes, the sample warm-up, forked workers and chunk stealing: verdicts
    # and report order must still be those of the baseline.
    baseline = _jing_baseline()
    report = validate(rusdracor, schemas=[str(tei_all)], jobs=2)
    invalid = {Path(d.file).name for d in report}
    assert [Path(f).name for f in report.files] == [p.name for p in rusdracor]
    assert {p.name: p.name not in invalid for p in rusdracor} == {
        p.name: baseline[p.name] for p in rusdracor
    }


@pytest.fixture(scope="module")
def mutated(
    rusdracor: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> list[mutations.Mutation]:
    small = sorted(rusdracor, key=lambda p: p.stat().st_size)[:30]
    return mutations.generate(small, 40, tmp_path_factory.mktemp("mutants"), seed=7)


def test_mutated_verdicts_equal_a_live_jing_run(
    mutated: list[mutations.Mutation], tei_all: Path
) -> None:
    require_command("java")
    jing = mutations.jing_first_errors(tei_all, [m.path for m in mutated])
    assert sum(1 for v in jing.values() if v is not None) >= 10  # invalid ones exercised
    schema = RelaxNG.compile(tei_all)
    mine = {str(m.path): bool(schema.validate(load(m.path, xinclude=False))) for m in mutated}
    assert mine == {k: v is not None for k, v in jing.items()}


def test_an_edited_schema_gives_a_new_verdict(
    tmp_path: Path, tei_all: Path, rusdracor: list[Path]
) -> None:
    play = rusdracor[0]
    copy = tmp_path / "tei_all.rng"
    copy.write_bytes(tei_all.read_bytes())
    assert RelaxNG.compile(copy).validate(load(play, xinclude=False)) == []
    text = tei_all.read_text(encoding="utf-8").replace(
        '<define name="speaker">\n      <element name="speaker">',
        '<define name="speaker">\n      <element name="speakerRenamed">',
        1,
    )
    copy.write_text(text, encoding="utf-8")
    assert RelaxNG.compile(copy).validate(load(play, xinclude=False)) != []


FOREIGN = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>t
</title></titleStmt><publicationStmt><p>p</p></publicationStmt><sourceDesc><p>s</p>
</sourceDesc></fileDesc></teiHeader><text><body><p>x</p>
{extra}</body></text></TEI>"""


FOREIGN_CASES = [
    '<egXML xmlns="http://www.tei-c.org/ns/Examples"><p>any</p></egXML>',
    '<egXML xmlns="http://www.tei-c.org/ns/Examples"><p xmlns="http://www.tei-c.org/ns/1.0">'
    "tei</p></egXML>",
    '<p><formula><math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math></formula></p>',
    '<p><svg xmlns="http://www.w3.org/2000/svg"/></p>',
    '<figure><graphic url="a.png"/><svg xmlns="http://www.w3.org/2000/svg"/></figure>',
]


def test_foreign_namespaces_get_jings_verdicts(tmp_path: Path, tei_all: Path) -> None:
    require_command("java")
    paths = []
    for i, extra in enumerate(FOREIGN_CASES):
        path = tmp_path / f"doc{i}.xml"
        path.write_text(FOREIGN.format(extra=extra), encoding="utf-8")
        paths.append(path)
    jing = mutations.jing_first_errors(tei_all, paths)
    assert len({v is None for v in jing.values()}) == 2  # both verdicts are exercised
    schema = RelaxNG.compile(tei_all)
    mine = {str(p): not schema.validate(load(p, xinclude=False)) for p in paths}
    assert mine == {k: v is None for k, v in jing.items()}
