"""The near-miss search gives up on a candidate as soon as it is out of reach, and
answers as the full edit distance would."""

from __future__ import annotations

import itertools

from teikit.validation.rng.nearmiss import distance, suggestion

WORDS = ["persName", "persname", "rend", "rnd", "rned", "type", "tyype", "ttype", "sense"]
WORDS += ["snse", "quote", "quoe", "q", "", "gramGrp", "gramgrp", "abcdef", "badcfe"]


def test_a_distance_within_a_limit_is_the_distance_capped_just_above_it() -> None:
    for a, b in itertools.product(WORDS, repeat=2):
        for limit in range(4):
            assert distance(a, b, limit) == min(distance(a, b), limit + 1), (a, b, limit)


def test_the_nearest_and_then_shortest_candidate_is_suggested() -> None:
    assert suggestion("persname", ["persName", "placeName"]) == "persName"
    assert suggestion("tyype", ["type", "typed", "style"]) == "type"
    assert suggestion("quoe", ["quote", "q"]) == "quote"
    assert suggestion("zzzz", ["quote", "q"]) is None
