from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Büro")

    def ready(self):
        from office.cache import content_changed

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(content_changed, dispatch_uid=f"page-cache-{signal}")


class PlenumAdminConfig(admin_apps.AdminConfig):
    default = False  # office's own config stays the default for "office"
    default_site = "office.adminsite.PlenumAdminSite"
