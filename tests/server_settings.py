"""Production settings for a gunicorn a test starts, without the collectstatic they need.

DEBUG stays off, so errors go through the real handlers; only static files are
served by plain names instead of the hashed, compressed manifest.
"""

from office.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
