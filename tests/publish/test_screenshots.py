"""Screenshots of the structures (issue 13) in headless Chromium, on a desktop and on a
390 px phone screen: a letter, a dictionary, a manuscript page with its apparatus and an
article. The images are kept under tests/output/ for a human to look at; the test checks
what a machine can: the page renders, nothing needs sideways scrolling on the phone, and
the article's image loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

import teikit

from conftest import DATA
from helpers.browser import chromium

SCREENS = {"desktop": {"width": 1100, "height": 900}, "phone": {"width": 390, "height": 844}}
NAMES = ["letter", "dictionary", "manuscript", "article"]


@pytest.mark.slow
def test_structures_render_on_desktop_and_phone(output_dir: Path) -> None:
    pages = {}
    for name in NAMES:
        pages[name] = output_dir / f"{name}.html"
        pages[name].write_text(
            teikit.load(DATA / "structures" / f"{name}.xml").to_html().output, encoding="utf-8"
        )
    (output_dir / "figure1.png").write_bytes((DATA / "structures" / "figure1.png").read_bytes())
    with chromium() as browser:
        for screen, viewport in SCREENS.items():
            tab = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
            for name, path in pages.items():
                tab.goto(path.as_uri())
                shot = output_dir / f"{name}-{screen}.png"
                tab.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 5_000
                wide = tab.evaluate("document.documentElement.scrollWidth")
                assert wide <= viewport["width"], (name, screen, wide)
                if name == "article":
                    assert tab.evaluate("document.querySelector('figure img').naturalWidth") == 40
            tab.close()
