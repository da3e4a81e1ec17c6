"""The locked-down parser: a safe document loads, a broken one names its first error."""

from __future__ import annotations

import pytest

from teikit.diagnostics import LoadError
from teikit.loading import parse_bytes


def test_a_tei_document_loads() -> None:
    assert (
        parse_bytes(b'<TEI xmlns="http://www.tei-c.org/ns/1.0"/>', "x.xml")
        .getroot()
        .tag.endswith("TEI")
    )


def test_the_first_error_is_reported_not_the_last() -> None:
    with pytest.raises(LoadError) as caught:
        parse_bytes(b"<TEI>\n<p>open <hi>x</p>\n</TEI>", "m.xml")
    assert caught.value.diagnostic.line == 2
