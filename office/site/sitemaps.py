from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from office.publishing import last_change


class SiteSitemap(Sitemap):
    """Absolute URLs from SITE_URL, whatever Host the request came with."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PublishedSitemap(SiteSitemap):
    """Published releases or events, read as rows; lastmod is when readers last saw a change.

    Rows, not model instances: a section lists up to 5,000, and building each
    instance cost more than writing its entry.
    """

    detail_view: str

    @cached_property
    def around_slug(self) -> tuple[str, str]:
        # Reversed once a section, not per entry: a section lists up to 5,000. A
        # slug needs no quoting (the URL's slug converter admits [-a-zA-Z0-9_] only).
        before, _, after = reverse(self.detail_view, kwargs={"slug": "SLUG"}).partition("SLUG")
        return before, after

    def location(self, item):
        before, after = self.around_slug
        return f"{before}{item.slug}{after}"

    def lastmod(self, item):
        return last_change(item.publish_at, item.updated_at)

    def get_latest_lastmod(self):
        # One aggregate; Django's default loads every item to ask each for its lastmod.
        latest = self.items().order_by().aggregate(Max("publish_at"), Max("updated_at"))
        return max(filter(None, latest.values()), default=None)


class PageSitemap(SiteSitemap):
    def items(self):
        return [
            "office:home",
            "releases:list",
            "events:upcoming",
            "office:quotes",
            "office:figures",
            "office:profile",
            "office:feeds",
            "office:imprint",
            "office:privacy",
            "office:accessibility",
        ]

    def location(self, item):
        return reverse(item)
