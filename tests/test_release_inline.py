"""Quotes and figures written or picked inside the release form, reordered without popups."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User

from office.models import Quote, Statistic
from releases.models import Release
from tests.kit.factories import (
    PASSWORD,
    change_url,
    client_of,
    make_category,
    make_quote,
    make_release,
)
from tests.kit.pages import admin_page, body

pytestmark = pytest.mark.django_db

ADD = "/admin/releases/release/add/"


def release_form(client, url=ADD, **changes):
    form = admin_page(client.get(url)).form
    if url == ADD:
        form |= {
            "title": "Neue Meldung",
            "slug": "neue-meldung",
            "lead": "Ein Vorspann.",
            "body": "<p>Text.</p>",
            "category": str(make_category().pk),
            "status": "draft",
        }
    return form | changes


def new_quote(n=0, **fields):
    return {
        "releasequote_set-TOTAL_FORMS": str(n + 1),
        f"releasequote_set-{n}-new_text": "Strukturwandel braucht Mut.",
        f"releasequote_set-{n}-new_said_on": "13.02.2025",
        f"releasequote_set-{n}-new_context": "Zukunftskonferenz",
        f"releasequote_set-{n}-order": str(n + 1),
        **{f"releasequote_set-{n}-{name}": value for name, value in fields.items()},
    }


def new_figure(value="67,8", **fields):
    return {
        "releasestatistic_set-TOTAL_FORMS": "1",
        "releasestatistic_set-0-new_value": value,
        "releasestatistic_set-0-new_unit": "Mrd. Euro",
        "releasestatistic_set-0-new_label": "Umsatz durch KI",
        "releasestatistic_set-0-new_source_name": "IW Köln",
        "releasestatistic_set-0-order": "1",
        **{f"releasestatistic_set-0-{name}": value for name, value in fields.items()},
    }


def errors(response):
    return admin_page(response).errors if response.status_code == 200 else []


def test_a_new_quote_and_figure_are_written_inside_the_release_form(writer_client):
    response = writer_client.post(ADD, release_form(writer_client) | new_quote() | new_figure())

    assert response.status_code == 302
    release = Release.objects.get()
    quote, figure = release.quotes.get(), release.statistics.get()
    assert (quote.text, str(quote.said_on), quote.context) == (
        "Strukturwandel braucht Mut.",
        "2025-02-13",
        "Zukunftskonferenz",
    )
    assert (figure.value, figure.display_value) == (Decimal("67.8"), "67,8 Mrd. Euro")


def test_an_existing_quote_is_picked_and_a_new_one_written_beside_it(writer_client):
    existing = make_quote(text="Ein bekannter Satz")
    form = release_form(writer_client) | new_quote(1)
    form |= {"releasequote_set-0-quote": str(existing.pk), "releasequote_set-0-order": "3"}

    response = writer_client.post(ADD, form)

    assert response.status_code == 302
    release = Release.objects.get()
    assert [link.quote.text for link in release.releasequote_set.all()] == [
        "Strukturwandel braucht Mut.",
        "Ein bekannter Satz",
    ]
    assert Quote.objects.count() == 2


def test_a_row_with_both_or_neither_is_refused_and_nothing_is_saved(writer_client):
    existing = make_quote(text="Ein bekannter Satz")
    both = release_form(writer_client) | new_quote(quote=str(existing.pk))
    neither = release_form(writer_client) | new_quote(new_text="", new_context="Nur ein Anlass")

    answers = [writer_client.post(ADD, form) for form in (both, neither)]

    assert [response.status_code for response in answers] == [200, 200]
    assert "nicht beides" in answers[0].content.decode()
    assert "Bitte ein vorhandenes wählen oder ein neues schreiben." in answers[1].content.decode()
    assert (Release.objects.count(), Quote.objects.count()) == (0, 1)


def test_an_ambiguous_figure_in_the_inline_is_asked_about_not_guessed(writer_client):
    response = writer_client.post(ADD, release_form(writer_client) | new_figure(value="12.5"))

    assert response.status_code == 200
    assert "„12.5“ ist nicht eindeutig" in response.content.decode()
    assert (Release.objects.count(), Statistic.objects.count()) == (0, 0)


def test_the_order_of_quotes_is_what_the_form_sends(writer_client):
    release = make_release(status=Release.Status.DRAFT)
    first, second = make_quote(text="Erster Satz"), make_quote(text="Zweiter Satz")
    release.releasequote_set.create(quote=first, order=1)
    release.releasequote_set.create(quote=second, order=2)

    response = writer_client.post(
        change_url(release),
        release_form(writer_client, change_url(release))
        | {"releasequote_set-0-order": "2", "releasequote_set-1-order": "1"},
    )

    assert response.status_code == 302
    assert [link.quote.text for link in release.releasequote_set.all()] == [
        "Zweiter Satz",
        "Erster Satz",
    ]


def test_who_may_not_add_quotes_may_only_pick_them():
    user = User.objects.create_user("aushilfe", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "add_release",
                "change_release",
                "view_release",
                "add_releasequote",
                "change_releasequote",
                "view_releasequote",
                "view_quote",
            ]
        )
    )
    client = client_of(user)

    response = client.post(ADD, release_form(client) | new_quote())

    assert response.status_code == 200
    assert "Sie dürfen hier nur Vorhandenes wählen." in response.content.decode()
    assert Quote.objects.count() == 0


def test_a_new_quote_of_a_release_in_review_waits_for_the_freigabe(writer_client):
    release = make_release(status=Release.Status.REVIEW)

    response = writer_client.post(
        change_url(release), release_form(writer_client, change_url(release)) | new_quote()
    )
    quote = Quote.objects.get()

    assert response.status_code == 302
    assert writer_client.post(change_url(quote), {"text": "Anders"}).status_code == 403
    assert list(Quote.objects.published()) == []


def test_the_empty_rows_offered_to_write_in_are_left_out_when_only_numbered(writer_client):
    form = release_form(writer_client)
    # ordering.js numbers every row before sending, the untouched ones too.
    form |= {"releasequote_set-0-order": "1", "releasestatistic_set-0-order": "1"}

    response = writer_client.post(ADD, form)

    assert (form["releasequote_set-TOTAL_FORMS"], form["releasestatistic_set-TOTAL_FORMS"]) == (
        "1",
        "1",
    )
    assert response.status_code == 302
    release = Release.objects.get()
    assert (release.releasequote_set.count(), release.releasestatistic_set.count()) == (0, 0)


def test_quotes_and_figures_are_picked_without_popup_links(writer_client):
    release = make_release(status=Release.Status.DRAFT)
    make_quote(release=release)

    pages = [body(writer_client.get(url)) for url in (ADD, change_url(release))]

    for html in pages:
        popups = re.findall(r'id="(add|change|view|delete)_id_([\w-]+?)"', html)
        inline_popups = [
            link for link in popups if link[1].startswith(("releasequote", "releasestat"))
        ]
        assert inline_popups == []
        # The category keeps Django's popups: the pattern finds them where they are.
        assert ("add", "category") in popups
