from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse


class SiteSitemap(Sitemap):
    """Absolute URLs from SITE_URL, whatever Host the request came with."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PublishedSitemap(SiteSitemap):
    """Published releases or events; lastmod is when readers last saw a change."""

    def lastmod(self, item):
        return item.modified_at

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
