"""``build`` over a folder: a mirrored tree of outputs, an index page, and only what
changed is built again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teikit.collection import MANIFEST, build_collection

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude">
  <teiHeader>
    <fileDesc>
      <titleStmt><title>{title}</title><author>{author}</author></titleStmt>
      <publicationStmt><p>Test collection.</p></publicationStmt>
      <sourceDesc><bibl><date when="{date}">{date}</date></bibl></sourceDesc>
    </fileDesc>
  </teiHeader>
  <text><body>{body}</body></text>
</TEI>
"""


def _doc(path: Path, title: str, author: str, date: str, body: str = "<p>Text.</p>") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DOC.format(title=title, author=author, date=date, body=body), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "corpus"
    _doc(root / "one.xml", "Первое письмо", "Анна Петрова", "1901-02-03")
    _doc(root / "letters" / "two.xml", "Second letter", "Ben Jones", "1902")
    _doc(
        root / "letters" / "deep" / "three.xml",
        "Third, with a part",
        "Cleo Ray",
        "1903",
        '<xi:include href="part.xml"/>',
    )
    (root / "letters" / "deep" / "part.xml").write_text(
        '<p xmlns="http://www.tei-c.org/ns/1.0">Included part.</p>', encoding="utf-8"
    )
    return root


def _stamps(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "index.html" and p.name != MANIFEST
    }


def test_outputs_mirror_the_source_tree_with_an_index(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build_collection(corpus, out)
    assert result.report.ok, [str(d) for d in result.report]
    for stem in ("one", "letters/two", "letters/deep/three"):
        for suffix in (".html", ".txt", ".epub"):
            assert (out / f"{stem}{suffix}").is_file()
    assert "Included part." in (out / "letters/deep/three.txt").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    for text in (
        "Первое письмо",
        "Анна Петрова",
        "1901-02-03",
        "Second letter",
        "Ben Jones",
        "1902",
        'href="letters/deep/three.html"',
        'href="letters/two.epub"',
    ):
        assert text in index
    assert sorted(result.built) == ["letters/deep/three.xml", "letters/two.xml", "one.xml"]


def test_a_rerun_skips_every_current_document(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_collection(corpus, out)
    before = _stamps(out)
    again = build_collection(corpus, out)
    assert again.built == [] and len(again.skipped) == 3
    assert _stamps(out) == before
    assert "Second letter" in (out / "index.html").read_text(encoding="utf-8")


def test_only_what_changed_is_built_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_collection(corpus, out)
    _doc(corpus / "one.xml", "Первое письмо, исправленное", "Анна Петрова", "1901-02-03")
    (corpus / "letters" / "deep" / "part.xml").write_text(
        '<p xmlns="http://www.tei-c.org/ns/1.0">A new part.</p>', encoding="utf-8"
    )
    (out / "letters" / "two.txt").unlink()
    result = build_collection(corpus, out)
    assert sorted(result.built) == ["letters/deep/three.xml", "letters/two.xml", "one.xml"]
    assert "A new part." in (out / "letters/deep/three.txt").read_text(encoding="utf-8")
    assert "исправленное" in (out / "index.html").read_text(encoding="utf-8")
    assert build_collection(corpus, out).built == []


def test_a_hand_edited_output_is_rebuilt(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_collection(corpus, out)
    (out / "one.html").write_text("edited by hand", encoding="utf-8")
    assert build_collection(corpus, out).built == ["one.xml"]
    assert "edited by hand" not in (out / "one.html").read_text(encoding="utf-8")


def test_an_invalid_document_is_reported_not_published_and_tried_again(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    _doc(corpus / "bad.xml", "Bad", "Nobody", "1900", "<bogus/>")
    result = build_collection(corpus, out)
    assert not result.report.ok
    assert any(d.file.endswith("bad.xml") for d in result.report.errors)
    assert not (out / "bad.html").exists()
    assert "Bad" not in (out / "index.html").read_text(encoding="utf-8").replace("<tbody>", "")
    again = build_collection(corpus, out)
    assert "bad.xml" not in again.skipped and not again.report.ok


def test_the_cli_builds_a_folder(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    assert main(["build", str(corpus), "-o", str(tmp_path / "out")]) == 0
    assert "built 3, up to date 0" in capsys.readouterr().err
    assert main(["build", str(corpus), "-o", str(tmp_path / "out")]) == 0
    assert "built 0, up to date 3" in capsys.readouterr().err


@pytest.mark.slow
def test_dask_builds_the_same_outputs(corpus: Path, tmp_path: Path) -> None:
    here = build_collection(corpus, tmp_path / "here")
    there = build_collection(corpus, tmp_path / "there", dask="local", jobs=2)
    assert there.report == here.report
    for path in sorted((tmp_path / "here").rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            twin = tmp_path / "there" / path.relative_to(tmp_path / "here")
            assert twin.read_bytes() == path.read_bytes(), path.name
    assert os.path.exists(tmp_path / "there" / "index.html")


def test_the_schema_asked_for_judges_every_document(corpus: Path, tmp_path: Path) -> None:
    """``--schema`` reaches each document of a folder (the project profile is narrower than
    tei_all: these letters are not valid against it), and a build under another schema
    is not taken for current."""
    out = tmp_path / "site"
    assert len(build_collection(corpus, out).built) == 3
    strict = build_collection(corpus, out, schemas=["teikit"])
    assert strict.built == [] and strict.skipped == []
    assert not strict.report.ok
    # three.xml's findings inside the part it XIncludes are located in that part
    assert {Path(d.file or "").name for d in strict.report.errors} == {
        "one.xml",
        "two.xml",
        "three.xml",
        "part.xml",
    }


def test_what_no_document_claims_any_more_is_removed(corpus: Path, tmp_path: Path) -> None:
    """A deleted source's outputs go, and so do those of a document that fails now; an
    output edited by hand stays, and so does the folder that holds it."""
    out = tmp_path / "site"
    build_collection(corpus, out)
    (out / "letters" / "deep" / "three.txt").write_text("my notes", encoding="utf-8")
    (corpus / "letters" / "deep" / "three.xml").unlink()
    _doc(corpus / "one.xml", "Первое письмо", "Анна Петрова", "1901-02-03", "<bogus/>")
    result = build_collection(corpus, out)
    assert result.removed == [
        "letters/deep/three.epub",
        "letters/deep/three.html",
        "one.epub",
        "one.html",
        "one.txt",
    ]
    assert (out / "letters" / "deep" / "three.txt").read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        ".teikit-build.json",
        "index.html",
        "three.txt",
        "two.epub",
        "two.html",
        "two.txt",
    ]
    (out / "letters" / "deep" / "three.txt").unlink()
    (out / "letters" / "deep").rmdir()
    (corpus / "letters" / "two.xml").unlink()
    assert build_collection(corpus, out).removed == [
        "letters/two.epub",
        "letters/two.html",
        "letters/two.txt",
    ]
    assert not (out / "letters").exists()  # the folders it left empty went with it


def test_a_tampered_manifest_removes_nothing_outside_the_site(corpus: Path, tmp_path: Path) -> None:
    import json

    from teikit.validation.digests import file_digest

    out = tmp_path / "site"
    build_collection(corpus, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    digest = file_digest(victim)
    manifest["documents"]["gone.xml"] = {
        "key": "x",
        "outputs": {"../victim.txt": digest, str(victim): digest},
        "images": {"letters/../../victim.txt": digest},
    }
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert build_collection(corpus, out).removed == []
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_the_index_marks_titles_and_authors_with_the_documents_language(
    tmp_path: Path, tei_all: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index page is in English; RusDraCor's titles were read as English words by a
    screen reader ("Чайка" under <html lang="en">, no lang of its own)."""
    monkeypatch.chdir(tmp_path)
    doc = _doc(tmp_path / "corpus" / "chaika.xml", "Чайка", "Антон Чехов", "1896")
    doc.write_text(doc.read_text("utf-8").replace("<TEI ", '<TEI xml:lang="ru" '), "utf-8")
    build_collection(tmp_path / "corpus", tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<td lang="ru">Чайка</td><td lang="ru">Антон Чехов</td><td>1896</td>' in index
