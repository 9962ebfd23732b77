"""Last-Modified from the content a response shows; ConditionalGetMiddleware answers 304."""

from django.utils.http import http_date


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
