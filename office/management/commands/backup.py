"""Write the site's content, accounts and uploads into one archive that `restore` reads."""

import datetime
import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path

from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.serializers import json as json_format
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

FORMAT = 1
# Groups and their permissions by name, as a migrated installation has its own rows for them.
GROUP_LABELS = ["auth.group"]
# Everything else keeps its primary keys, so links between rows survive unchanged.
DATA_LABELS = ["auth.user", "office", "releases", "events", "otp_totp"]


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(json_format.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactJSONEncoder


# This module is the serializer "plenum-json"; Django's JSON loader reads what it writes.
Deserializer = json_format.Deserializer
serializers.register_serializer("plenum-json", __name__)


def dump(labels, **options):
    output = io.StringIO()
    call_command(
        "dumpdata",
        *labels,
        format="plenum-json",
        natural_foreign=True,
        indent=1,
        stdout=output,
        **options,
    )
    return output.getvalue().encode()


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


def add_bytes(archive, name, content):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


class Command(BaseCommand):
    help = "Sichert Inhalte, Konten und hochgeladene Dateien in ein Archiv (.tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Pfad der Archivdatei, z. B. sicherung.tar.gz")

    def handle(self, archive, **options):
        target = Path(archive)
        groups = dump(GROUP_LABELS, natural_primary=True)
        data = dump(DATA_LABELS)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "objects": len(json.loads(groups)) + len(json.loads(data)),
            "media": {},
        }
        # Written next to the target and renamed at the end: a crash never leaves
        # a half archive under the expected name.
        handle, partial = tempfile.mkstemp(dir=target.parent or ".", suffix=".partial")
        os.close(handle)
        try:
            with tarfile.open(partial, "w:gz") as tar:
                add_bytes(tar, "groups.json", groups)
                add_bytes(tar, "data.json", data)
                for name in media_files():
                    with default_storage.open(name, "rb") as file:
                        content = file.read()
                    manifest["media"][name] = hashlib.sha256(content).hexdigest()
                    add_bytes(tar, f"media/{name}", content)
                add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            os.chmod(partial, 0o600)  # password hashes and second-factor keys are inside
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Gesichert: {manifest['objects']} Datensätze und {len(manifest['media'])} Dateien "
            f"in {target}."
        )
