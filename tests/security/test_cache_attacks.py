"""Nothing trusted that was not verified: a damaged or swapped cache entry is rebuilt
(never a wrong verdict), and a damaged schema store stops the run with a message and
exit 3 (never a traceback, never a verdict from a schema that is not the one stored)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.security.conftest import Attack, tei

INVALID = tei("<p><bogus>not TEI</bogus></p>")


def _validate(attack: Attack, cache: Path, *args: str) -> tuple[int, list[str]]:
    outcome = attack.run(
        "validate",
        "-q",
        *args,
        "doc.xml",
        env={"TEIKIT_CACHE_DIR": str(cache), "TEIKIT_NO_CACHE": "0"},
    )
    attack.assert_safe(outcome)
    return outcome.code, [r[2] for r in outcome.rules()]


def _grammars(cache: Path) -> list[Path]:
    return sorted(cache.glob("grammar-v*.marshal"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "swap"])
def test_a_tampered_grammar_cache_never_changes_the_verdict(
    attack: Attack, tmp_path: Path, tei_all: Path, damage: str
) -> None:
    cache = tmp_path / "cache"
    attack.write("doc.xml", INVALID)
    first = _validate(attack, cache, "--no-cache", "--schema", "tei_all")
    assert first[0] == 1 and any(r.startswith("rng:") for r in first[1]), first
    target = next(
        p
        for p in _grammars(cache)
        if p.name.endswith(f"-{tei_all.read_bytes() and _sha(tei_all)}.marshal")
    )
    if damage == "swap":  # a valid entry for another grammar under tei_all's name
        attack.write(
            "other.rng",
            '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
            '<start><element><anyName/><ref name="any"/></element></start>'
            '<define name="any"><zeroOrMore><choice><attribute><anyName/></attribute>'
            '<text/><element><anyName/><ref name="any"/></element></choice>'
            "</zeroOrMore></define></grammar>",
        )
        _validate(attack, cache, "--no-cache", "--schema", "other.rng")
        other = next(p for p in _grammars(cache) if p != target)
        shutil.copy(other, target)
    else:
        raw = bytearray(target.read_bytes())
        if damage == "flip":
            raw[len(raw) // 2] ^= 0xFF
        target.write_bytes(bytes(raw if damage == "flip" else raw[: len(raw) // 3]))
    assert _validate(attack, cache, "--no-cache", "--schema", "tei_all") == first


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_tampered_result_cache_entry_is_not_believed(attack: Attack, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    attack.write("doc.xml", tei('<p><ref target="#nobody">x</ref></p>'))
    first = _validate(attack, cache, "--schema", "references")
    entries = sorted((cache / "results").rglob("*.json"))
    assert first == (1, ["ref:unresolved"]) and len(entries) == 1
    text = entries[0].read_bytes().replace(b"ref:unresolved", b"ref:harmless-x")
    entries[0].write_bytes(text)  # the body changed, its checksum line did not
    assert _validate(attack, cache, "--schema", "references") == first


def test_a_damaged_schema_store_is_exit_3_with_a_message(attack: Attack, tmp_path: Path) -> None:
    home = tmp_path / "xdg"
    store = home / "teikit" / "schemas"
    store.mkdir(parents=True)
    (store / "index.json").write_text('{"tei_all": [1, 2')
    attack.write("doc.xml", tei())
    outcome = attack.run(
        "validate",
        "-q",
        "--schema",
        "tei_all",
        "doc.xml",
        env={"XDG_CACHE_HOME": str(home), "TEIKIT_CACHE_DIR": str(tmp_path / "c")},
    )
    attack.assert_safe(outcome)
    assert (outcome.code, "schema store" in outcome.stderr) == (3, True), outcome.output
