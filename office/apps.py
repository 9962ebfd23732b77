from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models import IntegerField
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _

# Their models hold what editors type; control characters are dropped from it.
CONTENT_APPS = ("office", "releases", "events")


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Büro")

    def ready(self):
        from office.media.richtext import drop_control_characters
        from office.models import (
            AuditEntry,
            Image,
            LegalPage,
            Person,
            Profile,
            Quote,
            Statistic,
            end_preview_links,
        )
        from office.publishing import cache, notifications
        from office.site.security import IntegerIn

        IntegerField.register_lookup(IntegerIn)

        cache.watch(Profile, Person, Quote, Statistic, Image, LegalPage)
        post_save.connect(notifications.entry_saved, sender=AuditEntry, dispatch_uid="notify")
        for model in ("releases.Release", "events.Event"):
            post_save.connect(end_preview_links, sender=model, dispatch_uid=f"preview-{model}")
        for app_label in CONTENT_APPS:
            for model in self.apps.get_app_config(app_label).get_models():
                pre_save.connect(drop_control_characters, sender=model)


class PlenumAdminConfig(admin_apps.AdminConfig):
    default = False  # office's own config stays the default for "office"
    default_site = "office.admin.site.plenum_site"
