"""``build`` over a folder: every document's outputs in a mirrored tree, and an index page.

Why a module beside :mod:`teikit.publish` and not inside it: publishing one document (what
it is validated against, which formats, how they are written) stays
:func:`teikit.publish.build`'s; this module only decides *which* documents need building,
runs that function on them (here, in ``jobs`` processes, or on a Dask cluster) and writes
what only a collection has: ``index.html``, listing every published document's titles,
authors and dates with links to its outputs.

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
import html
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from teikit import namespaces
from teikit.diagnostics import Report, Severity, UsageError
from teikit.files import write_atomic
from teikit.locations import display_path

__all__ = ["CollectionResult", "build_collection"]

MANIFEST = ".teikit-build.json"
INDEX = "index.html"
TEI = "{" + namespaces.TEI + "}"


@dataclass(frozen=True)
class Job:
    """What every document's build shares (plain values: it travels to workers)."""

    source: str
    output: str
    force: bool = False
    #: the user's ``--css`` and ``--xslt`` files (:class:`teikit.publish.Customisation`)
    css: str | None = None
    xslt: str | None = None


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


def _stylesheets_digest() -> str:
    """Name, size and mtime of every stylesheet: outputs depend on them as on the code."""
    from teikit.resources import xslt_dir

    digest = hashlib.sha256()
    for path in sorted(xslt_dir().rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _key(path: Path, deps: dict[str, str], job: Job) -> str:
    """What decides a document's outputs; the user's CSS and XSLT by content, so editing
    them rebuilds every document."""
    from teikit.validation.cache import file_digest, fingerprint

    material = json.dumps(
        {
            "source": file_digest(path),
            "deps": deps,
            "teikit": fingerprint(),
            "xslt": _stylesheets_digest(),
            "force": job.force,
            "custom": [file_digest(Path(f)) if f else None for f in (job.css, job.xslt)],
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _meta(doc: object) -> dict[str, object]:
    """Titles, authors and dates from the teiHeader, for the index page."""
    root = doc.tree.getroot()  # type: ignore[attr-defined]

    def texts(path: str) -> list[str]:
        return [" ".join("".join(el.itertext()).split()) for el in root.iterfind(path)]

    stmt = f"{TEI}teiHeader/{TEI}fileDesc/{TEI}titleStmt"
    dates = [
        el.get("when") or " ".join("".join(el.itertext()).split())
        for el in root.iterfind(f"{TEI}teiHeader//{TEI}sourceDesc//{TEI}date")
    ]
    dates += [
        el.get("when") or " ".join("".join(el.itertext()).split())
        for el in root.iterfind(f"{TEI}teiHeader/{TEI}fileDesc/{TEI}publicationStmt/{TEI}date")
    ]
    return {
        "titles": [t for t in texts(f"{stmt}/{TEI}title") if t],
        "authors": [a for a in texts(f"{stmt}/{TEI}author") if a],
        "date": next((d for d in dates if d), ""),
    }


def build_one(path: str, job: Job) -> Built:
    """Build one document into its mirrored folder (runs in any process: a worker too)."""
    from teikit.diagnostics import LoadError
    from teikit.document import load
    from teikit.loading import dependencies
    from teikit.publish import SUFFIXES, Customisation, build
    from teikit.validation.cache import file_digest

    source = Path(path)
    shown = display_path(path)
    folder = Path(job.output) / source.parent.relative_to(job.source)
    with dependencies() as deps:
        try:
            meta = _meta(load(source))
        except LoadError as exc:
            if exc.diagnostic and exc.diagnostic.rule == "load:not-tei":
                return Built(path, Report())  # a part others XInclude, an ODD: not a document
            found = [exc.diagnostic] if exc.diagnostic else []
            return Built(path, Report(diagnostics=found, files=[shown], input_error=True))
        custom = Customisation(
            Path(job.css) if job.css else None, Path(job.xslt) if job.xslt else None
        )
        report, written = build(source, folder, force=job.force, custom=custom)
    report.files = [shown]
    deps.discard(source.resolve())
    read = {str(d): file_digest(d) for d in sorted(deps)}
    outputs = {Path(p).relative_to(job.output).as_posix(): file_digest(Path(p)) for p in written}
    images = {n: outputs.pop(n) for n in list(outputs) if Path(n).suffix not in SUFFIXES.values()}
    key = _key(source, read, job) if written else ""
    return Built(path, report, outputs, meta, key, read, images)


def _current(path: Path, entry: object, output: Path, job: Job) -> bool:
    """Whether the manifest entry says ``path``'s outputs are up to date."""
    from teikit.validation.cache import file_digest

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
    dask: str | None,
    on_file: Callable[[int, int], None] | None,
) -> Iterator[Built]:
    """Each path's :func:`build_one`, in order, here, in a pool, or on a Dask cluster."""
    if dask:
        from teikit.validation.cluster import map_paths

        yield from map_paths(
            build_one, paths, job, dask, on_file=on_file, workers=jobs if jobs > 1 else None
        )
        return
    if jobs <= 1 or len(paths) <= 1:
        for done, path in enumerate(paths, 1):
            yield build_one(path, job)
            if on_file:
                on_file(done, len(paths))
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for done, built in enumerate(pool.map(build_one, paths, [job] * len(paths)), 1):
            yield built
            if on_file:
                on_file(done, len(paths))


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
) -> CollectionResult:
    """Build every ``*.xml`` below ``source`` into the same layout below ``output``, skip
    documents whose outputs are current, and write ``output/index.html``; ``css`` and
    ``xslt`` customise every document as ``teikit build --css/--xslt`` does."""
    from teikit.validation.batch import expand_paths

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
    result = CollectionResult(report)
    job = Job(
        str(source),
        str(output),
        force,
        str(css.resolve()) if css else None,
        str(xslt.resolve()) if xslt else None,
    )
    todo = []
    for path in files:
        name = path.relative_to(source).as_posix()
        if _current(path, entries.get(name), output, job):
            result.skipped.append(name)
            report.files.append(display_path(str(path)))
        else:
            todo.append(str(path))
    for built in _run(todo, job, jobs, dask, on_file):
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
    write_atomic(
        output / MANIFEST,
        json.dumps({"format": 1, "documents": entries}, indent=1, sort_keys=True).encode(),
    )
    result.index = write_atomic(output / INDEX, index_page(entries).encode("utf-8"))
    return result


def index_page(entries: dict[str, object]) -> str:
    """The collection's index: one row per published document, links to its outputs."""
    rows = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        meta = entry.get("meta", {})
        titles = meta.get("titles") or [name]
        links = " ".join(
            f'<a href="{html.escape(out)}">{html.escape(os.path.splitext(out)[1][1:])}</a>'
            for out in sorted(entry.get("outputs", {}))
        )
        rows.append(
            "<tr>"
            f"<td>{'<br>'.join(html.escape(str(t)) for t in titles)}</td>"
            f"<td>{html.escape('; '.join(str(a) for a in meta.get('authors', [])))}</td>"
            f"<td>{html.escape(str(meta.get('date', '')))}</td>"
            f"<td>{links}</td></tr>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Collection</title>\n</head>\n<body>\n<main>\n<h1>Collection</h1>\n"
        f'<p>{len(rows)} documents.</p>\n<table>\n<thead><tr><th scope="col">Title</th>'
        '<th scope="col">Authors</th><th scope="col">Date</th>'
        '<th scope="col">Outputs</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
