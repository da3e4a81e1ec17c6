"""Right by default on a project that is not ours (issue 11's done-when tests).

A file with oXygen's usual tei_all PIs is judged by the stored tei_all; a TEI file without
PIs is judged by tei_all plus the reference checks (not by teikit's narrow profile); every
report names the schemas and versions that judged each file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teikit.cli import main
from teikit.validation import fetching

from conftest import DATA as TEST_DATA
from helpers import jing

DATA = TEST_DATA
KINDS = sorted((DATA / "tei-kinds").glob("*.xml"))
RELEASE = "http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
#: The two lines oXygen's TEI templates put before the root element.
OXYGEN_PIS = (
    f'<?xml-model href="{RELEASE}" type="application/xml" '
    'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    f'<?xml-model href="{RELEASE}" type="application/xml"\n\t'
    'schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
)


@pytest.fixture(autouse=True)
def tmp_store(tmp_path: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store of this test's own holding tei_all 4.3.0 (copied, checksum-verified)."""
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    fetching.fetch("tei_all", source=tei_all)
    return tmp_path / "store"


def _with_pis(source: Path, folder: Path, change: tuple[str, str] | None = None) -> Path:
    text = source.read_text(encoding="utf-8")
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    head, sep, rest = text.partition("?>\n")
    out = folder / source.name
    out.write_text(head + sep + OXYGEN_PIS + rest, encoding="utf-8")
    return out


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["validate", "-q", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_an_invalid_file_with_oxygens_tei_all_pis_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _with_pis(
        DATA / "tei-kinds" / "poem.xml", tmp_path, ("<head>Rain</head>", "<head>Rain<oops/></head>")
    )
    code, report = _json(capsys, str(doc))
    rules = {
        d["rule"].partition(":")[0]
        for d in report["diagnostics"]  # type: ignore[attr-defined]
        if d["severity"] == "error"
    }
    assert (code, rules) == (1, {"rng"})


def test_a_valid_file_with_oxygens_tei_all_pis_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _with_pis(DATA / "tei-kinds" / "poem.xml", tmp_path)
    assert _json(capsys, str(doc))[0] == 0


def test_the_report_names_tei_all_and_its_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _with_pis(DATA / "tei-kinds" / "poem.xml", tmp_path)
    _, report = _json(capsys, str(doc))
    used = next(iter(report["schemas"].values()))  # type: ignore[attr-defined]
    assert {"name": "tei_all", "version": "4.3.0"} in used


def test_the_schematron_pi_runs_the_rules_embedded_in_tei_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tei_all's own constraint: a ptr takes @target or @cRef, not both (jing ignores it)."""
    doc = _with_pis(
        DATA / "tei-kinds" / "article.xml",
        tmp_path,
        ('<ptr target="#tab1"/>', '<ptr target="#tab1" cRef="t1"/>'),
    )
    code, report = _json(capsys, str(doc))
    rules = [d["rule"] for d in report["diagnostics"]]  # type: ignore[attr-defined]
    assert (code, [r for r in rules if r.startswith("sch:")]) == (
        1,
        ["sch:tei_all-ptr-ptrAtts-constraint-report-8"],
    )


def test_release_says_which_stored_version_stands_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _with_pis(DATA / "tei-kinds" / "poem.xml", tmp_path)
    _, report = _json(capsys, str(doc))
    infos = [
        d["message"]
        for d in report["diagnostics"]  # type: ignore[attr-defined]
        if d["rule"] == "schema:version"
    ]
    assert len(infos) == 1 and "tei_all@4.3.0" in infos[0]


@pytest.mark.parametrize(
    "href",
    [
        RELEASE,
        "https://tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng",
        "https://www.tei-c.org/Vault/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng",
        "http://www.tei-c.org/Vault/P5/4.3.0/xml/tei/custom/schema/relaxng/tei_all.rng",
        "https://vault.tei-c.org/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng",
        "https://vault.tei-c.org/P5/4.3.0/xml/tei/custom/schema/relaxng/tei_all.rng",
    ],
)
def test_every_tei_address_form_is_judged_by_the_stored_tei_all(
    href: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = DATA / "tei-kinds" / "poem.xml"
    text = source.read_text(encoding="utf-8").replace("<head>Rain</head>", "<head>R<oops/></head>")
    head, sep, rest = text.partition("?>\n")
    pi = f'<?xml-model href="{href}" schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    doc = tmp_path / "poem.xml"
    doc.write_text(head + sep + pi + rest, encoding="utf-8")
    code, report = _json(capsys, str(doc))
    diagnostics: list[dict[str, str]] = report["diagnostics"]  # type: ignore[assignment]
    used = next(iter(report["schemas"].values()))  # type: ignore[attr-defined]
    assert (code, [d["rule"] for d in diagnostics if d["severity"] == "error"], used[0]) == (
        1,
        ["rng:element-not-allowed"],
        {"name": "tei_all", "version": "4.3.0"},
    )


def test_jing_agrees_the_four_kinds_are_tei_valid(tei_all: Path, java: str) -> None:
    """The oracle: the letter, poem, play and article are valid TEI (one JVM run)."""
    assert jing.check(tei_all, KINDS) == {k: [] for k in KINDS}


@pytest.mark.parametrize("doc", KINDS, ids=lambda p: p.stem)
def test_a_tei_valid_file_without_pis_passes_validate(
    doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _json(capsys, str(doc))
    assert (code, report["diagnostics"]) == (0, [])


@pytest.mark.parametrize("doc", KINDS, ids=lambda p: p.stem)
def test_a_tei_valid_file_without_pis_is_published_by_build(doc: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert main(["build", str(doc), "-o", str(out), "-q"]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".epub", ".html", ".txt"]


def test_a_file_without_pis_is_judged_by_tei_all_and_the_references(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, report = _json(capsys, str(KINDS[0]))
    names = [u["name"] for u in next(iter(report["schemas"].values()))]  # type: ignore[attr-defined]
    assert names == ["tei_all", "references"]


def test_a_dangling_ref_fails_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    letter = DATA / "tei-kinds" / "letter.xml"
    broken = tmp_path / "letter.xml"
    broken.write_text(
        letter.read_text().replace('ref="#anna">Anna</persName>,', 'ref="#nobody">Anna</persName>,')
    )
    code, report = _json(capsys, str(broken))
    assert (code, [d["rule"] for d in report["diagnostics"]]) == (  # type: ignore[attr-defined]
        1,
        ["ref:unresolved"],
    )


def test_a_dangling_ref_stops_build(tmp_path: Path) -> None:
    letter = DATA / "tei-kinds" / "letter.xml"
    broken = tmp_path / "letter.xml"
    broken.write_text(
        letter.read_text().replace(
            'ref="#vienna">Wien</placeName>, wo', 'ref="#wien">Wien</placeName>, wo'
        )
    )
    out = tmp_path / "dist"
    assert (main(["build", str(broken), "-o", str(out), "-q"]), out.exists()) == (1, False)


def test_without_tei_all_in_the_store_the_default_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "empty"))
    code, report = _json(capsys, str(KINDS[0]))
    messages = [d["message"] for d in report["diagnostics"]]  # type: ignore[attr-defined]
    assert code == 2 and "'teikit schemas fetch tei_all'" in messages[0]


def test_the_result_cache_sees_a_newer_stored_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PI naming the newest release is judged by whatever is newest in the store *now*:
    storing a newer version must change the verdict of an unchanged, cached file."""
    from teikit.validation import store

    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TEIKIT_NO_CACHE", raising=False)
    doc = _with_pis(DATA / "tei-kinds" / "poem.xml", tmp_path)
    before = main(["validate", "-q", str(doc)])
    store.add("tei_all@4.9.0", DATA / "validation" / "mini.rng")  # allows text-only <p>
    after = main(["validate", "-q", str(doc)])
    assert (before, after) == (0, 1)


@pytest.mark.parametrize(
    ("locked", "used", "said"),
    [(True, "4.3.0", "the locked version"), (False, "4.9.0", "the newest stored version")],
    ids=["locked", "not-locked"],
)
def test_release_uses_the_locked_version_only_when_the_lock_names_one(
    tmp_path: Path,
    tmp_store: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    locked: bool,
    used: str,
    said: str,
) -> None:
    """A configured project whose lock says tei_all@4.3.0 keeps it when a newer one is
    stored; without that lock entry the newest stored one judges, and the info says so."""
    from teikit.validation import lock, store

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.teikit]\npaths = ["."]\n')
    if locked:
        entry = store.lookup(store.SchemaRef("tei_all", "4.3.0"))
        assert entry is not None
        lock.record(project, lock.Locked(entry.key, entry.sha256, entry.source))
    store.add("tei_all@4.9.0", DATA / "validation" / "mini.rng")
    monkeypatch.chdir(project)
    _, report = _json(capsys, str(_with_pis(DATA / "tei-kinds" / "poem.xml", project)))
    diagnostics: list[dict[str, str]] = report["diagnostics"]  # type: ignore[assignment]
    infos = [d["message"] for d in diagnostics if d["rule"] == "schema:version"]
    names = next(iter(report["schemas"].values()))  # type: ignore[attr-defined]
    assert ({"name": "tei_all", "version": used} in names, said in infos[0]) == (True, True)


JUDGED = "schemas: tei_all@4.3.0 (1 file), references@0.1.0 (1 file)"


@pytest.mark.parametrize("broken", [False, True], ids=["published", "refused"])
def test_build_says_what_judged_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: bool
) -> None:
    letter = DATA / "tei-kinds" / "letter.xml"
    doc = tmp_path / "letter.xml"
    text = letter.read_text(encoding="utf-8")
    doc.write_text(text.replace('ref="#anna"', 'ref="#nobody"', 1) if broken else text)
    code = main(["build", str(doc), "-o", str(tmp_path / "dist")])
    assert (code, JUDGED in capsys.readouterr().err) == (int(broken), True)


def test_a_folder_build_says_what_judged_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "corpus").mkdir()
    for name in ("letter.xml", "poem.xml"):
        (tmp_path / "corpus" / name).write_text((DATA / "tei-kinds" / name).read_text())
    code = main(["build", str(tmp_path / "corpus"), "-o", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert (code, "schemas: tei_all@4.3.0 (2 files), references@0.1.0 (2 files)" in err) == (
        0,
        True,
    )


def test_transform_validate_says_what_refused_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _with_pis(
        DATA / "tei-kinds" / "poem.xml", tmp_path, ("<head>Rain</head>", "<head>Rain<oops/></head>")
    )
    code = main(["transform", str(doc), "--to", "text", "--validate"])
    assert (code, "schemas: tei_all@4.3.0 (1 file)" in capsys.readouterr().err) == (1, True)
