from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """Which workflow e-mails an editor wants; without a row, all of them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    waiting_for_approval = models.BooleanField(
        _("Wenn etwas auf meine Freigabe wartet"),
        default=True,
        help_text=_("Nur für die Freigabe: eine E-Mail, sobald ein Text eingereicht wird."),
    )
    my_texts = models.BooleanField(
        _("Wenn mein Text zurückkommt oder freigegeben wird"),
        default=True,
        help_text=_("Eine E-Mail, wenn die Freigabe Ihren Text zurückgibt oder freigibt."),
    )

    class Meta:
        verbose_name = _("Benachrichtigungen")
        verbose_name_plural = _("Benachrichtigungen")

    def __str__(self):
        return str(self.user)
