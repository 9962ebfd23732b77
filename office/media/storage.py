"""Media on an S3-compatible object store, for several app servers (README, "Production").

django-storages' S3Storage with two changes:

- Files are named by MEDIA_URL (`/media/…`), not by the store's address: the
  reverse proxy serves the bucket under /media/, so readers' browsers ask no
  other host and the Content-Security-Policy (`img-src 'self'`) holds.
- Every failure to reach the store is a StorageUnavailable, an OSError like the
  file system's own, so the admin answers both with one German message, and it
  is raised where the file is opened, not later in the middle of a response.
"""

from functools import wraps

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from office.media import StorageUnavailable


def translated(method):
    @wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailable(f"Object store: {error}") from error

    return call


class ObjectStorage(S3Storage):
    def __init__(self, **settings_):
        if settings_.get("client_config") is None:
            settings_["client_config"] = Config(
                # A store that is away costs an editor seconds, not minutes of retries.
                connect_timeout=2,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 2},
                # Stores other than AWS (MinIO, Garage, Ceph, moto) expect the bucket in the path.
                s3={"addressing_style": "path" if settings_.get("endpoint_url") else "auto"},
                signature_version="s3v4",
            )
        super().__init__(**settings_)

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(clean_name(name))

    @translated
    def _open(self, name, mode="rb"):
        file = super()._open(name, mode)
        if "r" in mode:
            # Fetched now, so a store that fails does so here and not while a
            # response is being streamed.
            file.file  # noqa: B018
        return file

    _save = translated(S3Storage._save)
    delete = translated(S3Storage.delete)
    exists = translated(S3Storage.exists)
    listdir = translated(S3Storage.listdir)
    size = translated(S3Storage.size)
