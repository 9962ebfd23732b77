"""Every public page type meets WCAG 2.1 AA (BITV 2.0) in Chromium, on a phone and a desktop.

axe-core from node_modules (`npm ci`) checks what a machine can see; the other
tests check what axe cannot: headings, landmarks, keyboard, zoom, link texts,
table headers in the accessibility tree, languages and the printed page.
"""

import pytest

from tests.kit.browsers import EXPECTED_OUTLINE, OUTLINE_JS, WCAG_AA, open_context, run_axe
from tests.kit.public_site import AXE_JS, FULL_SLUG, PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FULL_RELEASE = f"/pressemitteilungen/{FULL_SLUG}/"
VAGUE_LINK_TEXTS = {"hier", "mehr", "weiter", "weiterlesen", "mehr lesen", "link", "quelle"}
VAGUE_LINK_TEXTS |= {"klicken sie hier", "details", "neuere", "ältere", "zurück", "vor"}


@pytest.fixture(scope="module", autouse=True)
def axe_is_installed():
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci --ignore-scripts` in the project folder.")


@pytest.mark.parametrize(
    ("width", "color_scheme"),
    [
        pytest.param(375, "light", id="phone"),
        pytest.param(1280, "light", id="desktop"),
        pytest.param(1280, "dark", id="desktop-dark-mode"),
    ],
)
def test_every_page_type_has_no_wcag_aa_violations(browser, live_site, width, color_scheme):
    context = open_context(
        browser, width, is_mobile=width < 400, has_touch=width < 400, color_scheme=color_scheme
    )
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()

    violations = {}
    for name, path in PAGES:
        page.goto(f"{live_site}{path}")
        if found := run_axe(page, WCAG_AA):
            violations[name] = found
    context.close()

    assert violations == {}


LINKS_JS = """() => [...document.querySelectorAll("a[href]")].map(a => [
    // textContent keeps visually hidden text, which belongs to the accessible name
    a.textContent.trim().replace(/\\s+/g, " ") || a.getAttribute("aria-label") || "",
    a.href,
])"""
PLAIN_LINKS_JS = """() => [...document.querySelectorAll(
        "main p a, main li a, main td a, main dd a, main address a, .site-nav a[aria-current]")]
    // Pills and buttons are told apart by their border, not by colour.
    .filter(a => !a.closest(".share__links, .tags") && !a.matches(".button"))
    .filter(a => !getComputedStyle(a).textDecorationLine.includes("underline"))
    .map(a => a.textContent.trim())"""
LANGUAGES_JS = """() => [document.documentElement.lang,
    ...[...document.body.querySelectorAll("[lang]")].map(e => `${e.lang}: ${e.textContent}`)]"""


def unclear_links(links):
    """Return link texts that say nothing alone, or that lead to more than one place."""
    targets = {}
    for text, href in links:
        targets.setdefault(text, set()).add(href)
    vague = [text for text in targets if not text or text.lower() in VAGUE_LINK_TEXTS]
    # One text, one destination: a list of "Quelle" links to different places fails.
    return vague + [text for text, hrefs in targets.items() if len(hrefs) > 1]


def test_every_page_reads_well_with_a_screen_reader(browser, live_site):
    """Check headings, landmarks, link texts and languages in one pass over the pages."""
    context = open_context(browser, 1280)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()

    outlines, best_practice, links, plain_links, languages = {}, {}, {}, {}, {}
    for name, path in PAGES:
        page.goto(f"{live_site}{path}")
        outlines[name] = page.evaluate(OUTLINE_JS)
        # axe's best practices include heading order, one main, content inside landmarks.
        if found := run_axe(page, ["best-practice"]):
            best_practice[name] = found
        if found := unclear_links(page.evaluate(LINKS_JS)):
            links[name] = found
        if found := page.evaluate(PLAIN_LINKS_JS):
            plain_links[name] = found
        languages[name] = page.evaluate(LANGUAGES_JS)
    context.close()

    assert {name: o for name, o in outlines.items() if o != EXPECTED_OUTLINE} == {}
    assert best_practice == {}
    assert links == {}
    assert plain_links == {}
    assert languages.pop("barrierefreiheit") == ["de", "en: Web Content Accessibility Guidelines"]
    assert {lang for langs in languages.values() for lang in langs} == {"de"}


FOCUS_JS = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    const box = e.getBoundingClientRect();
    const region = e.closest("body > header, main aside, main, body > footer");
    return {
        name: (e.innerText || e.value || e.id).trim().replace(/\\s+/g, " "),
        region: region ? region.tagName.toLowerCase() : "body",
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        // Chromium scrolls a focused element just into view, give or take a subpixel.
        in_view: box.width > 0 && box.height > 0 && box.top >= -1 && box.bottom <= innerHeight + 1,
    };
}"""


def test_keyboard_reaches_every_link_of_a_release_in_order_with_visible_focus(browser, live_site):
    context = open_context(browser, 1280, height=700)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")
    links = page.evaluate(
        "document.querySelectorAll('a[href], button, input, [tabindex=\"0\"]').length"
    )

    stops = []
    for _ in range(links):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_JS))
    context.close()

    regions = [stop["region"] for stop in stops]
    order = [region for i, region in enumerate(regions) if i == 0 or region != regions[i - 1]]
    share = [
        stop["name"]
        for stop in stops
        if stop["region"] == "main" and stop["name"].endswith(("teilen", "Link kopieren"))
    ]
    assert stops[0]["name"] == "Zum Inhalt springen"
    assert order == ["body", "header", "main", "aside", "footer"]
    assert share == [
        "Per E-Mail teilen",
        "Auf Mastodon teilen",
        "Auf Bluesky teilen",
        "Über WhatsApp teilen",
        "Auf LinkedIn teilen",
        "Link kopieren",
    ]
    assert [stop["name"] for stop in stops if not stop["outline"]] == []
    assert [stop["name"] for stop in stops if not stop["in_view"]] == []


def test_skip_link_is_visible_when_focused_and_moves_focus_to_the_content(browser, live_site):
    context = open_context(browser, 375, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")

    hidden_before = page.locator(".skip-link").bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    box = page.locator(".skip-link").bounding_box()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after_skip = page.evaluate("document.activeElement.closest('main') !== null")
    context.close()

    assert hidden_before
    assert box["y"] >= 0 and box["height"] > 20
    assert after_skip


TEXT_SPACING_CSS = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


# A constructed stylesheet, like a reader's own style sheet, is not an inline <style>
# and so passes the site's Content Security Policy.
SPACING_JS = """css => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""


@pytest.mark.parametrize(
    ("width", "scale"),
    [
        pytest.param(640, 2, id="200-percent-zoom"),
        pytest.param(320, 4, id="400-percent-zoom"),
    ],
)
def test_zoomed_pages_reflow_without_horizontal_scrolling(browser, live_site, width, scale):
    # A 1280 px window zoomed to 200 % is 640 CSS pixels wide, at 400 % 320 (WCAG 1.4.10);
    # readers' own text spacing must not push content out either (WCAG 1.4.12).
    context = open_context(browser, width, height=400, device_scale_factor=scale)
    page = context.new_page()

    overflowing = {}
    for name, path in PAGES:
        page.goto(f"{live_site}{path}")
        plain = page.evaluate("document.documentElement.scrollWidth")
        page.evaluate(SPACING_JS, TEXT_SPACING_CSS)
        spaced = page.evaluate("document.documentElement.scrollWidth")
        if max(plain, spaced) > width:
            overflowing[name] = (plain, spaced)
    page.goto(f"{live_site}/")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav_boxes = [link.bounding_box() for link in nav.get_by_role("link").all()]
    nav.get_by_role("link", name="Termine").click()
    page.wait_for_url("**/termine/")
    heading = page.locator("h1").inner_text()
    context.close()

    assert overflowing == {}
    assert len(nav_boxes) == 5
    assert [box for box in nav_boxes if box["x"] < 0 or box["x"] + box["width"] > width] == []
    assert [box for box in nav_boxes if box["height"] < 24] == []
    assert heading == "Termine"


def test_quote_is_a_blockquote_with_its_speaker_in_cite(browser, live_site):
    context = open_context(browser, 1280)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")

    quotes = page.evaluate(
        """() => [...document.querySelectorAll("main figure.quote")].map(f => [
            f.querySelector(":scope > blockquote")?.innerText,
            f.querySelector(":scope > figcaption cite")?.innerText,
        ])"""
    )
    context.close()

    assert quotes == [
        [
            "„Bildung ist die beste Investition in die Zukunft unseres Landes.“",
            "Erika Muster, Landesschülervertretung",
        ]
    ]


def accessibility_tree(page):
    """Return (role, name) of every node in Chromium's own accessibility tree."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    return [
        (node.get("role", {}).get("value"), node.get("name", {}).get("value", ""))
        for node in nodes
        if not node.get("ignored")
    ]


def test_table_in_a_release_is_announced_with_its_column_headers(browser, live_site):
    context = open_context(browser, 1280)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")

    tree = accessibility_tree(page)
    context.close()

    assert [name for role, name in tree if role == "columnheader"] == ["Bereich", "2026", "2027"]
    assert [role for role, _ in tree if role in ("table", "row")] == ["table"] + ["row"] * 3


def test_key_figures_and_cancellations_are_told_in_words_not_colours(browser, live_site):
    context = open_context(browser, 1280)
    page = context.new_page()
    page.emulate_media(forced_colors="active")
    page.goto(f"{live_site}{FULL_RELEASE}")

    figures = page.locator(".release__figures .figure").all_inner_texts()
    page.goto(f"{live_site}/termine/")
    cancelled = page.locator(".teaser--cancelled").all_inner_texts()
    context.close()

    assert [" ".join(text.split()) for text in figures] == [
        "22,4 Mrd. Euro für Schulen im Haushaltsentwurf 2027 "
        "Quelle: Ministerium der Finanzen NRW: Haushaltsentwurf 2027 (2026)"
    ]
    assert len(cancelled) == 1
    assert cancelled[0].splitlines()[-1] == "Abgesagt"


def test_release_prints_without_navigation_and_with_link_addresses(browser, live_site):
    context = open_context(browser, 1280)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")

    page.emulate_media(media="print")
    hidden = {
        selector: page.locator(selector).first.is_visible()
        for selector in (".site-header", ".site-nav", ".site-footer", "aside", ".share")
    }
    shown = {
        selector: page.locator(selector).first.is_visible()
        for selector in (
            "h1",
            ".quote",
            ".release__figures .figure",
            "table",
            ".print-only",
            ".correction",
        )
    }
    after_link = page.evaluate(
        "getComputedStyle(document.querySelector('.prose a'), '::after').content"
    )
    after_source = page.evaluate(
        "getComputedStyle(document.querySelector('.figure__source a'), '::after').content"
    )
    address = page.locator(".print-only").inner_text()
    page.emulate_media(media="screen")
    on_screen = page.locator(".print-only").is_visible()
    context.close()

    assert hidden == dict.fromkeys(hidden, False)
    assert shown == dict.fromkeys(shown, True)
    assert after_link == '" (https://www.landtag.nrw.de/)"'
    assert after_source == '" (https://www.finanzverwaltung.nrw.de/)"'
    assert address == f"Im Netz: https://www.example.org{FULL_RELEASE}"
    assert not on_screen
