"""teikit.files: the one atomic writer, the platform folders, stale temporaries, remote hrefs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from teikit import files

KILLED_WRITER = """
import os, sys
from teikit import files
os.replace = lambda *a: os.kill(os.getpid(), 9)   # killed between writing and renaming
files.write_atomic(sys.argv[1], b"half")
"""


def test_write_atomic_writes_the_bytes_and_makes_folders(tmp_path: Path) -> None:
    target = files.write_atomic(tmp_path / "sub" / "a.txt", b"data")
    assert target.read_bytes() == b"data"


def test_write_atomic_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"good")
    with pytest.raises(TypeError):
        files.write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"good" and os.listdir(tmp_path) == ["a.txt"]


def test_a_killed_writer_leaves_the_old_file_and_the_next_run_removes_its_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.html"
    target.write_bytes(b"old")
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], check=False)
    assert done.returncode == -9
    [left] = [p for p in tmp_path.iterdir() if p != target]
    assert files.is_temporary(left) and target.read_bytes() == b"old"
    files.write_atomic(tmp_path / "other.txt", b"new")  # first write here in this process
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "out.html"]


def test_a_live_writers_temporary_is_kept(tmp_path: Path) -> None:
    mine = tmp_path / f".x.teikit-{os.getpid()}-abc.tmp"
    mine.write_bytes(b"being written")
    assert files.remove_stale_temporaries(tmp_path) == [] and mine.exists()


def test_a_day_old_temporary_is_stale_even_if_its_pid_is_alive(tmp_path: Path) -> None:
    old = tmp_path / f".x.teikit-{os.getpid()}-abc.tmp"
    old.write_bytes(b"")
    later = time.time() + files.STALE_AFTER_SECONDS + 1
    assert files.remove_stale_temporaries(tmp_path, now=later) == [old]


def test_other_files_are_never_removed(tmp_path: Path) -> None:
    for name in (".x.tmp", "x.teikit-1-a.tmp", ".hidden", "edition.html"):
        (tmp_path / name).write_bytes(b"")
    assert files.remove_stale_temporaries(tmp_path, now=time.time() + 10**9) == []


def test_cache_dir_honours_teikit_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path / "c"))
    assert files.cache_dir() == tmp_path / "c"


def test_cache_dir_follows_the_platform_convention(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TEIKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert files.cache_dir() == tmp_path / "teikit" == files.user_cache_dir()


def test_data_dir_honours_teikit_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEIKIT_DATA_DIR", str(tmp_path))
    assert files.data_dir() == tmp_path


@pytest.mark.parametrize(
    "href", ["http://example.org/a.xml", "HTTPS://x/y", "urn:x:y", "ftp://h/f", "jar:file:/a!/b"]
)
def test_remote_hrefs(href: str) -> None:
    assert files.is_remote(href)


@pytest.mark.parametrize(
    "href",
    [
        "a.xml",
        "../b/c.rng",
        "/abs/x.sch",
        "file:///x.xml",
        "FILE:x.xml",
        r"C:\schemas\x.rng",
        "c:/x.rng",
        "",
    ],
)
def test_local_hrefs(href: str) -> None:
    assert not files.is_remote(href)
