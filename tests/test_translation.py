"""Every text a reader sees goes through Django's gettext, into a committed German catalogue.

German is the source language, so the real catalogue changes nothing on a page. To see
that a text went through gettext, the pages are rendered with a catalogue built from the
committed one in which every translation is marked ⟦…⟧: whatever a reader sees unmarked
must then be content (titles, names, addresses, dates), not a text of the code.
"""

import io
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import trans_real

from events.models import Event
from office.models import Profile
from releases.models import Category, Release, Topic
from tests.kit.factories import make_contact

BASE_DIR = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale", "de", "LC_MESSAGES", "django.po")
SCRIPT_CATALOGUE = CATALOGUE.with_name("djangojs.po")
MARKED = re.compile(r"⟦[^⟦⟧]*⟧")
LETTER = re.compile(r"[^\W\d_]")
EDGES = re.compile(r"^\W+|\W+$")
# Read aloud or shown: a text the code writes here must be marked too.
TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-copy", "data-copied"}
TEXT_ATTRIBUTES |= {"data-failed"}
# Names of file formats, the same in every language (the press kit's "JPEG, 2,1 MB").
FORMAT_NAMES = ["Word (DOCX)", "JPEG", "PNG", "WebP", "GIF", "PDF"]


def catalogue(path=BASE_DIR / CATALOGUE):
    with path.open("rb") as file:
        return read_po(file, locale="de", domain="django")


def translations(catalog):
    """Return {(msgid, context): msgstr} of every message, the header left out."""
    # A .mo read back gives a plural's forms as lists and a context as bytes, a .po
    # tuples and text.
    return {
        (
            tuple(m.id) if isinstance(m.id, list) else m.id,
            m.context.decode() if isinstance(m.context, bytes) else m.context,
        ): (tuple(m.string) if isinstance(m.string, list) else m.string)
        for m in catalog
        if m.id
    }


def mark(string):
    if isinstance(string, tuple):
        return tuple(f"⟦{form}⟧" for form in string)
    return f"⟦{string}⟧"


@pytest.fixture
def marked_catalogue(settings, tmp_path):
    """Put a German catalogue with every committed translation marked in place of ours."""
    catalog = catalogue()
    for message in catalog:
        if message.id:
            message.string = mark(message.string)
    (tmp_path / CATALOGUE).parent.mkdir(parents=True)
    with (tmp_path / CATALOGUE).with_suffix(".mo").open("wb") as file:
        write_mo(file, catalog)
    # Changing LOCALE_PATHS makes Django load its catalogues afresh.
    settings.LOCALE_PATHS = [tmp_path / "locale"]


class Visible(HTMLParser):
    """Collect the texts a reader sees or hears, outside elements that only hold content."""

    # Rich text, code, dates and times are content; scripts and styles are not read.
    SKIPPED = {"script", "style", "time", "code"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.text = [""]
        self.attributes = []
        self.skipping = None  # [tag, depth] of the skipped element we are in
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.next_text(tag)
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping[1] += 1
            return
        if tag in self.SKIPPED or "prose" in (attrs.get("class") or "").split():
            self.skipping = [tag, 1]
            return
        self.attributes += [v for k, v in attrs.items() if k in TEXT_ATTRIBUTES and v]
        if tag == "input" and attrs.get("type") == "submit":
            self.attributes.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        self.next_text(tag)
        if self.skipping and tag == self.skipping[0]:
            self.skipping[1] -= 1
            if self.skipping[1] == 0:
                self.skipping = None

    def next_text(self, tag):
        # Search marks the words it found: a title stays one text around <mark>.
        if tag != "mark" and self.text[-1]:
            self.text.append("")

    def handle_data(self, data):
        if not self.skipping:
            self.text[-1] += data

    def unmarked(self, content):
        """Return the texts that are neither marked nor made of content alone."""
        # One string, so a text marked around an inline element (<span lang="en">) counts.
        texts = ["\x00".join(self.text), *self.attributes]
        found = []
        for text in texts:
            while MARKED.search(text):
                text = MARKED.sub("\x00", text)
            for piece in text.split("\x00"):
                rest = piece
                for value in content:
                    rest = rest.replace(value, " ")
                if LETTER.search(rest) and not self.excerpt(piece, content):
                    found.append(" ".join(piece.split()))
        return found

    @staticmethod
    def excerpt(piece, content):
        """Return True for a few words cut from content, as search shows a text's snippet."""
        words = EDGES.sub("", " ".join(piece.split()))
        return len(words.split()) >= 4 and any(words in value for value in content)


def demo_content():
    """Return every text the content holds, longest first, each line also alone."""
    # The profile's defaults stand in while the office has not saved one.
    profile = Profile.load()
    values = {*FORMAT_NAMES, profile.full_name, profile.parliament}
    for model in apps.get_models():
        if model._meta.app_label not in {"office", "releases", "events", "distribution"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list(*fields) if fields else ():
            for value in row:
                if value:
                    values.update((value.strip(), strip_tags(value).strip()))
                    values.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted(values, key=len, reverse=True)


def demo_pages():
    release = Release.objects.get()
    event = Event.objects.get()
    # loaddemo adds contacts only with DEBUG on: a journalist's own pages need one.
    contact = make_contact(name="Erika Muster", outlet="Rheinische Post")
    return {
        "/": ["Neueste Pressemitteilungen", "Nächste Termine", "Zahlen und Fakten"],
        "/pressemitteilungen/": ["Pressemitteilungen", "Archiv", "Kategorien", "Jahre"],
        release.get_absolute_url(): ["Für die Presse", "Pressemitteilung teilen", "Zitate"],
        Category.objects.get().get_absolute_url(): ["Kategorie", "Diese Meldungen als RSS-Feed"],
        Topic.objects.first().get_absolute_url(): ["Thema"],
        f"/pressemitteilungen/{release.publish_at.year}/": ["Archiv"],
        "/termine/": ["Termine", "Kommende Termine", "Vergangene Termine"],
        event.get_absolute_url(): ["Termin", "Wann", "Wo", "Pressemitteilungen zu diesem Termin"],
        "/termine/archiv/": ["Vergangene Termine", "Kommende Termine"],
        "/zitate/": ["Zitate"],
        "/zahlen/": ["Kennzahlen aus unserer Arbeit, jeweils mit ihrer Quelle.", "Quelle:"],
        "/suche/?q=Kohle": ["Suche eingrenzen", "Suchbegriff", "Suchen"],
        "/feeds/": ["Feeds und Kalender abonnieren", "Nach Kategorie", "Nach Thema"],
        "/ueber-mich/": ["Über mich", "Büro", "Pressekontakt", "E-Mail:"],
        "/impressum/": ["Impressum", "Angaben gemäß § 5 DDG", "Haftung für Links"],
        "/datenschutz/": ["Datenschutzerklärung", "Keine Cookies, kein Tracking"],
        "/barrierefreiheit/": ["Erklärung zur Barrierefreiheit", "Schlichtungsverfahren"],
        "/gibt-es-nicht/": ["Seite nicht gefunden", "Zur Startseite"],
        "/vorschau/ungueltig/": ["Dieser Vorschau-Link gilt nicht mehr"],
        "/presseverteiler/": ["Presseverteiler", "Anmelden"],
        f"/presseverteiler/einstellungen/{contact.token}/": ["Ihr Presseverteiler", "Speichern"],
        f"/presseverteiler/abmelden/{contact.token}/": ["Vom Presseverteiler abmelden"],
        "/presseverteiler/bestaetigen/ungueltig/": ["Anmeldung bestätigen"],
    }


@pytest.mark.django_db
def test_every_text_of_the_public_pages_goes_through_gettext(client, marked_catalogue):
    call_command("loaddemo", stdout=io.StringIO())
    content = demo_content()
    unmarked, missing = {}, {}
    for path, expected in demo_pages().items():
        html = client.get(path).content.decode()
        if found := Visible(html).unmarked(content):
            unmarked[path] = found
        if absent := [text for text in expected if mark(text) not in html]:
            missing[path] = absent
    assert unmarked == {}
    assert missing == {}


@pytest.mark.django_db
def test_the_frame_of_every_page_is_marked_even_without_content(client, marked_catalogue):
    html = client.get("/").content.decode()
    # Without a profile or releases, the page is all frame but the profile's defaults.
    assert Visible(html).unmarked(demo_content()) == []
    assert "⟦Hier gibt es noch keine Pressemitteilungen.⟧" in html
    assert "⟦Zurzeit stehen keine Termine an.⟧" in html


@pytest.mark.django_db
def test_the_search_summary_counts_through_ngettext(client, marked_catalogue):
    call_command("loaddemo", stdout=io.StringIO())
    one = client.get("/suche/", {"q": "Kohle", "typ": "pressemitteilungen"}).content.decode()
    several = client.get("/suche/", {"q": "KI"}).content.decode()
    assert "⟦Ein Treffer für „Kohle“⟧" in one
    assert re.search(r"⟦\d+ Treffer für „KI“⟧", several)


def test_the_committed_catalogue_holds_every_text_the_code_writes(tmp_path):
    subprocess.run(
        [sys.executable, BASE_DIR / "scripts" / "messages.py", "--output", tmp_path],
        check=True,
        capture_output=True,
    )
    refreshed = translations(catalogue(tmp_path / CATALOGUE))
    committed = translations(catalogue())
    # `make messages` refreshes the committed catalogue.
    assert sorted(refreshed.keys() - committed.keys()) == []
    assert sorted(committed.keys() - refreshed.keys()) == []
    assert refreshed == committed


def test_the_committed_mo_is_the_compiled_po():
    with (BASE_DIR / CATALOGUE).with_suffix(".mo").open("rb") as file:
        compiled = translations(read_mo(file))
    assert compiled == translations(catalogue())


def django_english(domain="django"):
    """Return the msgids of Django's catalogues for the admin, as Django writes them."""
    found = set()
    for package in ("conf", "contrib/admin", "contrib/auth"):
        path = Path(django.__file__).parent / package / "locale/en/LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            found |= set(translations(catalogue(path)).keys())
    return found


def test_the_catalogue_shows_the_german_texts_as_the_code_writes_them():
    # Only English msgids have another msgstr: those of the admin overrides and the texts
    # Django's German catalogue lacks, all of them Django's own.
    changed = {key for key, string in translations(catalogue()).items() if string != key[0]}
    assert changed - django_english() == set()
    assert ("Filter by %(field_name)s", None) in changed


SAME_IN_GERMAN = {
    "django": [
        "%(class_name)s %(instance)s", "%(truncated_text)s…", "%s GB", "%s KB", "%s MB",
        "%s PB", "%s TB", "Administration", "Afrikaans", "April", "April", "April", "Aug.",
        "August", "August", "Bengali", "Esperanto", "Feb.", "Filter", "Hindi", "IPv4", "IPv6",
        "Ido", "Igbo", "Interlingua", "Jan.", "Kannada", "Khmer", "Malayalam", "Marathi",
        "Nepali", "Nov.", "November", "November", "Sept.", "September", "September", "Swahili",
        "Syndication", "Text", "URL", "Urdu",
    ],
    "djangojs": [
        "Apr", "April", "Aug", "August", "Feb", "Filter", "Jan", "Jul", "Jun", "Nov",
        "November", "Sep", "September",
    ],
}  # fmt: skip


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_text_of_djangos_admin_has_german(domain):
    german = trans_real.DjangoTranslation("de", domain=domain)
    english = []
    for msgid, context in django_english(domain):
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        key = f"{context}\x04{singular}" if context else singular
        if LETTER.search(singular) and german.gettext(key) in (singular, key):
            english.append(singular)
    # Language names and a few words German writes the same way.
    assert sorted(english) == sorted(SAME_IN_GERMAN[domain])


def test_the_editors_toolbar_labels_have_german():
    with (BASE_DIR / SCRIPT_CATALOGUE).open("rb") as file:
        scripts = translations(read_po(file, locale="de", domain="djangojs"))
    for label in ("bold", "italic", "Paragraph", "insert link", "Insert table", "undo"):
        assert scripts[(label, None)] not in ("", label)
    assert scripts[("Überschrift %s", None)] == "Überschrift %s"
