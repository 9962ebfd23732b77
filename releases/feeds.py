import copy
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Enclosure
from django.utils.html import escape
from django.utils.translation import gettext as _

from office.media.photos import library_photos
from office.models import Profile
from office.site.feeds import Atom1Feed, Rss201rev2Feed
from office.site.links import absolute_url
from office.site.seo import logo_url
from releases.archive import by_slug
from releases.models import Category, Release, Topic, text_prefetches

FEED_ITEM_COUNT = 20


class FullTextRssFeed(Rss201rev2Feed):
    """RSS 2.0 as newsroom tools read it: full text, creator, publisher and a logo."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
        }

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("dc:publisher", self.feed["publisher"])
        handler.startElement("image", {})
        handler.addQuickElement("url", self.feed["logo"])
        handler.addQuickElement("title", self.feed["title"])
        handler.addQuickElement("link", self.feed["link"])
        handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("dc:creator", item["creator"])
        handler.addQuickElement("content:encoded", item["content_html"])


class FullTextAtomFeed(Atom1Feed):
    """Atom 1.0 with the lead as summary, the whole release as content, and a logo."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("logo", self.feed["logo"])
        handler.addQuickElement("icon", self.feed["logo"])

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class ReleaseFeed(Feed):
    feed_type = FullTextRssFeed

    def __call__(self, request, *args, **kwargs):
        # The instance is shared by all requests; a per-request copy carries the
        # profile so title, author and every item's quotes cost one query.
        feed = copy.copy(self)
        feed.profile = Profile.load()
        return feed.respond(request, *args, **kwargs)

    def respond(self, request, *args, **kwargs):
        return super().__call__(request, *args, **kwargs)

    def feed_extra_kwargs(self, obj):
        return {"publisher": self.profile.full_name, "logo": logo_url()}

    def title(self, obj=None):
        return _("Pressemitteilungen – %(name)s") % {"name": self.profile.full_name}

    def description(self, obj=None):
        return _("Neue Pressemitteilungen von %(name)s") % {"name": self.profile.full_name}

    def author_name(self, obj=None):
        return self.profile.full_name

    def author_link(self, obj=None):
        return absolute_url(reverse("office:profile"))

    def link(self, obj=None):
        return absolute_url(reverse("releases:list"))

    def feed_url(self, obj=None):
        return absolute_url(reverse("releases:feed"))

    def filter(self, releases, obj):
        return releases

    def items(self, obj=None):
        """Return the feed's releases, each with its full text rendered once for RSS, Atom, JSON.

        The photos placed in their texts are fetched together, in one query.
        """
        public = Release.objects.published().select_related("category", "hero_image")
        topics = Prefetch("topics", to_attr="topic_list")
        public = public.prefetch_related(topics, *text_prefetches())
        releases = list(self.filter(public, obj)[:FEED_ITEM_COUNT])
        photos = library_photos(release.body for release in releases)
        for release in releases:
            release.full_text = render_to_string(
                "releases/feed_content.html",
                {
                    "release": release,
                    "photos": photos,
                    "profile": self.profile,
                    "site_url": settings.SITE_URL,
                },
            )
        return releases

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # RSS description and Atom summary are HTML to feed readers; the lead is text.
        return escape(item.lead)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        # An imported release keeps the GUID of the site it came from, so readers
        # who followed that feed do not see it again as new.
        if item.feed_guid:
            return item.feed_guid
        # A tag URI from the primary key: readers must not see a release twice
        # because its slug was edited.
        host = urlsplit(settings.SITE_URL).hostname
        return f"tag:{host},{item.created_at:%Y-%m-%d}:pressemitteilung:{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_categories(self, item):
        return [item.category.name, *(topic.name for topic in item.topic_list)]

    def item_enclosures(self, item):
        image = item.hero_image
        if image is None:
            return []
        return [Enclosure(absolute_url(image.file.url), str(image.file_size or 0), image.mime_type)]

    def item_content_html(self, item):
        # Feed readers get the whole release as the page shows it, quotes and figures included.
        return item.full_text

    def item_extra_kwargs(self, item):
        return {"content_html": self.item_content_html(item), "creator": self.profile.full_name}


class ReleaseJsonFeed(ReleaseFeed):
    """JSON Feed 1.1 (jsonfeed.org) with the same items as RSS and Atom."""

    def feed_url(self, obj=None):
        return absolute_url(reverse("releases:json"))

    def respond(self, request, *args, **kwargs):
        obj = self.get_object(request, *args, **kwargs)
        items = list(self.items(obj))
        author = {"name": self.author_name(obj), "url": self.author_link(obj)}
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.title(obj),
            "home_page_url": self.link(obj),
            "feed_url": self.feed_url(obj),
            "description": self.description(obj),
            "icon": logo_url(),
            "language": settings.LANGUAGE_CODE,
            "authors": [author],
            "items": [self.json_item(item, author) for item in items],
        }
        return JsonResponse(
            feed, content_type="application/feed+json", json_dumps_params={"ensure_ascii": False}
        )

    def json_item(self, item, author):
        entry = {
            "id": self.item_guid(item),
            "url": self.item_link(item),
            "title": item.title,
            "summary": item.lead,
            "content_html": self.item_content_html(item),
            "date_published": item.publish_at.isoformat(),
            "date_modified": item.modified_at.isoformat(),
            "tags": self.item_categories(item),
            "authors": [author],
            "language": settings.LANGUAGE_CODE,
        }
        if item.hero_image:
            entry["image"] = absolute_url(item.hero_image.file.url)
        return entry


class ReleaseAtomFeed(ReleaseFeed):
    feed_type = FullTextAtomFeed
    subtitle = ReleaseFeed.description

    def feed_url(self, obj=None):
        return absolute_url(reverse("releases:atom"))


class CategoryFeed(ReleaseFeed):
    def get_object(self, request, slug):
        return by_slug(Category, slug)

    def title(self, obj):
        return f"{super().title()}: {obj.name}"

    def link(self, obj):
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute_url(reverse("releases:category_feed", kwargs={"slug": obj.slug}))

    def filter(self, releases, obj):
        return releases.filter(category=obj)


class TopicFeed(CategoryFeed):
    def get_object(self, request, slug):
        return by_slug(Topic, slug)

    def feed_url(self, obj):
        return absolute_url(reverse("releases:topic_feed", kwargs={"slug": obj.slug}))

    def filter(self, releases, obj):
        return releases.filter(topics=obj)
