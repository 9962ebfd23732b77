import datetime

from django.utils import timezone

from office.sitemaps import PublishedSitemap
from releases.models import Release


class ReleaseSitemap(PublishedSitemap):
    limit = 5000

    def items(self):
        return Release.objects.published().only("slug", "publish_at", "updated_at")


NEWS_WINDOW = datetime.timedelta(days=2)


class NewsSitemap(PublishedSitemap):
    """Google News: releases of the last two days, with title and publication."""

    limit = 1000

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Release.objects.published()
            .filter(publish_at__gte=since)
            .only("slug", "title", "publish_at", "updated_at")
        )
