"""Editors' sign-in: their authenticator apps under German names in the admin."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class AuthenticatorApp(TOTPDevice):
    """django-otp's TOTP device, whose names and help texts are English and outside gettext."""

    class Meta:
        proxy = True
        verbose_name = _("Authenticator-App")
        verbose_name_plural = _("Authenticator-Apps")
