"""Editors' authenticator apps for the superuser: who has one, since when, last used."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Imported first so that its English admin of the same table is there to be taken back;
# autodiscover would otherwise register it after this module.
from django_otp.plugins.otp_totp import admin as otp_totp_admin

from office.models import AuthenticatorApp

admin.site.unregister(otp_totp_admin.TOTPDevice)


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(admin.ModelAdmin):
    """See, rename and remove editors' apps; each person sets up their own app.

    django-otp names its fields in English outside gettext, so every label is given
    here. The secret key is never shown: whoever reads it could make the codes.
    """

    list_display = ("app_name", "owner", "confirmed_app", "created", "last_used")
    list_select_related = ("user",)
    search_fields = ("user__username", "name")
    search_help_text = _("Sucht in Benutzername und Bezeichnung.")
    fields = ("owner", "name", "confirmed", "created", "last_used", "failures")
    readonly_fields = ("owner", "created", "last_used", "failures")

    def has_add_permission(self, request):
        # The key is made and shown to the person alone, on "Zwei-Faktor-Anmeldung".
        return False

    def get_form(self, request, obj=None, **kwargs):
        kwargs["labels"] = {"name": _("Bezeichnung"), "confirmed": _("Eingerichtet")}
        kwargs["help_texts"] = {
            "name": _("Frei wählbar, z. B. „Diensthandy“."),
            "confirmed": _(
                "Gesetzt, sobald die Person einen richtigen Anmeldecode der App "
                "eingegeben hat. Ohne Haken fragt die Anmeldung nicht nach dieser App."
            ),
        }
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("Bezeichnung"), ordering="name")
    def app_name(self, app):
        return app.name

    @admin.display(description=_("Benutzer"), ordering="user__username")
    def owner(self, app):
        return app.user

    @admin.display(description=_("Eingerichtet"), boolean=True, ordering="confirmed")
    def confirmed_app(self, app):
        return app.confirmed

    @admin.display(description=_("Angelegt"), ordering="created_at")
    def created(self, app):
        return app.created_at

    @admin.display(description=_("Zuletzt benutzt"), ordering="last_used_at")
    def last_used(self, app):
        return app.last_used_at

    @admin.display(description=_("Falsche Codes in Folge"))
    def failures(self, app):
        return app.throttling_failure_count
