"""The archive beside every release list: categories and years that hold published releases."""

from django.db.models import Exists, OuterRef
from django.http import Http404

from office.cache import per_generation
from releases.models import Category, Release, Topic


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


def topics_in_use():
    """Return the topics of published releases, kept like the archive (the feeds page lists them).

    Not part of the archive: the pages beside it do not show topics, and each
    renewal would read every release's topics for nothing.
    """
    return per_generation("topics-in-use", published_topics)


def published_topics():
    published = Release.objects.published()
    return list(Topic.objects.filter(Exists(published.filter(topics=OuterRef("pk")))))


def public_by_slug(model) -> dict:
    """Return the categories or topics that published releases use, by slug.

    The others are unknown to readers: one used only by a draft or an embargoed
    release would otherwise name unpublished work in an address or a form.
    """
    public = release_archive()["categories"] if model is Category else topics_in_use()
    return {item.slug: item for item in public}


def by_slug(model, slug: str):
    """Return the public category or topic with this slug, or raise Http404."""
    public = public_by_slug(model)
    if slug not in public:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    return public[slug]
