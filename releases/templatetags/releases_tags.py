from django import template
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone

from office.cache import current_state, seconds_until
from releases.models import Category, Release

register = template.Library()

# The archive only changes with content or an embargo's end: an hour at most.
ARCHIVE_LINKS_TIMEOUT = 60 * 60


@register.inclusion_tag("releases/includes/archive_links.html")
def release_archive_links():
    """Render the categories and years that hold published releases.

    Both read every release, so they are kept per content generation and next
    scheduled change, like the page cache: an edit or an embargo's end renews them.
    """
    now = timezone.now()
    generation, change = current_state(now)
    key = f"plenum:archive-links:{generation}:{change.timestamp() if change else 'never'}"
    if (links := cache.get(key)) is None:
        published = Release.objects.published()
        links = {
            "categories": list(
                Category.objects.filter(Exists(published.filter(category=OuterRef("pk"))))
            ),
            "years": list(published.dates("publish_at", "year", order="DESC")),
        }
        cache.set(key, links, seconds_until(change, now, ARCHIVE_LINKS_TIMEOUT))
    return links
