"""Which files a run validates: arguments, folders and globs in; documents out.

A TEI project's folders hold more than TEI: SVG figures, XSLT, Maven poms, and parts
that other files XInclude. Validating those as standalone TEI documents produces
errors that are not errors, so:

* folders are searched for ``*.xml`` and ``*.tei`` (configurable ``include``);
* ``exclude`` globs (relative to the project root, ``**`` for any depth) drop files;
* XML found in a folder or by a glob whose root is not ``TEI``/``teiCorpus`` in the TEI
  namespace is skipped with an info (``load:skipped-not-tei``); named explicitly it is
  validated, and the loader's ``load:not-tei`` error says why it fails;
* a file that another file of the run XIncludes is validated as part of its parent
  only, with an info (``load:xinclude-part``) saying which parent.

Files that cannot be parsed are never skipped: the loader reports them.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fnmatch import fnmatchcase, translate
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, error
from teikit.files import is_remote
from teikit.loading.scope import links_inside
from teikit.locations import display_path
from teikit.namespaces import TEI, XINCLUDE
from teikit.validation.digests import MEMO_LIMIT, Status, remember_digest, status_of

TEI_NS = TEI
XI_NS = XINCLUDE
DEFAULT_INCLUDE = ("*.xml", "*.tei")


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: ``**/`` any folders, ``*`` and ``?`` within one part."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "(?:/.*)?")


def matches(pattern: str, path: Path, root: Path | None) -> bool:
    """True when ``path`` (relative to ``root`` when inside it) matches the glob; a
    pattern without ``/`` also matches any single file or folder name."""
    absolute = path.resolve()
    try:
        rel = absolute.relative_to(root.resolve()).as_posix() if root else path.as_posix()
    except ValueError:
        rel = path.as_posix()
    if _glob_regex(pattern.strip("/")).fullmatch(rel):
        return True
    return "/" not in pattern and any(fnmatchcase(part, pattern) for part in Path(rel).parts)


def root_name(path: Path) -> tuple[str, str] | None:
    """(namespace, local name) of the root element, reading no further than its start
    tag; None when the file cannot be parsed (the loader will say why)."""
    try:
        with path.open("rb") as fh:
            return _root_in(fh.read(_HEAD), fh)
    except OSError:
        return None


#: Bytes read at once while looking for the root's start tag or the XInclude namespace.
_HEAD = 1 << 16


def _root_in(head: bytes, rest: BinaryIO) -> tuple[str, str] | None:
    """The root's name from a file's first bytes ``head``, feeding more from ``rest``
    only when a long prolog (a DOCTYPE, comments) hides the start tag; one push parser
    that stops at the first start tag, as cheap as a regex and as right as the parser."""
    parser = etree.XMLPullParser(
        events=("start",),
        load_dtd=False,
        no_network=True,
        resolve_entities=False,
        huge_tree=False,
    )
    # Fed in small steps: the parser parses all it is given before it reports a start
    # tag, and the root's start is most often in the first few hundred bytes.
    steps = [head[i : i + 1024] for i in range(0, len(head), 1024)]
    try:
        while steps:
            for block in steps:
                parser.feed(block)
                for _, element in parser.read_events():
                    qname = etree.QName(element)
                    return qname.namespace or "", qname.localname
            steps = [rest.read(_HEAD)] if len(head) == _HEAD else []
            steps = [b for b in steps if b]
        parser.close()
    except (etree.XMLSyntaxError, OSError, ValueError):
        return None
    return None


def is_tei(path: Path) -> bool | None:
    """True for a TEI or teiCorpus root, False for other XML, None when unparseable."""
    return _tei_root(root_name(path))


def _tei_root(name: tuple[str, str] | None) -> bool | None:
    if name is None:
        return None
    return name[0] == TEI_NS and name[1] in {"TEI", "teiCorpus"}


#: A prolog of nothing but an XML declaration, processing instructions, comments and white
#: space, then the root's start tag with ASCII names and plain attribute values.
_PLAIN_START = re.compile(
    rb"(?:<\?[^>]*\?>|<!--(?:[^-]|-[^-])*-->|[ \t\r\n]+)*"
    rb"<(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)((?:[ \t\r\n]+[A-Za-z_][\w.:\-]*"
    rb"[ \t\r\n]*=[ \t\r\n]*(?:\"[^\"<&]*\"|'[^'<&]*'))*)[ \t\r\n]*/?>"
)
_ATTRIBUTE = re.compile(rb"([A-Za-z_][\w.:\-]*)[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"]*)\"|'([^']*)')")


def _plain_tei(head: bytes) -> bool | None:
    """True when ``head`` plainly starts a TEI document (see :data:`_PLAIN_START`: no
    DOCTYPE, no BOM, ASCII names, no entity in the start tag), read without a parser;
    None otherwise, and the parser decides. Only "keep it" is answered here: skipping a
    file is left to the parser. A tenth of the parser's cost, and discovery looks at
    every file of a run before any is validated."""
    start = _PLAIN_START.match(head)
    if start is None:
        return None
    prefix, name, attributes = start.groups()
    wanted = b"xmlns:" + prefix if prefix else b"xmlns"
    declared = [
        a.group(2) if a.group(2) is not None else a.group(3)
        for a in _ATTRIBUTE.finditer(attributes)
        if a.group(1) == wanted
    ]
    if declared == [TEI_NS.encode()] and name in (b"TEI", b"teiCorpus"):
        return True
    return None


#: What :func:`_scan` found: is it TEI (None: not asked, or unparseable); does it
#: mention XInclude; its status before it was read and its SHA-256 (with ``digest``).
Scan = tuple[bool | None, bool, tuple[os.stat_result, str] | None]


_scans: dict[tuple[str, Status], tuple[bool | None, bool]] = {}


def remember_scan(path: str, status: Status, tei: bool | None, marked: bool) -> None:
    """Note what :func:`_scan` found in ``path`` while in ``status`` (None for ``tei``:
    the root was not asked), so that a file in that status is not read again."""
    if len(_scans) > MEMO_LIMIT:
        _scans.clear()  # a long-lived process must not grow without bound
    _scans[(path, status)] = (tei, marked)


def recall_scans(scans: Mapping[tuple[str, Status], tuple[bool | None, bool]]) -> None:
    """Take ``scans`` (see :func:`remember_scan`) as if read here: a snapshot's."""
    _scans.update(scans)


def known_scans(paths: Iterable[str]) -> Iterator[tuple[str, Status, bool | None, bool]]:
    """(path, status, is it TEI, does it mention XInclude) remembered for ``paths``."""
    for (path, status), (tei, marked) in _scans.items():
        if path in paths:
            yield path, status, tei, marked


def _known_scan(path: str, root: bool, seen: dict[str, Status]) -> tuple[bool | None, bool] | None:
    """What :func:`remember_scan` was told of ``path`` in its present status (noted in
    ``seen``), if it answers what is asked (``root``: is it TEI); None: read it."""
    try:
        status = seen[path] = status_of(os.stat(path))
    except OSError:
        return None
    known = _scans.get((path, status))
    if known is None or (root and known[0] is None):
        return None
    return known


def _scan(path: Path, root: bool, digest: bool = False) -> Scan:
    """(is it TEI, when ``root`` is asked, else None; does it mention the XInclude
    namespace; with ``digest``, its status and SHA-256) in one read of the file: every
    file of a folder run is looked at before any is validated, so this is the run's
    serial part.

    With ``digest`` the whole file is read and hashed, for the result cache
    (:func:`teikit.validation.cache.remember_digest`), which would otherwise open and
    read every file of a warm re-run a second time to make its key."""
    try:
        with open(path, "rb", buffering=0) as fh:  # unbuffered: two syscalls fewer
            stat = os.fstat(fh.fileno()) if digest else None  # before any byte is read
            head = fh.read(_HEAD)
            tei = None
            if root:
                tei = _plain_tei(head)
                if tei is None:
                    tei = _tei_root(_root_in(head, fh))
            hashed = hashlib.sha256(head) if stat is not None else None
            fh.seek(len(head))
            marked = _mark_in_rest(fh, head, hashed)
    except OSError:
        return None, False, None
    if stat is not None and hashed is not None:
        return tei, marked, (stat, hashed.hexdigest())
    return tei, marked, None


def _mark_in_rest(fh: BinaryIO, head: bytes, hashed: hashlib._Hash | None) -> bool:
    """Whether the XInclude namespace is named in ``head`` or the rest of ``fh`` (a
    name may straddle two blocks); reading stops there unless ``hashed`` takes every
    byte to the end."""
    mark = XI_NS.encode()
    found = mark in head
    tail = head[-len(mark) :]
    while (hashed is not None or not found) and (block := fh.read(1 << 20)):
        if hashed is not None:
            hashed.update(block)
        found = found or mark in tail + block
        tail = block[-len(mark) :]
    return found


def xincluded(path: Path) -> list[Path]:
    """The local files ``path`` XIncludes (hrefs resolved against the file), cheaply:
    files that never mention the XInclude namespace are not parsed at all."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if XI_NS.encode() not in data:
        return []
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return []
    found = []
    for node in tree.iter(f"{{{XI_NS}}}include"):
        href = node.get("href") or ""
        if href and not is_remote(href):
            found.append((path.parent / unquote(urlparse(href).path)).resolve())
    return found


class _Collector:
    """Accumulates files in argument order, each once, with the reasons for skips."""

    def __init__(
        self,
        include: Sequence[str],
        exclude: Sequence[str],
        root: Path | None,
        skip_non_tei: bool,
        digest: bool = False,
        split: bool = False,
    ) -> None:
        self.include, self.exclude, self.root = include, exclude, root
        self.skip_non_tei, self.digest, self.split = skip_non_tei, digest, split
        self.files: list[tuple[Path, bool]] = []
        self.problems: list[Diagnostic] = []
        self.seen: set[str] = set()
        #: the status of each file whose scan was remembered, as it was looked at
        self.statuses: dict[str, Status] = {}

    def excluded(self, path: Path) -> bool:
        return bool(self.exclude) and any(matches(p, path, self.root) for p in self.exclude)

    def take(self, path: Path, found: bool, key: str | None = None) -> None:
        """Add ``path`` unless excluded or already taken under another name (``key``:
        its resolved path, when the caller knows it without asking the file system)."""
        key = key or str(path.resolve())
        if key in self.seen or self.excluded(path):
            return
        self.seen.add(key)
        self.files.append((path, found))

    def scan(self, files: list[Path]) -> dict[str, tuple[bool | None, bool]]:
        """Each file (by its text: a warm re-run asks this of 10^4 files, and a Path
        hashes slowly) read once (see :func:`_scan`; with ``split``, half of them by a
        child process: :mod:`teikit.validation.halves`), unless its status says it is
        as :func:`remember_scan` was told; the root is only asked of files that were
        found rather than named (unless ``skip_non_tei``)."""
        found = {str(p) for p, by_search in self.files if by_search or self.skip_non_tei}
        scans: dict[str, tuple[bool | None, bool]] = {}
        unread = []
        for path in files:
            text = str(path)
            known = _known_scan(text, text in found, self.statuses) if _scans else None
            if known is None:
                unread.append(path)
            else:
                scans[text] = known

        def step(part: Sequence[Path]) -> list[Scan]:
            return [_scan(path, str(path) in found, self.digest) for path in part]

        if not unread:  # all known: not even the fork machinery's import
            return scans
        from teikit.validation.halves import in_two

        done = (scan for half in in_two(step, unread, split=self.split) for scan in half)
        for path, (tei, marked, hashed) in zip(unread, done, strict=True):
            if hashed is not None:
                remember_digest(path, *hashed)
                remember_scan(str(path), status_of(hashed[0]), tei, marked)
            scans[str(path)] = (tei, marked)
        return scans

    def tei_only(self, files: list[Path], scans: dict[str, tuple[bool | None, bool]]) -> list[Path]:
        """``files`` without the non-TEI XML that was found rather than named."""
        kept = []
        for path in files:
            if scans[str(path)][0] is False:
                self.problems.append(
                    Diagnostic(
                        Severity.INFO,
                        "load:skipped-not-tei",
                        "Skipped: this XML is not TEI "
                        "(its root is not TEI or teiCorpus in the TEI namespace); name it "
                        "explicitly to validate it anyway, or exclude it.",
                        file=display_path(str(path)),
                    )
                )
            else:
                kept.append(path)
        return kept

    def folder(self, folder: Path, text: str) -> None:
        found = _walk(folder, self.include)
        if not found:
            self.problems.append(
                error(
                    "load:not-found",
                    f"This folder holds no {' or '.join(self.include)} files; "
                    "name the files or a folder that has some.",
                    file=display_path(text),
                )
            )
        for q, key in links_inside(folder, found, self.problems):
            self.take(q, found=True, key=key)

    def pattern(self, text: str) -> None:
        matches_ = sorted(Path(m) for m in glob.glob(text, recursive=True))
        hits = [m for m in matches_ if m.is_file()]
        if not hits:
            self.problems.append(
                error(
                    "load:not-found",
                    f"No file matches the pattern '{text}'; check it (quote it "
                    "so the shell leaves it to teikit).",
                    file=text,
                )
            )
        for q in hits:
            self.take(q, found=True)


def _walk(folder: Path, include: Sequence[str]) -> list[tuple[Path, str]]:
    """(file, its resolved path) for every file below ``folder`` whose name matches
    ``include``, sorted as paths sort; folders reached through a symbolic link are not
    entered (as :meth:`Path.rglob`). One ``scandir`` per folder and one ``realpath`` per
    folder, not one per file: 10,000 files cost milliseconds, not seconds. Resolved paths
    are strings and ``include`` is one pattern: a warm re-run of 10,000 files is mostly
    this walk and the cache's reads."""
    found: list[tuple[Path, str]] = []
    _visit(folder, str(folder.resolve()), _one_pattern(tuple(include)), found)
    return found


def _visit(
    where: Path, real: str, wanted: Callable[[str], object], found: list[tuple[Path, str]]
) -> None:
    """:func:`_walk` below ``where`` (resolved: ``real``), into ``found``.

    Each folder's entries in name order, a folder's files where its name falls: depth
    first, that is the order of the paths' parts, with no sort of the whole. A file's
    Path is its folder's joined with its name: no parse of the whole. A function of the
    module, not one nested in :func:`_walk`: a nested function that calls itself is a
    reference cycle, which kept the run's list of files alive until the cyclic
    collector's next pass (a warm re-run pauses it)."""
    try:
        with os.scandir(where) as listing:
            entries = sorted(listing, key=attrgetter("name"))
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir() and not entry.is_symlink()
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            _visit(where / entry.name, os.path.join(real, entry.name), wanted, found)
        elif is_file and wanted(entry.name):
            path = where / entry.name
            key = str(path.resolve()) if entry.is_symlink() else os.path.join(real, entry.name)
            found.append((path, key))


@cache
def _one_pattern(include: tuple[str, ...]) -> Callable[[str], object]:
    """A matcher of names that match any of ``include`` (as :func:`fnmatchcase`)."""
    either = "|".join(f"(?:{translate(p)})" for p in include) or "(?!)"
    return re.compile(either).match


def _drop_parts(files: list[Path], including: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Files that another file of the run XIncludes (``including``: those that mention
    XInclude) are validated inside their parent."""
    targets = {f: xincluded(f) for f in including}
    if not any(targets.values()):
        return files, []
    wanted = {f.resolve(): f for f in files}
    parent_of: dict[Path, Path] = {}
    for f in including:
        for target in targets[f]:
            if target in wanted and target != f.resolve():
                parent_of.setdefault(target, f)
    notes = [
        Diagnostic(
            Severity.INFO,
            "load:xinclude-part",
            f"Validated as part of {display_path(str(parent))}, which XIncludes "
            "it, not as a standalone document.",
            file=display_path(str(wanted[part])),
        )
        for part, parent in parent_of.items()
    ]
    return [f for f in files if f.resolve() not in parent_of], notes


def discover(
    paths: Iterable[str | os.PathLike[str]],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    root: Path | None = None,
    skip_non_tei: bool = False,
    digest: bool = False,
    split: bool = False,
    statuses: dict[str, Status] | None = None,
) -> tuple[list[Path], list[Diagnostic]]:
    """Files to validate (argument order; folders sorted) and diagnostics for the rest:
    errors for arguments that name nothing, infos for files skipped on purpose. With
    ``digest``, each file's SHA-256 is taken as it is read, for the result cache; with
    ``split``, a large run's files are read by two processes (the run has two jobs).
    ``statuses`` receives the status of each file that was not read because its status
    said what is in it (:func:`remember_scan`): the cache's lookups need not ask again."""
    run = _Collector(include, exclude, root, skip_non_tei, digest, split)
    for raw in paths:
        text = os.fspath(raw)
        p = Path(text)
        if p.is_dir():
            run.folder(p, text)
        elif p.is_file():
            run.take(p, found=False)
        elif glob.has_magic(text):
            run.pattern(text)
        else:
            run.problems.append(
                error(
                    "load:not-found",
                    "No such file or folder; check the path.",
                    file=display_path(text),
                )
            )
    files = [p for p, _ in run.files]
    scans = run.scan(files)
    files, notes = _drop_parts(files, [p for p in files if scans[str(p)][1]])
    files = run.tei_only(files, scans)
    if statuses is not None:
        statuses.update(run.statuses)
    return files, run.problems + notes
