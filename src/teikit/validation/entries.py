"""The result cache's files: sealed entries, written a chunk of files at a time.

Why a file per key, and why one file holds a chunk's entries: a lookup knows only the
key, so a key must name a file, and a file made per validated document (a new inode, a
data block, a rename) cost more than hashing and encoding its entry; a run that fills
an empty cache made 10^4 of them. So a worker writes the entries of its chunk of files
into one file (a *pack*: its checksum first, then each key's entry) and gives that file
a name per key with a hard link, which costs a directory entry and no inode. A reader
opens the key's name, finds its key in the pack and trusts nothing else; it keeps the
last packs it read, by their status, so a run asking for a whole chunk's keys in turn
reads and verifies each pack once.

Why it is still safe to share and to damage: a pack is whole before it has any key's
name (written under a temporary name, then linked), a key that has an entry already is
given the new one by :func:`os.replace` (atomic), and a pack whose checksum fails, or
that does not hold the key asked for, is damaged for that key and recomputed. A file
system without hard links gets one file per entry, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

__all__ = ["Packs", "seal", "unseal", "write_pack"]

#: Packs a reader keeps parsed: a run's lookups go in the order its chunks were written.
KEPT = 8
#: How a new file is made: new (never another's), not inherited by children, and not
#: followed if a link already holds its name.
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)  # not on Windows
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)  # only on Windows: no newline translation
)
#: (process id, a random text) naming this process's temporaries; made again in a child
_writer: tuple[int, str] = (0, "")
_made = 0


def seal(body: bytes) -> bytes:
    """``body`` after a line with its SHA-256: what an entry or a snapshot file holds."""
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def unseal(raw: bytes) -> bytes:
    """The body of a file made by :func:`seal`; ValueError when its checksum does not hold
    (a truncated, garbled or half-written file)."""
    checksum, _, body = raw.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != checksum:
        raise ValueError("checksum mismatch")
    return body


def _temporary(folder: str) -> str:
    """A name for a new temporary file in ``folder``: the process id, a random text
    taken once per process, and a count (what :func:`tempfile.mkstemp` does with
    random names costs more than the write); ``O_EXCL`` makes sure it is new."""
    global _writer, _made
    pid = os.getpid()
    if _writer[0] != pid:
        _writer = (pid, os.urandom(4).hex())
    _made += 1
    return f"{folder}/.tmp-{pid}-{_writer[1]}-{_made}"


def _create(folder: str, data: bytes) -> str | None:
    """A new temporary file in ``folder`` holding ``data``, or None when that cannot
    be done (the folder is made if missing)."""
    temp = _temporary(folder)
    try:
        try:
            fd = os.open(temp, _CREATE, 0o600)
        except FileNotFoundError:  # the folder's first file
            os.makedirs(folder, exist_ok=True)
            fd = os.open(temp, _CREATE, 0o600)
    except OSError:
        return None
    try:
        with suppress(OSError):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            return temp
        _unlink(temp)  # not all written (the disk is full…)
        return None
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)


def _replace(source: str, folder: str, name: str, *, link: bool) -> bool:
    """Give ``source`` the name ``folder``/``name``, in place of any file there, at
    once; with ``link`` ``source`` keeps its own name too (a hard link)."""
    target = os.path.join(folder, name)
    try:
        if not link:
            os.replace(source, target)
            return True
        try:
            os.link(source, target)
        except FileNotFoundError:  # the folder's first entry
            os.makedirs(folder, exist_ok=True)
            os.link(source, target)
        return True
    except FileExistsError:  # an older entry: a new name, then moved over it at once
        temp = _temporary(folder)
        try:
            os.link(source, temp)
            os.replace(temp, target)
            return True
        except OSError:
            _unlink(temp)
            return False
    except OSError:
        if not link:
            _unlink(source)
        return False


def write_pack(root: str, entries: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Write ``entries`` (key, entry as JSON values) under ``root`` (each key's file is
    ``root/<its first two digits>/<key>.json``): one pack linked under every key's name,
    or each entry alone where links cannot be made. Best effort (a folder that cannot be
    written costs speed, never a run); the number of keys given their entry."""
    if len(entries) == 1:  # nothing to share: its own file, moved into place
        key = entries[0][0]
        folder = os.path.join(root, key[:2])
        temp = _create(folder, _packed(entries))
        return int(temp is not None and _replace(temp, folder, key + ".json", link=False))
    temp = _create(root, _packed(entries))
    if temp is None:
        return 0
    written = 0
    try:
        for key, entry in entries:
            folder = os.path.join(root, key[:2])
            # no hard links here (or none for this name): this entry alone
            if _replace(temp, folder, key + ".json", link=True) or write_pack(root, [(key, entry)]):
                written += 1
    finally:
        _unlink(temp)
    return written


def _packed(entries: Sequence[tuple[str, dict[str, Any]]]) -> bytes:
    """``entries`` as a pack file's bytes."""
    # ASCII JSON: a file name that is not UTF-8 (lone surrogates) is escaped, not fatal
    return seal(json.dumps({"entries": dict(entries)}, sort_keys=True).encode())


class Packs:
    """The packs one reader read last, parsed, by their file's status: a pack is
    read and verified once for all the keys it holds."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[int, ...], dict[str, Any]] = OrderedDict()

    def entry(self, path: str, key: str) -> dict[str, Any] | None:
        """The entry for ``key`` in the pack at ``path``; None when there is none (no
        such file); ValueError when the file is damaged or does not hold ``key``."""
        try:
            with open(path, "rb", buffering=0) as fh:
                stat = os.fstat(fh.fileno())
                # its status changes with any write (a change time cannot be set back)
                status = (
                    stat.st_dev,
                    stat.st_ino,
                    stat.st_size,
                    stat.st_mtime_ns,
                    stat.st_ctime_ns,
                )
                entries = self._kept.get(status)
                if entries is None:
                    entries = _entries(fh.readall())
                    if len(entries) > 1:
                        self._kept[status] = entries
                        if len(self._kept) > KEPT:
                            self._kept.popitem(last=False)
        except OSError:
            return None
        found = entries.get(key)
        if not isinstance(found, dict):
            raise ValueError("the file holds no entry for this key")
        return found


def _entries(raw: bytes) -> dict[str, Any]:
    """The entries of a pack file's bytes; ValueError (or another error of shape) when
    its checksum or its shape is wrong."""
    entries = json.loads(unseal(raw))["entries"]
    if not isinstance(entries, dict):
        raise TypeError("a pack holds no entries")
    return entries
