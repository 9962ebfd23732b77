"""The press office's admin: German pages, the right permissions, safe uploads."""

import datetime
import json

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from office.models import Profile
from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_image,
    make_person,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import BERLIN, admin_form, admin_page

pytestmark = pytest.mark.django_db


# admin path, German verbose name, factory for an object to change
ADMIN_MODELS = [
    ("office/person", "Person", make_person),
    ("office/quote", "Zitat", make_quote),
    ("office/statistic", "Kennzahl", make_statistic),
    ("office/image", "Bild", make_image),
    ("releases/release", "Pressemitteilung", make_release),
    ("releases/category", "Kategorie", make_category),
    ("releases/topic", "Thema", make_topic),
    ("events/event", "Termin", make_event),
]

PRESS_OFFICE_PERMISSIONS = {
    "office.view_profile",
    "office.change_profile",
    *(
        f"{app}.{action}_{model}"
        for app, model in (
            ("office", "person"),
            ("office", "quote"),
            ("office", "statistic"),
            ("office", "image"),
            ("releases", "release"),
            ("releases", "category"),
            ("releases", "topic"),
            ("releases", "releasequote"),
            ("releases", "releasestatistic"),
            ("releases", "releaseimage"),
            ("releases", "releaseattachment"),
            ("events", "event"),
            ("office", "legalpage"),
        )
        for action in ("add", "change", "delete", "view")
    ),
    "office.view_auditentry",
}
# The Freigabe also sends approved releases and Terminhinweise to the Presseverteiler
# and reads its contacts and the answers.
PUBLISH_PERMISSIONS = {
    "releases.publish_release",
    "events.publish_event",
    "distribution.add_mailing",
    "distribution.view_mailing",
    "distribution.view_delivery",
    "distribution.view_contact",
    "distribution.add_invitation",
    "distribution.view_invitation",
    "distribution.view_guest",
}


# Pages render, in German


@pytest.mark.parametrize(
    ("path", "name", "factory"), ADMIN_MODELS, ids=[m[0] for m in ADMIN_MODELS]
)
def test_press_officer_sees_changelist_add_and_change_pages_in_german(
    path, name, factory, officer_client
):
    obj = factory()

    changelist = officer_client.get(f"/admin/{path}/")
    add = officer_client.get(f"/admin/{path}/add/")
    change = officer_client.get(f"/admin/{path}/{obj.pk}/change/")

    assert [changelist.status_code, add.status_code, change.status_code] == [200, 200, 200]
    assert admin_page(changelist).h1 == [f"{name} zur Änderung auswählen"]
    assert len(admin_page(changelist).rows) == 1
    assert admin_page(add).h1 == [f"{name} hinzufügen"]
    assert admin_page(change).h1 == [f"{name} ändern"]


def test_press_officer_sees_profile_pages_in_german(officer_client, profile):
    changelist = officer_client.get("/admin/office/profile/")
    change = officer_client.get(f"/admin/office/profile/{profile.pk}/change/")

    assert [changelist.status_code, change.status_code] == [200, 200]
    assert admin_page(changelist).h1 == ["Profil zur Änderung auswählen"]
    assert admin_page(change).h1 == ["Profil ändern"]
    assert [row["full_name"] for row in admin_page(changelist).rows] == ["Daniel Hagemeier MdL"]


def test_only_a_superuser_enters_the_first_profile(officer_client):
    client = Client()
    client.force_login(User.objects.create_superuser("admin", password="geheim-genug-123"))

    officer_add = officer_client.get("/admin/office/profile/add/")
    first_add = client.get("/admin/office/profile/add/")
    data = admin_page(first_add).form | {"name": "Daniel Hagemeier", "title": "MdL"}
    created = client.post("/admin/office/profile/add/", data)
    second_add = client.get("/admin/office/profile/add/")

    assert officer_add.status_code == 403
    assert first_add.status_code == 200
    assert admin_page(first_add).h1 == ["Profil hinzufügen"]
    assert created.status_code == 302
    assert [str(p) for p in Profile.objects.all()] == ["Daniel Hagemeier MdL"]
    assert second_add.status_code == 403


# The visibility column


def test_changelist_shows_visibility_in_berlin_time(officer_client):
    category = make_category()
    with time_machine.travel(datetime.datetime(2025, 3, 20, 12, 0, tzinfo=BERLIN), tick=False):
        make_release(
            title="Öffentlich seit gestern",
            category=category,
            publish_at=datetime.datetime(2025, 3, 19, 12, 0, tzinfo=BERLIN),
        )
        make_release(
            title="Entwurf mit Termin",
            category=category,
            status=Release.Status.DRAFT,
            publish_at=datetime.datetime(2025, 3, 20, 8, 0, tzinfo=BERLIN),
        )
        make_release(
            title="Sperrfrist Winterzeit",
            category=category,
            publish_at=datetime.datetime(2025, 3, 21, 9, 30, tzinfo=BERLIN),
        )
        make_release(
            title="Sperrfrist Sommerzeit",
            category=category,
            publish_at=datetime.datetime(2025, 4, 1, 8, 15, tzinfo=BERLIN),
        )

        changelist = admin_page(officer_client.get("/admin/releases/release/"))

    assert changelist.columns["visibility"] == "Stand"
    assert [(row["title"], row["visibility"]) for row in changelist.rows] == [
        ("Sperrfrist Sommerzeit", "Sperrfrist bis 01.04.2025, 08:15 Uhr"),
        ("Sperrfrist Winterzeit", "Sperrfrist bis 21.03.2025, 09:30 Uhr"),
        ("Entwurf mit Termin", "Entwurf"),
        ("Öffentlich seit gestern", "Öffentlich"),
    ]


def test_changelist_visibility_turns_public_when_the_embargo_lifts(officer_client):
    release = make_release(
        title="Sperrfrist",
        publish_at=datetime.datetime(2025, 3, 21, 9, 30, tzinfo=BERLIN),
    )

    with time_machine.travel(release.publish_at - datetime.timedelta(seconds=1), tick=False):
        before = admin_page(officer_client.get("/admin/releases/release/")).rows
    with time_machine.travel(release.publish_at, tick=False):
        after = admin_page(officer_client.get("/admin/releases/release/")).rows

    assert [row["visibility"] for row in before] == ["Sperrfrist bis 21.03.2025, 09:30 Uhr"]
    assert [row["visibility"] for row in after] == ["Öffentlich"]


# Writing a release


def test_release_add_form_creates_release_with_author_inlines_and_clean_body(
    officer_client, press_officer
):
    category = make_category()
    topic = make_topic()
    first, second = make_quote(text="Erstes Zitat"), make_quote(text="Zweites Zitat")
    statistic = make_statistic(label="Kennzahl im Text")
    add = admin_page(officer_client.get("/admin/releases/release/add/"))
    data = add.form | {
        "title": "Neue Pressemitteilung",
        "slug": "neue-pressemitteilung",
        "lead": "Ein Vorspann.",
        "body": '<h2>Zwischentitel</h2><p onclick="alert(1)">Text<script>alert(1)</script></p>',
        "category": str(category.pk),
        "topics": [str(topic.pk)],
        "_decision": "approve",
        "releasequote_set-TOTAL_FORMS": "2",
        "releasequote_set-0-order": "2",
        "releasequote_set-0-quote": str(first.pk),
        "releasequote_set-1-order": "1",
        "releasequote_set-1-quote": str(second.pk),
        "releasestatistic_set-TOTAL_FORMS": "1",
        "releasestatistic_set-0-order": "1",
        "releasestatistic_set-0-statistic": str(statistic.pk),
    }

    response = officer_client.post("/admin/releases/release/add/", data)

    assert response.status_code == 302
    assert response["Location"] == "/admin/releases/release/"
    release = Release.objects.with_details().get(slug="neue-pressemitteilung")
    assert release.author == press_officer
    assert release.body == "<h2>Zwischentitel</h2><p>Text</p>"
    assert [link.quote.text for link in release.quote_links] == ["Zweites Zitat", "Erstes Zitat"]
    assert [link.statistic.label for link in release.statistic_links] == ["Kennzahl im Text"]
    assert list(release.topics.all()) == [topic]


def test_release_add_page_carries_management_forms_of_both_inlines(officer_client):
    form = admin_page(officer_client.get("/admin/releases/release/add/")).form

    # One empty row each to write a new quote and figure in (tests/test_release_inline.py).
    assert {
        key: value
        for key, value in form.items()
        if key.startswith(("releasequote_set-", "releasestatistic_set-")) and key.endswith("_FORMS")
    } == {
        "releasequote_set-TOTAL_FORMS": "1",
        "releasequote_set-INITIAL_FORMS": "0",
        "releasequote_set-MIN_NUM_FORMS": "0",
        "releasequote_set-MAX_NUM_FORMS": "1000",
        "releasestatistic_set-TOTAL_FORMS": "1",
        "releasestatistic_set-INITIAL_FORMS": "0",
        "releasestatistic_set-MIN_NUM_FORMS": "0",
        "releasestatistic_set-MAX_NUM_FORMS": "1000",
    }


def test_editing_a_release_keeps_its_original_author(officer_client, press_officer):
    author = User.objects.create_user("autorin", is_staff=True)
    release = make_release(title="Alt", author=author)
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_page(officer_client.get(url)).form | {"title": "Neu"}

    response = officer_client.post(url, data)

    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.title, release.author) == ("Neu", author)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("releases/release", "title"),
        ("events/event", "title"),
        ("releases/category", "name"),
        ("releases/topic", "name"),
    ],
)
def test_slug_is_prepopulated_from_the_title(path, source, officer_client):
    scripts = admin_page(officer_client.get(f"/admin/{path}/add/")).scripts

    configs = [
        json.loads(script["data-prepopulated-fields"])
        for script in scripts
        if script.get("id") == "django-admin-prepopulated-fields-constants"
    ]

    assert [[(c["id"], c["dependency_list"]) for c in config] for config in configs] == [
        [("#id_slug", [source])]
    ]


# Permissions


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_press_officer_cannot_open_user_administration(url, officer_client):
    response = officer_client.get(url)

    assert response.status_code == 403
    assert b"presse" not in response.content


def test_press_officer_cannot_create_a_user(officer_client):
    users_before = list(User.objects.values_list("username", flat=True))

    response = officer_client.post(
        "/admin/auth/user/add/",
        {
            "username": "eindringling",
            "password1": "ein-langes-passwort-42",
            "password2": "ein-langes-passwort-42",
            "usable_password": "true",
        },
    )

    assert response.status_code == 403
    assert list(User.objects.values_list("username", flat=True)) == users_before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Redaktion", PRESS_OFFICE_PERMISSIONS),
        ("Freigabe", PRESS_OFFICE_PERMISSIONS | PUBLISH_PERMISSIONS),
    ],
)
def test_workflow_groups_have_exactly_their_permissions(name, expected):
    group = Group.objects.get(name=name)

    codenames = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert codenames == expected
    assert {c for c in codenames if c.startswith(("auth.", "admin.", "contenttypes."))} == set()


def test_admin_index_offers_press_officer_only_the_content_models(officer_client):
    links = admin_page(officer_client.get("/admin/")).links

    changelists = {
        link["href"]
        for link in links
        if link.get("href", "").count("/") == 4 and link["href"].startswith("/admin/")
    }

    assert changelists == {
        "/admin/office/profile/",
        "/admin/office/person/",
        "/admin/office/quote/",
        "/admin/office/statistic/",
        "/admin/office/image/",
        "/admin/office/legalpage/",
        "/admin/releases/release/",
        "/admin/releases/category/",
        "/admin/releases/topic/",
        "/admin/events/event/",
        "/admin/office/auditentry/",
        "/admin/distribution/contact/",
        "/admin/distribution/mailing/",
        "/admin/distribution/delivery/",
        "/admin/distribution/contactimport/",
        "/admin/distribution/invitation/",
        "/admin/distribution/signup/",
    }


def test_staff_without_permission_gets_403_on_release_changelist(client, staff_without_permission):
    make_release(title="Geheimer Entwurf", status=Release.Status.DRAFT)
    client.force_login(staff_without_permission)

    response = client.get("/admin/releases/release/")

    assert response.status_code == 403
    assert "Geheimer Entwurf" not in response.content.decode()


def test_anonymous_user_is_redirected_to_login(client):
    make_release(title="Geheimer Entwurf", status=Release.Status.DRAFT)

    response = client.get("/admin/releases/release/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/releases/release/"
    assert "Geheimer Entwurf" not in response.content.decode()


def test_profile_admin_refuses_a_second_profile(officer_client, profile):
    response = officer_client.post(
        "/admin/office/profile/add/",
        {"name": "Zweite Person", "title": "MdL", "parliament": "Landtag"},
    )

    assert officer_client.get("/admin/office/profile/add/").status_code == 403
    assert response.status_code == 403
    assert list(Profile.objects.values_list("name", flat=True)) == [profile.name]


def test_profile_admin_refuses_deletion(officer_client, profile):
    get = officer_client.get(f"/admin/office/profile/{profile.pk}/delete/")
    post = officer_client.post(f"/admin/office/profile/{profile.pk}/delete/", {"post": "yes"})
    change = admin_page(officer_client.get(f"/admin/office/profile/{profile.pk}/change/"))

    assert [get.status_code, post.status_code] == [403, 403]
    assert list(Profile.objects.all()) == [profile]
    assert [link for link in change.links if "deletelink" in (link.get("class") or "")] == []
    assert "action" not in admin_page(officer_client.get("/admin/office/profile/")).form


def test_published_release_change_page_links_to_the_public_page(officer_client):
    release = make_release(title="Öffentliche Meldung", slug="oeffentliche-meldung")

    change = admin_page(officer_client.get(f"/admin/releases/release/{release.pk}/change/"))
    [link] = [link for link in change.links if link.get("class") == "viewsitelink"]
    redirect = officer_client.get(link["href"])

    assert link["text"] == "Auf der Website anzeigen"
    assert redirect.status_code == 302
    assert redirect["Location"] == "http://testserver/pressemitteilungen/oeffentliche-meldung/"
    public = Client().get("/pressemitteilungen/oeffentliche-meldung/")
    assert public.status_code == 200
    assert "Öffentliche Meldung" in public.content.decode()


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/releases/release/")
    assert response.status_code == 200
    return len(queries), len(admin_page(response).rows)


def test_release_changelist_queries_do_not_grow_with_rows(
    officer_client, django_assert_max_num_queries
):
    """Editors open the changelist all day; a query per row would slow it with every release."""
    category = make_category()
    author = User.objects.create_user("autorin")
    for _ in range(10):
        make_release(category=category, author=author, topics=[make_topic()])
    # The session's first request in a process writes it once (a savepoint more).
    changelist_queries(officer_client)
    ten = changelist_queries(officer_client)
    for _ in range(40):
        make_release(category=category, author=author, topics=[make_topic()])

    with django_assert_max_num_queries(ten[0]):
        fifty = changelist_queries(officer_client)

    assert (ten[1], fifty[1]) == (10, 50)
    assert fifty[0] == ten[0]


@pytest.mark.parametrize("field", ["hero_image", "category", "topics", "events"])
@pytest.mark.parametrize("value", ["office", "9" * 30, "1.5"])
def test_a_crafted_id_in_a_search_field_is_a_form_error_not_a_500(approver, field, value):
    client = Client(raise_request_exception=False)
    client.force_login(approver)
    release = make_release(title="Unverändert")
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_form(client, url) | {field: value, "title": "Geändert"}

    response = client.post(url, data)

    release.refresh_from_db()
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert release.title == "Unverändert"
