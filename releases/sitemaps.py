import datetime

from django.utils import timezone

from office.sitemaps import PublishedSitemap
from releases.models import Release


class ReleaseSitemap(PublishedSitemap):
    detail_view = "releases:detail"
    limit = 5000

    def items(self):
        return Release.objects.published().values_list(
            "slug", "publish_at", "updated_at", named=True
        )


NEWS_WINDOW = datetime.timedelta(days=2)


class NewsSitemap(ReleaseSitemap):
    """Google News: releases of the last two days, with title and publication."""

    limit = 1000

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Release.objects.published()
            .filter(publish_at__gte=since)
            .values_list("slug", "title", "publish_at", "updated_at", named=True)
        )
