import datetime

from django.utils import timezone

from office.site.sitemaps import PublishedSitemap
from releases.models import Release


class ReleaseSitemap(PublishedSitemap):
    detail_view = "releases:detail"
    limit = 5000

    def items(self):
        return Release.objects.published().values_list(
            "slug", "publish_at", "updated_at", named=True
        )


NEWS_WINDOW = datetime.timedelta(days=2)


def next_news_exit(now):
    """Return when the oldest release in the news sitemap leaves it, if any (one query)."""
    news = Release.objects.filter(
        status=Release.Status.PUBLISHED, publish_at__gte=now - NEWS_WINDOW, publish_at__lte=now
    )
    oldest = news.order_by("publish_at").values_list("publish_at", flat=True).first()
    return oldest + NEWS_WINDOW if oldest else None


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
