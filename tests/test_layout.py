"""The test suite's own shape: tests mirror the package and never import each other."""

from __future__ import annotations

import ast

from conftest import ROOT

TESTS = ROOT / "tests"


def _imported(path: str) -> set[str]:
    tree = ast.parse((TESTS / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[-1])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[-1] for alias in node.names)
    return names


def test_no_test_module_imports_another() -> None:
    modules = sorted(
        p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_*.py") if "output" not in p.parts
    )
    offenders = {m: sorted(n for n in _imported(m) if n.startswith("test_")) for m in modules}
    assert {m: n for m, n in offenders.items() if n} == {}


def test_test_modules_do_not_locate_data_through_their_own_path() -> None:
    # conftest's DATA, CASES and ROOT keep working when a test file moves
    uses = sorted(
        p.relative_to(TESTS).as_posix()
        for p in TESTS.rglob("test_*.py")
        if "Path(" + "__file__)" in p.read_text(encoding="utf-8")
    )
    assert uses == []
