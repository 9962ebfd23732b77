"""The change form's automatic copy and live preview on the server: who may, what is kept,
what is never touched, and that nothing reaches a reader."""

import json

import feedparser
import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from events.models import Event
from office.models import NEW_ITEM, Autosave
from office.site import seo
from releases.models import Release
from tests.kit.factories import (
    change_url,
    client_of,
    make_event,
    make_image,
    make_quote,
    make_release,
    make_topic,
    member,
)
from tests.kit.pages import admin_form, json_script

pytestmark = pytest.mark.django_db

SCRIPT = '<p>Sicher</p><script>alert("x")</script><img src=x onerror="alert(1)">'


def autosave_url(item):
    return f"{change_url(item).removesuffix('change/')}automatisch-sichern/"


def preview_url(item):
    return f"{change_url(item).removesuffix('change/')}live-vorschau/"


NEW_RELEASE_AUTOSAVE = "/admin/releases/release/automatisch-sichern/"
NEW_RELEASE_PREVIEW = "/admin/releases/release/live-vorschau/"


def stored(release):
    """Return what readers and the workflow depend on, read afresh."""
    row = Release.objects.get(pk=release.pk)
    return (row.title, row.lead, row.body, row.status, row.publish_at, row.version)


@pytest.fixture
def draft(writer):
    return make_release(
        title="Entwurf im Haus",
        status=Release.Status.DRAFT,
        author=writer,
    )


def test_autosave_keeps_the_form_beside_the_release_and_changes_nothing_in_it(
    writer_client, writer, draft
):
    before = stored(draft)
    form = admin_form(writer_client, change_url(draft))
    form |= {"title": "Neuer Titel in Arbeit", "body": SCRIPT, "status": "review"}

    response = writer_client.post(autosave_url(draft), form)

    assert response.status_code == 200
    assert response.json()["uhrzeit"].count(":") == 1
    assert response["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    autosave = Autosave.objects.get()
    fields = dict(autosave.fields)
    assert (autosave.user, autosave.object_id) == (writer, draft.pk)
    assert fields["title"] == "Neuer Titel in Arbeit"
    assert fields["body"] == "<p>Sicher</p>"
    assert {"status", "csrfmiddlewaretoken", "edit_version", "publish_at_0"} & set(fields) == set()
    assert stored(draft) == before


def test_the_copy_keeps_no_choice_of_sending(writer_client, draft):
    form = admin_form(writer_client, change_url(draft))
    form |= {"send_to": "all", "send_mode": "ahead", "send_topics": "1"}

    writer_client.post(autosave_url(draft), form)

    fields = dict(Autosave.objects.get().fields)
    assert "title" in fields
    assert {"send_to", "send_mode", "send_topics", "send_categories"} & set(fields) == set()


def test_a_second_autosave_replaces_the_first(writer_client, draft):
    form = admin_form(writer_client, change_url(draft))

    writer_client.post(autosave_url(draft), form | {"title": "Erste Fassung"})
    writer_client.post(autosave_url(draft), form | {"title": "Zweite Fassung"})

    assert [dict(a.fields)["title"] for a in Autosave.objects.all()] == ["Zweite Fassung"]


def test_the_change_form_offers_the_copy_to_its_author_only(writer_client, approver_client, draft):
    form = admin_form(writer_client, change_url(draft))
    writer_client.post(
        autosave_url(draft),
        form | {"title": "Ungespeichert", "_beschriftungen": json.dumps({"category": {"1": "A"}})},
    )

    own = json_script(writer_client.get(change_url(draft)), "plenum-autosave")
    other = json_script(approver_client.get(change_url(draft)), "plenum-autosave")

    assert dict(own["fields"])["title"] == "Ungespeichert"
    assert own["labels"] == {"category": {"1": "A"}}
    assert other is None


def test_saving_the_form_ends_its_copy(writer_client, writer, draft, category):
    form = admin_form(writer_client, change_url(draft))
    writer_client.post(autosave_url(draft), form | {"title": "Ungespeichert"})
    new_form = admin_form(writer_client, "/admin/releases/release/add/")
    writer_client.post(NEW_RELEASE_AUTOSAVE, new_form | {"title": "Noch ohne Nummer"})
    assert Autosave.objects.count() == 2

    writer_client.post(change_url(draft), form | {"title": "Gespeichert"})
    new_form |= {
        "title": "Angelegt",
        "slug": "angelegt",
        "lead": "Vorspann",
        "body": "<p>Text</p>",
        "category": str(category.pk),
    }
    response = writer_client.post("/admin/releases/release/add/", new_form)

    assert response.status_code == 302
    assert Release.objects.get(pk=draft.pk).title == "Gespeichert"
    assert list(Autosave.objects.all()) == []


def test_the_copy_of_a_new_release_is_kept_per_user_under_no_number(writer_client, writer):
    form = admin_form(writer_client, "/admin/releases/release/add/")

    response = writer_client.post(NEW_RELEASE_AUTOSAVE, form | {"title": "Noch nicht angelegt"})

    assert response.status_code == 200
    autosave = Autosave.objects.get()
    assert (autosave.user, autosave.object_id, autosave.content_type) == (
        writer,
        NEW_ITEM,
        ContentType.objects.get_for_model(Release),
    )
    assert Release.objects.count() == 0


def test_discarding_removes_the_copy(writer_client, draft):
    writer_client.post(autosave_url(draft), {"title": "Ungespeichert"})

    response = writer_client.post(autosave_url(draft), {"_verwerfen": "1"})

    assert response.json() == {"verworfen": True}
    assert list(Autosave.objects.all()) == []


def test_redaktion_cannot_autosave_over_a_published_release(writer_client, approver_client):
    published = make_release(title="Öffentlich")
    before = stored(published)

    refused = writer_client.post(autosave_url(published), {"title": "Heimlich geändert"})
    allowed = approver_client.post(autosave_url(published), {"title": "Von der Freigabe"})

    assert refused.status_code == 403
    assert refused.json() == {
        "fehler": "Sie dürfen diesen Inhalt nicht ändern, also auch nicht automatisch sichern."
    }
    assert allowed.status_code == 200
    assert [dict(a.fields)["title"] for a in Autosave.objects.all()] == ["Von der Freigabe"]
    assert stored(published) == before


@pytest.mark.parametrize("url", [NEW_RELEASE_AUTOSAVE, NEW_RELEASE_PREVIEW])
def test_staff_without_permission_and_readers_are_turned_away(
    url, staff_without_permission, viewer, anonymous
):
    looker = client_of(staff_without_permission)
    reader = client_of(viewer)

    responses = [c.post(url, {"title": "x"}) for c in (looker, reader, anonymous)]

    assert [r.status_code for r in responses] == [403, 403, 302]
    assert responses[0].json() == {"fehler": "Sie dürfen hier nichts anlegen."}
    assert responses[2]["Location"].startswith("/admin/login/")
    assert list(Autosave.objects.all()) == []


def test_viewer_cannot_autosave_or_preview_an_existing_release(viewer, draft):
    reader = client_of(viewer)

    responses = [
        reader.post(url, {"title": "x"}) for url in (autosave_url(draft), preview_url(draft))
    ]

    assert [r.status_code for r in responses] == [403, 403]
    assert list(Autosave.objects.all()) == []


@pytest.mark.parametrize("view", [autosave_url, preview_url])
def test_posts_without_csrf_token_are_refused(writer, draft, view):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(writer)

    response = browser.post(view(draft), {"title": "Von einer fremden Seite"})

    assert response.status_code == 403
    assert list(Autosave.objects.all()) == []


@pytest.mark.parametrize("view", [autosave_url, preview_url])
def test_reading_is_not_allowed(writer_client, draft, view):
    assert writer_client.get(view(draft)).status_code == 405


INCOMPLETE = "Das Formular kam unvollständig an; gesichert wurde nichts."
TOO_BIG = "Das Formular ist zu groß für die automatische Sicherung. Bitte speichern."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, INCOMPLETE),
        (
            {"csrfmiddlewaretoken": "x", "status": "published"},
            "Das Formular kam unvollständig an; gesichert wurde nichts.",
        ),
        (
            {"title": "x", "_beschriftungen": "kein JSON"},
            "Das Formular kam unvollständig an; gesichert wurde nichts.",
        ),
        (
            {"title": "x", "_beschriftungen": '{"category": [1]}'},
            "Das Formular kam unvollständig an; gesichert wurde nichts.",
        ),
        (
            {"title": "x" * 1_000_001},
            "Das Formular ist zu groß für die automatische Sicherung. Bitte speichern.",
        ),
    ],
)
def test_bad_autosaves_get_a_german_message_and_store_nothing(
    writer_client, draft, data, message, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000

    response = writer_client.post(autosave_url(draft), data)

    assert (response.status_code, response.json()) == (400, {"fehler": message})
    assert list(Autosave.objects.all()) == []


@pytest.mark.parametrize("object_id", ["999999", "abc", "99999999999999999999999"])
def test_autosave_and_preview_of_an_unknown_item_are_a_german_404(writer_client, object_id):
    base = f"/admin/releases/release/{object_id}/"

    responses = [
        writer_client.post(base + view, {"title": "x"})
        for view in ("automatisch-sichern/", "live-vorschau/")
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert responses[0].json() == {"fehler": "Diesen Inhalt gibt es nicht (mehr)."}


def test_preview_renders_the_unsaved_release_with_the_public_template(
    writer_client, draft, profile
):
    topic = make_topic(name="Digitalisierung")
    before = stored(draft)
    form = admin_form(writer_client, change_url(draft))
    form |= {
        "title": "Was noch niemand lesen darf",
        "lead": "Ein Vorspann, der noch nicht öffentlich ist.",
        "body": "<h2>Zwischentitel</h2>" + SCRIPT,
        "topics": [str(topic.pk)],
    }

    response = writer_client.post(preview_url(draft), form)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    assert response["X-Robots-Tag"] == "noindex"
    data = response.json()
    page = data["html"]
    assert "<h1>Was noch niemand lesen darf</h1>" in page
    assert "Vorschau – nicht veröffentlicht" in page
    assert '<meta name="robots" content="noindex">' in page
    assert '<div class="prose"><h2>Zwischentitel</h2><p>Sicher</p></div>' in page
    assert "<script>alert" not in page and "onerror" not in page
    assert ">Digitalisierung</a>" in page
    assert 'property="og:title"' not in page
    assert data["search"] == {
        "title": "Was noch niemand lesen darf – Daniel Hagemeier MdL",
        "url": f"https://www.example.org/pressemitteilungen/{draft.slug}/",
        "description": "Ein Vorspann, der noch nicht öffentlich ist.",
    }
    assert data["share"]["title"] == "Was noch niemand lesen darf"
    assert data["share"]["site"] == "www.example.org"
    assert data["share"]["image"].startswith("data:image/png;base64,")
    assert stored(draft) == before
    assert list(draft.topics.all()) == []


def test_preview_shows_quotes_chosen_in_the_form(writer_client, draft, profile):
    quote = make_quote(text="Wir gehen voran.")
    form = admin_form(writer_client, change_url(draft))
    form |= {
        "releasequote_set-TOTAL_FORMS": "1",
        "releasequote_set-0-quote": str(quote.pk),
        "releasequote_set-0-order": "1",
    }

    page = writer_client.post(preview_url(draft), form).json()["html"]

    assert "Wir gehen voran." in page
    assert list(draft.quotes.all()) == []


def test_search_result_is_cut_where_search_engines_cut(writer_client, profile):
    form = admin_form(writer_client, "/admin/releases/release/add/")
    form |= {"title": "Lang " * 30, "lead": "Vorspann " * 40}

    search = writer_client.post(NEW_RELEASE_PREVIEW, form).json()["search"]

    assert len(search["title"]) == seo.SEARCH_TITLE_CHARS
    assert search["title"].endswith("…")
    assert len(search["description"]) == seo.SEARCH_DESCRIPTION_CHARS
    assert search["description"].endswith("…")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"title": "", "slug": "", "lead": "", "body": "", "category": ""},
        {"category": "999999", "publish_at_0": "31.02.2025", "slug": "Leer zeichen/?"},
        {"hero_image": "keine Zahl", "topics": ["x"], "releasequote_set-TOTAL_FORMS": "zwei"},
    ],
)
def test_preview_of_a_half_written_or_broken_form_still_renders(writer_client, profile, changes):
    form = admin_form(writer_client, "/admin/releases/release/add/") | changes

    response = writer_client.post(NEW_RELEASE_PREVIEW, form)

    assert response.status_code == 200
    assert "Vorschau – nicht veröffentlicht" in response.json()["html"]
    assert Release.objects.count() == 0


def test_preview_of_an_event_without_times_renders(writer_client, profile):
    form = admin_form(writer_client, "/admin/events/event/add/")
    form |= {"title": "Fachgespräch im Landtag", "venue_name": "Landtag NRW", "description": SCRIPT}

    response = writer_client.post("/admin/events/event/live-vorschau/", form)

    data = response.json()
    assert "<h1>Fachgespräch im Landtag</h1>" in data["html"]
    assert "<script>alert" not in data["html"]
    assert data["share"]["description"] == "Sicher"
    assert Event.objects.count() == 0


def test_event_autosave_refused_to_redaktion_once_published(writer_client):
    event = make_event(title="Öffentlicher Termin")

    response = writer_client.post(autosave_url(event), {"title": "Heimlich"})

    assert response.status_code == 403
    assert Event.objects.get().title == "Öffentlicher Termin"


def test_nothing_written_in_the_form_reaches_a_reader(
    writer_client, approver_client, anonymous, profile
):
    published = make_release(title="Öffentlicher Titel", slug="oeffentlich")
    secret = "Geheimer Arbeitstitel"
    paths = (
        "/pressemitteilungen/oeffentlich/",
        "/pressemitteilungen/",
        "/pressemitteilungen/feed/",
        "/",
        "/suche/?q=Arbeitstitel",
        "/sitemap.xml",
    )
    before = [anonymous.get(path).content for path in paths]
    form = admin_form(approver_client, change_url(published))
    approver_client.post(autosave_url(published), form | {"title": secret})
    approver_client.post(preview_url(published), form | {"title": secret})
    new_form = admin_form(writer_client, "/admin/releases/release/add/")
    writer_client.post(NEW_RELEASE_AUTOSAVE, new_form | {"title": secret, "slug": "geheim"})
    writer_client.post(NEW_RELEASE_PREVIEW, new_form | {"title": secret, "slug": "geheim"})

    after = [anonymous.get(path).content for path in paths]
    feed = feedparser.parse(after[2])

    assert after == before
    assert [entry.title for entry in feed.entries] == ["Öffentlicher Titel"]
    assert anonymous.get("/pressemitteilungen/geheim/").status_code == 404
    assert Release.objects.get().title == "Öffentlicher Titel"


def test_a_member_of_another_group_sees_no_copy_in_the_add_form(writer_client, db):
    form = admin_form(writer_client, "/admin/releases/release/add/")
    writer_client.post(NEW_RELEASE_AUTOSAVE, form | {"title": "Meins"})
    colleague = client_of(member("kollegin", "Redaktion"))

    offered = json_script(colleague.get("/admin/releases/release/add/"), "plenum-autosave")

    assert offered is None


def test_the_copy_and_the_preview_keep_a_photo_placed_in_the_text(writer_client, draft, profile):
    image = make_image(alt_text="Die Abgeordnete im Plenarsaal")
    body = f'<p>Vorher</p><figure data-image="{image.pk}"></figure><p>Nachher</p>'
    form = admin_form(writer_client, change_url(draft)) | {"body": body}

    writer_client.post(autosave_url(draft), form)
    preview = writer_client.post(preview_url(draft), form).json()["html"]

    copy = dict(Autosave.objects.get().fields)
    assert copy["body"] == body
    assert 'alt="Die Abgeordnete im Plenarsaal"' in preview


def test_a_nul_in_the_form_is_left_out_of_the_copy(writer_client, draft):
    labels = json.dumps({"category": {"1": "Wirt\x00schaft"}})

    response = writer_client.post(
        autosave_url(draft), {"title": "Ent\x00wurf", "_beschriftungen": labels}
    )

    assert response.status_code == 200
    autosave = Autosave.objects.get()
    assert dict(autosave.fields)["title"] == "Entwurf"
    assert autosave.labels == {"category": {"1": "Wirtschaft"}}
