"""Every public page type with real content, shared by the accessibility, HTML and privacy checks.

The browser, vnu and request checks import the site and the page list from here,
so they all look at the same pages; a test serves it with ROOT_URLCONF set to this module.
"""

import datetime
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import path
from django.views.static import serve
from PIL import Image as PILImage

from office.models import Person, Profile, Statistic
from releases.models import (
    Category,
    ReleaseAttachment,
    ReleaseImage,
    ReleaseQuote,
    ReleaseStatistic,
    Topic,
)
from tests.kit.factories import image_bytes, make_event, make_image, make_quote, make_release

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


FULL_SLUG = "haushalt-2027-forschung-und-schulen"
FULL_TITLE = "Haushalt 2027: Was NRW in Forschung und Schulen investiert"
FULL_BODY = (
    "<h2>Die wichtigsten Posten</h2>"
    "<p>Der Entwurf setzt drei Schwerpunkte. Mehr dazu im "
    '<a href="https://www.landtag.nrw.de/">Portal des Landtags</a>.</p>'
    "<ul><li><p>Mehr Lehrkräfte an Grundschulen</p></li>"
    "<li><p>Ein Förderprogramm für KI in Hochschulen</p></li>"
    "<li><p>Schnelleres Internet für Schulen im ländlichen Raum</p></li></ul>"
    "<h3>Ausgaben im Vergleich</h3>"
    "<table><tbody>"
    "<tr><th><p>Bereich</p></th><th><p>2026</p></th><th><p>2027</p></th></tr>"
    "<tr><td><p>Schule</p></td><td><p>21,1 Mrd. Euro</p></td><td><p>22,4 Mrd. Euro</p></td></tr>"
    "<tr><td><p>Hochschule</p></td><td><p>9,8 Mrd. Euro</p></td><td><p>10,3 Mrd. Euro</p></td></tr>"
    "</tbody></table>"
    "<ol><li><p>Erste Lesung im Januar</p></li><li><p>Beschluss im März</p></li></ol>"
)
CANCELLED_SLUG = "podiumsdiskussion-bildung"
UPCOMING_SLUG = "buergersprechstunde-borken"


def media_urlpatterns():
    """Return the site's URLs plus /media/, which a proxy serves in production."""
    from office.urls import urlpatterns

    def media(request, path):
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    return [*urlpatterns, path("media/<path:path>", media)]


urlpatterns = media_urlpatterns()


def build_site():
    """Load the demo and add a release using every feature; return (name, path) per page type."""
    call_command("loaddemo", stdout=io.StringIO())
    profile = Profile.objects.get()
    profile.portrait = make_image(
        content=image_bytes(size=(240, 240)), alt_text="Porträt von Daniel Hagemeier"
    )
    profile.office_phone = "0211 884-0"
    profile.biography = (
        "<h2>Lebenslauf</h2><p>Geboren in Borken, Landwirt, seit 2017 im Landtag.</p>"
    )
    profile.save()

    category = Category.objects.get(slug="aus-der-landesregierung")
    now = datetime.datetime.now(datetime.UTC)
    cancelled = make_event(
        title="Podiumsdiskussion „Gute Schule im ländlichen Raum“",
        slug=CANCELLED_SLUG,
        cancelled=True,
        description="<p>Die Diskussion fällt wegen Krankheit aus.</p>",
    )
    upcoming = make_event(
        title="Bürgersprechstunde im Wahlkreisbüro Borken",
        slug=UPCOMING_SLUG,
        starts_at=now + datetime.timedelta(days=3),
        organizer="Wahlkreisbüro Borken",
    )
    upcoming.speakers.add(Person.objects.create(name="Anna Beispiel", role="Schulleiterin"))
    release = make_release(
        title=FULL_TITLE,
        slug=FULL_SLUG,
        lead="Der Haushaltsentwurf 2027 stärkt Schulen und Hochschulen im ganzen Land.",
        body=FULL_BODY,
        category=category,
        topics=list(Topic.objects.all()),
        hero_image=make_image(
            content=image_bytes(size=(800, 450)),
            alt_text="Schülerinnen und Schüler an Laptops in einem Klassenzimmer",
            caption="Digitaler Unterricht an einer Grundschule in Borken",
        ),
        publish_at=now - datetime.timedelta(hours=2),
        revised_at=now - datetime.timedelta(hours=1),
        correction_note="In einer früheren Fassung stand 1,2 statt 2,1 Milliarden Euro.",
    )
    release.events.set([upcoming, cancelled])
    quote = make_quote(
        text="Bildung ist die beste Investition in die Zukunft unseres Landes.",
        person=Person.objects.create(name="Erika Muster", role="Landesschülervertretung"),
        context="Haushaltsdebatte im Landtag",
        source_url="https://www.landtag.nrw.de/",
    )
    statistic = Statistic.objects.create(
        value="22.4",
        unit="Mrd. Euro",
        label="für Schulen im Haushaltsentwurf 2027",
        source_name="Ministerium der Finanzen NRW",
        source_title="Haushaltsentwurf 2027",
        source_url="https://www.finanzverwaltung.nrw.de/",
        source_year=2026,
    )
    ReleaseImage.objects.create(
        release=release,
        image=make_image(
            content=image_bytes(size=(640, 480), color=(200, 120, 30)),
            alt_text="Die Abgeordnete im Gespräch mit einer Lehrerin",
        ),
        caption="Besuch an der Gesamtschule Borken",
    )
    pdf = io.BytesIO()
    PILImage.new("RGB", (200, 280), (255, 255, 255)).save(pdf, format="PDF")
    ReleaseAttachment.objects.create(
        release=release,
        title="Haushaltsentwurf 2027 (Auszug)",
        file=SimpleUploadedFile("haushalt.pdf", pdf.getvalue()),
    )
    ReleaseQuote.objects.create(release=release, quote=quote)
    ReleaseStatistic.objects.create(release=release, statistic=statistic)
    return PAGES


PAGES = [
    ("home", "/"),
    ("release list", "/pressemitteilungen/"),
    ("demo release", "/pressemitteilungen/von-der-kohle-zur-ki/"),
    ("release with every feature", f"/pressemitteilungen/{FULL_SLUG}/"),
    ("category", "/pressemitteilungen/kategorie/aus-der-landesregierung/"),
    ("topic", "/pressemitteilungen/thema/kuenstliche-intelligenz/"),
    ("year", "/pressemitteilungen/2025/"),
    ("upcoming events", "/termine/"),
    ("past events", "/termine/archiv/"),
    ("event", "/termine/von-der-kohle-zur-ki/"),
    ("upcoming event", f"/termine/{UPCOMING_SLUG}/"),
    ("cancelled event", f"/termine/{CANCELLED_SLUG}/"),
    ("quotes", "/zitate/"),
    ("figures", "/zahlen/"),
    ("search with results", "/suche/?q=KI"),
    ("search without results", "/suche/?q=Quantencomputer"),
    ("search error", "/suche/?q="),
    ("profile", "/ueber-mich/"),
    ("impressum", "/impressum/"),
    ("datenschutz", "/datenschutz/"),
    ("barrierefreiheit", "/barrierefreiheit/"),
    ("not found", "/gibt-es-nicht/"),
]


def nu_html_checker(paths):
    """Return vnu's errors for the files as 'file:line: message', one JVM for all of them."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("vnu needs Java and `npm ci --ignore-scripts` in the project folder.")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        if message["type"] != "info"
    ]
