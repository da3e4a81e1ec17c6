"""Streamed reports: the same text as rendered ones, written piece by piece."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

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
def test_the_stream_is_the_rendered_text(fmt: str, shape: tuple[int, int]) -> None:
    report = _report(*shape)
    streamed, rendered = "".join(stream(report, fmt)), render(report, fmt)
    if fmt == "junit":  # rendered whole, at another second perhaps
        streamed, rendered = (re.sub(r'timestamp="[^"]*"', "", t) for t in (streamed, rendered))
    assert streamed == rendered


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_a_large_report_streams_in_many_small_pieces(fmt: str) -> None:
    """Never one string the size of the report: the largest piece is a small fraction."""
    report = _report(200, 20)
    pieces = list(stream(report, fmt))
    total = sum(map(len, pieces))
    assert len(pieces) > 1000
    assert max(map(len, pieces)) < total / 100


def test_streaming_to_disk_holds_less_than_rendering() -> None:
    report = _report(500, 20)
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
