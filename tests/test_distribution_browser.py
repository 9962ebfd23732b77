"""The Presseverteiler in Chromium: the Freigabe sends a release by topic and watches it go out;
in development, a sent mail's HTML is shown without running in the admin (issue 21)."""

import time
from collections import Counter

import pytest
from django.core.mail import EmailMultiAlternatives
from playwright.sync_api import expect

from distribution.models import Delivery, Mailing
from tests.kit.browsers import logged_in_page
from tests.kit.factories import make_category, make_contact, make_profile, make_release, make_topic
from tests.kit.servers import running_worker
from tests.kit.smtp import smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reload_until(page, text, timeout=120):
    """Reload the page until its content shows text (the admin's progress has no live update)."""
    deadline = time.monotonic() + timeout
    while text not in page.locator("#content").inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared")
        time.sleep(0.5)
        page.reload()


def test_the_freigabe_sends_by_topic_and_watches_the_progress(browser, live_server, tmp_path):
    make_profile()
    ki = make_topic(name="Künstliche Intelligenz", slug="ki")
    make_topic(name="Verkehr", slug="verkehr")
    release = make_release(title="Von der Kohle zur KI", category=make_category(), topics=[ki])
    make_contact(email="ki@example.org", topics=[ki])
    make_contact(email="alles@example.org")  # no topics: every release
    make_contact(email="verkehr@example.org", topics=[make_topic(name="Bahn", slug="bahn")])

    with smtp_server() as (mailbox, url):
        # The server refuses one address for now (451): the page shows a send half done.
        mailbox.temporary = {"alles@example.org": 1000}
        with running_worker(tmp_path, EMAIL_URL=url, MAILING_RETRY_SECONDS="2"):
            page = logged_in_page(browser, live_server, "freigeber", "Freigabe")
            page.goto(f"{live_server.url}/admin/releases/release/")
            page.get_by_role("link", name="An den Presseverteiler senden").click()
            expect(page.locator("#id_release")).to_have_value(str(release.pk))
            page.select_option("#id_topics_from", label="Künstliche Intelligenz")
            page.click("#id_topics_add")
            page.click("input[name=_save]")

            expect(page.locator("#content h1")).to_have_text("Versand ansehen")
            expect(page.locator("#content")).to_contain_text("Von der Kohle zur KI")
            reload_until(page, "Vorübergehend fehlgeschlagen, neuer Versuch geplant")
            expect(page.locator("#content")).to_contain_text("1 von 2 versendet")
            mailbox.temporary.clear()
            reload_until(page, "2 von 2 versendet")

    mailing = Mailing.objects.get()
    results = page.locator(".inline-group")
    assert mailing.state == Mailing.State.DONE
    assert [t.name for t in mailing.topics.all()] == ["Künstliche Intelligenz"]
    assert Counter(mailbox.recipients()) == Counter(["ki@example.org", "alles@example.org"])
    for delivery in Delivery.objects.select_related("contact"):
        expect(results).to_contain_text(str(delivery.contact))
    assert results.inner_text().count("Versendet") == 2


def test_a_sent_mail_shows_its_html_without_running_its_scripts(
    browser, live_server, settings, tmp_path
):
    settings.DEBUG = True
    settings.SENT_MAIL_DIR = tmp_path / "sent-mail"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(settings.SENT_MAIL_DIR)},
        }
    }
    message = EmailMultiAlternatives("Mit Skript", "Nur Text", to=["a@example.org"])
    message.attach_alternative(
        '<p id="inside" style="color:#b00020">Hallo</p>'
        "<script>parent.document.title = 'übernommen'; document.title = 'lief'</script>"
        '<img src="x" onerror="parent.document.title = \'übernommen\'">',
        "text/html",
    )
    message.send()
    page = logged_in_page(browser, live_server, "freigeber", "Freigabe")
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    page.goto(f"{live_server.url}/admin/distribution/mailing/")
    page.get_by_role("link", name="Gesendete E-Mails (Entwicklung)").click()
    page.get_by_role("link", name="Mit Skript").click()

    frame = page.frame_locator("#sent-mail-html")
    expect(frame.locator("#inside")).to_have_text("Hallo")
    expect(frame.locator("#inside")).to_have_css("color", "rgb(176, 0, 32)")
    expect(page.locator("#sent-mail-text")).to_have_text("Nur Text")
    assert "übernommen" not in page.title()
    assert page.frames[1].evaluate("document.title") != "lief"
    assert dialogs == []
