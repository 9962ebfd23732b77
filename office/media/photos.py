"""Photos of the library placed in rich text: stored as references, rendered from the library.

A release's text keeps a photo as `<figure data-image="42">`, with a
`<figcaption>` only when this use overrides the library's caption. Alt text,
credit and renditions stay with the library's Image, so they are never copied
into a text, and an image deleted from the library shows nowhere.
"""

import re
from html import escape, unescape
from html.parser import HTMLParser

# The one form a reference is stored in; keep_library_photos() writes nothing else.
PHOTO = re.compile(
    r'<figure data-image="(\d{1,10})">(?:<figcaption>([^<]*)</figcaption>)?</figure>'
)
CANDIDATE = re.compile(r'data-image="(\d{1,10})"')
CAPTION_LENGTH = 300


def photo_id(value) -> int | None:
    """Return the number of a library photo as a text or a request names it, or None."""
    return int(value) if re.fullmatch(r"[0-9]{1,10}", value or "") else None


def photo_ids(htmls) -> list[int]:
    """Return the ids of the library photos that the given rich texts place, in order, once."""
    ids = {}
    for html in htmls:
        for match in PHOTO.finditer(html or ""):
            ids.setdefault(int(match[1]), None)
    return list(ids)


def library_photos(htmls) -> dict:
    """Return {id: Image} of the photos the rich texts place (one query, none without photos)."""
    from office.models import Image

    ids = photo_ids(htmls)
    return Image.objects.in_bulk(ids) if ids else {}


def render_photos(html: str, photos: dict, figure) -> str:
    """Replace each reference with figure(image, caption); one whose image is gone with nothing."""

    def replace(match):
        image = photos.get(int(match[1]))
        return figure(image, unescape(match[2] or "")) if image is not None else ""

    return PHOTO.sub(replace, html)


def keep_library_photos(html: str) -> str:
    """Reduce every <figure> of sanitized HTML to a reference to an existing photo, or nothing.

    Runs after nh3, which has already dropped every <img> and every attribute
    but data-image; this pass drops what nh3 cannot judge: a figure without a
    number, or with the number of no image in the library (one query).
    """
    if "<fig" not in html:
        return html
    from office.models import Image

    candidates = {int(number) for number in CANDIDATE.findall(html)}
    existing = set(Image.objects.filter(pk__in=candidates).values_list("pk", flat=True))
    rewriter = _PhotoFigures(existing)
    rewriter.feed(html)
    rewriter.close()
    return "".join(rewriter.out)


class _PhotoFigures(HTMLParser):
    """Copy sanitized HTML as it is, except figures (canonical or dropped) and loose captions."""

    def __init__(self, existing):
        super().__init__(convert_charrefs=False)
        self.existing = existing
        self.out = []
        self.figure_depth = 0
        self.caption_depth = 0
        self.image_id = None
        self.caption = []

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self.figure_depth += 1
            if self.figure_depth == 1:
                self.image_id = photo_id(dict(attrs).get("data-image"))
                self.caption = []
        elif tag == "figcaption":
            self.caption_depth += 1
        elif not self.figure_depth:
            self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        if not self.figure_depth and tag not in ("figure", "figcaption"):
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self.caption_depth = max(0, self.caption_depth - 1)
            self.caption.append(" ")
        elif tag == "figure" and self.figure_depth:
            self.figure_depth -= 1
            if not self.figure_depth:
                self.out.append(self.reference())
        elif not self.figure_depth:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.text(data)

    def handle_entityref(self, name):
        self.text(f"&{name};")

    def handle_charref(self, name):
        self.text(f"&#{name};")

    def text(self, raw):
        # A caption's text counts only inside its figure; a loose caption keeps its
        # words as plain text, as nh3 keeps those of any tag it drops.
        if not self.figure_depth:
            self.out.append(raw)
        elif self.caption_depth:
            self.caption.append(unescape(raw))

    def reference(self):
        if self.image_id not in self.existing:
            return ""
        caption = " ".join("".join(self.caption).split())[:CAPTION_LENGTH]
        figcaption = f"<figcaption>{escape(caption, quote=False)}</figcaption>" if caption else ""
        return f'<figure data-image="{self.image_id}">{figcaption}</figure>'
