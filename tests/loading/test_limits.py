"""The loader's limits: the size limit is read from the environment, safely."""

from __future__ import annotations

import pytest

from teikit.loading.limits import MAX_BYTES, max_bytes


def test_size_limit_reads_the_environment_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "1234")
    assert max_bytes() == 1234


def test_a_nonsense_size_limit_keeps_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIKIT_MAX_BYTES", "-5")
    assert max_bytes() == MAX_BYTES == 512 * 1024 * 1024
