"""The ETag of the plain body; ConditionalGetMiddleware answers 304 by it."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import set_response_etag


class PlainValidatorsMiddleware(ConditionalGetMiddleware):
    """Set the ETag, the hash of the plain body, before GZip runs; drop Last-Modified; no 304.

    GZip pads a body with random bytes (against BREACH), so a hash taken after it
    changes with every rendering and a feed reader's 304 would not survive an edit
    elsewhere; GZip marks this ETag weak. No page carries Last-Modified: Django's
    feed and sitemap views date a page by its newest item, which misses what
    leaves it (a withdrawn release, an ended event) and what an embargo's end
    brings in with an older date, and a client revalidating by date alone would
    keep the old page. The 304 itself is left to the ConditionalGetMiddleware
    outside the page cache, so that a page revalidated on a cache miss is
    stored, and its 304 carries the Vary and Cache-Control of its 200.
    """

    def process_response(self, request, response):
        wanted = request.method == "GET" and self.needs_etag(response)
        if wanted and not response.has_header("ETag"):
            set_response_etag(response)
        response.headers.pop("Last-Modified", None)
        return response
