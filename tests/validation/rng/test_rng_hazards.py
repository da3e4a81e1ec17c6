"""The libxml2 loop shape is refused before libxml2 compiles a schema whole; shapes that
libxml2 compiles are not (each variant's verdict was measured with xmllint: the
refused ones never finish, the others compile at once)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from teikit.diagnostics import TeikitError
from teikit.validation.rng import RelaxNG
from teikit.validation.rng.hazards import loop_shape

from conftest import ROOT

SOURCE = ROOT / "tests" / "data" / "relaxng" / "group-before-attributes.rng"
GROUP = (
    """      <group>
        <empty/>
        <choice>
          <oneOrMore><choice><ref name="item"/><ref name="list"/><ref name="absent"/>"""
    """</choice></oneOrMore>
        </choice>
      </group>"""
)

#: group content → whether xmllint (libxml2 2.14) loops on it.
VARIANTS = {
    "<empty/><choice><oneOrMore><ref name='list'/></oneOrMore></choice>": True,
    "<choice><oneOrMore><ref name='list'/></oneOrMore></choice>": True,
    "<empty/><ref name='list'/>": True,
    "<oneOrMore><choice><ref name='item'/><ref name='list'/></choice></oneOrMore>": True,
    "<zeroOrMore><ref name='item'/></zeroOrMore><ref name='list'/>": False,
    "<ref name='item'/><zeroOrMore><ref name='list'/></zeroOrMore>": False,
    "<empty/><ref name='item'/>": False,  # no recursion through the group
}


def _variant(tmp_path: Path, inner: str) -> Path:
    text = SOURCE.read_text(encoding="utf-8")
    assert GROUP in text
    path = tmp_path / "v.rng"
    path.write_text(text.replace(GROUP, f"<group>{inner}</group>"), encoding="utf-8")
    return path


@pytest.mark.parametrize("inner", sorted(VARIANTS))
def test_the_shape_is_told_from_its_harmless_neighbours(tmp_path: Path, inner: str) -> None:
    path = _variant(tmp_path, inner)
    assert (loop_shape(path, path.read_bytes()) == "list") is VARIANTS[inner]


def test_tei_all_has_no_loop_shape(tei_all: Path) -> None:
    assert loop_shape(tei_all, tei_all.read_bytes()) is None


def test_the_shape_behind_an_include_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "inner.rng").write_bytes(SOURCE.read_bytes())
    outer = tmp_path / "outer.rng"
    outer.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
        '<include href="inner.rng"/></grammar>',
        encoding="utf-8",
    )
    # in a subprocess: were the guard missing, libxml2 would never return
    code = (
        "from teikit.validation.rng import RelaxNG\n"
        "from teikit.diagnostics import TeikitError\n"
        "try:\n"
        f"    RelaxNG.compile({str(outer)!r})\n"
        "except TeikitError as exc:\n"
        "    print(exc.diagnostic.rule)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "schema:unsafe", done.stderr


def test_a_reducible_schema_with_the_shape_still_validates(tmp_path: Path) -> None:
    # one file, no include: teikit reduces it and splices the group away itself
    with pytest.raises(TeikitError) as refused:
        _refused_if_whole(tmp_path)
    assert refused.value.diagnostic is not None
    assert refused.value.diagnostic.rule == "schema:unsafe"
    assert RelaxNG.compile(SOURCE).reducible


def _refused_if_whole(tmp_path: Path) -> None:
    wrapped = tmp_path / "combine.rng"
    text = SOURCE.read_text(encoding="utf-8").replace(
        '<define name="absent">', '<define name="absent" combine="choice">'
    )
    wrapped.write_text(text, encoding="utf-8")
    RelaxNG.compile(wrapped)
