"""What each file's bytes hash to, remembered by the file's status.

Why: the result cache (:mod:`.cache`) finds results by the SHA-256 of files, and one
run asks for the same digests again and again (every document depends on the schema,
7 MB for tei_all; discovery hashes each file before its key is made). A digest is
remembered per process by the file's path and :data:`Status`, so a file is hashed once
while it stays as it was, and a run's :mod:`~.snapshot` can hand over the digests an
earlier run took (:func:`recall`), so a warm re-run reads no unchanged file at all.
Plain ``os`` calls, no :mod:`pathlib`: a warm re-run asks this once per file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from stat import S_ISREG

__all__ = [
    "ABSENT",
    "MEMO_LIMIT",
    "Status",
    "file_digest",
    "hashed_count",
    "known_digests",
    "recall",
    "remember",
    "remember_digest",
    "status_of",
    "times_of",
]

#: The digest of a file that does not exist (a dependency that must stay absent).
ABSENT = ""

#: A file's status, as far as it tells whether its bytes may have changed: device, inode,
#: size, and the times of its last change of content and of status (ns), as git's index
#: keeps them. Writing a file moves its status-change time to the clock's now, and no
#: call sets it back (``touch -d``, ``cp -p`` and archives restore the other time only).
#: As one text ``device:inode:size:mtime:ctime``: it is only ever compared whole (and
#: a snapshot of 10^4 of them is read in a third of the time five numbers take).
Status = str


def status_of(stat: os.stat_result) -> Status:
    """The :data:`Status` part of ``stat``."""
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def times_of(status: Status) -> tuple[int, int]:
    """The modification and status-change times (ns) in ``status``."""
    _, _, _, mtime, ctime = status.split(":")
    return int(mtime), int(ctime)


_digests: dict[tuple[str, Status], str] = {}


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, or :data:`ABSENT` when there is no such file;
    remembered by path and :data:`Status` (see the module's notes)."""
    try:
        stat = os.stat(path)
    except OSError:
        return ABSENT
    if not S_ISREG(stat.st_mode):  # a folder where a file was looked for is no file
        return ABSENT
    memo = (os.fspath(path), status_of(stat))
    found = _digests.get(memo)
    if found is None:
        digest = hashlib.sha256()
        try:
            with open(path, "rb", buffering=0) as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return ABSENT
        found = digest.hexdigest()
        remember(memo[0], memo[1], found)
    return found


def remember_digest(path: str | os.PathLike[str], stat: os.stat_result, digest: str) -> None:
    """Note ``digest`` as the SHA-256 of ``path`` while in state ``stat`` (taken before
    its bytes were read, so a file changed meanwhile is hashed again, never trusted),
    for :func:`file_digest`: discovery reads each file of a run anyway."""
    if S_ISREG(stat.st_mode):
        remember(os.fspath(path), status_of(stat), digest)


#: Digests a process remembers before it forgets them all: a bound for a long-lived
#: process, above the files of any corpus one run holds in memory anyway.
MEMO_LIMIT = 1_000_000
_hashed = 0


def remember(path: str, status: Status, digest: str) -> None:
    """Note ``digest``, taken by reading ``path`` in ``status`` (see :func:`file_digest`)."""
    global _hashed
    if len(_digests) > MEMO_LIMIT:
        _digests.clear()
    _digests[(path, status)] = digest
    _hashed += 1


def recall(digests: Mapping[tuple[str, Status], str]) -> None:
    """Take ``digests`` (path and status to SHA-256) as if read here: a snapshot's."""
    _digests.update(digests)


def hashed_count() -> int:
    """How many digests this process has taken by reading files: a run's
    :class:`~teikit.validation.snapshot.Snapshot` is written again only when it grew."""
    return _hashed


def known_digests(paths: Iterable[str]) -> Iterator[tuple[str, Status, str]]:
    """(path, status, digest) of every digest remembered for ``paths`` (a set)."""
    for (path, status), digest in _digests.items():
        if path in paths:
            yield path, status, digest
