"""The public site's templates are Jinja2; the admin keeps Django's template language.

Jinja2 compiles a template to Python: measured on a list page of 20 releases,
rendering took a fraction of the time Django's template language needs (README,
"Leistung"), and a page that renders fast is a page that stays up when the
cache has just been emptied by an edit.

What the templates get here mirrors the Django filters and tags they replace, so
the pages read exactly as before: dates in German in the site's time zone, Django's
escaping of `linebreaksbr`, Django's file sizes ("1,2 MB").
"""

import functools
import json
import zoneinfo

from django.core.serializers.json import DjangoJSONEncoder
from django.template import defaultfilters
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name, template_localtime
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
from jinja2 import ChainableUndefined, Environment

from office import seo
from office.links import absolute_url, cached_reverse, cached_static, share_targets
from office.per_request import per_request
from office.search import mark_words
from releases.archive import release_archive

# The text column: 42rem at most, the phone's width less the page's padding below.
CONTENT_SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"


def date(value, format_string):
    """Format like Django's `date` filter, in the site's time zone as Django's templates do.

    Remembered: the same dates come back on every page, and Django's formatting
    (format lookup, translated month names) costs 35–50 µs a date, 40 on a list page.
    """
    if not value:
        return ""
    return _date(value, format_string, *per_request("date-setup", date_setup))


def date_setup():
    # Read once a request: nothing on the public site switches zone or language
    # mid-request, and each read (a context-local) cost half a remembered date.
    return get_current_timezone_name(), get_language()


@functools.lru_cache(maxsize=8192)
def _date(value, format_string, zone, language):
    return defaultfilters.date(template_localtime(value), format_string)


def isodate(value):
    """Return the day of a moment in the site's time zone, as sitemaps give it (2025-02-14).

    Not `date`: a sitemap names thousands of moments once each, more than its memo
    keeps, and formatting each the Django way cost a section 200 ms. Nor
    timezone.localdate(): it reads the zone from a context-local for each, 5 µs
    more an entry, 25 ms a section.
    """
    zone, _ = per_request("date-setup", date_setup)
    return value.astimezone(zoneinfo.ZoneInfo(zone)).date().isoformat()


def linebreaksbr(value):
    return defaultfilters.linebreaksbr(value, autoescape=True)


def json_ld(data):
    """Render structured data as a JSON-LD element (a data block, which CSP lets through)."""
    # The escapes of Django's json_script: no "</script>" can end the element early.
    # Three replace() calls, not str.translate(): that maps a release's text one
    # character at a time in Python, 0.3 ms a page.
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
        url=cached_reverse,
        static=cached_static,
        public_url=public_url,
        share_targets=share_targets,
        release_archive=release_archive,
        content_sizes=CONTENT_SIZES,
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
        release_metadata=seo.release_metadata,
        event_metadata=seo.event_metadata,
        profile_metadata=seo.profile_metadata,
    )
    return env
