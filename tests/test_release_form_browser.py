"""The release form in Chromium, as the Redaktion writes in it: one window, counted steps.

A release with a heading, a list, a link, a new quote and a new figure written in place,
a category, and submitted: issue 19's walk, at most 15 clicks and entries. Quotes are
reordered with the keyboard and by their handle, and what is stored is checked.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from office.models import PreviewLink
from releases.models import Release
from tests.kit.browsers import Walk, log_in, open_context, screenshot
from tests.kit.factories import (
    change_url,
    make_event,
    make_quote,
    make_release,
    make_statistic,
    member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Issue 19: heading, list, link, one new quote, one new figure, category, submit.
MOST_STEPS = 15

BODY = (
    "<h2>KI als Chance</h2>"
    "<p>Drei Gründe:</p>"
    "<ul><li><p>Forschung</p></li><li><p>Mittelstand</p></li></ul>"
    "<p>Laut IW</p>"
    '<p>Mehr beim <a href="https://www.iwkoeln.de/" title="">IW</a></p>'
)

# What Word or a mail program puts on the clipboard: markup the site must never store.
PASTED = (
    '<p onclick="steal()" style="color:red">Laut <span class="MsoNormal">IW</span>'
    '<script>alert(1)</script><img src="x" onerror="alert(2)"></p>'
)


def submit(walk):
    """Send the release to the Freigabe: one button."""
    walk.click("button[name=_decision][value=submit]")


def pick(page, row, search, text):
    """Pick an existing quote in a row by its search field, as a person types into it."""
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").press_sequentially(search)
    page.locator(".select2-results__option", has_text=text).click()


def drag_above(page, handle, row):
    """Drag by the handle with the mouse and drop on the upper half of row, in view.

    Playwright's drag_to scrolls between press and release, which ends Chromium's drag.
    """
    handle.evaluate("handle => handle.scrollIntoView({block: 'center'})")
    start, target = handle.bounding_box(), row.bounding_box()
    drop_y = max(target["y"] + 10, 10)
    assert drop_y < min(target["y"] + target["height"] / 2, start["y"])
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 10, start["y"] - 20, steps=5)
    page.mouse.move(target["x"] + 40, drop_y, steps=10)
    page.mouse.up()


def paste_html(editor, html):
    editor.evaluate(
        """(editor, html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", html.replace(/<[^>]+>/g, ""));
            editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }""",
        html,
    )


def quote_texts(group):
    """Return each quote row's text: the one written in it, or the one picked."""
    return group.locator(".inline-related:not(.empty-form)").evaluate_all(
        """rows => rows.map(row => row.querySelector("textarea[name$=new_text]")?.value
            || row.querySelector(".select2-selection__rendered").title)"""
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_a_release_is_written_in_one_window_in_at_most_15_steps(
    browser, live_server, category, width
):
    member("redakteurin", "Redaktion")
    make_quote(text="Bildung ist der Schlüssel.")
    make_quote(text="Wir investieren in Köpfe.")
    context = open_context(browser, width, height=900)
    context.set_default_timeout(20000)
    page = context.new_page()
    log_in(page, live_server, "redakteurin")
    page.goto(f"{live_server.url}/admin/releases/release/add/")
    walk = Walk(page)
    with walk.aside():
        walk.type("#id_title", "KI-Standort NRW")
        walk.type("#id_lead", "Die Landesregierung setzt auf KI.")

    editor = page.locator(".field-body .ProseMirror[contenteditable=true]")
    toolbar = page.locator(".field-body .prose-menubar")
    # A heading: the block menu, then its text.
    walk.click(toolbar.locator(".prose-menubar__dropdown"))
    # The block menu is a ProseMirror too, and as tall as its entries, not as the text.
    menu = page.locator(".prose-menubar__picker:popover-open")
    assert menu.bounding_box()["height"] < editor.bounding_box()["height"] / 2
    if width == 1280:
        screenshot(page, "werkzeugleiste", toolbar, menu)
    walk.click(toolbar.locator("button[data-name=heading2]"))
    walk.type(editor, "KI als Chance", field="body")
    walk.press("body", "Enter")
    walk.write("body", "Drei Gründe:")
    walk.press("body", "Enter")
    # A list.
    walk.click(toolbar.locator("button[data-name=bulletList]"))
    walk.write("body", "Forschung")
    walk.press("body", "Enter")
    walk.write("body", "Mittelstand")
    walk.press("body", "Enter")
    walk.press("body", "Enter")
    with walk.aside():
        paste_html(editor, PASTED)
    walk.press("body", "Enter")
    # A link: the words, selected with the keyboard, then the link dialog.
    walk.write("body", "Mehr beim IW")
    walk.press("body", "Shift+ArrowLeft")
    walk.press("body", "Shift+ArrowLeft")
    walk.click(toolbar.locator("button[data-name=link]"))
    dialog = page.locator("dialog.prose-editor-dialog[open]")
    walk.type(dialog.locator("input").first, "https://www.iwkoeln.de/", field="link address")
    walk.press("link address", "Enter")
    expect(editor.locator("a[href='https://www.iwkoeln.de/']")).to_have_text("IW")
    # One new quote and one new figure, written in the rows the new form offers.
    walk.type("#id_releasequote_set-0-new_text", "KI schafft Arbeit in NRW.")
    walk.type("#id_releasestatistic_set-0-new_value", "67,8")
    walk.type("#id_releasestatistic_set-0-new_unit", "Mrd. Euro")
    walk.type("#id_releasestatistic_set-0-new_label", "Wertschöpfung durch KI bis 2030")
    walk.type("#id_releasestatistic_set-0-new_source_name", "IW Köln")
    # The category: its search field lists the few there are.
    walk.click(".field-category .select2-selection")
    walk.click(page.locator(".select2-results__option", has_text="Aus der Landesregierung"))
    if width == 1280:
        screenshot(
            page, "zitat-und-kennzahl", "#releasequote_set-group", "#releasestatistic_set-group"
        )

    quotes = page.locator("#releasequote_set-group")
    with walk.aside():
        # Two more quotes, picked; then the last moved up with the keyboard...
        for search, text in (("Bildung", "Bildung ist"), ("Köpfe", "Wir investieren")):
            quotes.locator(".add-row a").click()
            pick(page, quotes.locator(".inline-related:not(.empty-form)").last, search, text)
        assert quote_texts(quotes) == [
            "KI schafft Arbeit in NRW.",
            "Bildung ist der Schlüssel.",
            "Wir investieren in Köpfe.",
        ]
        up = (
            quotes.locator(".inline-related:not(.empty-form)")
            .nth(2)
            .get_by_role("button", name="Nach oben")
            .element_handle()
        )
        up.focus()
        page.keyboard.press("Enter")
        expect(quotes.locator(".plenum-order-status")).to_have_text("Jetzt an Stelle 2.")
        assert up.evaluate("button => button === document.activeElement")
        # ... and, by its handle, dragged on above the first.
        rows = quotes.locator(".inline-related:not(.empty-form)")
        drag_above(page, rows.nth(1).locator(".plenum-handle"), rows.first)
        expect(quotes.locator(".plenum-order-status")).to_have_text("Jetzt an Stelle 1.")
        assert quote_texts(quotes) == [
            "Wir investieren in Köpfe.",
            "KI schafft Arbeit in NRW.",
            "Bildung ist der Schlüssel.",
        ]
    submit(walk)

    expect(page.locator(".messagelist .success").first).to_be_visible()
    expect(page.locator(".messagelist .error")).to_have_count(0)
    release = Release.objects.get()
    assert (release.status, release.category.name) == (
        Release.Status.REVIEW,
        "Aus der Landesregierung",
    )
    assert release.body == BODY
    assert [(link.order, link.quote.text) for link in release.releasequote_set.all()] == [
        (1, "Wir investieren in Köpfe."),
        (2, "KI schafft Arbeit in NRW."),
        (3, "Bildung ist der Schlüssel."),
    ]
    figure = release.statistics.get()
    assert (figure.value, figure.unit, figure.source_name) == (
        Decimal("67.8"),
        "Mrd. Euro",
        "IW Köln",
    )
    print(f"Walk at {width} px: {walk.clicks} clicks, {len(walk.fields)} fields: {walk.count}")
    assert walk.count <= MOST_STEPS
    context.close()


# Each section's heading and the box it heads: how far the heading starts below the
# box's top, and how tall it is. A heading stretched behind the floated form is not.
HEADINGS = """() => [...document.querySelectorAll(
        "#content-main h2.fieldset-heading, #content-main h2.inline-heading, .module > h2")]
    .filter(heading => heading.checkVisibility())
    .map(heading => {
        const box = heading.closest(".module").getBoundingClientRect();
        const own = heading.getBoundingClientRect();
        return [heading.textContent.trim(), Math.round(own.top - box.top),
                Math.round(own.height)];
    })"""


@pytest.mark.parametrize("width", [1280, 375])
def test_every_section_heading_sits_at_the_top_of_its_section(browser, live_server, width):
    approver = member("freigeber", "Freigabe")
    release = make_release(status=Release.Status.DRAFT)
    make_quote(release=release)
    make_statistic(release=release)
    event = make_event(status=Release.Status.DRAFT)
    for item in (release, event):
        PreviewLink.objects.share(item, approver)
    context = open_context(browser, width, height=900)
    page = context.new_page()
    log_in(page, live_server, "freigeber")

    for item in (release, event):
        page.goto(f"{live_server.url}{change_url(item)}")
        headings = page.evaluate(HEADINGS)

        assert "Vorschau-Link teilen" in [name for name, _, _ in headings]
        # One line, or two on a phone, at most 12 px below the top (a collapsible
        # section's summary has a margin of its own).
        assert [h for h in headings if not (0 <= h[1] <= 12 and h[2] <= 60)] == []
    context.close()
