"""Unicode Normalization Form C for everything teikit publishes.

Why a module of its own: the outputs of the stylesheets (:mod:`teikit.transform`) and the
collection's index page (:mod:`teikit.listing`) are both read on the web, which expects
NFC (the Nu checker warns otherwise, and a search for "й" misses "и" + combining breve);
one rule, written once, keeps them alike.
"""

from __future__ import annotations

import re
import unicodedata

#: CJK compatibility ideographs: NFC would replace each by its unified ideograph, a glyph
#: variant an edition may mean (Korean hanja); they stay as written.
_COMPAT_IDEOGRAPHS = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")


def nfc(text: str) -> str:
    """``text`` in NFC: a canonically equivalent spelling, so nothing a reader sees
    changes, except CJK compatibility ideographs, which are kept. Most texts already are
    NFC (a quick check, no copy)."""
    if unicodedata.is_normalized("NFC", text):
        return text
    pieces = _COMPAT_IDEOGRAPHS.split(text)  # odd pieces are the ideographs, kept
    return "".join(p if i % 2 else unicodedata.normalize("NFC", p) for i, p in enumerate(pieces))
