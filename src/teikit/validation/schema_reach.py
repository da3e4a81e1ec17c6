"""Which files a RelaxNG schema would make libxml2 read, checked before it reads them.

Why: a schema teikit cannot reduce per document (one with ``externalRef``, a nested
``grammar``, an include it cannot follow) is compiled whole by libxml2, which follows
``include`` and ``externalRef`` wherever they point: an absolute path, ``../..``, a
``file:`` URL, an ``xml:base``. A document names its schema in an ``xml-model`` PI, so
in CI on a pull request a stranger's schema could make teikit read any file the runner
can read (and report what it found in it) or probe which files exist. A schema may
read files in its own folder tree (as teikit's own builder requires) and, like the
schemas documents name, in the project (:func:`teikit.loading.scope.inside_project`:
the working folder, the folders validated, the schema's own repository, so that
``schemas/tei/main.rng`` may include ``schemas/common/parts.rng``); this finds the
first reference to anything else.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from lxml import etree

from teikit.diagnostics import TeikitError, error
from teikit.loading.scope import inside_project
from teikit.namespaces import RELAXNG

_R = f"{{{RELAXNG}}}"
#: Most schema files followed (a loop of includes ends here; libxml2 stops it too).
MAX_FILES = 1000
#: No entities, no DTD, no network: reading a schema to check it must not read more.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _target(ref: etree._Element, fallback: str) -> Path | None:
    """The local file ``ref``'s ``href`` names, resolved as libxml2 resolves it
    (against ``xml:base`` and the file's own URL), or None for anything not local."""
    url = urljoin(ref.base or fallback, ref.get("href", "").strip())
    parts = urlsplit(url)
    if parts.scheme not in ("", "file") or parts.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(parts.path)).resolve()


def outside_reference(path: Path, data: bytes) -> tuple[etree._Element, Path] | None:
    """The first ``include`` or ``externalRef`` (and the file it is written in: ``path``
    or a file the schema reads) that names a remote file, or one outside both ``path``'s
    folder tree and the project, in the schema ``data`` read from ``path``; None when
    every file it reads lies inside."""
    folder = path.resolve().parent
    pending = [(data, path)]
    seen = {path.resolve()}
    while pending and len(seen) <= MAX_FILES:
        raw, where = pending.pop()
        try:
            root = etree.fromstring(raw, _PARSER, base_url=where.resolve().as_uri())
        except etree.XMLSyntaxError:
            continue  # libxml2 reports it when it compiles
        for ref in root.iter(f"{_R}include", f"{_R}externalRef"):
            target = _target(ref, where.resolve().as_uri())
            if target is None or not (
                target.is_relative_to(folder) or inside_project(target, path)
            ):
                return ref, where
            if target not in seen:
                seen.add(target)
                try:
                    pending.append((target.read_bytes(), target))
                except OSError:
                    continue  # libxml2 reports the missing file when it compiles
    return None


def refuse_outside(path: Path, data: bytes) -> None:
    """Raise when libxml2, compiling the schema whole, would read a file outside the
    schema's folder tree or a remote one (:func:`outside_reference`)."""
    found = outside_reference(path, data)
    if found is not None:
        ref, file = found
        href = ref.get("href", "").strip()
        message = (
            f"The RelaxNG schema {path} is refused: <{etree.QName(ref).localname} "
            f'href="{href}"> names a file outside both the schema\'s folder and the project '
            "(the working folder, the folders validated, the schema's repository), or on "
            "the network. Copy that file beside the schema."
        )
        line = ref.sourceline or 0
        diagnostic = error("schema:unsafe", message, file=str(file), line=line, column=1)
        raise TeikitError(message, diagnostic)
