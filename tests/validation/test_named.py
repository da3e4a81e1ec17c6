"""Schemas named for a run are resolved once per process, and again when what decided
them changes: a schema edited or deleted, the store gaining a version; documents' PIs are
still resolved per document, and the result cache still learns every file a plan used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from teikit.diagnostics import UsageError
from teikit.document import load
from teikit.loading import dependencies
from teikit.validation import named, schemas, store, validate
from teikit.validation.batch import validate_document

from conftest import DATA

MINI = DATA / "validation" / "mini.rng"
CLEAN = DATA / "validation" / "clean.xml"
#: mini.rng where a paragraph must be empty: clean.xml's "Hello." breaks it
EMPTY_P = MINI.read_text().replace('<element name="p"><text/>', '<element name="p"><empty/>')


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    shutil.copy(MINI, tmp_path / "mini.rng")
    shutil.copy(CLEAN, tmp_path / "clean.xml")
    return tmp_path


def _rules(path: Path, names: list[str] | None) -> list[str]:
    return [d.rule for d in validate([path], schemas=names).diagnostics]


def test_a_schema_edited_between_runs_judges_the_next_run(project: Path) -> None:
    schema = project / "mini.rng"
    assert _rules(project / "clean.xml", [str(schema)]) == []
    schema.write_text(EMPTY_P)
    assert _rules(project / "clean.xml", [str(schema)]) != []


def test_a_schema_replaced_by_another_file_is_used(project: Path) -> None:
    schema = project / "mini.rng"
    first = schemas.plan([str(schema)], None)
    (project / "other.rng").write_text(EMPTY_P)
    (project / "other.rng").replace(schema)
    second = schemas.plan([str(schema)], None)
    assert first.engines[0] is not second.engines[0]
    assert first.schemas != second.schemas  # named with the new bytes' hash


def test_a_deleted_schema_is_an_error_again(project: Path) -> None:
    schema = project / "mini.rng"
    schemas.plan([str(schema)], None)
    schema.unlink()
    with pytest.raises(UsageError, match="no such file"):
        schemas.plan([str(schema)], None)


def test_a_version_added_to_the_store_is_found(project: Path) -> None:
    store.add("mini@0.9", project / "mini.rng")
    missing = schemas.plan(["mini@1.0"], None)
    assert missing.unavailable and not missing.engines
    store.add("mini@1.0", project / "mini.rng")
    found = schemas.plan(["mini@1.0"], None)
    assert not found.unavailable and [str(s) for s in found.schemas] == ["mini@1.0"]


def test_one_plan_serves_many_documents_and_callers_cannot_change_it(project: Path) -> None:
    schema = str(project / "mini.rng")
    first = schemas.plan([schema], None)
    first.engines.clear()
    first.schemas.clear()
    second = schemas.plan([schema], None)
    assert second.engines and second.schemas
    assert schemas.plan([schema], None).engines[0] is second.engines[0]


def test_the_cache_learns_a_remembered_plans_schema_for_each_document(project: Path) -> None:
    doc = load(project / "clean.xml")
    schema = str(project / "mini.rng")
    validate_document(doc, [schema])  # the plan is remembered from here on
    for _ in range(2):
        with dependencies() as found:
            validate_document(doc, [schema])
        assert (project / "mini.rng").resolve() in found


def test_documents_naming_other_schemas_by_pi_are_each_judged_by_their_own(
    project: Path,
) -> None:
    (project / "empty-p.rng").write_text(EMPTY_P)
    text = CLEAN.read_text()
    pi = '<?xml-model href="{}" schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    for name, schema in (("a.xml", "mini.rng"), ("b.xml", "empty-p.rng")):
        (project / name).write_text(text.replace("\n", "\n" + pi.format(schema), 1))
    report = validate([project / "a.xml", project / "b.xml"])
    assert {d.file for d in report.diagnostics if d.rule.startswith("rng:")} == {"b.xml"}
    assert [s.name for s in report.schemas["a.xml"]][0] == "mini.rng"
    assert [s.name for s in report.schemas["b.xml"]][0] == "empty-p.rng"


def test_within_one_run_a_check_serves_a_chunk_of_documents(project: Path) -> None:
    schema = str(project / "mini.rng")
    run = object()
    with named.Batch(run):
        first = schemas.plan([schema], None).engines[0]
    (project / "other.rng").write_text(EMPTY_P)
    (project / "other.rng").replace(project / "mini.rng")
    with named.Batch(run):
        seen = [schemas.plan([schema], None).engines[0] for _ in range(named.CHECK_EVERY + 1)]
    assert seen[0] is first
    assert seen[-1] is not first


def test_a_new_run_checks_the_schemas_at_its_first_document(project: Path) -> None:
    schema = str(project / "mini.rng")
    with named.Batch(object()):
        first = schemas.plan([schema], None).engines[0]
    (project / "other.rng").write_text(EMPTY_P)
    (project / "other.rng").replace(project / "mini.rng")
    with named.Batch(object()):
        assert schemas.plan([schema], None).engines[0] is not first
