from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Presseverteiler")

    def ready(self):
        from django.db.models.signals import post_save

        from distribution import invitations, sending

        post_save.connect(
            sending.follow_release, sender="releases.Release", dispatch_uid="distribution-release"
        )
        post_save.connect(
            invitations.follow_event, sender="events.Event", dispatch_uid="distribution-event"
        )
