"""Backups: one consistent snapshot of every table the site needs, its uploads, sealed if asked.

`snapshot.py` dumps the database as of one moment, `sealing.py` encrypts the archive as
a stream; the commands `backup` and `restore` (office/management/commands/) write and
read the archive.
"""

from django.utils.translation import gettext as _


class BackupError(Exception):
    """A backup cannot be written or read; the message is German and meant for the operator."""


class DamagedBackup(BackupError):
    def __init__(self, detail=""):
        message = _("Die Sicherung ist beschädigt oder unvollständig; nichts wurde eingespielt.")
        super().__init__(f"{message} ({detail})" if detail else message)
