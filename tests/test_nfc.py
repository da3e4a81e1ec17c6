"""One normalization for everything teikit publishes (pages, texts, books, the index)."""

from __future__ import annotations

import unicodedata

from teikit.nfc import nfc


def test_a_decomposed_letter_is_composed() -> None:
    assert nfc("Чаи\u0306ка") == "Чайка"
    assert unicodedata.is_normalized("NFC", nfc("Чаи\u0306ка"))


def test_cjk_compatibility_ideographs_stay_as_written() -> None:
    """NFC would turn U+F900 into U+8C48: a glyph variant an edition may mean."""
    assert nfc("\uf900 и\u0306") == "\uf900 й"


def test_text_already_in_nfc_is_returned_as_is() -> None:
    text = "Проблемы развития СССР"
    assert nfc(text) is text
