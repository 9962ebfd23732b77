"""Development only: the mails Django's file backend wrote to SENT_MAIL_DIR, read back.

Without EMAIL_URL nothing leaves the machine (office/settings.py); the admin's
page "Gesendete E-Mails (Entwicklung)" lists these so a newcomer can read what
the demo sent. The file backend writes each run's messages into one `.log`
file, each followed by a line of 79 dashes; no line of a message can be that
line, since the e-mail package folds and encodes every line to 78 characters.
"""

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

policy = email.policy.default
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
FILE_NAME = re.compile(r"[\w.-]+\.log")
HEADERS = (
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
# Enough for any demo or manual test; a directory grown larger shows its newest.
NEWEST_FILES = 50


@dataclass
class SentMail:
    file_name: str
    written: float  # the file's modification time: finer than the Date header's seconds
    number: int
    message: email.message.EmailMessage

    @property
    def subject(self):
        return self.message.get("Subject", "")

    @property
    def to(self):
        return self.message.get("To", "")

    @property
    def date(self) -> datetime | None:
        header = self.message.get("Date")
        return getattr(header, "datetime", None)

    def headers(self):
        return [(name, self.message[name]) for name in HEADERS if name in self.message]

    def part(self, subtype):
        """Return the text of the message's text/<subtype> body, or ""."""
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""

    def attachments(self):
        return [
            (part.get_filename() or "", part.get_content_type())
            for part in self.message.iter_attachments()
        ]


def directory() -> Path:
    return Path(settings.SENT_MAIL_DIR)


def read_file(path: Path) -> list[SentMail]:
    chunks = path.read_bytes().split(SEPARATOR)
    written = path.stat().st_mtime
    return [
        SentMail(path.name, written, number, email.message_from_bytes(chunk, policy=policy))
        for number, chunk in enumerate(chunks)
        if chunk.strip()
    ]


def newest() -> list[SentMail]:
    """Return the mails of the newest files, newest first."""
    if not directory().is_dir():
        return []
    files = sorted(directory().glob("*.log"), key=lambda path: path.stat().st_mtime)
    mails = [mail for path in files[-NEWEST_FILES:] for mail in read_file(path)]
    return sorted(mails, key=sort_key, reverse=True)


def sort_key(mail):
    sent = mail.date.timestamp() if mail.date else 0
    return sent, mail.written, mail.number


def find(file_name: str, number: int) -> SentMail | None:
    """Return one mail by its file's name and its place in it; None for anything else."""
    if not FILE_NAME.fullmatch(file_name):
        return None
    path = directory() / file_name
    if not path.is_file():
        return None
    mails = [mail for mail in read_file(path) if mail.number == number]
    return mails[0] if mails else None
