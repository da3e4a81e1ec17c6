"""teikit.validation.compiled: one compile cache for every engine."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from teikit.validation.compiled import compiled
from teikit.validation.rng.relaxng import RelaxNG
from teikit.validation.schematron import Schematron
from teikit.validation.xsd import XSD


class Counter:
    """A build function that counts its calls (slowly, so threads can overlap)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes) -> tuple[int, bytes]:
        self.calls += 1
        time.sleep(0.05)
        return (self.calls, data)


def test_a_schema_is_built_once_per_content(tmp_path: Path) -> None:
    schema = tmp_path / "s.rng"
    schema.write_bytes(b"one")
    build = Counter()
    first = compiled("t1", schema, build)
    assert compiled("t1", tmp_path / "." / "s.rng", build) is first and build.calls == 1


def test_an_edited_schema_is_built_again(tmp_path: Path) -> None:
    schema = tmp_path / "s.rng"
    schema.write_bytes(b"one")
    build = Counter()
    compiled("t2", schema, build)
    schema.write_bytes(b"two, longer")
    assert compiled("t2", schema, build)[1] == b"two, longer" and build.calls == 2


def test_a_touched_but_unchanged_schema_is_not_built_again(tmp_path: Path) -> None:
    schema = tmp_path / "s.rng"
    schema.write_bytes(b"same")
    build = Counter()
    compiled("t3", schema, build)
    os.utime(schema, ns=(1, 1))
    compiled("t3", schema, build)
    assert build.calls == 1


def test_kinds_and_variants_are_separate_entries(tmp_path: Path) -> None:
    schema = tmp_path / "s.sch"
    schema.write_bytes(b"x")
    build = Counter()
    compiled("t4", schema, build, "#ALL")
    compiled("t4", schema, build, "phase-a")
    compiled("t4b", schema, build, "#ALL")
    assert build.calls == 3


def test_threads_asking_for_one_schema_wait_for_one_build(tmp_path: Path) -> None:
    schema = tmp_path / "s.xsd"
    schema.write_bytes(b"x")
    build = Counter()
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(compiled("t5", schema, build)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.calls == 1 and len({id(r) for r in results}) == 1


def test_a_missing_schema_is_reported_by_the_engines_reader(tmp_path: Path) -> None:
    def reader(path: Path) -> bytes:
        raise ValueError(f"no schema at {path.name}")

    with pytest.raises(ValueError, match="no schema at gone.rng"):
        compiled("t6", tmp_path / "gone.rng", Counter(), read=reader)


def test_a_failed_build_is_not_cached(tmp_path: Path) -> None:
    schema = tmp_path / "s.rng"
    schema.write_bytes(b"x")

    def broken(data: bytes) -> object:
        raise RuntimeError("does not compile")

    with pytest.raises(RuntimeError):
        compiled("t7", schema, broken)
    assert compiled("t7", schema, Counter())[0] == 1


ENGINE_SCHEMAS = {
    "rng": '<element name="a" xmlns="http://relaxng.org/ns/structure/1.0"><empty/></element>',
    "xsd": '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    '<xs:element name="a"/></xs:schema>',
    "sch": '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="a">'
    '<assert test="true()">never</assert></rule></pattern></schema>',
}


@pytest.mark.parametrize(
    ("suffix", "kind", "variant"),
    [("rng", "rng", ()), ("xsd", "xsd", ()), ("sch", "schematron-sch", ("#DEFAULT",))],
)
def test_every_engine_keeps_its_compiled_schema_here(
    tmp_path: Path, suffix: str, kind: str, variant: tuple[str, ...]
) -> None:
    engine = {"rng": RelaxNG, "xsd": XSD, "sch": Schematron}[suffix]
    schema = tmp_path / f"s.{suffix}"
    schema.write_text(ENGINE_SCHEMAS[suffix], encoding="utf-8")

    def never(data: bytes) -> object:
        raise AssertionError("the engine's compiled schema was not in the shared cache")

    assert engine.compile(schema) is compiled(kind, schema, never, *variant)
