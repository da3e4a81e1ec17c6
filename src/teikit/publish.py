"""Publishing: files in, validated outputs out, never half-written.

Why a module of its own: the library's transformations return strings and bytes; this
is where they meet the file system, under one rule — an output file is either the
complete new version or the old one untouched (:func:`teikit.files.write_atomic`), and an
invalid edition is not published unless the caller insists (``force``). An HTML page
written into another folder takes the local images it shows with it
(:func:`copy_images`); an EPUB carries its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from teikit.checkers import check_outputs
from teikit.diagnostics import Diagnostic, Report, UsageError
from teikit.document import Document, load
from teikit.epub import IMAGE_TYPES, epub_bytes
from teikit.files import write_atomic
from teikit.transform import local_images, prepared, run
from teikit.validation import validate_document

if TYPE_CHECKING:
    from teikit.validation.schemas import Settings

#: The edition this repository publishes, relative to the repository's top folder.
EDITION = Path("tei") / "problems-of-development-of-the-ussr-1931.xml"

#: Output format -> file suffix in ``build``.
SUFFIXES = {"html": ".html", "text": ".txt", "epub": ".epub"}


@dataclass(frozen=True)
class Customisation:
    """What a user adds to teikit's rendering without forking it: a CSS file appended to
    the stylesheet of the HTML page and the EPUB, an XSLT file whose templates override
    teikit's (imported with higher precedence; see the README)."""

    css: Path | None = None
    xslt: Path | None = None

    def params(self, fmt: str, params: dict[str, str] | None) -> dict[str, str]:
        """``params`` with the CSS file's text as the ``css`` parameter."""
        out = dict(params or {})
        if self.css is not None:
            if fmt == "text":
                raise UsageError("--css applies to html and epub, not to text.")
            try:
                out["css"] = "\n" + self.css.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"--css {self.css}: {exc}") from None
        return out


def _render(
    doc: Document,
    fmt: str,
    params: dict[str, str] | None,
    report: Report,
    custom: Customisation | None = None,
) -> bytes:
    """The bytes of ``fmt`` for ``doc``; stylesheet messages go into ``report``."""
    custom = custom or Customisation()
    params = custom.params(fmt, params)
    if fmt == "epub":
        data, diagnostics = epub_bytes(doc, params, xslt=custom.xslt)
        _add_new(report, diagnostics)
        return data
    result = run(doc, fmt, params, xslt=custom.xslt)
    _add_new(report, result.diagnostics)
    return result.output.encode("utf-8")


def _add_new(report: Report, diagnostics: list[Diagnostic]) -> None:
    """Add the findings ``report`` does not hold yet: the HTML page and the EPUB come from
    the same stylesheet, and a build that reported both would say everything twice."""
    held = set(report.diagnostics)
    report.add(d for d in diagnostics if d not in held)


def copy_images(doc: Document, folder: Path) -> list[Path]:
    """Copy the local images ``doc`` shows into ``folder`` (where its HTML is written),
    each at the relative path the page names it by; return the copies.

    Why: the HTML names images relative to the source, so a page written elsewhere would
    show none. Only what :func:`teikit.transform.local_images` allows is copied (a file
    inside the document's folder, links never followed out of it, nothing remote or
    missing), and only image types; each copy is atomic, and one that already has the
    same bytes is left alone (a folder build does not rewrite it), as is the source
    itself when the page is written beside it. An image removed between the look and the
    copy is skipped, as if it had been removed a moment earlier: no traceback.
    """
    copies = []
    for name, source in local_images(doc).items():
        if name.rsplit(".", 1)[-1].lower() not in IMAGE_TYPES:
            continue
        target = Path(folder) / name
        if target.resolve() == source:
            continue
        try:
            data = source.read_bytes()
        except OSError:  # gone since it was found: the page names what is not there
            continue
        if not _holds(target, data):
            write_atomic(target, data)
        copies.append(target)
    return copies


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a file with exactly ``data`` (size first: cheap)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def transform_file(
    src: Path,
    fmt: str,
    params: dict[str, str] | None = None,
    out: Path | None = None,
    custom: Customisation | None = None,
) -> tuple[Report, str | None]:
    """Transform one file; returns the report and, when ``out`` is None, the output text.

    HTML and text go to stdout (the returned string) unless ``out`` is given; an EPUB is
    binary and always goes to a file, by default ``<src stem>.epub`` beside the working
    folder. An HTML file takes the local images it shows along (:func:`copy_images`).
    A :class:`~teikit.diagnostics.LoadError` propagates (the CLI exits 2).
    """
    if fmt not in SUFFIXES:
        raise UsageError(f"unknown output format '{fmt}'; choose html, text or epub.")
    doc = load(src)
    report = Report(files=[str(src)])
    data = _render(doc, fmt, params, report, custom)
    if fmt == "epub" and out is None:
        out = Path(f"{Path(src).stem}.epub")
    if out is None:
        return report, data.decode("utf-8")
    write_atomic(out, data)
    if fmt == "html" and out.is_file():  # not a device such as /dev/stdout
        copy_images(doc, out.parent)
    return report, None


def build(
    src: Path,
    out_dir: Path,
    force: bool = False,
    check: bool = False,
    *,
    schemas: Sequence[str] | None = None,
    settings: Settings | None = None,
    custom: Customisation | None = None,
) -> tuple[Report, list[Path]]:
    """Validate ``src``, then write ``<stem>.html``, ``.txt`` and ``.epub`` into ``out_dir``,
    and the local images the HTML shows (:func:`copy_images`, listed after the outputs).

    An invalid document is not published (the report holds the validation errors and no
    file is written) unless ``force``. All three outputs are rendered in memory before
    the first is written, so a failing stylesheet leaves the previous build untouched.
    With ``check``, the written HTML and EPUB then go through the Nu checker and epubcheck
    (:mod:`teikit.checkers`), whose findings join the report. ``custom`` is the user's
    ``--css`` (HTML and EPUB; the text has no stylesheet) and ``--xslt`` (all three).
    """

    doc = load(src)
    report = validate_document(doc, schemas, settings=settings)
    if not report.ok and not force:
        return report, []
    custom = custom or Customisation()
    rendered: dict[str, bytes] = {}
    with prepared(doc) if custom.xslt is None else nullcontext():
        for fmt in ("html", "text", "epub"):
            own = Customisation(None, custom.xslt) if fmt == "text" else custom
            rendered[fmt] = _render(doc, fmt, None, report, own)
    written = []
    for fmt, data in rendered.items():
        written.append(write_atomic(Path(out_dir) / f"{doc.name}{SUFFIXES[fmt]}", data))
    written += copy_images(doc, Path(out_dir))
    if check:
        report.add(check_outputs(written))
    return report, written


def default_edition() -> Path:
    """The edition in ``tei/`` below the current folder (what ``teikit build`` builds)."""
    if not EDITION.is_file():
        raise UsageError(
            f"no input given and the edition {EDITION} is not in the current "
            f"folder {Path.cwd()}; run teikit build from the repository's top "
            "folder or name a TEI file."
        )
    return EDITION
