"""The README's pictures: written by the browser tests only when asked, cropped and small."""

import pytest
from PIL import Image

from tests.kit import browsers
from tests.kit.browsers import SCREENSHOT_BUDGET, open_context, screenshot

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<style>body { margin: 0 0 50px; font: 16px sans-serif; } #decision { margin: 1200px 0 0 100px;
width: 300px; height: 80px; background: #417690; }</style>
<label>Anmerkung <input id="comment"></label>
<div id="decision">Freigeben</div>
"""


@pytest.fixture
def page(browser):
    context = open_context(browser, 800, height=600)
    page = context.new_page()
    page.set_content(PAGE)
    page.locator("#comment").focus()
    yield page
    context.close()


@pytest.fixture
def pictures(monkeypatch, tmp_path):
    monkeypatch.setattr(browsers, "SCREENSHOT_DIR", tmp_path / "pressestelle")
    return tmp_path / "pressestelle"


def test_nothing_is_written_without_screenshots_set(page, pictures, monkeypatch):
    monkeypatch.delenv("SCREENSHOTS", raising=False)

    screenshot(page, "entscheidung", "#decision", blur=True)
    screenshot(page, "seite")

    assert not pictures.exists()
    assert page.evaluate("document.activeElement.id") == "comment"


def test_a_part_is_cropped_with_air_around_it(page, pictures, monkeypatch):
    monkeypatch.setenv("SCREENSHOTS", "1")

    screenshot(page, "entscheidung", "#decision", air=10, blur=True)

    path = pictures / "entscheidung.png"
    with Image.open(path) as picture:
        assert (picture.format, picture.size) == ("PNG", (320, 100))
        # The part's own colour fills the middle, though it lies below the first screen.
        assert picture.convert("RGB").getpixel((160, 50)) == (0x41, 0x76, 0x90)
    assert path.stat().st_size <= SCREENSHOT_BUDGET
    assert page.evaluate("document.activeElement.tagName") == "BODY"


def test_without_parts_the_first_screen_is_taken(page, pictures, monkeypatch):
    monkeypatch.setenv("SCREENSHOTS", "1")
    page.evaluate("scrollTo(0, 900)")

    screenshot(page, "seite")

    with Image.open(pictures / "seite.png") as picture:
        assert picture.size == (800, 600)
    assert page.evaluate("scrollY") == 0
    # The field keeps its focus: a test goes on typing into it after the picture.
    assert page.evaluate("document.activeElement.id") == "comment"
