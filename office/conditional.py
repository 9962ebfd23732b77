"""ETag and Last-Modified of the plain body; ConditionalGetMiddleware answers 304."""

from contextlib import suppress

from django.middleware.http import ConditionalGetMiddleware
from django.utils import timezone
from django.utils.cache import set_response_etag
from django.utils.http import http_date

from office.cache import CACHE_ERRORS, current_state, is_public_request, last_modified


class PlainValidatorsMiddleware(ConditionalGetMiddleware):
    """Set the ETag, the hash of the plain body, and Last-Modified before GZip runs; no 304.

    GZip pads a body with random bytes (against BREACH), so a hash taken after it
    changes with every rendering and a feed reader's 304 would not survive an edit
    elsewhere; GZip marks this ETag weak. Last-Modified comes from the content
    state (office/cache.py) and replaces the date Django's feed and sitemap
    views take from their newest item. The 304 itself is left to the
    ConditionalGetMiddleware outside the page cache, so that a page revalidated
    on a cache miss is stored, and its 304 carries the Vary and Cache-Control of
    its 200.
    """

    def process_request(self, request):
        if is_public_request(request):
            # Read before the view reads any content, so the page is not newer than its date.
            # Unreachable, it is logged once (office/cache.py); last_modified() dates nothing.
            with suppress(*CACHE_ERRORS):
                current_state(timezone.now())

    def process_response(self, request, response):
        etag_wanted = request.method == "GET" and self.needs_etag(response)
        if etag_wanted and not response.has_header("ETag"):
            set_response_etag(response)
        served = etag_wanted and response.status_code == 200 and response.has_header("ETag")
        since = None
        if served and is_public_request(request):
            since = last_modified(request, response["ETag"])
        if since is None:
            # An editor's page or a preview: the ETag alone revalidates it. A HEAD
            # gets neither, rather than Django's feed and sitemap date.
            response.headers.pop("Last-Modified", None)
        else:
            response.headers["Last-Modified"] = http_date(since.timestamp())
        return response
