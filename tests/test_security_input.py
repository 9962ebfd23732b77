"""Any input to a public URL gives 200, 301, 400 or 404, never a 500; oversized posts get a 400.

Property-based: hypothesis generates the page numbers, search terms, slugs,
years and raw query strings; the fixed cases in tests/test_bad_input.py check
what a reader then reads.
"""

import datetime
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import BERLIN

pytestmark = pytest.mark.django_db

ALLOWED = {200, 301, 400, 404}

# The site fixture is created once per test and only read by the examples.
examples = hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as a hostile client sends it: any code point, control characters and
# lone surrogates' UTF-8 stand-ins included, or raw bytes that are not UTF-8.
any_text = st.text(max_size=300)
any_bytes = st.binary(max_size=300)
numberish = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.from_regex(r"[-+ ]?[0-9]*[.,eE]?[0-9]*", fullmatch=True),
    any_text,
)

LISTS = [
    "/pressemitteilungen/",
    "/pressemitteilungen/kategorie/wirtschaft/",
    "/pressemitteilungen/thema/energie/",
    "/pressemitteilungen/2024/",
    "/termine/",
    "/termine/archiv/",
    "/zitate/",
    "/zahlen/",
]
SLUG_ROUTES = [
    "/pressemitteilungen/{}/",
    "/pressemitteilungen/kategorie/{}/",
    "/pressemitteilungen/thema/{}/",
    "/pressemitteilungen/kategorie/{}/feed/",
    "/pressemitteilungen/thema/{}/feed/",
    "/termine/{}/",
    "/termine/{}.ics",
    "/sitemap-{}.xml",
]
FEEDS = [
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/atom/",
    "/pressemitteilungen/feed.json",
    "/pressemitteilungen/kategorie/wirtschaft/feed/",
    "/termine/feed/",
    "/termine/kalender.ics",
    "/sitemap.xml",
]


@pytest.fixture
def site(db):
    """One public item on every list, a draft beside it, so every view does real work."""
    make_profile()
    category = make_category(name="Wirtschaft", slug="wirtschaft")
    topic = make_topic(name="Energie", slug="energie")
    make_release(
        title="Landtag beschließt Haushalt",
        slug="haushalt",
        category=category,
        topics=[topic],
        publish_at=datetime.datetime(2024, 5, 2, 10, tzinfo=BERLIN),
    )
    make_release(title="Entwurf", slug="entwurf", status=Release.Status.DRAFT)
    make_event(title="Bürgersprechstunde", slug="sprechstunde")
    make_event(
        title="Rückblick", slug="rueckblick", starts_at=datetime.datetime(2024, 5, 3, tzinfo=BERLIN)
    )
    make_quote(text="Wir stehen zu unserem Wort.")
    make_statistic(label="der Unternehmen nutzen KI")


def get(client, path):
    response = client.get(path)
    assert response.status_code in ALLOWED, (path, response.status_code)
    if response.status_code in (200, 404):
        assert "Entwurf" not in response.content.decode(errors="replace"), path
    return response


def encoded(value):
    return quote(value, safe="") if isinstance(value, str) else quote(bytes(value), safe="")


@examples
@given(path=st.sampled_from(LISTS), seite=st.one_of(numberish, any_bytes))
def test_any_page_number_is_answered_without_a_server_error(client, site, path, seite):
    get(client, f"{path}?seite={encoded(seite)}")


@examples
@given(q=st.one_of(any_text, any_bytes, st.text(alphabet="%_\\'\" *?<>&;", max_size=50)))
def test_any_search_term_is_answered_without_a_server_error(client, site, q):
    response = get(client, f"/suche/?q={encoded(q)}")

    assert response.status_code == 200


@examples
@given(route=st.sampled_from(SLUG_ROUTES), slug=st.one_of(any_text, any_bytes).filter(bool))
def test_any_slug_is_answered_without_a_server_error(client, site, route, slug):
    get(client, route.format(encoded(slug)))


@examples
@given(year=numberish.filter(bool))
def test_any_year_archive_is_answered_without_a_server_error(client, site, year):
    get(client, f"/pressemitteilungen/{encoded(year)}/")


@examples
@given(year=st.integers(min_value=1000, max_value=2999))
def test_every_four_digit_year_the_archive_accepts_is_a_page_or_a_404(client, site, year):
    response = get(client, f"/pressemitteilungen/{year}/")

    assert response.status_code == (200 if year == 2024 else 404)


@examples
@given(
    path=st.sampled_from(FEEDS + LISTS + ["/", "/suche/", "/feeds/", "/ueber-mich/"]),
    query=st.lists(st.tuples(st.one_of(any_text, any_bytes), st.one_of(any_text, any_bytes))),
)
def test_any_query_string_on_any_public_url_is_answered_without_a_server_error(
    client, site, path, query
):
    pairs = "&".join(f"{encoded(key)}={encoded(value)}" for key, value in query)

    get(client, f"{path}?{pairs}")


@examples
@given(tail=st.lists(st.one_of(any_text, any_bytes).filter(bool), min_size=1, max_size=4))
def test_any_deeper_path_is_answered_without_a_server_error(client, site, tail):
    get(client, "/pressemitteilungen/" + "/".join(encoded(part) for part in tail) + "/")


# Oversized and overlong posts


@pytest.fixture
def careful_client():
    """Return a client that checks CSRF and holds the login page's token, as a browser does."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/admin/login/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def assert_refused_cleanly(response, session=False):
    assert response.status_code == 400
    assert "<h1>Ungültige Anfrage</h1>" in response.content.decode()
    assert ("sessionid" in response.cookies) == session


OVERSIZED = "username=presse&password=" + "x" * 3_000_000
TOO_MANY_FIELDS = "&".join(f"feld{n}=x" for n in range(1100))


@pytest.mark.parametrize("body", [OVERSIZED, TOO_MANY_FIELDS], ids=["oversized", "many-fields"])
@pytest.mark.parametrize("client_name", ["client", "careful_client"])
def test_an_oversized_or_overlong_login_post_is_refused_with_400(request, client_name, body):
    client = request.getfixturevalue(client_name)

    response = client.post("/admin/login/", body, content_type="application/x-www-form-urlencoded")

    assert_refused_cleanly(response)


def test_without_the_csrf_cookie_an_oversized_post_is_refused_unread():
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/admin/login/", OVERSIZED, content_type="application/x-www-form-urlencoded"
    )

    # Refused by its Content-Length before the body is read, and before the CSRF check.
    assert_refused_cleanly(response)


def test_an_oversized_multipart_field_is_refused_with_400(client):
    response = client.post("/admin/login/", {"username": "presse", "password": "x" * 3_000_000})

    assert_refused_cleanly(response)


def test_too_many_uploaded_files_are_refused_with_400(officer_client):
    files = {f"datei{n}": SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(11)}

    response = officer_client.post("/admin/office/image/add/", files)

    # Refused before the session is read: the editor stays logged in, unrenewed.
    assert_refused_cleanly(response)


def test_a_login_post_just_under_the_limits_is_handled_normally(client):
    User.objects.create_user("presse", password="geheim-genug-123", is_staff=True)
    fields = {f"feld{n}": "x" for n in range(990)}

    response = client.post(
        "/admin/login/", {"username": "presse", "password": "geheim-genug-123", **fields}
    )

    assert response.status_code == 302
