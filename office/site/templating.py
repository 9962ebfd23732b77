"""The public site's templates are Jinja2; the admin keeps Django's template language.

Jinja2 compiles a template to Python, which renders the public pages in a
fraction of the time Django's template language takes (README, "Leistung"): a
page that renders fast stays up when an edit has just emptied the cache.

What the templates get here mirrors the Django filters and tags they replace, so
the pages read exactly as before: dates in German in the site's time zone, Django's
escaping of `linebreaksbr`, Django's file sizes ("1,2 MB").
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2 import ChainableUndefined, Environment, Undefined, pass_environment
from markupsafe import Markup

from office.media.images import MEDIA_SCHEME
from office.media.photos import library_photos, render_photos
from office.site import seo
from office.site.links import absolute_url, share_targets
from office.site.search import mark_words
from releases.archive import release_archive

# The text column: 42rem at most, the phone's width less the page's padding below.
CONTENT_SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"


def date(value, format_string):
    """Format like Django's `date` filter, in the site's time zone as Django's templates do."""
    if not value:
        return ""
    return defaultfilters.date(template_localtime(value), format_string)


def isodate(value):
    """Return the day of a moment in the site's time zone, as sitemaps give it (2025-02-14)."""
    return timezone.localdate(value).isoformat()


def url(viewname, *args, **kwargs):
    """Return reverse() of a view, with arguments as Django's {% url %} tag takes them."""
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def linebreaksbr(value):
    return defaultfilters.linebreaksbr(value, autoescape=True)


def json_ld(data):
    """Render structured data as a JSON-LD element (a data block, which CSP lets through)."""
    # The escapes of Django's json_script: no "</script>" can end the element early.
    # Three replace() calls, not str.translate(), which maps a release's text one
    # character at a time in Python.
    payload = (
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
        .replace("&", "\\u0026")
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def public_url(obj):
    """Return the object's address on the public site, from SITE_URL."""
    return absolute_url(obj.get_absolute_url())


def plain_photo(image, medium):
    """Return src, width and height of one file of a photo: for a feed, or a PDF's fetcher."""
    name, width, height = image.plain()
    src = MEDIA_SCHEME + name if medium == "print" else absolute_url(image.file.storage.url(name))
    return {"src": src, "width": width, "height": height}


@pass_environment
def with_photos(env, html, photos=None, medium="page"):
    """Render the library photos a rich text places as includes/image.html renders the hero photo.

    `photos` is {id: Image} from library_photos(), fetched once for many texts (a
    feed); without it this text's photos are fetched here, in one query. A page
    gets <picture>; medium "feed" or "print" one plain <img> (plain_photo()).
    """
    if photos is None or isinstance(photos, Undefined):
        photos = library_photos([html])
    template = env.get_template("includes/image.html")

    def figure(image, caption):
        plain = plain_photo(image, medium) if medium != "page" else None
        return template.render(image=image, caption=caption, eager=False, plain=plain)

    return Markup(render_photos(html, photos, figure))  # noqa: S704 (sanitized on save)


def environment(**options):
    # Missing values render as nothing, as in Django's templates, also several
    # attributes deep (`profile.portrait.square_url` without a portrait).
    options["undefined"] = ChainableUndefined
    # Includes end with a newline, as in Django's templates: feed texts stay as they were.
    options["keep_trailing_newline"] = True
    # Every text a reader sees goes through Django's gettext: `{% trans %}` and `_()`.
    options["extensions"] = [*options.get("extensions", ()), "jinja2.ext.i18n"]
    env = Environment(**options)
    env.install_gettext_callables(
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    env.globals.update(
        url=url,
        static=static,
        public_url=public_url,
        share_targets=share_targets,
        release_archive=release_archive,
        content_sizes=CONTENT_SIZES,
        plain_photo=plain_photo,
    )
    env.filters.update(
        date=date,
        isodate=isodate,
        linebreaksbr=linebreaksbr,
        truncatechars=defaultfilters.truncatechars,
        striptags=defaultfilters.striptags,
        filesizeformat=defaultfilters.filesizeformat,
        json_ld=json_ld,
        mark_words=mark_words,
        with_photos=with_photos,
        release_metadata=seo.release_metadata,
        event_metadata=seo.event_metadata,
        profile_metadata=seo.profile_metadata,
    )
    return env
