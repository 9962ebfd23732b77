from django.contrib.syndication.views import Feed
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from events.calendar import event_uid
from events.models import Event
from office.models import Profile
from office.site.feeds import Rss201rev2Feed
from office.site.links import absolute_url

FEED_ITEM_COUNT = 20


class UpcomingEventFeed(Feed):
    """RSS of the next events, soonest first; a cancellation shows in the title."""

    feed_type = Rss201rev2Feed

    def title(self):
        return _("Termine – %(name)s") % {"name": Profile.load().full_name}

    def description(self):
        return _("Die nächsten öffentlichen Termine")

    def link(self):
        return absolute_url(reverse("events:upcoming"))

    def feed_url(self):
        return absolute_url(reverse("events:feed"))

    def items(self):
        return Event.objects.published().upcoming()[:FEED_ITEM_COUNT]

    def item_title(self, item):
        return _("Abgesagt: %(title)s") % {"title": item.title} if item.cancelled else item.title

    def item_description(self, item):
        return render_to_string("events/feed_description.html", {"event": item})

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        return event_uid(item)

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.modified_at
