"""The e-mail of a mailing: one text per release, with each recipient's own unsubscribe link."""

import email.policy
import re
import secrets
import unicodedata
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from office.models import Profile
from office.publishing.workflow import berlin_minute
from office.site.links import absolute_url
from releases.models import Release

PHOTO_SALT = "distribution.photo"
# Press photos sent ahead of publication are links that stop working this long
# after the embargo's end; the public page has them from then on.
PHOTO_LINK_DAYS = 7


def one_line(text: str) -> str:
    """Return text as one line for a header: breaks and control characters become spaces."""
    cleaned = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(cleaned.split())


def photo_link(release, image, valid_until):
    token = signing.TimestampSigner(salt=PHOTO_SALT).sign_object(
        {"release": release.pk, "image": image.pk, "until": int(valid_until.timestamp())}
    )
    return absolute_url(reverse("distribution:photo", kwargs={"token": token}))


def read_photo_link(token):
    """Return (release id, image id) of a valid photo link, or None."""
    try:
        data = signing.TimestampSigner(salt=PHOTO_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if timezone.now().timestamp() > data["until"]:
        return None
    return data["release"], data["image"]


class _PlainText(HTMLParser):
    """Sanitized rich text as a plain-text e-mail reads it: paragraphs, dashes, link addresses."""

    BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "table", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n– ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self.links and (href := self.links.pop()):
            self.parts.append(f" <{href}>")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


class ListMessage(EmailMultiAlternatives):
    """An e-mail whose List-Unsubscribe stays one plain line on the wire.

    Python's e-mail API folds a header longer than 78 characters, and folds a
    URL without spaces into RFC 2047 encoded words, which Gmail and Outlook do
    not read as an unsubscribe address. Set raw under a policy that never
    refolds raw values, the header goes out as written; it is ASCII, well
    below the 998 characters a line may have.
    """

    def __init__(self, *args, unsubscribe_url, **kwargs):
        super().__init__(*args, **kwargs)
        self.unsubscribe_url = unsubscribe_url

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy.clone(refold_source="none"))
        msg.set_raw("List-Unsubscribe", f"<{self.unsubscribe_url}>")
        msg.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        return msg


def message_id(delivery_pk: int) -> str:
    """Return the delivery's Message-ID: the same on every attempt.

    Should a copy go out twice (a worker killed between the server's acceptance
    and the database's record of it), mail clients that collapse equal
    Message-IDs (Gmail among them) show it once.
    """
    return f"<presseverteiler.{delivery_pk}@{urlsplit(settings.SITE_URL).hostname}>"


class Composer:
    """Render a mailing's release once; `message(delivery)` then adds the recipient's parts."""

    def __init__(self, mailing):
        release = (
            Release.objects.with_details()
            .with_press_kit()
            .select_related("category")
            .get(pk=mailing.release_id)
        )
        profile = Profile.load()
        ahead = mailing.mode == mailing.Mode.AHEAD and release.publish_at > timezone.now()
        embargo = berlin_minute(release.publish_at) if ahead else ""
        photos = [release.hero_image] if release.hero_image else []
        photos += [link.image for link in release.gallery if link.image not in photos]
        if ahead:
            until = release.publish_at + timedelta(days=PHOTO_LINK_DAYS)
            links = [photo_link(release, image, until) for image in photos]
            photos_until = berlin_minute(until)
        else:
            links = [
                absolute_url(reverse("releases:photo", args=[release.slug, image.pk]))
                for image in photos
            ]
            photos_until = ""
        title = one_line(release.title)
        self.subject = (
            _("SPERRFRIST: %(when)s Uhr – %(title)s") % {"when": embargo, "title": title}
            if ahead
            else title
        )
        # Rendered once: the recipient's own links (settings, unsubscribe) are the
        # only parts of the text that differ, and each takes the place of a random mark.
        self.marks = {name: secrets.token_hex(16) for name in ("settings_url", "unsubscribe_url")}
        context = {
            "release": release,
            "title": title,
            "profile": profile,
            "embargo": embargo,
            "photos": list(zip(photos, links, strict=True)),
            "photos_until": photos_until,
            "page_url": absolute_url(release.get_absolute_url()),
            "body_text": plain_text(release.body),
            **self.marks,
        }
        self.text = render_to_string("distribution/release_mail.txt", context)
        self.html = render_to_string("distribution/release_mail.html", context)
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.reply_to = [profile.press_contact_email] if profile.press_contact_email else []

    def message(self, delivery):
        contact = delivery.contact
        links = {
            "settings_url": absolute_url(contact.get_absolute_url()),
            "unsubscribe_url": absolute_url(
                reverse("distribution:unsubscribe", kwargs={"token": contact.token})
            ),
        }
        text, html = self.text, self.html
        for name, mark in self.marks.items():
            text = text.replace(mark, links[name])
            html = html.replace(mark, escape(links[name]))
        message = ListMessage(
            subject=self.subject,
            body=text,
            from_email=self.from_email,
            to=[contact.email],
            reply_to=self.reply_to,
            headers={"Message-ID": message_id(delivery.pk)},
            unsubscribe_url=links["unsubscribe_url"],
        )
        message.attach_alternative(html, "text/html")
        return message
