"""Lists end with one rule, not two, on a phone as on a desk (drawn by Chromium)."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import make_event, make_profile, make_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The vertical position of every horizontal border in <main> wider than half the
# window, and of every line of text on the page; a rule follows a rule when no
# text lies between them. Touching borders draw one thicker line, not two.
RULES_WITHOUT_TEXT_BETWEEN = """() => {
  const rules = [];
  for (const element of document.querySelectorAll("main, main *")) {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (box.width < innerWidth / 2) continue;
    if (style.borderTopStyle !== "none" && parseFloat(style.borderTopWidth) > 0)
      rules.push({y: box.top + scrollY, by: element.className});
    if (style.borderBottomStyle !== "none" && parseFloat(style.borderBottomWidth) > 0)
      rules.push({y: box.bottom + scrollY, by: element.className});
  }
  const lines = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (!walker.currentNode.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(walker.currentNode);
    for (const box of range.getClientRects()) lines.push([box.top + scrollY, box.bottom + scrollY]);
  }
  rules.sort((a, b) => a.y - b.y);
  const doubled = [];
  for (let i = 1; i < rules.length; i++) {
    const [above, below] = [rules[i - 1], rules[i]];
    if (below.y - above.y <= 2) continue;
    if (!lines.some(([top, bottom]) => top >= above.y && bottom <= below.y))
      doubled.push(`${above.by} / ${below.by}`);
  }
  return doubled;
}"""

WIDTHS = {"phone": 375, "desk": 1280}
PATHS = ["/termine/archiv/", "/termine/zukunftskonferenz/", "/pressemitteilungen/"]


@pytest.fixture
def site(transactional_db):
    make_profile()
    now = timezone.now()
    conference = make_event(
        title="Zukunftskonferenz",
        slug="zukunftskonferenz",
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3, hours=-6),
        description="<p>Strukturwandel im Rheinischen Revier.</p>",
    )
    make_event(title="Sprechstunde", starts_at=now - datetime.timedelta(days=10))
    make_release(title="Einladung zur Zukunftskonferenz").events.add(conference)
    make_release(title="Bericht von der Zukunftskonferenz").events.add(conference)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_no_rule_follows_another_without_text_between(browser, live_server, site, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()

    doubled = {}
    for path in PATHS:
        page.goto(f"{live_server.url}{path}")
        doubled[path] = page.evaluate(RULES_WITHOUT_TEXT_BETWEEN)
    context.close()

    assert doubled == dict.fromkeys(PATHS, [])
