"""The archive beside every release list: categories and years that hold published releases."""

from django.db.models import Exists, OuterRef

from office.cache import per_generation
from releases.models import Category, Release

# The archive only changes with content or an embargo's end: an hour at most.
ARCHIVE_LINKS_TIMEOUT = 60 * 60


def release_archive():
    """Return the categories and years of published releases.

    Both read every release, so they are kept per content generation and next
    scheduled change, like the page cache: an edit or an embargo's end renews them.
    """
    return per_generation("archive-links", archive_links, ARCHIVE_LINKS_TIMEOUT)


def archive_links():
    published = Release.objects.published()
    return {
        "categories": list(
            Category.objects.filter(Exists(published.filter(category=OuterRef("pk"))))
        ),
        "years": list(published.dates("publish_at", "year", order="DESC")),
    }
