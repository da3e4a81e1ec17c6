"""Customising without forking (issue 13): ``--css`` and ``--xslt`` on ``transform`` and
``build`` (one document and a folder), with the README's own example run as the README
shows it; the customised EPUB passes epubcheck and the page the Nu checker."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.collection import build_collection
from teikit.diagnostics import UsageError
from teikit.publish import Customisation, build, transform_file

from conftest import DATA, ROOT
from helpers import epubcheck, nu

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("### Customising without forking", 1)[1].split("\n## ", 1)[0]
LETTER = DATA / "structures" / "letter.xml"


def block(language: str) -> str:
    (found,) = re.findall(rf"```{language}\n(.*?)```", SECTION, flags=re.S)
    return str(found)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The README's example files, and a letter with persons, in a scratch folder."""
    (tmp_path / "names.xsl").write_text(block("xslt"), encoding="utf-8")
    (tmp_path / "house.css").write_text(block("css"), encoding="utf-8")
    # valid against tei_all (build validates first): a publisher before the idno
    (tmp_path / "letter.xml").write_text(
        LETTER.read_text(encoding="utf-8")
        .replace("<p>ich schicke", "<p><persName>Olga</persName> und ich schicke")
        .replace("<publicationStmt>", "<publicationStmt><publisher>Beispiel</publisher>"),
        encoding="utf-8",
    )
    return tmp_path


def persons(page: str) -> list[str]:
    tree = lhtml.document_fromstring(page.encode("utf-8"))
    return [" ".join(s.text_content().split()) for s in tree.xpath("//span[@class='person']")]


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def assert_customised_epub(path: Path) -> None:
    """The user's CSS is its own file, declared in the manifest and linked by every
    content document after teikit's; the user's XSLT rendered the names."""
    files = epub_files(path)
    assert files["OEBPS/custom.css"].decode("utf-8") == block("css")
    assert not files["OEBPS/teikit.css"].decode("utf-8").endswith(block("css"))
    opf = etree.fromstring(files["OEBPS/content.opf"])
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    assert opf.xpath("//opf:item[@href='custom.css']/@media-type", namespaces=ns) == ["text/css"]
    pages = [n for n in files if n.endswith(".xhtml")]
    for name in pages:
        links = etree.fromstring(files[name]).xpath(
            "//h:link/@href", namespaces={"h": "http://www.w3.org/1999/xhtml"}
        )
        assert links == ["teikit.css", "custom.css"], name
    assert any(b'<span class="person">' in files[n] for n in pages)


def test_readme_example_runs_and_overrides_the_rendering(example: Path) -> None:
    lines = block("console").strip().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["teikit", "transform"],
        ["teikit", "build"],
    ]
    cli = Path(sys.executable).parent / "teikit"
    for line in lines:
        argv = shlex.split(line)
        result = subprocess.run(
            [str(cli), *argv[1:]], cwd=example, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, (line, result.stderr)
    for page in (example / "letter.html", example / "site" / "letter.html"):
        html = page.read_text(encoding="utf-8")
        assert persons(html) == ["Olga"], page
        style = lhtml.document_fromstring(html.encode("utf-8")).findtext(".//style")
        assert style.endswith(".person { font-variant: small-caps; }\n"), page
    assert_customised_epub(example / "site" / "letter.epub")
    text = (example / "site" / "letter.txt").read_text(encoding="utf-8")
    assert "Olga und ich schicke" in text


def test_build_takes_the_customisation(example: Path, tmp_path: Path) -> None:
    custom = Customisation(example / "house.css", example / "names.xsl")
    report, written = build(example / "letter.xml", tmp_path / "out", custom=custom)
    assert report.ok, [str(d) for d in report]
    assert sorted(p.name for p in written) == ["letter.epub", "letter.html", "letter.txt"]
    assert persons((tmp_path / "out" / "letter.html").read_text(encoding="utf-8")) == ["Olga"]
    assert_customised_epub(tmp_path / "out" / "letter.epub")


def test_build_without_css_has_no_custom_stylesheet(example: Path, tmp_path: Path) -> None:
    build(example / "letter.xml", tmp_path / "out")
    files = epub_files(tmp_path / "out" / "letter.epub")
    assert "OEBPS/custom.css" not in files
    assert b"custom.css" not in files["OEBPS/content.opf"]


def test_folder_build_customises_every_document_and_rebuilds_when_css_changes(
    example: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for target in (corpus / "a.xml", corpus / "sub" / "b.xml"):
        target.write_bytes((example / "letter.xml").read_bytes())
    css, xslt = example / "house.css", example / "names.xsl"
    site = tmp_path / "site"
    done = build_collection(corpus, site, css=css, xslt=xslt)
    assert sorted(done.built) == ["a.xml", "sub/b.xml"], [str(d) for d in done.report]
    for name in ("a", "sub/b"):
        assert persons((site / f"{name}.html").read_text(encoding="utf-8")) == ["Olga"]
        assert_customised_epub(site / f"{name}.epub")
    assert build_collection(corpus, site, css=css, xslt=xslt).built == []
    css.write_text(block("css") + "h1 { color: teal; }\n", encoding="utf-8")
    again = build_collection(corpus, site, css=css, xslt=xslt)
    assert sorted(again.built) == ["a.xml", "sub/b.xml"]
    assert epub_files(site / "a.epub")["OEBPS/custom.css"].endswith(b"teal; }\n")


def test_folder_build_rebuilds_when_a_stylesheet_the_xslt_imports_changes(
    example: Path, tmp_path: Path
) -> None:
    """The user's XSLT may import its own library: editing that rebuilds too."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.xml").write_bytes((example / "letter.xml").read_bytes())
    library = example / "lib" / "names.xsl"
    library.parent.mkdir()
    library.write_text(block("xslt"), encoding="utf-8")
    main = example / "main.xsl"
    main.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:import href="lib/names.xsl"/></xsl:stylesheet>',
        encoding="utf-8",
    )
    site = tmp_path / "site"
    assert build_collection(corpus, site, xslt=main).built == ["a.xml"]
    assert persons((site / "a.html").read_text(encoding="utf-8")) == ["Olga"]
    assert build_collection(corpus, site, xslt=main).built == []
    library.write_text(block("xslt").replace('class="person"', 'class="who"'), encoding="utf-8")
    assert build_collection(corpus, site, xslt=main).built == ["a.xml"]
    assert persons((site / "a.html").read_text(encoding="utf-8")) == []


def test_folder_build_refuses_a_missing_css_file(example: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--css .*no such file"):
        build_collection(example, tmp_path / "site", css=tmp_path / "nope.css")


def test_build_cli_over_a_folder_takes_css_and_xslt(example: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.xml").write_bytes((example / "letter.xml").read_bytes())
    cli = Path(sys.executable).parent / "teikit"
    result = subprocess.run(
        [str(cli), "build", str(corpus), "-o", str(tmp_path / "site"), "--quiet"]
        + ["--css", str(example / "house.css"), "--xslt", str(example / "names.xsl")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert_customised_epub(tmp_path / "site" / "a.epub")


@pytest.mark.slow
def test_customised_outputs_pass_epubcheck_and_the_nu_checker(
    example: Path, tmp_path: Path
) -> None:
    custom = Customisation(example / "house.css", example / "names.xsl")
    _, written = build(example / "letter.xml", tmp_path / "out", custom=custom)
    (book,) = [p for p in written if p.suffix == ".epub"]
    assert {p.name: epubcheck.problems(m) for p, m in epubcheck.check([book]).items()} == {
        book.name: []
    }
    assert [str(d) for d in nu.errors([p for p in written if p.suffix == ".html"])] == []


def test_elements_not_matched_keep_teikits_rendering(example: Path) -> None:
    _, page = transform_file(
        example / "letter.xml", "html", None, None, Customisation(xslt=example / "names.xsl")
    )
    _, plain = transform_file(example / "letter.xml", "html")
    assert page is not None and plain is not None
    # the one overridden element is wrapped; teikit's rendering of it and of everything
    # else is unchanged
    assert re.findall(r'class="tei-[^"]*"', page) == re.findall(r'class="tei-[^"]*"', plain)
    assert page.count('<span class="person">') == 1


def test_css_goes_into_the_epub_as_its_own_file(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "letter.epub"
    transform_file(
        example / "letter.xml",
        "epub",
        None,
        out,
        Customisation(example / "house.css", example / "names.xsl"),
    )
    assert_customised_epub(out)


def test_css_for_text_is_a_usage_error(example: Path) -> None:
    with pytest.raises(UsageError, match="--css applies to html and epub"):
        transform_file(
            example / "letter.xml", "text", None, None, Customisation(css=example / "house.css")
        )


def test_a_broken_user_stylesheet_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xsl"
    bad.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/'
        'XSL/Transform"><xsl:template match="("/></xsl:stylesheet>'
    )
    with pytest.raises(UsageError, match="does not compile"):
        teikit.transform(teikit.load(LETTER), "html", xslt=bad)


def test_a_user_stylesheet_parameter_is_accepted(tmp_path: Path) -> None:
    own = tmp_path / "own.xsl"
    own.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/'
        'Transform"><xsl:param name="house" select="\'x\'"/></xsl:stylesheet>'
    )
    result = teikit.transform(teikit.load(LETTER), "html", {"house": "y"}, xslt=own)
    assert "Hermann Bahr" in result.output
