"""Photos: uploads judged by content, metadata stripped, renditions made once and served right."""

import io
import math
import struct
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import ExifTags, Image as PILImage, ImageCms, PngImagePlugin

from office.media import cards, images
from office.models import Image
from releases.models import ReleaseImage
from tests.kit.factories import (
    CAMERA,
    XMP,
    image_bytes,
    make_event,
    make_image,
    make_profile,
    make_release,
    media_files,
    phone_exif,
    photo,
    photo_image,
    two_halves,
)

pytestmark = pytest.mark.django_db

# Sample files are made here, in code, so every byte of them is known.


def png_declaring(width, height):
    """Return a tiny PNG whose header claims width × height pixels."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def noisy_jpeg(size=(320, 240), quality=90):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 64).convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("foto.jpg", image_bytes())
    return buffer.getvalue()


def media_state():
    root = Path(settings.MEDIA_ROOT)
    return {name: (root / name).stat().st_mtime_ns for name in media_files()}


def heic_declaring_height(height):
    """Return a small HEIC whose image extents ("ispe" box) claim another height."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (10, 200, 30)).save(buffer, format="HEIF", quality=50)
    data = bytearray(buffer.getvalue())
    extents = data.find(b"ispe")
    data[extents + 12 : extents + 16] = height.to_bytes(4, "big")
    return bytes(data)


def upload_image(client, name, content, **fields):
    data = {
        "alt_text": "Der Abgeordnete am Rednerpult",
        "caption": "",
        "credit": "",
        "focal_x": 50,
        "focal_y": 50,
        "file": SimpleUploadedFile(name, content),
        **fields,
    }
    return client.post("/admin/office/image/add/", data)


def read_back(name):
    """Return (format, size, EXIF, info) of a stored file, read by Pillow."""
    with PILImage.open(Path(settings.MEDIA_ROOT) / name) as picture:
        picture.load()
        return picture.format, picture.size, dict(picture.getexif()), dict(picture.info)


# Uploads: what is accepted


@pytest.mark.parametrize(
    ("name", "content", "stored_format"),
    [
        ("handy.jpg", photo("JPEG"), "JPEG"),
        ("grafik.png", photo("PNG"), "PNG"),
        ("web.webp", photo("WEBP"), "WEBP"),
        ("iphone.jpg", photo("MPO"), "JPEG"),
        ("iphone.heic", photo("HEIF"), "JPEG"),
    ],
    ids=["jpeg", "png", "webp", "jpeg-with-second-picture", "heic"],
)
def test_photo_with_gps_is_stored_and_rendered_without_any_metadata(
    name, content, stored_format, officer_client
):
    with PILImage.open(io.BytesIO(content)) as sample:
        assert sample.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    response = upload_image(officer_client, name, content)

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.file.name.endswith(f".{images.FORMATS[stored_format]}")
    assert (image.width, image.height) == (640, 480)
    stored = media_files()
    assert len(stored) == 1 + len(images.rendition_names(image.file.name, image.renditions))
    for stored_name in stored:
        _format, size, exif, info = read_back(stored_name)
        raw = (Path(settings.MEDIA_ROOT) / stored_name).read_bytes()
        assert (stored_name, exif, "xmp" in info, "exif" in info) == (stored_name, {}, False, False)
        assert CAMERA.encode() not in raw
        assert b"Wohnort-Geheimnis" not in raw
    # A phone's second picture (MPO) is cut off: the original is one plain JPEG.
    assert read_back(image.file.name)[:2] == (stored_format, (640, 480))


# Every kind of metadata each accepted format can carry, each with its own marker.
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def marked_exif():
    exif = phone_exif()
    exif[ExifTags.Base.ImageDescription] = "Geheim-EXIF"
    return exif


def marked_xmp(kind="XMP"):
    return XMP.replace(b"Wohnort-Geheimnis", f"Geheim-{kind}".encode())


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def iptc():
    """Return a Photoshop APP13 payload with an IPTC caption, as picture desks write it."""
    record = b"\x1c\x02\x78" + len(b"Geheim-IPTC").to_bytes(2, "big") + b"Geheim-IPTC"
    block = b"8BIM\x04\x04\x00\x00" + len(record).to_bytes(4, "big") + record
    return b"Photoshop 3.0\x00" + block


def marked_jpeg(orientation):
    exif = marked_exif()
    exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    two_halves().save(
        buffer,
        "JPEG",
        exif=exif,
        xmp=marked_xmp(),
        comment=b"Geheim-Kommentar",
        icc_profile=SRGB,
    )
    data = buffer.getvalue()
    assert data[2:6] == b"\xff\xe0\x00\x10"
    # A JFIF header with a 5 × 1 pixel thumbnail whose RGB bytes spell the marker.
    jfif = jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x05\x01Geheim-Vorschau")
    return data[:2] + jfif + jpeg_segment(0xED, iptc()) + data[20:]


def marked_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Geheim-tEXt")
    info.add_text("Comment", "Geheim-zTXt", zip=True)
    info.add_itxt("Description", "Geheim-iTXt", lang="de")
    info.add_itxt("XML:com.adobe.xmp", marked_xmp().decode())
    info.add_text("Raw profile type iptc", "Geheim-IPTC", zip=True)
    buffer = io.BytesIO()
    two_halves().save(buffer, "PNG", pnginfo=info, exif=marked_exif(), icc_profile=SRGB)
    return buffer.getvalue()


def marked_webp():
    buffer = io.BytesIO()
    two_halves().save(buffer, "WEBP", exif=marked_exif(), xmp=marked_xmp(), icc_profile=SRGB)
    return buffer.getvalue()


def marked_heic():
    buffer = io.BytesIO()
    two_halves().save(buffer, "HEIF", exif=marked_exif(), xmp=marked_xmp(), icc_profile=SRGB)
    return buffer.getvalue()


def marked_gif(frames=1):
    """Return a GIF with a comment in each frame and XMP in an application extension."""
    pictures = [two_halves(second=(30, 30, 200 - 40 * n)).quantize(16) for n in range(frames)]
    for number, picture in enumerate(pictures):
        picture.info["comment"] = f"Geheim-Kommentar {number}".encode()
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, "GIF", save_all=frames > 1, append_images=pictures[1:], duration=100, loop=0
    )
    data = buffer.getvalue()
    # XMP as Adobe writes it into a GIF: an application extension before the first frame.
    xmp = marked_xmp()
    magic = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    extension = b"!\xff\x0bXMP DataXMP" + xmp + magic
    first_frame = data.index(b"\x2c\x00\x00\x00\x00")
    return data[:first_frame] + extension + data[first_frame:]


MARKERS = [
    b"Geheim-EXIF",
    b"Geheim-XMP",
    b"Geheim-Kommentar",
    b"Geheim-IPTC",
    b"Geheim-tEXt",
    b"Geheim-zTXt",
    b"Geheim-iTXt",
    b"Geheim-Vorschau",
    CAMERA.encode(),
]
# What Pillow reports about a picture's encoding, colour and animation: no metadata.
PICTURE_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "progressive",
    "progression",
    "adobe",
    "adobe_transform",
    "icc_profile",
    "transparency",
    "background",
    "version",
    "duration",
    "loop",
    "extension",
    "srgb",
    "gamma",
    "timestamp",
}
EXIF_XMP = [b"Geheim-EXIF", b"Geheim-XMP"]
JPEG_KINDS = [*EXIF_XMP, b"Geheim-Kommentar", b"Geheim-IPTC", b"Geheim-Vorschau"]
PNG_KINDS = [*EXIF_XMP, b"Geheim-IPTC", b"Geheim-tEXt", b"Geheim-zTXt", b"Geheim-iTXt"]


def carried(content):
    """Return the markers a sample holds, in its bytes or in what Pillow decodes from it."""
    with PILImage.open(io.BytesIO(content)) as sample:
        decoded = repr(sample.info).encode() + repr(dict(sample.getexif())).encode()
    return [marker for marker in MARKERS if marker in content or marker in decoded]


@pytest.mark.parametrize(
    ("name", "content", "kinds", "stored_format", "frames"),
    [
        ("handy.jpg", marked_jpeg(orientation=1), JPEG_KINDS, "JPEG", 1),
        ("hochkant.jpg", marked_jpeg(orientation=6), JPEG_KINDS, "JPEG", 1),
        ("grafik.png", marked_png(), PNG_KINDS, "PNG", 1),
        ("web.webp", marked_webp(), EXIF_XMP, "WEBP", 1),
        ("iphone.heic", marked_heic(), EXIF_XMP, "JPEG", 1),
        ("grafik.gif", marked_gif(), [b"Geheim-XMP", b"Geheim-Kommentar"], "GIF", 1),
        ("bewegt.gif", marked_gif(frames=3), [b"Geheim-XMP", b"Geheim-Kommentar"], "GIF", 3),
    ],
    ids=["jpeg", "jpeg-turned", "png", "webp", "heic", "gif", "animated-gif"],
)
def test_every_kind_of_metadata_is_removed_from_original_and_renditions(
    name, content, kinds, stored_format, frames, officer_client
):
    assert carried(content) == kinds + ([CAMERA.encode()] if b"Geheim-EXIF" in kinds else [])

    response = upload_image(officer_client, name, content)

    assert response.status_code == 302
    image = Image.objects.get()
    stored = media_files()
    assert len(stored) == 1 + len(images.rendition_names(image.file.name, image.renditions))
    found = {}
    for stored_name in stored:
        _format, _size, exif, info = read_back(stored_name)
        raw = (Path(settings.MEDIA_ROOT) / stored_name).read_bytes()
        leaks = [marker for marker in MARKERS if marker in raw]
        if exif or leaks or set(info) - PICTURE_INFO:
            found[stored_name] = (exif, leaks, sorted(set(info) - PICTURE_INFO))
    assert found == {}
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.file.name) as original:
        # The colour profile is kept on purpose: it is how the colours look, not who took them.
        assert (original.format, original.size, getattr(original, "n_frames", 1)) == (
            stored_format,
            (480, 640) if name == "hochkant.jpg" else (640, 480),
            frames,
        )
        assert original.info.get("icc_profile") == (None if stored_format == "GIF" else SRGB)
        if frames > 1:  # an animation keeps its pace and keeps looping
            assert (original.info["duration"], original.info["loop"]) == (100, 0)


def test_jpeg_without_rotation_keeps_its_compressed_pixels(officer_client):
    content = photo("JPEG")

    upload_image(officer_client, "handy.jpg", content)

    stored = (Path(settings.MEDIA_ROOT) / Image.objects.get().file.name).read_bytes()
    scan = content.index(b"\xff\xda")
    assert stored.endswith(content[scan:])
    assert len(stored) < len(content)


def test_upright_photo_from_a_phone_is_turned_the_right_way(officer_client):
    # Orientation 6: the camera lay on its side; viewers turn the picture 90° clockwise.
    content = photo("JPEG", size=(640, 480), orientation=6)

    upload_image(officer_client, "hochformat.jpg", content)

    image = Image.objects.get()
    _format, size, exif, _info = read_back(image.file.name)
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.file.name) as stored:
        top_left = stored.convert("RGB").getpixel((10, 10))
        bottom_left = stored.convert("RGB").getpixel((10, 630))
    assert ((image.width, image.height), size, exif) == ((480, 640), (480, 640), {})
    # The left half (red) of the sensor image is the top after turning.
    assert (top_left[0] > 150, bottom_left[2] > 150) == (True, True)
    assert image.renditions["sizes"] == [[480, 640]]


def test_valid_jpeg_is_stored_under_a_random_name_with_its_real_extension(officer_client):
    response = upload_image(officer_client, "x.png", image_bytes(size=(64, 48)))

    assert response.status_code == 302
    image = Image.objects.get()
    directory, _, filename = image.file.name.partition("/")
    stem, _, extension = filename.partition(".")
    assert (directory, len(stem), set(stem) <= set("0123456789abcdef"), extension) == (
        "bilder",
        32,
        True,
        "jpg",
    )
    assert (image.width, image.height) == (64, 48)
    assert image.file_size == (Path(settings.MEDIA_ROOT) / image.file.name).stat().st_size


def test_two_uploads_of_the_same_name_get_different_names(officer_client):
    upload_image(officer_client, "foto.jpg", image_bytes())
    upload_image(officer_client, "foto.jpg", image_bytes())

    names = sorted(Image.objects.values_list("file", flat=True))

    assert len(set(names)) == 2
    assert "foto" not in "".join(names)


# Uploads: what is refused, with nothing stored

NOT_AN_IMAGE = (
    "Die Datei ist kein Bild. Erlaubt sind Fotos und Grafiken als JPEG, PNG, WebP, GIF oder "
    "HEIC (iPhone), keine SVG-, PDF-, HTML- oder ZIP-Dateien."
)
UNREADABLE = (
    "Die Datei ist beschädigt oder unvollständig und lässt sich nicht als Bild lesen. "
    "Bitte das Bild neu exportieren und noch einmal hochladen."
)
TOO_MANY_PIXELS = (
    "Das Bild hat zu viele Pixel (höchstens 40 Megapixel). "
    "Bitte eine verkleinerte Fassung hochladen."
)


def animated_gif(frames, size):
    """Return a GIF of frames that differ in one pixel each, so it is small to make."""
    base = PILImage.new("P", size, 0)
    base.putpalette([value % 256 for value in range(768)])
    pictures = []
    for number in range(frames):
        picture = base.copy()
        picture.putpixel((number, number), number + 1)
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:])
    return buffer.getvalue()


def bmp_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(buffer, format="BMP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("text.jpg", b"Dies ist ein Text, kein Bild.\n" * 20, NOT_AN_IMAGE),
        ("seite.png", b"<html><body><script>alert(1)</script></body></html>", NOT_AN_IMAGE),
        (
            "grafik.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect/></svg>',
            NOT_AN_IMAGE,
        ),
        ("archiv.jpg", zip_bytes(), NOT_AN_IMAGE),
        ("kaputt.jpg", noisy_jpeg()[:6000], UNREADABLE),
        ("iphone.heic", heic_declaring_height(2_332_033_088), UNREADABLE),
        ("bombe.png", png_declaring(50_000, 50_000), TOO_MANY_PIXELS),
        ("riesig.png", png_declaring(8000, 6000), TOO_MANY_PIXELS),
        ("daumenkino.gif", animated_gif(50, (1000, 1000)), TOO_MANY_PIXELS),
        (
            "alt.bmp",
            bmp_bytes(),
            "Bilder im Format BMP werden nicht angenommen. "
            "Erlaubt sind JPEG, PNG, WebP, GIF und HEIC.",
        ),
    ],
    ids=[
        "text-as-jpg",
        "html-as-png",
        "svg-with-script-as-jpg",
        "zip-as-jpg",
        "truncated-jpeg",
        "heic-beyond-libheif-limits",
        "decompression-bomb",
        "48-megapixels",
        "gif-of-50-megapixels-in-frames",
        "bmp",
    ],
)
def test_upload_that_is_not_an_acceptable_image_is_refused(name, content, message, officer_client):
    make_image(alt_text="Vorhandenes Bild")
    files_before = media_files()

    response = upload_image(officer_client, name, content)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"file": [message]}
    assert message in response.content.decode()
    assert list(Image.objects.values_list("alt_text", flat=True)) == ["Vorhandenes Bild"]
    assert media_files() == files_before


def test_file_above_the_configured_limit_is_refused_before_it_is_read(officer_client, settings):
    settings.UPLOAD_MAX_BYTES = 2**20
    content = noisy_jpeg(size=(1200, 1000), quality=98)
    assert len(content) > 2**20

    response = upload_image(officer_client, "gross.jpg", content)

    size = f"{math.ceil(len(content) * 10 / 2**20) / 10:.1f}".replace(".", ",")
    assert response.context["adminform"].form.errors == {
        "file": [f"Die Datei ist {size} MB groß; erlaubt sind höchstens 1 MB."]
    }
    assert (Image.objects.count(), media_files()) == (0, [])


def test_image_without_alt_text_is_refused_with_a_hint(officer_client):
    response = upload_image(officer_client, "foto.jpg", image_bytes(), alt_text="")

    form = response.context["adminform"].form
    assert form.errors == {"alt_text": ["Dieses Feld ist zwingend erforderlich."]}
    assert "Beschreibt in einem Satz, was auf dem Bild zu sehen ist" in response.content.decode()
    assert (Image.objects.count(), media_files()) == (0, [])


# Renditions


class Pictures(HTMLParser):
    """Collect every <picture> of a page: its sources and its <img> attributes."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.pictures = []
        self.figcaptions = []
        self._in_picture = False
        self._in_figcaption = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "picture":
            self._in_picture = True
            self.pictures.append({"sources": [], "img": None})
        elif tag == "source" and self._in_picture:
            self.pictures[-1]["sources"].append(attrs)
        elif tag == "img" and self._in_picture:
            self.pictures[-1]["img"] = attrs
        elif tag == "figcaption":
            self._in_figcaption = True
            self.figcaptions.append("")

    def handle_endtag(self, tag):
        if tag == "picture":
            self._in_picture = False
        elif tag == "figcaption":
            self._in_figcaption = False

    def handle_data(self, data):
        if self._in_figcaption:
            self.figcaptions[-1] = " ".join(f"{self.figcaptions[-1]} {data}".split())


def pictures(response):
    return Pictures(response.content.decode())


def media_path(url):
    assert url.startswith(settings.MEDIA_URL)
    return Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)


def srcset_entries(srcset):
    return [
        (url, int(width.removesuffix("w")))
        for url, width in (e.split() for e in srcset.split(", "))
    ]


def test_renditions_come_in_every_width_up_to_the_original_and_every_format():
    image = photo_image(size=(2000, 1500))

    made = {}
    for name in images.rendition_names(image.file.name, image.renditions):
        picture_format, size, _exif, _info = read_back(name)
        made[name.rsplit("-", 1)[1]] = (picture_format, size)

    assert made == {
        **{
            f"{width}.{extension}": (picture_format, (width, width * 3 // 4))
            for width in (480, 800, 1200, 1600)
            for extension, picture_format in (("avif", "AVIF"), ("webp", "WEBP"), ("jpg", "JPEG"))
        },
        "og.jpg": ("JPEG", (1200, 630)),
        "q.jpg": ("JPEG", (112, 112)),
    }


def test_small_image_is_never_enlarged():
    image = photo_image(size=(300, 200))

    assert image.renditions["sizes"] == [[300, 200]]
    assert image.renditions["social"] == [300, 158]
    assert read_back(image.file.name.replace(".jpg", f"/{image.renditions['key']}-300.avif"))[
        :2
    ] == ("AVIF", (300, 200))


def test_animated_gif_keeps_its_frames():
    image = make_image(content=animated_gif(3, (200, 100)))

    with PILImage.open(Path(settings.MEDIA_ROOT) / image.file.name) as original:
        assert (original.format, original.n_frames, original.size) == ("GIF", 3, (200, 100))
    assert image.renditions["sizes"] == [[200, 100]]


def test_transparent_png_falls_back_to_png_not_jpeg():
    buffer = io.BytesIO()
    PILImage.new("RGBA", (600, 400), (0, 0, 0, 0)).save(buffer, format="PNG")

    image = make_image(content=buffer.getvalue())

    assert (image.renditions["fallback"], image.renditions["sizes"]) == (
        "png",
        [[480, 320], [600, 400]],
    )
    assert read_back(image.picture()["src"].removeprefix(settings.MEDIA_URL))[:2] == (
        "PNG",
        (600, 400),
    )


def test_release_page_shows_the_hero_as_an_eager_picture_and_the_gallery_lazy(client, profile):
    hero = photo_image(size=(2000, 1500), alt_text="Der Abgeordnete im Plenum")
    release = make_release(slug="mit-bildern", hero_image=hero)
    first = photo_image(size=(640, 480), alt_text="Erstes Bild", caption="Aus der Sammlung")
    second = photo_image(size=(640, 480), alt_text="Zweites Bild", caption="Unbenutzt")
    ReleaseImage.objects.create(release=release, image=second, order=2, caption="Hier erklärt")
    ReleaseImage.objects.create(release=release, image=first, order=1)

    found = pictures(client.get("/pressemitteilungen/mit-bildern/"))

    hero_picture, *gallery = found.pictures
    assert [source["type"] for source in hero_picture["sources"]] == ["image/avif", "image/webp"]
    img = hero_picture["img"]
    assert (img["alt"], img["width"], img["height"], img.get("loading"), img["fetchpriority"]) == (
        "Der Abgeordnete im Plenum",
        "1600",
        "1200",
        None,
        "high",
    )
    assert img["sizes"] == "(min-width: 44rem) 42rem, calc(100vw - 2rem)"
    assert [width for _url, width in srcset_entries(img["srcset"])] == [480, 800, 1200, 1600]
    for source in hero_picture["sources"]:
        assert source["sizes"] == img["sizes"]
        for url, width in srcset_entries(source["srcset"]):
            with PILImage.open(media_path(url)) as made:
                assert (made.get_format_mimetype(), made.width) == (source["type"], width)
    assert [(p["img"]["alt"], p["img"]["loading"]) for p in gallery] == [
        ("Erstes Bild", "lazy"),
        ("Zweites Bild", "lazy"),
    ]
    assert found.figcaptions[1:] == [
        "Aus der Sammlung · Foto: Max Mustermann",
        "Hier erklärt · Foto: Max Mustermann",
    ]


def test_pages_never_make_renditions_again(client, profile, officer_client, monkeypatch):
    image = photo_image(size=(640, 480))
    make_release(slug="mit-bild", hero_image=image)
    made_before = media_state()

    def fail(image):
        raise AssertionError("renditions made again")

    monkeypatch.setattr(images, "make_renditions", fail)
    first = client.get("/pressemitteilungen/mit-bild/")
    second = client.get("/pressemitteilungen/mit-bild/")
    edit = officer_client.post(
        f"/admin/office/image/{image.pk}/change/",
        {
            "alt_text": "Neuer Alternativtext",
            "caption": "",
            "credit": "",
            "focal_x": 50,
            "focal_y": 50,
        },
    )

    assert (first.status_code, second.status_code, edit.status_code) == (200, 200, 302)
    assert pictures(first).pictures == pictures(second).pictures
    assert media_state() == made_before
    for source in pictures(second).pictures[0]["sources"]:
        assert all(media_path(url).exists() for url, _w in srcset_entries(source["srcset"]))


def colour_at(url, xy):
    with PILImage.open(media_path(url)) as made:
        return made.convert("RGB").getpixel(xy)


def test_focal_point_moves_the_social_crop_and_replaces_its_files(officer_client):
    # Upright photo, red on top and blue below: the 1200 × 630 crop can hold only one.
    buffer = io.BytesIO()
    two_halves((1000, 2000), vertical=True).save(buffer, format="JPEG", quality=90)
    image = make_image(content=buffer.getvalue(), focal_y=10)
    top_url, width, height = image.social()
    old_files = images.rendition_names(image.file.name, image.renditions)

    response = officer_client.post(
        f"/admin/office/image/{image.pk}/change/",
        {"alt_text": image.alt_text, "caption": "", "credit": "", "focal_x": 50, "focal_y": 90},
    )

    image.refresh_from_db()
    bottom_url, *bottom_size = image.social()
    assert response.status_code == 302
    assert ((width, height), bottom_size) == ((1000, 525), [1000, 525])
    assert colour_at(bottom_url, (500, 260))[2] > 150  # blue
    assert bottom_url != top_url
    assert not any(Path(settings.MEDIA_ROOT, name).exists() for name in old_files)
    assert all(
        Path(settings.MEDIA_ROOT, name).exists()
        for name in images.rendition_names(image.file.name, image.renditions)
    )


def test_focal_point_outside_the_picture_is_refused(officer_client):
    image = photo_image(size=(600, 400))

    response = officer_client.post(
        f"/admin/office/image/{image.pk}/change/",
        {"alt_text": image.alt_text, "caption": "", "credit": "", "focal_x": 120, "focal_y": 50},
    )

    assert response.context["adminform"].form.errors == {
        "focal_x": ["Dieser Wert muss kleiner oder gleich 100 sein."]
    }


def test_header_portrait_is_the_small_square(client):
    portrait = photo_image(size=(1200, 1600), alt_text="Porträt")
    make_profile(portrait=portrait)

    html = client.get("/").content.decode()

    url = html.split('class="site-name__portrait" src="')[1].split('"')[0]
    assert url == portrait.square_url()
    with PILImage.open(media_path(url)) as square:
        assert square.size == (112, 112)


@pytest.mark.parametrize("count", [1, 10])
def test_release_page_with_many_images_costs_no_more_queries(
    client, profile, django_assert_max_num_queries, count
):
    """A gallery must not query once per photo."""
    release = make_release(slug="galerie", hero_image=photo_image(size=(640, 480)))
    for order in range(count):
        ReleaseImage.objects.create(
            release=release, image=photo_image(size=(640, 480)), order=order
        )

    # Right after the edit: the archive beside it and the related releases are read too.
    with django_assert_max_num_queries(16):
        response = client.get("/pressemitteilungen/galerie/")

    assert len(pictures(response).pictures) == count + 1


# Social previews


def meta_content(html, prop):
    return html.split(f'property="{prop}" content="')[1].split('"')[0]


def test_release_photo_gives_a_1200_by_630_preview_around_its_focal_point(client, profile):
    buffer = io.BytesIO()
    two_halves((2400, 1600), vertical=True).save(buffer, format="JPEG", quality=90)
    hero = make_image(content=buffer.getvalue(), focal_y=95, alt_text="Unten blau")
    make_release(slug="mit-foto", hero_image=hero)

    html = client.get("/pressemitteilungen/mit-foto/").content.decode()

    url = meta_content(html, "og:image").removeprefix(settings.SITE_URL)
    with PILImage.open(media_path(url)) as preview:
        assert (preview.format, preview.size) == ("JPEG", (1200, 630))
        assert preview.convert("RGB").getpixel((600, 315))[2] > 150  # blue, the lower half
        assert not preview.getexif()
    assert (meta_content(html, "og:image:width"), meta_content(html, "og:image:height")) == (
        "1200",
        "630",
    )


@pytest.mark.parametrize("path", ["/pressemitteilungen/ohne-foto/", "/termine/ohne-foto/"])
def test_page_without_photo_gets_a_title_card_drawn_once(client, profile, path, monkeypatch):
    make_release(slug="ohne-foto", title="Mehr Geld für Schulen im ländlichen Raum")
    make_event(slug="ohne-foto", title="Sprechstunde in Borken")
    card_url = meta_content(client.get(path).content.decode(), "og:image")

    first = client.get(card_url.removeprefix(settings.SITE_URL))
    monkeypatch.setattr(cards, "render_card", lambda *args: pytest.fail("drawn again"))
    second = client.get(card_url.removeprefix(settings.SITE_URL))

    assert card_url == f"{settings.SITE_URL}{path}vorschaubild.png"
    assert (first["Content-Type"], first.content) == ("image/png", second.content)
    with PILImage.open(io.BytesIO(first.content)) as card:
        assert (card.format, card.size) == ("PNG", (1200, 630))
        # Text was drawn: the card is not one plain colour.
        assert len(card.convert("RGB").getcolors(maxcolors=100_000)) > 2


def test_title_card_of_an_unpublished_release_is_not_found(client, profile, tomorrow):
    make_release(slug="sperrfrist", title="Geheimer Plan", publish_at=tomorrow)
    make_release(slug="entwurf", title="Entwurf", status="draft")
    make_event(slug="entwurf", status="draft")

    paths = [
        "/pressemitteilungen/sperrfrist/vorschaubild.png",
        "/pressemitteilungen/entwurf/vorschaubild.png",
        "/termine/entwurf/vorschaubild.png",
    ]

    assert [client.get(path).status_code for path in paths] == [404, 404, 404]
    assert media_files() == []


def test_truncated_upload_is_refused_even_after_the_pdf_library_was_loaded(officer_client):
    import weasyprint.images  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES on import)
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True

    response = upload_image(officer_client, "kaputt.jpg", noisy_jpeg()[:6000])

    assert response.context["adminform"].form.errors == {"file": [UNREADABLE]}
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# Removing a photo removes its files


def test_deleted_image_leaves_no_file_behind(officer_client, django_capture_on_commit_callbacks):
    keep = photo_image(size=(640, 480), alt_text="Bleibt")
    kept_files = media_files()
    gone = photo_image(size=(640, 480), alt_text="Kommt weg")

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(f"/admin/office/image/{gone.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(Image.objects.all()) == [keep]
    assert media_files() == kept_files


def test_replaced_photo_leaves_no_copy_behind(officer_client, django_capture_on_commit_callbacks):
    image = photo_image(size=(640, 480))
    old_files = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"/admin/office/image/{image.pk}/change/",
            {
                "alt_text": image.alt_text,
                "caption": "",
                "credit": "",
                "focal_x": 50,
                "focal_y": 50,
                "file": SimpleUploadedFile("neu.jpg", photo("JPEG", size=(500, 400))),
            },
        )

    image.refresh_from_db()
    assert response.status_code == 302
    assert (image.width, image.height) == (500, 400)
    assert set(old_files).isdisjoint(media_files())
    assert media_files() == sorted(
        [image.file.name, *images.rendition_names(image.file.name, image.renditions)]
    )


def test_command_makes_renditions_that_bulk_created_images_lack(client, profile):
    made = make_image()
    bulk = Image.objects.get(pk=made.pk)
    Image.objects.filter(pk=made.pk).update(renditions={})
    bulk.refresh_from_db()
    assert bulk.picture() is None
    output = io.StringIO()

    call_command("renditions", stdout=output)
    again = io.StringIO()
    call_command("renditions", stdout=again)

    bulk.refresh_from_db()
    assert output.getvalue() == "Bildvarianten erzeugt: 1\n"
    assert again.getvalue() == "Bildvarianten erzeugt: 0\n"
    assert all(media_path(url).exists() for url, _w in srcset_entries(bulk.picture()["srcset"]))


def test_remade_renditions_make_cached_pages_stale(client, settings, committed):
    """The command saves with update(), which sends no signal; pages must not keep old names."""
    settings.PAGE_CACHE_TIMEOUT = 300
    make_release(slug="mit-foto", hero_image=photo_image(size=(1000, 750)))
    client.get("/pressemitteilungen/mit-foto/")
    Image.objects.update(renditions={})
    with CaptureQueriesContext(connection) as still_cached:
        client.get("/pressemitteilungen/mit-foto/")

    with committed():
        call_command("renditions", stdout=io.StringIO())

    with CaptureQueriesContext(connection) as rendered_again:
        client.get("/pressemitteilungen/mit-foto/")
    assert (len(still_cached), len(rendered_again) > 0) == (0, True)


# In a real browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("scale", "expected"), [(1, "480.avif"), (2, "800.avif")])
def test_phone_loads_one_small_avif_of_the_hero_and_no_gallery_photo(
    browser, live_server, settings, scale, expected
):
    settings.ROOT_URLCONF = "tests.kit.public_site"
    make_profile()
    hero = photo_image(size=(2000, 1500), alt_text="Aufmacher")
    release = make_release(slug="handy", hero_image=hero, body="<p>Text</p>" * 80)
    for order in range(3):
        ReleaseImage.objects.create(
            release=release, image=photo_image(size=(640, 480)), order=order
        )
    context = browser.new_context(
        viewport={"width": 375, "height": 800}, device_scale_factor=scale, is_mobile=True
    )
    page = context.new_page()
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request.url))

    page.goto(f"{live_server.url}/pressemitteilungen/handy/", wait_until="networkidle")
    shown = page.locator(".release > .image img").evaluate("img => img.currentSrc")
    context.close()

    photos = [url.rsplit("/", 1)[1] for url in loaded if "/media/" in url]
    assert photos == [f"{hero.renditions['key']}-{expected}"]
    assert shown.endswith(f"/{hero.renditions['key']}-{expected}")


# Metadata hidden where a lossless copy would carry it along

HIDDEN = b"GPSLatitude 51.2277 N, GPSLongitude 6.7735 E"


def hidden_exif():
    exif = PILImage.Exif()
    exif[ExifTags.Base.ImageDescription] = HIDDEN.decode()
    return jpeg_segment(0xE1, b"Exif\x00\x00" + exif.tobytes())


def plain_jpeg(**kwargs):
    buffer = io.BytesIO()
    two_halves().save(buffer, "JPEG", quality=90, **kwargs)
    return buffer.getvalue()


def before_end(data):
    return data[:-2] + jpeg_segment(0xFE, HIDDEN) + hidden_exif() + data[-2:]


def between_scans(data):
    second_scan = data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)
    return data[:second_scan] + jpeg_segment(0xFE, HIDDEN) + hidden_exif() + data[second_scan:]


def adobe_with_tail(data):
    # An Adobe segment is 12 bytes; a decoder reads those and skips the rest.
    adobe = jpeg_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01" + HIDDEN)
    return data[:2] + adobe + data[2:]


def icc_with_tail(data):
    start = data.index(b"\xff\xe2")
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    end = start + 2 + length
    return data[:start] + jpeg_segment(0xE2, data[start + 4 : end] + HIDDEN) + data[end:]


def icc_extra_chunk(data):
    # A second chunk of the profile is appended to it by every reader.
    start = data.index(b"\xff\xe2")
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    first = bytearray(data[start + 4 : start + 2 + length])
    first[13] = 2  # the profile now says it has two chunks
    second = b"ICC_PROFILE\x00\x02\x02" + HIDDEN
    return (
        data[:start]
        + jpeg_segment(0xE2, bytes(first))
        + jpeg_segment(0xE2, second)
        + data[start + 2 + length :]
    )


def icc_not_a_profile(data):
    return data[:2] + jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + HIDDEN) + data[2:]


@pytest.mark.parametrize(
    "content",
    [
        before_end(plain_jpeg()),
        between_scans(plain_jpeg(progressive=True)),
        adobe_with_tail(plain_jpeg()),
        icc_with_tail(plain_jpeg(icc_profile=SRGB)),
        icc_extra_chunk(plain_jpeg(icc_profile=SRGB)),
        icc_not_a_profile(plain_jpeg()),
    ],
    ids=[
        "before-end",
        "between-scans",
        "adobe-tail",
        "icc-tail",
        "icc-extra-chunk",
        "icc-not-a-profile",
    ],
)
def test_jpeg_metadata_hidden_after_the_scan_or_in_kept_segments_is_removed(
    content, officer_client
):
    with PILImage.open(io.BytesIO(content)) as uploaded:
        pixels = uploaded.convert("RGB").tobytes()
        srgb = uploaded.info.get("icc_profile", b"").startswith(SRGB)

    response = upload_image(officer_client, "handy.jpg", content)

    assert response.status_code == 302
    image = Image.objects.get()
    leaks = [
        name for name in media_files() if HIDDEN in (Path(settings.MEDIA_ROOT) / name).read_bytes()
    ]
    assert leaks == []
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.file.name) as original:
        assert (original.format, original.getexif(), original.info.get("comment")) == (
            "JPEG",
            {},
            None,
        )
        # Still the uploaded compressed pixels, and the colour profile without the tail.
        assert original.convert("RGB").tobytes() == pixels
        assert original.info.get("icc_profile") == (SRGB if srgb else None)


@pytest.mark.parametrize(
    ("name", "format", "orientation"),
    [("grafik.png", "PNG", 1), ("web.webp", "WEBP", 1), ("hochkant.jpg", "JPEG", 6)],
    ids=["png", "webp", "jpeg-turned"],
)
def test_colour_profile_is_stored_without_bytes_behind_its_stated_size(
    name, format, orientation, officer_client
):
    buffer = io.BytesIO()
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    two_halves().save(buffer, format, icc_profile=SRGB + HIDDEN, exif=exif)

    upload_image(officer_client, name, buffer.getvalue())

    image = Image.objects.get()
    profiles = [read_back(name)[3].get("icc_profile") for name in media_files()]
    assert [profile for profile in profiles if profile and HIDDEN in profile] == []
    assert read_back(image.file.name)[3]["icc_profile"] == SRGB
