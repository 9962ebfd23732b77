import datetime

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from events.calendar import calendar_for, subscribed_events, subscription_ical
from events.models import Event
from office.media.cards import card_response
from office.models import Profile
from office.publishing.preview import PreviewMixin, preview_page, search_result, shared_link
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


def live_preview(request, event):
    """Return an unsaved event as its page, search result and shared link, for the admin."""
    # An event being written may have no times yet; its page needs some.
    event.starts_at = event.starts_at or timezone.now()
    if not event.ends_at or event.ends_at < event.starts_at:
        event.ends_at = event.starts_at + datetime.timedelta(hours=1)
    links = event.rows.get(Release.events.through, [])
    event.public_releases = [link.release for link in links if link.release.is_published()]
    when = date_format(timezone.localtime(event.starts_at), "j. F Y")
    text = strip_tags(event.description)
    return {
        "html": preview_page(
            request, "events/event_detail.html", {"event": event, "object": event}
        ),
        "search": search_result(event.title, event.get_absolute_url(), text),
        "share": shared_link(
            event.title,
            text or event.venue_name,
            event.image,
            _("Termin"),
            f"{when} · {event.venue_name}",
        ),
    }


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
