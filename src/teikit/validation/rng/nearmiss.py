"""The near miss an unknown name probably is: ``<persname>`` for ``<persName>``,
``@rnd`` for ``@rend``, ``"Part"`` for ``"part"``.

Why a module of its own: an edit distance with a cutoff is a small algorithm of its
own, tested on its own (the search gives a candidate up as soon as it is out of reach,
and must answer as the full distance would), and the wording (:mod:`.explain`) only
asks which name to suggest.
"""

from __future__ import annotations

from functools import cache


def distance(a: str, b: str, limit: int | None = None) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours); a change of
    case alone costs nothing, as it is the commonest slip (``persname``). With
    ``limit``, any answer above it is ``limit + 1``: a row is built from the two
    before it, so once both exceed the limit no later one comes back under it (most
    candidates of a near-miss search are given up after a letter or two)."""
    a, b = a.lower(), b.lower()
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        if limit is not None and min(row) > limit and min(prev) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1] if limit is None else min(prev[-1], limit + 1)


def suggestion(wrong: str, candidates: list[str]) -> str | None:
    """See :func:`_suggestion` (cached: a misspelling repeats through a file)."""
    return _suggestion(wrong, tuple(candidates))


@cache
def _suggestion(wrong: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate ``wrong`` is probably a slip for: the nearest within a small
    edit distance (none but case below three letters, 1 below six, else 2), the
    shortest of equally near ones, else None."""
    limit = 0 if len(wrong) < 3 else 1 if len(wrong) < 6 else 2
    best: tuple[int, int, str] | None = None
    for c in candidates:
        if c != wrong and abs(len(c) - len(wrong)) <= limit:
            found = (distance(wrong, c, limit), len(c), c)
            if found[0] <= limit and (best is None or found < best):
                best = found
    return best[2] if best is not None else None
