"""What a block of work read: paths as noted, and the bytes the loader read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from teikit.loading import dependencies, dependency_path, read_file


def test_a_path_is_noted_absolute_and_an_absolute_one_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run asks this several times per document: an absolute path is taken as it is
    (no new object), a relative one is made absolute from the working folder of the
    moment, ``..`` left to the file system."""
    absolute = tmp_path / "a.xml"
    assert dependency_path(absolute) is absolute
    monkeypatch.chdir(tmp_path)
    assert dependency_path("x/../a.xml") == tmp_path / "x" / ".." / "a.xml"
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert dependency_path("x/../a.xml") == tmp_path / "sub" / "x" / ".." / "a.xml"


def test_the_loader_notes_the_bytes_it_read(tmp_path: Path) -> None:
    target = tmp_path / "a.xml"
    target.write_bytes(b"<TEI/>")
    with dependencies() as noted:
        data = read_file(target)
    target.write_bytes(b"<TEI>edited</TEI>")  # later bytes are not the ones read
    assert target in noted
    assert noted.read == {target: hashlib.sha256(data).hexdigest()}
