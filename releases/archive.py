"""The archive beside every release list: categories, topics and years that hold published releases.

A category or topic that only drafts and embargoed releases use is unknown to
readers: its name would otherwise announce unpublished work in an address, a
feed or a form.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404

from releases.models import Category, Release, Topic


def in_use(model):
    """Return the categories or topics that published releases use, as a queryset."""
    published = Release.objects.published()
    field = "category" if model is Category else "topics"
    return model.objects.filter(Exists(published.filter(**{field: OuterRef("pk")})))


def release_archive():
    """Return the categories and years of published releases (two queries)."""
    return {
        "categories": list(in_use(Category)),
        "years": list(Release.objects.published().dates("publish_at", "year", order="DESC")),
    }


def topics_in_use():
    """Return the topics of published releases (one query)."""
    return list(in_use(Topic))


def public_by_slug(model) -> dict:
    """Return the public categories or topics by slug (one query)."""
    return {item.slug: item for item in in_use(model)}


def by_slug(model, slug: str):
    """Return the public category or topic with this slug, or raise Http404 (one query)."""
    item = in_use(model).filter(slug=slug).first()
    if item is None:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    return item
