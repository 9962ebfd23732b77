"""No data lost: a backup is one snapshot of every table with its uploads, sealed if asked;
restore streams it back and refuses a damaged, foreign or wrongly keyed one, changing nothing."""

import base64
import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image as PILImage

from distribution.models import (
    ContactImport,
    Delivery,
    Guest,
    Invitation,
    Mailing,
    Signup,
)
from office.backups import HEADER, MANIFEST, sealing, snapshot
from office.models import AuditEntry, Autosave, LegalPage, NotificationPreference, PreviewLink
from releases.admin import ReleaseAdmin
from releases.models import (
    OldAddress,
    Release,
    ReleaseAttachment,
    ReleaseImage,
    ReleaseQuote,
    ReleaseStatistic,
)
from tests.kit.factories import (
    image_bytes,
    make_category,
    make_contact,
    make_event,
    make_image,
    make_person,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.installations import Installations
from tests.kit.pages import admin_form

# Tables that rows elsewhere name by natural key, so their ids differ between installations.
BY_NATURAL_KEY = (ContentType, Permission, Group)


def build_office(now):
    """Create a row in every table a backup holds: published, draft and embargoed, with files."""
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
    event.speakers.add(person)
    published = make_release(
        title="Von der Kohle zur KI", category=category, topics=[topic], hero_image=hero
    )
    published.author = editor
    published.save()
    published.events.add(event)
    ReleaseQuote.objects.create(release=published, quote=quote, order=1)
    ReleaseStatistic.objects.create(release=published, statistic=figure, order=2)
    ReleaseImage.objects.create(release=published, image=portrait, caption="Im Landtag")
    pdf = io.BytesIO()
    PILImage.new("RGB", (200, 280), (255, 255, 255)).save(pdf, format="PDF")
    ReleaseAttachment.objects.create(
        release=published, title="Studie", file=SimpleUploadedFile("studie.pdf", pdf.getvalue())
    )
    OldAddress.objects.create(path="/2019/05/von-der-kohle/", release=published)
    draft = make_release(title="Entwurf", status=Release.Status.DRAFT, category=category)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(days=2))
    PreviewLink.objects.share(draft, editor)
    release_type = ContentType.objects.get_for_model(Release)
    AuditEntry.objects.create(
        content_type=release_type,
        object_id=published.pk,
        object_repr=published.title,
        action=AuditEntry.Action.PUBLISHED,
        user=editor,
        publish_at=published.publish_at,
    )
    # The admin's change history, where the preview links' history lives.
    LogEntry.objects.create(
        user=editor,
        content_type=release_type,
        object_id=str(draft.pk),
        object_repr=draft.title,
        action_flag=CHANGE,
        change_message="Vorschau-Link erstellt",
    )
    LegalPage.objects.create(slug=LegalPage.Slug.IMPRINT, body="<p>Weitere Angaben</p>")
    Autosave.objects.create(
        user=editor, content_type=release_type, object_id=draft.pk, fields=[["title", "Neu"]]
    )
    NotificationPreference.objects.create(user=editor, waiting_for_approval=False)
    build_press_distribution(editor, published, event, category, topic)
    return profile


def build_press_distribution(editor, release, event, category, topic):
    """The Presseverteiler's rows: contacts and their consent, a send, an invitation."""
    contact = make_contact(categories=[category], topics=[topic])
    mailing = Mailing.objects.create(
        release=release,
        everyone=False,
        audience_key="k1",
        mode=Mailing.Mode.PUBLICATION,
        state=Mailing.State.DONE,
        created_by=editor,
    )
    mailing.categories.set([category])
    mailing.topics.set([topic])
    Delivery.objects.create(
        mailing=mailing, release=release, contact=contact, status=Delivery.Status.SENT
    )
    signup = Signup.objects.create(email="neu@example.net", name="Neu Angemeldet")
    signup.categories.set([category])
    signup.topics.set([topic])
    invitation = Invitation.objects.create(
        event=event, accreditation="Bitte Presseausweis mitbringen.", created_by=editor
    )
    invitation.categories.set([category])
    invitation.topics.set([topic])
    Guest.objects.create(invitation=invitation, contact=contact, answer=Guest.Answer.YES)
    ContactImport.objects.create(
        filename="verteiler.csv",
        legal_basis="Einwilligung per E-Mail",
        content="",
        created_by=editor,
    )


def media_hashes():
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def comparable(model, row):
    """Return a row with the rows it names by natural key named so."""
    for field in model._meta.concrete_fields:
        value = row[field.attname]
        if field.is_relation and field.related_model in BY_NATURAL_KEY and value is not None:
            row[field.attname] = field.related_model.objects.get(pk=value).natural_key()
    return row


def state():
    """Return every row of every table a backup holds, comparable across installations."""
    rows = {}
    for model in snapshot.backed_up_models():
        tables = [model] + [
            field.remote_field.through
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]
        for table in tables:
            values = [comparable(table, row) for row in table._base_manager.values()]
            if table in BY_NATURAL_KEY or table._meta.auto_created:
                # Their ids mean nothing: a group is its name, a link is its pair.
                for row in values:
                    del row[table._meta.pk.attname]
                values = sorted(values, key=repr)
            else:
                values = sorted(values, key=lambda row: row[table._meta.pk.attname])
            rows[table._meta.label] = values
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
    apps_then = loader.project_state().apps
    for key in loader.graph.forwards_plan(("office", loader.graph.leaf_nodes("office")[0][1])):
        if key[0] not in ("office", "releases", "events"):
            continue
        for operation in loader.graph.nodes[key].operations:
            # The search indexes are schema, which a flush keeps.
            if isinstance(operation, RunPython) and key not in SCHEMA_MIGRATIONS:
                operation.code(apps_then, None)


def nothing_restored():
    return (Release.objects.count(), User.objects.count(), LogEntry.objects.count(), media_hashes())


NOTHING = (0, 0, 0, {})


@pytest.fixture
def key(settings):
    settings.BACKUP_KEY = sealing.new_key()
    return settings.BACKUP_KEY


@pytest.fixture
def archive(tmp_path, now, db):
    """Return a backup of build_office's site, the installation emptied afterwards."""
    build_office(now)
    path = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    empty_installation()
    return path


@pytest.mark.django_db
def test_backup_and_restore_bring_back_every_table_user_and_file(tmp_path, now):
    build_office(now)
    before, files_before = state(), media_hashes()
    archive = tmp_path / "sicherung.tar.gz"

    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    empty_installation()
    emptied = nothing_restored()
    output = io.StringIO()
    call_command("restore", str(archive), stdout=output)

    assert emptied == NOTHING
    assert state() == before
    assert media_hashes() == files_before
    assert [label for label, rows in before.items() if not rows] == []
    # Two photos with their renditions beside them, and the attachment.
    assert len([name for name in files_before if name.count("/") == 1]) == 2
    assert len([name for name in files_before if name.startswith("anhaenge/")]) == 1
    assert len(files_before) > 3
    assert len(before["releases.HistoricalRelease"]) == 4  # the published one was saved twice
    assert output.getvalue().startswith("Wiederhergestellt: ")
    reader = Client()
    login = reader.post("/admin/login/", {"username": "presse", "password": "geheim-genug-123"})
    assert (login.status_code, reader.get("/admin/").status_code) == (302, 200)


@pytest.mark.django_db
def test_every_table_is_backed_up_or_left_out_for_a_stated_reason(archive):
    with tarfile.open(archive) as tar:
        header = json.load(tar.extractfile(HEADER))
    every = {model._meta.label for model in apps.get_models() if not model._meta.proxy}
    left_out = {
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in snapshot.EXCLUDED
        or model._meta.label_lower in snapshot.EXCLUDED
    }

    assert set(header["tables"]) == every - left_out
    assert {
        "admin.LogEntry",
        "auth.Group",
        "auth.User",
        "otp_totp.TOTPDevice",
        "office.AuditEntry",
        "office.PreviewLink",
        "releases.OldAddress",
        "releases.HistoricalRelease",
        "events.HistoricalEvent",
        "office.HistoricalQuote",
        "office.HistoricalStatistic",
    } <= set(header["tables"])
    assert {"contenttypes.ContentType", "auth.Permission", "sessions.Session"} <= left_out
    assert {label.split(".")[0] for label in left_out if label.startswith("axes.")} == {"axes"}
    assert header["tables"]["admin.LogEntry"] == 1
    assert header["tables"]["releases.Release"] == 3


@pytest.mark.django_db
def test_restored_site_shows_the_same_public_pages(tmp_path, now, client):
    build_office(now)
    paths = ["/", "/pressemitteilungen/", "/pressemitteilungen/feed/", "/termine/kalender.ics"]
    before = [client.get(path).content for path in paths]
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    empty_installation()

    call_command("restore", str(archive), stdout=io.StringIO())

    assert [client.get(path).content for path in paths] == before


@pytest.mark.django_db
def test_archive_is_readable_only_by_its_owner_and_lists_every_file(tmp_path, now):
    build_office(now)
    path = tmp_path / "sicherung.tar.gz"
    errors = io.StringIO()

    call_command("backup", str(path), stdout=io.StringIO(), stderr=errors)

    assert path.stat().st_mode & 0o777 == 0o600
    # No partial file left beside it.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["media", "sicherung.tar.gz"]
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))
    assert names[:3] == [HEADER, "groups.json", "data.json"]
    assert names[-1] == MANIFEST
    assert sorted(name for name in names if name.startswith("media/")) == sorted(
        f"media/{name}" for name in media_hashes()
    )
    assert {name: manifest["files"][f"media/{name}"] for name in media_hashes()} == media_hashes()
    assert errors.getvalue() == (
        "Achtung: BACKUP_KEY ist nicht gesetzt, die Sicherung ist unverschlüsselt.\n"
    )


@pytest.mark.django_db
def test_backup_names_a_file_that_rows_need_but_the_storage_lost(tmp_path, now):
    build_office(now)
    attachment = ReleaseAttachment.objects.get()
    Path(attachment.file.path).unlink()
    errors = io.StringIO()

    call_command("backup", str(tmp_path / "sicherung.tar.gz"), stdout=io.StringIO(), stderr=errors)

    assert errors.getvalue().splitlines()[-1] == (
        f"Achtung: Datensätze verweisen auf Dateien, die im Speicher fehlen: {attachment.file.name}"
    )


@pytest.mark.django_db
def test_restore_refuses_an_installation_that_has_content(tmp_path, now):
    build_office(now)
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    make_release(title="Neu seit der Sicherung")

    with pytest.raises(CommandError, match="Die Datenbank enthält schon Inhalte"):
        call_command("restore", str(archive), stdout=io.StringIO())

    assert Release.objects.filter(title="Neu seit der Sicherung").count() == 1
    assert Release.objects.count() == 4


@pytest.mark.django_db
def test_restore_refuses_an_installation_whose_only_rows_are_press_contacts(tmp_path, now):
    build_office(now)
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    empty_installation()
    make_contact(email="schon-da@example.net")

    with pytest.raises(CommandError, match="Die Datenbank enthält schon Inhalte"):
        call_command("restore", str(archive), stdout=io.StringIO())

    assert Release.objects.count() == 0


def rewrite(archive, target, change):
    """Copy an archive, passing each member's name and bytes through change() (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            changed = change(member.name, source.extractfile(member).read())
            if changed is None:
                continue
            name, content = changed
            info = tarfile.TarInfo(name)
            info.size = len(content)
            copy.addfile(info, io.BytesIO(content))


def in_header(**changes):
    def change(name, data):
        if name != HEADER:
            return name, data
        header = json.loads(data)
        for key, value in changes.items():
            header[key] = value(header[key]) if callable(value) else value
        return name, json.dumps(header).encode()

    return change


DAMAGED = "Die Sicherung ist beschädigt oder unvollständig; nichts wurde eingespielt."
FOREIGN = "Die Datei ist keine Sicherung von Plenum; nichts wurde eingespielt."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda name, data: (name, b"kaputt" if name.startswith("media/") else data),
            f"{DAMAGED} (Prüfsumme falsch oder Datei fehlt: media/",
        ),
        (
            lambda name, data: (
                (name, data.replace(b"Von der Kohle", b"Von der Kehle"))
                if name == "data.json"
                else (name, data)
            ),
            f"{DAMAGED} (Prüfsumme falsch oder Datei fehlt: data.json)",
        ),
        (
            lambda name, data: None if name.endswith(".pdf") else (name, data),
            f"{DAMAGED} (Prüfsumme falsch oder Datei fehlt: media/anhaenge/",
        ),
        (
            lambda name, data: None if name == MANIFEST else (name, data),
            f"{DAMAGED} (das Verzeichnis der Dateien fehlt)",
        ),
        (
            lambda name, data: (
                name.replace("media/", "media/../../") if name.startswith("media/") else name,
                data,
            ),
            f"{DAMAGED} (unzulässiger Dateiname media/../../",
        ),
        (
            lambda name, data: ("notizen.txt", data) if name == "data.json" else (name, data),
            f"{DAMAGED} (unbekannter Eintrag notizen.txt)",
        ),
        (
            in_header(format=99),
            "Die Sicherung hat das Format 99, diese Version von Plenum liest Format 2; "
            "nichts wurde eingespielt.",
        ),
        (
            in_header(migrations=lambda names: [*names, "releases.9999_aus_der_zukunft"]),
            "Die Sicherung stammt von einer neueren Version von Plenum (hier fehlen die "
            "Migrationen releases.9999_aus_der_zukunft).",
        ),
        (in_header(application="wordpress"), FOREIGN),
        (lambda name, data: None if name == HEADER else (name, data), FOREIGN),
    ],
    ids=[
        "changed-file",
        "changed-table",
        "missing-file",
        "missing-manifest",
        "path-traversal",
        "unknown-member",
        "unknown-format",
        "newer-migrations",
        "other-application",
        "no-header",
    ],
)
def test_restore_refuses_a_damaged_or_foreign_archive_before_writing_anything(
    archive, tmp_path, change, message
):
    tampered = tmp_path / "verändert.tar.gz"
    rewrite(archive, tampered, change)

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tampered), stdout=io.StringIO())

    assert str(refused.value).startswith(message)
    assert nothing_restored() == NOTHING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [b"", b"Liebe Pressestelle,\n", b"\x1f\x8b\x08\x00kaputt"],
    ids=["empty", "text", "broken-gzip"],
)
def test_restore_refuses_a_file_that_is_no_archive(tmp_path, content):
    other = tmp_path / "sicherung.txt"
    other.write_bytes(content)

    with pytest.raises(CommandError, match=FOREIGN):
        call_command("restore", str(other), stdout=io.StringIO())

    assert nothing_restored() == NOTHING


@pytest.mark.django_db
def test_restore_refuses_a_truncated_archive(archive):
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), stdout=io.StringIO())

    assert str(refused.value).startswith(DAMAGED)
    assert nothing_restored() == NOTHING


# Encryption (BACKUP_KEY)


def big_upload(size=300 * 1024):
    """Put an upload that cannot be compressed into the storage: the archive spans chunks."""
    path = Path(settings.MEDIA_ROOT) / "anhaenge" / "rauschen.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))


@pytest.fixture
def sealed(tmp_path, now, db, key):
    """Return an encrypted backup of build_office's site and more, the installation emptied."""
    build_office(now)
    big_upload()
    path = tmp_path / "sicherung.tar.gz.enc"
    call_command("backup", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    empty_installation()
    return path


@pytest.mark.django_db
def test_an_encrypted_backup_hides_everything_and_restores_with_its_key(tmp_path, now, key):
    build_office(now)
    big_upload()
    before, files_before = state(), media_hashes()
    archive = tmp_path / "sicherung.tar.gz.enc"
    output, errors = io.StringIO(), io.StringIO()

    call_command("backup", str(archive), stdout=output, stderr=errors)
    sealed = archive.read_bytes()
    empty_installation()
    call_command("restore", str(archive), stdout=io.StringIO())

    assert output.getvalue().endswith(", verschlüsselt.\n")
    assert errors.getvalue() == ""
    assert sealed.startswith(sealing.MAGIC)
    assert len(sealed) > 4 * sealing.CHUNK
    with pytest.raises(tarfile.ReadError):
        tarfile.open(archive).close()
    for secret in (b"presse@example.org", b"Von der Kohle", b"plenum-backup"):
        assert secret not in sealed[sealing.HEADER :]
    assert state() == before
    assert media_hashes() == files_before


def flip(data, offset):
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


SEALED_CHUNK = sealing.CHUNK + sealing.TAG


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: flip(data, sealing.HEADER + SEALED_CHUNK + 100), "Block 2 ist verändert"),
        (lambda data: flip(data, len(data) - 1), "ist verändert oder abgeschnitten"),
        (lambda data: data[: sealing.HEADER + 2 * SEALED_CHUNK], "die Datei ist abgeschnitten"),
        (lambda data: data[: sealing.HEADER + 2 * SEALED_CHUNK + 500], "ist verändert oder"),
        (lambda data: data + b"\0" * 20, "ist verändert oder abgeschnitten"),
        (lambda data: data[: sealing.HEADER - 3], "Kopf der Verschlüsselung unvollständig"),
        (
            lambda data: data[: sealing.HEADER] + data[sealing.HEADER + SEALED_CHUNK :],
            "Block 1 ist verändert",
        ),
    ],
    ids=[
        "flipped",
        "flipped-tag",
        "cut-between",
        "cut-within",
        "appended",
        "cut-header",
        "dropped",
    ],
)
def test_restore_refuses_a_damaged_encrypted_archive(sealed, damage, message):
    sealed.write_bytes(damage(sealed.read_bytes()))

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(sealed), stdout=io.StringIO())

    assert str(refused.value).startswith(DAMAGED)
    assert message in str(refused.value)
    assert nothing_restored() == NOTHING


@pytest.mark.django_db
def test_restore_refuses_an_encrypted_archive_without_its_key(sealed, settings):
    settings.BACKUP_KEY = sealing.new_key()
    with pytest.raises(CommandError) as wrong_key:
        call_command("restore", str(sealed), stdout=io.StringIO())
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError) as no_key:
        call_command("restore", str(sealed), stdout=io.StringIO())

    assert str(wrong_key.value) == (
        "Der Schlüssel in BACKUP_KEY passt nicht zu dieser Sicherung; nichts wurde eingespielt."
    )
    assert str(no_key.value) == (
        "Die Sicherung ist verschlüsselt: Bitte BACKUP_KEY auf den Schlüssel setzen, "
        "mit dem sie erstellt wurde."
    )
    assert nothing_restored() == NOTHING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["geheim", base64.urlsafe_b64encode(b"x" * 16).decode(), "kein%Base64"],
    ids=["a-word", "too-short", "not-base64"],
)
def test_backup_refuses_a_key_that_is_no_key(tmp_path, settings, value):
    settings.BACKUP_KEY = value

    with pytest.raises(CommandError, match="BACKUP_KEY ist kein gültiger Schlüssel"):
        call_command("backup", str(tmp_path / "sicherung.tar.gz"), stdout=io.StringIO())

    assert [path.name for path in tmp_path.iterdir() if path.name != "media"] == []


def test_backup_makes_a_new_key_on_request():
    output = io.StringIO()

    call_command("backup", "--schluessel-erzeugen", stdout=output)
    printed = output.getvalue().strip()

    assert len(base64.urlsafe_b64decode(printed)) == 32
    assert printed != sealing.new_key()


# Backups of a running site, restored by other processes: real databases, real files.

# Saves releases, each with as many quotes as figures in one transaction, and writes that
# number into the lead; every other save replaces an older release's quotes and figures.
WRITER = """
import datetime, itertools, os
from django.db import transaction
from django.utils import timezone
from office.models import Quote, Statistic
from releases.models import Category, Release, ReleaseQuote, ReleaseStatistic

category, _ = Category.objects.get_or_create(slug="landtag", defaults={"name": "Landtag"})
saves = int(os.environ.get("SAVES", "0"))
for n in itertools.count(1):
    if saves and n > saves:
        break
    parts = 1 + n % 3
    with transaction.atomic():
        release = Release.objects.order_by("?").first() if n % 2 else None
        if release is None:
            release = Release.objects.create(
                title=f"Meldung {os.getpid()}-{n}", slug=f"meldung-{os.getpid()}-{n}",
                body="<p>Text</p>", status="published", publish_at=timezone.now(),
                category=category,
            )
        ReleaseQuote.objects.filter(release=release).delete()
        ReleaseStatistic.objects.filter(release=release).delete()
        for order in range(parts):
            quote = Quote.objects.create(
                text=f"Zitat {n}.{order}", said_on=datetime.date(2025, 2, 13)
            )
            ReleaseQuote.objects.create(release=release, quote=quote, order=order)
            figure = Statistic.objects.create(
                value=order, unit="Prozent", label=f"Kennzahl {n}.{order}", source_name="IW"
            )
            ReleaseStatistic.objects.create(release=release, statistic=figure, order=order)
        release.lead = str(parts)
        release.save()
    if n == 1:
        print("gespeichert", flush=True)
"""

# Prints what the restored tables hold, after checking every foreign key.
CHECK = """
import json
from django.db import connection, transaction
from django.db.models import Count
from releases.models import Release

with transaction.atomic():
    connection.check_constraints()
releases = Release.objects.annotate(
    quote_count=Count("releasequote", distinct=True),
    figure_count=Count("releasestatistic", distinct=True),
)
print(json.dumps({
    "releases": releases.count(),
    "whole": sum(int(r.lead) == r.quote_count == r.figure_count for r in releases),
}))
"""

COUNT = "from releases.models import Release; print(Release.objects.count())"


@pytest.fixture(scope="module")
def installations(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        kit = Installations(tmp_path_factory.mktemp("installations"))
        yield kit
        kit.close()


def succeeded(result):
    assert result.returncode == 0, result.stderr
    return result


def test_a_backup_taken_while_releases_are_saved_restores_every_release_whole(installations):
    source, target = installations.new("quelle"), installations.new("ziel")
    succeeded(installations.run(source | {"SAVES": "300"}, code=WRITER))
    writer = installations.start(source, "shell", "-v", "0", "-c", WRITER, stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == "gespeichert\n"
        saved_before = int(succeeded(installations.run(source, code=COUNT)).stdout)
        backup = installations.run(source, "backup", str(installations.root / "laufend.tar.gz"))
    finally:
        writer.terminate()
        writer.communicate(timeout=60)
    saved_after = int(succeeded(installations.run(source, code=COUNT)).stdout)

    succeeded(backup)
    restore = installations.run(target, "restore", str(installations.root / "laufend.tar.gz"))
    restored = json.loads(succeeded(installations.run(target, code=CHECK)).stdout)

    assert restore.returncode == 0, restore.stderr
    # The writer saved before and after the moment the backup holds: they ran at once.
    assert saved_before < restored["releases"] < saved_after
    assert restored["whole"] == restored["releases"]


def test_restore_streams_a_large_upload_in_bounded_memory(installations):
    """Restoring a 128 MiB upload costs far less memory than the file (peak RSS, VmHWM)."""
    key = {"BACKUP_KEY": sealing.new_key()}
    source = installations.new("gross") | key
    small, large = installations.new("klein-ziel") | key, installations.new("gross-ziel") | key
    succeeded(installations.run(source | {"SAVES": "3"}, code=WRITER))
    succeeded(installations.run(source, "backup", str(installations.root / "klein.tar.gz")))
    upload = Path(source["MEDIA_ROOT"]) / "anhaenge" / "mitschnitt.bin"
    upload.parent.mkdir(parents=True)
    block = os.urandom(4096)
    with upload.open("wb") as file:
        for _ in range(128 * 256):
            file.write(block)
    succeeded(installations.run(source, "backup", str(installations.root / "gross.tar.gz")))

    baseline = succeeded(
        installations.run(small, "restore", str(installations.root / "klein.tar.gz"))
    )
    restored = succeeded(
        installations.run(large, "restore", str(installations.root / "gross.tar.gz"))
    )

    copy = Path(large["MEDIA_ROOT"]) / "anhaenge" / "mitschnitt.bin"
    assert copy.stat().st_size == upload.stat().st_size == 128 * 1024 * 1024
    assert file_hash(copy) == file_hash(upload)
    assert restored.peak_rss_kb - baseline.peak_rss_kb < 24 * 1024


def file_hash(path):
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs the suite's PostgreSQL (DATABASE_URL)",
)
def test_a_sqlite_backup_restores_into_postgresql(tmp_path, installations):
    office = Installations(tmp_path, vendor="sqlite")
    source = office.new("sqlite")
    target = installations.new("postgresql")
    succeeded(office.run(source | {"SAVES": "40"}, code=WRITER))
    succeeded(office.run(source, "backup", str(tmp_path / "umzug.tar.gz")))

    succeeded(installations.run(target, "restore", str(tmp_path / "umzug.tar.gz")))
    restored = json.loads(succeeded(installations.run(target, code=CHECK)).stdout)
    # New releases get ids after the restored ones: the sequences were moved on.
    succeeded(installations.run(target | {"SAVES": "2"}, code=WRITER))
    extended = json.loads(succeeded(installations.run(target, code=CHECK)).stdout)

    original = json.loads(succeeded(office.run(source, code=CHECK)).stdout)
    # 40 saves: the first and every even one a new release.
    assert restored == original == {"releases": 21, "whole": 21}
    assert extended == {"releases": 22, "whole": 22}


# Saving is atomic: a failure midway leaves the previous version.


@pytest.mark.django_db
def test_a_failure_while_saving_relations_leaves_the_previous_version_intact(
    officer_client, monkeypatch
):
    topic, other_topic = make_topic(name="Energie"), make_topic(name="Verkehr")
    release = make_release(title="Alter Titel", body="<p>Alter Text</p>", topics=[topic])
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_form(officer_client, url)
    data |= {"title": "Neuer Titel", "body": "<p>Neuer Text</p>", "topics": [str(other_topic.pk)]}

    def rendition_fails(self, request, form, formsets, change):
        form.save_m2m()  # the topics are written, then something unforeseen breaks
        raise RuntimeError("Unerwarteter Fehler beim Speichern")

    monkeypatch.setattr(ReleaseAdmin, "save_related", rendition_fails)
    anonymous_error = Client(raise_request_exception=False)
    anonymous_error.force_login(User.objects.get(username="presse"))

    response = anonymous_error.post(url, data)

    release.refresh_from_db()
    assert response.status_code == 500
    assert (release.title, release.body) == ("Alter Titel", "<p>Alter Text</p>")
    assert list(release.topics.values_list("name", flat=True)) == ["Energie"]


@pytest.mark.django_db
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
