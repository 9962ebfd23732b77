"""Load the seed press release "Von der Kohle zur KI" and everything in it."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from distribution import sending
from distribution.models import Contact, Mailing
from events.models import Event
from office.models import Profile, Quote, Statistic
from releases.models import Category, Release, ReleaseQuote, ReleaseStatistic, Topic

BERLIN = ZoneInfo("Europe/Berlin")
DEMO_PASSWORD = "plenum-demo"
# The two roles of the workflow, one demo login each.
DEMO_EDITORS = {"redaktion": "Redaktion", "freigabe": "Freigabe"}

# The release names the study only by its publisher; no title or year is invented here.
SOURCE = {
    "source_name": "Institut der deutschen Wirtschaft (IW)",
    "source_title": "",
    "source_url": "",
    "source_year": None,
}

FIGURES = [
    {
        "qualifier": "bis zu",
        "value": Decimal("67.8"),
        "unit": "Mrd. Euro",
        "label": "könnte generative KI zur Bruttowertschöpfung in NRW beitragen",
    },
    {
        "value": Decimal("20"),
        "unit": "Prozent",
        "label": "der Unternehmen in NRW – jedes fünfte – setzen bereits heute auf KI-Technologien",
    },
    {
        "value": Decimal("57"),
        "unit": "Prozent",
        "label": "der Unternehmen, die KI nutzen, sehen darin einen Innovationstreiber",
    },
    {
        "label": (
            "Weltkonzerne wie Microsoft investieren Milliardenbeträge in den Ausbau von "
            "KI-Standorten, insbesondere im Rheinischen Revier"
        ),
    },
]

QUOTE = (
    "Zur Zukunft gehört Künstlichen Intelligenz – und Nordrhein-Westfalen kann hier eine "
    "führende Rolle übernehmen. Die Konferenz hat gezeigt, dass KI nicht nur eine technologische "
    "Entwicklung ist, sondern eine enorme wirtschaftliche Chance für unser Land. Wir müssen jetzt "
    "die richtigen politischen Weichen stellen, um Innovationen zu fördern, Arbeitsplätze zu "
    "sichern und Nordrhein-Westfalen als Zentrum für zukunftsfähige Technologien weiter "
    "auszubauen."
)

# Made up, at example.org (RFC 2606: no such inboxes), so a demo send reaches nobody.
DEMO_CONTACTS = [
    {
        "name": "Anna Beispiel",
        "outlet": "Westfälische Beispielpost",
        "email": "anna.beispiel@example.org",
        "topics": ["kuenstliche-intelligenz", "wirtschaft"],
    },
    {
        "name": "Ben Muster",
        "outlet": "Landesradio Beispiel",
        "email": "ben.muster@example.org",
        "topics": ["strukturwandel"],
    },
    {
        "name": "Clara Probe",
        "outlet": "Freie Journalistin",
        "email": "clara.probe@example.org",
        "topics": [],  # no topics: every release
    },
]
DEMO_LEGAL_BASIS = "Demo-Kontakt (erfunden), Rechtsgrundlage: Demo"

TITLE = "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"

LEAD = (
    "Nordrhein-Westfalen treibt den Wandel von einer traditionellen Industrieregion hin zu einem "
    "führenden Standort für Künstliche Intelligenz (KI) und digitale Innovationen konsequent "
    "voran. Im Rahmen der Zukunftskonferenz „Von der Kohle zur KI“, die am 13. Februar 2025 in der "
    "Vertretung des Landes in Berlin stattfand, diskutierten führende Köpfe aus Wirtschaft, "
    "Industrie, Politik und Wissenschaft über die Potenziale von KI und die notwendigen "
    "Rahmenbedingungen für ihre erfolgreiche Nutzung."
)

# The release's closing statement of the MdL is the Quote below, shown after the body.
BODY = """
<h2>KI als Chance für Wirtschaft und Arbeitsplätze</h2>
<p>Nordrhein-Westfalen verfügt als Standort über eine starke industrielle Basis und eine der
dichtesten Forschungslandschaften Europas. Eine aktuelle Studie des Instituts der deutschen
Wirtschaft zeigt, dass NRW unter allen Bundesländern das größte wirtschaftliche Potenzial durch KI
hat:</p>
<ol>
<li><p>Der Beitrag von generativer KI zur Bruttowertschöpfung in NRW könnte bis zu
67,8 Milliarden Euro betragen.</p></li>
<li><p>Bereits jedes fünfte Unternehmen in NRW setzt heute auf KI-Technologien.</p></li>
<li><p>57 Prozent der Unternehmen, die KI nutzen, sehen darin einen Innovationstreiber, um ihre
Wettbewerbsfähigkeit zu steigern.</p></li>
<li><p>Weltkonzerne wie Microsoft investieren Milliardenbeträge in den Ausbau von KI-Standorten,
insbesondere im Rheinischen Revier.</p></li>
</ol>
<p>Die Konferenz machte deutlich, dass NRW mit seinen starken Forschungseinrichtungen,
hochspezialisierten Hochschulen und einem innovationsfreundlichen Umfeld beste Voraussetzungen hat,
um eine führende Region für KI-Entwicklung und -Anwendung in Europa zu werden.</p>
<h2>Internationale Konkurrenz und politische Verantwortung</h2>
<p>Die Diskussionen zeigten, dass KI bereits heute für Unternehmen und Institutionen eine
Schlüsseltechnologie ist. Die wirtschaftliche Konkurrenz ist jedoch hoch – Länder wie die USA und
Frankreich setzen gezielt auf KI-Investitionen, um sich global als Technologieführer zu
positionieren. Die Konferenz betonte daher die Notwendigkeit, dass Deutschland und insbesondere
Nordrhein-Westfalen schnell und entschlossen handeln müssen, um im internationalen Wettbewerb nicht
ins Hintertreffen zu geraten.</p>
<h2>NRW als führender KI-Standort in Europa</h2>
<p>Mit einem starken Mittelstand, global agierenden Unternehmen und einer exzellenten
Forschungsinfrastruktur hat NRW die besten Voraussetzungen, um zum führenden KI-Standort in
Deutschland und Europa zu werden. Besonders wichtig sei es nun, die Rahmenbedingungen für
Investitionen weiter zu verbessern, um neue Arbeitsplätze zu schaffen und wirtschaftliche
Potenziale optimal zu nutzen.</p>
"""


def join_lines(html: str) -> str:
    return " ".join(html.split())


def sync(model, defaults, **lookup):
    """Create or update a row, saving only when a value differs.

    update_or_create() always saves, which bumps updated_at and tells every
    feed and calendar subscriber about an edit nobody made.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**{**defaults, **lookup})
    changed = {name: value for name, value in defaults.items() if getattr(obj, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(obj, name, value)
        obj.save()
    return obj


class Command(BaseCommand):
    help = "Lädt die Demo-Pressemitteilung „Von der Kohle zur KI“ mit Termin, Zitat und Zahlen."

    @transaction.atomic
    def handle(self, *args, **options):
        profile = self.load_profile()
        category = sync(
            Category, {"name": "Aus der Landesregierung"}, slug="aus-der-landesregierung"
        )
        topics = [
            sync(Topic, {"name": name}, slug=slug)
            for slug, name in (
                ("kuenstliche-intelligenz", "Künstliche Intelligenz"),
                ("wirtschaft", "Wirtschaft"),
                ("strukturwandel", "Strukturwandel"),
            )
        ]
        event = self.load_event()
        release = sync(
            Release,
            slug="von-der-kohle-zur-ki",
            defaults={
                "title": TITLE,
                "lead": LEAD,
                "body": join_lines(BODY),
                "category": category,
                "status": Release.Status.PUBLISHED,
                "publish_at": datetime.datetime(2025, 2, 14, 10, 0, tzinfo=BERLIN),
            },
        )
        release.topics.set(topics)
        release.events.set([event])

        quote = sync(
            Quote,
            text=QUOTE,
            defaults={
                "person": None,
                "said_on": datetime.date(2025, 2, 13),
                "context": "Zukunftskonferenz „Von der Kohle zur KI“ in Berlin",
            },
        )
        sync(ReleaseQuote, {"order": 1}, release=release, quote=quote)
        for order, figure in enumerate(FIGURES, start=1):
            statistic = sync(Statistic, {**SOURCE, **figure}, label=figure["label"])
            sync(ReleaseStatistic, {"order": order}, release=release, statistic=statistic)
        self.stdout.write(self.style.SUCCESS(f"Demo-Inhalte geladen: „{release.title}“"))
        self.stdout.write(f"Profil: {profile.full_name}; Termin: {event.title}")
        self.load_accounts()
        self.load_press_list(release, topics)

    def load_profile(self):
        profile = Profile.objects.first() or Profile()
        profile.name = "Daniel Hagemeier"
        profile.title = "MdL"
        profile.party = "CDU"
        profile.parliament = "Landtag Nordrhein-Westfalen"
        profile.role = "Mitglied des Landtags Nordrhein-Westfalen"
        profile.constituency = "Borken I"
        profile.office_address = (
            "Landtag Nordrhein-Westfalen\nPlatz des Landtags 1\n40221 Düsseldorf"
        )
        profile.office_email = "buero@hagemeier.example"
        profile.press_contact_name = "Pressestelle des Abgeordnetenbüros"
        profile.press_contact_email = "presse@hagemeier.example"
        profile.save()
        return profile

    def load_event(self):
        event = sync(
            Event,
            slug="von-der-kohle-zur-ki",
            defaults={
                "title": "Zukunftskonferenz „Von der Kohle zur KI“",
                "starts_at": datetime.datetime(2025, 2, 13, 10, 0, tzinfo=BERLIN),
                "ends_at": datetime.datetime(2025, 2, 13, 17, 0, tzinfo=BERLIN),
                "venue_name": "Vertretung des Landes Nordrhein-Westfalen beim Bund",
                "venue_address": "Hiroshimastraße 12–16\n10785 Berlin",
                "organizer": "Landesregierung Nordrhein-Westfalen",
                "description": join_lines(
                    "<p>Führende Köpfe aus Wirtschaft, Industrie, Politik und Wissenschaft "
                    "diskutieren über die Potenziale von Künstlicher Intelligenz und die "
                    "notwendigen Rahmenbedingungen für ihre erfolgreiche Nutzung.</p>"
                ),
                "status": Event.Status.PUBLISHED,
                "publish_at": datetime.datetime(2025, 1, 20, 9, 0, tzinfo=BERLIN),
            },
        )
        return event

    def load_accounts(self):
        if not settings.DEBUG:
            # A known password must never exist on a production site.
            self.stdout.write("Keine Demo-Zugänge angelegt (nur mit DEBUG=1).")
            return
        admin = User.objects.filter(username="admin").first() or User(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for username, group in DEMO_EDITORS.items():
            editor = User.objects.filter(username=username).first() or User(username=username)
            editor.is_staff = True
            editor.set_password(DEMO_PASSWORD)
            editor.save()
            editor.groups.add(Group.objects.get(name=group))
        self.stdout.write(
            f"Anmeldung unter /admin/: admin / {DEMO_PASSWORD} (alle Rechte), "
            f"redaktion / {DEMO_PASSWORD} (schreibt und reicht ein) "
            f"oder freigabe / {DEMO_PASSWORD} (gibt frei und veröffentlicht)"
        )

    def load_press_list(self, release, topics):
        """Add demo contacts and the demo release's send to them (DEBUG only)."""
        if not settings.DEBUG:
            # A production Presseverteiler holds real, consented contacts only.
            return
        by_slug = {topic.slug: topic for topic in topics}
        for entry in DEMO_CONTACTS:
            contact = sync(
                Contact,
                {
                    "name": entry["name"],
                    "outlet": entry["outlet"],
                    "status": Contact.Status.ACTIVE,
                    "source": Contact.Source.IMPORTED,
                    "legal_basis": DEMO_LEGAL_BASIS,
                    "consented_at": datetime.datetime(2025, 2, 1, 9, 0, tzinfo=BERLIN),
                },
                email=entry["email"],
            )
            contact.topics.set([by_slug[slug] for slug in entry["topics"]])
        # Once per release and audience: a second run finds the first send.
        freigabe = User.objects.filter(username="freigabe").first()
        sending.create_mailing(release, freigabe, Mailing.Mode.PUBLICATION)
        self.stdout.write(
            f"Presseverteiler: {len(DEMO_CONTACTS)} Demo-Kontakte; der Versand der "
            "Demo-Pressemitteilung steht unter Presseverteiler → Versand, die E-Mails "
            "unter „Gesendete E-Mails (Entwicklung)“, sobald der Worker sie geschrieben hat."
        )
