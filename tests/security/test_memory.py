"""Bounded memory: a document that needs more memory than the limit costs that file only.

The document is not malformed: a million paragraphs legitimately need some 300 MB to
load and validate. Under a 150 MB limit its worker is stopped and it gets a located
``load:memory`` error naming the limit and how to raise it; the files beside it are
validated. Under the default limit the same document is simply valid.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.conftest import Attack, tei

from helpers.hostile import rules_by_file

#: Paragraphs in the large document (8 MB of markup).
PARAGRAPHS = 1_000_000


def _corpus(attack: Attack) -> None:
    attack.write("tei/a.xml", tei())
    attack.write("tei/b.xml", tei("<p>x</p>" * PARAGRAPHS))
    attack.write("tei/c.xml", tei("<p>After the large one.</p>"))


def test_a_document_over_the_memory_limit_is_stopped_and_the_run_goes_on(
    attack: Attack,
) -> None:
    _corpus(attack)
    outcome = attack.run("validate", "--no-cache", "--memory-limit", "150", "-f", "json", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(outcome.stdout)) == (
        2,
        {"a.xml": [], "b.xml": ["load:memory"], "c.xml": []},
    ), outcome.output
    [found] = json.loads(outcome.stdout)["diagnostics"]
    assert (found["line"], found["column"]) == (1, 1)
    assert "150 MB" in found["message"]
    assert "--memory-limit" in found["message"]


def test_the_same_document_is_valid_under_the_default_limit(attack: Attack) -> None:
    _corpus(attack)
    outcome = attack.run("validate", "--no-cache", "-q", "-f", "json", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(outcome.stdout)) == (
        0,
        {"a.xml": [], "b.xml": [], "c.xml": []},
    ), outcome.output


def test_the_limit_is_read_from_the_project_configuration(attack: Attack) -> None:
    _corpus(attack)
    attack.write("pyproject.toml", "[tool.teikit]\nmemory-limit = 150\n")
    outcome = attack.run("validate", "--no-cache", "-q", "-f", "json", "tei")
    assert (outcome.code, rules_by_file(outcome.stdout)["b.xml"]) == (2, ["load:memory"])
    outcome = attack.run("validate", "--no-cache", "-q", "--memory-limit", "0", "tei")
    assert outcome.code == 0, outcome.output


def test_the_parent_warms_up_on_small_files_without_their_includes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a bound the parent, which nothing stops, loads no file that does not fit
    the warm-up's budget and expands no XInclude (a fan-out could need gigabytes)."""
    from teikit import document
    from teikit.validation import batch

    files = []
    for i in range(20):
        files.append(tmp_path / f"{i:02d}.xml")
        files[-1].write_text(tei(), encoding="utf-8")
    files[0].write_text(tei("<p>x</p>" * (batch.WARM_BYTES // 8)), encoding="utf-8")
    seen: list[tuple[str, bool]] = []
    real = document.load

    def spy(path: Path, *, xinclude: bool = True) -> document.Document:
        seen.append((Path(path).name, xinclude))
        return real(path, xinclude=xinclude)

    monkeypatch.setattr(batch, "load", spy)
    assert batch._warm_up(files, batch.Options(memory_limit=150), validate=False) == {}
    assert seen
    assert not [name for name, xinclude in seen if xinclude or name == "00.xml"]
