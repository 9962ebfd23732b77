"""The admin site: the dashboard, the second factor required for logins, the editor's catalog."""

from functools import cache, update_wrapper

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from office.admin import notifications, twofactor
from office.publishing import workflow


class PlenumAdminSite(admin.AdminSite):
    site_header = _("Plenum – Pressestelle")
    site_title = _("Plenum")
    index_title = _("Inhalte verwalten")
    login_form = twofactor.LoginForm
    index_template = "admin/plenum_index.html"

    def index(self, request, extra_context=None):
        from events.models import Event
        from releases.models import Release

        dashboard = workflow.dashboard(request.user, (Release, Event))
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})

    def i18n_javascript(self, request, extra_context=None):
        # The rich-text editor's dialogs translate through the admin's catalog.
        catalog = JavaScriptCatalog.as_view(
            packages=["django.contrib.admin", "django_prose_editor"]
        )
        return catalog(request)

    def two_factor(self, request):
        return twofactor.setup_view(self, request)

    def notifications(self, request):
        return notifications.preferences_view(self, request)

    def admin_view(self, view, cacheable=False):
        """Send users who must have a second factor to its setup until they have used one."""
        protected = super().admin_view(view, cacheable)
        if view in (self.logout, self.two_factor, self.i18n_javascript):
            return protected

        def inner(request, *args, **kwargs):
            user = request.user
            if (
                self.has_permission(request)
                and not user.is_verified()
                and twofactor.is_required(user)
            ):
                return redirect("admin:two_factor")
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, protected)

    def get_urls(self):
        extra = [
            path("zwei-faktor/", self.admin_view(self.two_factor), name="two_factor"),
            path(
                "benachrichtigungen/",
                self.admin_view(self.notifications),
                name="notifications",
            ),
        ]
        return extra + super().get_urls()


# Django makes the site on first use, importing this module and so the package,
# whose registrations make it again: both times it must be the same site.
@cache
def plenum_site():
    return PlenumAdminSite()
