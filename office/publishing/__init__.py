"""The publishing kernel: the one rule about publishing, shared by releases and events
(DESIGN.md), and its clock here; the Freigabe (`workflow`), versions (`revisions`),
previews (`preview`), the page cache (`cache`) and conditional requests (`conditional`)
beside it. Nothing in this package imports from releases or events.

The clock answers when a public surface next changes without an edit: an
embargo ending, an event ending, a release leaving the news sitemap. Each app
registers what it contributes with `schedule()` in its AppConfig.ready(), so
this module knows no app's models.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    REVIEW = "review", _("In Prüfung")
    PUBLISHED = "published", _("Veröffentlicht")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")


def last_change(publish_at, updated_at):
    """Return when readers last saw a change: never before the publish time, if there is one."""
    return updated_at if publish_at is None else max(publish_at, updated_at)


def published_at(now):
    """Return the rule as a condition: published status, publish time reached by `now`."""
    return Q(status=Status.PUBLISHED, publish_at__lte=now)


def time_when_published(name):
    """Return the constraint that a published row has its publish time (for Meta.constraints)."""
    return models.CheckConstraint(
        condition=~Q(status=Status.PUBLISHED) | Q(publish_at__isnull=False), name=name
    )


class PublishableQuerySet(models.QuerySet):
    def published(self):
        # now() is evaluated per query, so an embargo lifts by itself.
        public = self.filter(published_at(timezone.now()))
        return public.fetch_mode(settings.PUBLIC_FETCH_MODE)

    def next_publication(self, now):
        """Return the next embargo end among published items, if any (one query)."""
        embargoed = self.filter(status=Status.PUBLISHED, publish_at__gt=now)
        return embargoed.order_by("publish_at").values_list("publish_at", flat=True).first()


class Publishable(models.Model):
    Status = Status

    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Empty until the Freigabe decides: "Freigeben" sets it to now or to the Sperrfrist.
    publish_at = models.DateTimeField(
        _("Veröffentlichen am"),
        null=True,
        blank=True,
        help_text=_(
            "Setzt die Freigabe: sofort oder zur Sperrfrist. Vorher ist der Inhalt "
            "nirgends öffentlich."
        ),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Autor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Zuletzt geändert"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A published item always has its time; paths that publish without one
        # (an import, a command) publish now.
        if self.status == Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
            if (update_fields := kwargs.get("update_fields")) is not None:
                kwargs["update_fields"] = {*update_fields, "publish_at"}
        super().save(*args, **kwargs)

    def is_published(self):
        """Return True if the item is publicly accessible."""
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def modified_at(self):
        return last_change(self.publish_at, self.updated_at)


_schedules: list[Callable[[datetime], datetime | None]] = []


def schedule(next_moment: Callable[[datetime], datetime | None]):
    """Register a function returning the next moment after `now` its public surfaces change."""
    if next_moment not in _schedules:
        _schedules.append(next_moment)


def next_change(now: datetime) -> datetime | None:
    """Return the next moment any public surface changes without an edit, if any (queries)."""
    moments = (next_moment(now) for next_moment in _schedules)
    return min((moment for moment in moments if moment is not None), default=None)
