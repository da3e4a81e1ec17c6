"""``build`` under the same bounds as ``validate``: a document whose build never ends or
outgrows the memory limit costs that document only; it writes nothing, and the others of
the folder are published.

The attack is the document's own: its ``xml-model`` PI names a Schematron that never ends
(or one that builds a gigabyte string), and ``build`` validates before it publishes. A
build without a deadline would hang the CI job that publishes a pull request.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import Attack, Outcome, tei

from helpers.hostile import ENDLESS_SCHEMATRON

#: A Schematron rule whose message is a string of some 1.6 GB.
GREEDY_SCHEMATRON = ENDLESS_SCHEMATRON.replace(
    "f:loop(1)", "string-length(string-join((1 to 200000000) ! 'xxxxxxx'))"
)
HARMLESS = ENDLESS_SCHEMATRON.replace("f:loop(1)", "'fine'").replace(
    'test="true()"', 'test="false()"'
)


def _pi(href: str) -> str:
    return f'<?xml-model href="{href}" schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'


def _corpus(attack: Attack, bad_schema: str) -> None:
    """a.xml and c.xml are fine; b.xml names ``bad_schema`` in its PI."""
    attack.write("rules/ok.sch", HARMLESS)
    attack.write("rules/bad.sch", bad_schema)
    for name, rules in (("a", "ok"), ("b", "bad"), ("c", "ok")):
        attack.write(
            f"tei/{name}.xml", tei(f"<p>Text of {name}.</p>", _pi(f"../rules/{rules}.sch"))
        )


def _safe(attack: Attack, outcome: Outcome) -> None:
    assert attack.secret not in outcome.output, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    assert attack.loopback.hits == [], attack.loopback.hits


def _pages(outcome: Outcome) -> list[str]:
    return sorted(p for p in outcome.written if p.endswith(".html"))


def test_a_document_that_never_ends_is_stopped_and_the_folder_is_built(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    # c.xml is built by a fresh worker (b.xml's was stopped), which starts Saxon and
    # compiles the stylesheets on c.xml's clock: some 0.4 s of CPU, more than 2 s of
    # wall time on a machine loaded seven times over (seen)
    outcome = attack.run("build", "-q", "tei", "-o", "site", "--timeout", "4")
    _safe(attack, outcome)
    assert outcome.code == 2, outcome.output
    assert outcome.rules() == [("b.xml", 1, "load:timeout")], outcome.output
    assert "Building this file took longer than 4 s" in outcome.output
    assert _pages(outcome) == ["site/a.html", "site/c.html", "site/index.html"]
    assert not [p for p in outcome.written if "/b." in p], outcome.written
    index = (attack.folder / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="a.html"' in index and 'href="b.html"' not in index
    assert outcome.seconds < 30


@pytest.mark.slow
def test_on_dask_a_document_that_never_ends_is_stopped_and_the_folder_is_built(
    attack: Attack,
) -> None:
    """A Dask worker runs each document's build in a process of its own, held to the
    same deadline (a task in the worker's thread could not be stopped)."""
    _corpus(attack, ENDLESS_SCHEMATRON)
    # each worker's own process starts Saxon on its first document's clock: room for it
    # on a loaded machine (b.xml never ends, whatever the deadline)
    outcome = attack.run(
        "build", "-q", "tei", "-o", "site", "--timeout", "8", "--dask", "local", "--jobs", "2"
    )
    _safe(attack, outcome)
    assert (outcome.code, outcome.rules()) == (2, [("b.xml", 1, "load:timeout")]), outcome.output
    assert _pages(outcome) == ["site/a.html", "site/c.html", "site/index.html"]


def test_one_document_that_never_ends_writes_nothing(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    # the one document, which never ends: no other work to fit in the deadline
    outcome = attack.run("build", "tei/b.xml", "-o", "out", "--timeout", "0.5")
    _safe(attack, outcome)
    assert (outcome.code, outcome.rules(), outcome.written) == (
        2,
        [("b.xml", 1, "load:timeout")],
        [],
    ), outcome.output
    assert "wrote" not in outcome.output


def test_the_deadline_is_read_from_the_project_configuration(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    attack.write("pyproject.toml", "[tool.teikit]\ntimeout = 0.5\n")
    outcome = attack.run("build", "tei/b.xml", "-o", "out")
    assert (outcome.code, outcome.rules()) == (2, [("b.xml", 1, "load:timeout")]), outcome.output


def test_a_document_over_the_memory_limit_is_stopped_and_the_folder_is_built(
    attack: Attack,
) -> None:
    _corpus(attack, GREEDY_SCHEMATRON)
    outcome = attack.run("build", "-q", "tei", "-o", "site", "--memory-limit", "400")
    _safe(attack, outcome)
    assert outcome.code == 2, outcome.output
    assert outcome.rules() == [("b.xml", 1, "load:memory")], outcome.output
    assert "Building this file used more than 400 MB" in outcome.output
    assert _pages(outcome) == ["site/a.html", "site/c.html", "site/index.html"]
