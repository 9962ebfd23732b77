"""What frames the content: rules between items, the footer, the search form, figure cards."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from releases.models import ReleaseStatistic
from tests.kit.factories import make_profile, make_release, make_statistic
from tests.kit.public_site import PAGES

pytestmark = pytest.mark.django_db

PARLIAMENT = "Landtag Nordrhein-Westfalen"


class Page(HTMLParser):
    """Collect the forms, the footer's text and the figure cards of a page."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.open = []  # (tag, attrs) of the elements around the current position
        self.forms = []  # (attrs, landmark it sits in, input names, label targets)
        self.footer = []
        self.cards = []  # (classes, the class of each child paragraph, text)
        self.feed(html)
        self.close()

    def inside(self, tag, cls=None):
        return any(
            t == tag and (cls is None or cls in a.get("class", "").split()) for t, a in self.open
        )

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            landmark = next((t for t, _ in reversed(self.open) if t in {"header", "main"}), "")
            self.forms.append((attrs, landmark, [], []))
        elif self.inside("form") and tag in {"input", "label"}:
            _, _, names, labels = self.forms[-1]
            if tag == "input" and attrs.get("type") == "search":
                names.append(attrs.get("name"))
            if tag == "label":
                labels.append(attrs.get("for"))
        if tag == "li" and "figure" in attrs.get("class", "").split():
            self.cards.append((attrs["class"], [], []))
        elif tag == "p" and self.inside("li", "figure"):
            self.cards[-1][1].append(attrs.get("class", ""))
        if tag not in {"input", "img", "br", "meta", "link"}:
            self.open.append((tag, attrs))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.inside("footer"):
            self.footer.append(data)
        if self.inside("li", "figure"):
            self.cards[-1][2].append(data)

    @property
    def footer_text(self):
        return " ".join(" ".join(self.footer).split())

    def card(self, words):
        """Return (classes, child classes) of the card whose text holds the words."""
        return next((cls, children) for cls, children, text in self.cards if words in "".join(text))


def read(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return Page(response.content.decode())


# Rules: a line between items, never two stacked with nothing between them

RULES_JS = """() => {
    const rules = [];
    const content = [];
    for (const element of document.querySelectorAll("body *")) {
        const style = getComputedStyle(element);
        const box = element.getBoundingClientRect();
        if (style.visibility !== "visible" || box.width === 0 || box.height === 0) continue;
        if (element.closest(".visually-hidden")) continue;
        const drawn = side => parseFloat(style[`border${side}Width`]) > 0
            && !["none", "hidden"].includes(style[`border${side}Style`]);
        if (element.matches("img, input, button, select, textarea, svg, hr")) content.push(box);
        // A box with a side drawn is a card or a frame, not a rule across the page.
        if (drawn("Left") || drawn("Right")) continue;
        if (drawn("Top")) rules.push({y: box.top, left: box.left, right: box.right});
        if (drawn("Bottom")) rules.push({y: box.bottom, left: box.left, right: box.right});
    }
    const text = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (text.nextNode()) {
        const node = text.currentNode;
        if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden")) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        content.push(...[...range.getClientRects()].filter(rect => rect.height > 0));
    }
    // Columns side by side each have their own rules: compare rules that overlap.
    const across = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0;
    rules.sort((a, b) => a.y - b.y);
    const stacked = [];
    for (const [i, above] of rules.entries()) {
        // Borders that touch draw one line.
        const below = rules.slice(i + 1).find(rule => rule.y - above.y >= 2 && across(rule, above));
        if (!below) continue;
        const span = {
            left: Math.max(above.left, below.left), right: Math.min(above.right, below.right),
        };
        const between = box => box.top >= above.y && box.bottom <= below.y && across(box, span);
        if (!content.some(between)) stacked.push(`${Math.round(above.y)}–${Math.round(below.y)}`);
    }
    return stacked;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [pytest.param(375, id="phone"), pytest.param(1280, id="desktop")])
def test_no_two_rules_stack_without_content_between(browser, live_site, width):
    """The last teaser of a list drew a rule, and the sidebar or the footer drew another."""
    page = browser.new_page(viewport={"width": width, "height": 800})

    stacked = {}
    for name, path in PAGES:
        page.goto(f"{live_site}{path}")
        if found := page.evaluate(RULES_JS):
            stacked[name] = found
    page.close()

    assert stacked == {}


# Footer: the parliament once, whatever the profile repeats


@pytest.mark.parametrize(
    ("party", "address"),
    [
        pytest.param("CDU", f"{PARLIAMENT}\nPlatz des Landtags 1\n40221 Düsseldorf", id="address"),
        pytest.param("CDU", "Platz des Landtags 1\n40221 Düsseldorf", id="not-in-address"),
        pytest.param("CDU", "", id="no-address"),
        pytest.param("CDU", "LANDTAG  NORDRHEIN-WESTFALEN\nPlatz des Landtags 1", id="spelled"),
        pytest.param(f"CDU-Fraktion im {PARLIAMENT}", "Platz des Landtags 1", id="party"),
    ],
)
def test_footer_names_the_parliament_once(client, party, address):
    make_profile(party=party, office_address=address)

    footer = read(client, "/").footer_text

    assert footer.lower().count(PARLIAMENT.lower()) == 1
    assert footer.startswith(f"Kontakt Daniel Hagemeier MdL, {party}")
    assert ("Platz des Landtags 1" in footer) == bool(address)


def test_footer_of_the_demo_names_the_parliament_once(client):
    call_command("loaddemo", verbosity=0)

    footer = read(client, "/").footer_text

    assert footer.count(PARLIAMENT) == 1
    assert footer.startswith(
        f"Kontakt Daniel Hagemeier MdL, CDU {PARLIAMENT} Platz des Landtags 1 40221 Düsseldorf"
    )


# Search: one search form on the pages that offer their own, the header's on every other


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/suche/", "search-q"),
        ("/suche/?q=Kohle", "search-q"),
        ("/suche/?q=", "search-q"),
        ("/gibt-es-nicht/", "notfound-q"),
    ],
)
def test_search_and_not_found_pages_have_one_search_form(client, profile, path, field):
    forms = Page(client.get(path).content.decode()).forms

    assert [(attrs["role"], attrs["aria-label"], landmark) for attrs, landmark, _, _ in forms] == [
        ("search", "Suchformular", "main")
    ]
    (_, _, names, labels) = forms[0]
    assert names == ["q"]
    assert labels[0] == field


@pytest.mark.parametrize("path", ["/", "/pressemitteilungen/", "/zahlen/", "/impressum/"])
def test_other_pages_keep_the_header_search(client, profile, path):
    forms = Page(client.get(path).content.decode()).forms

    assert [(attrs["role"], attrs["aria-label"], landmark) for attrs, landmark, _, _ in forms] == [
        ("search", "Website", "header")
    ]


# Figures: a figure without a number reads as a statement


STATEMENT = "Weltkonzerne investieren Milliarden in KI-Standorte"
NUMBER = "der Unternehmen nutzen KI"


@pytest.fixture
def figures(profile):
    release = make_release(slug="zahlen-zur-ki", title="Zahlen zur KI")
    for order, figure in enumerate(
        [
            make_statistic(value=Decimal("57"), unit="Prozent", label=NUMBER),
            make_statistic(value=None, unit="", label=STATEMENT),
        ]
    ):
        ReleaseStatistic.objects.create(release=release, statistic=figure, order=order)


@pytest.mark.parametrize(
    "path", ["/", "/zahlen/", "/suche/?q=KI", "/pressemitteilungen/zahlen-zur-ki/"]
)
def test_figure_without_a_value_reads_as_a_statement(client, figures, path):
    page = read(client, path)

    assert page.card(STATEMENT) == ("figure figure--statement", ["figure__label", "figure__source"])
    assert page.card(NUMBER) == ("figure", ["figure__value", "figure__label", "figure__source"])
