import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from office.media.richtext import RichTextField
from office.media.validators import validate_public_slug
from office.publishing import Publishable, PublishableQuerySet, time_when_published
from office.publishing.revisions import Versioned, history


class EventQuerySet(PublishableQuerySet):
    def teasers(self):
        """Fetch what an event in a list shows: no description, address or organizer."""
        return self.only(
            "title",
            "slug",
            "starts_at",
            "ends_at",
            "all_day",
            "venue_name",
            "cancelled",
            "publish_at",
            "updated_at",
        )

    def upcoming(self):
        """Return events that have not ended yet, soonest first; a running event counts."""
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")

    def next_end(self, now):
        """Return the next end of a published event, when it turns past (one query)."""
        running = self.filter(status=self.model.Status.PUBLISHED, ends_at__gt=now)
        return running.order_by("ends_at").values_list("ends_at", flat=True).first()

    def past(self):
        """Return events that have ended, most recent first."""
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")


class Event(Versioned, Publishable):
    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(
        _("Kurzform"),
        max_length=200,
        unique=True,
        validators=[validate_public_slug],
        help_text=_("Teil der Adresse; nach der Veröffentlichung nicht mehr ändern."),
    )
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    all_day = models.BooleanField(
        _("Ganztägig"),
        default=False,
        help_text=_("Kalender zeigen dann nur die Tage, nicht die Uhrzeiten."),
    )
    venue_name = models.CharField(_("Ort"), max_length=200, help_text=_("z. B. „Landtag NRW“"))
    venue_address = models.TextField(_("Anschrift des Orts"), blank=True)
    description = RichTextField(_("Beschreibung"), blank=True)
    organizer = models.CharField(_("Veranstalter"), max_length=200, blank=True)
    speakers = models.ManyToManyField(
        "office.Person", verbose_name=_("Mitwirkende"), blank=True, related_name="events"
    )
    cancelled = models.BooleanField(
        _("Abgesagt"),
        default=False,
        help_text=_("Der Termin bleibt sichtbar, als abgesagt markiert; Kalender erfahren es."),
    )
    image = models.ForeignKey(
        "office.Image",
        verbose_name=_("Bild"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EventQuerySet.as_manager()
    history = history(_("Termin"))

    class Meta:
        ordering = ("starts_at", "pk")
        get_latest_by = "starts_at"
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        permissions = [("publish_event", _("Kann Termine freigeben und veröffentlichen"))]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="event_published_idx"),
            models.Index(fields=["ends_at", "starts_at"], name="event_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
            time_when_published("event_published_has_time"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    def is_past(self):
        """Return True if the event has ended, as past() counts it."""
        return self.ends_at < timezone.now()

    @property
    def local_start_date(self) -> datetime.date:
        return timezone.localdate(self.starts_at)

    @property
    def local_end_date(self) -> datetime.date:
        return timezone.localdate(self.ends_at)


def events_showing(item):
    """Return a Q of the events that show a shared item (workflow.register), or None."""
    return {"image": models.Q(image=item), "person": models.Q(speakers=item)}.get(
        item._meta.model_name
    )
