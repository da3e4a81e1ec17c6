"""Images travel with the HTML (issue 13): a page written into another folder (``build -o``,
``transform --to html -o``, a folder build's mirrored tree) finds every image it shows.

The HTML names local images relative to the source; the build copies those it shows
(figures' ``graphic/@url``, facsimiles) to the same relative path beside the page. Only
files inside the document's folder are copied: never one outside it, never through a
symbolic link that leads out, never a remote one; those get the warnings they always had.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lhtml

import teikit.publish
from teikit.cli import cli
from teikit.collection import build_collection
from teikit.document import load
from teikit.publish import build, copy_images, transform_file

from conftest import DATA

PNG = DATA / "structures" / "figure1.png"

ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader><fileDesc>
    <titleStmt><title>Pictures</title></titleStmt>
    <publicationStmt><p>Test data.</p></publicationStmt>
    <sourceDesc><p>Made up.</p></sourceDesc>
  </fileDesc></teiHeader>
  <facsimile>
    <surface xml:id="s1" n="1"><graphic url="scans/p1.png"/></surface>
  </facsimile>
  <text><body><div>
    <pb n="1" facs="#s1"/>
    <figure><graphic url="fig/one.png"/><figDesc>A drawing.</figDesc></figure>
    <figure><graphic url="fig/leak.png"/><figDesc>A link out.</figDesc></figure>
    <figure><graphic url="../secret.png"/><figDesc>Upwards.</figDesc></figure>
    <figure><graphic url="https://example.org/far.png"/><figDesc>Remote.</figDesc></figure>
    <p>Text.</p>
  </div></body></text>
</TEI>
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The article with a figure and a facsimile inside its folder, a symbolic link that
    leads out of it, and an image above it (which exists, and must not be copied)."""
    work = tmp_path / "project"
    (work / "fig").mkdir(parents=True)
    (work / "scans").mkdir()
    shutil.copy(PNG, work / "fig" / "one.png")
    shutil.copy(PNG, work / "scans" / "p1.png")
    shutil.copy(PNG, tmp_path / "secret.png")
    os.symlink(tmp_path / "secret.png", work / "fig" / "leak.png")
    (work / "article.xml").write_text(ARTICLE, encoding="utf-8")
    return work


def _sources(page: Path) -> list[str]:
    """Every image the page shows or links to (``img/@src``, the facsimile's ``a/@href``)."""
    tree = lhtml.document_fromstring(page.read_bytes())
    return [str(s) for s in tree.xpath("//img/@src | //a[@class='facs']/@href")]


def _resolves(page: Path) -> None:
    srcs = _sources(page)
    remote = [s for s in srcs if s.startswith("https://")]
    assert remote == ["https://example.org/far.png"]  # the web's, shown as it is
    srcs = [s for s in srcs if s not in remote]
    assert sorted(set(srcs)) == ["fig/one.png", "scans/p1.png"]
    for src in srcs:
        assert (page.parent / src).read_bytes() == PNG.read_bytes(), src


def test_build_into_another_folder_copies_the_images_the_html_shows(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    report, written = build(project / "article.xml", out, force=True)
    _resolves(out / "article.html")
    assert out / "fig" / "one.png" in written and out / "scans" / "p1.png" in written
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert copied == ["fig/one.png", "scans/p1.png"]  # nothing from outside, no link
    assert not (tmp_path / "site" / "fig" / "leak.png").exists()
    missing = [d.message for d in report if d.rule == "epub:image-missing"]
    assert len(missing) == 1 and "fig/leak.png" in missing[0]


def test_the_cli_build_names_the_copies_it_wrote(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    done = CliRunner().invoke(
        cli, ["build", str(project / "article.xml"), "-o", str(out), "--force"]
    )
    assert done.exit_code == 0, done.output
    assert f"wrote {out / 'fig' / 'one.png'}" in done.output
    _resolves(out / "article.html")


def test_transform_to_another_folder_copies_them_too(project: Path, tmp_path: Path) -> None:
    page = tmp_path / "elsewhere" / "page.html"
    transform_file(project / "article.xml", "html", out=page)
    _resolves(page)


def test_a_page_written_beside_its_source_copies_nothing(project: Path) -> None:
    before = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    transform_file(project / "article.xml", "html", out=project / "article.html")
    after = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    assert after == sorted([*before, "article.html"])
    _resolves(project / "article.html")


def test_a_folder_build_copies_into_the_mirrored_tree_and_skips_current_copies(
    project: Path, tmp_path: Path
) -> None:
    source = tmp_path / "corpus"
    shutil.copytree(project.parent, source, symlinks=True)
    site = tmp_path / "out"
    first = build_collection(source, site, force=True)
    assert first.built == ["project/article.xml"]
    _resolves(site / "project" / "article.html")
    copy = site / "project" / "fig" / "one.png"
    assert not (site / "project" / "fig" / "leak.png").exists()
    assert "fig/one.png" not in (site / "index.html").read_text(encoding="utf-8")
    assert build_collection(source, site, force=True).skipped == ["project/article.xml"]
    copy.unlink()  # a deleted copy builds the document again
    assert build_collection(source, site, force=True).built == ["project/article.xml"]
    assert copy.read_bytes() == PNG.read_bytes()
    (source / "project" / "scans" / "p1.png").write_bytes(PNG.read_bytes() + b"\0")
    stamp = copy.stat().st_mtime_ns
    # an edited image builds again; the unchanged copy is left as it was
    assert build_collection(source, site, force=True).built == ["project/article.xml"]
    assert (site / "project" / "scans" / "p1.png").read_bytes().endswith(b"\0")
    assert copy.stat().st_mtime_ns == stamp
    # a figure taken out of the document takes its copy out of the site
    article = source / "project" / "article.xml"
    article.write_text(
        article.read_text(encoding="utf-8").replace('<graphic url="fig/one.png"/>', ""),
        encoding="utf-8",
    )
    assert build_collection(source, site, force=True).removed == ["project/fig/one.png"]
    assert not copy.exists() and not copy.parent.exists()
    assert (site / "project" / "scans" / "p1.png").is_file()


def test_an_image_removed_between_the_look_and_the_copy_is_skipped(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = load(project / "article.xml")
    gone = project / "fig" / "gone.png"
    found = {"fig/one.png": project / "fig" / "one.png", "fig/gone.png": gone}
    monkeypatch.setattr(teikit.publish, "local_images", lambda _doc: found)
    copies = copy_images(doc, tmp_path / "site")
    assert copies == [tmp_path / "site" / "fig" / "one.png"]
    assert not (tmp_path / "site" / "fig" / "gone.png").exists()
