from events.models import Event
from office.sitemaps import PublishedSitemap


class EventSitemap(PublishedSitemap):
    limit = 5000

    def items(self):
        return Event.objects.published().only("slug", "publish_at", "updated_at")
