"""The admin speaks German to every role: pages, filters, widgets, the editor's toolbar and dialogs.

Chromium walks what each role can open and reads what a person sees or hears: visible
text, button titles, aria-labels, placeholders and the labels of buttons. Any whole
English interface word fails the test, with where it was found.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from office.models import AuditEntry, AuthenticatorApp, Image
from releases.models import Release
from tests.kit.browsers import log_in
from tests.kit.factories import (
    PASSWORD,
    make_category,
    make_event,
    make_image,
    make_person,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
    member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Matched case-sensitively as whole words. "Filter", "Link", "Start", "Status", "Name",
# "Text" and "Update" are German words as well, so only their English companions are
# listed ("Filter by", "link" in lower case, "Updated").
ENGLISH = [
    # Django's admin: buttons, links, headings and messages
    "Add", "Add another", "Save", "Save and", "Delete", "Delete selected", "Filter by",
    "By", "Clear all filters", "Run", "Go", "Select", "Select all", "selected", "Choose",
    "Chosen", "Available", "Remove", "Remove all", "Search", "Show", "Hide", "Show counts",
    "Hide counts", "History", "Change", "View", "View site", "Log out", "Logout",
    "Welcome", "Documentation", "Change password", "Recent actions", "My actions",
    "None available", "Home", "Yes", "No", "Unknown", "All", "Any date", "Past 7 days",
    "This month", "This year", "Action", "Actions", "Please correct", "Close", "Cancel",
    "Insert", "Edit", "Update", "Apply", "Clear", "Currently", "Change:", "Toggle",
    "Toggle navigation", "Toggle theme", "Skip to main content", "Breadcrumbs",
    "Pagination", "entries", "results", "total", "of", "the", "and", "or", "you", "your",
    "this", "is", "are", "by", "with", "for", "from", "Enabled", "Disabled", "Password",
    "password", "Username", "Enter", "enter", "characters", "Searching", "found",
    "Loading", "more", "required", "optional", "Raw passwords", "Reset password",
    "Set password", "authentication",
    # date and time widgets, the time-zone note
    "Today", "today", "current selection", "Yesterday", "Tomorrow", "Now", "Midnight",
    "Noon", "Choose a Date", "Choose a Time", "Calendar", "Clock", "Note", "timezone",
    "hour", "hours", "ahead",
    "behind", "server", "Previous", "Next", "January", "February", "March", "May",
    "June", "July", "October", "December", "Sunday", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday",
    # the rich-text editor: toolbar, menus, dialogs
    "bold", "italic", "underline", "strike", "link", "insert link", "remove link",
    "Heading", "Paragraph", "paragraph", "table", "Table", "Insert table", "Rows",
    "Columns", "Include header row", "Table Properties", "List properties", "List type",
    "ordered list", "unordered list", "blockquote", "undo", "redo", "Code", "figure",
    "horizontal rule", "Merge cells", "Split cell", "Open in new window", "Edit Link",
    "Title", "Toggle fullscreen", "Styles", "Decimal numbers",
]  # fmt: skip

FIND_ENGLISH = """(words) => {
    const patterns = words.map(word => [word, new RegExp(
        "(^|[^\\\\p{L}\\\\p{N}_])" + word.replace(/[.*+?^${}()|[\\]\\\\]/g, "\\\\$&")
        + "(?=$|[^\\\\p{L}\\\\p{N}_])", "u")]);
    const seen = element => element.checkVisibility({visibilityProperty: true});
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, parent = node.parentElement;
        if (!parent || !node.data.trim()) continue;
        // Icon ligatures ("format_bold") are glyphs, and the editor's content is content.
        const skipped = "script, style, .material-icons, [contenteditable=true], textarea";
        if (parent.closest(skipped)) continue;
        const holder = parent.closest("option") ? parent.closest("select") : parent;
        if (holder && seen(holder)) texts.push(["text", node.data.trim()]);
    }
    for (const element of document.querySelectorAll("[title], [aria-label], [placeholder], "
            + "input[type=submit], input[type=button], input[type=reset]")) {
        if (!seen(element) || element.closest("[contenteditable=true]")) continue;
        for (const name of ["title", "aria-label", "placeholder"]) {
            if (element.getAttribute(name)) texts.push([name, element.getAttribute(name)]);
        }
        if (element.matches("input[type=submit], input[type=button], input[type=reset]")) {
            texts.push(["value", element.value]);
        }
    }
    const found = [];
    for (const [where, text] of texts) {
        for (const [word, pattern] of patterns) {
            if (pattern.test(text)) found.push(`${word} ← ${where}: ${text.slice(0, 90)}`);
        }
    }
    return found;
}"""


def english_on(page):
    return page.evaluate(FIND_ENGLISH, ENGLISH)


@pytest.fixture
def content():
    """Content of every kind, with filters to show and a history to read."""
    category = make_category(name="Aus der Landesregierung", slug="aus-der-landesregierung")
    topic = make_topic(name="Strukturwandel", slug="strukturwandel")
    photo = make_image(alt_text="Der Abgeordnete im Plenum")
    draft = make_release(
        title="Ein Entwurf", status=Release.Status.DRAFT, category=category, topics=[topic]
    )
    make_release(title="Schon öffentlich", category=category, hero_image=photo)
    make_quote(release=draft, text="Strukturwandel braucht Mut.", person=make_person())
    make_statistic(release=draft, value=67.8, unit="Mrd. Euro", label="Umsatzplus")
    make_event(title="Zukunftskonferenz", status=Release.Status.DRAFT, image=photo)
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Release),
        object_id=draft.pk,
        object_repr=draft.title,
        action=AuditEntry.Action.SUBMITTED,
    )
    return draft


def open_widgets(page, findings):
    """Open what a form hides until used: calendars, clocks, autocompletes, the editor's menus."""
    for shortcut in page.locator(".datetimeshortcuts a[id^=calendarlink]").all()[:1]:
        shortcut.click()
        findings += english_on(page)
        page.keyboard.press("Escape")
    for shortcut in page.locator(".datetimeshortcuts a[id^=clocklink]").all()[:1]:
        shortcut.click()
        findings += english_on(page)
        page.keyboard.press("Escape")
    selects = page.locator(".select2-selection:visible").all()
    if selects:
        selects[0].click()
        page.locator(".select2-container--open .select2-search__field").press_sequentially("x")
        page.locator(".select2-results__message, .select2-results__option").first.wait_for()
        findings += english_on(page)
        page.keyboard.press("Escape")
    editor = page.locator(".field-body .ProseMirror[contenteditable=true]")
    if not editor.count():
        return
    toolbar = page.locator(".field-body .prose-menubar")
    for dropdown in toolbar.locator(".prose-menubar__dropdown").all():
        editor.click()
        dropdown.click()
        findings += english_on(page)
        page.keyboard.press("Escape")
    for name in ("link", "table"):
        editor.click()
        page.keyboard.type("Ein Wort")
        page.keyboard.press("Shift+Home")
        toolbar.locator(f"button[data-name={name}]").click()
        page.locator("dialog.prose-editor-dialog[open]").wait_for()
        findings += english_on(page)
        page.keyboard.press("Escape")


def admin_paths(page, base):
    """Return the changelists and add forms the index offers this user."""
    links = page.locator("#content-main a").evaluate_all("links => links.map(a => a.href)")
    paths = {link.removeprefix(base) for link in links if "/admin/" in link}
    return sorted(paths)


@pytest.mark.parametrize("role", ["superuser", "Redaktion", "Freigabe"])
def test_every_admin_page_a_role_opens_is_german(browser, live_server, content, role):
    if role == "superuser":
        chief = User.objects.create_superuser("chefin", password=PASSWORD)
        username = "chefin"
        # Not yet confirmed: a confirmed app would ask the login for its code.
        app = AuthenticatorApp.objects.create(user=chief, name="Diensthandy", confirmed=False)
    else:
        username = member(role.lower(), role).username
    context = browser.new_context(locale="de-DE", timezone_id="America/New_York")
    context.set_default_timeout(15000)
    page = context.new_page()
    log_in(page, live_server, username)
    findings = {"/admin/": english_on(page)}
    paths = admin_paths(page, live_server.url)
    release, event = content, content.events.model.objects.get()
    paths += [
        f"/admin/releases/release/{release.pk}/change/",
        f"/admin/releases/release/{release.pk}/history/",
        f"/admin/events/event/{event.pk}/change/",
        f"/admin/office/quote/{release.quotes.get().pk}/change/",
        f"/admin/office/statistic/{release.statistics.get().pk}/change/",
        f"/admin/office/image/{Image.objects.get().pk}/change/",
    ]
    if role == "superuser":
        paths.append(f"/admin/office/authenticatorapp/{app.pk}/change/")

    for path in paths:
        page.goto(f"{live_server.url}{path}")
        found = english_on(page)
        if page.locator("#action-toggle").count():
            page.locator("#action-toggle").check()
            found += english_on(page)
        open_widgets(page, found)
        if found:
            findings[path] = sorted(set(found))

    assert {path: found for path, found in findings.items() if found} == {}
    assert len(paths) > 10
