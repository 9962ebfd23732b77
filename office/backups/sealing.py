"""Encrypt a backup as it is written and decrypt it as it is read: AES-256-GCM in chunks.

The layout is the STREAM construction (as in age's payload and Tink's streaming AEAD):
MAGIC, a random 16-byte salt and a 16-byte key check, then chunks of CHUNK plaintext bytes,
each sealed with its own 16-byte tag. The last chunk is shorter than CHUNK (empty if need
be), and chunk i's nonce is i in 11 big-endian bytes plus a byte that is 1 only for the
last chunk, so a chunk changed, moved, dropped or cut off fails its tag. The archive's
key comes from BACKUP_KEY and the salt through HKDF-SHA256, so no two archives share one;
the header is every chunk's associated data.
"""

import base64
import binascii
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from office.backups import BackupError, DamagedBackup

MAGIC = b"PLENUM-BACKUP-AES256GCM-1\n"
SALT = 16
CHECK = 16
HEADER = len(MAGIC) + SALT + CHECK
CHUNK = 64 * 1024
TAG = 16


class WrongKey(BackupError):
    pass


def new_key():
    """Return a fresh key for BACKUP_KEY: 32 random bytes in URL-safe Base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def configured_key():
    """Return BACKUP_KEY's 32 bytes, or None when it is not set."""
    text = settings.BACKUP_KEY.strip()
    if not text:
        return None
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            _(
                "BACKUP_KEY ist kein gültiger Schlüssel (32 Bytes in Base64). "
                "Einen neuen gibt „manage.py backup --schluessel-erzeugen“ aus."
            )
        )
    return key


def _derive(key, salt):
    material = HKDF(
        algorithm=hashes.SHA256(), length=32 + CHECK, salt=salt, info=b"plenum backup"
    ).derive(key)
    return AESGCM(material[:32]), material[32:]


def _nonce(counter, last):
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealingWriter:
    """A write-only binary file that encrypts into `target`; close() seals the last chunk."""

    def __init__(self, target, key):
        salt = os.urandom(SALT)
        self._cipher, check = _derive(key, salt)
        self._header = MAGIC + salt + check
        self._target = target
        self._buffer = bytearray()
        self._counter = 0
        target.write(self._header)

    def write(self, data):
        self._buffer += data
        while len(self._buffer) >= CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self):
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain, last):
        nonce = _nonce(self._counter, last)
        self._target.write(self._cipher.encrypt(nonce, plain, self._header))
        self._counter += 1


class OpeningReader:
    """A read-only binary file that decrypts `source`, refusing a wrong key and any damage."""

    def __init__(self, source, key):
        self._header = source.read(HEADER)
        if len(self._header) < HEADER or not self._header.startswith(MAGIC):
            raise DamagedBackup(_("Kopf der Verschlüsselung unvollständig"))
        salt = self._header[len(MAGIC) : len(MAGIC) + SALT]
        self._cipher, check = _derive(key, salt)
        if not hmac.compare_digest(check, self._header[-CHECK:]):
            raise WrongKey(
                _(
                    "Der Schlüssel in BACKUP_KEY passt nicht zu dieser Sicherung; "
                    "nichts wurde eingespielt."
                )
            )
        self._source = source
        self._plain = b""
        self._counter = 0
        self._finished = False

    def read(self, size=-1):
        while not self._finished and (size < 0 or len(self._plain) < size):
            self._plain += self._open_next()
        if size < 0:
            size = len(self._plain)
        data, self._plain = self._plain[:size], self._plain[size:]
        return data

    def _open_next(self):
        sealed = self._read_exactly(CHUNK + TAG)
        if len(sealed) < TAG:
            raise DamagedBackup(_("die Datei ist abgeschnitten"))
        last = len(sealed) < CHUNK + TAG
        try:
            plain = self._cipher.decrypt(_nonce(self._counter, last), sealed, self._header)
        except InvalidTag:
            raise DamagedBackup(
                _("Block %(number)s ist verändert oder abgeschnitten")
                % {"number": self._counter + 1}
            ) from None
        self._counter += 1
        # A short chunk is the last: bytes appended to it make its tag fail.
        self._finished = last
        return plain

    def _read_exactly(self, size):
        data = b""
        while len(data) < size and (more := self._source.read(size - len(data))):
            data += more
        return data
