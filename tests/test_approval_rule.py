"""Quotes, figures, categories and topics pass the Freigabe with the releases that show them.

A quote or figure is public only through a public release; a category or topic
is public only while a public release uses it; what a published release shows
changes only with the Freigabe. Every test creates what could leak beside what
may show.
"""

import datetime

import feedparser
import pytest
import time_machine
from django.test import Client

from office.models import LegalPage, Quote
from releases.models import Category, Release, Topic
from tests.kit.factories import (
    change_url,
    client_of,
    make_category,
    make_image,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
    member,
)
from tests.kit.pages import admin_form, admin_page

pytestmark = pytest.mark.django_db

QUOTE_ADMIN = "/admin/office/quote/"
FIGURE_ADMIN = "/admin/office/statistic/"
RELEASE_ADMIN = "/admin/releases/release/"
# Searched for by its first word; shown only where the rest of the sentence appears.
QUOTE = "Strukturwandel braucht Mut und einen langen Atem"
FIGURE = "Strukturwandel kostet jedes fünfte Unternehmen Umsatz"
PUBLIC_PATHS = ("/", "/zitate/", "/zahlen/", "/suche/?q=Strukturwandel")


def shown_on(text):
    """Return the public paths whose page shows the text beyond its first word."""
    tail = text.partition(" ")[2]
    reader = Client()
    return [path for path in PUBLIC_PATHS if tail in reader.get(path).content.decode()]


def post_form(client, url, **changes):
    """Post an admin form as the browser would, with some fields changed."""
    return client.post(url, admin_page(client.get(url)).form | changes)


def quote_form(text=QUOTE):
    return {"text": text, "said_on": "13.02.2025"}


def figure_form(label=FIGURE):
    return {"value": "20", "unit": "Prozent", "label": label, "source_name": "IW Köln"}


# Quotes and figures


@pytest.mark.parametrize("role", ["Redaktion", "Freigabe"])
def test_a_quote_or_figure_written_on_its_own_is_public_nowhere(role):
    client = client_of(member(role.lower(), role))
    make_release(title="Öffentlich").quotes.add(make_quote(text="Ein öffentlicher Satz"))

    answers = [
        client.post(f"{QUOTE_ADMIN}add/", quote_form()).status_code,
        client.post(f"{FIGURE_ADMIN}add/", figure_form()).status_code,
    ]

    assert answers == [302, 302]
    assert shown_on(QUOTE) == []
    assert shown_on(FIGURE) == []
    assert shown_on("Ein öffentlicher Satz") == ["/", "/zitate/"]


def test_a_quote_from_the_popup_goes_public_with_its_release_and_the_freigabe(
    writer_client, approver_client
):
    category = make_category()
    added = post_form(writer_client, f"{QUOTE_ADMIN}add/?_popup=1&_to_field=id", **quote_form())
    quote_pk = Quote.objects.get().pk
    form = admin_page(writer_client.get(f"{RELEASE_ADMIN}add/")).form | {
        "title": "Neue Meldung",
        "slug": "neue-meldung",
        "lead": "Ein Vorspann.",
        "body": "<p>Text.</p>",
        "category": str(category.pk),
        "_decision": "submit",
        "releasequote_set-TOTAL_FORMS": "1",
        "releasequote_set-0-order": "1",
        "releasequote_set-0-quote": str(quote_pk),
    }

    saved = writer_client.post(f"{RELEASE_ADMIN}add/", form)
    submitted = shown_on(QUOTE)
    release = Release.objects.get(slug="neue-meldung")
    approved = post_form(approver_client, change_url(release), _decision="approve")

    # The popup answers with the page that hands the new quote to the release form.
    assert b"popup_response" in added.content
    assert [saved.status_code, approved.status_code] == [302, 302]
    assert submitted == []
    assert shown_on(QUOTE) == list(PUBLIC_PATHS[:2]) + [PUBLIC_PATHS[3]]


def test_removing_a_quote_from_a_release_in_review_does_not_publish_it(writer_client):
    release = make_release(status=Release.Status.REVIEW)
    release.quotes.add(make_quote(text=QUOTE))
    release.statistics.add(make_statistic(label=FIGURE))

    response = post_form(
        writer_client,
        change_url(release),
        **{"releasequote_set-0-DELETE": "on", "releasestatistic_set-0-DELETE": "on"},
    )

    assert response.status_code == 302
    assert release.quotes.count() == release.statistics.count() == 0
    assert (shown_on(QUOTE), shown_on(FIGURE)) == ([], [])


def test_deleting_a_release_in_review_does_not_publish_its_quote_and_figure(writer_client):
    release = make_release(status=Release.Status.REVIEW)
    release.quotes.add(make_quote(text=QUOTE))
    release.statistics.add(make_statistic(label=FIGURE))

    response = writer_client.post(
        change_url(release).replace("/change/", "/delete/"), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Release.objects.exists()
    assert (shown_on(QUOTE), shown_on(FIGURE)) == ([], [])


def test_a_quote_leaves_the_public_site_with_the_last_public_release_that_shows_it(
    approver_client, committed
):
    public = make_release(title="Öffentlich")
    public.quotes.add(make_quote(text=QUOTE))
    before = shown_on(QUOTE)

    with committed():
        response = post_form(
            approver_client, change_url(public), **{"releasequote_set-0-DELETE": "on"}
        )

    assert response.status_code == 302
    assert before == ["/", "/zitate/", "/suche/?q=Strukturwandel"]
    assert shown_on(QUOTE) == []


def test_a_figure_of_an_embargoed_release_shows_when_the_embargo_ends(now):
    release = make_release(publish_at=now + datetime.timedelta(hours=1))
    release.statistics.add(make_statistic(label=FIGURE))
    before = shown_on(FIGURE)

    with time_machine.travel(release.publish_at + datetime.timedelta(seconds=1)):
        after = shown_on(FIGURE)

    assert before == []
    assert after == ["/", "/zahlen/", "/suche/?q=Strukturwandel"]


# Categories and topics


def unpublished_taxonomy(now):
    """Return a category and a topic that only a draft and an embargoed release use."""
    make_release(title="Öffentlich", category=make_category(name="Allgemein", slug="allgemein"))
    category = make_category(name="Geheime Kategorie", slug="geheime-kategorie")
    topic = make_topic(name="Geheimes Thema", slug="geheimes-thema")
    make_release(status=Release.Status.DRAFT, category=category, topics=[topic])
    embargoed = make_release(
        publish_at=now + datetime.timedelta(hours=1), category=category, topics=[topic]
    )
    return category, topic, embargoed


TAXONOMY_PATHS = (
    "/pressemitteilungen/kategorie/geheime-kategorie/",
    "/pressemitteilungen/kategorie/geheime-kategorie/feed/",
    "/pressemitteilungen/thema/geheimes-thema/",
    "/pressemitteilungen/thema/geheimes-thema/feed/",
)
LISTING_PATHS = ("/pressemitteilungen/", "/suche/", "/feeds/", "/suche/?q=Text")


def taxonomy_answers():
    reader = Client()
    statuses = [reader.get(path).status_code for path in TAXONOMY_PATHS]
    named_on = [
        path for path in LISTING_PATHS if "geheim" in reader.get(path).content.decode().lower()
    ]
    return statuses, named_on


def test_a_category_or_topic_of_unpublished_releases_only_is_unknown_to_readers(now):
    _category, _topic, embargoed = unpublished_taxonomy(now)

    statuses, named_on = taxonomy_answers()
    filtered = Client().get("/suche/?q=Text&kategorie=geheime-kategorie")
    with time_machine.travel(embargoed.publish_at + datetime.timedelta(seconds=1)):
        statuses_after, named_on_after = taxonomy_answers()
        feed = feedparser.parse(
            Client().get("/pressemitteilungen/kategorie/geheime-kategorie/feed/").content
        )

    assert statuses == [404, 404, 404, 404]
    assert named_on == []
    assert "Diese Kategorie gibt es nicht." in filtered.content.decode()
    assert statuses_after == [200, 200, 200, 200]
    assert named_on_after == ["/pressemitteilungen/", "/suche/", "/feeds/", "/suche/?q=Text"]
    assert [entry.title for entry in feed.entries] == [embargoed.title]


@pytest.mark.parametrize("status", ["published", "embargoed"])
@pytest.mark.parametrize("model", [Category, Topic])
def test_only_the_freigabe_renames_or_deletes_what_a_published_release_is_filed_under(
    writer_client, approver_client, now, model, status
):
    item = (make_category if model is Category else make_topic)(name="Alt", slug="alt")
    publish_at = now + datetime.timedelta(hours=1) if status == "embargoed" else now
    kwargs = {"category": item} if model is Category else {"topics": [item]}
    make_release(publish_at=publish_at, **kwargs)

    refused = [
        writer_client.post(change_url(item), {"name": "Neu", "slug": "alt"}).status_code,
        writer_client.post(
            change_url(item).replace("/change/", "/delete/"), {"post": "yes"}
        ).status_code,
    ]
    item.refresh_from_db()
    renamed = approver_client.post(change_url(item), {"name": "Neu", "slug": "alt"}).status_code

    assert refused == [403, 403]
    assert renamed == 302
    item.refresh_from_db()
    assert item.name == "Neu"


@pytest.mark.parametrize("model", [Category, Topic])
def test_the_redaktion_renames_what_only_drafts_are_filed_under(writer_client, model):
    item = (make_category if model is Category else make_topic)(name="Alt", slug="alt")
    kwargs = {"category": item} if model is Category else {"topics": [item]}
    make_release(status=Release.Status.DRAFT, **kwargs)

    response = writer_client.post(change_url(item), {"name": "Neu", "slug": "alt"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "Neu"


# What is public the moment it is saved, and what a text in review shows


def test_only_the_freigabe_changes_the_profile_and_the_legal_pages(writer_client, approver_client):
    profile = make_profile(name="Daniel Hagemeier")
    legal = {"slug": "impressum", "body": "<p>Angaben ohne Freigabe.</p>"}

    refused = [
        post_form(writer_client, change_url(profile), name="Erika Fälscher").status_code,
        writer_client.post("/admin/office/legalpage/add/", legal).status_code,
    ]
    profile.refresh_from_db()
    allowed = [
        post_form(approver_client, change_url(profile), name="Daniel Hagemeier-Neu").status_code,
        approver_client.post("/admin/office/legalpage/add/", legal).status_code,
    ]

    assert refused == [403, 403]
    assert profile.name == "Daniel Hagemeier"
    assert allowed == [302, 302]
    assert "Daniel Hagemeier-Neu MdL" in Client().get("/ueber-mich/").content.decode()
    page_text = LegalPage.objects.get(slug="impressum")
    assert post_form(writer_client, change_url(page_text), body="<p>Anders.</p>").status_code == 403


def test_the_portrait_is_the_freigabes_like_the_profile(writer_client):
    portrait = make_image(alt_text="Porträt")
    make_profile(portrait=portrait)

    answers = [
        writer_client.post(change_url(portrait), {"alt_text": "Anders", "caption": ""}).status_code,
        writer_client.post(
            change_url(portrait).replace("/change/", "/delete/"), {"post": "yes"}
        ).status_code,
    ]

    assert answers == [403, 403]
    portrait.refresh_from_db()
    assert portrait.alt_text == "Porträt"


def test_what_a_release_in_review_shows_stays_as_the_freigabe_read_it(
    writer_client, approver_client
):
    release = make_release(status=Release.Status.REVIEW, title="In Prüfung")
    release.quotes.add(make_quote(text="Ein abgestimmter Satz"))
    release.statistics.add(make_statistic(label="Eine geprüfte Zahl"))
    seen = admin_form(approver_client, change_url(release))

    changed = [
        post_form(
            writer_client, change_url(item), text="Ein anderer Satz", label="Eine andere Zahl"
        )
        for item in (release.quotes.get(), release.statistics.get())
    ]
    approved = approver_client.post(change_url(release), seen | {"_decision": "approve"})
    body = Client().get(release.get_absolute_url()).content.decode()

    assert [response.status_code for response in changed] == [403, 403]
    assert approved.status_code == 302
    assert "Ein abgestimmter Satz" in body and "Eine geprüfte Zahl" in body
    assert "Ein anderer Satz" not in body and "Eine andere Zahl" not in body
