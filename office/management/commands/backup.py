"""Write the site's tables as of one moment and its uploads into one archive for `restore`."""

import io
import json
import os
import tarfile
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from office.backups import FORMAT, HEADER, MANIFEST, BackupError, Hashing, sealing, snapshot


def media_files(directory=""):
    """Yield every stored upload's name, through the storage API (local disk or object store)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:  # no upload yet, so no media folder either
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(directories):
        yield from media_files(f"{directory}/{name}" if directory else name)


def add_member(archive, name, file, size):
    """Stream size bytes of file into the archive as name; return their SHA-256."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    hashing = Hashing(file)
    archive.addfile(info, hashing)
    return hashing.sha256.hexdigest()


def add_json(archive, name, content):
    data = json.dumps(content, indent=1).encode()
    return add_member(archive, name, io.BytesIO(data), len(data))


def write_archive(sink, scratch):
    """Write the archive into the binary file sink; return its header and manifest."""
    with snapshot.snapshot(scratch) as using:
        header = {"application": "plenum", "format": FORMAT, **snapshot.describe(using)}
        referenced = snapshot.referenced_files(using)
        snapshot.dump(using, scratch)
    files = {}
    # Photos are compressed already: a lighter level costs little size and much less time.
    with tarfile.open(fileobj=sink, mode="w|gz", compresslevel=6) as archive:
        files[HEADER] = add_json(archive, HEADER, header)
        for name in snapshot.DUMPS:
            path = scratch / name
            with path.open("rb") as file:
                files[name] = add_member(archive, name, file, path.stat().st_size)
        # Copied after the snapshot: an upload added meanwhile is one file more, harmless.
        for name in media_files():
            with default_storage.open(name, "rb") as file:
                size = default_storage.size(name)
                files[f"media/{name}"] = add_member(archive, f"media/{name}", file, size)
        add_json(archive, MANIFEST, {"format": FORMAT, "files": files})
    missing = sorted(referenced - {name.removeprefix("media/") for name in files})
    return header, files, missing


class Command(BaseCommand):
    help = _(
        "Sichert alle Tabellen der Website (als ein Zeitpunkt) und die hochgeladenen Dateien "
        "in ein Archiv; mit BACKUP_KEY verschlüsselt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", nargs="?", help=_("Pfad der Archivdatei, z. B. sicherung.tar.gz")
        )
        parser.add_argument(
            "--schluessel-erzeugen",
            action="store_true",
            dest="new_key",
            help=_("Gibt einen neuen Schlüssel für BACKUP_KEY aus und sichert nichts."),
        )

    def handle(self, archive=None, new_key=False, **options):
        if new_key:
            self.stdout.write(sealing.new_key())
            return
        if not archive:
            raise CommandError(_("Bitte den Pfad der Archivdatei angeben."))
        try:
            key = sealing.configured_key()
        except BackupError as error:
            raise CommandError(str(error)) from error
        target = Path(archive)
        # Written next to the target (mode 600: password hashes and second-factor keys are
        # inside) and renamed at the end: a crash never leaves half an archive under its name.
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as raw, tempfile.TemporaryDirectory() as scratch:
                sink = sealing.SealingWriter(raw, key) if key else raw
                header, files, missing = write_archive(sink, Path(scratch))
                if key:
                    sink.close()
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        media = sum(name.startswith("media/") for name in files)
        self.stdout.write(
            _("Gesichert: %(rows)s Datensätze und %(files)s Dateien in %(archive)s%(sealed)s.")
            % {
                "rows": sum(header["tables"].values()),
                "files": media,
                "archive": target,
                "sealed": _(", verschlüsselt") if key else "",
            }
        )
        if not key:
            self.stderr.write(
                _("Achtung: BACKUP_KEY ist nicht gesetzt, die Sicherung ist unverschlüsselt.")
            )
        if missing:
            self.stderr.write(
                _("Achtung: Datensätze verweisen auf Dateien, die im Speicher fehlen: %(names)s")
                % {"names": ", ".join(missing)}
            )
