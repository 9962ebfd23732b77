"""ETag and Last-Modified from what a response shows; ConditionalGetMiddleware answers 304."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import set_response_etag
from django.utils.http import http_date


class PlainETagMiddleware(ConditionalGetMiddleware):
    """Set ConditionalGetMiddleware's ETag, the hash of the body, before GZip runs; no 304.

    GZip pads a body with random bytes (against BREACH), so a hash taken after it
    changes with every rendering and a feed reader's 304 would not survive an edit
    elsewhere; GZip marks this ETag weak. The 304 itself is left to the
    ConditionalGetMiddleware outside the page cache, so that a page revalidated on
    a cache miss is stored, and its 304 carries the Vary and Cache-Control of its 200.
    """

    def process_response(self, request, response):
        etag_wanted = request.method == "GET" and self.needs_etag(response)
        if etag_wanted and not response.has_header("ETag"):
            set_response_etag(response)
        return response


def with_last_modified(response, *groups):
    """Set Last-Modified to the latest change among the shown items; return the response.

    The querysets must already be evaluated (rendered), so this costs no query.
    """
    latest = max((item.modified_at for group in groups for item in group), default=None)
    if latest is not None:
        response.headers["Last-Modified"] = http_date(latest.timestamp())
    return response


class LastModifiedListMixin:
    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return with_last_modified(response.render(), context["object_list"])


class LastModifiedDetailMixin:
    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return with_last_modified(response, [context["object"]])
