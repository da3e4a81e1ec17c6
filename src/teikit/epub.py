"""EPUB 3 packaging: OCF zip, package document (OPF) and nav around the stylesheet's XHTML.

``xslt/epub.xsl`` turns the TEI into a bundle of XHTML documents plus the metadata read
from the header; this module serialises them and adds what is pure packaging: the
identifier, the modification date, the manifest and spine, accessibility metadata and
the zip container.

Rebuilds are byte-identical: the identifier is derived from the document (its ``idno``
or its content), ``dcterms:modified`` and every zip timestamp come from
``SOURCE_DATE_EPOCH`` or the document's own dates (never the clock), entries are written
in a fixed order with fixed permissions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, TeikitError
from teikit.files import file_inside, write_atomic
from teikit.namespaces import DC as DC_NS
from teikit.namespaces import EPUB_OPS, OCF_CONTAINER, XML
from teikit.namespaces import OPF as OPF_NS
from teikit.namespaces import TEIKIT_BUNDLE as BUNDLE_NS
from teikit.namespaces import XHTML as XHTML_NS
from teikit.resources import stylesheet
from teikit.transform import Result, epub_bundle

if TYPE_CHECKING:
    from teikit.document import Document

#: Used when neither SOURCE_DATE_EPOCH nor the document gives a date.
FALLBACK_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: The zip format cannot store dates before this…
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
#: …nor after this (a seven-bit year counted from 1980; two-second resolution).
_ZIP_END = dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.UTC)

CONTAINER = f"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="{OCF_CONTAINER}">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
""".encode()

_WHEN = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?")


def _parse_when(value: str) -> dt.datetime | None:
    m = _WHEN.match(value.strip())
    if not m or m.group(1).startswith("-"):
        return None
    year, month, day, hour, minute, second = (
        int(g) if g else d for g, d in zip(m.groups(), (0, 1, 1, 0, 0, 0), strict=True)
    )
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        return None


def modified_date(doc: Document) -> dt.datetime:
    """The publication's fixed "last modified" moment.

    ``SOURCE_DATE_EPOCH`` (reproducible-builds convention) wins; else the latest
    ``revisionDesc/change/@when``; else ``publicationStmt/date``; else a fixed date.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    changes = [
        _parse_when(w) for w in doc.xpath("//tei:teiHeader/tei:revisionDesc//tei:change/@when")
    ]
    found = [c for c in changes if c]
    if found:
        return max(found)
    for value in doc.xpath(
        "//tei:teiHeader/tei:fileDesc/tei:publicationStmt/tei:date/@when"
        " | //tei:teiHeader/tei:fileDesc/tei:publicationStmt/tei:date"
    ):
        when = _parse_when(str(value))
        if when:
            return when
    return FALLBACK_DATE


#: idno values that hold a place rather than identify: "XXXX", "TODO", "0000", "n/a"…
_PLACEHOLDER = re.compile(r"^(?:(.)\1*|todo|tbd|tba|none|null|n/?a|unknown|\?+|-+)$", re.IGNORECASE)
#: idno types that name a collection many documents share, not the document itself.
_SHARED_TYPES = {"series", "project", "corpus", "collection", "edition", "repository"}


def real_idno(value: str, idno_type: str | None) -> bool:
    """Whether an ``idno`` identifies this document: not a placeholder such as "XXXX"
    (which a whole corpus may share), not typed as the identifier of a collection, and
    long enough to be unique (four letters or digits at least)."""
    core = re.sub(r"\W", "", value)
    return (
        len(core) >= 4
        and not _PLACEHOLDER.match(value.strip())
        and not _PLACEHOLDER.match(core)
        and (idno_type or "").lower() not in _SHARED_TYPES
    )


def identifier(doc: Document) -> str:
    """``urn:uuid:`` derived from the document's real idno, else from its content.

    Why UUIDv5: stable on rebuild, and unique per document even when the idno is a URL or
    a shelf mark; placeholders ("XXXX", shared by 26 Schnitzler letters) are skipped, so
    two documents never share an identifier because of them.
    """
    idnos = [
        " ".join(str(i.text or "").split())
        for i in doc.xpath("//tei:teiHeader/tei:fileDesc/tei:publicationStmt/tei:idno")
        if real_idno(str(i.text or ""), i.get("type"))
    ]
    if idnos:
        seed = "teikit:idno:" + idnos[0]
    else:
        seed = (
            "teikit:sha256:" + hashlib.sha256(etree.tostring(doc.tree, method="c14n")).hexdigest()
        )
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"


#: The user's ``--css`` inside the EPUB (``OEBPS/``).
CUSTOM_CSS = "custom.css"

#: Image types an EPUB 3 reading system must show (core media types), by extension.
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
}


def _images(
    doc: Document, bundle: etree._Element, docs: list[etree._Element]
) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The local images the stylesheet placed (``b:image``), read from the document's
    folder, as ``OEBPS/…`` files.

    Why only from the document's folder (:func:`teikit.files.file_inside`, the test every
    copier of images shares): a TEI file from a stranger must not pull, say, ``~/.ssh``
    into a publication; an image that is missing or outside the folder is replaced in the
    text by its description, with a warning.
    """
    files: dict[str, bytes] = {}
    found: list[Diagnostic] = []
    folder = (doc.path.parent if doc.path else Path.cwd()).resolve()
    missing: set[str] = set()
    for image in bundle.iterfind(f"{{{BUNDLE_NS}}}image"):
        href, src = image.get("href", ""), image.get("src", "")
        path = file_inside(folder, src)
        if path is not None and href.rsplit(".", 1)[-1] in IMAGE_TYPES:
            files[f"OEBPS/{href}"] = path.read_bytes()
        else:
            missing.add(href)
            found.append(
                Diagnostic(
                    Severity.WARNING,
                    "epub:image-missing",
                    f"the image '{src}' is not a file inside the document's "
                    "folder; the EPUB shows its description instead.",
                    file=str(doc.path or ""),
                )
            )
    for d in docs:
        for img in d.iter(f"{{{XHTML_NS}}}img"):
            if img.get("src") in missing:
                img.tag = f"{{{XHTML_NS}}}span"
                img.text = img.get("alt") or img.get("src")
                for name in ("src", "alt"):
                    img.attrib.pop(name, None)
    return files, found


#: What lxml copies from the bundle's root into a content document's start tag.
_BUNDLE_DECLARATION = f' xmlns:b="{BUNDLE_NS}"'.encode()
_TOP_NAMESPACES = {None: XHTML_NS, "epub": EPUB_OPS}


def _xhtml(html: etree._Element) -> bytes:
    """One content document, serialised as XHTML5 with the HTML doctype.

    Cleaned up in place (the bundle is not read for content afterwards): the copy through
    text this used to make cost a fifth of a second on a large dictionary. Serialising an
    element repeats its ancestors' namespace declarations: the bundle's own is dropped
    from the start tag; should any other be there, the copy cleans up as before.
    """
    etree.cleanup_namespaces(html, top_nsmap=_TOP_NAMESPACES, keep_ns_prefixes=["epub"])
    body = etree.tostring(html, encoding="utf-8", xml_declaration=False)
    end = body.index(b">")
    start = body[:end].replace(_BUNDLE_DECLARATION, b"", 1)
    if b" xmlns:" in start.replace(b' xmlns:epub="', b""):
        copy = etree.fromstring(body)
        etree.cleanup_namespaces(copy, top_nsmap=_TOP_NAMESPACES, keep_ns_prefixes=["epub"])
        body = etree.tostring(copy, encoding="utf-8", xml_declaration=False)
    else:
        body = start + body[end:]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n' + body + b"\n"


def _opf(
    doc: Document,
    meta: etree._Element,
    docs: list[etree._Element],
    modified: dt.datetime,
    images: list[str],
    custom_css: bool = False,
) -> bytes:
    """The package document: Dublin Core, accessibility metadata, manifest and spine."""
    e = etree.Element
    package = e(
        f"{{{OPF_NS}}}package",
        nsmap={None: OPF_NS},
        version="3.0",
        attrib={"unique-identifier": "uid"},
    )
    lang = meta.get("lang") or "und"
    package.set(f"{{{XML}}}lang", lang)
    metadata = etree.SubElement(package, f"{{{OPF_NS}}}metadata", nsmap={"dc": DC_NS})

    def dc(name: str, text: str, **attrs: str) -> etree._Element:
        el: etree._Element = etree.SubElement(metadata, f"{{{DC_NS}}}{name}", attrib=attrs)
        el.text = text
        return el

    def prop(name: str, text: str, **attrs: str) -> etree._Element:
        attrib: dict[str, str] = {"property": name, **attrs}
        el: etree._Element = etree.SubElement(metadata, f"{{{OPF_NS}}}meta", attrib=attrib)
        el.text = text
        return el

    dc("identifier", identifier(doc), id="uid")
    dc("title", meta.get("title") or doc.name, id="title")
    dc("language", lang)
    for i, creator in enumerate(meta.iterfind(f"{{{BUNDLE_NS}}}creator"), start=1):
        dc("creator", creator.get("name", ""), id=f"creator{i}")
        prop("file-as", creator.get("file-as", ""), refines=f"#creator{i}")
        prop("role", "aut", refines=f"#creator{i}", scheme="marc:relators")
    if meta.get("date"):
        dc("date", meta.get("date", ""))
    if meta.get("description"):
        dc("description", meta.get("description", ""))
    if meta.get("source"):
        dc("source", meta.get("source", ""))
    if meta.get("rights"):
        dc("rights", meta.get("rights", ""))
    prop("dcterms:modified", modified.strftime("%Y-%m-%dT%H:%M:%SZ"))

    _accessibility(meta, lang, prop, doc.name)
    _manifest(package, docs, images, custom_css, rtl=meta.get("dir") == "rtl")
    return etree.tostring(package, encoding="utf-8", xml_declaration=True, pretty_print=True)


Prop = Callable[..., etree._Element]


def _accessibility(meta: etree._Element, lang: str, prop: Prop, name: str) -> None:
    """EPUB Accessibility 1.1 metadata, claiming only what the publication backs.

    Why conditional: the conformance claim (WCAG 2.1 AA) needs a language and a text
    alternative for every image; a book that lacks them says so instead of claiming.
    """
    has_pages = int(meta.get("pages") or 0) > 0
    pictures = int(meta.get("images") or 0)
    described = pictures == 0 or int(meta.get("images-without-alt") or 0) == 0
    prop("schema:accessMode", "textual")
    if pictures:
        prop("schema:accessMode", "visual")
    prop("schema:accessModeSufficient", "textual" if described else "textual,visual")
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if has_pages:
        features.append("pageNavigation")
    if meta.get("index") == "true":
        features.append("index")
    for feature in features:
        prop("schema:accessibilityFeature", feature)
    prop("schema:accessibilityHazard", "none")
    summary = (
        "Text and images" if pictures else "Text only"
    ) + ", with headings, a table of contents and a reading order that follows the source."
    if has_pages:
        # pageBreakSource says whose pages they are (a transcription's, pb/@edRef): the
        # summary does not guess that they are a printed edition's
        summary += " Page breaks are marked and listed."
    if pictures:
        summary += (
            " Every image has a text alternative."
            if described
            else " Some images have no text alternative."
        )
    prop("schema:accessibilitySummary", summary)
    if has_pages:
        prop(
            "pageBreakSource",
            meta.get("page-source") or meta.get("source") or meta.get("title") or name,
        )
    # the conformance claim only when what backs it holds: a language, and a text
    # alternative for every image (the rest is structural and always made)
    if described and lang != "und":
        prop("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")


def _manifest(
    package: etree._Element,
    docs: list[etree._Element],
    images: list[str],
    custom_css: bool,
    rtl: bool = False,
) -> None:
    """The manifest (content documents, CSS, the user's CSS, images) and the spine, whose
    pages turn from right to left in a right-to-left book (Arabic, Hebrew)."""
    manifest = etree.SubElement(package, f"{{{OPF_NS}}}manifest")
    spine = etree.SubElement(package, f"{{{OPF_NS}}}spine")
    if rtl:
        spine.set("page-progression-direction", "rtl")
    for i, d in enumerate(docs):
        href = d.get("href", "")
        item_id = "nav" if d.get("kind") == "nav" else f"d{i:03d}"
        attrs = {"id": item_id, "href": href, "media-type": "application/xhtml+xml"}
        if d.get("kind") == "nav":
            attrs["properties"] = "nav"
        etree.SubElement(manifest, f"{{{OPF_NS}}}item", attrib=attrs)
        etree.SubElement(spine, f"{{{OPF_NS}}}itemref", idref=item_id)
    etree.SubElement(
        manifest,
        f"{{{OPF_NS}}}item",
        id="css",
        href="teikit.css",
        attrib={"media-type": "text/css"},
    )
    if custom_css:
        etree.SubElement(
            manifest,
            f"{{{OPF_NS}}}item",
            id="css-custom",
            href=CUSTOM_CSS,
            attrib={"media-type": "text/css"},
        )
    for i, href in enumerate(images, start=1):
        etree.SubElement(
            manifest,
            f"{{{OPF_NS}}}item",
            id=f"img{i:03d}",
            href=href,
            attrib={"media-type": IMAGE_TYPES[href.rsplit(".", 1)[-1]]},
        )


def _deflate(data: bytes) -> tuple[bytes, int]:
    """``data`` as the raw deflate stream zipfile writes at level 9, and its CRC-32."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


def _central_entry(info: zipfile.ZipInfo, stamp: tuple[int, ...]) -> bytes:
    """The central directory's record of one member, as zipfile writes it."""
    name = info.filename.encode()
    flags = 0 if name.isascii() else 0x800  # zipfile's "the name is UTF-8" flag
    dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    dostime = stamp[3] << 11 | stamp[4] << 5 | stamp[5] // 2
    fields: tuple[int, ...] = (info.create_version, info.create_system, info.extract_version)
    fields += (0, flags, info.compress_type, dostime, dosdate, info.CRC, info.compress_size)
    fields += (info.file_size, len(name), 0, 0, 0, 0, info.external_attr, info.header_offset)
    return struct.pack("<4s4B4HL2L5H2L", b"PK\001\002", *fields) + name


def _zip(files: dict[str, bytes], when: dt.datetime) -> bytes:
    """The OCF container: ``mimetype`` first and stored, then the rest in sorted order.

    Why not ``zipfile.writestr``: it compresses one member after the other on one core,
    and level 9 over a novel's chapters was an eighth of its build. zlib releases the
    GIL, so the members are deflated on two threads and laid out here exactly as zipfile
    lays them out (its own headers, its central directory; a test compares the bytes).
    """
    stamp = min(max(when, _ZIP_EPOCH), _ZIP_END).timetuple()[:6]
    names = ["mimetype"] + sorted(n for n in files if n != "mimetype")
    with ThreadPoolExecutor(2) as pool:
        packed = list(pool.map(_deflate, (files[n] for n in names[1:])))
    packed.insert(0, (files["mimetype"], zlib.crc32(files["mimetype"])))
    out = io.BytesIO()
    infos = []
    for name, (data, crc) in zip(names, packed, strict=True):
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
        info.file_size, info.compress_size, info.CRC = len(files[name]), len(data), crc
        info.header_offset = out.tell()
        out.write(info.FileHeader(False) + data)
        infos.append(info)
    start = out.tell()
    if start > zipfile.ZIP64_LIMIT or max(map(len, files.values())) > zipfile.ZIP64_LIMIT:
        raise TeikitError("the EPUB would be larger than 2 GB, which teikit does not write.")
    for info in infos:
        out.write(_central_entry(info, stamp))
    size = out.tell() - start
    out.write(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(infos), len(infos), size, start, 0))
    return out.getvalue()


def epub_bytes(
    doc: Document, params: dict[str, str] | None = None, *, xslt: Path | None = None
) -> tuple[bytes, list[Diagnostic]]:
    """The EPUB file for ``doc`` as bytes, and the stylesheet's messages.

    ``params["css"]`` (``--css``) becomes ``custom.css``, a file of its own beside teikit's
    (declared in the manifest, linked after ``teikit.css`` by every content document, so
    its rules win and a reader sees which rules are the user's); ``xslt`` overrides
    teikit's templates as for HTML.
    """
    result = epub_bundle(doc, params, xslt=xslt)
    try:
        bundle = etree.fromstring(result.output.encode("utf-8"))
    except etree.XMLSyntaxError as exc:  # would be a bug in epub.xsl
        raise TeikitError(f"the EPUB stylesheet produced malformed XML: {exc}") from None
    meta = bundle.find(f"{{{BUNDLE_NS}}}meta")
    docs = bundle.findall(f"{{{BUNDLE_NS}}}doc")
    if meta is None or not docs:
        raise TeikitError("the EPUB stylesheet produced no documents.")
    files: dict[str, bytes] = {
        "mimetype": b"application/epub+zip",
        "META-INF/container.xml": CONTAINER,
        "OEBPS/teikit.css": stylesheet("teikit.css").read_bytes(),
    }
    css = (params or {}).get("css", "")
    if css:
        files[f"OEBPS/{CUSTOM_CSS}"] = css.lstrip("\n").encode("utf-8")
    images, found = _images(doc, bundle, docs)
    files.update(images)
    for d in docs:
        html = d.find(f"{{{XHTML_NS}}}html")
        if html is None:
            raise TeikitError(f"the EPUB stylesheet made no html for {d.get('href')}.")
        files[f"OEBPS/{d.get('href')}"] = _xhtml(html)
    when = modified_date(doc)
    files["OEBPS/content.opf"] = _opf(
        doc, meta, docs, when, sorted(n.removeprefix("OEBPS/") for n in images), bool(css)
    )
    return _zip(files, when), result.diagnostics + found


def write_epub(
    doc: Document, path: Path, params: dict[str, str] | None = None, *, xslt: Path | None = None
) -> Result[Path]:
    """Write ``doc`` as an EPUB 3 file at ``path`` (atomically): the path and the messages."""
    data, diagnostics = epub_bytes(doc, params, xslt=xslt)
    return Result(write_atomic(Path(path), data), diagnostics)
