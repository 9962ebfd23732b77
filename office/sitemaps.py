from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class SiteSitemap(Sitemap):
    """Absolute URLs from SITE_URL, whatever Host the request came with."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


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
