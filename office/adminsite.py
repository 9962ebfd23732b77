"""The admin site; apart from admin.py, which registers while the lazy site imports this."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog


class PlenumAdminSite(admin.AdminSite):
    site_header = _("Plenum – Pressestelle")
    site_title = _("Plenum")
    index_title = _("Inhalte verwalten")

    def i18n_javascript(self, request, extra_context=None):
        # The rich-text editor's dialogs translate through the admin's catalog.
        catalog = JavaScriptCatalog.as_view(
            packages=["django.contrib.admin", "django_prose_editor"]
        )
        return catalog(request)
