from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from events.calendar import calendar_for, subscribed_events, subscription_ical
from events.models import Event
from office.media.cards import card_response
from office.models import Profile
from office.publishing.preview import PreviewMixin
from releases.models import Release

EVENTS_PER_PAGE = 20


class UpcomingView(ListView):
    template_name = "events/event_upcoming.html"
    paginate_by = EVENTS_PER_PAGE
    page_kwarg = "seite"

    def get_queryset(self):
        return Event.objects.published().upcoming().teasers()


class ArchiveView(ListView):
    template_name = "events/event_archive.html"
    paginate_by = EVENTS_PER_PAGE
    page_kwarg = "seite"

    def get_queryset(self):
        return Event.objects.published().past().teasers()


class EventDetailView(PreviewMixin, DetailView):
    model = Event
    preview_permission = "events.change_event"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("image")
            .prefetch_related(
                "speakers",
                Prefetch(
                    "releases",
                    Release.objects.published().teasers(),
                    to_attr="public_releases",
                ),
            )
        )


def ics_response(ical: bytes, filename):
    response = HttpResponse(ical, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def calendar_ics(request):
    events = subscribed_events()
    name = _("Termine – %(name)s") % {"name": Profile.load().full_name}
    return ics_response(subscription_ical(events, name), "kalender.ics")


def event_ics(request, slug):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    return ics_response(calendar_for([event], event.title).to_ical(), f"{event.slug}.ics")


def social_card(request, slug):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    when = date_format(timezone.localtime(event.starts_at), "j. F Y")
    return card_response(event.title, _("Termin"), f"{when} · {event.venue_name}")
