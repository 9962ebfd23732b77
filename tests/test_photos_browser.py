"""A 12-megapixel phone photo, uploaded in Chromium, read on a 375 px phone."""

from pathlib import Path

import pytest
from PIL import ExifTags, Image as PILImage, ImageFilter
from playwright.sync_api import expect

from office.models import Image
from tests.kit.browsers import PAGE_BUDGET, Watch, first_load, logged_in_page
from tests.kit.factories import make_profile, make_release, phone_exif, photo_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def twelve_megapixel_photo(path):
    """Write a 4000 × 3000 JPEG as a phone stores a portrait: on its side, with GPS."""
    base = PILImage.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    grain = PILImage.effect_noise((4000, 3000), 40).convert("RGB").filter(ImageFilter.BoxBlur(1))
    PILImage.blend(base, grain, 0.5).save(path, "JPEG", quality=90, exif=phone_exif(6))
    return path


def test_phone_photo_uploaded_in_the_browser_makes_a_small_clean_page(
    browser, live_server, settings, tmp_path
):
    settings.ROOT_URLCONF = "tests.kit.public_site"
    make_profile()
    photo = twelve_megapixel_photo(tmp_path / "IMG_0001.jpg")
    editor = logged_in_page(browser, live_server, "redakteurin", "Redaktion")

    editor.goto(f"{live_server.url}/admin/office/image/add/")
    editor.set_input_files("#id_file", str(photo))
    editor.fill("#id_alt_text", "Die Abgeordnete im Gespräch mit Schülerinnen")
    editor.fill("#id_credit", "Foto: Büro Hagemeier")
    # Cleaning and twelve renditions of 12 megapixels take a few seconds.
    editor.click("input[name=_save]", timeout=60_000)
    expect(editor).to_have_url(f"{live_server.url}/admin/office/image/", timeout=60_000)
    editor.context.close()

    image = Image.objects.get()
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.file.name) as original:
        stored = (original.size, original.getexif().get_ifd(ExifTags.IFD.GPSInfo))
    make_release(slug="mit-handyfoto", hero_image=image)
    sizes = first_load(browser, f"{live_server.url}/pressemitteilungen/mit-handyfoto/")

    assert stored == ((3000, 4000), {})
    photos = [key for key in sizes if key.startswith("image /media/")]
    assert photos == [f"image /media/{image.rendition_name('480.avif')}"]
    assert sum(sizes.values()) < PAGE_BUDGET, sizes
    assert photo.stat().st_size > 10 * PAGE_BUDGET


def test_editor_clicks_the_photo_to_set_its_focal_point(browser, live_server, settings):
    settings.ROOT_URLCONF = "tests.kit.public_site"
    image = photo_image(size=(1600, 800))
    editor = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    watch = Watch(editor.context, live_server.url)
    watch.attach(editor)

    editor.goto(f"{live_server.url}/admin/office/image/{image.pk}/change/")
    picture = editor.locator(".plenum-focal img")
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    chosen = (editor.input_value("#id_focal_x"), editor.input_value("#id_focal_y"))
    editor.click("input[name=_save]", timeout=30_000)
    expect(editor).to_have_url(f"{live_server.url}/admin/office/image/", timeout=30_000)
    editor.context.close()

    image.refresh_from_db()
    assert chosen == ("25", "75")
    assert (image.focal_x, image.focal_y) == (25, 75)
    assert (watch.violations, watch.errors) == ([], [])
