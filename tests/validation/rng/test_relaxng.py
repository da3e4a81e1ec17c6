"""The RelaxNG engine: reduced grammars, rule codes and jing-like error locations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from teikit.document import load
from teikit.validation.rng import grammar
from teikit.validation.rng.relaxng import RelaxNG

from conftest import CASES, DATA

DOC = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>
<title>t</title></titleStmt><publicationStmt><p>p</p></publicationStmt><sourceDesc>
<p>s</p></sourceDesc></fileDesc></teiHeader><text><body>
{body}
</body></text></TEI>
"""


def _errors(tmp_path: Path, tei_all: Path, body: str) -> list:
    path = tmp_path / "doc.xml"
    path.write_text(DOC.format(body=body), encoding="utf-8")
    return RelaxNG.compile(tei_all).validate(load(path))


def test_a_valid_document_has_no_diagnostics(tmp_path: Path, tei_all: Path) -> None:
    assert _errors(tmp_path, tei_all, "<p>fine</p>") == []


def test_an_unknown_element_is_named_on_its_own_line(tmp_path: Path, tei_all: Path) -> None:
    found = _errors(tmp_path, tei_all, "<p>a</p>\n<p><bogus/></p>")
    assert [(d.rule, d.line) for d in found] == [("rng:element-not-allowed", 5)]
    assert "<bogus>" in found[0].message and "<p> may contain" in found[0].message


def test_a_missing_child_is_reported_at_the_end_tag(tmp_path: Path, tei_all: Path) -> None:
    found = _errors(tmp_path, tei_all, "<sp>\n</sp>")
    assert [(d.rule, d.line) for d in found] == [("rng:element-missing", 5)]


def test_a_bad_attribute_value_is_at_the_start_tag(tmp_path: Path, tei_all: Path) -> None:
    found = _errors(tmp_path, tei_all, '<p>\n<date when="yesterday">x</date></p>')
    assert [d.line for d in found] == [5]
    assert found[0].rule.startswith("rng:")
    assert found[0].xpath.endswith("tei:date[1]")


def test_the_same_schema_compiles_once_per_process(tei_all: Path) -> None:
    assert RelaxNG.compile(tei_all) is RelaxNG.compile(tei_all)


def test_tei_all_is_indexed_as_reducible(tei_all: Path) -> None:
    assert RelaxNG.compile(tei_all).reducible


def test_the_indexed_grammar_is_cached_on_disk_by_hash(
    tmp_path: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path))
    data = tei_all.read_bytes()
    grammar.index(data, "abc123", str(tei_all))
    assert [p.name for p in tmp_path.iterdir()] == [
        f"grammar-v{grammar.CACHE_VERSION}-abc123.marshal"
    ]


MINIMAL = frozenset(
    "{http://www.tei-c.org/ns/1.0}" + n
    for n in (
        "TEI",
        "teiHeader",
        "fileDesc",
        "titleStmt",
        "title",
        "publicationStmt",
        "p",
        "sourceDesc",
        "text",
        "body",
    )
)


def test_a_reduced_grammar_leaves_out_absent_elements(tei_all: Path) -> None:
    g = grammar.index(tei_all.read_bytes(), "t", str(tei_all))
    reduced = g.reduced(MINIMAL)
    assert reduced.count(b"<element name=") == len(MINIMAL)  # the full grammar has 593


def test_a_reduced_grammar_has_no_notallowed_left(tei_all: Path) -> None:
    g = grammar.index(tei_all.read_bytes(), "t", str(tei_all))
    assert b"notAllowed" not in g.reduced(MINIMAL)


def test_a_document_element_that_needs_absent_children_matches_nothing(tei_all: Path) -> None:
    g = grammar.index(tei_all.read_bytes(), "t", str(tei_all))
    reduced = g.reduced(frozenset({"{http://www.tei-c.org/ns/1.0}TEI"}))
    assert b"<element" not in reduced and b"<notAllowed/></start>" in reduced


def test_a_schema_with_include_is_compiled_whole(tmp_path: Path) -> None:
    inner = tmp_path / "inner.rng"
    inner.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element '
        'name="a"><empty/></element></start></grammar>',
        encoding="utf-8",
    )
    outer = tmp_path / "outer.rng"
    outer.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include '
        'href="inner.rng"/></grammar>',
        encoding="utf-8",
    )
    assert not RelaxNG.compile(outer).reducible


RNG_DATA = DATA / "relaxng"


def test_a_start_with_an_inline_element_and_no_defines_validates() -> None:
    engine = RelaxNG.compile(RNG_DATA / "inline-start.rng")
    assert engine.validate(load(RNG_DATA / "inline-start.xml")) == []


def test_an_invalid_document_against_an_inline_start_gets_libxml2s_report() -> None:
    found = RelaxNG.compile(RNG_DATA / "inline-start.rng").validate(
        load(RNG_DATA / "nested-lists.xml")
    )
    assert [d.rule for d in found] == ["rng:element-not-allowed"]


def test_a_group_before_attributes_in_a_recursive_element_compiles() -> None:
    # Plain libxml2 (xmllint, lxml) never returns from compiling this grammar; the
    # reduced grammar splices the group away. A subprocess turns a hang into a failure.
    code = (
        "from teikit.document import load\n"
        "from teikit.validation.rng.relaxng import RelaxNG\n"
        f"e = RelaxNG.compile({str(RNG_DATA / 'group-before-attributes.rng')!r})\n"
        f"print(len(e.validate(load({str(RNG_DATA / 'nested-lists.xml')!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0", done.stderr


def test_an_element_that_can_only_contain_itself_matches_nothing() -> None:
    found = RelaxNG.compile(RNG_DATA / "group-before-attributes.rng").validate(
        load(RNG_DATA / "loop.xml")
    )
    assert [(d.rule, d.line) for d in found] == [("rng:element-missing", 2)]


def test_a_grammar_reduced_for_attributes_keeps_only_those(tei_all: Path) -> None:
    g = grammar.index(tei_all.read_bytes(), "t", str(tei_all))
    reduced = g.reduced(MINIMAL, frozenset({"n"}))
    assert b'attribute name="n"' in reduced and b'attribute name="rend"' not in reduced


def test_an_attribute_no_earlier_document_used_is_still_checked(
    tmp_path: Path, tei_all: Path
) -> None:
    assert _errors(tmp_path, tei_all, "<p>plain</p>") == []
    assert _errors(tmp_path, tei_all, '<p rend="bold">styled</p>') == []
    found = _errors(tmp_path, tei_all, '<p\n bogus="1">odd</p>')
    assert [(d.rule, d.line) for d in found] == [("rng:attribute-not-allowed", 5)]


def test_announced_documents_cost_one_compile(tmp_path: Path, tei_all: Path) -> None:
    copy = tmp_path / "tei_all.rng"  # a fresh engine, with nothing compiled yet
    copy.write_bytes(tei_all.read_bytes())
    engine = RelaxNG.compile(copy)
    docs = []
    for i, body in enumerate(["<p>a</p>", "<lg><l>b</l></lg>", '<div><p n="1">c</p></div>']):
        path = tmp_path / f"d{i}.xml"
        path.write_text(DOC.format(body=body), encoding="utf-8")
        docs.append(load(path))
    engine.expect(docs)
    assert [engine.validate(d) for d in docs] == [[], [], []]
    assert len(engine._reduced) == 1


def test_an_empty_list_is_missing_content_at_its_end_tag(tmp_path: Path, tei_all: Path) -> None:
    found = _errors(tmp_path, tei_all, '<list type="simple">\n</list>')
    assert [(d.rule, d.line) for d in found] == [("rng:element-missing", 5)]


def test_a_missing_required_attribute_is_named_without_a_content_error(
    tmp_path: Path, tei_all: Path
) -> None:
    found = _errors(tmp_path, tei_all, "<p>a <figure>\n<graphic/></figure></p>")
    assert [(d.rule, d.line) for d in found] == [("rng:attribute-missing", 5)]
    assert found[0].message == "<graphic> needs the attribute @url."


def test_a_value_outside_a_closed_list_names_the_allowed_values() -> None:
    from teikit import resources

    doc = load(CASES / "rng_value-invalid" / "div-type-unknown.xml")
    (found,) = RelaxNG.compile(resources.schema("teikit.rng")).validate(doc)
    assert found.rule == "rng:value-invalid"
    assert '"part"' in found.message and '"section"' in found.message


def test_a_report_does_not_depend_on_what_the_process_validated_before() -> None:
    """The engine keeps a widening grammar per process; the wording must not follow it."""
    from teikit import resources

    engine = RelaxNG.compile(resources.schema("teikit.rng"))
    case = CASES / "rng_attribute-missing" / "persName-without-ref.xml"
    alone = subprocess.run(
        [sys.executable, "-m", "teikit.cli", "validate", "-q", "--schema", "teikit", str(case)],
        capture_output=True,
        text=True,
    ).stdout
    for other in sorted((CASES / "valid").glob("*.xml")):
        engine.validate(load(other))
    after = [str(d) for d in engine.validate(load(case))]
    assert after and all(line in alone for line in after)


def test_reductions_that_share_work_equal_fresh_ones(tei_all: Path) -> None:
    """A grammar's reductions reuse each define's simplified body and the last
    productive set (names that only grow): the bytes must be those of a reduction
    made from nothing, whatever came before (wider, narrower, attributes or not)."""
    data = tei_all.read_bytes()
    shared = grammar.index(data, "t", str(tei_all))
    tei = "{http://www.tei-c.org/ns/1.0}"
    names = [f"{tei}{n}" for n in ("p", "lg", "l", "div", "head", "sp", "speaker", "stage")]
    sets = [frozenset(names[:k]) | MINIMAL for k in (1, 3, 8, 2, 8)]
    for present, attrs in [(s, a) for s in sets for a in (None, frozenset({"n"}))]:
        fresh = grammar.index(data, "t", str(tei_all))
        assert shared.reduced(present, attrs) == fresh.reduced(present, attrs)


def test_a_run_of_invalid_documents_gives_each_one_its_own_report(
    tmp_path: Path, tei_all: Path
) -> None:
    """After enough invalid documents the engine walks before libxml2 checks: each
    report is still the one a fresh engine gives that document alone, and a valid
    document among them is still valid."""
    bodies = ['<p>a<bogus n="{i}"/></p>', "<p>b</p><head>h{i}</head>", '<date when="x{i}">d</date>']
    paths = []
    for i in range(12):
        path = tmp_path / f"d{i}.xml"
        body = "<p>fine</p>" if i == 9 else bodies[i % 3].format(i=i)
        path.write_text(DOC.format(body=body), encoding="utf-8")
        paths.append(path)
    run = RelaxNG._build(tei_all, tei_all.read_bytes())
    together = [run.validate(load(p)) for p in paths]
    alone = [RelaxNG._build(tei_all, tei_all.read_bytes()).validate(load(p)) for p in paths]
    assert together == alone
    assert together[9] == [] and all(together[i] for i in range(12) if i != 9)
    # it measured walks and failed checks, what its bet between them weighs
    assert run._walks.value is not None and run._fails.value is not None


def test_a_folder_s_last_verdict_decides_what_runs_first(tmp_path: Path, tei_all: Path) -> None:
    """After an invalid document, the next one from the same folder is walked before
    libxml2 checks it, however rare invalid documents have been in the run; after a
    valid one it is checked first. The reports are the ones a fresh engine gives."""

    def doc(folder: str, name: str, body: str) -> Path:
        path = tmp_path / folder / f"{name}.xml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(DOC.format(body=body), encoding="utf-8")
        return path

    run = RelaxNG._build(tei_all, tei_all.read_bytes())
    checks: list[Path | None] = []
    check = run._check
    current: list[Path | None] = [None]

    def counted(schema: object, target: object) -> object:
        checks.append(current[0])
        return check(schema, target)  # type: ignore[arg-type]

    run._check = counted  # type: ignore[assignment,method-assign]

    def validate(path: Path) -> list:
        current[0] = path
        return run.validate(load(path))

    for i in range(30):  # the run's odds: valid documents, by far
        assert validate(doc("fine", f"v{i}", f"<p>fine {i}</p>")) == []
    first = doc("broken", "b0", "<p>a<bogus/></p>")
    second = doc("broken", "b1", "<p>b<bogus/></p>")
    valid = doc("broken", "b2", "<p>fine</p>")
    after_valid = doc("broken", "b3", "<p>c<bogus/></p>")
    reports = [validate(p) for p in (first, second, valid, after_valid)]
    assert first in checks  # nothing known of its folder: the odds say check first
    assert second not in checks  # its neighbour was invalid: walked, and that decided
    assert valid in checks  # walked first, found nothing: libxml2 decides
    assert after_valid in checks  # its neighbour was valid: checked first
    fresh = [
        RelaxNG._build(tei_all, tei_all.read_bytes()).validate(load(p))
        for p in (first, second, valid, after_valid)
    ]
    assert reports == fresh and reports[2] == [] and all(reports[i] for i in (0, 1, 3))


def test_values_the_walk_doubts_are_judged_through_a_grammar_that_covers_the_document(
    tmp_path: Path, tei_all: Path
) -> None:
    """A document walked first whose only faults are values goes to libxml2 for the
    verdict; through the widest grammar compiled so far, which lacks @rend on <p>,
    libxml2 would fail at every paragraph (16,682 errors and 10-20 s on a FreeDict
    file with one empty value). It is checked through a grammar that covers it."""
    run = RelaxNG._build(tei_all, tei_all.read_bytes())
    counts: list[int] = []
    check = run._check

    def counted(schema, target):  # type: ignore[no-untyped-def]
        found = check(schema, target)
        counts.append(len(found or []))
        return found

    run._check = counted  # type: ignore[method-assign]
    bodies = ["<p>plain</p>", "<p>x<bogus/></p>"]  # a valid one (the widest grammar), then
    bodies.append(  # an invalid one, so its folder's next document is walked first
        '<p rend="b">i</p>' * 60 + '<p><date when="10 July 1843">d</date></p>'
    )
    found = []
    for i, body in enumerate(bodies):
        path = tmp_path / f"d{i}.xml"
        path.write_text(DOC.format(body=body), encoding="utf-8")
        found.append(run.validate(load(path)))
    assert [d.rule for d in found[2]] == ["rng:value-invalid"]
    assert max(counts) < 60, counts


def test_a_large_file_is_checked_through_a_grammar_lacking_its_names_at_most_once(
    tmp_path: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the widest grammar so far, which lacks @rend on <p>, a valid file would
    fail at every paragraph (the valid 2.5 MB FreeDict oci-cat after the smaller
    dictionaries: 16,679 errors, 12 s of CPU) before a covering grammar is compiled.
    A large file's names are gathered first when it is the first of its folder, and
    for every large file once one of the run has failed that way."""
    from teikit.validation.rng import usage

    monkeypatch.setattr(usage, "LARGE_BYTES", 1_000)
    run = RelaxNG._build(tei_all, tei_all.read_bytes())
    counts: dict[str, list[int]] = {}
    check = run._check

    def counted(schema, target):  # type: ignore[no-untyped-def]
        found = check(schema, target)
        counts.setdefault(Path(target.docinfo.URL).stem, []).append(len(found or []))
        return found

    run._check = counted  # type: ignore[method-assign]
    files = [
        ("a", "small", "<p>plain</p>"),
        ("b", "first-of-its-folder", '<p rend="b">i</p>' * 60),
        ("a", "after-a-small-one", '<p><hi rend="b">i</hi></p>' * 60),
        ("a", "after-a-miss", '<p n="1">i</p>' * 60),
    ]
    for folder, name, body in files:
        path = tmp_path / folder / f"{name}.xml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(DOC.format(body=body), encoding="utf-8")
        assert run.validate(load(path)) == []
    assert max(counts["first-of-its-folder"]) < 60, counts
    assert max(counts["after-a-small-one"]) >= 60, counts  # the one miss, paid once
    assert max(counts["after-a-miss"]) < 60, counts
