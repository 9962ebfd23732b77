"""On a phone in Chromium, the Freigabe approves a release with a Sperrfrist and sends it ahead
to the followers of its category and topic; a real worker delivers it to a real SMTP server."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distribution.models import Contact, Mailing
from releases.models import Release
from tests.kit.browsers import (
    WCAG_AA,
    Walk,
    log_in,
    open_context,
    overflowing_decision_controls,
)
from tests.kit.factories import (
    make_category,
    make_contact,
    make_profile,
    make_release,
    make_topic,
    member,
)
from tests.kit.pages import BERLIN
from tests.kit.public_site import AXE_JS
from tests.kit.servers import running_worker
from tests.kit.smtp import smtp_server, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Issue 19's target for approving with a Sperrfrist from the dashboard; sending it on
# the same approval stays within it.
APPROVAL_STEPS_TARGET = 5
# The worker shares two cores with other test runs.
SLOW = 60_000


def decision_row_violations(page):
    """Return axe's WCAG 2.1 AA violations inside the decision row, as 'rule: selector'."""
    results = page.evaluate(
        """tags => axe.run('#plenum-decisions', {runOnly: {type: 'tag', values: tags}})""",
        WCAG_AA,
    )
    return [
        f"{violation['id']}: {' '.join(node['target'][0] for node in violation['nodes'][:3])}"
        for violation in results["violations"]
    ]


def test_approver_sends_ahead_to_the_chosen_followers_and_watches_the_progress(
    browser, live_server, tmp_path
):
    make_profile()
    category = make_category(name="Aus der Landesregierung")
    topic = make_topic(name="Künstliche Intelligenz")
    other_topic = make_topic(name="Verkehr")
    release = make_release(
        title="Neue Förderung für KI-Start-ups",
        status=Release.Status.REVIEW,
        publish_at=None,
        category=category,
        topics=[topic],
    )
    chosen = {
        make_contact(email="ki@example.net", topics=[topic]).email,
        make_contact(email="landesregierung@example.net", categories=[category]).email,
        make_contact(email="alles@example.net").email,
    }
    make_contact(email="verkehr@example.net", topics=[other_topic])
    make_contact(email="abgemeldet@example.net", topics=[topic], status="unsubscribed")
    member("freigeber", "Freigabe")
    context = open_context(browser, 375, 812, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    log_in(page, live_server, "freigeber")
    embargo = (timezone.now() + datetime.timedelta(days=1)).astimezone(BERLIN)
    embargo = embargo.replace(hour=18, minute=0, second=0, microsecond=0)

    with smtp_server() as (mailbox, url), running_worker(tmp_path, EMAIL_URL=url):
        steps = Walk(page)
        steps.click(page.get_by_role("link", name="Freigeben oder zurückgeben"))
        send = page.get_by_role("group", name="An den Presseverteiler senden")
        expect(send.get_by_role("radio", name="Nein")).to_be_checked()
        expect(send.get_by_role("group", name="Mit Sperrfrist")).to_be_hidden()
        steps.fill(page.get_by_label("Sperrfrist bis"), f"{embargo:%Y-%m-%dT%H:%M}")
        steps.click(send.get_by_text("An Kategorien/Themen", exact=True))
        ticked = send.get_by_role("checkbox", checked=True)
        expect(ticked).to_have_count(2)
        expect(send.get_by_label("Kategorie: Aus der Landesregierung")).to_be_checked()
        expect(send.get_by_label("Thema: Künstliche Intelligenz")).to_be_checked()
        expect(send.get_by_label("Thema: Verkehr")).not_to_be_visible()
        # The keyboard goes from the chosen audience to its first box.
        send.get_by_role("radio", name="An Kategorien/Themen").focus()
        page.keyboard.press("Tab")
        expect(send.get_by_label("Kategorie: Aus der Landesregierung")).to_be_focused()
        steps.click(send.get_by_text("Vorab mit Sperrfrist-Vermerk", exact=True))
        assert overflowing_decision_controls(page) == []
        assert decision_row_violations(page) == []
        steps.click(page.get_by_role("button", name="Freigeben", exact=True))
        expect(page.locator(".messagelist .success").first).to_be_visible()

        assert steps.count == APPROVAL_STEPS_TARGET
        page.get_by_role("link", name="Versand ansehen").click()
        expect(page.locator(".field-progress")).to_contain_text("von 3 versendet")
        wait_for(lambda: len(mailbox.recipients()) >= 3)
        wait_for(lambda: Mailing.objects.get().state == Mailing.State.DONE)
        page.reload()
        expect(page.locator(".field-progress")).to_contain_text("3 von 3 versendet", timeout=SLOW)

    release.refresh_from_db()
    assert (release.status, release.publish_at) == (Release.Status.PUBLISHED, embargo)
    contacts = set(Contact.objects.values_list("email", flat=True))
    to_contacts = [
        (rcpt_tos, message["Subject"])
        for (rcpt_tos, _, _), message in zip(mailbox.accepted, mailbox.messages(), strict=True)
        if set(rcpt_tos) & contacts
    ]
    assert sorted(address for rcpt_tos, _ in to_contacts for address in rcpt_tos) == sorted(chosen)
    assert {subject for _, subject in to_contacts} == {
        f"SPERRFRIST: {embargo:%d.%m.%Y}, 18:00 Uhr – Neue Förderung für KI-Start-ups"
    }
    context.close()
