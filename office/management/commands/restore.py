"""Bring an empty, migrated installation back to the state an archive of `backup` holds.

Two passes over the archive: the first checks everything (format, key, every chunk's tag,
every file's hash, the list of files) and keeps only the table dumps; the second loads the
tables in one transaction and streams the uploads into the storage, checking their hashes
again. A damaged, foreign or wrongly keyed archive is refused before anything is written.
"""

import json
import shutil
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext as _

from office.backups import (
    FORMAT,
    HEADER,
    MANIFEST,
    BackupError,
    DamagedBackup,
    Hashing,
    sealing,
    snapshot,
)

# What a broken gzip or tar stream raises.
UNREADABLE = (tarfile.TarError, EOFError, zlib.error, OSError)


def not_plenum():
    return BackupError(_("Die Datei ist keine Sicherung von Plenum; nichts wurde eingespielt."))


def media_name(member_name):
    """Return the upload's name for an archive member under media/, refusing any way out."""
    path = PurePosixPath(member_name)
    if path.parts[:1] != ("media",) or len(path.parts) < 2:
        return None
    if path.is_absolute() or ".." in path.parts:
        raise DamagedBackup(_("unzulässiger Dateiname %(name)s") % {"name": member_name})
    return str(PurePosixPath(*path.parts[1:]))


@contextmanager
def opened(path, key):
    """Yield the archive's tar stream and its decrypting reader (None if not encrypted)."""
    with open(path, "rb") as raw:
        encrypted = raw.read(len(sealing.MAGIC)) == sealing.MAGIC
        raw.seek(0)
        if encrypted and key is None:
            raise BackupError(
                _(
                    "Die Sicherung ist verschlüsselt: Bitte BACKUP_KEY auf den Schlüssel setzen, "
                    "mit dem sie erstellt wurde."
                )
            )
        reader = sealing.OpeningReader(raw, key) if encrypted else None
        try:
            archive = tarfile.open(fileobj=reader or raw, mode="r|gz")  # noqa: SIM115
        except UNREADABLE as error:
            raise not_plenum() from error
        with archive:
            yield archive, reader


def read_header(archive, members):
    try:
        first = next(members, None)
    except UNREADABLE as error:
        raise not_plenum() from error
    if first is None or first.name != HEADER or not first.isfile():
        raise not_plenum()
    hashing = Hashing(archive.extractfile(first))
    try:
        header = json.loads(hashing.read())
    except ValueError as error:
        raise not_plenum() from error
    if not isinstance(header, dict) or header.get("application") != "plenum":
        raise not_plenum()
    if header.get("format") != FORMAT:
        raise BackupError(
            _(
                "Die Sicherung hat das Format %(found)s, diese Version von Plenum liest "
                "Format %(expected)s; nichts wurde eingespielt."
            )
            % {"found": header.get("format"), "expected": FORMAT}
        )
    return header, hashing.sha256.hexdigest()


class Command(BaseCommand):
    help = _(
        "Stellt eine Sicherung von `backup` in einer leeren, migrierten Installation wieder her."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help=_("Pfad der Archivdatei von `manage.py backup`"))

    def handle(self, archive, **options):
        self.refuse_an_installation_in_use()
        try:
            key = sealing.configured_key()
            with tempfile.TemporaryDirectory() as scratch:
                header, hashes = self.verify(archive, key, Path(scratch))
                files = self.load(archive, key, Path(scratch), hashes)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Wiederhergestellt: %(rows)s Datensätze und %(files)s Dateien der Website "
                "%(site)s, gesichert am %(created)s."
            )
            % {
                "rows": sum(header["tables"].values()),
                "files": files,
                "site": header["site_url"],
                "created": header["created_at"],
            }
        )

    def refuse_an_installation_in_use(self):
        # Every table the archive fills, but the groups, which migrations create and
        # the restore matches by name; user accounts get their own message.
        users = get_user_model()
        filled = [
            model
            for model in snapshot.backed_up_models()
            if model._meta.label_lower != snapshot.GROUPS and model is not users
        ]
        if occupied := [m._meta.verbose_name_plural for m in filled if m.objects.exists()]:
            raise CommandError(
                _(
                    "Die Datenbank enthält schon Inhalte (%(what)s). Eine Sicherung wird nur "
                    "in eine leere, migrierte Installation eingespielt."
                )
                % {"what": ", ".join(map(str, occupied))}
            )
        if users.objects.exists():
            raise CommandError(_("Die Datenbank enthält schon Benutzerkonten."))

    def verify(self, archive, key, scratch):
        """Read the whole archive once; return its header and every member's SHA-256."""
        try:
            with opened(archive, key) as (tar, reader):
                members = iter(tar)
                header, header_hash = read_header(tar, members)
                self.refuse_newer_migrations(header)
                found, manifest = {HEADER: header_hash}, None
                for member in members:
                    if manifest is not None:
                        raise DamagedBackup(_("Einträge hinter dem Verzeichnis"))
                    if not member.isfile():
                        raise DamagedBackup(
                            _("unzulässiger Eintrag %(name)s") % {"name": member.name}
                        )
                    hashing = Hashing(tar.extractfile(member))
                    if member.name == MANIFEST:
                        manifest = json.loads(hashing.read())
                    elif member.name in snapshot.DUMPS:
                        with (scratch / member.name).open("wb") as copy:
                            shutil.copyfileobj(hashing, copy)
                        found[member.name] = hashing.sha256.hexdigest()
                    elif media_name(member.name) is not None:
                        while hashing.read(1024 * 1024):
                            pass
                        found[member.name] = hashing.sha256.hexdigest()
                    else:
                        raise DamagedBackup(
                            _("unbekannter Eintrag %(name)s") % {"name": member.name}
                        )
                if reader is not None:
                    reader.read()  # the rest, so the last chunk's tag is checked too
        except UNREADABLE as error:
            raise DamagedBackup(str(error)) from error
        except ValueError as error:
            raise DamagedBackup(_("Verzeichnis unlesbar")) from error
        if manifest is None:
            raise DamagedBackup(_("das Verzeichnis der Dateien fehlt"))
        if manifest.get("files") != found:
            listed = manifest.get("files") or {}
            wrong = sorted(
                name for name in listed.keys() | found.keys() if listed.get(name) != found.get(name)
            )
            raise DamagedBackup(
                _("Prüfsumme falsch oder Datei fehlt: %(names)s") % {"names": ", ".join(wrong)}
            )
        return header, found

    def refuse_newer_migrations(self, header):
        unknown = sorted(
            set(header.get("migrations", ())) - set(snapshot.applied_migrations(DEFAULT_DB_ALIAS))
        )
        if unknown:
            raise BackupError(
                _(
                    "Die Sicherung stammt von einer neueren Version von Plenum (hier fehlen die "
                    "Migrationen %(names)s). Bitte zuerst aktualisieren und `migrate` ausführen."
                )
                % {"names": ", ".join(unknown)}
            )

    def load(self, archive, key, scratch, hashes):
        """Load the tables and stream the uploads into the storage, all or nothing."""
        written = []
        try:
            with transaction.atomic():
                for name in snapshot.DUMPS:
                    call_command("loaddata", str(scratch / name), verbosity=0)
                with opened(archive, key) as (tar, _reader):
                    for member in tar:
                        if (name := media_name(member.name)) is None:
                            continue
                        if default_storage.exists(name):
                            default_storage.delete(name)
                        hashing = Hashing(tar.extractfile(member))
                        stored = default_storage.save(name, File(hashing, name))
                        written.append(stored)
                        if stored != name or hashing.sha256.hexdigest() != hashes[member.name]:
                            raise DamagedBackup(
                                _("%(name)s hat sich seit der Prüfung verändert") % {"name": name}
                            )
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
        return len(written)
