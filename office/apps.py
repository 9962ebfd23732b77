from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Büro")


class PlenumAdminConfig(admin_apps.AdminConfig):
    default = False  # office's own config stays the default for "office"
    default_site = "office.adminsite.PlenumAdminSite"
