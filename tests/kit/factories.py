"""Objects for tests: content as the press office writes it, users, photos."""

import datetime
import importlib
import io
import itertools
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import ExifTags, Image as PILImage

from events.models import Event
from office.models import Image, Person, Profile, Quote, Statistic
from releases.models import Category, Release, Topic

PASSWORD = "geheim-genug-123"

_sequence = itertools.count(1)


def make_profile(**kwargs):
    kwargs.setdefault("name", "Daniel Hagemeier")
    kwargs.setdefault("title", "MdL")
    kwargs.setdefault("party", "CDU")
    kwargs.setdefault("office_address", "Platz des Landtags 1\n40221 Düsseldorf")
    kwargs.setdefault("office_email", "buero@example.org")
    kwargs.setdefault("press_contact_name", "Erika Presse")
    kwargs.setdefault("press_contact_email", "presse@example.org")
    return Profile.objects.create(**kwargs)


def make_category(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Kategorie {n}")
    kwargs.setdefault("slug", f"kategorie-{n}")
    return Category.objects.create(**kwargs)


def make_topic(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Thema {n}")
    kwargs.setdefault("slug", f"thema-{n}")
    return Topic.objects.create(**kwargs)


def make_release(**kwargs):
    """Create a published release; pass status or publish_at to make it a draft or embargoed."""
    n = next(_sequence)
    kwargs.setdefault("title", f"Pressemitteilung {n}")
    kwargs.setdefault("slug", f"pressemitteilung-{n}")
    kwargs.setdefault("lead", f"Vorspann {n}")
    kwargs.setdefault("body", f"<p>Text {n}</p>")
    kwargs.setdefault("status", Release.Status.PUBLISHED)
    kwargs.setdefault("publish_at", timezone.now() - datetime.timedelta(hours=n))
    if "category" not in kwargs:
        kwargs["category"] = Category.objects.first() or make_category()
    topics = kwargs.pop("topics", [])
    release = Release.objects.create(**kwargs)
    release.topics.set(topics)
    return release


def make_event(**kwargs):
    """Create a published event starting tomorrow; pass starts_at/ends_at to move it."""
    n = next(_sequence)
    # Minutes, not hours, apart: with thousands of events in a run, hours reached the
    # autumn night whose 2:30 happens twice, and an admin form could not read it back.
    starts_at = kwargs.setdefault(
        "starts_at", timezone.now() + datetime.timedelta(days=1, minutes=n)
    )
    kwargs.setdefault("ends_at", starts_at + datetime.timedelta(hours=2))
    kwargs.setdefault("title", f"Termin {n}")
    kwargs.setdefault("slug", f"termin-{n}")
    kwargs.setdefault("venue_name", "Landtag NRW")
    kwargs.setdefault("venue_address", "Platz des Landtags 1\n40221 Düsseldorf")
    kwargs.setdefault("status", Event.Status.PUBLISHED)
    kwargs.setdefault("publish_at", timezone.now() - datetime.timedelta(days=1))
    return Event.objects.create(**kwargs)


def make_quote(release=None, **kwargs):
    """Create a quote; it is public only once a public release shows it, e.g. `release`."""
    n = next(_sequence)
    kwargs.setdefault("text", f"Zitat {n}")
    kwargs.setdefault("said_on", datetime.date(2025, 2, 13))
    quote = Quote.objects.create(**kwargs)
    if release is not None:
        release.quotes.add(quote)
    return quote


def make_statistic(release=None, **kwargs):
    """Create a figure; it is public only once a public release shows it, e.g. `release`."""
    n = next(_sequence)
    kwargs.setdefault("value", n)
    kwargs.setdefault("unit", "Prozent")
    kwargs.setdefault("label", f"Kennzahl {n}")
    kwargs.setdefault("source_name", "Institut der deutschen Wirtschaft")
    statistic = Statistic.objects.create(**kwargs)
    if release is not None:
        release.statistics.add(statistic)
    return statistic


def make_person(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Person {n}")
    return Person.objects.create(**kwargs)


def image_bytes(format="JPEG", size=(64, 48), color=(11, 79, 138)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format=format)
    return buffer.getvalue()


def make_image(**kwargs):
    content = kwargs.pop("content", None) or image_bytes()
    kwargs.setdefault("file", SimpleUploadedFile("foto.jpg", content, "image/jpeg"))
    kwargs.setdefault("alt_text", "Ein blaues Rechteck")
    kwargs.setdefault("credit", "Foto: Max Mustermann")
    image = Image.objects.create(**kwargs)
    # The renditions task recorded them on a copy of its own (at once, in tests).
    image.refresh_from_db(fields=["renditions"])
    return image


def change_url(item):
    """Return the admin change page of a model instance."""
    return f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/change/"


def workflow_group(name="Freigabe"):
    """Return a migrated workflow group, restoring it after an earlier test's flush.

    Transactional tests end with a flush, which empties the rows of data migrations.
    serialized_rollback cannot bring them back here: while Playwright's event loop
    runs in this thread, Django's connection handler (an asgiref Local) switches to
    per-context storage and gives the test a fresh connection without the serialized copy.
    """
    migration = importlib.import_module("office.migrations.0006_redaktion_freigabe")
    group, _ = Group.objects.get_or_create(name=name)
    if not group.permissions.exists():
        granted = migration.codenames()
        if name == migration.APPROVER:
            granted += migration.PUBLISH
        # The Presseverteiler's migrations add sending, invitations and reading to the Freigabe.
        sending = importlib.import_module("distribution.migrations.0002_presseverteiler_group")
        invitations = importlib.import_module("distribution.migrations.0005_invitation_permissions")
        granted += [
            ("distribution", f"{action}_{model}")
            for model, actions in sending.GROUPS.get(name, {}).items()
            for action in actions
        ]
        granted += [("distribution", codename) for codename in invitations.GROUPS.get(name, ())]
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in granted
        )
    return group


def member(username, group="Freigabe"):
    """Return a staff user in one of the office's groups ("Redaktion", "Freigabe")."""
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(workflow_group(group))
    return user


def client_of(user):
    """Return a client logged in as user, beside the test's own `client`."""
    client = Client()
    client.force_login(user)
    return client


# Photos as a phone takes them: every byte is made here, in code, so every byte is known.
CAMERA = "PlenumTestkamera"


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description>Wohnort-Geheimnis</rdf:Description></rdf:RDF>'
    b"</x:xmpmeta>"
)


def phone_exif(orientation=1):
    """Return EXIF as a phone writes it: camera, orientation and where the photo was taken."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 50.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (6.0, 51.0, 10.0)
    return exif


def two_halves(size=(640, 480), first=(200, 30, 30), second=(30, 30, 200), vertical=False):
    """Return a picture whose first half (left, or top if vertical) differs from its second."""
    picture = PILImage.new("RGB", size, second)
    width, height = size
    box = (0, 0, width, height // 2) if vertical else (0, 0, width // 2, height)
    picture.paste(first, box)
    return picture


def photo(format="JPEG", size=(640, 480), orientation=1, **kwargs):
    buffer = io.BytesIO()
    picture = two_halves(size)
    if format == "MPO":
        kwargs["save_all"] = True
        kwargs["append_images"] = [PILImage.new("RGB", (160, 120), (0, 255, 0))]
    picture.save(buffer, format=format, exif=phone_exif(orientation), xmp=XMP, **kwargs)
    return buffer.getvalue()


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def photo_image(size=(2000, 1500), **kwargs):
    buffer = io.BytesIO()
    two_halves(size).save(buffer, format="JPEG", quality=90)
    return make_image(content=buffer.getvalue(), **kwargs)


def make_contact(**kwargs):
    """Create an active contact of the Presseverteiler, entered by the office."""
    from distribution.models import Contact

    n = next(_sequence)
    kwargs.setdefault("name", f"Journalistin {n}")
    kwargs.setdefault("outlet", "Rheinische Post")
    kwargs.setdefault("email", f"journalistin-{n}@example.net")
    kwargs.setdefault("status", Contact.Status.ACTIVE)
    kwargs.setdefault("source", Contact.Source.IMPORTED)
    kwargs.setdefault("legal_basis", "Einwilligung per E-Mail")
    categories = kwargs.pop("categories", [])
    topics = kwargs.pop("topics", [])
    contact = Contact.objects.create(**kwargs)
    contact.categories.set(categories)
    contact.topics.set(topics)
    return contact
