"""The schema store: checksums guard every use; names resolve to the right engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teikit.diagnostics import TeikitError, UsageError
from teikit.validation import schemas

from conftest import CASES
from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "validation"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    return tmp_path / "store"


def test_the_store_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                          ) -> None:
    monkeypatch.delenv("TEIKIT_SCHEMA_STORE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert schemas.store_dir() == tmp_path / "teikit" / "schemas"


def test_an_added_schema_is_returned_verified(store: Path) -> None:
    schemas.add("mini", DATA / "mini.xsd")
    assert schemas.stored_schema("mini").read_bytes() == (DATA / "mini.xsd").read_bytes()


def test_the_index_records_the_sha256(store: Path) -> None:
    schemas.add("mini", DATA / "mini.xsd")
    entry = json.loads((store / "index.json").read_text())["mini"]
    assert entry["sha256"] == schemas.sha256_of(DATA / "mini.xsd")


def test_a_tampered_schema_is_refused(store: Path) -> None:
    path = schemas.add("mini", DATA / "mini.xsd")
    path.write_text(path.read_text() + "<!-- changed -->")
    with pytest.raises(TeikitError, match="changed after it was stored"):
        schemas.stored_schema("mini")


def test_a_missing_schema_names_the_fetch_command(store: Path) -> None:
    with pytest.raises(TeikitError, match="teikit schemas fetch tei_all"):
        schemas.stored_schema("tei_all")


def test_fetch_refuses_a_file_with_the_wrong_checksum(store: Path) -> None:
    with pytest.raises(TeikitError, match="Refusing"):
        schemas.fetch("tei_all", DATA / "mini.rng")


def test_fetch_from_a_local_copy_of_tei_all(store: Path, tei_all: Path) -> None:
    schemas.fetch("tei_all", tei_all)
    assert schemas.sha256_of(schemas.stored_schema("tei_all")) == schemas.REGISTRY[
        "tei_all"].sha256


def test_list_shows_tei_all_missing_in_an_empty_store(store: Path) -> None:
    assert [(r["name"], r["state"]) for r in schemas.listing()] == [("tei_all", "missing")]


def test_add_refuses_compact_syntax(store: Path, tmp_path: Path) -> None:
    rnc = tmp_path / "g.rnc"
    rnc.write_text("start = empty\n")
    with pytest.raises(UsageError, match="trang"):
        schemas.add("g", rnc)


def test_add_refuses_a_profile_name(store: Path) -> None:
    with pytest.raises(UsageError):
        schemas.add("teikit", DATA / "mini.xsd")


def test_a_stored_name_validates_like_its_path(store: Path) -> None:
    from teikit.validation import validate

    schemas.add("mini", DATA / "mini.xsd")
    files = [DATA / "xsd-cases.xml"]
    by_name = validate(files, schemas=["mini"]).diagnostics
    by_path = validate(files, schemas=[str(DATA / "mini.xsd")]).diagnostics
    assert [(d.line, d.rule) for d in by_name] == [(d.line, d.rule) for d in by_path]


def test_names_and_paths_pick_engines() -> None:
    from teikit.validation.xsd import XSD

    engines = schemas.resolve([str(DATA / "mini.xsd"), "references"], None)
    assert [type(e) for e in engines] == [XSD, schemas.References]


def test_no_web_host_in_the_schema_module() -> None:
    source = Path(schemas.__file__).read_text()
    assert "http://" not in source.replace("http://relaxng.org", "").replace(
        "http://www.w3.org", "").replace("http://purl.oclc.org", "").replace(
        "http://www.ascc.net", "") and "https://" not in source


def test_fetch_of_a_stored_intact_schema_downloads_nothing(
        store: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = schemas.fetch("tei_all", tei_all)
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # a download attempt would now fail
    assert schemas.fetch("tei_all") == stored


CASE = CASES / "sch_ref-resolves" / "ref-resolves.xml"


def _rules(report: object) -> list[str]:
    return sorted(d.rule for d in report.errors)  # type: ignore[attr-defined]


def _with_pis(tmp_path: Path) -> Path:
    """The dangling-pointer case with xml-model PIs naming teikit's own rng and sch."""
    from teikit import resources

    pis = "".join(
        f'<?xml-model href="{resources.schema(name).as_uri()}" schematypens="{ns}"?>\n'
        for name, ns in (("teikit.rng", "http://relaxng.org/ns/structure/1.0"),
                         ("teikit.sch", "http://purl.oclc.org/dsdl/schematron")))
    text = CASE.read_text(encoding="utf-8").replace("?>\n", "?>\n" + pis, 1)
    path = tmp_path / "with-pis.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_profile_reports_a_dangling_pointer_once() -> None:
    from teikit.validation import validate

    assert _rules(validate([CASE], schemas=["teikit"])) == ["ref:unresolved"] * 2


def test_pis_naming_the_profile_report_a_dangling_pointer_once(tmp_path: Path) -> None:
    from teikit.validation import validate

    assert _rules(validate([_with_pis(tmp_path)])) == ["ref:unresolved"] * 2


def test_the_schematron_alone_still_checks_pointers() -> None:
    from teikit import resources
    from teikit.validation import validate

    report = validate([CASE], schemas=[str(resources.schema("teikit.sch"))])
    assert _rules(report) == ["sch:ref-resolves"] * 2
