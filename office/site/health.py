"""Faults: the health check for monitoring and the maintenance page for outages."""

import logging
import sys
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.http import require_safe
from redis.exceptions import (
    ConnectionError as RedisConnectionError,
    TimeoutError as RedisTimeoutError,
)

from office.media import StorageUnavailable

logger = logging.getLogger(__name__)

# Errors that mean "a backing service is away", not "the code is wrong".
OUTAGES = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    StorageUnavailable,
)
RETRY_AFTER_SECONDS = 60


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("Health check: database unreachable", exc_info=True)
        return False


def cache_ok() -> bool:
    """Return True if every configured cache stores and returns a value."""
    key = f"plenum:healthz:{uuid.uuid4().hex}"
    for alias in settings.CACHES:
        cache = caches[alias]
        try:
            cache.set(key, "ok", timeout=10)
            found = cache.get(key) == "ok"
            cache.delete(key)
        except Exception:  # any backend's own error type means the same: unusable
            logger.warning("Health check: cache %r unusable", alias, exc_info=True)
            return False
        if not found:
            return False
    return True


@require_safe
def healthz(request):
    """Report whether the database and the cache answer, without saying more."""
    checks = {"database": database_ok(), "cache": cache_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "error"}
    body |= {name: "ok" if ok else "error" for name, ok in checks.items()}
    response = JsonResponse(body, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


def is_outage(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request):
    """Answer an outage with the German maintenance page (503), anything else with a 500.

    The page is rendered without a request context: no context processor may
    ask the database that just failed.
    """
    if not is_outage(sys.exc_info()[1]):
        return defaults.server_error(request)
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
