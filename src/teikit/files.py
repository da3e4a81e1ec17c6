"""Where teikit keeps files and how it writes them: one atomic writer, one set of folders.

Why one module: outputs (``build``), the schema store and the engines' caches all write
files that another process may be reading, and a run may be killed half-way. Each used to
carry its own temporary-file-and-rename dance and its own idea of the cache folder; now
:func:`write_atomic` is the only writer and :func:`cache_dir`/:func:`data_dir` the only
folders, resolved through ``platformdirs`` so they follow each platform's convention
(``$XDG_CACHE_HOME/teikit`` on Linux, ``~/Library/Caches/teikit`` on macOS …).

A killed run leaves its temporary file behind. Temporaries carry the writing process's id
in their name, so the first write into a folder in each process removes those whose
writer is gone (:func:`remove_stale_temporaries`) instead of letting them pile up.

:func:`is_remote` is here too: it decides, for every href teikit meets (XInclude,
``sch:include``, ``xml-model``), whether following it would leave the file system; and
:func:`path_inside`, whether a file a document names (an image) may be read and published.
:class:`Spool` keeps what a run finds on disk when there is too much of it for memory.

Imports nothing from teikit: the lowest floor.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import platformdirs

#: The application name the platform folders are made for.
APP = "teikit"
#: Every temporary made by :func:`write_atomic` has this in its name, after the target's.
_TEMP_MARK = ".teikit-"
_TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.teikit-(\d+)-[^.]*\.tmp$")
#: A temporary older than this is stale even if its process id is alive again (pid reuse).
STALE_AFTER_SECONDS = 24 * 3600
#: A URI scheme of two or more characters; a single letter is a Windows drive (``C:``).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")

T = TypeVar("T")

_swept: set[str] = set()
_swept_lock = threading.Lock()


def is_remote(href: str) -> bool:
    """True when ``href`` names something outside the file system (``http:``, ``urn:`` …).

    ``file:`` URIs, relative and absolute paths and Windows drive letters are local. The
    loader, the Schematron compiler and schema resolution all refuse remote hrefs, so
    they share this one test: three slightly different regexes used to disagree on
    ``C:\\schemas\\x.rng``.
    """
    return bool(_SCHEME.match(href)) and not href[:5].lower() == "file:"


def path_inside(folder: Path, name: str) -> Path | None:
    """Where ``name``, relative to the resolved ``folder``, leads after following symbolic
    links, when that is inside ``folder`` (whether or not a file is there); else None.

    Why one test: a TEI file from a stranger must not pull, say, ``~/.ssh`` into an EPUB or
    an output folder, so every reader and copier of the images a document names (the
    stylesheets' list of present files, the EPUB, the images copied beside the HTML) asks
    this. Refused: remote hrefs, fragments, absolute paths, backslashes and any ``..``
    (a copy at the same relative name elsewhere must stay below its folder), and links
    that lead out of ``folder``.
    """
    if not name or name.startswith(("#", "/")) or "\\" in name or is_remote(name):
        return None
    if ".." in name.split("/"):
        return None
    path = (folder / name).resolve()
    return path if path.is_relative_to(folder) else None


def file_inside(folder: Path, name: str) -> Path | None:
    """:func:`path_inside` when a regular file is there, else None."""
    path = path_inside(folder, name)
    return path if path is not None and path.is_file() else None


def user_cache_dir() -> Path:
    """The platform's cache folder for teikit, ignoring ``$TEIKIT_CACHE_DIR``.

    The schema store lives below it (``schemas/``) so that pointing the rebuildable
    engine caches elsewhere does not hide the schemas a user fetched. Remembered per
    value of the variables platformdirs reads: every document's schema lookup asks, and
    platformdirs takes 0.1 ms to answer, a tenth of validating a small file.
    """
    return _user_cache_dir(*(os.environ.get(name) for name in _PLATFORM_VARIABLES))


#: What the platform's folders depend on (XDG on Linux, the home folder, Windows').
_PLATFORM_VARIABLES = ("XDG_CACHE_HOME", "HOME", "LOCALAPPDATA", "USERPROFILE")


@functools.lru_cache(maxsize=8)
def _user_cache_dir(*_environment: str | None) -> Path:
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where rebuildable caches go: ``$TEIKIT_CACHE_DIR``, else :func:`user_cache_dir`.

    Everything below it may be deleted at any time; teikit only gets slower.
    """
    env = os.environ.get("TEIKIT_CACHE_DIR", "").strip()
    return Path(env).expanduser() if env else user_cache_dir()


def data_dir() -> Path:
    """Where data a user chose to keep goes: ``$TEIKIT_DATA_DIR``, else the platform's
    data folder (``$XDG_DATA_HOME/teikit`` on Linux). Unlike the cache, not rebuildable."""
    env = os.environ.get("TEIKIT_DATA_DIR", "").strip()
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP, appauthor=False))


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder (same file system, so the final
    ``os.replace`` is atomic), are flushed to disk and replace ``path`` in one step. On
    any failure the temporary is removed and an existing ``path`` stays as it was. Missing
    parent folders are created. Returns ``path``.
    """
    return write_atomic_stream(path, [data], mode=mode)


def write_atomic_stream(
    path: str | os.PathLike[str], chunks: Iterable[bytes], *, mode: int = 0o644
) -> Path:
    """:func:`write_atomic` for data that arrives in pieces: a large report is written as
    it is rendered, never held whole in memory. Same guarantees: readers see the old file
    or the complete new one."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_once(folder)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}{_TEMP_MARK}{os.getpid()}-", suffix=_TEMP_SUFFIX, dir=folder
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def write_output(path: Path, chunks: Iterable[bytes]) -> Path:
    """Write a command's output: atomically (:func:`write_atomic_stream`) to a file, but
    directly to anything that exists and is not a regular file or folder (``/dev/stdout``,
    a pipe): replacing it with a file would be wrong, and for a device (``/dev/full``)
    destructive."""
    if path.exists() and not path.is_file() and not path.is_dir():
        with open(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        return path
    return write_atomic_stream(path, chunks)


def is_temporary(path: Path) -> bool:
    """True for a name :func:`write_atomic` gives its temporaries."""
    return bool(_TEMP_NAME.match(path.name))


def remove_stale_temporaries(folder: Path, *, now: float | None = None) -> list[Path]:
    """Delete the temporaries in ``folder`` whose writing process is gone; return them.

    A temporary of a live process is kept (it is being written right now) unless it is
    older than :data:`STALE_AFTER_SECONDS`, which covers a recycled process id. Files
    that are not teikit temporaries are never touched.
    """
    removed: list[Path] = []
    clock = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = clock - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _process_alive(int(match.group(1))) and age < STALE_AFTER_SECONDS:
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _sweep_once(folder: Path) -> None:
    """Sweep ``folder`` for stale temporaries the first time this process writes there.

    Once per folder and process: a cache folder may hold thousands of entries, and
    listing it on every write would make writing N files cost N².
    """
    key = str(folder.resolve())
    with _swept_lock:
        if key in _swept:
            return
        _swept.add(key)
    remove_stale_temporaries(folder)


def _process_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (signal 0 checks without signalling)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: rely on the age alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists but belongs to someone else, or we cannot tell: keep it
    return True


class Spool(Generic[T]):
    """Items kept in pickled chunks, in an unnamed temporary file (or in memory), read
    back in order.

    Why: a corpus run can find millions of problems (a schema change makes one element
    wrong in every file), and each finding costs its report a couple of kilobytes of
    memory; a report spooled here holds only the chunk being written or read, so the
    process stays flat however many there are. The file has no name (it is gone when
    the process is, however it ends) and only this process writes it, so unpickling it
    trusts nothing from outside.

    An in-memory spool (``memory=True``) is how a worker sends one file's many findings
    to the run: it pickles as its bytes, and the run's spool takes its chunks as they
    are (:meth:`extend`), so 10^5 findings are not made into objects and pickled again
    on their way to disk (half of the parent's cost of such a file). Each chunk may
    carry ``keys`` (a report's: the files its findings name), so a reader can find the
    chunks it wants without reading them all.
    """

    def __init__(self, *, memory: bool = False) -> None:
        self._file: IO[bytes] = io.BytesIO() if memory else tempfile.TemporaryFile(prefix="teikit-")
        #: per chunk: the file holding it (this spool's, or another spool's in memory:
        #: see :meth:`extend`), where it starts and ends, how many items, its keys
        self._chunks: list[tuple[IO[bytes], int, int, int, tuple[str, ...]]] = []
        self.count = 0

    def __reduce__(self) -> tuple[Callable[..., Spool[T]], tuple[object, ...]]:
        """An in-memory spool travels (to the run, from a worker) as its bytes and its
        table of chunks; one on disk is this process's alone and does not."""
        if not isinstance(self._file, io.BytesIO) or self._taken():
            raise TypeError("a spool on disk cannot leave its process")
        table = [chunk[1:] for chunk in self._chunks]
        return (_restored, (self._file.getvalue(), table, self.count))

    def write(self, items: list[T], keys: tuple[str, ...] = ()) -> None:
        """Append ``items`` as one chunk, tagged with ``keys``."""
        if not items:
            return
        self._settle()
        start = self._file.seek(0, os.SEEK_END)
        pickle.dump(items, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._chunks.append((self._file, start, self._file.tell(), len(items), keys))
        self.count += len(items)

    def extend(self, other: Spool[T]) -> None:
        """Append ``other``'s chunks, as they are (no item is unpickled). They stay where
        ``other`` holds them (a worker's, in memory) until more chunks come, and only
        then are copied to this spool's file: so memory holds one such report at most,
        and a run over one large file does not write its findings to disk only to read
        them back (25 MB for 10^5 findings)."""
        self._settle()
        self._chunks.extend(other._chunks)
        self.count += other.count

    def _taken(self) -> bool:
        """Whether some chunk is still held by another spool (see :meth:`extend`)."""
        return any(chunk[0] is not self._file for chunk in self._chunks)

    def _settle(self) -> None:
        """Copy every chunk held elsewhere into this spool's own file."""
        if not self._taken():
            return
        for n, (store, start, end, count, keys) in enumerate(self._chunks):
            if store is not self._file:
                store.seek(start)
                here = self._file.seek(0, os.SEEK_END)
                self._file.write(store.read(end - start))
                self._chunks[n] = (self._file, here, here + end - start, count, keys)

    def chunks(self) -> Iterator[list[T]]:
        """Every chunk, in the order written (each read when it is reached)."""
        for n in range(len(self._chunks)):
            yield self.chunk(n)

    def chunk(self, n: int) -> list[T]:
        """The ``n``-th chunk written."""
        store, start = self._chunks[n][:2]
        store.seek(start)
        items: list[T] = pickle.load(store)
        return items

    def keys(self, n: int) -> tuple[str, ...]:
        """The keys the ``n``-th chunk was written with."""
        return self._chunks[n][4]

    @property
    def chunk_count(self) -> int:
        return len(self._chunks)

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks():
            yield from chunk

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()


def _restored(
    data: bytes, chunks: list[tuple[int, int, int, tuple[str, ...]]], count: int
) -> Spool[Any]:
    """An in-memory :class:`Spool` from what :meth:`Spool.__reduce__` gave."""
    spool: Spool[Any] = Spool(memory=True)
    spool._file = io.BytesIO(data)  # shares ``data``'s bytes until written to
    spool._chunks = [(spool._file, *chunk) for chunk in chunks]
    spool.count = count
    return spool
