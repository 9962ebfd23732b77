from office.sitemaps import SiteSitemap
from releases.models import Release


class ReleaseSitemap(SiteSitemap):
    limit = 5000

    def items(self):
        return Release.objects.published().only("slug", "publish_at", "updated_at")

    def lastmod(self, item):
        return item.modified_at
