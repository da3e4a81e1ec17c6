"""One report per fact: a finding another engine already made on the same line is
not said again (validation/batch.py)."""

from __future__ import annotations

from teikit.diagnostics import error
from teikit.validation.facts import said_once


def test_a_value_the_grammar_refused_is_not_said_again_by_the_schematron() -> None:
    rng = error(
        "rng:value-invalid", '@when="17.05.1931" on <date> is not valid: …', file="a", line=3
    )
    same = error(
        "sch:date-iso", 'The @when="17.05.1931" of date is not an ISO date', file="a", line=3
    )
    other = error("sch:date-iso", 'The @from="1.2" of date is not an ISO date', file="a", line=3)
    later = error("sch:date-iso", 'The @when="17.05.1931" of date is not…', file="a", line=4)
    assert said_once([rng, same, other, later]) == [rng, other, later]
