"""Old addresses of the site before the move: a 301 to their Plenum address, never a leak."""

import re

from django.http import HttpResponsePermanentRedirect

from releases.models import OldAddress

# WordPress's query-string addresses on its home page: /?p=123, /?cat=4, /?feed=rss2 …
QUERY_KEYS = ("p", "page_id", "cat", "tag", "feed")
# The sizes WordPress cut from an upload: foto-300x200.jpg is foto.jpg.
RESIZED = re.compile(r"-\d+x\d+(\.\w+)$")


def candidates(request):
    """Return the stored paths a request may stand for, the exact one first."""
    path = request.path
    if path == "/":
        return [f"/?{key}={request.GET[key]}" for key in QUERY_KEYS if key in request.GET]
    paths = [path, path.rstrip("/") if path.endswith("/") else f"{path}/"]
    if RESIZED.search(path):
        paths.append(RESIZED.sub(r"\1", path))
    return paths


def old_address_url(request):
    """Return where an old address now is, or None if it is unknown or not public (queries)."""
    # No old address holds a NUL, and PostgreSQL cannot compare text with one.
    paths = [path for path in candidates(request) if "\x00" not in path]
    if not paths:
        return None
    addresses = {a.path: a for a in OldAddress.objects.filter(path__in=paths)}
    for path in paths:
        if path in addresses:
            return addresses[path].public_url()
    return None


class OldAddressMiddleware:
    """Answer a 404, or WordPress's /?p=ID on the home page, with the old address's new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        home = request.path == "/" and request.method in ("GET", "HEAD")
        if home and (url := old_address_url(request)):
            return HttpResponsePermanentRedirect(url)
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        return HttpResponsePermanentRedirect(url) if (url := old_address_url(request)) else response
