"""The loader's limits: the size limit is read from the environment, safely; an
element too wide is found whether or not its file's bytes are looked at first."""

from __future__ import annotations

import pytest
from lxml import etree

from teikit.diagnostics import LoadError
from teikit.loading.limits import MAX_ATTRIBUTES, MAX_BYTES, check_width, max_bytes


def test_size_limit_reads_the_environment_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "1234")
    assert max_bytes() == 1234


def test_a_nonsense_size_limit_keeps_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "-5")
    assert max_bytes() == MAX_BYTES == 512 * 1024 * 1024


@pytest.mark.parametrize("value", ["", "x" * 50])
@pytest.mark.parametrize("given", [True, False])
def test_an_element_too_wide_is_refused(value: str, given: bool) -> None:
    attrs = " ".join(f'a{i}="{value}"' for i in range(MAX_ATTRIBUTES + 1))
    data = f"<doc><p {attrs}/></doc>".encode()
    with pytest.raises(LoadError):
        check_width(etree.ElementTree(etree.fromstring(data)), "d.xml", data if given else None)


def test_long_text_without_markup_is_no_wide_element() -> None:
    data = ("<doc><p>" + "x" * (8 * MAX_ATTRIBUTES) + "</p></doc>").encode()
    check_width(etree.ElementTree(etree.fromstring(data)), "d.xml", data)
