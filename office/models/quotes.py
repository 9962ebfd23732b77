"""Quotes and figures: public only through a public release that shows them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from office.models.numbers import german_number
from office.models.profile import Person
from office.publishing import Status
from office.publishing.revisions import Versioned, history


class ShownByReleaseQuerySet(models.QuerySet):
    """Quotes and figures are public only through a public release that shows them.

    So they pass the Freigabe with their release: one written on its own, in
    the admin's popup, removed from a release or left by a deleted one is not
    public until a public release holds it.
    """

    def published(self):
        # One list of ids, not EXISTS per item: SQLite, planning without
        # statistics, ran that from all public releases for every item.
        shown = self.model.releases.through.objects.filter(
            release__status=Status.PUBLISHED,
            # now() per query, as in PublishableQuerySet: an embargo lifts by itself.
            release__publish_at__lte=timezone.now(),
        ).values(self.model._meta.model_name)
        return self.filter(pk__in=shown).fetch_mode(settings.PUBLIC_FETCH_MODE)


class Quote(Versioned):
    text = models.TextField(
        _("Zitat"), help_text=_("Ohne Anführungszeichen; die setzt die Website.")
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("Person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leer lassen, wenn die oder der Abgeordnete selbst spricht."),
    )
    said_on = models.DateField(_("Datum"))
    context = models.CharField(
        _("Anlass"), max_length=300, blank=True, help_text=_("z. B. „Zukunftskonferenz in Berlin“")
    )
    source_url = models.URLField(_("Quelle (Link)"), blank=True)

    objects = ShownByReleaseQuerySet.as_manager()
    history = history(_("Zitat"))

    class Meta:
        ordering = ("-said_on", "-pk")
        # The home page's newest quote walks this index and stops at the first visible one.
        indexes = [models.Index(fields=["-said_on", "-id"], name="quote_order_idx")]
        verbose_name = _("Zitat")
        verbose_name_plural = _("Zitate")

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def speaker_name(self, profile):
        return self.person.name if self.person_id else profile.full_name


class Statistic(Versioned):
    qualifier = models.CharField(
        _("Zusatz"), max_length=50, blank=True, help_text=_("Steht vor der Zahl, z. B. „bis zu“.")
    )
    value = models.DecimalField(
        _("Wert"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Als Zahl, z. B. 67.8; die Website zeigt „67,8“. Leer für Aussagen ohne Zahl."),
    )
    unit = models.CharField(
        _("Einheit"), max_length=50, blank=True, help_text=_("z. B. „Mrd. Euro“")
    )
    label = models.CharField(
        _("Aussage"), max_length=300, help_text=_("Was die Zahl bedeutet, als ganzer Satzteil.")
    )
    source_name = models.CharField(_("Quelle"), max_length=200, help_text=_("Herausgeber der Zahl"))
    source_title = models.CharField(_("Titel der Quelle"), max_length=300, blank=True)
    source_url = models.URLField(_("Link zur Quelle"), blank=True)
    source_year = models.PositiveSmallIntegerField(_("Jahr der Quelle"), null=True, blank=True)

    objects = ShownByReleaseQuerySet.as_manager()
    history = history(_("Kennzahl"))

    class Meta:
        # Newest source first; figures without a year last on every database.
        ordering = (models.F("source_year").desc(nulls_last=True), "pk")
        verbose_name = _("Kennzahl")
        verbose_name_plural = _("Kennzahlen")

    def __str__(self):
        return " ".join(part for part in (self.display_value, self.label) if part)

    @property
    def display_value(self):
        """Return the figure as Germans write it, e.g. "bis zu 67,8 Mrd. Euro"."""
        if self.value is None:
            return ""
        number = german_number(Decimal(self.value))
        return " ".join(part for part in (self.qualifier, number, self.unit) if part)
