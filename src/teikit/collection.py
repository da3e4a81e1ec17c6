"""``build`` over a folder: every document's outputs in a mirrored tree, and an index page.

Why a module beside :mod:`teikit.publish` and not inside it: publishing one document (what
it is validated against, which formats, how they are written) stays
:func:`teikit.publish.build`'s; this module only decides *which* documents need building,
runs that function on them (here, in ``jobs`` processes, or on a Dask cluster) and writes
what only a collection has: ``index.html`` (:mod:`teikit.listing`), listing every
published document's titles, authors and dates with links to its outputs.

Why builds run in worker processes under a deadline and a memory limit, as validation
does (:mod:`teikit.validation.workers`): ``build`` publishes other people's TEI, often in
CI on pull requests, and its engines (libxml2, Saxon's native image) cannot be stopped
from inside. A document that overruns gets ``load:timeout`` (``load:memory``, or
``load:worker-died``) and writes nothing; the other documents are built. A single file
(:func:`build_file`) is held to the same bounds.

Why a manifest: a collection of thousands of documents is rebuilt on every commit, and most
of them did not change. ``.teikit-build.json`` in the output folder records, per source, a
key (the source's bytes, the files it XIncluded, teikit's version and code, its
stylesheets, ``force``) and the SHA-256 of each output written. A document is skipped when
its key is unchanged and its outputs are still there with those hashes; anything else
(an edited source, XInclude or image, a new teikit, a deleted or hand-edited output or
copied image) builds it again. A document that failed validation is never current: it is
tried again next time.
XML files that are not TEI documents (parts that documents XInclude, ODDs) are left alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.diagnostics import LoadError, Report, Severity, UsageError
from teikit.document import load
from teikit.files import path_inside, write_atomic
from teikit.listing import document_meta, index_page, page_lang
from teikit.loading import dependencies, dependency_path
from teikit.locations import display_path
from teikit.resources import xslt_dir
from teikit.transform import stylesheet_closure
from teikit.validation.batch import expand_paths
from teikit.validation.cache import fingerprint
from teikit.validation.digests import file_digest

if TYPE_CHECKING:
    from teikit.publish import Customisation
    from teikit.validation.schemas import Settings
    from teikit.validation.workers import Bounds

__all__ = ["CollectionResult", "build_collection", "build_file"]

MANIFEST = ".teikit-build.json"
INDEX = "index.html"


@dataclass(frozen=True)
class Job:
    """What every document's build shares (plain values: it travels to workers)."""

    source: str
    output: str
    force: bool = False
    #: the user's ``--css`` and ``--xslt`` files (:class:`teikit.publish.Customisation`)
    css: str | None = None
    xslt: str | None = None
    #: what each document is validated against (``--schema``; None: what it names)
    schemas: tuple[str, ...] | None = None
    settings: Settings | None = None
    #: run the Nu checker and epubcheck on each document's outputs (``--check``)
    check: bool = False

    def custom(self) -> Customisation:
        from teikit.publish import Customisation

        return Customisation(
            Path(self.css) if self.css else None, Path(self.xslt) if self.xslt else None
        )


@dataclass
class Built:
    """One document's outcome: its report, what was written, and what the index shows."""

    source: str
    report: Report
    outputs: dict[str, str] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)
    key: str = ""
    #: the files the build read besides the source, with their SHA-256 (part of the key)
    deps: dict[str, str] = field(default_factory=dict)
    #: the images copied beside the HTML, with their SHA-256 (not linked from the index)
    images: dict[str, str] = field(default_factory=dict)


@dataclass
class CollectionResult:
    """A folder build: one report for all documents, and what was built or skipped."""

    report: Report
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    index: Path | None = None
    #: outputs and copied images of an earlier build that no document claims any more
    removed: list[str] = field(default_factory=list)


def _stylesheets_digest() -> str:
    """Name, size and mtime of every stylesheet: outputs depend on them as on the code."""

    digest = hashlib.sha256()
    for path in sorted(xslt_dir().rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _key(path: Path, deps: dict[str, str], job: Job) -> str:
    """What decides a document's outputs; the user's CSS and XSLT (with what it imports)
    by content, so editing them rebuilds every document."""

    material = json.dumps(
        {
            "source": file_digest(path),
            "deps": deps,
            "teikit": fingerprint(),
            "xslt": _stylesheets_digest(),
            "force": job.force,
            "css": file_digest(Path(job.css)) if job.css else None,
            "xslt-custom": stylesheet_closure(Path(job.xslt)) if job.xslt else None,
            "schemas": job.schemas,
            "settings": repr(job.settings),
            "check": job.check,
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def build_one(path: str | Path, job: Job) -> Built:
    """Build one document into its mirrored folder (runs in any process: a worker too)."""
    from teikit.publish import SUFFIXES, build

    path = str(path)
    source = Path(path)
    shown = display_path(path)
    folder = Path(job.output) / source.parent.relative_to(job.source)
    with dependencies() as deps:
        try:
            meta = document_meta(load(source))
        except LoadError as exc:
            if exc.diagnostic and exc.diagnostic.rule == "load:not-tei":
                return Built(path, Report())  # a part others XInclude, an ODD: not a document
            found = [exc.diagnostic] if exc.diagnostic else []
            return Built(path, Report(diagnostics=found, files=[shown], input_error=True))
        report, written = build(
            source,
            folder,
            force=job.force,
            check=job.check,
            schemas=job.schemas,
            settings=job.settings,
            custom=job.custom(),
        )
    report.files = [shown]
    meta["lang"] = page_lang(written)
    deps.discard(dependency_path(source))
    read = {str(d): file_digest(d) for d in sorted(deps)}
    outputs = {Path(p).relative_to(job.output).as_posix(): file_digest(Path(p)) for p in written}
    images = {n: outputs.pop(n) for n in list(outputs) if Path(n).suffix not in SUFFIXES.values()}
    key = _key(source, read, job) if written else ""
    return Built(path, report, outputs, meta, key, read, images)


def _current(path: Path, entry: object, output: Path, job: Job) -> bool:
    """Whether the manifest entry says ``path``'s outputs are up to date."""

    if not isinstance(entry, dict) or not entry.get("key") or not entry.get("outputs"):
        return False
    deps = entry.get("deps", {})
    if not isinstance(deps, dict) or any(file_digest(Path(d)) != h for d, h in deps.items()):
        return False
    if _key(path, deps, job) != entry["key"]:
        return False
    made = {**entry["outputs"], **(entry.get("images") or {})}
    return all(file_digest(output / name) == digest for name, digest in made.items())


def _run(
    paths: list[str],
    job: Job,
    jobs: int,
    bounds: Bounds,
    dask: str | None,
    on_file: Callable[[int, int], None] | None,
) -> Iterator[Built]:
    """Each path's :func:`build_one`, in order: here, in worker processes held to
    ``bounds``, or on Dask (each document in a process of its worker's, under the same
    bounds). A document that did not finish is its report alone."""
    if dask:
        from teikit.validation.cluster import map_paths

        outcomes = map_paths(
            build_one,
            paths,
            job,
            dask,
            on_file=on_file,
            workers=jobs if jobs > 1 else None,
            bounds=bounds,
        )
        for path, outcome in zip(paths, outcomes, strict=True):
            yield outcome if isinstance(outcome, Built) else Built(path, outcome)
        return
    if not bounds.bounded and jobs <= 1:
        for done, path in enumerate(paths, 1):
            yield build_one(path, job)
            if on_file:
                on_file(done, len(paths))
        return
    from teikit.validation.workers import run_pool

    results: list[Built | None] = [None] * len(paths)

    def store(i: int, outcome: Built | Report) -> None:
        results[i] = outcome if isinstance(outcome, Built) else Built(paths[i], outcome)
        if on_file:
            on_file(sum(r is not None for r in results), len(paths))

    files = [Path(p) for p in paths]
    run_pool(build_one, files, job, min(max(1, jobs), len(files)), bounds, store)
    yield from (r for r in results if r is not None)


@dataclass(frozen=True)
class _Single:
    """What :func:`build_file` hands its worker (plain values: it may be pickled)."""

    out_dir: str
    force: bool
    check: bool
    schemas: tuple[str, ...] | None
    settings: Settings | None
    custom: Customisation | None


def _build_single(path: Path, task: _Single) -> tuple[Report, list[str]]:
    """:func:`teikit.publish.build` with plain results (paths as strings); a document
    teikit will not read is its located input error, as in a folder build."""
    from teikit.publish import build

    try:
        report, written = build(
            path,
            Path(task.out_dir),
            task.force,
            task.check,
            schemas=task.schemas,
            settings=task.settings,
            custom=task.custom,
        )
    except LoadError as exc:
        found = [exc.diagnostic] if exc.diagnostic else []
        return Report(diagnostics=found, files=[display_path(str(path))], input_error=True), []
    return report, [str(p) for p in written]


def build_file(
    src: Path,
    out_dir: Path,
    *,
    force: bool = False,
    check: bool = False,
    schemas: Sequence[str] | None = None,
    settings: Settings | None = None,
    custom: Customisation | None = None,
    timeout: float | None = None,
    memory_limit: int | None = None,
) -> tuple[Report, list[Path]]:
    """:func:`teikit.publish.build` of one document, in a worker process stopped after
    ``timeout`` seconds or above ``memory_limit`` MB (a stopped build writes nothing and
    its report says why); with neither, here. A document that cannot be read is an
    input error in the report (exit 2), not an exception."""
    from teikit.validation.workers import BUILDING, Bounds, run_pool

    task = _Single(
        str(out_dir), force, check, tuple(schemas) if schemas else None, settings, custom
    )
    bounds = Bounds(timeout, memory_limit, BUILDING)
    if not bounds.bounded:
        report, written = _build_single(src, task)
        return report, [Path(p) for p in written]
    found: list[tuple[Report, list[str]] | Report] = []
    run_pool(_build_single, [src], task, 1, bounds, lambda _, outcome: found.append(outcome))
    outcome = found[0]
    if isinstance(outcome, Report):
        return outcome, []
    return outcome[0], [Path(p) for p in outcome[1]]


def _read_manifest(output: Path) -> dict[str, object]:
    try:
        data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_collection(
    source: Path,
    output: Path,
    *,
    force: bool = False,
    jobs: int = 1,
    dask: str | None = None,
    on_file: Callable[[int, int], None] | None = None,
    css: Path | None = None,
    xslt: Path | None = None,
    check: bool = False,
    schemas: Sequence[str] | None = None,
    settings: Settings | None = None,
    timeout: float | None = None,
    memory_limit: int | None = None,
) -> CollectionResult:
    """Build every ``*.xml`` below ``source`` into the same layout below ``output``, skip
    documents whose outputs are current, and write ``output/index.html``; ``css`` and
    ``xslt`` customise every document as ``teikit build --css/--xslt`` does, ``check``,
    ``schemas`` and ``settings`` are :func:`teikit.publish.build`'s, and ``timeout``
    (seconds) and ``memory_limit`` (MB) bound each document's build, on Dask too."""

    for flag, given in (("--css", css), ("--xslt", xslt)):
        if given is not None and not given.is_file():
            raise UsageError(f"{flag} {given}: no such file.")
    files, problems = expand_paths([source])
    report = Report(
        diagnostics=list(problems), input_error=any(d.severity is Severity.ERROR for d in problems)
    )
    output.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(output)
    entries = manifest.get("documents", {})
    entries = dict(entries) if isinstance(entries, dict) else {}
    before = dict(entries)
    result = CollectionResult(report)
    job = Job(
        str(source),
        str(output),
        force,
        str(css.resolve()) if css else None,
        str(xslt.resolve()) if xslt else None,
        tuple(schemas) if schemas else None,
        settings,
        check,
    )
    todo = []
    for path in files:
        name = path.relative_to(source).as_posix()
        if _current(path, entries.get(name), output, job):
            result.skipped.append(name)
            report.files.append(display_path(str(path)))
        else:
            todo.append(str(path))
    from teikit.validation.workers import BUILDING, Bounds

    bounds = Bounds(timeout, memory_limit, BUILDING)
    for built in _run(todo, job, jobs, bounds, dask, on_file):
        name = Path(built.source).relative_to(source).as_posix()
        report.merge(built.report)
        if built.key:
            result.built.append(name)
            entries[name] = {
                "key": built.key,
                "outputs": built.outputs,
                "meta": built.meta,
                "deps": built.deps,
                "images": built.images,
            }
        else:
            entries.pop(name, None)
    entries = {name: entries[name] for name in sorted(entries) if (source / name).is_file()}
    result.removed = _prune(output, before, entries)
    write_atomic(
        output / MANIFEST,
        json.dumps({"format": 1, "documents": entries}, indent=1, sort_keys=True).encode(),
    )
    result.index = write_atomic(output / INDEX, index_page(entries).encode("utf-8"))
    return result


def _made(entry: object) -> dict[str, str]:
    """The files a manifest entry says its build wrote (outputs and copied images), by
    name relative to the output folder, with their SHA-256."""
    if not isinstance(entry, dict):
        return {}
    made = {**(entry.get("outputs") or {}), **(entry.get("images") or {})}
    return {str(k): str(v) for k, v in made.items()}


def _prune(output: Path, before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Remove what the earlier build wrote that no document claims now (its source was
    deleted, it no longer shows that image, it fails validation now), so the site is the
    collection as it is. Only a file that still has the bytes teikit wrote goes (one
    edited by hand stays), only inside ``output`` (a manifest is a file like any other),
    and folders it leaves empty go with it."""

    claimed = {name for entry in after.values() for name in _made(entry)}
    folder = output.resolve()
    removed = []
    for entry in before.values():
        for name, digest in _made(entry).items():
            target = None if name in claimed else path_inside(folder, name)
            if target is None or not target.is_file() or file_digest(target) != digest:
                continue
            target.unlink()
            removed.append(name)
            for parent in target.parents:
                if parent == folder or not parent.is_relative_to(folder) or any(parent.iterdir()):
                    break
                parent.rmdir()
    return sorted(set(removed))
