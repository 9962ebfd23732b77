"""The Freigabe chooses, when approving a release, whether and to whom it goes by e-mail."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from distribution.models import Contact, Delivery, Mailing
from releases.models import Release
from tests.kit.factories import (
    PASSWORD,
    change_url,
    client_of,
    make_category,
    make_contact,
    make_event,
    make_release,
    make_topic,
)
from tests.kit.pages import admin_page

pytestmark = pytest.mark.django_db

REFUSED = "An den Presseverteiler senden darf nur die Freigabe."


def change_form(client, release):
    """Return what the browser would post back from the release's change form."""
    response = client.get(change_url(release))
    assert response.status_code == 200
    return admin_page(response).form


def approve(client, release, embargo=None, **choice):
    """Post "Freigeben" on the release's form, with a Sperrfrist and the mailing's choice."""
    data = change_form(client, release) | {"_decision": "approve", **choice}
    if embargo is not None:
        data["embargo"] = f"{timezone.localtime(embargo):%Y-%m-%dT%H:%M}"
    for name in ("send_categories", "send_topics"):
        # Boxes the test leaves out are unticked, as a browser would post them.
        if name not in choice:
            data.pop(name, None)
    return client.post(change_url(release), data)


def in_a_day(now):
    return (now + datetime.timedelta(days=1)).replace(second=0, microsecond=0)


def recipients(mailing):
    return sorted(mailing.deliveries.values_list("contact__email", flat=True))


def submitted(**kwargs):
    return make_release(status=Release.Status.REVIEW, publish_at=None, **kwargs)


SEND_MAILING = "distribution.sending.send_mailing"


def mailing_runs():
    """Return the runs of send_mailing booked (the editors' notifications are tasks too)."""
    return DBTaskResult.objects.filter(task_path=SEND_MAILING)


def runs_booked():
    return list(mailing_runs().values_list("args_kwargs", flat=True))


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return queries


def text(response):
    return response.content.decode().replace("&quot;", '"')


def test_approving_to_everyone_books_one_mailing_to_every_active_contact(approver_client):
    release = submitted(title="Neue Förderung")
    make_contact(email="a@example.net")
    make_contact(email="b@example.net", topics=[make_topic()])
    make_contact(email="weg@example.net", status=Contact.Status.UNSUBSCRIBED)

    response = approve(approver_client, release, send_to="all")

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.status == Release.Status.PUBLISHED
    mailing = Mailing.objects.get()
    assert (mailing.release, mailing.everyone, mailing.mode) == (
        release,
        True,
        Mailing.Mode.PUBLICATION,
    )
    assert mailing.created_by.username == "freigeber"
    assert recipients(mailing) == ["a@example.net", "b@example.net"]
    assert runs_booked() == [{"args": [mailing.pk], "kwargs": {}}]
    page = text(approver_client.get(response["Location"]))
    assert "An den Presseverteiler: 2 Empfänger, Bei Veröffentlichung." in page


def test_approving_to_one_topic_books_its_followers_and_those_who_take_everything(
    approver_client,
):
    category = make_category(name="Aus der Landesregierung")
    wanted, other = make_topic(name="Künstliche Intelligenz"), make_topic(name="Verkehr")
    release = submitted(category=category, topics=[wanted, other])
    make_contact(email="ki@example.net", topics=[wanted])
    make_contact(email="alles@example.net")
    make_contact(email="verkehr@example.net", topics=[other])
    make_contact(email="kategorie@example.net", categories=[category])

    response = approve(approver_client, release, send_to="some", send_topics=[wanted.pk])

    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert mailing.everyone is False
    assert (list(mailing.categories.all()), list(mailing.topics.all())) == ([], [wanted])
    assert recipients(mailing) == ["alles@example.net", "ki@example.net"]


def test_approving_with_a_sperrfrist_sends_ahead_at_once_with_the_embargo_stated(
    approver_client, now
):
    release = submitted()
    make_contact(email="a@example.net")
    embargo = in_a_day(now)

    approve(approver_client, release, embargo, send_to="all", send_mode="ahead")

    mailing = Mailing.objects.get()
    assert (mailing.mode, mailing.embargo_until) == (Mailing.Mode.AHEAD, embargo)
    assert mailing.booked_for <= timezone.now()
    assert mailing_runs().get().run_after == mailing.booked_for


def test_approving_with_a_sperrfrist_sends_at_its_end_by_default(approver_client, now):
    release = submitted()
    make_contact(email="a@example.net")
    embargo = in_a_day(now)

    approve(approver_client, release, embargo, send_to="all")

    mailing = Mailing.objects.get()
    assert (mailing.mode, mailing.embargo_until) == (Mailing.Mode.EMBARGO_END, None)
    assert mailing.booked_for == embargo
    assert mailing_runs().get().run_after == embargo


def test_the_form_offers_no_sending_by_default_and_the_release_own_audience(approver_client):
    category = make_category(name="Aus der Landesregierung")
    topic = make_topic(name="Künstliche Intelligenz")
    make_topic(name="Verkehr")
    release = submitted(category=category, topics=[topic])

    page = admin_page(approver_client.get(change_url(release)))
    html = text(approver_client.get(change_url(release)))

    assert page.form["send_to"] == "no"
    assert page.form["send_categories"] == str(category.pk)
    assert page.form["send_topics"] == str(topic.pk)
    assert page.form["send_mode"] == Mailing.Mode.EMBARGO_END
    own = html.split('class="plenum-send-boxes"')[1].split("</ul>")[0]
    assert "Kategorie: Aus der Landesregierung" in own
    assert "Thema: Künstliche Intelligenz" in own
    assert "Verkehr" not in own


def test_without_the_choice_approving_sends_nothing(approver_client):
    release = submitted()
    make_contact()

    first = approve(approver_client, release)
    second = submitted()
    other = approve(approver_client, second, send_to="no")

    assert (first.status_code, other.status_code) == (302, 302)
    assert Release.objects.filter(status=Release.Status.PUBLISHED).count() == 2
    assert not Mailing.objects.exists()
    assert runs_booked() == []


def test_approving_again_to_move_the_sperrfrist_books_no_second_mailing(approver_client, now):
    release = submitted()
    make_contact(email="a@example.net")
    make_contact(email="b@example.net")
    approve(approver_client, release, in_a_day(now), send_to="all")
    earlier = (now + datetime.timedelta(hours=3)).replace(second=0, microsecond=0)

    response = approve(approver_client, release, earlier, send_to="all")

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.publish_at == earlier
    mailing = Mailing.objects.get()
    assert mailing.booked_for == earlier
    assert Delivery.objects.count() == 2
    page = text(approver_client.get(response["Location"]))
    assert "An diese Empfänger ist die Pressemitteilung schon versendet oder geplant" in page
    form_page = text(approver_client.get(change_url(release)))
    assert "Schon gebucht: Zum Ende der Sperrfrist – Geplant, 0 von 2 versendet." in form_page


def test_approving_again_to_more_people_sends_nobody_a_second_copy(approver_client, now):
    topic = make_topic()
    release = submitted(topics=[topic])
    make_contact(email="thema@example.net", topics=[topic])
    make_contact(email="andere@example.net", topics=[make_topic()])
    approve(approver_client, release, in_a_day(now), send_to="some", send_topics=[topic.pk])

    approve(approver_client, release, in_a_day(now), send_to="all")

    assert Mailing.objects.count() == 2
    assert sorted(Delivery.objects.values_list("contact__email", flat=True)) == [
        "andere@example.net",
        "thema@example.net",
    ]


def test_a_writer_crafting_the_choice_books_nothing_and_is_told_why(writer_client, writer):
    draft = make_release(status=Release.Status.DRAFT, publish_at=None, author=writer)
    make_contact()

    form = change_form(writer_client, draft)
    submitting = writer_client.post(
        change_url(draft), form | {"_decision": "submit", "send_to": "all"}
    )
    approving = writer_client.post(
        change_url(draft), form | {"_decision": "approve", "send_to": "all"}
    )

    assert "send_to" not in form
    assert submitting.status_code == 200
    assert REFUSED in text(submitting)
    assert "der Freigabe vorbehalten" in text(approving)
    draft.refresh_from_db()
    assert draft.status == Release.Status.DRAFT
    assert not Mailing.objects.exists()
    assert runs_booked() == []


def test_a_freigabe_without_the_mailing_permission_books_nothing(now):
    user = User.objects.create_user("nur-freigabe", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="releases"))
    client = client_of(user)
    release = submitted()
    make_contact()

    form = change_form(client, release)
    response = client.post(change_url(release), form | {"_decision": "approve", "send_to": "all"})

    assert "send_to" not in form
    assert REFUSED in text(response)
    release.refresh_from_db()
    assert release.status == Release.Status.REVIEW
    assert not Mailing.objects.exists()


def test_a_choice_with_a_plain_save_is_refused_not_lost(approver_client):
    release = submitted()
    make_contact()

    data = change_form(approver_client, release) | {"send_to": "all", "_save": "Speichern"}
    response = approver_client.post(change_url(release), data)

    assert response.status_code == 200
    assert "Der Versand an den Presseverteiler wird mit „Freigeben“ geplant." in text(response)
    assert not Mailing.objects.exists()


def test_categories_and_topics_without_a_box_ticked_are_refused(approver_client):
    release = submitted()
    make_contact()

    response = approve(approver_client, release, send_to="some")

    assert response.status_code == 200
    assert "Bitte mindestens eine Kategorie oder ein Thema ankreuzen" in text(response)
    release.refresh_from_db()
    assert release.status == Release.Status.REVIEW
    assert not Mailing.objects.exists()


def test_a_refused_approval_books_nothing(approver_client, now):
    release = submitted()
    make_contact()

    response = approve(approver_client, release, now - datetime.timedelta(hours=1), send_to="all")

    assert "Diese Sperrfrist ist schon vorbei." in text(response)
    release.refresh_from_db()
    assert release.status == Release.Status.REVIEW
    assert not Mailing.objects.exists()
    assert runs_booked() == []


def test_an_approval_that_lost_an_edit_conflict_books_nothing(approver_client, approver):
    release = submitted(title="Erste Fassung")
    make_contact()
    stale = change_form(approver_client, release)
    other = client_of(User.objects.get(pk=approver.pk))
    other.post(change_url(release), change_form(other, release) | {"title": "Zweite Fassung"})

    response = approver_client.post(
        change_url(release), stale | {"_decision": "approve", "send_to": "all"}
    )

    assert "Jemand anderes hat diesen Inhalt inzwischen geändert" in text(response)
    release.refresh_from_db()
    assert (release.title, release.status) == ("Zweite Fassung", Release.Status.REVIEW)
    assert not Mailing.objects.exists()
    assert runs_booked() == []


def test_events_offer_no_sending_to_the_presseverteiler(approver_client):
    event = make_event(status="review", publish_at=None)

    form = change_form(approver_client, event)

    assert "_decision" not in form
    assert not any(name.startswith("send_") for name in form)


def test_the_mailing_booked_on_approval_shows_its_progress_to_the_freigabe(approver_client):
    release = submitted()
    make_contact()
    make_contact()
    approve(approver_client, release, send_to="all")

    page = approver_client.get(f"/admin/distribution/mailing/{Mailing.objects.get().pk}/change/")

    assert page.status_code == 200
    assert "0 von 2 versendet" in text(page)


def test_the_choice_costs_the_form_no_query_per_category_topic_or_mailing(approver_client, now):
    """The decision row lists every category and topic; the list must not query per row."""
    topic = make_topic()
    release = submitted(topics=[topic])
    approve(approver_client, release, in_a_day(now), send_to="all")
    before = len(queries_of(approver_client, change_url(release)))
    for _ in range(5):
        make_category()
    more = [make_topic() for _ in range(5)]
    release.topics.add(*more)
    approve(approver_client, release, in_a_day(now), send_to="some", send_topics=[more[0].pk])
    approve(approver_client, release, in_a_day(now), send_to="some", send_topics=[more[1].pk])

    after = len(queries_of(approver_client, change_url(release)))

    assert Mailing.objects.count() == 3
    assert after == before
