"""What search engines, social networks and link previews read: OpenGraph and JSON-LD."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from office.site.links import absolute_url

DESCRIPTION_WORDS = 45
# What a search result shows before it cuts (Google's is some 600 pixels of
# title and 920 of description): the press desk counts against these.
SEARCH_TITLE_CHARS = 70
SEARCH_DESCRIPTION_CHARS = 160


def logo_url() -> str:
    return absolute_url(static("img/logo.png"))


def summary(text: str) -> str:
    return Truncator(" ".join(strip_tags(text).split())).words(DESCRIPTION_WORDS, truncate=" …")


def person(profile) -> dict:
    data = {
        "@type": "Person",
        "name": profile.full_name,
        "url": absolute_url(reverse("office:profile")),
    }
    if profile.role:
        data["jobTitle"] = profile.role
    if profile.party:
        data["affiliation"] = {"@type": "PoliticalParty", "name": profile.party}
    if profile.parliament:
        data["memberOf"] = {"@type": "GovernmentOrganization", "name": profile.parliament}
    if profile.portrait:
        data["image"] = absolute_url(profile.portrait.file.url)
    return data


def breadcrumbs(*trail) -> dict:
    """Return a BreadcrumbList from the home page through (name, path) pairs."""
    items = [(_("Startseite"), reverse("office:home")), *trail]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute_url(path)}
            for n, (name, path) in enumerate(items, start=1)
        ],
    }


def social_image(image, card_path: str) -> dict:
    """Return the 1200 × 630 crop of a page's photo, or its generated title card."""
    if image is None:
        return {"url": absolute_url(card_path), "width": 1200, "height": 630, "alt": ""}
    url, width, height = image.social()
    return {"url": absolute_url(url), "width": width, "height": height, "alt": image.alt_text}


def release_metadata(release, profile) -> dict:
    """Return the social tags and structured data of a release page."""
    url = absolute_url(release.get_absolute_url())
    image = absolute_url(release.hero_image.file.url) if release.hero_image else None
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.title,
        "description": summary(release.lead),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": release.publish_at.isoformat(),
        "dateModified": release.modified_at.isoformat(),
        "inLanguage": "de",
        "articleSection": release.category.name,
        "keywords": [topic.name for topic in release.topics.all()],
        "author": person(profile),
        "publisher": {**person(profile), "logo": {"@type": "ImageObject", "url": logo_url()}},
        "image": [image or logo_url()],
    }
    return {
        "social": {
            "type": "article",
            "title": release.title,
            "description": summary(release.lead),
            "image": social_image(
                release.hero_image, reverse("releases:card", kwargs={"slug": release.slug})
            ),
            "published": release.publish_at,
            "modified": release.modified_at,
            "section": release.category.name,
        },
        "structured_data": [
            article,
            breadcrumbs(
                (_("Pressemitteilungen"), reverse("releases:list")),
                (release.title, release.get_absolute_url()),
            ),
        ],
    }


def event_metadata(event, profile) -> dict:
    """Return the social tags and structured data of an event page."""
    image = absolute_url(event.image.file.url) if event.image else None
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": absolute_url(event.get_absolute_url()),
        "startDate": (event.local_start_date if event.all_day else event.starts_at).isoformat(),
        "endDate": (event.local_end_date if event.all_day else event.ends_at).isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if event.cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": event.venue_name,
            "address": ", ".join(event.venue_address.splitlines()) or event.venue_name,
        },
        "organizer": {"@type": "Organization", "name": event.organizer}
        if event.organizer
        else person(profile),
        "performer": [{"@type": "Person", "name": p.name} for p in event.speakers.all()],
        "inLanguage": "de",
    }
    if description := summary(event.description):
        data["description"] = description
    if image:
        data["image"] = [image]
    return {
        "social": {
            "type": "website",
            "title": event.title,
            "description": summary(event.description) or event.venue_name,
            "image": social_image(event.image, reverse("events:card", kwargs={"slug": event.slug})),
        },
        "structured_data": [
            data,
            breadcrumbs(
                (_("Termine"), reverse("events:upcoming")),
                (event.title, event.get_absolute_url()),
            ),
        ],
    }


def profile_metadata(profile) -> dict:
    return {
        "social": {"type": "profile", "title": profile.full_name},
        "structured_data": [
            {"@context": "https://schema.org", **person(profile)},
            breadcrumbs((_("Über mich"), reverse("office:profile"))),
        ],
    }
