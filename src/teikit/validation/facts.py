"""One fact, one finding: what a document's engines say twice is reported once.

Why apart from the batch that calls it: it is a rule about what findings mean (which
codes restate which), not about running engines, and it is asked of every document.
"""

from __future__ import annotations

import operator
import re

from teikit.diagnostics import Diagnostic

#: Codes that restate, on the same line, what RelaxNG's ID semantics report: a duplicate
#: xml:id is found by the grammar (``xsd:ID``), the reference check and teikit.sch alike.
_SAME_FACT = {"ref:duplicate-id": "rng:duplicate-id", "sch:id-unique": "rng:duplicate-id"}


_RULE = operator.attrgetter("rule")

#: How a RelaxNG value finding begins: the attribute and its value (``@when="1931-13"``).
_VALUE = re.compile(r'^@([\w:.-]+)="([^"]*)"')


def said_once(found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` without the diagnostics that only repeat another engine's finding on
    the same line: an editor fixes one thing, not three. Those are the codes of
    :data:`_SAME_FACT`, and a Schematron finding about an attribute value RelaxNG has
    already refused there (teikit.sch's ``@when="17.05.1931" … not an ISO date`` beside
    the grammar's ``@when="17.05.1931" on <date> is not valid: use an ISO 8601 date…``)."""
    rules = set(map(_RULE, found))
    if rules.isdisjoint(_SAME_FACT) and not any(rule.startswith("sch:") for rule in rules):
        return found  # nothing here can restate another finding (10^5 pointers: 0.05 s)
    said = {(d.file, d.line, d.rule) for d in found}
    refused = [
        (d.file, d.line, m[1], m[2])
        for d in found
        if d.rule == "rng:value-invalid" and (m := _VALUE.match(d.message))
    ]
    return [d for d in found if not _restates(d, said, refused)]


def _restates(
    d: Diagnostic, said: set[tuple[str, int, str]], refused: list[tuple[str, int, str, str]]
) -> bool:
    if d.rule in _SAME_FACT:
        return (d.file, d.line, _SAME_FACT[d.rule]) in said
    return d.rule.startswith("sch:") and any(
        file == d.file
        and line == d.line
        and re.search(rf"@{re.escape(name)}\b", d.message) is not None
        and value in d.message
        for file, line, name, value in refused
    )
