"""ETag and Last-Modified of the plain body; ConditionalGetMiddleware answers 304."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import set_response_etag
from django.utils.http import http_date

from office.cache import first_served, is_public_request


class PlainValidatorsMiddleware(ConditionalGetMiddleware):
    """Set the ETag, the hash of the plain body, and Last-Modified before GZip runs; no 304.

    GZip pads a body with random bytes (against BREACH), so a hash taken after it
    changes with every rendering and a feed reader's 304 would not survive an edit
    elsewhere; GZip marks this ETag weak. Last-Modified is when the public
    address first served this body (office/cache.py), replacing the date Django's
    feed and sitemap views take from their newest item. The 304 itself is left
    to the ConditionalGetMiddleware outside the page cache, so that a page
    revalidated on a cache miss is stored, and its 304 carries the Vary and
    Cache-Control of its 200.
    """

    def process_response(self, request, response):
        if request.method != "GET" or not self.needs_etag(response):
            return response
        if not response.has_header("ETag"):
            set_response_etag(response)
        served = response.status_code == 200 and response.has_header("ETag")
        if served and is_public_request(request):
            since = first_served(request, response["ETag"])
            response.headers["Last-Modified"] = http_date(since.timestamp())
        else:
            # An editor's page or a preview differs from the public one; its
            # ETag alone revalidates it.
            response.headers.pop("Last-Modified", None)
        return response
