"""The archive beside every release list: categories, topics and years that hold published releases.

A category or topic that only drafts and embargoed releases use is unknown to
readers: its name would otherwise announce unpublished work in an address, a
feed or a form.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from office.publishing.cache import per_generation
from releases.models import Category, Release, Topic


def in_use(model):
    """Return the categories or topics that published releases use, as a queryset."""
    published = Release.objects.published()
    field = "category" if model is Category else "topics"
    return model.objects.filter(Exists(published.filter(**{field: OuterRef("pk")})))


def release_archive():
    """Return the categories and years of published releases, kept per content generation.

    Beside every list and release page, and reading the whole archive: without
    the memo it was half of a list page (README, "Leistung").
    """
    return per_generation("release-archive", read_release_archive)


def read_release_archive():
    return {"categories": list(in_use(Category)), "years": release_years()}


def release_years() -> list[datetime.date]:
    """Return the first day of each year with a published release, newest first.

    One step along the published index per year, from the newest release back:
    `dates("publish_at", "year")` truncates every row's date instead, which on
    SQLite is a Python function call per release.
    """
    published = Release.objects.published().order_by("-publish_at")
    years = []
    latest = published.values_list("publish_at", flat=True).first()
    while latest is not None:
        year = datetime.date(timezone.localtime(latest).year, 1, 1)
        years.append(year)
        new_year = timezone.make_aware(datetime.datetime.combine(year, datetime.time()))
        latest = (
            published.filter(publish_at__lt=new_year).values_list("publish_at", flat=True).first()
        )
    return years


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
