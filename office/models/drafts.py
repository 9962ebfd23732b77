"""What an editor typed into a change form and has not saved yet: the automatic copy."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The object_id of the copy of an add form: the item has no number yet, and
# NULL would make every new copy distinct to a unique constraint.
NEW_ITEM = 0


class Autosave(models.Model):
    """The last automatic copy of one user's change form of one item, or of a new item.

    It holds the form's fields as posted, never touches the item itself, and
    goes when the user saves the item or discards the copy.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Von"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("Art"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("Nummer"), default=NEW_ITEM)
    # [[name, value], ...] in form order: a field may repeat (topics, inlines).
    fields = models.JSONField(_("Felder"), default=list)
    # {field: {value: text}} of the chosen options, for selects that load options on demand.
    labels = models.JSONField(_("Beschriftungen"), default=dict)
    saved_at = models.DateTimeField(_("Gesichert"), default=timezone.now)

    class Meta:
        verbose_name = _("Automatisch gesicherte Fassung")
        verbose_name_plural = _("Automatisch gesicherte Fassungen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_autosave_per_form"
            )
        ]

    def __str__(self):
        return f"{self.content_type} {self.object_id or _('neu')}"
