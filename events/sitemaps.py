from events.models import Event
from office.sitemaps import SiteSitemap


class EventSitemap(SiteSitemap):
    limit = 5000

    def items(self):
        return Event.objects.published().only("slug", "publish_at", "updated_at")

    def lastmod(self, item):
        return item.modified_at
