"""The event form: what writing an event needs first, speakers picked or written in place."""

import re

import pytest
from django.contrib.auth.models import Permission, User

from events.models import Event
from office.models import Person
from tests.kit.factories import PASSWORD, change_url, client_of, make_event, make_person
from tests.kit.pages import admin_form, body

pytestmark = pytest.mark.django_db

ADD = "/admin/events/event/add/"


def event_form(client, url=ADD, **changes):
    form = admin_form(client, url)
    if url == ADD:
        form |= {
            "title": "Zukunftskonferenz",
            "slug": "zukunftskonferenz",
            "starts_at_0": "13.02.2099",
            "starts_at_1": "10:00:00",
            "ends_at_0": "13.02.2099",
            "ends_at_1": "17:00:00",
            "venue_name": "Landesvertretung NRW",
            "status": "draft",
        }
    return form | changes


def test_a_new_event_asks_for_what_writing_needs_and_not_yet_for_cancelling(writer_client):
    event = make_event(status=Event.Status.DRAFT)

    new, saved = (body(writer_client.get(url)) for url in (ADD, change_url(event)))

    assert ('name="cancelled"' in new, 'name="cancelled"' in saved) == (False, True)
    assert ("Release_events-TOTAL_FORMS" in new, "Release_events-TOTAL_FORMS" in saved) == (
        False,
        True,
    )
    html = body(writer_client.get(ADD))
    fields = re.findall(r'name="(title|starts_at_0|venue_name|description|_decision)"', html)
    assert fields == ["title", "starts_at_0", "venue_name", "description", "_decision"]


def test_speakers_and_releases_are_picked_without_popups(writer_client):
    event = make_event(status=Event.Status.DRAFT)

    html = body(writer_client.get(change_url(event)))

    popups = re.findall(r'id="(add|change|view|delete)_id_([\w-]+?)"', html)
    assert [name for _, name in popups if "speakers" in name or "release" in name] == []
    # The photo keeps its upload popup: the pattern finds what is there.
    assert ("add", "image") in popups


def test_new_speakers_are_written_in_place_one_a_line(writer_client):
    known = make_person(name="Daniel Hagemeier")
    form = event_form(writer_client) | {
        "speakers": [str(known.pk)],
        "new_speakers": "Dr. Anna Beispiel, Direktorin des IW Köln\n\n  Max Muster  \n",
    }

    response = writer_client.post(ADD, form)

    assert response.status_code == 302
    event = Event.objects.get()
    assert sorted(str(person) for person in event.speakers.all()) == [
        "Daniel Hagemeier",
        "Dr. Anna Beispiel, Direktorin des IW Köln",
        "Max Muster",
    ]


def test_a_speaker_line_too_long_is_refused_and_nothing_is_saved(writer_client):
    form = event_form(writer_client) | {"new_speakers": "A" * 201}

    response = writer_client.post(ADD, form)

    assert response.status_code == 200
    assert "bitte als „Name, Funktion“ schreiben" in body(response)
    assert (Event.objects.count(), Person.objects.count()) == (0, 0)


def test_who_may_not_add_people_may_only_pick_them():
    user = User.objects.create_user("aushilfe", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_event", "change_event", "view_event", "view_person"]
        )
    )
    client = client_of(user)

    response = client.post(ADD, event_form(client) | {"new_speakers": "Max Muster"})

    assert response.status_code == 200
    assert "Sie dürfen hier nur Vorhandene wählen." in body(response)
    assert (Event.objects.count(), Person.objects.count()) == (0, 0)


def test_the_linked_releases_column_is_named_in_german(writer_client):
    event = make_event(status=Event.Status.DRAFT)

    html = body(writer_client.get(change_url(event)))

    headers = re.findall(r'<th class="column-release[^"]*">\s*([^<]+?)\s*<', html)
    assert headers == ["Pressemitteilung"]
