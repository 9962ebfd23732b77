from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = _("Presse")

    def ready(self):
        from office import publishing
        from office.publishing import cache, workflow
        from releases import models, sitemaps

        cache.watch(
            models.Release,
            models.Category,
            models.Topic,
            models.ReleaseQuote,
            models.ReleaseStatistic,
            models.ReleaseImage,
            models.ReleaseAttachment,
            models.Release.topics.through,
            models.Release.events.through,
        )
        publishing.schedule(models.Release.objects.next_publication)
        workflow.register(models.Release, models.releases_showing)
        publishing.schedule(sitemaps.next_news_exit)
