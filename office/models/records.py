"""The publishing workflow's records: the audit trail and shareable preview links."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core import signing
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One step of the publishing workflow: who moved which item where, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Zur Freigabe eingereicht")
        APPROVED = "approved", _("Freigegeben")
        PUBLISHED = "published", _("Ohne Prüfung veröffentlicht")
        REJECTED = "rejected", _("Zurückgegeben")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("Art"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("Nummer"))
    item = GenericForeignKey("content_type", "object_id")
    # Kept as written, so the record still says what it was about after a deletion.
    object_repr = models.CharField(_("Inhalt"), max_length=200)
    action = models.CharField(_("Schritt"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publish_at = models.DateTimeField(_("Veröffentlichen am"), null=True, blank=True)
    comment = models.TextField(_("Anmerkung"), blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Freigabeprotokoll")
        verbose_name_plural = _("Freigabeprotokoll")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_item_idx")
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"


PREVIEW_LINK_SALT = "plenum.preview-link"


def preview_link_expiry():
    return timezone.now() + timedelta(hours=settings.PREVIEW_LINK_HOURS)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def share(self, item, user):
        """Create a link to a release or event; it ends at the latest when the item goes public."""
        expires_at = preview_link_expiry()
        if item.status == item.Status.PUBLISHED:
            expires_at = min(expires_at, item.publish_at)
        return self.create(**{item._meta.model_name: item}, created_by=user, expires_at=expires_at)

    def from_token(self, token: str):
        """Return the link a token names, or None if it was tampered with or is gone (queries)."""
        try:
            pk = int(signing.Signer(salt=PREVIEW_LINK_SALT).unsign(token))
        except (signing.BadSignature, ValueError):
            return None
        return self.select_related("release", "event").filter(pk=pk).first()


class PreviewLink(models.Model):
    """A signed address that shows one unpublished release or event to anyone who holds it."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Gültig")
        EXPIRED = "expired", _("Abgelaufen")
        REVOKED = "revoked", _("Widerrufen")
        PUBLISHED = "published", _("Inzwischen veröffentlicht")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    # Deleting the item deletes its links, so a link never outlives what it shows.
    release = models.ForeignKey(
        "releases.Release",
        verbose_name=_("Pressemitteilung"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("Termin"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Erstellt von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("Gültig bis"),
        default=preview_link_expiry,
        help_text=_("Danach zeigt der Link nichts mehr."),
    )
    revoked_at = models.DateTimeField(_("Widerrufen"), null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ("expires_at", "pk")
        verbose_name = _("Vorschau-Link")
        verbose_name_plural = _("Vorschau-Links")
        constraints = [
            models.CheckConstraint(
                condition=Q(release__isnull=False, event__isnull=True)
                | Q(release__isnull=True, event__isnull=False),
                name="previewlink_one_item",
            )
        ]

    def __str__(self):
        return str(self.item)

    def get_absolute_url(self):
        return reverse("office:preview-link", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        return signing.Signer(salt=PREVIEW_LINK_SALT).sign(str(self.pk))

    @property
    def item(self):
        return self.release or self.event

    def state(self) -> State:
        """Return whether the link still shows its item, and if not, why (the item is loaded)."""
        # A public item is no secret: whoever holds any of its links may be sent there.
        if self.item.is_published():
            return self.State.PUBLISHED
        if self.item.status == self.item.Status.WITHDRAWN:
            return self.State.WITHDRAWN
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE


def end_preview_links(sender, instance, **kwargs):
    """End an item's links when it goes public (or its embargo lifts), for good.

    Receives post_save of releases and events. Without this, a link to an item
    that was published and then withdrawn or turned back into a draft would
    show it again.
    """
    if instance.status == instance.Status.PUBLISHED:
        instance.preview_links.filter(expires_at__gt=instance.publish_at).update(
            expires_at=instance.publish_at
        )
