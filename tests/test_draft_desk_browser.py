"""No lost work and the live preview in Chromium: the prompt before leaving, the automatic copy
coming back after a closed tab or an expired login, the preview following the text, the counters."""

import pytest
from playwright.sync_api import expect

from releases.models import Release
from tests.kit.browsers import (
    close_quietly,
    log_in,
    logged_in_page,
    open_add_release_form,
    screenshot,
)
from tests.kit.factories import change_url, make_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADD_RELEASE = "/admin/releases/release/add/"
# The automatic copy reaches the server three seconds after a change; the machine may be busy.
SAVED_TIMEOUT = 20_000


def record_dialogs(page, accept=False):
    dialogs = []

    def answer(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return dialogs


def test_leaving_with_unsaved_changes_asks_first_and_saving_does_not(
    browser, live_server, category
):
    page = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    dialogs = record_dialogs(page)
    page.goto(f"{live_server.url}{ADD_RELEASE}")
    page.locator(".breadcrumbs a", has_text="Start").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    assert dialogs == []

    editor = open_add_release_form(page, live_server, "Nicht verlieren")
    page.locator(".breadcrumbs a", has_text="Start").click()
    expect(page.locator("#id_title")).to_have_value("Nicht verlieren")
    assert dialogs == [
        ("confirm", "Ihre Änderungen sind noch nicht gespeichert. Seite trotzdem verlassen?")
    ]

    page.close(run_before_unload=True)
    expect(page.locator("#id_title")).to_have_value("Nicht verlieren")
    assert [kind for kind, _ in dialogs] == ["confirm", "beforeunload"]

    editor.click()
    page.keyboard.type("Der Text.")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    assert [kind for kind, _ in dialogs] == ["confirm", "beforeunload"]
    assert Release.objects.get().body == "<p>Der Text.</p>"
    page.goto(f"{live_server.url}{ADD_RELEASE}")
    expect(page.locator("#id_title")).to_have_value("")
    expect(page.locator(".plenum-autosave-offer")).to_be_hidden()
    close_quietly(page.context)


def test_automatic_copy_comes_back_after_the_tab_was_closed(browser, live_server, category):
    page = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    record_dialogs(page, accept=True)
    editor = open_add_release_form(page, live_server, "Kommt wieder")
    editor.click()
    page.keyboard.type("Getippt und nie gespeichert.")
    expect(page.locator(".plenum-autosave-status")).to_contain_text(
        "Automatisch gesichert um", timeout=SAVED_TIMEOUT
    )
    context = page.context
    page.close(run_before_unload=False)

    page = context.new_page()
    page.goto(f"{live_server.url}{ADD_RELEASE}")
    offer = page.locator(".plenum-autosave-offer")
    expect(offer).to_contain_text("Es gibt eine automatisch gesicherte Fassung von")
    expect(offer).to_contain_text(" Uhr.")
    screenshot(page, "automatisch-gesichert", ".plenum-autosave-offer", ".field-title")
    offer.get_by_role("button", name="Wiederherstellen").click()

    expect(page.locator("#id_title")).to_have_value("Kommt wieder")
    expect(page.locator(".field-body .ProseMirror[contenteditable=true]")).to_have_text(
        "Getippt und nie gespeichert."
    )
    expect(page.locator(".field-category .select2-selection")).to_contain_text(
        "Aus der Landesregierung"
    )
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    release = Release.objects.get()
    assert (release.title, release.body) == ("Kommt wieder", "<p>Getippt und nie gespeichert.</p>")
    assert release.category == category
    close_quietly(context)


def test_the_browser_keeps_what_an_expired_login_could_not_send(browser, live_server, writer):
    draft = make_release(title="Alter Titel", status=Release.Status.DRAFT, author=writer)
    page = logged_in_page(browser, live_server, "kollege", "Redaktion")
    record_dialogs(page, accept=True)
    page.goto(f"{live_server.url}{change_url(draft)}")
    page.context.clear_cookies()

    page.locator("#id_title").fill("Nach Ablauf der Anmeldung getippt")
    expect(page.locator(".plenum-autosave-status--failed")).to_contain_text(
        "Nicht auf dem Server gesichert", timeout=SAVED_TIMEOUT
    )
    log_in(page, live_server, "kollege")
    page.goto(f"{live_server.url}{change_url(draft)}")
    page.get_by_role("button", name="Wiederherstellen").click()

    expect(page.locator("#id_title")).to_have_value("Nach Ablauf der Anmeldung getippt")
    assert Release.objects.get().title == "Alter Titel"
    close_quietly(page.context)


def test_discarded_copy_is_not_offered_again(browser, live_server, category):
    page = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    record_dialogs(page, accept=True)
    open_add_release_form(page, live_server, "Verworfen")
    expect(page.locator(".plenum-autosave-status")).to_contain_text(
        "Automatisch gesichert um", timeout=SAVED_TIMEOUT
    )
    page.goto(f"{live_server.url}{ADD_RELEASE}")
    discarded = lambda response: "_verwerfen" in (response.request.post_data or "")  # noqa: E731
    with page.expect_response(discarded):
        page.get_by_role("button", name="Verwerfen").click()
    expect(page.locator(".plenum-autosave-offer")).to_be_hidden()

    page.reload()

    expect(page.locator("#id_title")).to_be_visible()
    expect(page.locator(".plenum-autosave-offer")).to_be_hidden()
    expect(page.locator("#id_title")).to_have_value("")
    close_quietly(page.context)


def test_preview_follows_the_text_without_saving(browser, live_server, writer, profile, category):
    draft = make_release(
        title="Vorher",
        slug="vorher",
        lead="Das Land fördert hundert Gründungen im Jahr.",
        status=Release.Status.DRAFT,
        publish_at=None,
        author=writer,
        body="<p>Alter Text</p>",
    )
    page = logged_in_page(browser, live_server, "kollege", "Redaktion")
    record_dialogs(page, accept=True)
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{live_server.url}{change_url(draft)}")
    page.get_by_role("button", name="Vorschau anzeigen").click()
    frame = page.frame_locator(".plenum-live-preview__frame")
    expect(frame.locator("h1")).to_have_text("Vorher")
    expect(frame.locator(".preview-banner")).to_have_text("Vorschau – nicht veröffentlicht")
    # The public stylesheet applies inside the admin's policy: the page looks as readers see it.
    # It may arrive after the text, so the check waits for it.
    expect(frame.locator(".site-header")).to_have_css("border-bottom-width", "4px")

    page.locator("#id_title").fill("Nachher, noch ungespeichert")
    page.locator(".field-body .ProseMirror[contenteditable=true]").click()
    page.keyboard.press("End")
    page.keyboard.type(" und neuer Satz.")

    expect(frame.locator("h1")).to_have_text("Nachher, noch ungespeichert")
    expect(frame.locator(".prose")).to_have_text("Alter Text und neuer Satz.")
    expect(page.locator(".plenum-search-result__title")).to_have_text(
        "Nachher, noch ungespeichert – Daniel Hagemeier MdL"
    )
    expect(page.locator(".plenum-share-card__title")).to_have_text("Nachher, noch ungespeichert")
    iframe = page.locator(".plenum-live-preview__frame")
    assert iframe.evaluate("f => f.contentWindow.innerWidth") == 1280
    screenshot(page, "vorschau-bildschirm")

    page.get_by_role("button", name="Handy (375 px)").click()

    assert iframe.evaluate("f => f.contentWindow.innerWidth") == 375
    screenshot(
        page, "vorschau-handy", ".plenum-live-preview__widths", ".plenum-live-preview__viewport"
    )
    expect(page.get_by_role("button", name="Handy (375 px)")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Release.objects.get().title == "Vorher"
    assert Release.objects.get().body == "<p>Alter Text</p>"
    close_quietly(page.context)


def test_counters_show_what_fits_a_search_result(browser, live_server, category):
    page = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    record_dialogs(page, accept=True)
    page.goto(f"{live_server.url}{ADD_RELEASE}")
    title_counter = page.locator("#plenum-counter-title")
    lead_counter = page.locator("#plenum-counter-lead")
    expect(title_counter).to_have_text("0 von 70 Zeichen")
    expect(lead_counter).to_have_text("0 von 160 Zeichen")

    page.locator("#id_title").press_sequentially("Förderung für Start-ups")
    page.locator("#id_lead").fill("L" * 161)

    expect(title_counter).to_have_text("23 von 70 Zeichen")
    expect(lead_counter).to_have_text("161 von 160 Zeichen: Suchmaschinen kürzen den Rest")
    expect(lead_counter).to_have_class("plenum-counter plenum-counter--over")
    expect(page.locator("#id_title")).to_have_attribute("aria-describedby", "plenum-counter-title")
    close_quietly(page.context)
