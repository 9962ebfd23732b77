"""Chromium for tests: logged-in editors, phones, axe and what a page did that it should not."""

import os
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import expect

from tests.kit.factories import PASSWORD, member


def log_in(page, live_server, username):
    """Log a user with the kit's PASSWORD in to the admin, through the login form."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/admin/")


def close_quietly(context):
    """Close a browser context once its pages have no request in flight.

    The admin's forms save a copy a few seconds after a change; a request the
    live server is still answering holds locks that the test database's flush
    would deadlock with on PostgreSQL.
    """
    for page in context.pages:
        page.wait_for_load_state("networkidle")
    context.close()


def logged_in_page(browser, live_server, username, group):
    """Return a fresh browser page of a new member of group, logged in to the admin."""
    member(username, group)
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(5000)
    page = context.new_page()
    log_in(page, live_server, username)
    return page


def open_add_release_form(page, live_server, title):
    """Fill in the add form of a release up to its text; return the text's editor.

    The category picked is the one of the `category` fixture.
    """
    page.goto(f"{live_server.url}/admin/releases/release/add/")
    # Typed key by key: the admin's prepopulate script listens to keyup.
    page.locator("#id_title").press_sequentially(title)
    page.fill("#id_lead", "Zwei Sätze Vorspann.")
    page.click(".field-category .select2-selection")
    page.locator(".select2-container--open .select2-search__field").press_sequentially("Landes")
    page.locator(".select2-results__option", has_text="Aus der Landesregierung").click()
    return page.locator(".field-body .ProseMirror[contenteditable=true]")


def type_with_bold(page, before, bold, after):
    """Type into the focused editor, the middle part in bold through the toolbar's button."""
    page.keyboard.type(before)
    page.locator(".field-body button[data-name=bold]").click()
    page.keyboard.type(bold)
    page.locator(".field-body button[data-name=bold]").click()
    page.keyboard.type(after)


def save(page):
    """Save the admin form and expect the success message."""
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)


class Walk:
    """Do and count what a person does in a form: every click, and every field typed into.

    Typing into a field counts once however often the person comes back to it, keys
    like Enter or a selection with Shift included; choosing from a drop-down counts
    once. What happens inside `aside()` is done but not counted.
    """

    def __init__(self, page):
        self.page = page
        self.clicks = 0
        self.fields = set()
        self.counting = True

    @property
    def count(self):
        return self.clicks + len(self.fields)

    def _locate(self, target):
        return self.page.locator(target) if isinstance(target, str) else target

    def click(self, target):
        self._locate(target).click()
        self.clicks += self.counting

    def type(self, target, text, field=None):
        """Type into a field key by key (the admin's scripts listen to keys)."""
        locator = self._locate(target)
        locator.press_sequentially(text)
        self._entered(field or target)

    def write(self, field, text):
        """Go on typing in the focused field (the rich-text editor, a dialog's field)."""
        self.page.keyboard.type(text)
        self._entered(field)

    def press(self, field, key):
        """Press a key in the focused field: Enter, Shift+ArrowLeft; part of its entry."""
        self.page.keyboard.press(key)
        self._entered(field)

    def fill(self, target, value):
        """Fill a field at once: a date and time picker takes no text key by key."""
        self._locate(target).fill(value)
        self._entered(target)

    def choose(self, target, value):
        self._locate(target).select_option(value)
        self._entered(target)

    def _entered(self, field):
        if self.counting:
            self.fields.add(field if isinstance(field, str) else str(field))

    @contextmanager
    def aside(self):
        self.counting = False
        try:
            yield
        finally:
            self.counting = True


def overflowing_decision_controls(page):
    """Return the decision controls that reach past the right edge of the viewport."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                '.plenum-decisions input, .plenum-decisions textarea, .plenum-decisions button')]
            .filter(e => e.type !== 'hidden')
            .filter(e => { const box = e.getBoundingClientRect();
                           return box.left < 0 || box.right > window.innerWidth; })
            .map(e => e.name || e.id)"""
    )


def open_context(browser, width, height=800, **kwargs):
    context = browser.new_context(
        locale="de-DE", viewport={"width": width, "height": height}, **kwargs
    )
    context.set_default_timeout(5000)
    return context


# What a phone may load for one page, everything included.
PAGE_BUDGET = 150 * 1024


def phone_context(browser, **kwargs):
    """Return a browser context that looks like a phone to the site."""
    return open_context(browser, 375, is_mobile=True, has_touch=True, **kwargs)


def first_load(browser, url):
    """Return {path: bytes on the wire} for everything a fresh phone loads for url."""
    context = phone_context(browser)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="networkidle")
    sizes = {}
    for request in finished:
        size = request.sizes()
        key = f"{request.resource_type} {urlsplit(request.url).path}"
        sizes[key] = size["responseBodySize"] + size["responseHeadersSize"]
    context.close()
    return sizes


# Accessibility: axe-core's WCAG 2.1 AA rules and the heading outline every page needs.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def run_axe(page, tags):
    """Return the violations of the given axe tags as 'rule: selector' strings."""
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags
    )
    return [
        f"{violation['id']}: {' '.join(node['target'][0] for node in violation['nodes'][:3])}"
        for violation in results["violations"]
    ]


OUTLINE_JS = """() => {
    const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
    const levels = headings.map(h => Number(h.tagName[1]));
    const main = document.querySelector("main");
    return {
        h1: headings.filter(h => h.tagName === "H1").map(h => h.textContent.trim() !== ""),
        first_in_main: main.querySelector("h1, h2, h3, h4, h5, h6")?.tagName,
        skipped: levels.flatMap((level, i) =>
            i > 0 && level > levels[i - 1] + 1 ? [`h${levels[i - 1]} → h${level}`] : []),
        landmarks: [...document.body.children]
            .filter(e => ["HEADER", "MAIN", "FOOTER"].includes(e.tagName))
            .map(e => e.tagName.toLowerCase()),
        unnamed_navs: [...document.querySelectorAll("nav, aside, section")]
            .filter(e => !e.hasAttribute("aria-label") && !e.hasAttribute("aria-labelledby"))
            .map(e => e.outerHTML.slice(0, 60)),
        outside_landmarks: [...document.body.children]
            .filter(e => !["HEADER", "MAIN", "FOOTER", "SCRIPT"].includes(e.tagName)
                         && !e.matches(".skip-link, .preview-banner"))
            .map(e => e.tagName),
    };
}"""


EXPECTED_OUTLINE = {
    "h1": [True],
    "first_in_main": "H1",
    "skipped": [],
    "landmarks": ["header", "main", "footer"],
    "unnamed_navs": [],
    "outside_landmarks": [],
}


# Reports every CSP violation of every document to the test, before any page script runs.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.reportViolation({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        page: document.location.pathname,
        sample: event.sample,
    });
});
"""


class Watch:
    """What a page did that it should not: violations, console errors, dialogs, foreign requests."""

    def __init__(self, context, origin):
        self.origin = origin
        self.violations, self.errors, self.dialogs, self.foreign = [], [], [], []
        context.expose_binding("reportViolation", lambda source, v: self.violations.append(v))
        context.add_init_script(REPORT_VIOLATIONS)

    def attach(self, page):
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on(
            "request",
            lambda r: (
                r.url.startswith(("http:", "https:"))
                and not r.url.startswith(self.origin)
                and self.foreign.append(r.url)
            ),
        )
        # Nothing may leave the machine, whatever a page asks for.
        page.route(
            lambda url: not url.startswith(self.origin) and url.startswith("http"),
            lambda route: route.abort(),
        )
        return page


# The README's pictures of the press desk; `make screenshots` sets SCREENSHOTS and refreshes them.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "pressestelle"
# What one picture may weigh in the README.
SCREENSHOT_BUDGET = 200 * 1024
# The box around parts, in the page's coordinates, with air for their borders and focus rings.
PARTS_BOX = """([parts, air]) => {
    const boxes = parts.map(part => part.getBoundingClientRect());
    const left = Math.max(0, Math.min(...boxes.map(box => box.left)) - air + scrollX);
    const top = Math.max(0, Math.min(...boxes.map(box => box.top)) - air + scrollY);
    const right = Math.max(...boxes.map(box => box.right)) + air + scrollX;
    const bottom = Math.max(...boxes.map(box => box.bottom)) + air + scrollY;
    return {x: left, y: top, width: Math.min(right, document.documentElement.scrollWidth) - left,
            height: bottom - top};
}"""


def screenshot(page, name, *parts, air=8, blur=False):
    """Write docs/pressestelle/<name>.png of the page's first screen, or of the box around parts.

    Only when SCREENSHOTS is set, so that CI and every other run write nothing into the
    checkout. The picture waits for the network and the fonts (of every frame, the live
    preview's too), shows no caret and no running animation, and is optimised to stay
    within SCREENSHOT_BUDGET. With blur, the focused field lets go first (a date field
    marks its day otherwise); not where the test goes on typing into it.
    """
    if not os.environ.get("SCREENSHOTS"):
        return
    page.wait_for_load_state("networkidle")
    for frame in page.frames:
        frame.evaluate("document.fonts.ready.then(() => true)")
    if blur:
        page.evaluate("document.activeElement?.blur()")
    options = {"animations": "disabled", "caret": "hide"}
    if not parts:
        page.evaluate("scrollTo(0, 0)")
    else:
        elements = [
            (page.locator(part) if isinstance(part, str) else part).first.element_handle()
            for part in parts
        ]
        options |= {"clip": page.evaluate(PARTS_BOX, [elements, air]), "full_page": True}
    png = Image.open(BytesIO(page.screenshot(**options)))
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    png.save(path, optimize=True)
    assert path.stat().st_size <= SCREENSHOT_BUDGET, f"{path.name}: {path.stat().st_size} bytes"
