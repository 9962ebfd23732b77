"""The page cache: anonymous GETs of public pages, never stale past an edit or a scheduled change.

Three ideas carry it:

- A content generation is part of every key. It is renewed once per committed
  change of public content (the models apps `watch()`), so an edit makes every
  cached page unreachable at once. It lives in the "state" cache, which all
  worker processes share (Redis, or files on one host).
- No entry, and no `s-maxage` promised to a proxy, outlives the next moment a
  public surface changes without an edit (`office.publishing.next_change`).
- Conditional requests are answered by the ETag of the plain body
  (office/publishing/conditional.py), never by a date, so a 304 cannot be stale.
"""

import hashlib
import logging
import math
import re
import time
import uuid
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError

from office.publishing import next_change

logger = logging.getLogger(__name__)


class CacheAway(Exception):
    """Raised instead of asking a cache that failed less than CACHE_RETRY_SECONDS ago."""


# What the file cache and Redis raise when they cannot be reached, and what is
# raised instead while they are away.
CACHE_ERRORS = (OSError, RedisError, CacheAway)
# After a failure this process leaves the cache alone this long; then it tries again.
CACHE_RETRY_SECONDS = 5
GENERATION_KEY = "plenum:generation"
# The next scheduled change, computed once per generation: (generation, moment or NEVER).
SCHEDULED_CHANGE_KEY = "plenum:scheduled-change"
NEVER = "never"  # cached for "no change scheduled", which None cannot say in a cache
# A page number past the first as the pages' own links write it; page 1 is the
# address without one.
PAGE_NUMBER = re.compile(r"[2-9]|[1-9][0-9]+")
# A proxy dates what it keeps in whole seconds of its own clock (nginx keeps a page
# through the second its s-maxage ends in), so it is promised one second less than
# the time left before a scheduled change.
PROXY_CLOCK_SLACK = timedelta(seconds=1)


class CircuitBreaker:
    """Leave the cache alone for a while after it failed, so that a hung one costs no waiting.

    A Redis that accepts connections but never answers costs every call its
    socket timeout. After one failure every guarded use raises CacheAway at
    once, which its caller handles as it handles the failure itself (the page
    served uncached), until CACHE_RETRY_SECONDS passed; the next use then tries
    again. The log says when the cache went away and when it is back, not at
    every request. Per process: each worker finds out for itself, at the cost
    of one timeout.
    """

    def __init__(self):
        # time.time() rather than monotonic time, so that tests can move it.
        self.retry_at: float | None = None

    @contextmanager
    def guard(self, skip_while_open: bool = True):
        if skip_while_open and self.retry_at is not None and time.time() < self.retry_at:
            raise CacheAway
        try:
            yield
        except (OSError, RedisError) as error:
            if self.retry_at is None:
                logger.warning(
                    "Cache unreachable (%s: %s); serving without it, trying again every %d s",
                    type(error).__name__,
                    error,
                    CACHE_RETRY_SECONDS,
                )
            self.retry_at = time.time() + CACHE_RETRY_SECONDS
            raise
        if self.retry_at is not None:
            self.retry_at = None
            logger.warning("Cache reachable again; serving with it")


breaker = CircuitBreaker()


def renew_generation():
    """Make every cached page unreachable; code that writes without signals calls it too."""
    try:
        # Tried even while the breaker is open: if the other workers reach the
        # cache, they must learn of the edit. Edits are rare; readers do not wait.
        with breaker.guard(skip_while_open=False):
            caches["state"].set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS:
        # The edit matters more than the cache: it is saved, and pages cached
        # before the outage expire within PAGE_CACHE_TIMEOUT (a restarted Redis
        # keeps none).
        logger.warning("Cache unreachable; cached pages may lag behind this edit")


def content_changed(sender, action="post_", **kwargs):
    """Receive the save, delete and relation signals of public content."""
    if action.startswith("post_"):
        renew_at_commit()


def renew_at_commit():
    """Renew the generation when the current transaction commits, once per transaction.

    After the commit, not before: a page rendered from the old rows until then
    is kept under the old generation, which the renewal makes unreachable. A
    transaction saving a release with its quotes and topics renews once.
    """
    connection = transaction.get_connection()
    # Django keeps a transaction's callbacks in run_on_commit and drops those of
    # a rolled-back savepoint, so a renewal is never lost to a rollback.
    if not any(callback is renew_generation for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(renew_generation)


def watch(*models):
    """Renew the generation when any of these models (or m2m through models) changes."""
    for model in models:
        label = model._meta.label_lower
        post_save.connect(content_changed, sender=model, dispatch_uid=f"cache-save-{label}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"cache-delete-{label}")
        m2m_changed.connect(content_changed, sender=model, dispatch_uid=f"cache-m2m-{label}")


class State(NamedTuple):
    """What the public surfaces show: it changes with an edit or at a scheduled moment."""

    generation: str
    change: datetime | None  # the next scheduled moment, if any


def current_state(now: datetime) -> State:
    """Return the content state: the generation, and the next change computed once per generation.

    One record for the current generation, not a key per generation: those piled
    up in Redis, and in the file cache their culling took the generation with them.
    """
    state = caches["state"]
    generation = state.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        state.set(GENERATION_KEY, generation, timeout=None)
    stored_generation, stored = state.get(SCHEDULED_CHANGE_KEY) or (None, None)
    if stored_generation == generation and (stored == NEVER or stored > now):
        return State(generation, None if stored == NEVER else stored)
    change = next_change(now)
    state.set(SCHEDULED_CHANGE_KEY, (generation, change or NEVER), timeout=None)
    return State(generation, change)


def per_generation(name: str, compute, limit: int = 60 * 60):
    """Return compute()'s value, kept until the next committed edit or scheduled change.

    Only for what reads the whole archive and was measured to dominate its page
    (README, "Leistung"); computed afresh, and not kept, while the cache is away.
    """
    now = timezone.now()
    try:
        with breaker.guard():
            generation, change = current_state(now)
            key = f"plenum:{name}:{generation}:{change.timestamp() if change else NEVER}"
            value = cache.get(key)
    except CACHE_ERRORS:
        return compute()
    if value is None:
        value = compute()
        with suppress(*CACHE_ERRORS), breaker.guard():
            cache.set(key, value, seconds_until(change, now, limit))
    return value


def seconds_until(change: datetime | None, now: datetime, limit: int) -> int:
    if change is None:
        return limit
    return max(0, min(limit, math.floor((change - now).total_seconds())))


def is_public_request(request) -> bool:
    """An anonymous GET of a public page: one answer for all, which proxies may share."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.UNCACHED_PATH_PREFIXES)
    )


def is_cacheable_request(request) -> bool:
    return (
        settings.PAGE_CACHE_TIMEOUT > 0
        and is_public_request(request)
        and is_canonical_address(request)
    )


def is_canonical_address(request) -> bool:
    """Return whether the query is empty, or a page number the page reads, written as its links do.

    Only these addresses are kept: with any other query (a parameter the page
    does not read, a repeated one, page 1 or 007) every one of endless values
    would be an entry of its own. A page past the last is a 404, never kept.
    Searches are not kept at all: their words are endless and seldom asked
    twice, so kept they would only push pages out.
    """
    if not request.GET:
        return True
    if len(request.GET) != 1:
        return False
    ((name, values),) = request.GET.lists()
    if len(values) != 1 or not PAGE_NUMBER.fullmatch(values[0]):
        return False
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return name == page_parameter(view)


def page_parameter(view) -> str | None:
    """Return the query parameter a view reads its page number from, if it has pages.

    Django's list views name it in page_kwarg; its sitemap view reads "p".
    """
    if view is sitemap:
        return "p"
    view_class = getattr(view, "view_class", None)
    if getattr(view_class, "paginate_by", None):
        return view_class.page_kwarg
    return None


def is_storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
    )


def page_key(request, generation: str, change: datetime | None) -> str:
    # The next change is part of the key, so a page is stale the moment it
    # passes even where the cache's own clock or expiry is late (Redis).
    # Stored as sent: compressed for clients that accept gzip, plain for the rest.
    gzip = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    address = (request.path, sorted(request.GET.items()), change, gzip)
    digest = hashlib.sha256(repr(address).encode()).hexdigest()
    # "v3": pages of workers that still dated them (Last-Modified) are not served.
    return f"plenum:page:v3:{generation}:{digest}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                # An editor's page may differ from the public one; no proxy keeps it.
                patch_cache_control(response, private=True)
            return response
        now = timezone.now()
        try:
            with breaker.guard():
                generation, change = current_state(now)
                key = page_key(request, generation, change)
                response = cache.get(key)
        except CACHE_ERRORS:
            # Without the shared state no page can be known fresh: serve it
            # uncached, slower but correct, until the cache is back.
            return self.get_response(request)
        if response is None:
            response = self.get_response(request)
            if not is_storable(response):
                return response
            timeout = seconds_until(change, now, settings.PAGE_CACHE_TIMEOUT)
            if timeout > 0:
                with suppress(*CACHE_ERRORS), breaker.guard():
                    cache.set(key, response, timeout)
        # Computed per response, so a proxy never holds a page past the next change:
        # settings.PROXY_MAX_AGE at most, and half as long again stale while it refreshes.
        proxy_change = change - PROXY_CLOCK_SLACK if change is not None else None
        now = timezone.now()
        shared = seconds_until(proxy_change, now, settings.PROXY_MAX_AGE)
        stale = seconds_until(proxy_change, now, shared + settings.PROXY_MAX_AGE // 2) - shared
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=shared, stale_while_revalidate=stale
        )
        return response
