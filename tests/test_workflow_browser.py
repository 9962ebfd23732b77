"""The whole editorial path in Chromium: Redaktion writes and submits, Freigabe approves with
an embargo, and readers see the release on the page and in the feed once the embargo ends."""

import datetime

import feedparser
import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from office.models import AuditEntry
from releases.models import Release
from tests.kit.browsers import logged_in_page, open_add_release_form, save, type_with_bold
from tests.kit.pages import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_release_goes_from_writer_through_approval_and_embargo_to_readers(
    browser, live_server, category
):
    writer = logged_in_page(browser, live_server, "redakteurin", "Redaktion")
    editor = open_add_release_form(writer, live_server, "Neue Förderung für KI-Start-ups")
    editor.click()
    type_with_bold(writer, "Das Land fördert ", "hundert Gründungen", " im Jahr.")
    assert writer.locator("#id_status option").all_inner_texts() == ["Entwurf", "In Prüfung"]
    writer.select_option("#id_status", "review")
    writer.fill("#id_workflow_comment", "Bitte heute noch freigeben.")
    save(writer)

    release = Release.objects.get()
    assert (release.status, release.author.username) == (Release.Status.REVIEW, "redakteurin")
    assert release.body == "<p>Das Land fördert <strong>hundert Gründungen</strong> im Jahr.</p>"

    approver = logged_in_page(browser, live_server, "freigeber", "Freigabe")
    expect(approver.locator("#plenum-dashboard")).to_contain_text("Neue Förderung für KI-Start-ups")
    approver.locator("#plenum-dashboard a", has_text="Neue Förderung für KI-Start-ups").click()
    embargo = (timezone.now() + datetime.timedelta(days=1)).astimezone(BERLIN)
    embargo = embargo.replace(hour=18, minute=0, second=0, microsecond=0)
    approver.select_option("#id_status", "published")
    approver.fill("#id_publish_at_0", f"{embargo:%d.%m.%Y}")
    approver.fill("#id_publish_at_1", "18:00:00")
    save(approver)

    release.refresh_from_db()
    assert (release.status, release.publish_at) == (Release.Status.PUBLISHED, embargo)
    assert list(AuditEntry.objects.order_by("created_at").values_list("action", flat=True)) == [
        "submitted",
        "approved",
    ]
    reader = browser.new_context(locale="de-DE").new_page()
    public_url = f"{live_server.url}/pressemitteilungen/{release.slug}/"
    feed_url = f"{live_server.url}/pressemitteilungen/feed/"

    before = reader.goto(public_url).status
    feed_before = feedparser.parse(reader.request.get(feed_url).body()).entries
    with time_machine.travel(embargo + datetime.timedelta(seconds=30), tick=True):
        after = reader.goto(public_url).status
        heading = reader.locator("h1").inner_text()
        feed_after = feedparser.parse(reader.request.get(feed_url).body()).entries

    assert (before, after) == (404, 200)
    assert heading == "Neue Förderung für KI-Start-ups"
    assert feed_before == []
    assert [entry.title for entry in feed_after] == ["Neue Förderung für KI-Start-ups"]
    reader.context.close()
    writer.context.close()
    approver.context.close()
