"""No data lost: backup and restore round-trip everything; a failed save changes nothing."""

import datetime
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from events.models import Event
from office.models import Image, LegalPage, Person, Profile, Quote, Statistic
from releases.admin import ReleaseAdmin
from releases.models import Category, Release, ReleaseQuote, ReleaseStatistic, Topic
from tests.kit.factories import (
    image_bytes,
    make_category,
    make_event,
    make_image,
    make_person,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import admin_form

pytestmark = pytest.mark.django_db

CONTENT = [
    Profile,
    Person,
    Quote,
    Statistic,
    Image,
    LegalPage,
    Category,
    Topic,
    Release,
    ReleaseQuote,
    ReleaseStatistic,
    Event,
    TOTPDevice,
    # The versions: an archive that lost them would lose who changed what.
    Release.history.model,
    Event.history.model,
    Quote.history.model,
    Statistic.history.model,
]
THROUGH = [Release.topics.through, Release.events.through]


def build_office(now):
    """Create a bit of everything: published, draft and embargoed, with links and images."""
    portrait = make_image(content=image_bytes(color=(200, 30, 30)), alt_text="Porträt")
    hero = make_image(content=image_bytes(format="PNG", size=(80, 40)), alt_text="Aufmacher")
    profile = make_profile(portrait=portrait, biography="<p>Lebenslauf mit <strong>Ä</strong></p>")
    person = make_person(name="Prof. Dr. Beispiel", role="Direktor")
    quote = make_quote(text="Zur Zukunft gehört KI.", person=person)
    figure = make_statistic(value="67.8", unit="Mrd. Euro", label="Beitrag", source_year=2025)
    category = make_category(name="Aus der Landesregierung")
    topic = make_topic(name="KI")
    editor = User.objects.create_user(
        "presse", "presse@example.org", "geheim-genug-123", is_staff=True, first_name="Erika"
    )
    editor.groups.add(Group.objects.get(name="Freigabe"))
    admin = User.objects.create_superuser("admin", "admin@example.org", "noch-geheimer-456")
    admin.user_permissions.add(Permission.objects.get(codename="view_release"))
    TOTPDevice.objects.create(user=admin, name="Telefon", confirmed=True)
    event = make_event(title="Zukunftskonferenz", slug="zukunftskonferenz", image=hero)
    published = make_release(
        title="Von der Kohle zur KI", category=category, topics=[topic], hero_image=hero
    )
    published.author = editor
    published.save()
    published.events.add(event)
    ReleaseQuote.objects.create(release=published, quote=quote, order=1)
    ReleaseStatistic.objects.create(release=published, statistic=figure, order=2)
    make_release(title="Entwurf", status=Release.Status.DRAFT, category=category)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(days=2))
    LegalPage.objects.create(slug=LegalPage.Slug.IMPRINT, body="<p>Weitere Angaben</p>")
    return profile


def media_hashes():
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def state():
    """Return every row of the content and the accounts, comparable across installations."""
    rows = {model._meta.label: list(model.objects.order_by("pk").values()) for model in CONTENT}
    # Rows of the automatic many-to-many tables are their pairs; their ids mean nothing.
    rows |= {
        model._meta.label: sorted(
            model.objects.values_list(*[f.attname for f in model._meta.fields][1:])
        )
        for model in THROUGH
    }
    rows["users"] = [
        {
            **values,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
        }
        for user in User.objects.order_by("pk")
        for values in [User.objects.filter(pk=user.pk).values().get()]
    ]
    rows["groups"] = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }
    return rows


SCHEMA_MIGRATIONS = {
    ("releases", "0003_search_indexes"),
    ("office", "0007_search_vectors"),
    ("office", "0011_list_order_indexes"),
}


def empty_installation():
    """Empty the database and the uploads, then redo what the data migrations create."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses while the test's deferred foreign-key checks are pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    loader = MigrationLoader(connection)
    apps = loader.project_state().apps
    for key in loader.graph.forwards_plan(("office", loader.graph.leaf_nodes("office")[0][1])):
        if key[0] not in ("office", "releases", "events"):
            continue
        for operation in loader.graph.nodes[key].operations:
            # The search indexes are schema, which a flush keeps.
            if isinstance(operation, RunPython) and key not in SCHEMA_MIGRATIONS:
                operation.code(apps, None)


def test_backup_and_restore_bring_back_every_row_user_and_file(tmp_path, now):
    build_office(now)
    before, files_before = state(), media_hashes()
    archive = tmp_path / "sicherung.tar.gz"

    call_command("backup", str(archive), stdout=io.StringIO())
    empty_installation()
    emptied = (Release.objects.count(), User.objects.count(), media_hashes())
    output = io.StringIO()
    call_command("restore", str(archive), stdout=output)

    assert emptied == (0, 0, {})
    assert state() == before
    assert media_hashes() == files_before
    # Two originals, each with its renditions beside it.
    assert len([name for name in files_before if name.count("/") == 1]) == 2
    assert len(files_before) > 2
    assert [len(before[model._meta.label]) for model in (Release, Event, Image)] == [3, 1, 2]
    assert len(before["releases.HistoricalRelease"]) == 4  # the published one was saved twice
    assert output.getvalue().startswith("Wiederhergestellt: ")
    reader = Client()
    login = reader.post("/admin/login/", {"username": "presse", "password": "geheim-genug-123"})
    assert (login.status_code, reader.get("/admin/").status_code) == (302, 200)


def test_restored_site_shows_the_same_public_pages(tmp_path, now, client):
    build_office(now)
    paths = ["/", "/pressemitteilungen/", "/pressemitteilungen/feed/", "/termine/kalender.ics"]
    before = [client.get(path).content for path in paths]
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    empty_installation()

    call_command("restore", str(archive), stdout=io.StringIO())

    assert [client.get(path).content for path in paths] == before


def test_archive_is_readable_only_by_its_owner(tmp_path, now):
    build_office(now)
    archive = tmp_path / "sicherung.tar.gz"

    call_command("backup", str(archive), stdout=io.StringIO())

    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[:2] == ["groups.json", "data.json"]
    assert names[-1] == "manifest.json"
    assert sorted(name for name in names if name.startswith("media/")) == sorted(
        f"media/{name}" for name in media_hashes()
    )


def test_restore_refuses_an_installation_that_has_content(tmp_path, now):
    build_office(now)
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    make_release(title="Neu seit der Sicherung")

    with pytest.raises(CommandError, match="Die Datenbank enthält schon Inhalte"):
        call_command("restore", str(archive), stdout=io.StringIO())

    assert Release.objects.filter(title="Neu seit der Sicherung").count() == 1
    assert Release.objects.count() == 4


def rewrite(archive, target, change):
    """Copy an archive, passing each member's name and bytes through change()."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            name, content = change(member.name, source.extractfile(member).read())
            info = tarfile.TarInfo(name)
            info.size = len(content)
            copy.addfile(info, io.BytesIO(content))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda name, data: (name, b"kaputt" if name.startswith("media/") else data),
            "ist beschädigt",
        ),
        (
            lambda name, data: (
                name.replace("media/", "media/../../") if name.startswith("media/") else name,
                data,
            ),
            "Unzulässiger Dateiname",
        ),
        (
            lambda name, data: (
                name,
                json.dumps({**json.loads(data), "format": 99}).encode()
                if name == "manifest.json"
                else data,
            ),
            "Unbekanntes Sicherungsformat",
        ),
    ],
    ids=["changed-file", "path-traversal", "unknown-format"],
)
def test_restore_refuses_a_tampered_archive_before_writing_anything(tmp_path, now, change, message):
    build_office(now)
    archive, tampered = tmp_path / "sicherung.tar.gz", tmp_path / "verändert.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    rewrite(archive, tampered, change)
    empty_installation()

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(tampered), stdout=io.StringIO())

    assert (Release.objects.count(), User.objects.count(), media_hashes()) == (0, 0, {})
    assert not (tmp_path.parent / "media").exists()


# Saving is atomic: a failure midway leaves the previous version.


def test_a_failure_while_saving_relations_leaves_the_previous_version_intact(
    officer_client, monkeypatch
):
    topic, other_topic = make_topic(name="Energie"), make_topic(name="Verkehr")
    release = make_release(title="Alter Titel", body="<p>Alter Text</p>", topics=[topic])
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_form(officer_client, url)
    data |= {"title": "Neuer Titel", "body": "<p>Neuer Text</p>", "topics": [str(other_topic.pk)]}

    def rendition_fails(self, request, form, formsets, change):
        form.save_m2m()  # the topics are written, then the image rendition breaks
        raise OSError("Bildvariante konnte nicht erzeugt werden")

    monkeypatch.setattr(ReleaseAdmin, "save_related", rendition_fails)
    anonymous_error = Client(raise_request_exception=False)
    anonymous_error.force_login(User.objects.get(username="presse"))

    response = anonymous_error.post(url, data)

    release.refresh_from_db()
    assert response.status_code == 500
    assert (release.title, release.body) == ("Alter Titel", "<p>Alter Text</p>")
    assert list(release.topics.values_list("name", flat=True)) == ["Energie"]


def test_a_double_submit_that_races_past_the_slug_check_is_refused_not_a_500(
    officer_client, monkeypatch
):
    """Two clicks on "Sichern": the second request's slug check ran before the first committed."""
    category = make_category()
    data = admin_form(officer_client, "/admin/releases/release/add/")
    data |= {
        "title": "Doppelt gesendet",
        "slug": "doppelt-gesendet",
        "lead": "Vorspann",
        "body": "<p>Text</p>",
        "category": str(category.pk),
        "_decision": "approve",
    }
    # The first click's release is committed; the second click's slug check ran
    # before that commit, so it passes once and the insert then hits the constraint.
    make_release(title="Doppelt gesendet", slug="doppelt-gesendet", category=category)
    checks = []
    original = Release.validate_unique

    def check_before_the_first_commit(self, exclude=None):
        checks.append(self.slug)
        if len(checks) > 1:
            original(self, exclude)

    monkeypatch.setattr(Release, "validate_unique", check_before_the_first_commit)
    second_click = Client(raise_request_exception=False)
    second_click.force_login(User.objects.get(username="presse"))

    response = second_click.post("/admin/releases/release/add/", data)

    assert response.status_code == 200
    assert "Bitte den unten aufgeführten Fehler korrigieren." in response.content.decode()
    assert 'value="Doppelt gesendet"' in response.content.decode()
    assert list(Release.objects.values_list("slug", flat=True)) == ["doppelt-gesendet"]
    assert len(checks) == 2
