from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _


def absolute_url(path: str) -> str:
    """Return path on the public site; feeds, sitemaps and calendars need SITE_URL, not the Host."""
    return f"{settings.SITE_URL}{path}"


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
