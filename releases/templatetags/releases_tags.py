from django import template

from releases.models import Category, Release

register = template.Library()


@register.inclusion_tag("releases/includes/archive_links.html")
def release_archive_links():
    """Render the categories and years that hold published releases."""
    published = Release.objects.published()
    return {
        "categories": Category.objects.filter(releases__in=published).distinct(),
        "years": published.dates("publish_at", "year", order="DESC"),
    }
