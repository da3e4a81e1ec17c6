"""Customising without forking (issue 13): ``--css`` and ``--xslt``, with the README's own
example run as the README shows it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import html as lhtml

import teikit
from teikit.diagnostics import UsageError
from teikit.publish import Customisation, transform_file

from conftest import DATA, ROOT

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
    (tmp_path / "letter.xml").write_text(
        LETTER.read_text(encoding="utf-8").replace(
            "<p>ich schicke", "<p><persName>Olga</persName> und ich schicke"
        ),
        encoding="utf-8",
    )
    return tmp_path


def test_readme_example_runs_and_overrides_the_rendering(example: Path) -> None:
    argv = shlex.split(block("console").strip())
    assert argv[0] == "teikit"
    cli = Path(sys.executable).parent / "teikit"
    result = subprocess.run(
        [str(cli), *argv[1:]], cwd=example, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    page = (example / "letter.html").read_text(encoding="utf-8")
    tree = lhtml.document_fromstring(page.encode("utf-8"))
    assert [" ".join(s.text_content().split()) for s in tree.xpath("//span[@class='person']")] == [
        "Olga"
    ]
    assert ".person { font-variant: small-caps; }" in tree.findtext(".//style")


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


def test_css_goes_into_the_epub_stylesheet(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "letter.epub"
    transform_file(
        example / "letter.xml", "epub", None, out, Customisation(css=example / "house.css")
    )
    with zipfile.ZipFile(out) as z:
        assert z.read("OEBPS/teikit.css").decode("utf-8").endswith(block("css"))


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
