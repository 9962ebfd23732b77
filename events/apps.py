from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Kalender")

    def ready(self):
        from events.models import Event, events_showing
        from office import publishing
        from office.publishing import cache, workflow

        cache.watch(Event, Event.speakers.through)
        publishing.schedule(Event.objects.next_publication)
        publishing.schedule(Event.objects.next_end)
        workflow.register(Event, events_showing)
