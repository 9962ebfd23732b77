"""Fill the database with many releases and events for benchmarks, quickly and repeatably.

One module despite its length: one command, the benchmark's whole data set, read top to bottom.
"""

import datetime
import io
import random
import time
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image as PILImage

from events.models import Event
from office.management.commands.loaddemo import Command as LoadDemo
from office.media.validators import german_slug
from office.models import Image, Person, Profile, Quote, Statistic
from office.publishing.cache import renew_generation
from releases.models import Category, Release, ReleaseQuote, ReleaseStatistic, Topic

SEED = 20250213
BATCH_SIZE = 1000
YEARS = 8  # releases spread over this many years before now
DRAFT_SHARE = 0.05
EMBARGO_SHARE = 0.03
EVENT_CANCELLED_SHARE = 0.05
IMAGE_COUNT = 12
CATEGORIES = [
    ("aus-dem-landtag", "Aus dem Landtag"),
    ("aus-dem-wahlkreis", "Aus dem Wahlkreis"),
    ("aus-der-landesregierung", "Aus der Landesregierung"),
    ("wirtschaft-und-arbeit", "Wirtschaft und Arbeit"),
    ("bildung-und-familie", "Bildung und Familie"),
    ("verkehr-und-infrastruktur", "Verkehr und Infrastruktur"),
    ("umwelt-und-landwirtschaft", "Umwelt und Landwirtschaft"),
    ("innere-sicherheit", "Innere Sicherheit"),
]
TOPICS = [
    "Künstliche Intelligenz",
    "Wirtschaft",
    "Strukturwandel",
    "Digitalisierung",
    "Glasfaser",
    "Energie",
    "Wasserstoff",
    "Schule",
    "Kita",
    "Hochschule",
    "Landwirtschaft",
    "Mittelstand",
    "Handwerk",
    "Ehrenamt",
    "Sport",
    "Polizei",
    "Feuerwehr",
    "Gesundheit",
    "Pflege",
    "Mobilität",
    "Radwege",
    "Kommunalfinanzen",
    "Heimat",
    "Tourismus",
]
# (subject as it reads after "für"/"zu", topics it belongs to)
SUBJECTS = [
    ("Künstliche Intelligenz im Mittelstand", ["Künstliche Intelligenz", "Mittelstand"]),
    ("schnelles Internet im ländlichen Raum", ["Glasfaser", "Digitalisierung"]),
    ("mehr Kita-Plätze im Kreis Borken", ["Kita"]),
    ("die Zukunft des Rheinischen Reviers", ["Strukturwandel", "Energie"]),
    ("digitale Klassenzimmer", ["Schule", "Digitalisierung"]),
    ("den Ausbau der B 67", ["Mobilität"]),
    ("Wasserstoff aus dem Münsterland", ["Wasserstoff", "Energie"]),
    ("das Ehrenamt in Sportvereinen", ["Ehrenamt", "Sport"]),
    ("Landärztinnen und Landärzte", ["Gesundheit"]),
    ("Fachkräfte für das Handwerk", ["Handwerk", "Wirtschaft"]),
    ("die Freiwilligen Feuerwehren", ["Feuerwehr", "Ehrenamt"]),
    ("mehr Polizei auf der Straße", ["Polizei"]),
    ("neue Radwege zwischen den Dörfern", ["Radwege", "Mobilität"]),
    ("die Pflege zu Hause", ["Pflege", "Gesundheit"]),
    ("starke Kommunen", ["Kommunalfinanzen"]),
    ("Innovationen aus der Hochschule", ["Hochschule", "Wirtschaft"]),
    ("die Landwirtschaft von morgen", ["Landwirtschaft"]),
    ("den Tourismus im Westmünsterland", ["Tourismus", "Heimat"]),
]
OPENERS = [
    "Neue Förderung für",
    "Landtag berät über",
    "Klare Worte zu",
    "Besuch vor Ort:",
    "Gute Nachrichten für",
    "Land investiert in",
    "Anhörung im Ausschuss zu",
    "Gespräch mit Betrieben über",
    "Antrag beschlossen:",
    "Bilanz nach einem Jahr:",
]
CLAIMS = [
    "NRW geht voran",
    "Land stellt Millionen bereit",
    "der Kreis profitiert",
    "jetzt die Weichen stellen",
    "Hagemeier sieht großen Fortschritt",
    "ein wichtiges Signal für die Region",
    "Kommunen erhalten Planungssicherheit",
    "mehr Tempo bei der Umsetzung",
]
PLACES = [
    "Borken",
    "Bocholt",
    "Gronau",
    "Ahaus",
    "Stadtlohn",
    "Vreden",
    "Rhede",
    "Isselburg",
    "Heek",
    "Legden",
    "Raesfeld",
    "Velen",
]
SENTENCES = [
    "Nordrhein-Westfalen hat eine starke industrielle Basis und eine der dichtesten "
    "Forschungslandschaften Europas.",
    "Gerade im ländlichen Raum entscheidet die Infrastruktur über die Zukunft der Region.",
    "Die Landesregierung stellt dafür in diesem Jahr zusätzliche Mittel bereit.",
    "Vor Ort haben Unternehmen, Verbände und Kommunen ihre Erfahrungen geschildert.",
    "Schulen, Kitas und Vereine sollen schneller und unbürokratischer unterstützt werden.",
    "Eine aktuelle Studie zeigt, dass sich die Investitionen bereits auszahlen.",
    "Die Kommunen erhalten damit Planungssicherheit für die kommenden Jahre.",
    "Der Strukturwandel gelingt nur gemeinsam mit den Menschen in der Region.",
    "Viele Gespräche haben gezeigt, wo Bürgerinnen und Bürgern der Schuh drückt.",
    "Der Landtag wird sich in seiner nächsten Plenarsitzung mit dem Antrag befassen.",
    "Neue Ideen entstehen dort, wo Wissenschaft, Wirtschaft und Verwaltung zusammenarbeiten.",
    "Die Anträge können ab sofort bei der Bezirksregierung Münster gestellt werden.",
    "Das Förderprogramm ist zunächst auf drei Jahre angelegt und wird wissenschaftlich begleitet.",
    "Auch kleine und mittlere Betriebe sollen von der Förderung profitieren.",
    "Der Abgeordnete kündigte an, das Thema im zuständigen Ausschuss erneut aufzurufen.",
    "Bürokratische Hürden sollen abgebaut und Verfahren deutlich beschleunigt werden.",
    "Die Mittel stammen aus dem Landeshaushalt und aus Programmen der Europäischen Union.",
    "Viele Ehrenamtliche tragen mit ihrem Einsatz jeden Tag zum Zusammenhalt bei.",
]
MEASURES = [
    "Zuschüsse für Investitionen in neue Technik",
    "eine zentrale Anlaufstelle bei der Bezirksregierung",
    "schnellere Genehmigungsverfahren",
    "Beratung für kleine und mittlere Unternehmen",
    "mehr Personal in den Kommunen",
    "Qualifizierung und Weiterbildung der Beschäftigten",
    "ein jährlicher Bericht an den Landtag",
    "Modellprojekte in drei Kommunen des Kreises",
]
HEADINGS = [
    "Worum es geht",
    "Was sich jetzt ändert",
    "Die Maßnahmen im Überblick",
    "Wie es weitergeht",
    "Die Region profitiert",
    "Stimmen aus der Praxis",
]
PEOPLE = [
    ("Anna Becker", "Bürgermeisterin der Stadt Borken"),
    ("Jonas Hoffmann", "Geschäftsführer der IHK Nord Westfalen"),
    ("Miriam Schulte", "Schulleiterin der Gesamtschule Gronau"),
    ("Peter Wolters", "Vorsitzender des Kreisbauernverbands"),
    ("Leonie Brüggemann", "Professorin für Informatik an der Westfälischen Hochschule"),
    ("Stefan Terhorst", "Kreisbrandmeister"),
    ("Sabine Overkamp", "Vorsitzende des Kreissportbunds"),
    ("Dr. Michael Kemper", "Hausarzt in Vreden"),
]
QUOTE_PARTS = [
    "Das ist ein starkes Signal für unsere Region.",
    "Wir haben lange dafür gekämpft, und jetzt kommt die Unterstützung an.",
    "Die Menschen vor Ort erwarten zu Recht, dass wir liefern.",
    "Gute Politik beginnt mit Zuhören.",
    "Hier zeigt sich, was Nordrhein-Westfalen kann.",
    "Wir dürfen uns auf dem Erreichten nicht ausruhen.",
    "Jeder Euro, der hier investiert wird, ist gut angelegtes Geld.",
    "Ohne das Ehrenamt wäre unser Land ärmer.",
]
FIGURE_LABELS = [
    ("Mio. Euro", "stellt das Land für das Programm bereit"),
    ("Prozent", "der Haushalte im Kreis sind bereits an das Glasfasernetz angeschlossen"),
    ("Kilometer", "neue Radwege sind seit 2020 entstanden"),
    ("Plätze", "in Kitas wurden im vergangenen Jahr neu geschaffen"),
    ("Prozent", "der Unternehmen setzen bereits auf digitale Anwendungen"),
    ("Betriebe", "haben sich an der Befragung beteiligt"),
    ("Mrd. Euro", "beträgt das wirtschaftliche Potenzial für Nordrhein-Westfalen"),
    ("Ehrenamtliche", "engagieren sich in den Freiwilligen Feuerwehren des Kreises"),
]
SOURCES = [
    ("IT.NRW", "Statistisches Jahrbuch Nordrhein-Westfalen", "https://www.it.nrw/"),
    ("Statistisches Bundesamt", "Pressemitteilung", "https://www.destatis.de/"),
    ("Institut der deutschen Wirtschaft (IW)", "IW-Studie", "https://www.iwkoeln.de/"),
    ("Bundesagentur für Arbeit", "Arbeitsmarkt in Zahlen", "https://statistik.arbeitsagentur.de/"),
    ("Kreis Borken", "Kreisentwicklungsbericht", ""),
    ("Landesregierung Nordrhein-Westfalen", "Antwort auf eine Kleine Anfrage", ""),
]
EVENT_KINDS = [
    "Bürgersprechstunde in {place}",
    "Podiumsdiskussion: {subject}",
    "Besuch in {place}: {subject}",
    "Fachgespräch im Landtag: {subject}",
    "Sommertour durch den Wahlkreis: {place}",
    "Informationsabend in {place}",
]
VENUES = [
    ("Landtag Nordrhein-Westfalen", "Platz des Landtags 1\n40221 Düsseldorf"),
    ("Rathaus Borken", "Im Piepershagen 17\n46325 Borken"),
    ("Stadthalle Gronau", "Konrad-Adenauer-Straße 45\n48599 Gronau"),
    ("Bürgerbüro Ahaus", "Marktstraße 12\n48683 Ahaus"),
    ("Vertretung des Landes Nordrhein-Westfalen beim Bund", "Hiroshimastraße 12–16\n10785 Berlin"),
]
IMAGE_ALTS = [
    "Der Abgeordnete im Gespräch mit Beschäftigten in einer Werkhalle",
    "Blick in den Plenarsaal des Landtags Nordrhein-Westfalen",
    "Eine Gruppe Kinder spielt im Garten einer Kita",
    "Ein Glasfaserkabel wird in einen Graben verlegt",
    "Feuerwehrleute vor einem Löschfahrzeug",
    "Radweg zwischen Feldern im Westmünsterland",
]


class Command(BaseCommand):
    help = "Füllt die Datenbank für Lasttests mit vielen Pressemitteilungen und Terminen."

    def add_arguments(self, parser):
        parser.add_argument("--releases", type=int, default=10_000, help="Anzahl (10000)")
        parser.add_argument(
            "--events", type=int, help="Anzahl der Termine (ein Zwanzigstel der Meldungen)"
        )
        parser.add_argument("--seed", type=int, default=SEED, help=f"Zufallsstartwert ({SEED})")
        parser.add_argument(
            "--append",
            action="store_true",
            help="auch dann anlegen, wenn schon Pressemitteilungen da sind",
        )

    def handle(self, *args, releases, events, seed, append, **options):
        events = max(releases // 20, 10) if events is None else events
        if releases < 0 or events < 0:
            raise CommandError("--releases und --events dürfen nicht negativ sein.")
        if not append and Release.objects.exists():
            raise CommandError(
                "Die Datenbank enthält schon Pressemitteilungen. seedbench ist für leere "
                "Benchmark-Datenbanken gedacht; mit --append wird trotzdem ergänzt."
            )
        started = time.monotonic()
        # Appending again must not repeat the same slugs and texts.
        rng = random.Random(seed + Release.objects.count())
        with transaction.atomic():
            seeder = Seeder(rng, timezone.now())
            summary = seeder.run(releases, events)
        # Bulk inserts send no save signals: without this, pages and pieces kept
        # under the old generation would miss the new rows (with --append, the
        # quotes of the new drafts would show as public).
        renew_generation()
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{summary} in {seconds:.1f} s"))


class Seeder:
    def __init__(self, rng, now):
        self.rng = rng
        self.now = now

    def run(self, release_count, event_count):
        if not Profile.objects.exists():
            LoadDemo().load_profile()
        self.categories = [
            Category.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in CATEGORIES
        ]
        self.topics = {
            name: Topic.objects.get_or_create(slug=german_slug(name), defaults={"name": name})[0]
            for name in TOPICS
        }
        self.people = [
            Person.objects.get_or_create(name=name, defaults={"role": role})[0]
            for name, role in PEOPLE
        ]
        self.images = self.make_images() if release_count else []
        releases = self.make_releases(release_count)
        quote_count, figure_count = self.attach_quotes_and_figures(releases)
        events = self.make_events(event_count)
        self.link_events(releases, events)
        public = Release.objects.filter(pk__in=[r.pk for r in releases]).published().count()
        public_events = Event.objects.filter(pk__in=[e.pk for e in events]).published().count()
        drafts = sum(r.status == Release.Status.DRAFT for r in releases)
        return (
            f"{len(releases)} Pressemitteilungen ({public} öffentlich, {drafts} Entwürfe, "
            f"{len(releases) - public - drafts} mit Sperrfrist), {quote_count} Zitate, "
            f"{figure_count} Kennzahlen, {len(events)} Termine ({public_events} öffentlich, "
            f"{sum(e.cancelled for e in events)} abgesagt) angelegt"
        )

    # --- helpers -------------------------------------------------------------

    def unique_slugs(self, model, titles):
        taken = set(model.objects.values_list("slug", flat=True))
        slugs = []
        for number, title in enumerate(titles, start=1):
            base = german_slug(title)[:180].rstrip("-")
            slug, n = f"{base}-{number}", number
            while slug in taken:
                n += len(titles)
                slug = f"{base}-{n}"
            taken.add(slug)
            slugs.append(slug)
        return slugs

    def statuses(self, count):
        """Return (status, embargoed) per item: a fixed share of drafts and embargoed ones."""
        indexes = list(range(count))
        self.rng.shuffle(indexes)
        drafts = set(indexes[: max(1, round(count * DRAFT_SHARE))] if count >= 3 else [])
        embargoed_count = max(1, round(count * EMBARGO_SHARE)) if count >= 3 else 0
        embargoed = set(indexes[len(drafts) : len(drafts) + embargoed_count])
        return [
            (Release.Status.DRAFT if i in drafts else Release.Status.PUBLISHED, i in embargoed)
            for i in range(count)
        ]

    def sentences(self, count):
        return " ".join(self.rng.sample(SENTENCES, count))

    def make_images(self):
        images = []
        for number in range(IMAGE_COUNT):
            picture = PILImage.new("RGB", (960, 540), (20 + number * 15, 79, 138 - number * 5))
            buffer = io.BytesIO()
            picture.save(buffer, format="JPEG", quality=80)
            name = default_storage.save(
                f"bilder/seedbench-{number}.jpg", ContentFile(buffer.getvalue())
            )
            images.append(
                Image(
                    file=name,
                    width=960,
                    height=540,
                    file_size=buffer.tell(),
                    alt_text=IMAGE_ALTS[number % len(IMAGE_ALTS)],
                    caption=self.rng.choice(["", "Vor Ort im Wahlkreis"]),
                    credit="Foto: Abgeordnetenbüro",
                )
            )
        return Image.objects.bulk_create(images)

    # --- releases ------------------------------------------------------------

    def body(self, subject, place):
        rng = self.rng
        heads = rng.sample(HEADINGS, 3)
        measures = "".join(f"<li>{m}</li>" for m in rng.sample(MEASURES, rng.randint(3, 5)))
        return (
            f"<p><strong>{place}.</strong> {self.sentences(3)}</p>"
            f"<h2>{heads[0]}</h2><p>{self.sentences(4)}</p><p>{self.sentences(3)}</p>"
            f"<h2>{heads[1]}</h2><p>Das Programm für {subject} umfasst:</p><ul>{measures}</ul>"
            f"<p>{self.sentences(3)}</p>"
            f"<h2>{heads[2]}</h2><p>{self.sentences(4)}</p>"
            f'<p>Weitere Informationen: <a href="https://www.land.nrw/">www.land.nrw</a></p>'
        )

    def make_releases(self, count):
        rng = self.rng
        span = datetime.timedelta(days=365 * YEARS).total_seconds()
        rows, titles, subjects = [], [], []
        for status, embargoed in self.statuses(count):
            subject, topic_names = rng.choice(SUBJECTS)
            place = rng.choice(PLACES)
            title = f"{rng.choice(OPENERS)} {subject} – {rng.choice(CLAIMS)}"
            if embargoed:
                publish_at = self.now + datetime.timedelta(hours=rng.uniform(1, 30 * 24))
            else:
                publish_at = self.now - datetime.timedelta(seconds=rng.uniform(60, span))
            titles.append(title)
            subjects.append(topic_names)
            rows.append(
                Release(
                    title=title,
                    lead=f"{place}. {self.sentences(2)} Es geht um {subject}.",
                    body=self.body(subject, place),
                    category=rng.choice(self.categories),
                    hero_image=rng.choice(self.images) if rng.random() < 0.3 else None,
                    status=status,
                    publish_at=publish_at,
                )
            )
        for release, slug in zip(rows, self.unique_slugs(Release, titles), strict=True):
            release.slug = slug
        releases = Release.objects.bulk_create(rows, batch_size=BATCH_SIZE)

        links = []
        for release, topic_names in zip(releases, subjects, strict=True):
            names = set(topic_names)
            if rng.random() < 0.3:
                names.add(rng.choice(TOPICS))
            links += [
                Release.topics.through(release_id=release.pk, topic_id=self.topics[n].pk)
                for n in sorted(names)
            ]
        Release.topics.through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        self.backdate(Release, releases)
        return releases

    def backdate(self, model, items):
        """Give the rows created and changed times around their publish time, not now."""
        if not items:
            return
        pks = [item.pk for item in items]
        rows = model.objects.filter(pk__gte=min(pks), pk__lte=max(pks))
        rows.update(
            created_at=F("publish_at") - datetime.timedelta(hours=3),
            updated_at=F("publish_at") - datetime.timedelta(hours=1),
        )
        # A few were corrected a day after they went out.
        corrected = self.rng.sample(pks, len(pks) // 20)
        day_old = self.now - datetime.timedelta(days=1)
        rows.filter(pk__in=corrected, publish_at__lt=day_old).update(
            updated_at=F("publish_at") + datetime.timedelta(days=1)
        )
        # A draft has no publish time until the Freigabe decides; its drawn one only
        # dated the row.
        rows.exclude(status=model.Status.PUBLISHED).update(publish_at=None)

    def attach_quotes_and_figures(self, releases):
        rng = self.rng
        quotes, quote_links, figures, figure_links = [], [], [], []
        for release in releases:
            said_on = timezone.localdate(min(release.publish_at, self.now))
            for order in range(rng.choice([0, 1, 1, 1, 2])):
                speaker = None if order == 0 and rng.random() < 0.7 else rng.choice(self.people)
                quotes.append(
                    Quote(
                        text=" ".join(rng.sample(QUOTE_PARTS, rng.randint(2, 3))),
                        person=speaker,
                        said_on=said_on,
                        context=f"zur Pressemitteilung „{release.title[:120]}“",
                    )
                )
                quote_links.append((release, order))
            for order in range(rng.choice([0, 0, 1, 2, 3])):
                unit, label = rng.choice(FIGURE_LABELS)
                name, title, url = rng.choice(SOURCES)
                figures.append(
                    Statistic(
                        qualifier=rng.choice(["", "", "", "rund", "mehr als"]),
                        value=Decimal(rng.randint(10, 99_999)) / 10,
                        unit=unit,
                        label=label,
                        source_name=name,
                        source_title=title,
                        source_url=url,
                        source_year=said_on.year - rng.randint(0, 1),
                    )
                )
                figure_links.append((release, order))
        # Some quotes and figures stand alone, as on /zitate/ and /zahlen/.
        for _ in range(-(-len(releases) // 50)):  # one in fifty, rounded up
            quotes.append(
                Quote(
                    text=" ".join(rng.sample(QUOTE_PARTS, 2)),
                    said_on=timezone.localdate(self.now)
                    - datetime.timedelta(days=rng.randint(1, 900)),
                    context=f"Rede im Landtag zu {rng.choice(SUBJECTS)[0]}",
                )
            )
        quotes = Quote.objects.bulk_create(quotes, batch_size=BATCH_SIZE)
        figures = Statistic.objects.bulk_create(figures, batch_size=BATCH_SIZE)
        ReleaseQuote.objects.bulk_create(
            (
                ReleaseQuote(release_id=release.pk, quote_id=quote.pk, order=order)
                for (release, order), quote in zip(quote_links, quotes, strict=False)
            ),
            batch_size=BATCH_SIZE,
        )
        ReleaseStatistic.objects.bulk_create(
            (
                ReleaseStatistic(release_id=release.pk, statistic_id=figure.pk, order=order)
                for (release, order), figure in zip(figure_links, figures, strict=True)
            ),
            batch_size=BATCH_SIZE,
        )
        return len(quotes), len(figures)

    # --- events --------------------------------------------------------------

    def make_events(self, count):
        rng = self.rng
        rows, titles = [], []
        statuses = self.statuses(count)
        cancelled_count = min(count, max(1, round(count * EVENT_CANCELLED_SHARE)))
        cancelled = set(rng.sample(range(count), cancelled_count))
        for number, (status, embargoed) in enumerate(statuses):
            # One in six lies ahead; the first two make sure there is a past and a future.
            ahead = number == 0 or (number != 1 and rng.random() < 1 / 6)
            days = rng.uniform(1, 365) if ahead else -rng.uniform(1, 365 * YEARS)
            start = timezone.localtime(self.now + datetime.timedelta(days=days))
            all_day = rng.random() < 0.1
            if all_day:
                start = start.replace(hour=0, minute=0, second=0, microsecond=0)
                end = start + datetime.timedelta(days=rng.randint(0, 2), hours=23, minutes=59)
            else:
                start = start.replace(hour=rng.randint(9, 19), minute=rng.choice([0, 30]))
                start = start.replace(second=0, microsecond=0)
                end = start + datetime.timedelta(hours=rng.randint(1, 4))
            if embargoed:
                publish_at = self.now + datetime.timedelta(hours=rng.uniform(1, 14 * 24))
            else:
                publish_at = min(start - datetime.timedelta(days=rng.uniform(3, 40)), self.now)
            subject = rng.choice(SUBJECTS)[0]
            place = rng.choice(PLACES)
            title = rng.choice(EVENT_KINDS).format(place=place, subject=subject)
            venue, address = rng.choice(VENUES)
            titles.append(title)
            rows.append(
                Event(
                    title=title,
                    starts_at=start,
                    ends_at=end,
                    all_day=all_day,
                    venue_name=venue,
                    venue_address=address,
                    description=f"<p>{self.sentences(2)}</p><p>Der Eintritt ist frei.</p>",
                    organizer=rng.choice(["Abgeordnetenbüro Hagemeier", "Landtag NRW", ""]),
                    cancelled=number in cancelled,
                    status=status,
                    publish_at=publish_at,
                )
            )
        for event, slug in zip(rows, self.unique_slugs(Event, titles), strict=True):
            event.slug = slug
        events = Event.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        Event.speakers.through.objects.bulk_create(
            (
                Event.speakers.through(event_id=event.pk, person_id=person.pk)
                for event in events
                if rng.random() < 0.4
                for person in rng.sample(self.people, rng.randint(1, 3))
            ),
            batch_size=BATCH_SIZE,
        )
        self.backdate(Event, events)
        return events

    def link_events(self, releases, events):
        """Link about every other event to a release; the newest public release gets one."""
        if not releases or not events:
            return
        links = {(self.rng.choice(releases).pk, event.pk) for event in events[::2]}
        public = [r for r in releases if r.status == Release.Status.PUBLISHED]
        public = [r for r in public if r.publish_at <= self.now]
        if public:
            newest = max(public, key=lambda r: r.publish_at)
            links.add((newest.pk, events[0].pk))
        Release.events.through.objects.bulk_create(
            Release.events.through(release_id=release_id, event_id=event_id)
            for release_id, event_id in sorted(links)
        )
