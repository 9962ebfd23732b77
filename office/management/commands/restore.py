"""Bring an empty, migrated installation back to the state an archive of `backup` holds."""

import hashlib
import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.models import Event
from office.management.commands.backup import FORMAT
from office.models import Image, LegalPage, Person, Profile, Quote, Statistic
from releases.models import Category, Release, Topic

CONTENT_MODELS = [
    Release,
    Event,
    Category,
    Topic,
    Quote,
    Statistic,
    Person,
    Profile,
    Image,
    LegalPage,
]


def media_name(member_name: str) -> str | None:
    """Return the upload's name for an archive member under media/, refusing any way out."""
    path = PurePosixPath(member_name)
    if path.parts[:1] != ("media",) or len(path.parts) < 2:
        return None
    if path.is_absolute() or ".." in path.parts:
        raise CommandError(f"Unzulässiger Dateiname im Archiv: {member_name}")
    return str(PurePosixPath(*path.parts[1:]))


class Command(BaseCommand):
    help = "Stellt eine Sicherung von `backup` in einer leeren, migrierten Installation wieder her."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Pfad der Archivdatei von `manage.py backup`")

    def handle(self, archive, **options):
        if occupied := [m._meta.verbose_name_plural for m in CONTENT_MODELS if m.objects.exists()]:
            raise CommandError(
                "Die Datenbank enthält schon Inhalte (" + ", ".join(map(str, occupied)) + "). "
                "Eine Sicherung wird nur in eine leere, migrierte Installation eingespielt."
            )
        if get_user_model().objects.exists():
            raise CommandError("Die Datenbank enthält schon Benutzerkonten.")
        try:
            tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 (closed by the with below)
        except (OSError, tarfile.TarError) as error:
            raise CommandError(f"Das Archiv lässt sich nicht lesen: {error}") from error
        with tar, tempfile.TemporaryDirectory() as scratch:
            manifest, files = self.read(tar)
            for name in ("groups.json", "data.json"):
                (Path(scratch) / name).write_bytes(tar.extractfile(name).read())
            with transaction.atomic():
                for name in ("groups.json", "data.json"):
                    call_command("loaddata", str(Path(scratch) / name), verbosity=0)
            for name, content in files.items():
                if default_storage.exists(name):
                    default_storage.delete(name)
                stored = default_storage.save(name, ContentFile(content))
                if stored != name:
                    raise CommandError(f"Die Datei {name} wurde als {stored} gespeichert.")
        self.stdout.write(
            f"Wiederhergestellt: {manifest['objects']} Datensätze und {len(files)} Dateien "
            f"vom {manifest['created_at']}."
        )

    def read(self, tar):
        """Return the manifest and the uploads, each checked against its recorded hash."""
        try:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        except (KeyError, ValueError) as error:
            raise CommandError("Das Archiv ist keine Sicherung von Plenum.") from error
        if manifest.get("format") != FORMAT:
            raise CommandError(f"Unbekanntes Sicherungsformat: {manifest.get('format')!r}")
        files = {}
        for member in tar.getmembers():
            name = media_name(member.name)
            if name is None:
                continue
            if not member.isfile():
                raise CommandError(f"Unzulässiger Eintrag im Archiv: {member.name}")
            content = tar.extractfile(member).read()
            if hashlib.sha256(content).hexdigest() != manifest["media"].get(name):
                raise CommandError(f"Die Datei {name} ist beschädigt oder nicht verzeichnet.")
            files[name] = content
        if missing := sorted(set(manifest["media"]) - set(files)):
            raise CommandError(f"Im Archiv fehlen Dateien: {', '.join(missing)}")
        return manifest, files
