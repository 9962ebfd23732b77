"""Photos: uploads judged by their content, metadata stripped, renditions for readers.

One module despite its length: it is one capability, what a photo may carry.

Every upload is opened and fully decoded by Pillow before anything is stored;
the stored original is a clean copy (orientation applied; EXIF, XMP, IPTC,
PNG text, comments, thumbnails and appended pictures removed; only the colour
profile kept), so the press download carries no location either. Renditions
are made once when an image is saved and live beside the original under names
derived from it, so pages only build URLs.
"""

import hashlib
import io
import math
import warnings
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image as PILImage, ImageFile, ImageOps, features
from pillow_heif import register_heif_opener

# iPhones send HEIC; Pillow reads it through pillow-heif, and it is stored as
# JPEG, because browsers and press systems do not show HEIC.
register_heif_opener()

# MPO is how Pillow names a phone's JPEG with a depth map or second picture appended.
FORMATS = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "HEIF": "jpg",
}
MAX_PIXELS = 40_000_000
WIDTHS = (480, 800, 1200, 1600)
SOCIAL_SIZE = (1200, 630)
SQUARE_SIZE = 112  # the 56 px portrait in the header, sharp on a 2x screen
# Bump to regenerate every rendition on the next save, e.g. after a change of quality.
RENDITION_VERSION = 1
QUALITY = {"avif": 55, "webp": 78, "jpg": 80}
MIME_TYPES = {
    "avif": "image/avif",
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
}
# How a PDF names a stored file: the one kind of address its fetcher reads (releases/pdf.py).
MEDIA_SCHEME = "plenum-media:"

NOT_AN_IMAGE = _(
    "Die Datei ist kein Bild. Erlaubt sind Fotos und Grafiken als JPEG, PNG, WebP, GIF oder "
    "HEIC (iPhone), keine SVG-, PDF-, HTML- oder ZIP-Dateien."
)
WRONG_FORMAT = _(
    "Bilder im Format %(format)s werden nicht angenommen. "
    "Erlaubt sind JPEG, PNG, WebP, GIF und HEIC."
)
TOO_MANY_PIXELS = _(
    "Das Bild hat zu viele Pixel (höchstens %(megapixels)d Megapixel). "
    "Bitte eine verkleinerte Fassung hochladen."
)
UNREADABLE = _(
    "Die Datei ist beschädigt oder unvollständig und lässt sich nicht als Bild lesen. "
    "Bitte das Bild neu exportieren und noch einmal hochladen."
)
TOO_LARGE = _("Die Datei ist %(size)s MB groß; erlaubt sind höchstens %(limit)s MB.")


def megabytes(size: int) -> str:
    # Rounded up, so a file just above the limit never reads as the limit itself.
    tenths = math.ceil(size * 10 / 2**20)
    return f"{tenths / 10:.1f}".replace(".", ",").removesuffix(",0")


def check_size(file) -> None:
    """Refuse a file above the configured byte limit before anything reads it."""
    limit = settings.UPLOAD_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            TOO_LARGE,
            code="too_large",
            params={"size": megabytes(file.size), "limit": megabytes(limit)},
        )


def validate_image_file(file) -> None:
    """Refuse anything but a JPEG, PNG, WebP, GIF or HEIC that Pillow fully decodes, and bombs."""
    if getattr(file, "_committed", False):
        return  # the stored file, checked when it was uploaded
    check_size(file)
    file.seek(0)
    # WeasyPrint switches this on for the whole process when it is imported;
    # a truncated upload must still be refused.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        # A declared size above Pillow's own limit is an error, not a warning.
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(file) as image:
                if image.format not in FORMATS:
                    raise ValidationError(
                        WRONG_FORMAT, code="format", params={"format": image.format}
                    )
                # An animated GIF is kept whole, so all its frames count.
                frames = image.n_frames if image.format == "GIF" else 1
                if image.width * image.height * frames > MAX_PIXELS:
                    raise ValidationError(
                        TOO_MANY_PIXELS,
                        code="pixels",
                        params={"megapixels": MAX_PIXELS // 1_000_000},
                    )
                image.load()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
        raise ValidationError(
            TOO_MANY_PIXELS, code="pixels", params={"megapixels": MAX_PIXELS // 1_000_000}
        ) from error
    except PILImage.UnidentifiedImageError as error:
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as error:
        # RuntimeError: pillow-heif's answer to a damaged HEIC (e.g. its own size limit).
        raise ValidationError(UNREADABLE, code="unreadable") from error
    finally:
        file.seek(0)


class PhotoFormField(forms.ImageField):
    """Judge the content before Django's own check, so every refusal says why."""

    def to_python(self, data):
        file = forms.FileField.to_python(self, data)
        if file is None:
            return None
        validate_image_file(file)
        return super().to_python(data)


class PhotoField(models.ImageField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})


# Clean originals


# Segments a decoder needs (JFIF, colour profile, Adobe colour transform); all
# other application segments (EXIF, XMP, IPTC, MPF, maker notes) and comments go.
JPEG_KEEP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
# Frame headers, tables, restart interval and scans: the compressed picture itself.
JPEG_PICTURE = {*range(0xC0, 0xD0), 0xDA, 0xDB, 0xDC, 0xDD} - {0xC8}
# The payload of a chunk of a colour profile, as a marker segment's length allows.
ICC_CHUNK = 65519


def colour_profile(data: bytes | None) -> bytes | None:
    """Return an ICC profile cut to the size its header states, or None if it is none.

    Bytes behind that size are no colour, only room for anything.
    """
    size = int.from_bytes((data or b"")[:4], "big")
    if not data or data[36:40] != b"acsp" or not 128 <= size <= len(data):
        return None
    return data[:size]


def icc_segments(profile: bytes) -> bytes:
    """Return the APP2 segments of a colour profile as Pillow read it, cut to its stated size."""
    profile = colour_profile(profile) or b""
    chunks = [profile[start : start + ICC_CHUNK] for start in range(0, len(profile), ICC_CHUNK)]
    if not profile or len(chunks) > 255:
        return b""
    return b"".join(
        b"\xff\xe2"
        + (len(chunk) + 16).to_bytes(2, "big")
        + b"ICC_PROFILE\x00"
        + bytes([number, len(chunks)])
        + chunk
        for number, chunk in enumerate(chunks, 1)
    )


def entropy_end(data: bytes, position: int) -> int:
    """Return where a scan's compressed data ends: the next marker but a stuffed byte or restart."""
    while True:
        position = data.index(b"\xff", position)
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position += 2
        elif following == 0xFF:  # fill bytes before a marker
            position += 1
        else:
            return position


def strip_jpeg(data: bytes, icc_profile: bytes | None = None) -> bytes:
    """Return the first picture of a JPEG without metadata, its compressed pixels untouched.

    Only the segments a decoder needs are copied, before, between and after the
    scans; the kept ones are rebuilt to their defined content, so nothing rides
    along behind it. The colour profile is written anew from icc_profile, as read by Pillow.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(data[:2])
    position = 2
    while True:
        if data[position] != 0xFF:
            raise ValueError("not a marker")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            # The end of the first picture: what a phone appends after it is cut off.
            out += b"\xff\xd9"
            return bytes(out)
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segment = data[position : position + 2 + length]
        if length < 2 or len(segment) != 2 + length:
            raise ValueError("truncated segment")
        position += 2 + length
        payload = segment[4:]
        if marker in JPEG_PICTURE:
            out += segment
        elif marker == 0xE0 and payload.startswith(JPEG_KEEP[0xE0]) and len(payload) >= 12:
            # A JFIF thumbnail is another, perhaps uncropped, picture: only the header stays.
            out += b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00"
        elif marker == 0xEE and payload.startswith(JPEG_KEEP[0xEE]) and len(payload) >= 12:
            out += b"\xff\xee\x00\x0e" + payload[:12]
        elif marker == 0xE2 and payload.startswith(JPEG_KEEP[0xE2]) and icc_profile:
            out += icc_segments(icc_profile)
            icc_profile = None  # written once, in place of the first chunk
        if marker == 0xDA:
            end = entropy_end(data, position)
            out += data[position:end]
            position = end


# What a picture needs to look as it did; the rest of what Pillow reads is metadata.
PICTURE_INFO = ("icc_profile", "transparency")


def picture_only(image: PILImage.Image) -> PILImage.Image:
    """Drop what Pillow read besides colour, as its writers carry some of it (comments) along."""
    image.load()
    image.info = {key: image.info[key] for key in PICTURE_INFO if key in image.info}
    profile = colour_profile(image.info.pop("icc_profile", None))
    if profile:
        image.info["icc_profile"] = profile
    return image


def reencode(image: PILImage.Image, extension: str) -> bytes:
    """Save image again without any metadata but its colour profile."""
    buffer = io.BytesIO()
    if extension == "gif":
        # The writer reads each frame's timing and comment from the file again:
        # only an explicit empty comment keeps the comments out.
        image.save(buffer, "GIF", save_all=getattr(image, "n_frames", 1) > 1, comment=b"")
        return buffer.getvalue()
    image = picture_only(image)
    icc_profile = image.info.get("icc_profile")
    if extension == "png":
        image.save(buffer, "PNG", icc_profile=icc_profile)
    elif extension == "webp":
        image.save(buffer, "WEBP", quality=90, icc_profile=icc_profile)
    else:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=95, icc_profile=icc_profile)
    return buffer.getvalue()


def clean_original(file) -> ContentFile:
    """Return the upload with its orientation applied and all metadata removed."""
    file.seek(0)
    data = file.read()
    with PILImage.open(io.BytesIO(data)) as image:
        extension = FORMATS[image.format]
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        cleaned = None
        if image.format in ("JPEG", "MPO") and orientation in (0, 1):
            try:
                cleaned = strip_jpeg(data, image.info.get("icc_profile"))
            except (IndexError, ValueError):
                cleaned = None
        if cleaned is None or not is_clean(cleaned):
            upright = ImageOps.exif_transpose(image) if orientation not in (0, 1) else image
            cleaned = reencode(upright, extension)
    return ContentFile(cleaned, name=f"bild.{extension}")


def is_clean(data: bytes) -> bool:
    """Return True if data decodes and carries no EXIF or XMP."""
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            image.load()
            return not image.getexif() and "xmp" not in image.info and "exif" not in image.info
    except (OSError, SyntaxError, ValueError, EOFError):
        return False


# Renditions


def rendition_formats() -> tuple[str, ...]:
    """Return the modern formats this Pillow can write, best first."""
    return tuple(name for name in ("avif", "webp") if features.check(name))


def rendition_key(image) -> str:
    """Return what a rendition depends on, hashed: change it and they are made again."""
    source = f"{RENDITION_VERSION}:{image.file.name}:{image.focal_x}:{image.focal_y}"
    return hashlib.sha256(source.encode()).hexdigest()[:10]


def rendition_folder(file_name: str) -> str:
    path = PurePath(file_name)
    return str(path.with_name(path.stem))


def rendition_names(file_name: str, renditions: dict) -> list[str]:
    """Return the storage names of every file that renditions describes."""
    if not renditions:
        return []
    folder, key = rendition_folder(file_name), renditions["key"]
    names = [
        f"{folder}/{key}-{width}.{extension}"
        for width, _height in renditions["sizes"]
        for extension in (*renditions["formats"], renditions["fallback"])
    ]
    names += [f"{folder}/{key}-og.jpg", f"{folder}/{key}-q.jpg"]
    return names


def focal_crop(image, size, focal) -> PILImage.Image:
    """Cut the largest box of size's proportions around the focal point, then shrink to size."""
    width, height = image.size
    target_width, target_height = size
    ratio = target_width / target_height
    crop_width = min(width, round(height * ratio))
    crop_height = min(height, round(crop_width / ratio))
    x, y = focal
    left = min(max(round(x * width - crop_width / 2), 0), width - crop_width)
    top = min(max(round(y * height - crop_height / 2), 0), height - crop_height)
    box = (left, top, left + crop_width, top + crop_height)
    # Never enlarged: a small photo gives a smaller card of the same shape.
    out_width = min(target_width, crop_width)
    out_height = round(out_width / ratio) if out_width < target_width else target_height
    return image.resize((out_width, out_height), PILImage.Resampling.LANCZOS, box=box)


def encode(image: PILImage.Image, extension: str) -> bytes:
    buffer = io.BytesIO()
    if extension == "jpg":
        image.convert("RGB").save(
            buffer, "JPEG", quality=QUALITY["jpg"], optimize=True, progressive=True
        )
    elif extension == "png":
        image.save(buffer, "PNG", optimize=True)
    elif extension == "webp":
        image.save(buffer, "WEBP", quality=QUALITY["webp"], method=4)
    else:
        image.save(buffer, "AVIF", quality=QUALITY["avif"])
    return buffer.getvalue()


def open_for_renditions(storage, name: str) -> PILImage.Image:
    with storage.open(name) as stored, PILImage.open(stored) as image:
        if image.format in ("JPEG", "MPO"):
            # Decoding a 12-megapixel photo at a fraction of its size is several times faster.
            image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
        image.load()
        # Originals stored before uploads were cleaned may still carry an orientation.
        upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    return picture_only(upright.convert("RGBA" if has_alpha else "RGB"))


def make_renditions(image) -> dict:
    """Write every rendition of an image and return their description for the model."""
    storage = image.file.storage
    source = open_for_renditions(storage, image.file.name)
    fallback = "png" if source.mode == "RGBA" else "jpg"
    key = rendition_key(image)
    folder = rendition_folder(image.file.name)
    largest = min(source.width, WIDTHS[-1])
    widths = [width for width in WIDTHS if width < largest] + [largest]
    formats = rendition_formats()
    sizes = []
    for width in widths:
        height = max(1, round(source.height * width / source.width))
        resized = source.resize((width, height), PILImage.Resampling.LANCZOS)
        for extension in (*formats, fallback):
            write(storage, f"{folder}/{key}-{width}.{extension}", encode(resized, extension))
        sizes.append([width, height])
    focal = (image.focal_x / 100, image.focal_y / 100)
    social = focal_crop(source, SOCIAL_SIZE, focal)
    write(storage, f"{folder}/{key}-og.jpg", encode(social, "jpg"))
    square = focal_crop(source, (SQUARE_SIZE, SQUARE_SIZE), focal)
    write(storage, f"{folder}/{key}-q.jpg", encode(square, "jpg"))
    return {
        "key": key,
        "sizes": sizes,
        "formats": list(formats),
        "fallback": fallback,
        "social": list(social.size),
        "square": list(square.size),
    }


def write(storage, name: str, data: bytes) -> None:
    # Same name, same content: a rerun replaces the file instead of adding a suffix.
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(data))


def delete_files(storage, names) -> None:
    for name in names:
        if name and storage.exists(name):
            storage.delete(name)
