"""Backups: one consistent snapshot of every table the site needs, its uploads, sealed if asked.

`snapshot.py` dumps the database as of one moment, `sealing.py` encrypts the archive as
a stream; the commands `backup` and `restore` (office/management/commands/) write and
read the archive.
"""

import hashlib

from django.utils.translation import gettext as _

# The archive's format, and the names of its two members that are not tables or uploads.
FORMAT = 2
HEADER = "plenum-backup.json"
MANIFEST = "manifest.json"


class Hashing:
    """Wrap a binary file: reads pass through, and their SHA-256 is kept."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.sha256.update(data)
        return data

    @property
    def closed(self):
        return self.file.closed

    def seekable(self):
        # The hash covers what was read once; a storage must not rewind it.
        return False


class BackupError(Exception):
    """A backup cannot be written or read; the message is German and meant for the operator."""


class DamagedBackup(BackupError):
    def __init__(self, detail=""):
        message = _("Die Sicherung ist beschädigt oder unvollständig; nichts wurde eingespielt.")
        super().__init__(f"{message} ({detail})" if detail else message)
