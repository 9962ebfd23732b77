"""A library photo placed in a release's text in Chromium, by keyboard, then read on the site."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from releases.models import Release
from tests.kit.browsers import Watch, logged_in_page, open_add_release_form, open_context, save
from tests.kit.factories import make_image, make_profile, photo_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = {"timeout": 20_000}


def test_a_photo_is_chosen_by_keyboard_saved_and_shown_as_a_picture(
    browser, live_server, settings, category
):
    settings.ROOT_URLCONF = "tests.kit.public_site"
    make_profile()
    image = photo_image(alt_text="Die Abgeordnete am Rednerpult", caption="Haushaltsrede")
    make_image(alt_text="Besuch einer Grundschule")
    page = logged_in_page(browser, live_server, "freigeberin", "Freigabe")
    watch = Watch(page.context, live_server.url)
    watch.attach(page)

    editor = open_add_release_form(page, live_server, "Mit Foto im Text")
    editor.click()
    page.keyboard.type("Erster Absatz.")
    page.locator(".field-body button[data-name=plenumPhoto]").focus()
    page.keyboard.press("Enter")
    chooser = page.get_by_role("dialog")
    expect(chooser.get_by_role("heading", name="Foto einfügen")).to_be_visible(**WAIT)
    expect(chooser.get_by_role("option")).to_have_count(2, **WAIT)
    page.keyboard.type("rednerpult")
    expect(chooser.get_by_role("option")).to_have_count(1, **WAIT)
    page.keyboard.press("ArrowDown")
    marked = chooser.get_by_role("option", selected=True)
    expect(marked).to_contain_text("Die Abgeordnete am Rednerpult")
    page.keyboard.press("Tab")
    expect(chooser.get_by_label("Eigene Bildunterschrift (optional)")).to_be_focused()
    page.keyboard.type("Rede zum Haushalt 2026")
    page.keyboard.press("Enter")
    placed = page.locator(".field-body figure.plenum-photo")
    expect(placed.locator("img")).to_have_attribute("alt", "Die Abgeordnete am Rednerpult", **WAIT)
    expect(placed).to_contain_text("Rede zum Haushalt 2026 · Foto: Max Mustermann")
    save(page)

    release = Release.objects.get(slug="mit-foto-im-text")
    reference = (
        f'<figure data-image="{image.pk}"><figcaption>Rede zum Haushalt 2026</figcaption></figure>'
    )
    assert release.body.startswith(f"<p>Erster Absatz.</p>{reference}")

    # Opened again, the editor shows the photo from the library.
    page.goto(f"{live_server.url}/admin/releases/release/{release.pk}/change/")
    expect(page.locator(".field-body figure.plenum-photo img")).to_have_attribute(
        "src", image.picture()["src"], **WAIT
    )
    assert (watch.violations, watch.errors, watch.foreign) == ([], [], [])
    page.context.close()

    Release.objects.filter(pk=release.pk).update(
        status=Release.Status.PUBLISHED, publish_at=timezone.now()
    )
    reader = open_context(browser, 1280).new_page()
    reader.goto(f"{live_server.url}/pressemitteilungen/mit-foto-im-text/")
    picture = reader.locator(".prose figure.image picture")
    expect(picture.locator("source")).to_have_count(2)
    shown = picture.locator("img")
    shown.scroll_into_view_if_needed()
    expect(shown).to_have_js_property("complete", True, **WAIT)
    loaded = shown.evaluate("img => [img.currentSrc, img.naturalWidth]")
    assert re.search(rf"/media/bilder/.+/{image.renditions['key']}-\d+\.avif$", loaded[0])
    assert loaded[1] > 0
    assert shown.get_attribute("loading") == "lazy"
    expect(reader.locator(".prose figcaption")).to_have_text(
        "Rede zum Haushalt 2026 · Foto: Max Mustermann"
    )
    reader.context.close()
