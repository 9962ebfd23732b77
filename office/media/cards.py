"""Social preview cards: the title on a plain background, for pages without a photo."""

import io
import logging
from contextlib import suppress
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.utils.crypto import salted_hmac
from PIL import Image as PILImage, ImageDraw, ImageFont

from office.media.images import SOCIAL_SIZE

logger = logging.getLogger(__name__)

CARD_VERSION = 1
BACKGROUND = (8, 58, 102)  # the site's header band
TEXT = (255, 255, 255)
ACCENT = (255, 191, 71)  # the site's focus yellow
MARGIN = 80
# Debian's fonts-dejavu-core and fonts-liberation (Chromium pulls in the latter);
# Pillow's own font is the last resort.
FONT_FILES = {
    True: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ],
    False: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ],
}


def font(size: int, bold: bool = False):
    for path in FONT_FILES[bold]:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def wrap(draw, text: str, face, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=face) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def fit_title(draw, title: str, width: int):
    """Return the largest font and lines that fit the title in four lines, cut with … if not."""
    for size in (72, 64, 56, 48):
        face = font(size, bold=True)
        lines = wrap(draw, title, face, width)
        if len(lines) <= 4:
            return face, lines
    lines = lines[:4]
    while draw.textlength(f"{lines[-1]} …", font=face) > width and " " in lines[-1]:
        lines[-1] = lines[-1].rsplit(" ", 1)[0]
    lines[-1] += " …"
    return face, lines


def render_card(title: str, kicker: str, footer: str) -> bytes:
    card = PILImage.new("RGB", SOCIAL_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(card)
    width = SOCIAL_SIZE[0] - 2 * MARGIN
    draw.rectangle((0, SOCIAL_SIZE[1] - 16, SOCIAL_SIZE[0], SOCIAL_SIZE[1]), fill=ACCENT)
    draw.text((MARGIN, MARGIN), kicker.upper(), font=font(30, bold=True), fill=ACCENT)
    face, lines = fit_title(draw, title, width)
    line_height = round(face.size * 1.2)
    top = MARGIN + 70
    for number, line in enumerate(lines):
        draw.text((MARGIN, top + number * line_height), line, font=face, fill=TEXT)
    draw.text((MARGIN, SOCIAL_SIZE[1] - MARGIN - 36), footer, font=font(34), fill=TEXT)
    buffer = io.BytesIO()
    card.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def card_response(title: str, kicker: str, footer: str) -> HttpResponse:
    """Return the card as PNG, drawn once per text and kept in the media storage."""
    text = f"{CARD_VERSION}\n{title}\n{kicker}\n{footer}"
    digest = salted_hmac("plenum.card", text, algorithm="sha256").hexdigest()
    name = f"karten/{digest[:32]}.png"
    try:
        if default_storage.exists(name):
            with default_storage.open(name) as stored:
                return HttpResponse(stored.read(), content_type="image/png")
    except OSError:
        # The media storage is away: drawn again, which costs time, not the card.
        logger.warning("Media storage unreachable; drawing card %s without it", name)
        return HttpResponse(render_card(title, kicker, footer), content_type="image/png")
    content = render_card(title, kicker, footer)
    with suppress(OSError):
        default_storage.save(name, ContentFile(content))
    return HttpResponse(content, content_type="image/png")
