"""The archive beside every release list: categories and years that hold published releases."""

from django.db.models import Exists, OuterRef

from office.cache import per_generation
from releases.models import Category, Release


def release_archive():
    """Return the categories and years of published releases.

    Both read every release, so they are kept per content generation and next
    scheduled change, like the page cache: an edit or an embargo's end renews them.
    """
    return per_generation("archive-links", archive_links)


def archive_links():
    published = Release.objects.published()
    return {
        "categories": list(
            Category.objects.filter(Exists(published.filter(category=OuterRef("pk"))))
        ),
        "years": list(published.dates("publish_at", "year", order="DESC")),
    }
