"""Reading a WordPress export (WXR 1.1 and 1.2) and turning its HTML into Plenum's."""

import html
import re
from collections import Counter
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _, gettext_lazy

from office.media.richtext import CONTROL_CHARACTERS, sanitize_html
from releases.redirects import QUERY_KEYS, RESIZED

WXR_PREFIX = "http://wordpress.org/export/"
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}


class ExportError(Exception):
    """The export cannot be read; the message says why, in German."""


def short_name(tag):
    """Return "wp:post_id" for "{http://wordpress.org/export/1.2/}post_id", and so on."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith(WXR_PREFIX):
        prefix = "excerpt" if uri.rstrip("/").endswith("excerpt") else "wp"
    else:
        prefix = PREFIXES.get(uri, "other")
    return f"{prefix}:{local}"


def element_dict(element):
    """Return an element's children as {name: text}, with categories and post meta collected."""
    data = {"categories": [], "meta": {}}
    for child in element:
        name = short_name(child.tag)
        if name == "category":
            data["categories"].append(
                (child.get("domain", ""), unquote(child.get("nicename", "")), child.text or "")
            )
        elif name == "wp:postmeta":
            fields = {short_name(part.tag): part.text or "" for part in child}
            data["meta"][fields.get("wp:meta_key", "")] = fields.get("wp:meta_value", "")
        elif name != "wp:comment":
            data[name] = child.text or ""
    return data


def read_export(path):
    """Yield (kind, data) for the channel's entries in file order, holding one item at a time.

    Kinds: "site" (the channel's own fields, once, before the first item),
    "wp:author", "wp:category", "wp:tag" and "item". Raise ExportError for
    anything but a well-formed WordPress export without entity declarations.
    """
    site = {}
    site_sent = False
    depth = 0
    channel = None
    try:
        with open(path, "rb") as file:
            # WordPress writes no DOCTYPE; one is refused, and with it every entity.
            events = iterparse(file, events=("start", "end"), forbid_dtd=True)
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 2 and short_name(element.tag) == "channel":
                        channel = element
                    continue
                depth -= 1
                if depth != 2 or channel is None:
                    continue
                name = short_name(element.tag)
                if name in ("item", "wp:author", "wp:category", "wp:tag"):
                    if not site_sent:
                        if "wp:wxr_version" not in site:
                            raise ExportError(str(NOT_WXR))
                        yield "site", site
                        site_sent = True
                    yield name, element_dict(element)
                elif not site_sent:
                    site[name] = element.text or ""
                # Each entry is handled once read, so the tree never holds more than one.
                channel.clear()
    except DefusedXmlException as error:
        raise ExportError(str(FORBIDDEN_XML)) from error
    except ParseError as error:
        line = getattr(error, "position", (0, 0))[0]
        raise ExportError(str(BROKEN_XML) % {"line": line}) from error
    except OSError as error:
        message = _("Die Exportdatei %s lässt sich nicht öffnen.") % path
        raise ExportError(message) from error
    if not site_sent:
        if "wp:wxr_version" not in site:
            raise ExportError(str(NOT_WXR))
        yield "site", site


NOT_WXR = gettext_lazy(
    "Die Datei ist keine WordPress-Exportdatei (WXR). Bitte in WordPress unter "
    "„Werkzeuge → Daten exportieren“ eine Datei mit allen Inhalten erstellen."
)
FORBIDDEN_XML = gettext_lazy(
    "Die Exportdatei enthält eine Dokumenttyp-Deklaration (DOCTYPE), etwa mit Entitäten "
    "oder Verweisen auf externe Dateien. "
    "WordPress schreibt so etwas nicht; aus Sicherheitsgründen wird sie nicht gelesen."
)
BROKEN_XML = gettext_lazy(
    "Die Exportdatei ist beschädigt oder unvollständig (Fehler in Zeile %(line)s). "
    "Es wurde nichts übernommen; bitte den Export in WordPress neu erstellen."
)


# Text


def plain_text(value):
    """Return markup-free, entity-decoded text on one line."""
    text = re.sub(r"<[^>]*>", " ", value or "")
    return " ".join(CONTROL_CHARACTERS.sub("", html.unescape(text)).split())


def shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Content

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
# Third-party content (privacy) and active content: dropped with what they hold.
# Each element's content ends at the next opening of its kind, so an export with
# thousands of unclosed tags is read once, not once per tag.
EMBEDDED = re.compile(
    r"<(iframe|script|style|object|video|audio|noscript|form)\b[^>]*>(?:(?!<\1\b).)*?</\1\s*>"
    r"|<(iframe|script|embed|object|video|audio|form)\b[^>]*>",
    re.S | re.I,
)
SHORTCODE = re.compile(r"\[([a-zA-Z][\w-]*)(\s[^\]]*?)?/?\]")
CLOSING = re.compile(r"\[/([a-zA-Z][\w-]*)\]")
# Shortcodes of WordPress itself, recognised even without attributes.
CORE_SHORTCODES = {"caption", "wp_caption", "gallery", "embed", "audio", "video", "playlist"}
FIGURE = re.compile(r"<figure\b([^>]*)>((?:(?!<figure\b).)*?)</figure\s*>", re.S | re.I)
FIGCAPTION = re.compile(
    r"<figcaption\b[^>]*>((?:(?!<figcaption\b).)*?)</figcaption\s*>", re.S | re.I
)
IMG = re.compile(r"<img\b[^>]*>", re.I)
BLOCK_START = re.compile(
    r"<(?:/|p\b|h[1-6]\b|ul\b|ol\b|li\b|blockquote\b|table\b|thead\b|tbody\b|tr\b|t[dh]\b|"
    r"div\b|figure\b|pre\b|hr\b|dl\b|dd\b|dt\b)",
    re.I,
)
BLOCK_SPACE = re.compile(
    r"\s*(</?(?:p|h[1-6]|ul|ol|li|blockquote|table|thead|tbody|tr|td|th|br)\b[^>]*>)\s*", re.I
)
EMPTY_LINK = re.compile(r"<a\b[^>]*>\s*</a\s*>", re.I)
HREF = re.compile(r'href="([^"]*)"')
UPLOADS = "/wp-content/uploads/"


def attribute(attributes, name):
    match = re.search(rf"\b{name}\s*=\s*([\"'])(.*?)\1", attributes or "", re.S | re.I)
    return html.unescape(match.group(2)) if match else ""


class Content:
    """Convert one post's HTML: what it refers to is collected, what it drops is counted."""

    def __init__(self, site, post=0):
        self.site = site
        self.post = post
        self.notes = Counter()
        self.images = []  # (attachment id, caption) in order of appearance

    def convert(self, raw):
        text = (raw or "").replace("\r\n", "\n")
        is_blocks = bool(BLOCK_COMMENT.search(text))
        text = BLOCK_COMMENT.sub("", text)
        text = EMBEDDED.sub(self.embedded, text)
        text = self.shortcodes(text)
        text = FIGURE.sub(self.figure, text)
        text = IMG.sub(self.loose_image, text)
        # A link that held only an image (to its full size) holds nothing now.
        text = EMPTY_LINK.sub("", text)
        if not is_blocks:
            text = paragraphs(text)
        # The editor has headings of levels 2 to 4 only.
        text = re.sub(r"<(/?)h1\b", r"<\1h2", text, flags=re.I)
        text = re.sub(r"<(/?)h[56]\b", r"<\1h4", text, flags=re.I)
        text = re.sub(r"</?div\b[^>]*>", "\n", text, flags=re.I)
        # Line breaks around blocks are no content; the editor would not keep them either.
        text = BLOCK_SPACE.sub(r"\1", text)
        body = sanitize_html(text)
        return HREF.sub(self.link, body)

    def embedded(self, match):
        self.notes[f"embedded:{(match.group(1) or match.group(2)).lower()}"] += 1
        return ""

    def shortcodes(self, text):
        """Replace each shortcode, with what it encloses up to its closing tag, if it has one."""
        # Looked up with find(), not a lazy regex: a text with thousands of
        # bracketed words would otherwise be scanned to its end for each.
        closed = set(CLOSING.findall(text))
        out, position = [], 0
        while match := SHORTCODE.search(text, position):
            name, end, inner = match.group(1), match.end(), None
            if name in closed and (close := text.find(f"[/{name}]", end)) != -1:
                inner, end = text[match.end() : close], close + len(name) + 3
            out += [text[position : match.start()], self.shortcode(match, inner)]
            position = end
        return "".join([*out, text[position:]])

    def shortcode(self, match, inner):
        name, attributes = match.group(1).lower(), match.group(2) or ""
        # Words in brackets, such as [sic] or [die Landesregierung], are text:
        # a shortcode is WordPress's own, has name="value" attributes or a closing tag.
        if name not in CORE_SHORTCODES and "=" not in attributes and inner is None:
            return match.group(0)
        self.notes[f"shortcode:{name}"] += 1
        if name in ("caption", "wp_caption"):
            caption = attribute(attributes, "caption")
            images = IMG.findall(inner or "")
            caption = caption or plain_text(IMG.sub("", inner or ""))
            if images and self.image(images[0], caption) is not None:
                return ""
            return f"<p>{html.escape(caption)}</p>" if caption else ""
        if name == "gallery":
            # Without ids, WordPress shows the images uploaded to the post.
            ids = re.findall(r"\d+", attribute(attributes, "ids"))
            for number in ids or self.site.children.get(self.post, []):
                self.add_image(int(number), "")
            return ""
        if name == "embed":
            return self.embed_link((inner or "").strip())
        if inner is None:
            return ""
        return self.shortcodes(inner)  # unknown: its text stays

    def embed_link(self, url):
        if not re.match(r"https?://", url):
            return ""
        url = html.escape(url)
        return f'<p><a href="{url}">{url}</a></p>'

    def figure(self, match):
        attributes, inner = match.group(1), match.group(2)
        caption_match = FIGCAPTION.search(inner)
        caption = plain_text(caption_match.group(1)) if caption_match else ""
        inner = FIGCAPTION.sub("", inner)
        if "wp-block-embed" in attributes:
            self.notes["embedded:embed"] += 1
            return self.embed_link(plain_text(inner))
        images = IMG.findall(inner)
        if images:
            if self.image(images[0], caption) is not None:
                return ""
            return f"<p>{html.escape(caption)}</p>" if caption else ""
        return inner + (f"<p>{html.escape(caption)}</p>" if caption else "")

    def loose_image(self, match):
        # The editor has no images in the text: a known one goes to the gallery.
        self.image(match.group(0), "")
        return ""

    def image(self, tag, caption):
        """Note the upload an <img> shows for the gallery; return its id, or None if unknown."""
        number = re.search(r"wp-image-(\d+)", attribute(tag, "class"))
        if number and int(number.group(1)) in self.site.attachments:
            attachment = int(number.group(1))
        else:
            attachment = self.site.upload_ids.get(self.site.upload_path(attribute(tag, "src")))
        if attachment is None:
            self.notes["image:unknown"] += 1
            return None
        self.add_image(attachment, caption)
        return attachment

    def add_image(self, attachment, caption):
        self.notes["image:gallery"] += 1
        self.images.append((attachment, caption))

    def link(self, match):
        href = html.unescape(match.group(1))
        new = self.site.new_address(href)
        if new is None or new == href:
            return match.group(0)
        self.notes["link:rewritten"] += 1
        return f'href="{html.escape(new)}"'


def paragraphs(text):
    """Wrap blank-line separated text in <p>, as WordPress's wpautop does for classic content."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        if not block:
            continue
        if BLOCK_START.match(block):
            out.append(block)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>", block) + "</p>")
    return "".join(out)


def link_path(url):
    """Return the decoded path of a URL, with /?p=ID kept as the address WordPress answers."""
    parts = urlsplit(url or "")
    path = unquote(parts.path) or "/"
    if path == "/" and parts.query:
        for key in QUERY_KEYS:
            match = re.search(rf"(?:^|&){key}=([^&]+)", parts.query)
            if match:
                return f"/?{key}={unquote(match.group(1))}"
    return path


class Site:
    """What the first reading of an export learned: its hosts, uploads and old addresses."""

    def __init__(self, info):
        self.info = info
        self.hosts = {
            host.removeprefix("www.")
            for key in ("wp:base_site_url", "wp:base_blog_url", "link")
            if (host := urlsplit(info.get(key, "")).hostname)
        }
        self.attachments = set()
        self.upload_ids = {}  # old path of an upload -> attachment id
        self.children = {}  # post id -> ids of the images uploaded to it
        self.paths = {}  # old path of a post, category or tag -> its Plenum address

    def is_own(self, parts):
        return parts.scheme in ("http", "https", "") and (
            (parts.hostname or "").removeprefix("www.") in self.hosts
            if parts.netloc
            else parts.path.startswith("/")
        )

    def upload_path(self, url):
        """Return the old path of an upload URL, without WordPress's size suffix, or None."""
        parts = urlsplit(url or "")
        if not self.is_own(parts) or UPLOADS not in parts.path:
            return None
        return RESIZED.sub(r"\1", unquote(parts.path))

    def new_address(self, href):
        """Return the Plenum address of a link to the old site, or None for any other link."""
        parts = urlsplit(href)
        if not self.is_own(parts):
            return None
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        path = link_path(href)
        for candidate in (path, path.rstrip("/"), f"{path}/"):
            if candidate in self.paths:
                return self.paths[candidate] + fragment
        if UPLOADS in path:
            # The old path on this site: its redirect knows where the file is now.
            return path
        return None
