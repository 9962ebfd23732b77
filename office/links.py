import functools
from urllib.parse import quote, urlencode

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from office.per_request import per_request


def absolute_url(path: str) -> str:
    """Return path on the public site; feeds, sitemaps and calendars need SITE_URL, not the Host."""
    return f"{settings.SITE_URL}{path}"


def cached_reverse(viewname: str, *args, **kwargs) -> str:
    """Return reverse(viewname, args, kwargs), remembered per URLconf and script prefix.

    A list page names 50 and more addresses, each costing reverse() 25–35 µs:
    more than a millisecond of every page for answers that never change while
    the process runs.
    """
    setup = per_request("url-setup", url_setup)
    return _reverse(setup, viewname, args, tuple(sorted(kwargs.items())))


def url_setup():
    # Read once a request: the URLconf is set before any view runs, and reading it
    # (a context-local) cost half the time of a remembered reverse().
    return settings.ROOT_URLCONF, get_urlconf(), get_script_prefix()


@functools.lru_cache(maxsize=8192)
def _reverse(setup, viewname, args, kwargs):
    _, urlconf, _ = setup
    return reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def cached_static(path: str) -> str:
    """Return static(path), remembered per static files setup.

    The manifest storage looks each name up and quotes and joins it, 20–60 µs a
    call, six times on every page, for answers fixed until the next deployment
    (which restarts the workers).
    """
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    # DEBUG too: the manifest storage then answers with the names unhashed.
    return _static(settings.STATIC_URL, storage, settings.DEBUG, path)


@functools.lru_cache(maxsize=1024)
def _static(static_url, storage, debug, path):
    return static(path)


def share_targets(title: str, url: str) -> list[tuple[str, str]]:
    """Return (link text, href) for each service, in the spirit of Shariff: plain links,
    no third-party script or request; nothing is sent before a reader clicks."""
    text = f"{title} {url}"
    return [
        (
            _("Per E-Mail teilen"),
            "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=quote),
        ),
        (_("Auf Mastodon teilen"), "https://s2f.kytta.dev/?" + urlencode({"text": text})),
        (_("Auf Bluesky teilen"), "https://bsky.app/intent/compose?" + urlencode({"text": text})),
        (_("Über WhatsApp teilen"), "https://wa.me/?" + urlencode({"text": text})),
        (
            _("Auf LinkedIn teilen"),
            "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        ),
    ]
