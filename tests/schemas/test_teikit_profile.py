"""The teikit profile: RelaxNG and XSD agree, it is a strict subset of tei_all, the ODD
documents it, and the edition satisfies all three of its schemas.

Verdicts come from the validators themselves (lxml/libxml2 for RelaxNG, xmlschema for
XSD, jing as the independent oracle for tei_all), not from teikit's engines, so a bug
in an engine cannot make the profile look right.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from conftest import CASES, EDITION, ROOT, missing, require_command
from helpers import jing

SCHEMAS = ROOT / "schemas"
RNG_NS = "http://relaxng.org/ns/structure/1.0"
TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
N = {"rng": RNG_NS, "tei": TEI_NS}


def _profile_case(xml: Path) -> bool:
    """A golden case meant for the teikit grammar (other engineers' cases in valid/
    that name other schemas, e.g. ``references``, are not)."""
    listing = xml.with_suffix(".schemas")
    if not listing.is_file():
        return True
    names = listing.read_text().split()
    return any(n in ("teikit", "teikit-xsd") for n in names)


def _cases(pattern: str) -> list[Path]:
    """The inputs of the golden cases whose expectation files match ``pattern`` (an
    input may have one expectation per engine: ``NAME.teikit-xsd.expected``), but not
    cases written for a schema file of their own folder."""
    found = set()
    for expected in CASES.glob(pattern):
        name, _, label = expected.name[: -len(".expected")].partition(".")
        if (
            label
            and (expected.parent / label).is_file()
            or (expected.parent.name == "rng_duplicate-id")
        ):
            continue  # own schema; or a duplicate xml:id, which lxml's parse() refuses
        xml = expected.parent / f"{name}.xml"
        if _profile_case(xml):
            found.add(xml)
    return sorted(found)


VALID = _cases("valid/*.expected")
GRAMMAR_INVALID = _cases("rng_*/*.expected") + _cases("xsd_*/*.expected")
SCH = _cases("sch_*/*.expected")
#: Schematron cases that break the grammar as well (the grammar types the attribute).
SCH_ALSO_GRAMMAR = {"date-iso"}


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.stem}"


@cache
def _rng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "teikit.rng")))


@cache
def _xsd():  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema10(str(SCHEMAS / "teikit.xsd"))


def _rng_ok(path: Path) -> bool:
    return bool(_rng().validate(etree.parse(str(path))))


def _xsd_ok(path: Path) -> bool:
    return bool(_xsd().is_valid(etree.parse(str(path))))


def test_there_are_at_least_30_valid_and_30_invalid_cases() -> None:
    assert len(VALID) >= 30 and len(GRAMMAR_INVALID) + len(SCH) >= 30


@pytest.mark.parametrize("case", VALID + GRAMMAR_INVALID + SCH, ids=_id)
def test_rng_and_xsd_give_the_same_verdict(case: Path) -> None:
    assert _rng_ok(case) == _xsd_ok(case)


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_valid_case_is_valid_under_the_profile_grammar(case: Path) -> None:
    assert _rng_ok(case), str(_rng().error_log)


@pytest.mark.parametrize("case", GRAMMAR_INVALID, ids=_id)
def test_grammar_case_is_refused_by_the_profile_grammar(case: Path) -> None:
    assert not _rng_ok(case)


@pytest.mark.parametrize("case", [c for c in SCH if c.stem not in SCH_ALSO_GRAMMAR], ids=_id)
def test_schematron_case_passes_the_grammar(case: Path) -> None:
    """A sch_* case shows what only Schematron can see."""
    assert _rng_ok(case), str(_rng().error_log)


def test_every_valid_case_is_valid_under_tei_all(tei_all: Path) -> None:
    """The profile is a subset of TEI: jing (the reference validator) agrees."""
    errors = jing.check(tei_all, VALID)
    assert {f.name: e for f, e in errors.items() if e} == {}


#: Grammar cases the profile refuses but TEI accepts: the profile is narrower.
NARROWER = [
    "persName-without-ref",
    "placeName-without-ref",
    "orgName-without-ref",
    "div-type-unknown",
    "idno-type-unknown",
    "milestone-unit-unknown",
    "tei-without-lang",
    "header-without-encodingDesc",
    "pb-n-roman",
    "ref-not-a-local-pointer",
    "div-without-id",
    "hi-without-rend",
]


def test_tei_all_accepts_what_the_profile_refuses(tei_all: Path) -> None:
    cases = [c for c in _cases("rng_*/*.expected") if c.stem in NARROWER]
    assert len(cases) == len(NARROWER)
    errors = jing.check(tei_all, cases)
    assert {f.name: e for f, e in errors.items() if e} == {}


def test_the_edition_is_valid_under_teikit_rng() -> None:
    if not EDITION.is_file():
        missing(str(EDITION))
    assert _rng_ok(EDITION), str(_rng().error_log)


def test_the_edition_is_valid_under_teikit_xsd() -> None:
    if not EDITION.is_file():
        missing(str(EDITION))
    assert [str(e) for e in _xsd().iter_errors(etree.parse(str(EDITION)))] == []


def test_the_edition_has_no_schematron_errors() -> None:
    import teikit
    from teikit.validation.schematron import Schematron

    if not EDITION.is_file():
        missing(str(EDITION))
    found = Schematron.compile(SCHEMAS / "teikit.sch").validate(teikit.load(EDITION))
    assert [str(d) for d in found if d.severity.value == "error"] == []


def test_the_committed_grammars_are_what_trang_makes_of_teikit_rnc() -> None:
    require_command("java")
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        env=jing.java_env(),  # trang, twice, on one small grammar
    )
    assert run.returncode == 0, run.stderr


def test_the_xsd_imports_only_local_files() -> None:
    imports = etree.parse(str(SCHEMAS / "teikit.xsd")).xpath(
        "//xs:import/@schemaLocation", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}
    )
    assert imports and all((SCHEMAS / loc).is_file() for loc in imports)


# --- the ODD documents the grammar ---------------------------------------------------


@cache
def _grammar() -> etree._ElementTree:
    return etree.parse(str(SCHEMAS / "teikit.rng"))


def _rng_elements() -> set[str]:
    return set(_grammar().xpath("//rng:element/@name", namespaces=N))


@cache
def _odd() -> etree._ElementTree:
    return etree.parse(str(SCHEMAS / "teikit.odd"))


def _odd_elements() -> set[str]:
    included = {
        name
        for ref in _odd().xpath("//tei:schemaSpec/tei:moduleRef[@include]", namespaces=N)
        for name in ref.get("include", "").split()
    }
    specs = set(
        _odd().xpath("//tei:schemaSpec/tei:elementSpec[@mode != 'delete']/@ident", namespaces=N)
    )
    return included | specs


def test_the_odd_is_a_tei_schema_specification() -> None:
    spec = _odd().xpath("//tei:schemaSpec", namespaces=N)
    assert len(spec) == 1 and spec[0].get("ident") == "teikit" and spec[0].get("start") == "TEI"


def test_the_odd_includes_exactly_the_elements_the_rng_allows() -> None:
    assert _odd_elements() == _rng_elements()


def test_every_element_spec_explains_its_choice() -> None:
    specs = _odd().xpath("//tei:schemaSpec/tei:elementSpec", namespaces=N)
    unexplained = [
        s.get("ident")
        for s in specs
        if not s.xpath("normalize-space(.//tei:remarks)", namespaces=N)
    ]
    assert specs and unexplained == []


def _rng_values(element: str, attribute: str) -> set[str]:
    """Every value the RNG allows for ``element/@attribute`` (following refs)."""
    defines = {d.get("name"): d for d in _grammar().xpath("//rng:define", namespaces=N)}
    found: set[str] = set()

    def walk(node: etree._Element, seen: frozenset[str]) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local == "element":
                continue
            if local == "ref" and child.get("name") not in seen:
                walk(defines[child.get("name")], seen | {child.get("name", "")})
            elif local == "attribute":
                name = child.get("name", "")
                if name == attribute or name == attribute.replace("xml:", ""):
                    found.update(v.text or "" for v in child.iter(f"{{{RNG_NS}}}value"))
            else:
                walk(child, seen)

    for el in _grammar().xpath("//rng:element[@name = $n]", namespaces=N, n=element):
        walk(el, frozenset())
    return found


def _closed_lists() -> list[tuple[str, str, set[str]]]:
    rows = []
    for val_list in _odd().xpath(
        "//tei:elementSpec//tei:attDef/tei:valList[@type='closed']", namespaces=N
    ):
        att = val_list.getparent()
        spec = att.xpath("ancestor::tei:elementSpec[1]", namespaces=N)[0]
        values = set(val_list.xpath("tei:valItem/@ident", namespaces=N))
        rows.append((spec.get("ident"), att.get("ident"), values))
    return rows


@pytest.mark.parametrize(
    "element,attribute,values", _closed_lists(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_closed_list_of_the_odd_is_the_rng_choice(
    element: str, attribute: str, values: set[str]
) -> None:
    assert values == _rng_values(element, attribute)


def test_the_odd_closes_the_lists_the_issue_names() -> None:
    closed = {(e, a) for e, a, _ in _closed_lists()}
    assert {
        ("div", "type"),
        ("title", "type"),
        ("idno", "type"),
        ("list", "type"),
        ("milestone", "unit"),
    } <= closed


# --- Schematron rules have cases -------------------------------------------------------

#: Assertions without a golden folder, and why.
SCH_WITHOUT_FOLDER: dict[str, str] = {}  # pb-integer: sch_pb-integer (under tei_all)


def test_every_schematron_assertion_has_a_golden_folder() -> None:
    ids = set(
        etree.parse(str(SCHEMAS / "teikit.sch")).xpath(
            "//sch:assert/@id | //sch:report/@id",
            namespaces={"sch": "http://purl.oclc.org/dsdl/schematron"},
        )
    )
    folders = {p.name.removeprefix("sch_") for p in CASES.glob("sch_*")}
    assert ids - folders == set(SCH_WITHOUT_FOLDER)


# --- What issue 15 added to the profile ------------------------------------------------

#: Constructs the profile gained for the edition (labelled lists, indirect references, life
#: dates, typed entities, certainty, status, page-source pointers, name parts, sources of
#: quotations, a note in the source description). The edition uses each one, so the tei_all
#: test of the edition (tests/edition) proves each stays inside TEI.
ADDED = [
    "//tei:list/tei:label",
    "//tei:rs[@type][@ref]",
    "//tei:person/tei:birth[@when]",
    "//tei:person/tei:death[@when]",
    "//tei:org[@type]",
    "//tei:place[@type]",
    "//tei:corr[@cert]",
    "//tei:change[@status]",
    "//tei:pb[@edRef]",
    "//tei:author/tei:persName/tei:forename",
    "//tei:author/tei:persName/tei:surname",
    "//tei:quote[@source]",
    "//tei:biblStruct/tei:note",
    "//tei:listBibl/tei:bibl/tei:note",
    "//tei:publicationStmt/tei:idno[@type='local']",
]


@pytest.mark.parametrize("xpath", ADDED)
def test_the_edition_uses_each_construct_the_profile_added(xpath: str) -> None:
    assert etree.parse(str(EDITION)).xpath(xpath, namespaces=N), xpath


def _edition_changed(xpath: str, change: str) -> etree._ElementTree:
    """The edition with one element changed: "drop" it, "untype" it, or "misvalue" its
    attribute value (the first of cert/type on it) to one no closed list has."""
    tree = etree.parse(str(EDITION))
    element = tree.xpath(xpath, namespaces=N)[0]
    if change == "drop":
        element.getparent().remove(element)
    elif change == "untype":
        del element.attrib["type"]
    else:
        name = "cert" if "cert" in element.attrib else "type"
        element.set(name, "not-in-the-list")
    return tree


#: (what, xpath of the element, change): documents the profile must refuse.
REFUSED = [
    ("a labelled list with an unlabelled item", "//tei:div[@xml:id='part-5']//tei:label", "drop"),
    ("an indirect reference without @type", "//tei:rs", "untype"),
    ("a correction with an unknown certainty", "//tei:corr[@cert]", "misvalue"),
    ("an organisation of an unknown type", "//tei:org[@type]", "misvalue"),
    ("a place of an unknown type", "//tei:place[@type]", "misvalue"),
]


@pytest.mark.parametrize(("what", "xpath", "change"), REFUSED, ids=[r[0] for r in REFUSED])
def test_both_grammars_refuse_a_misuse_of_the_additions(what: str, xpath: str, change: str) -> None:
    tree = _edition_changed(xpath, change)
    assert not _rng().validate(tree), what
    assert not _xsd().is_valid(tree), what


def test_a_label_outside_a_list_is_refused() -> None:
    tree = etree.parse(str(EDITION))
    (p,) = tree.xpath("//tei:p[@xml:id='p-1']", namespaces=N)
    label = etree.SubElement(p, f"{{{TEI_NS}}}label")
    label.text = "1."
    assert not _rng().validate(tree) and not _xsd().is_valid(tree)
