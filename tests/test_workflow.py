"""The editorial workflow: Redaktion submits, Freigabe approves, embargoes, corrections, audit."""

import datetime
import re

import feedparser
import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from events.models import Event
from office.models import AuditEntry, Image
from office.publishing import next_change
from releases.models import Release, ReleaseImage
from tests.kit.factories import (
    change_url,
    client_of,
    make_category,
    make_event,
    make_image,
    make_person,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import admin_page, body

pytestmark = pytest.mark.django_db

RELEASE_ADMIN = "/admin/releases/release/"
PUBLISH_REFUSED = "Freigeben, Zurückgeben und Zurückziehen ist der Freigabe vorbehalten."


def post_change(client, item, **changes):
    """Post the item's change form as the browser would, with some fields changed."""
    form = admin_page(client.get(change_url(item))).form
    return client.post(change_url(item), form | changes)


def new_release_data(client, category, **fields):
    form = admin_page(client.get(f"{RELEASE_ADMIN}add/")).form
    return form | {
        "title": "Neue Meldung",
        "slug": "neue-meldung",
        "lead": "Ein Vorspann.",
        "body": "<p>Text.</p>",
        "category": str(category.pk),
        **fields,
    }


def steps(item):
    return [
        (entry.action, entry.user.username, entry.comment)
        for entry in AuditEntry.objects.filter(object_id=item.pk).order_by("created_at", "pk")
    ]


def error_text(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# Redaktion: writes and submits, never publishes


def test_writer_submits_a_new_release_for_approval(writer):
    client = client_of(writer)
    data = new_release_data(
        client, make_category(), _decision="submit", workflow_comment="Bitte bis 16 Uhr."
    )

    response = client.post(f"{RELEASE_ADMIN}add/", data)

    assert response.status_code == 302
    release = Release.objects.get(slug="neue-meldung")
    assert (release.status, release.author, release.publish_at) == (
        Release.Status.REVIEW,
        writer,
        None,
    )
    assert steps(release) == [("submitted", "redakteurin", "Bitte bis 16 Uhr.")]


@pytest.mark.parametrize("decision", ["approve", "return", "withdraw"])
def test_writer_crafting_a_freigabe_decision_for_a_new_release_gets_an_error(writer, decision):
    client = client_of(writer)

    response = client.post(
        f"{RELEASE_ADMIN}add/", new_release_data(client, make_category(), _decision=decision)
    )

    assert response.status_code == 200
    assert PUBLISH_REFUSED in error_text(response)
    assert not Release.objects.exists()
    assert not AuditEntry.objects.exists()


def test_writer_crafting_a_publish_post_for_a_release_in_review_changes_nothing(writer):
    release = make_release(title="In Prüfung", status=Release.Status.REVIEW, author=writer)

    response = post_change(client_of(writer), release, _decision="approve", title="Geändert")

    assert response.status_code == 200
    assert PUBLISH_REFUSED in error_text(response)
    release.refresh_from_db()
    assert (release.status, release.title) == (Release.Status.REVIEW, "In Prüfung")
    assert Client().get(release.get_absolute_url()).status_code == 404


def test_writer_may_read_but_not_change_or_delete_a_published_release(writer):
    release = make_release(title="Öffentlich")
    client = client_of(writer)

    view = client.get(change_url(release))
    change = client.post(change_url(release), {"title": "Verfälscht", "_decision": "withdraw"})
    delete = client.post(f"{RELEASE_ADMIN}{release.pk}/delete/", {"post": "yes"})

    assert view.status_code == 200
    assert 'name="title"' not in view.content.decode()
    assert [change.status_code, delete.status_code] == [403, 403]
    release.refresh_from_db()
    assert (release.title, release.status) == ("Öffentlich", Release.Status.PUBLISHED)


def test_writer_cannot_bulk_delete_a_published_release(writer):
    public = make_release(title="Öffentlich")
    draft = make_release(title="Entwurf", status=Release.Status.DRAFT)

    response = client_of(writer).post(
        RELEASE_ADMIN,
        {"action": "delete_selected", "_selected_action": [public.pk, draft.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert set(Release.objects.values_list("title", flat=True)) == {"Öffentlich", "Entwurf"}


def test_writer_cannot_publish_an_event_either(writer):
    event = make_event(title="Termin", status=Event.Status.REVIEW)

    response = post_change(client_of(writer), event, _decision="approve")

    assert PUBLISH_REFUSED in error_text(response)
    event.refresh_from_db()
    assert event.status == Event.Status.REVIEW


def shared_items_of(release):
    """Attach one of each shared kind to a release: hero, gallery photo, quote, figure."""
    person = make_person(name="Zitierte Person")
    quote = make_quote(text="Ein Satz.", person=person)
    figure = make_statistic(label="Eine Zahl")
    hero, photo = make_image(), make_image()
    release.hero_image = hero
    release.save()
    ReleaseImage.objects.create(release=release, image=photo)
    release.quotes.add(quote)
    release.statistics.add(figure)
    return {"hero": hero, "gallery": photo, "quote": quote, "figure": figure, "person": person}


@pytest.mark.parametrize("status", ["published", "embargoed"])
def test_writer_cannot_change_what_a_published_release_shows_through_shared_items(
    writer, now, status
):
    publish_at = now + datetime.timedelta(hours=1) if status == "embargoed" else now
    items = shared_items_of(make_release(title="Öffentlich", publish_at=publish_at))
    client = client_of(writer)

    answers = {
        kind: (
            client.post(change_url(item), {"alt_text": "x", "text": "x", "label": "x"}).status_code,
            client.post(
                change_url(item).replace("/change/", "/delete/"), {"post": "yes"}
            ).status_code,
        )
        for kind, item in items.items()
    }

    assert answers == dict.fromkeys(items, (403, 403))
    for item in items.values():
        item.refresh_from_db()  # none deleted
    assert items["quote"].text == "Ein Satz."


def test_writer_edits_shared_items_of_drafts_and_approver_those_of_published(writer, approver):
    drafted = shared_items_of(make_release(status=Release.Status.DRAFT))
    published = shared_items_of(make_release())

    writer_pages = [client_of(writer).get(change_url(item)) for item in drafted.values()]
    approver_pages = [client_of(approver).get(change_url(item)) for item in published.values()]

    # An editable change page has a save button; a read-only one has none.
    assert all('name="_save"' in page.content.decode() for page in writer_pages)
    assert all('name="_save"' in page.content.decode() for page in approver_pages)


def test_writer_cannot_bulk_delete_a_photo_a_published_release_shows(writer):
    items = shared_items_of(make_release())
    spare = make_image()

    response = client_of(writer).post(
        "/admin/office/image/",
        {
            "action": "delete_selected",
            "_selected_action": [items["hero"].pk, spare.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 403
    assert Image.objects.filter(pk__in=[items["hero"].pk, spare.pk]).count() == 2


# Freigabe: approves, sends back, withdraws


def test_approver_approves_with_an_embargo_that_lifts_by_itself(approver, writer, now):
    release = make_release(title="Zur Freigabe", status=Release.Status.REVIEW, author=writer)
    embargo = (now + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    local = timezone.localtime(embargo)

    response = post_change(
        client_of(approver),
        release,
        _decision="approve",
        embargo=f"{local:%Y-%m-%dT%H:%M}",
    )

    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.status, release.publish_at) == (Release.Status.PUBLISHED, embargo)
    [entry] = AuditEntry.objects.filter(object_id=release.pk)
    assert (entry.action, entry.user, entry.publish_at) == ("approved", approver, embargo)
    assert Client().get(release.get_absolute_url()).status_code == 404
    with time_machine.travel(embargo):
        assert Client().get(release.get_absolute_url()).status_code == 200


def test_sending_back_needs_a_comment_and_records_it(approver, writer):
    release = make_release(title="Zur Freigabe", status=Release.Status.REVIEW, author=writer)
    client = client_of(approver)

    silent = post_change(client, release, _decision="return")
    release.refresh_from_db()
    status_after_silent = release.status
    explained = post_change(
        client, release, _decision="return", workflow_comment="Die Zahl im zweiten Absatz prüfen."
    )

    assert "Bitte schreiben Sie dazu, was geändert werden soll" in error_text(silent)
    assert status_after_silent == Release.Status.REVIEW
    assert explained.status_code == 302
    assert steps(release) == [("rejected", "freigeber", "Die Zahl im zweiten Absatz prüfen.")]


def test_author_sees_a_sent_back_release_and_the_comment_on_the_dashboard(approver, writer):
    release = make_release(title="Zurück an mich", status=Release.Status.REVIEW, author=writer)
    post_change(client_of(approver), release, _decision="return", workflow_comment="Kürzer, bitte.")

    dashboard = client_of(writer).get("/admin/").content.decode()
    changelist = admin_page(client_of(writer).get(RELEASE_ADMIN))

    assert "Zurück an mich" in dashboard
    assert "Zurückgegeben: wartet auf Überarbeitung" in dashboard
    assert "Kürzer, bitte." in dashboard
    assert [row["visibility"] for row in changelist.rows] == [
        "Zurückgegeben: wartet auf Überarbeitung"
    ]


def test_withdrawing_takes_a_release_off_every_public_list(approver):
    release = make_release(title="Zurückzuziehen", slug="zurueckzuziehen")
    anonymous = Client()
    assert "Zurückzuziehen" in anonymous.get("/pressemitteilungen/feed/").content.decode()

    response = post_change(client_of(approver), release, _decision="withdraw")

    assert response.status_code == 302
    assert anonymous.get(release.get_absolute_url()).status_code == 404
    assert "Zurückzuziehen" not in anonymous.get("/pressemitteilungen/").content.decode()
    assert "Zurückzuziehen" not in anonymous.get("/pressemitteilungen/feed/").content.decode()
    assert steps(release) == [("withdrawn", "freigeber", "")]


def test_publishing_a_draft_directly_is_recorded_as_such(approver):
    release = make_release(title="Eilmeldung", status=Release.Status.DRAFT)

    post_change(client_of(approver), release, _decision="approve")

    assert steps(release) == [("published", "freigeber", "")]


def test_ordinary_saves_leave_no_audit_entry(approver):
    release = make_release(title="Entwurf", status=Release.Status.DRAFT)

    post_change(client_of(approver), release, title="Entwurf, verbessert")

    assert steps(release) == []


# The dashboard and the changelist say who waits for what


def test_dashboard_lists_what_waits_for_the_approver(approver, writer, now):
    make_release(title="Wartet", status=Release.Status.REVIEW, author=writer)
    make_event(title="Termin wartet", status=Event.Status.REVIEW, author=writer)
    make_release(title="Geplant", publish_at=now + datetime.timedelta(hours=2))
    make_release(title="Heute erschienen", publish_at=now - datetime.timedelta(seconds=5))
    make_release(title="Alt", publish_at=now - datetime.timedelta(days=3))

    sections = client_of(approver).get("/admin/").context["dashboard"]

    titles = {
        str(section["title"]): [entry["item"].title for entry in section["items"]]
        for section in sections
    }
    assert titles == {
        "Wartet auf meine Freigabe": ["Wartet", "Termin wartet"],
        "Meine Entwürfe": [],
        "Geplant (Sperrfrist)": ["Geplant"],
        "Heute veröffentlicht": ["Heute erschienen"],
    }


def test_dashboard_shows_a_writer_own_drafts_and_submissions_and_nothing_to_approve(
    writer, approver, now
):
    make_release(title="Mein Entwurf", status=Release.Status.DRAFT, author=writer)
    make_release(title="Eingereicht", status=Release.Status.REVIEW, author=writer)
    make_event(title="Termin eingereicht", status=Event.Status.REVIEW, author=writer)
    make_release(title="Fremder Entwurf", status=Release.Status.DRAFT, author=approver)
    make_release(title="Fremd eingereicht", status=Release.Status.REVIEW, author=approver)
    make_release(title="Geplant", publish_at=now + datetime.timedelta(hours=2))
    make_release(title="Heute erschienen", publish_at=now - datetime.timedelta(seconds=5))

    response = client_of(writer).get("/admin/")

    titles = {
        str(section["title"]): sorted(entry["item"].title for entry in section["items"])
        for section in response.context["dashboard"]
    }
    assert titles == {
        "Meine Entwürfe": ["Mein Entwurf"],
        "Eingereicht, wartet auf Freigabe": ["Eingereicht", "Termin eingereicht"],
        "Geplant (Sperrfrist)": ["Geplant"],
        "Heute veröffentlicht": ["Heute erschienen"],
    }
    assert "Wartet auf meine Freigabe" not in response.content.decode()


def test_dashboard_queries_do_not_grow_with_items(approver, writer, django_assert_max_num_queries):
    client = client_of(approver)
    for number in range(10):
        make_release(title=f"Wartet {number}", status=Release.Status.REVIEW, author=writer)
        make_event(title=f"Termin {number}", status=Event.Status.REVIEW, author=writer)

    with django_assert_max_num_queries(20):
        response = client.get("/admin/")

    assert response.status_code == 200


def test_changelist_states_who_waits_for_what(approver, now):
    make_release(title="A", status=Release.Status.DRAFT)
    make_release(title="B", status=Release.Status.REVIEW)
    make_release(title="C", status=Release.Status.WITHDRAWN)

    rows = admin_page(client_of(approver).get(f"{RELEASE_ADMIN}?o=1")).rows

    assert sorted((row["title"], row["visibility"]) for row in rows) == [
        ("A", "Entwurf"),
        ("B", "Wartet auf Freigabe"),
        ("C", "Zurückgezogen"),
    ]


# The audit trail


def test_audit_entries_are_readable_but_not_writable_by_editors(writer, approver):
    release = make_release(title="Protokolliert", status=Release.Status.REVIEW)
    post_change(client_of(approver), release, _decision="approve")
    entry = AuditEntry.objects.get()
    client = client_of(writer)

    listing = client.get("/admin/office/auditentry/")
    add = client.get("/admin/office/auditentry/add/")
    change = client.post(f"/admin/office/auditentry/{entry.pk}/change/", {"comment": "x"})
    delete = client.post(f"/admin/office/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "Protokolliert" in listing.content.decode()
    assert [add.status_code, change.status_code, delete.status_code] == [403, 403, 403]
    assert AuditEntry.objects.get().comment == ""


def test_change_form_shows_the_workflow_history(approver, writer):
    release = make_release(title="Mit Verlauf", status=Release.Status.REVIEW, author=writer)
    post_change(client_of(approver), release, _decision="return", workflow_comment="Zu lang.")

    html = client_of(writer).get(change_url(release)).content.decode()

    assert "Zurückgegeben" in html
    assert "freigeber: Zu lang." in html


# Corrections after publication


def test_correcting_a_published_release_shows_the_update_and_the_note(approver):
    release = make_release(title="Studie", slug="studie", body="<p>76,8 Mrd. Euro</p>")
    assert release.revised_at is None

    post_change(
        client_of(approver),
        release,
        body="<p>67,8 Mrd. Euro</p>",
        correction_note="In einer früheren Fassung stand 76,8 statt 67,8 Mrd. Euro.",
    )

    release.refresh_from_db()
    assert release.revised_at is not None
    html = Client().get("/pressemitteilungen/studie/").content.decode()
    assert "aktualisiert am" in html
    assert "In einer früheren Fassung stand 76,8 statt 67,8 Mrd. Euro." in html
    [entry] = feedparser.parse(Client().get("/pressemitteilungen/atom/").content).entries
    assert "In einer früheren Fassung stand" in entry.content[0].value
    assert entry.updated_parsed >= release.publish_at.utctimetuple()


def test_edits_before_publication_are_not_corrections(approver, now):
    draft = make_release(title="Entwurf", status=Release.Status.DRAFT)
    embargoed = make_release(title="Gesperrt", publish_at=now + datetime.timedelta(hours=1))
    client = client_of(approver)

    post_change(client, draft, body="<p>Neu</p>")
    post_change(client, embargoed, body="<p>Neu</p>")

    assert list(Release.objects.values_list("revised_at", flat=True)) == [None, None]


def test_a_new_topic_is_not_a_correction(approver):
    release = make_release(title="Öffentlich")

    post_change(client_of(approver), release, topics=[str(make_topic().pk)])

    release.refresh_from_db()
    assert release.topics.count() == 1
    assert release.revised_at is None
    assert "aktualisiert am" not in Client().get(release.get_absolute_url()).content.decode()


# The embargo across every public surface, with the page cache on


EMBARGO_SURFACES = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/atom/",
    "/pressemitteilungen/feed.json",
    "/pressemitteilungen/kategorie/landespolitik/",
    "/pressemitteilungen/kategorie/landespolitik/feed/",
    "/sitemap-releases.xml",
    "/sitemap-news.xml",
    "/suche/?q=Sperrfristmeldung",
]
EVENT_SURFACES = ["/", "/termine/", "/termine/kalender.ics", "/sitemap-events.xml"]
# The search page repeats the query; every surface links the item.
MARKER = "/pressemitteilungen/sperrfristmeldung/"
EVENT_MARKER = "/termine/sperrtermin/"


def test_approved_embargo_stays_off_every_cached_surface_until_its_minute(
    locmem_page_cache, approver, writer, now, committed
):
    category = make_category(name="Landespolitik", slug="landespolitik")
    make_release(
        title="Ältere Meldung", category=category, publish_at=now - datetime.timedelta(days=1)
    )
    release = make_release(
        title="Sperrfristmeldung",
        slug="sperrfristmeldung",
        category=category,
        status=Release.Status.REVIEW,
        author=writer,
    )
    event = make_event(title="Sperrtermin", slug="sperrtermin", status=Event.Status.REVIEW)
    embargo = (now + datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)
    local = timezone.localtime(embargo)
    reader = Client()

    def visible():
        shown = [path for path in EMBARGO_SURFACES if MARKER in reader.get(path).content.decode()]
        shown += [
            path for path in EVENT_SURFACES if EVENT_MARKER in reader.get(path).content.decode()
        ]
        for path in ("/pressemitteilungen/sperrfristmeldung/", "/termine/sperrtermin/"):
            if reader.get(path).status_code == 200:
                shown.append(path)
        return shown

    # Every page cached in its pre-approval state first.
    assert visible() == []
    approval = {"_decision": "approve", "embargo": f"{local:%Y-%m-%dT%H:%M}"}
    with committed():
        post_change(client_of(approver), release, **approval)
        post_change(client_of(approver), event, **approval)

    with time_machine.travel(embargo - datetime.timedelta(seconds=1)):
        before = visible()
    with time_machine.travel(embargo):
        after = visible()
    assert before == []
    assert sorted(after) == sorted(
        [
            *EMBARGO_SURFACES,
            *EVENT_SURFACES,
            "/pressemitteilungen/sperrfristmeldung/",
            "/termine/sperrtermin/",
        ]
    )


# Decisions are buttons: what each role is offered, and crafted posts refused


def decision_buttons(response):
    """Return the values of the change form's decision buttons, in page order."""
    return re.findall(r'<button type="submit" name="_decision" value="(\w+)"', body(response))


def test_status_is_shown_with_its_meaning_and_is_no_field(writer):
    release = make_release(title="Eingereicht", status=Release.Status.REVIEW, author=writer)

    response = client_of(writer).get(change_url(release))

    assert "status" not in admin_page(response).form
    assert "publish_at_0" not in admin_page(response).form
    assert "In Prüfung: Eingereicht: wartet auf die Freigabe; nirgends öffentlich." in body(
        response
    )


@pytest.mark.parametrize(
    ("role", "state", "offered"),
    [
        ("writer", "new", ["submit"]),
        ("writer", "draft", ["submit"]),
        ("writer", "review", []),
        ("writer", "withdrawn", ["submit"]),
        ("approver", "new", ["approve"]),
        ("approver", "draft", ["approve"]),
        ("approver", "review", ["approve", "return"]),
        ("approver", "embargoed", ["approve", "withdraw"]),
        ("approver", "public", ["withdraw"]),
    ],
)
def test_each_role_is_offered_the_decisions_of_the_rule(
    writer, approver, now, role, state, offered
):
    user = {"writer": writer, "approver": approver}[role]
    statuses = {
        "draft": {"status": Release.Status.DRAFT, "publish_at": None},
        "review": {"status": Release.Status.REVIEW, "publish_at": None},
        "withdrawn": {"status": Release.Status.WITHDRAWN, "publish_at": None},
        "embargoed": {"publish_at": now + datetime.timedelta(hours=3)},
        "public": {},
    }
    url = (
        f"{RELEASE_ADMIN}add/"
        if state == "new"
        else change_url(make_release(author=writer, **statuses[state]))
    )

    response = client_of(user).get(url)

    assert response.status_code == 200
    assert decision_buttons(response) == offered
    assert 'name="_save"' in body(response)
    assert ('name="embargo"' in body(response)) == ("approve" in offered)


def test_a_new_draft_has_no_publish_time_and_the_list_shows_a_dash(writer):
    client = client_of(writer)
    client.post(f"{RELEASE_ADMIN}add/", new_release_data(client, make_category()))

    release = Release.objects.get()
    rows = admin_page(client.get(RELEASE_ADMIN)).rows

    assert (release.status, release.publish_at) == (Release.Status.DRAFT, None)
    assert [(row["visibility"], row["publish_at"]) for row in rows] == [("Entwurf", "—")]


def test_approving_without_embargo_publishes_now(approver, writer):
    release = make_release(status=Release.Status.REVIEW, publish_at=None, author=writer)
    before = timezone.now()

    response = post_change(client_of(approver), release, _decision="approve")

    release.refresh_from_db()
    assert response.status_code == 302
    assert release.status == Release.Status.PUBLISHED
    assert before <= release.publish_at <= timezone.now()
    assert Client().get(release.get_absolute_url()).status_code == 200


def test_approving_an_embargoed_release_again_moves_its_embargo(approver, now):
    release = make_release(publish_at=now + datetime.timedelta(days=2))
    earlier = (now + datetime.timedelta(hours=1)).replace(second=0, microsecond=0)

    form = admin_page(client_of(approver).get(change_url(release))).form
    response = post_change(
        client_of(approver),
        release,
        _decision="approve",
        embargo=f"{timezone.localtime(earlier):%Y-%m-%dT%H:%M}",
    )

    release.refresh_from_db()
    assert (
        form["embargo"] == f"{timezone.localtime(now + datetime.timedelta(days=2)):%Y-%m-%dT%H:%M}"
    )
    assert response.status_code == 302
    assert (release.status, release.publish_at) == (Release.Status.PUBLISHED, earlier)


def test_saving_an_embargoed_release_keeps_its_embargo(approver, now):
    embargo = (now + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    release = make_release(title="Gesperrt", publish_at=embargo)

    response = post_change(client_of(approver), release, title="Gesperrt, verbessert")

    release.refresh_from_db()
    assert response.status_code == 302
    assert (release.title, release.publish_at) == ("Gesperrt, verbessert", embargo)


def test_withdrawing_empties_the_publish_time_and_approving_again_sets_a_new_one(approver):
    release = make_release(title="Zurückgezogen")

    post_change(client_of(approver), release, _decision="withdraw")
    release.refresh_from_db()
    withdrawn = (release.status, release.publish_at)
    post_change(client_of(approver), release, _decision="approve")
    release.refresh_from_db()

    assert withdrawn == (Release.Status.WITHDRAWN, None)
    assert release.status == Release.Status.PUBLISHED
    assert release.publish_at is not None


@pytest.mark.parametrize(
    ("state", "decision", "message"),
    [
        ("draft", "return", "„Zurückgeben“ geht nicht bei einem Inhalt mit dem Status „Entwurf“."),
        (
            "public",
            "approve",
            "„Freigeben“ geht nicht bei einem Inhalt mit dem Status „Veröffentlicht“.",
        ),
        (
            "draft",
            "withdraw",
            "„Zurückziehen“ geht nicht bei einem Inhalt mit dem Status „Entwurf“.",
        ),
        ("draft", "publish", "Diese Entscheidung gibt es nicht."),
    ],
)
def test_approver_crafting_a_decision_the_rule_does_not_offer_changes_nothing(
    approver, state, decision, message
):
    fields = {"status": Release.Status.DRAFT, "publish_at": None} if state == "draft" else {}
    release = make_release(title="Unverändert", **fields)
    stored = (release.status, release.publish_at)

    response = post_change(client_of(approver), release, _decision=decision, title="Geändert")

    release.refresh_from_db()
    assert response.status_code == 200
    assert message in error_text(response)
    assert (release.title, release.status, release.publish_at) == ("Unverändert", *stored)
    assert steps(release) == []


def test_writer_crafting_a_status_field_changes_nothing(writer):
    release = make_release(title="Entwurf", status=Release.Status.DRAFT, publish_at=None)

    response = post_change(
        client_of(writer), release, status="published", publish_at_0="13.02.2025"
    )

    release.refresh_from_db()
    assert response.status_code == 302
    assert (release.status, release.publish_at) == (Release.Status.DRAFT, None)
    assert Client().get(release.get_absolute_url()).status_code == 404


def test_writer_submitting_a_release_already_in_review_gets_an_error(writer):
    release = make_release(status=Release.Status.REVIEW, publish_at=None, author=writer)

    response = post_change(client_of(writer), release, _decision="submit")

    assert response.status_code == 200
    assert "„Zur Freigabe einreichen“ geht nicht bei einem Inhalt mit dem Status „In Prüfung“." in (
        error_text(response)
    )


def test_an_embargo_in_the_past_is_refused_in_german(approver, now):
    release = make_release(status=Release.Status.REVIEW, publish_at=None)
    past = timezone.localtime(now - datetime.timedelta(hours=1))

    response = post_change(
        client_of(approver), release, _decision="approve", embargo=f"{past:%Y-%m-%dT%H:%M}"
    )

    release.refresh_from_db()
    assert response.status_code == 200
    assert "Diese Sperrfrist ist schon vorbei." in error_text(response)
    assert (release.status, release.publish_at) == (Release.Status.REVIEW, None)


def test_an_embargo_with_a_plain_save_is_refused_not_lost(approver, now):
    release = make_release(status=Release.Status.REVIEW, publish_at=None)
    later = timezone.localtime(now + datetime.timedelta(hours=5))

    response = post_change(client_of(approver), release, embargo=f"{later:%Y-%m-%dT%H:%M}")

    release.refresh_from_db()
    assert response.status_code == 200
    assert "Eine Sperrfrist gilt nur mit „Freigeben“." in error_text(response)
    assert f'value="{later:%Y-%m-%dT%H:%M}"' in body(response)
    assert release.status == Release.Status.REVIEW


def test_an_embargo_that_is_no_time_is_refused_in_german(approver):
    release = make_release(status=Release.Status.REVIEW, publish_at=None)

    response = post_change(client_of(approver), release, _decision="approve", embargo="morgen")

    release.refresh_from_db()
    assert response.status_code == 200
    assert "Bitte ein gültiges Datum und Uhrzeit eingeben." in error_text(response)
    assert release.status == Release.Status.REVIEW


def test_the_embargo_is_taken_to_the_minute(approver, now):
    release = make_release(status=Release.Status.REVIEW, publish_at=None)
    later = timezone.localtime(now + datetime.timedelta(hours=5)).replace(second=42)

    post_change(
        client_of(approver), release, _decision="approve", embargo=f"{later:%Y-%m-%dT%H:%M:%S}"
    )

    release.refresh_from_db()
    assert release.publish_at == later.replace(second=0, microsecond=0)


def test_changelist_puts_undecided_items_first_on_every_database(approver, now):
    make_release(title="Alt", publish_at=now - datetime.timedelta(days=2))
    make_release(title="Entwurf", status=Release.Status.DRAFT, publish_at=None)
    make_release(title="Neu", publish_at=now - datetime.timedelta(hours=1))
    make_release(title="Eingereicht", status=Release.Status.REVIEW, publish_at=None)

    rows = admin_page(client_of(approver).get(RELEASE_ADMIN)).rows

    assert [row["title"] for row in rows] == ["Eingereicht", "Entwurf", "Neu", "Alt"]


def test_an_editor_previews_an_undecided_draft_dated_today(approver):
    release = make_release(
        title="Noch offen", slug="noch-offen", status=Release.Status.DRAFT, publish_at=None
    )

    response = client_of(approver).get("/pressemitteilungen/noch-offen/")

    assert response.status_code == 200
    assert date_format(timezone.localdate(), "j. F Y") in body(response)
    assert Client().get(release.get_absolute_url()).status_code == 404


def test_undecided_items_stay_off_the_public_rule_and_its_clock(now):
    make_release(title="Entwurf", status=Release.Status.DRAFT, publish_at=None)
    event = make_event(title="Termin offen", status=Event.Status.REVIEW, publish_at=None)
    make_release(title="Öffentlich", publish_at=now - datetime.timedelta(hours=1))
    embargo = now + datetime.timedelta(minutes=30)
    make_release(title="Gesperrt", publish_at=embargo)

    assert [r.title for r in Release.objects.published()] == ["Öffentlich"]
    assert list(Event.objects.published()) == []
    assert not event.is_published()
    assert next_change(now) == embargo


def test_a_published_item_saved_without_a_time_is_published_now():
    before = timezone.now()

    release = make_release(status=Release.Status.PUBLISHED, publish_at=None)

    assert before <= release.publish_at <= timezone.now()
    assert release.is_published()
