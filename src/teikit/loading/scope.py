"""What a run may read (the project tree) and what it did read (the dependencies).

Why together, apart from parsing: both answer questions about files *around* a document,
asked by the engines and the batch runner rather than by the parser. The result cache
needs every file that decided a result; the schema and reference checks need to know
whether a path a document names lies inside the project.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from teikit.diagnostics import Diagnostic, Severity


class Noted(set[Path]):
    """The files a :func:`dependencies` block read or looked for, and in :attr:`read`
    the SHA-256 of the bytes the loader read of each (by the path as noted)."""

    def __init__(self) -> None:
        super().__init__()
        self.read: dict[Path, str] = {}


_dependencies: ContextVar[Noted | None] = ContextVar("teikit_dependencies", default=None)


@contextmanager
def dependencies() -> Iterator[Noted]:
    """Collect every file that work inside the ``with`` block reads or looks for.

    Why: the result cache (:mod:`teikit.validation.cache`) must know which files decided
    a result (XIncludes, files that pointers name, schemas) to tell when it is stale,
    and the bytes the loader validated, which a file edited meanwhile no longer has.
    """
    found = Noted()
    token = _dependencies.set(found)
    try:
        yield found
    finally:
        _dependencies.reset(token)


def noted() -> Noted | None:
    """The open :func:`dependencies` block's record, None outside one: for work done in
    a forked process on this block's behalf, which sends back what it read
    (:mod:`teikit.validation.beside`)."""
    return _dependencies.get()


def note_dependency(path: str | os.PathLike[str]) -> None:
    """Tell a :func:`dependencies` block (if one is open) that ``path`` decided a result,
    whether or not it exists.

    Noted as :func:`dependency_path` spells it: absolute, but through the links it was
    read through. Why not resolved: a check of the dependency later opens the same
    name, so it reads what a run would read then (a link moved meanwhile is followed
    anew), and resolving every component cost more than reading a small document."""
    found = _dependencies.get()
    if found is not None:
        found.add(dependency_path(path))


def note_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Tell a :func:`dependencies` block (if one is open) that ``data`` are the bytes
    read of ``path``, whole: their SHA-256 is what the result was computed from, even
    if the file is edited before the block ends (the cache keys the result by them)."""
    found = _dependencies.get()
    if found is not None:
        noted = dependency_path(path)
        found.add(noted)
        found.read[noted] = hashlib.sha256(data).hexdigest()


def dependency_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as :func:`note_dependency` notes it: made absolute from the working
    folder, nothing else (a ``..`` after a link means what the file system says).

    Asked three times per document of a run that fills the cache (the loader twice, the
    cache once) and once per engine: a path that is absolutely spelled already is taken
    as it is, and the last answer is remembered (a new :class:`Path` per question was a
    tenth of what the cache added to a run)."""
    global _last
    last = _last
    if path is last[0] or path == last[0]:
        if last[2] is None or last[2] == os.getcwd():  # a relative one: from where?
            return last[1]
    if isinstance(path, Path) and path.is_absolute():
        _last = (path, path, None)
        return path
    found = Path(path)
    relative = None if found.is_absolute() else os.getcwd()
    if relative is not None:
        found = Path(relative, found)  # what Path.absolute does, with this one look
    _last = (path, found, relative)
    return found


#: The last path :func:`dependency_path` was asked about, its answer, and the working
#: folder it was made absolute from (None: it was absolute).
_last: tuple[object, Path, str | None] = (object(), Path("/"), None)


def note_resolved(paths: Iterable[Path]) -> None:
    """:func:`note_dependency` for paths resolved already: a memo that replays what it
    depended on (:mod:`teikit.validation.named`) need not resolve them for each file."""
    found = _dependencies.get()
    if found is not None:
        found.update(paths)


#: Folders a run validates (the folder arguments, the folders of file arguments), resolved:
#: with the working folder, the project tree that schemas named by documents may come from.
_project_roots: ContextVar[frozenset[Path]] = ContextVar(
    "teikit_project_roots", default=frozenset()
)


def set_project_roots(roots: tuple[str, ...]) -> None:
    """Declare the folders this run validates (called by the batch runner, per file)."""
    _project_roots.set(_resolved(roots))


@functools.lru_cache(maxsize=4)
def _resolved(roots: tuple[str, ...]) -> frozenset[Path]:
    """The roots resolved once per process, not once per file: a run over 10,000 files
    declares the same roots for each, and resolving hundreds of folders per file made
    the run quadratic."""
    return frozenset(Path(r).resolve() for r in roots)


def inside_project(path: Path, document: Path | None = None) -> bool:
    """Whether ``path`` lies in the project tree: the working folder, a folder this run
    validates, or the repository (the nearest folder with ``.git``) of ``document``,
    else ``document``'s own folder.

    Why: a document's ``xml-model`` PI is written by whoever wrote the document; it must
    not make teikit read ``/home/runner/.ssh/…`` or another checkout on the machine,
    but a document may name the schemas of its own repository from anywhere. The test
    walks up from ``path`` (its depth), not across the roots (their number).
    """
    real = path.resolve()
    roots = {Path.cwd().resolve()} | _project_roots.get()
    if document is not None:
        roots.add(_repository_of(document.resolve().parent))
    return any(folder in roots for folder in (real, *real.parents))


@functools.lru_cache(maxsize=256)
def _repository_of(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` that holds ``.git``, else ``folder``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def links_inside(
    folder: Path, found: list[tuple[Path, str]], problems: list[Diagnostic]
) -> list[tuple[Path, str]]:
    """The (file, resolved path) pairs a walk of ``folder`` found, less the symbolic links
    that lead out of the project (a warning each, into ``problems``).

    Why: a pull request can add ``tei/a.xml -> /home/runner/.m2/settings.xml``; walking
    ``tei/`` would read that file and print its element names and text in findings.
    A link to a file inside ``folder``, the working folder, a folder this run validates
    or the repository the link itself is in (not its target's) is followed; a file
    named on the command line is read as named.
    """
    inside = str(folder.resolve()) + os.sep
    kept: list[tuple[Path, str]] = []
    for path, key in found:
        if key.startswith(inside) or _inside_for_link(Path(key), path.parent.resolve()):
            kept.append((path, key))
        else:
            problems.append(
                Diagnostic(
                    Severity.WARNING,
                    "load:link-outside",
                    "Skipped: this file is a symbolic link to a file outside the project; "
                    "teikit does not follow links out of the project when it walks a "
                    "folder. Name the file to validate it anyway.",
                    file=str(path),
                )
            )
    return kept


def _inside_for_link(target: Path, folder: Path) -> bool:
    roots = {Path.cwd().resolve(), _repository_of(folder)} | _project_roots.get()
    return any(f in roots for f in (target, *target.parents))
