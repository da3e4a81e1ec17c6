"""Streamed reports: the same text as rendered ones, written piece by piece."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import jsonschema
import pytest
import xmlschema

import teikit.render
from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.render import RENDERERS, render, stream


def _report(files: int, per_file: int) -> Report:
    """Findings of every severity, with characters each format must escape."""
    report = Report(files=[f"corpus/d{i}.xml" for i in range(files)] + ["clean.xml"])
    kinds = list(Severity)
    for i in range(files):
        report.schemas[f"corpus/d{i}.xml"] = [SchemaUse("tei_all", "4.3.0")]
        for j in range(per_file):
            report.diagnostics.append(
                Diagnostic(
                    kinds[j % 3],
                    f"rng:rule-{j % 4}",
                    f'bad <x a="1"> & "q" %0A, ü\nline {j}',
                    f"corpus/d{i}.xml",
                    j + 1,
                    2,
                    f"/tei:TEI/tei:p[{j}]",
                    ("a", "b") if j % 2 else (),
                )
            )
    return report


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (3, 5)])
def test_the_stream_is_the_rendered_text(
    fmt: str, shape: tuple[int, int], frozen_clock: None
) -> None:
    report = _report(*shape)
    streamed, rendered = "".join(stream(report, fmt)), render(report, fmt)
    assert streamed.encode("utf-8") == rendered.encode("utf-8")


@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_a_streamed_report_is_valid_against_its_format(shared: Path, fmt: str) -> None:
    """Written piece by piece, SARIF and JUnit still meet their schemas
    (../shared/formats), with findings of every severity and characters to escape."""
    text = "".join(stream(_report(20, 6), fmt))
    if fmt == "sarif":
        schema = json.loads((shared / "formats" / "sarif-schema-2.1.0.json").read_text())
        jsonschema.validate(json.loads(text), schema)
    else:
        xmlschema.XMLSchema(str(shared / "formats" / "JUnit.xsd")).validate(text)


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown"])
def test_a_large_report_streams_in_many_small_pieces(fmt: str) -> None:
    """Never one string the size of the report: the largest piece is a small fraction."""
    report = _report(200, 20)
    pieces = list(stream(report, fmt))
    total = sum(map(len, pieces))
    assert len(pieces) > 1000
    assert max(map(len, pieces)) < total / 100


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_line_per_finding_report_streams_a_bounded_number_of_lines_a_piece(fmt: str) -> None:
    """Text and GitHub pieces hold a fixed number of findings' lines (a piece per line
    cost as much as the line), so however large the report, no piece grows with it."""
    per_piece = teikit.render._LINES_PER_PIECE
    report = _report(100, 3 * per_piece // 100 + 1)
    pieces = list(stream(report, fmt))
    assert "".join(pieces) == render(report, fmt)
    assert len(pieces) == -(-len(report) // per_piece) >= 4
    assert max(p.strip("\n").count("\n") + 1 for p in pieces) == per_piece


def test_streaming_to_disk_holds_less_than_rendering() -> None:
    # 2,000 findings: the whole rendering holds some 120 times what streaming does at
    # this size as at 10,000 (both grow with the report), at a fifth of the time
    report = _report(100, 20)
    tracemalloc.start()
    render(report, "json")
    whole = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    for _ in stream(report, "json"):
        pass
    streamed = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert streamed * 5 < whole


def test_the_cli_streams_the_report_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    from conftest import DATA

    out = tmp_path / "r.sarif"
    args = [
        "validate",
        "-q",
        "-s",
        str(DATA / "validation" / "mini.rng"),
        "-f",
        "sarif",
        str(DATA / "validation" / "broken.xml"),
    ]
    assert main([*args, "-o", str(out)]) == 1
    assert main(args) == 1
    assert out.read_text(encoding="utf-8") == capsys.readouterr().out


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_a_file_name_that_is_not_utf8_streams_as_its_escape(fmt: str, frozen_clock: None) -> None:
    """A piece that is all ASCII goes out as it is; one with a lone surrogate (a file
    name that is not UTF-8) as the rendered report shows it, escaped."""
    odd = "caf\udce9.xml"
    report = Report(files=[odd, "plain.xml"])
    for name in ("plain.xml", odd):
        report.diagnostics.append(
            Diagnostic(Severity.ERROR, "ref:unresolved", "ascii", name, 1, 2, "/tei:TEI[1]")
        )
    streamed = "".join(stream(report, fmt))
    assert streamed == render(report, fmt)
    streamed.encode("utf-8")  # no lone surrogate is left
    if fmt == "text":
        assert "caf\\udce9.xml:1:2:" in streamed
