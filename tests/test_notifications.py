"""Editors are told by e-mail: the Freigabe of a submission, a writer of a return or approval."""

import pytest
from django.contrib.auth.models import User

from office.models import NotificationPreference
from office.publishing import Status
from office.publishing.workflow import record
from tests.kit.factories import make_event, make_profile, make_release, member
from tests.kit.smtp import text_of
from tests.kit.tasks import run_due_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """A writer, two approvers, and a superuser who is not in the Freigabe group."""
    make_profile()
    people = {
        "writer": member("redakteurin", "Redaktion"),
        "approver": member("freigeber", "Freigabe"),
        "second": member("chefin", "Freigabe"),
    }
    for user in people.values():
        user.email = f"{user.username}@buero.example"
        user.first_name = user.username.capitalize()
        user.save()
    User.objects.create_superuser("admin", "admin@buero.example", "x")
    return people


def step(item, user, old_status, new_status, comment=""):
    item.status = new_status
    item.save()
    record(item, user, old_status, comment)
    run_due_tasks()


def test_a_submission_mails_the_freigabe_but_not_the_writer_or_a_superuser(smtp, team):
    release = make_release(title="Von der Kohle zur KI", status=Status.DRAFT, author=team["writer"])

    step(release, team["writer"], Status.DRAFT, Status.REVIEW)

    assert sorted(smtp.recipients()) == ["chefin@buero.example", "freigeber@buero.example"]
    message = smtp.messages()[0]
    assert message["Subject"] == "Wartet auf Ihre Freigabe: Von der Kohle zur KI"
    text = text_of(message)
    assert "Redakteurin hat „Von der Kohle zur KI“ zur Freigabe eingereicht." in text
    assert f"https://www.example.org/admin/releases/release/{release.pk}/change/" in text
    assert "https://www.example.org/admin/benachrichtigungen/" in text


def test_a_return_mails_the_writer_with_the_comment(smtp, team):
    event = make_event(title="Sommerfest", status=Status.REVIEW, author=team["writer"])

    step(event, team["approver"], Status.REVIEW, Status.DRAFT, comment="Bitte Ort ergänzen.")

    assert smtp.recipients() == ["redakteurin@buero.example"]
    message = smtp.messages()[0]
    assert message["Subject"] == "Zurückgegeben: Sommerfest"
    assert "Anmerkung:\nBitte Ort ergänzen." in text_of(message)


def test_an_approval_tells_the_writer_when_it_goes_public(smtp, team, tomorrow):
    release = make_release(title="Sperrfrist", status=Status.REVIEW, author=team["writer"])
    release.publish_at = tomorrow

    step(release, team["approver"], Status.REVIEW, Status.PUBLISHED)

    assert smtp.recipients() == ["redakteurin@buero.example"]
    assert smtp.messages()[0]["Subject"] == "Freigegeben: Sperrfrist"
    assert "Öffentlich ab " in text_of(smtp.messages()[0])


def test_an_ordinary_save_and_a_withdrawal_mail_nobody(smtp, team):
    release = make_release(status=Status.PUBLISHED, author=team["writer"])

    release.title = "Korrigiert"
    release.save()
    step(release, team["approver"], Status.PUBLISHED, Status.PUBLISHED)
    step(release, team["approver"], Status.PUBLISHED, Status.WITHDRAWN)

    assert smtp.recipients() == []


def test_each_editor_can_turn_the_mails_off(smtp, team):
    NotificationPreference.objects.create(user=team["second"], waiting_for_approval=False)
    NotificationPreference.objects.create(user=team["writer"], my_texts=False)
    release = make_release(status=Status.DRAFT, author=team["writer"])

    step(release, team["writer"], Status.DRAFT, Status.REVIEW)
    step(release, team["approver"], Status.REVIEW, Status.DRAFT, comment="Nein.")

    assert smtp.recipients() == ["freigeber@buero.example"]


def test_the_notifications_page_saves_the_choice_and_shows_the_writer_only_theirs(team):
    from tests.kit.factories import client_of

    writer, approver = client_of(team["writer"]), client_of(team["approver"])

    writer_page = writer.get("/admin/benachrichtigungen/").content.decode()
    approver_page = approver.get("/admin/benachrichtigungen/").content.decode()
    saved = approver.post("/admin/benachrichtigungen/", {"my_texts": "on"})

    assert "Wenn mein Text zurückkommt" in writer_page
    assert "Wenn etwas auf meine Freigabe wartet" not in writer_page
    assert "Wenn etwas auf meine Freigabe wartet" in approver_page
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=team["approver"])
    assert (preference.waiting_for_approval, preference.my_texts) == (False, True)
    assert anonymous_redirected()


def anonymous_redirected():
    from django.test import Client

    return Client().get("/admin/benachrichtigungen/").status_code == 302


def test_a_writer_who_left_the_office_is_told_nothing_of_the_text(smtp, team):
    team["writer"].is_staff = False  # the account stays, its admin access ended
    team["writer"].save()
    event = make_event(title="Sommerfest", status=Status.REVIEW, author=team["writer"])

    step(event, team["approver"], Status.REVIEW, Status.DRAFT, comment="Vertraulich: Ort fehlt.")

    assert smtp.messages() == []
