"""Move a WordPress site in: posts, photos, categories, tags, feed identities and old links."""

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from office.media.documents import validate_document
from office.media.images import validate_image_file
from office.media.richtext import CONTROL_CHARACTERS
from office.media.validators import RESERVED_SLUGS, german_slug
from office.models import Image, LegalPage, Profile
from office.publishing.revisions import html_to_text
from releases.models import (
    Category,
    OldAddress,
    Release,
    ReleaseAttachment,
    ReleaseImage,
    Topic,
)
from releases.wordpress import (
    UPLOADS,
    Content,
    ExportError,
    Site,
    link_path,
    plain_text,
    read_export,
    shorten,
)

PROGRESS_EVERY = 100
ADDRESS_BATCH = 500
IMAGE_EXTENSIONS = {"jpg", "jpeg", "jpe", "png", "gif", "webp", "heic", "heif"}
DOCUMENT_EXTENSIONS = {"pdf", "docx"}
# What WordPress keeps for itself; nothing a reader saw as content.
INTERNAL_TYPES = {
    "revision",
    "nav_menu_item",
    "custom_css",
    "customize_changeset",
    "oembed_cache",
    "user_request",
    "wp_block",
    "wp_template",
    "wp_template_part",
    "wp_global_styles",
    "wp_navigation",
    "wp_font_family",
    "wp_font_face",
}
STATUSES = {
    "publish": Release.Status.PUBLISHED,
    "future": Release.Status.PUBLISHED,
    "draft": Release.Status.DRAFT,
    "pending": Release.Status.REVIEW,
    "private": Release.Status.DRAFT,
}
# Plugins and themes keep a photo credit under one of these.
IPTC_CREDIT = re.compile(r's:6:"credit";s:\d+:"([^"]*)";')
CREDIT_KEYS = ("_credit_text", "credit", "_media_credit", "media_credit", "_wp_attachment_credit")
DEFAULT_CATEGORY = ("allgemein", "Allgemein")
# --map-page profil=ueber-mich: the page's text becomes the profile's biography.
PROFILE_PAGE = "profil"

KINDS = {
    "release": gettext_lazy("Pressemitteilungen"),
    "image": gettext_lazy("Bilder"),
    "attachment": gettext_lazy("Anhänge"),
    "gallery": gettext_lazy("Galeriebilder"),
    "category": gettext_lazy("Kategorien"),
    "topic": gettext_lazy("Themen"),
    "page": gettext_lazy("Seiten"),
    "address": gettext_lazy("Alte Adressen (Weiterleitungen)"),
    "other": gettext_lazy("Sonstige Einträge"),
}
OUTCOMES = {
    "created": gettext_lazy("neu"),
    "updated": gettext_lazy("aktualisiert"),
    "unchanged": gettext_lazy("unverändert"),
    "skipped": gettext_lazy("übersprungen"),
}


class Report:
    """What the import did, counted per kind and outcome, with a line for each exception."""

    def __init__(self):
        self.counts = defaultdict(Counter)
        self.content = Counter()
        self.lines = []
        self.site = ""

    def count(self, kind, outcome):
        self.counts[kind][outcome] += 1

    def skip(self, kind, line):
        self.count(kind, "skipped")
        self.lines.append(line)

    def render(self, dry_run):
        out = [self.site]
        if dry_run:
            out.append(_("Probelauf: Es wurde nichts gespeichert."))
        out.append("")
        for kind, label in KINDS.items():
            counts = self.counts.get(kind)
            if counts:
                parts = [f"{counts[o]} {word}" for o, word in OUTCOMES.items() if counts[o]]
                out.append(f"{label}: {', '.join(parts)}")
        if self.content:
            out += ["", _("Inhalte:")]
            out += [f"  {content_label(key)}: {n}" for key, n in sorted(self.content.items())]
        if self.lines:
            out += ["", _("Hinweise:")]
            out += [f"  – {line}" for line in self.lines]
        return "\n".join(out)


def content_label(key):
    kind, _sep, name = key.partition(":")
    if kind == "shortcode":
        actions = {
            "caption": _("Bild in die Galerie, sonst die Bildunterschrift als Text"),
            "wp_caption": _("Bild in die Galerie, sonst die Bildunterschrift als Text"),
            "gallery": _("Bilder in die Galerie"),
            "embed": _("als Link übernommen"),
        }
        action = actions.get(name, _("entfernt, Text behalten"))
        return _("Shortcode [%(name)s] (%(action)s)") % {"name": name, "action": action}
    if kind == "embedded":
        return _("Eingebettete Inhalte entfernt (%(tag)s)") % {"tag": name}
    return {
        "image:gallery": _("Bilder aus dem Text in die Galerie übernommen"),
        "image:unknown": _("Bilder im Text ohne übernommene Datei entfernt"),
        "link:rewritten": _("Links auf die alte Website umgeschrieben"),
    }.get(key, key)


def parse_date(gmt, local):
    """Return the post's time: its UTC value, or its local one for drafts that have none."""
    for value, zone in ((gmt, UTC), (local, timezone.get_current_timezone())):
        if value and not value.startswith("0000"):
            try:
                return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
            except ValueError:
                continue
    return None


def changed_values(obj, values):
    return {name: value for name, value in values.items() if getattr(obj, name) != value}


class Importer:
    """One import, run inside the transaction the command opens."""

    def __init__(self, path, uploads=None, pages=None, progress=None):
        self.path = path
        self.uploads = Path(uploads).resolve() if uploads else None
        self.pages = pages or {}
        self.progress = progress
        self.report = Report()
        self.written = []  # callables removing the files written, should the import roll back
        self.authors = {}
        self.categories = {}  # WordPress nicename -> its data
        self.tags = {}
        self.posts = {}  # post id -> (link, post_name, title, WordPress status)
        self.slugs = {}
        self.category_objects = {}
        self.topic_objects = {}
        self.users = {}
        self.images = {}  # attachment id -> Image pk
        self.releases = {}  # post id -> Release pk
        self.thumbnails = {}  # Release pk -> attachment id
        self.galleries = {}  # Release pk -> [(attachment id, caption)]
        self.documents = []
        self.addresses = {}  # old path -> OldAddress fields

    def run(self):
        self.index()
        self.plan()
        self.load()
        self.link_up()
        self.save_addresses()

    def remove_files(self):
        for remove in self.written:
            remove()

    def tick(self, count, total):
        if self.progress is not None and count % PROGRESS_EVERY == 0:
            self.progress.write(
                _("… %(count)s von %(total)s Einträgen") % {"count": count, "total": total}
            )

    # First reading: what is where

    def index(self):
        self.site = None
        for kind, data in read_export(self.path):
            if kind == "site":
                self.site = Site(data)
                self.report.site = _("Umzug von WordPress: „%(title)s“ (WXR %(version)s)") % {
                    "title": plain_text(data.get("title")),
                    "version": data.get("wp:wxr_version", "").strip(),
                }
            elif kind == "wp:author":
                self.authors[data.get("wp:author_login", "")] = data
            elif kind == "wp:category":
                self.categories[unquote(data.get("wp:category_nicename", ""))] = data
            elif kind == "wp:tag":
                self.tags[unquote(data.get("wp:tag_slug", ""))] = data
            else:
                self.index_item(data)
        self.total = len(self.posts) + len(self.site.attachments)

    def index_item(self, data):
        number = post_id(data)
        kind = data.get("wp:post_type")
        if kind == "attachment":
            self.site.attachments.add(number)
            path = self.upload_path(data)
            if path:
                self.site.upload_ids[path] = number
            parent = data.get("wp:post_parent", "").strip()
            extension = PurePosixPath(path or "").suffix.lower().lstrip(".")
            if parent.isdigit() and extension in IMAGE_EXTENSIONS:
                self.site.children.setdefault(int(parent), []).append(number)
        elif kind == "post" and data.get("wp:status") in STATUSES:
            # Only what the plan needs; the text is read again in the second pass.
            self.posts[number] = (
                data.get("link", ""),
                unquote(data.get("wp:post_name", "")),
                plain_text(data.get("title")),
                data.get("wp:status"),
            )

    def upload_path(self, data):
        url = data.get("wp:attachment_url") or data.get("guid", "")
        path = self.site.upload_path(url)
        if path is None and UPLOADS in urlsplit(url).path:
            path = unquote(urlsplit(url).path)
        return path

    # Between the readings: slugs, categories and topics, the old addresses of posts

    def plan(self):
        existing = dict(
            Release.objects.filter(wordpress_id__isnull=False).values_list("wordpress_id", "slug")
        )
        taken = set(Release.objects.values_list("slug", flat=True))
        prefix = urlsplit(self.site.info.get("wp:base_blog_url", "")).path.rstrip("/")
        for number, (link, post_name, title, status) in self.posts.items():
            slug = existing.get(number) or self.unique_slug(post_name, title, number, taken)
            self.slugs[number] = slug
            url = reverse("releases:detail", kwargs={"slug": slug})
            if status != "publish":
                # Links in other texts must not name an unpublished release's address
                # (a draft's slug is its title): they keep the old address on this
                # site, which redirects once the release is public.
                url = f"/?p={number}"
            for path in (link_path(link), f"/?p={number}"):
                if path != "/":
                    self.site.paths[path] = url
        for nicename in self.categories:
            category = self.category(nicename)
            url, feed = category.get_absolute_url(), category_feed(category)
            for path in {self.category_path(nicename), nicename}:
                self.site.paths[f"{prefix}/category/{path}/"] = url
                self.site.paths[f"{prefix}/category/{path}/feed/"] = feed
            term_id = self.categories[nicename].get("wp:term_id", "").strip()
            if term_id:
                self.site.paths[f"/?cat={term_id}"] = url
        for tag in self.tags:
            topic = self.topic(tag)
            url = topic.get_absolute_url()
            self.site.paths[f"{prefix}/tag/{tag}/"] = url
            self.site.paths[f"{prefix}/tag/{tag}/feed/"] = reverse(
                "releases:topic_feed", kwargs={"slug": topic.slug}
            )
            self.site.paths[f"/?tag={tag}"] = url
        rss, atom = reverse("releases:feed"), reverse("releases:atom")
        for path, url in {
            f"{prefix}/feed/": rss,
            f"{prefix}/feed/rss2/": rss,
            f"{prefix}/feed/rss/": rss,
            f"{prefix}/feed/atom/": atom,
            "/?feed=rss2": rss,
            "/?feed=rss": rss,
            "/?feed=atom": atom,
        }.items():
            self.site.paths[path] = url
        # Posts get theirs when written, by id: their redirect checks the status at request time.
        posts = {link_path(link) for link, *_ in self.posts.values()}
        for path, url in self.site.paths.items():
            if path not in posts and not path.startswith("/?p="):
                self.addresses[path] = {"target": url}

    def unique_slug(self, post_name, title, number, taken):
        base = (german_slug(post_name) or german_slug(title) or f"beitrag-{number}")[:190]
        base = base.strip("-") or f"beitrag-{number}"
        slug, n = base, 1
        while slug in taken or slug in RESERVED_SLUGS or slug.isdigit():
            n += 1
            slug = f"{base}-{n}"
        if slug != base and german_slug(post_name) == base:
            self.report.lines.append(
                _("Beitrag %(id)s: Kurzform „%(old)s“ war vergeben, jetzt „%(new)s“.")
                % {"id": number, "old": base, "new": slug}
            )
        taken.add(slug)
        return slug

    def category_path(self, nicename):
        """Return "politik/landtag" for a nested category, as WordPress's addresses have it."""
        path = [nicename]
        while True:
            parent = unquote(self.categories[path[0]].get("wp:category_parent", "").strip())
            if not parent or parent not in self.categories or parent in path:
                return "/".join(path)
            path.insert(0, parent)

    def category(self, nicename, name=""):
        if nicename not in self.category_objects:
            data = self.categories.get(nicename, {})
            name = plain_text(data.get("wp:cat_name")) or plain_text(name) or nicename
            slug = german_slug(nicename) or german_slug(name) or DEFAULT_CATEGORY[0]
            description = plain_text(data.get("wp:category_description"))
            self.category_objects[nicename] = self.sync_term(
                Category, "category", slug, {"name": shorten(name, 100)}, description=description
            )
        return self.category_objects[nicename]

    def topic(self, tag, name=""):
        if tag not in self.topic_objects:
            name = plain_text(self.tags.get(tag, {}).get("wp:tag_name")) or plain_text(name) or tag
            slug = german_slug(tag) or german_slug(name)
            self.topic_objects[tag] = self.sync_term(
                Topic, "topic", slug[:100], {"name": shorten(name, 100)}
            )
        return self.topic_objects[tag]

    def sync_term(self, model, kind, slug, values, description=""):
        term = model.objects.filter(slug=slug[:100]).first()
        if term is None:
            if description:
                values["description"] = description
            self.report.count(kind, "created")
            return model.objects.create(slug=slug[:100], **values)
        if changed := changed_values(term, values):
            for name, value in changed.items():
                setattr(term, name, value)
            term.save()
            self.report.count(kind, "updated")
        else:
            self.report.count(kind, "unchanged")
        return term

    # Second reading: everything written

    def load(self):
        count = 0
        unknown = Counter()
        internal = 0
        for kind, data in read_export(self.path):
            if kind != "item":
                continue
            post_type = data.get("wp:post_type", "")
            if post_type == "post":
                self.post(data)
            elif post_type == "attachment":
                self.attachment(data)
            elif post_type == "page":
                self.page(data)
            elif post_type in INTERNAL_TYPES:
                internal += 1
                continue
            else:
                unknown[post_type] += 1
                continue
            count += 1
            self.tick(count, self.total)
        if internal:
            self.report.counts["other"]["skipped"] += internal
            self.report.lines.append(
                ngettext(
                    "%(n)s interner Eintrag von WordPress (Menü, Revision, Vorlage) übergangen.",
                    "%(n)s interne Einträge von WordPress (Menüs, Revisionen, Vorlagen) "
                    "übergangen.",
                    internal,
                )
                % {"n": internal}
            )
        for post_type, n in sorted(unknown.items()):
            self.report.counts["other"]["skipped"] += n
            self.report.lines.append(
                ngettext(
                    "%(n)s Eintrag des unbekannten Typs „%(type)s“ nicht übernommen.",
                    "%(n)s Einträge des unbekannten Typs „%(type)s“ nicht übernommen.",
                    n,
                )
                % {"n": n, "type": post_type}
            )

    def post(self, data):
        number = post_id(data)
        raw_status = data.get("wp:status", "")
        title = plain_text(data.get("title"))
        label = _("Beitrag %(id)s „%(title)s“") % {"id": number, "title": shorten(title, 60)}
        if raw_status not in STATUSES:
            reasons = {"trash": _("im Papierkorb"), "auto-draft": _("automatischer Entwurf")}
            reason = reasons.get(raw_status, _("Status „%s“") % raw_status)
            self.report.skip(
                "release",
                _("%(label)s: %(reason)s – nicht übernommen.") % {"label": label, "reason": reason},
            )
            return
        status = STATUSES[raw_status]
        if data.get("wp:post_password", "").strip():
            status = Release.Status.DRAFT
            self.report.lines.append(
                _("%s: passwortgeschützt – als Entwurf übernommen, nicht öffentlich.") % label
            )
        elif raw_status == "private":
            self.report.lines.append(
                _("%s: privat – als Entwurf übernommen, nicht öffentlich.") % label
            )
        if len(title) > Release._meta.get_field("title").max_length:
            title = shorten(title, Release._meta.get_field("title").max_length)
            self.report.lines.append(_("%s: Titel gekürzt.") % label)
        content = Content(self.site, number)
        body = CONTROL_CHARACTERS.sub("", content.convert(data.get("content:encoded")))
        self.report.content.update(content.notes)
        lead = plain_text(data.get("excerpt:encoded")) or first_paragraph(body)
        categories = [n for domain, n, _text in data["categories"] if domain == "category"]
        names = {n: text for _domain, n, text in data["categories"]}
        tags = [n for domain, n, _text in data["categories"] if domain == "post_tag"]
        category = (
            self.category(categories[0], names[categories[0]])
            if categories
            else self.default_category()
        )
        topics = [self.topic(tag, names[tag]) for tag in tags]
        # A post in several categories: the first is its category, the others its topics.
        topics += [self.extra_topic(n, names[n]) for n in categories[1:]]
        author, byline = self.author(data.get("dc:creator", ""))
        publish_at = parse_date(data.get("wp:post_date_gmt"), data.get("wp:post_date"))
        values = {
            "title": title or _("(ohne Titel)"),
            "lead": lead,
            "body": body,
            "category_id": category.pk,
            "status": status,
            "author_id": author,
            "byline": byline,
            "feed_guid": data.get("guid", "").strip()[:500],
        }
        if status != Release.Status.PUBLISHED:
            # Only a decision to publish gives a release its time (the Freigabe's, in the admin).
            values["publish_at"] = None
        elif publish_at is not None:
            # Without a date a new release is published now, an old one keeps its time.
            values["publish_at"] = publish_at
        thumbnail = data["meta"].get("_thumbnail_id", "").strip()
        thumbnail = int(thumbnail) if thumbnail.isdigit() else None
        if thumbnail in self.images:
            values["hero_image_id"] = self.images[thumbnail]
        release = Release.objects.filter(wordpress_id=number).first()
        if release is None:
            release = Release.objects.create(slug=self.slugs[number], wordpress_id=number, **values)
            release.topics.set(topics)
            self.report.count("release", "created")
        else:
            changed = changed_values(release, values)
            for name, value in changed.items():
                setattr(release, name, value)
            if changed:
                release.save()
            old_topics = set(release.topics.values_list("pk", flat=True))
            if old_topics != {topic.pk for topic in topics}:
                release.topics.set(topics)
                changed = True
            self.report.count("release", "updated" if changed else "unchanged")
        self.releases[number] = release.pk
        if thumbnail is not None and thumbnail not in self.images:
            self.thumbnails[release.pk] = thumbnail
        if content.images:
            self.galleries[release.pk] = content.images
        for path in (link_path(data.get("link", "")), f"/?p={number}"):
            if path != "/":
                self.addresses[path] = {"release_id": release.pk}

    def default_category(self):
        if None not in self.category_objects:
            slug, name = DEFAULT_CATEGORY
            self.category_objects[None] = self.sync_term(Category, "category", slug, {"name": name})
        return self.category_objects[None]

    def extra_topic(self, nicename, name):
        key = ("category", nicename)
        if key not in self.topic_objects:
            name = plain_text(self.categories.get(nicename, {}).get("wp:cat_name")) or name
            self.topic_objects[key] = self.topic(nicename, name)
        return self.topic_objects[key]

    def author(self, login):
        """Return (user id or None, name to keep) for a WordPress login."""
        if login not in self.users:
            data = self.authors.get(login, {})
            email = data.get("wp:author_email", "").strip()
            users = get_user_model().objects
            user = users.filter(username=login).first() if login else None
            if user is None and email:
                user = users.filter(email__iexact=email).first()
            name = plain_text(data.get("wp:author_display_name")) or login
            self.users[login] = (user.pk, "") if user else (None, shorten(name, 200))
        return self.users[login]

    def attachment(self, data):
        number = post_id(data)
        url = data.get("wp:attachment_url") or data.get("guid", "")
        relative = data["meta"].get("_wp_attached_file", "").strip()
        if not relative and UPLOADS in url:
            relative = unquote(urlsplit(url).path.split(UPLOADS, 1)[1])
        extension = PurePosixPath(relative).suffix.lower().lstrip(".")
        label = _("Datei %(id)s „%(name)s“") % {"id": number, "name": relative or url}
        old_path = self.upload_path(data)
        if extension in DOCUMENT_EXTENSIONS:
            parent = data.get("wp:post_parent", "0").strip()
            self.documents.append(
                (number, relative, plain_text(data.get("title")), int(parent or 0), old_path, label)
            )
            return
        if extension not in IMAGE_EXTENSIONS:
            self.report.skip(
                "attachment",
                _("%(label)s: Dateityp „.%(ext)s“ wird nicht übernommen.")
                % {"label": label, "ext": extension},
            )
            return
        alt_text = plain_text(data["meta"].get("_wp_attachment_image_alt"))
        values = {
            "alt_text": shorten(alt_text or plain_text(data.get("title")) or relative, 300),
            "caption": shorten(plain_text(data.get("excerpt:encoded")), 300),
            "credit": shorten(credit(data["meta"]), 200),
        }
        image = Image.objects.filter(wordpress_id=number).first()
        if image is None:
            file_path = self.resolve(relative, label, "image")
            if file_path is None:
                return
            with open(file_path, "rb") as handle:
                file = File(handle, name=file_path.name)
                try:
                    validate_image_file(file)
                except ValidationError as error:
                    self.report.skip("image", f"{label}: {' '.join(error.messages)}")
                    return
                image = Image(file=file, wordpress_id=number, **values)
                image.save()
            self.written.append(image.delete_files)
            self.report.count("image", "created")
            if not alt_text:
                self.report.lines.append(
                    _("%s: ohne Alternativtext; der Titel steht dort, bitte prüfen.") % label
                )
        elif changed := changed_values(image, values):
            for name, value in changed.items():
                setattr(image, name, value)
            image.save()
            self.report.count("image", "updated")
        else:
            self.report.count("image", "unchanged")
        self.images[number] = image.pk
        if old_path:
            self.addresses[old_path] = {"image_id": image.pk}

    def resolve(self, relative, label, kind):
        """Return the file's path inside the uploads folder, or None with a report line."""
        if self.uploads is None:
            self.report.skip(kind, _("%s: kein Upload-Ordner angegeben (--uploads).") % label)
            return None
        path = (self.uploads / relative).resolve()
        if not relative or not path.is_relative_to(self.uploads):
            self.report.skip(kind, _("%s: Pfad außerhalb des Upload-Ordners.") % label)
            return None
        if not path.is_file():
            self.report.skip(kind, _("%s: Datei fehlt im Upload-Ordner.") % label)
            return None
        return path

    def page(self, data):
        name = unquote(data.get("wp:post_name", ""))
        title = plain_text(data.get("title"))
        path = link_path(data.get("link", ""))
        legal = self.pages.get(name)
        if legal is None or data.get("wp:status") != "publish":
            self.report.skip(
                "page",
                _("Seite „%(title)s“ (%(path)s) nicht übernommen.")
                % {"title": title, "path": path},
            )
            return
        content = Content(self.site)
        body = content.convert(data.get("content:encoded"))
        self.report.content.update(content.notes)
        if legal == PROFILE_PAGE:
            page, field = Profile.objects.first(), "biography"
            if page is None:
                self.report.skip(
                    "page",
                    _("Seite „%s“: Es gibt noch kein Profil; bitte zuerst das Profil anlegen.")
                    % title,
                )
                return
        else:
            page, field = LegalPage.objects.filter(slug=legal).first(), "body"
        if page is None:
            page = LegalPage.objects.create(slug=legal, body=body)
            self.report.count("page", "created")
        elif getattr(page, field) != body:
            setattr(page, field, body)
            page.save()
            self.report.count("page", "updated")
        else:
            self.report.count("page", "unchanged")
        url = page.get_absolute_url()
        for old in (path, f"/?page_id={post_id(data)}"):
            if old not in ("/", url):
                self.addresses[old] = {"target": url}

    # After the second reading: what refers to what

    def link_up(self):
        for release_pk, thumbnail in self.thumbnails.items():
            if thumbnail not in self.images:
                self.report.lines.append(
                    _("Beitragsbild %(id)s fehlt; die Meldung hat kein Aufmacherbild.")
                    % {"id": thumbnail}
                )
                continue
            release = Release.objects.get(pk=release_pk)
            if release.hero_image_id != self.images[thumbnail]:
                release.hero_image_id = self.images[thumbnail]
                release.save()
        for release_pk, entries in self.galleries.items():
            self.gallery(release_pk, entries)
        for document in self.documents:
            self.document(*document)

    def gallery(self, release_pk, entries):
        hero = Release.objects.filter(pk=release_pk).values_list("hero_image", flat=True)[0]
        existing = {item.image_id: item for item in ReleaseImage.objects.filter(release=release_pk)}
        order = len(existing)
        for attachment, caption in entries:
            image = self.images.get(attachment)
            if image is None or image == hero:
                continue
            caption = shorten(caption, 300)
            item = existing.get(image)
            if item is None:
                order += 1
                existing[image] = ReleaseImage.objects.create(
                    release_id=release_pk, image_id=image, caption=caption, order=order
                )
                self.report.count("gallery", "created")
            elif caption and item.caption != caption:
                item.caption = caption
                item.save()
                self.report.count("gallery", "updated")
            else:
                self.report.count("gallery", "unchanged")

    def document(self, number, relative, title, parent, old_path, label):
        release = self.releases.get(parent)
        if release is None:
            self.report.skip("attachment", _("%s: gehört zu keinem übernommenen Beitrag.") % label)
            return
        title = shorten(title or PurePosixPath(relative).stem, 200)
        attachment = ReleaseAttachment.objects.filter(wordpress_id=number).first()
        if attachment is None:
            file_path = self.resolve(relative, label, "attachment")
            if file_path is None:
                return
            with open(file_path, "rb") as handle:
                file = File(handle, name=file_path.name)
                try:
                    validate_document(file)
                except ValidationError as error:
                    self.report.skip("attachment", f"{label}: {' '.join(error.messages)}")
                    return
                attachment = ReleaseAttachment(
                    release_id=release, file=file, title=title, wordpress_id=number
                )
                attachment.save()
            name, storage = attachment.file.name, attachment.file.storage
            self.written.append(lambda: storage.delete(name))
            self.report.count("attachment", "created")
        elif changed := changed_values(attachment, {"title": title, "release_id": release}):
            for key, value in changed.items():
                setattr(attachment, key, value)
            attachment.save()
            self.report.count("attachment", "updated")
        else:
            self.report.count("attachment", "unchanged")
        if old_path:
            self.addresses[old_path] = {"attachment_id": attachment.pk}

    def save_addresses(self):
        limit = OldAddress._meta.get_field("path").max_length
        fields = ("release_id", "attachment_id", "image_id", "target")
        # Rows as tuples and new ones written in batches: thousands of model
        # instances held at once were most of the import's memory.
        existing = {
            row[0]: row[1:] for row in OldAddress.objects.values_list("path", "pk", *fields)
        }
        new = []
        for path, target in self.addresses.items():
            if len(path) > limit:
                self.report.skip("address", _("Adresse zu lang: %s") % shorten(path, 80))
                continue
            values = {"release_id": None, "attachment_id": None, "image_id": None, "target": ""}
            values.update(target)
            row = existing.get(path)
            if row is None:
                new.append(OldAddress(path=path, **values))
                self.report.count("address", "created")
                if len(new) == ADDRESS_BATCH:
                    OldAddress.objects.bulk_create(new)
                    new = []
            elif row[1:] != tuple(values[name] for name in fields):
                OldAddress.objects.filter(pk=row[0]).update(**values)
                self.report.count("address", "updated")
            else:
                self.report.count("address", "unchanged")
        OldAddress.objects.bulk_create(new)


def post_id(data):
    value = data.get("wp:post_id", "").strip()
    return int(value) if value.isdigit() else 0


def category_feed(category):
    return reverse("releases:category_feed", kwargs={"slug": category.slug})


def credit(meta):
    """Return a photo credit from a plugin's field, or the IPTC credit WordPress read on upload."""
    for key in CREDIT_KEYS:
        if value := plain_text(meta.get(key)):
            return value
    # PHP-serialized: ...s:6:"credit";s:3:"dpa";...
    match = IPTC_CREDIT.search(meta.get("_wp_attachment_metadata", ""))
    return plain_text(match.group(1)) if match else ""


def first_paragraph(body):
    return next(iter(html_to_text(body).splitlines()), "")


class Command(BaseCommand):
    help = (
        "Übernimmt eine WordPress-Exportdatei (WXR): Beiträge als Pressemitteilungen, Bilder, "
        "PDF-Anhänge, Kategorien, Schlagwörter und die alten Adressen als Weiterleitungen."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help=_("Die Exportdatei aus WordPress (XML)."))
        parser.add_argument("--uploads", help=_("Der kopierte Ordner wp-content/uploads."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Alles prüfen und berichten, nichts speichern."),
        )
        parser.add_argument(
            "--map-page",
            action="append",
            default=[],
            metavar="SEITE=KURZFORM",
            help=_(
                "Eine WordPress-Seite als Rechtstext oder Lebenslauf übernehmen, z. B. "
                "datenschutz=datenschutzerklaerung oder profil=ueber-mich."
            ),
        )

    def handle(self, *args, **options):
        pages = {}
        for mapping in options["map_page"]:
            legal, _sep, wordpress_slug = mapping.partition("=")
            choices = [*LegalPage.Slug.values, PROFILE_PAGE]
            if legal not in choices or not wordpress_slug:
                raise CommandError(
                    _("--map-page erwartet SEITE=KURZFORM mit SEITE aus: %s") % ", ".join(choices)
                )
            pages[wordpress_slug] = legal
        uploads = options["uploads"]
        if uploads and not Path(uploads).is_dir():
            raise CommandError(_("Der Upload-Ordner %s existiert nicht.") % uploads)
        importer = Importer(options["export"], uploads, pages, progress=self.stderr)
        try:
            # One transaction: the page cache learns of the import once, at its commit.
            with transaction.atomic():
                importer.run()
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except ExportError as error:
            importer.remove_files()
            raise CommandError(str(error)) from error
        except Exception as error:
            importer.remove_files()
            message = _("Der Import ist abgebrochen; es wurde nichts übernommen. Ursache: %s")
            raise CommandError(message % error) from error
        except BaseException:
            importer.remove_files()
            raise
        if options["dry_run"]:
            importer.remove_files()
        self.stdout.write(importer.report.render(options["dry_run"]))
