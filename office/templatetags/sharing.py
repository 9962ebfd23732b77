"""Share links in the spirit of Shariff: plain links, no third-party script or request."""

from urllib.parse import quote, urlencode

from django import template
from django.utils.translation import gettext as _

from office.links import absolute_url

register = template.Library()


@register.simple_tag
def public_url(obj):
    """Return the object's address on the public site, from SITE_URL."""
    return absolute_url(obj.get_absolute_url())


def share_targets(title, url):
    """Return (link text, href) for each service; nothing is sent before a reader clicks."""
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


@register.inclusion_tag("includes/share_links.html")
def share_links(obj):
    url = public_url(obj)
    return {"targets": share_targets(obj.title, url), "url": url}
