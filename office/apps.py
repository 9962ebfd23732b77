from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Büro")

    def ready(self):
        from office import per_request
        from office.cache import CONTENT_APPS, watch_content
        from office.models import end_preview_links
        from office.richtext import drop_control_characters

        watch_content()
        request_started.connect(per_request.start, dispatch_uid="per-request")
        request_finished.connect(per_request.end, dispatch_uid="per-request")
        for model in ("releases.Release", "events.Event"):
            post_save.connect(end_preview_links, sender=model, dispatch_uid=f"preview-{model}")
        for app_label in CONTENT_APPS:
            for model in self.apps.get_app_config(app_label).get_models():
                pre_save.connect(drop_control_characters, sender=model)


class PlenumAdminConfig(admin_apps.AdminConfig):
    default = False  # office's own config stays the default for "office"
    default_site = "office.adminsite.PlenumAdminSite"
