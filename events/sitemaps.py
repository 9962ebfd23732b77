from events.models import Event
from office.site.sitemaps import PublishedSitemap


class EventSitemap(PublishedSitemap):
    detail_view = "events:detail"
    limit = 5000

    def items(self):
        return Event.objects.published().values_list("slug", "publish_at", "updated_at", named=True)
