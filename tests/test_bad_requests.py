"""A request Django refuses to read gets the German 400 page on every path, cached or not.

Too many query parameters, a malformed Host, a form post too big or with too
many fields: never a 500, never a cached page, never a cookie.
"""

import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from releases.models import Release
from tests.kit.factories import make_profile, make_release
from tests.kit.servers import fetch_response, running_gunicorn, server_database_url

pytestmark = pytest.mark.django_db

BAD_REQUEST = (
    "<h1>Ungültige Anfrage</h1>\n<p>Diese Anfrage konnte nicht verarbeitet werden, "
    "zum Beispiel weil sie zu groß war oder zu viele Felder enthielt.</p>"
)
PUBLISHED = "Landtag beschließt Haushalt"
PATHS = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/haushalt/",
    "/suche/",
    "/pressemitteilungen/feed/",
    "/termine/kalender.ics",
    "/sitemap.xml",
    "/gibt-es-nicht/",
    "/admin/login/",
]
PAGE_CACHES = {
    "off": None,
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/12",
    },
}


def parameters(count):
    """Return a query of `count` parameters, short enough for gunicorn's request line."""
    return "&".join(["x"] * count)


@pytest.fixture
def too_many(settings):
    return parameters(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)


@pytest.fixture
def site(db):
    """A published release beside a draft, so a page that answered 200 would show one."""
    make_profile()
    make_release(title=PUBLISHED, slug="haushalt")
    make_release(title="Entwurf", slug="entwurf", status=Release.Status.DRAFT)


@pytest.fixture(params=sorted(PAGE_CACHES))
def page_cache(request, settings):
    """Turn the page cache off, or on in local memory or Redis, as tests/test_page_cache.py does."""
    backend = PAGE_CACHES[request.param]
    if backend is None:
        yield None
        return
    prefix = uuid.uuid4().hex
    settings.CACHES = {
        "default": {**backend, "KEY_PREFIX": prefix},
        "state": {**backend, "KEY_PREFIX": f"{prefix}-state"},
    }
    settings.PAGE_CACHE_TIMEOUT = 300
    yield cache
    if request.param == "locmem":
        cache.clear()
    else:
        # Only this test's keys: the generation is kept without expiry.
        redis = caches["default"]._cache.get_client()
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)


def stored_pages():
    """Return the keys of the pages the page cache holds for this test."""
    pages = caches["default"]
    if isinstance(pages, LocMemCache):
        keys = list(pages._cache)
    else:
        keys = [key.decode() for key in pages._cache.get_client().keys(pages.make_key("*"))]
    return [key for key in keys if ":plenum:page:" in key]


def assert_bad_request_page(response):
    body = response.content.decode()
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="de">' in body
    assert BAD_REQUEST in body
    assert PUBLISHED not in body
    assert list(response.cookies) == []
    assert "Cache-Control" not in response


@pytest.mark.parametrize("path", PATHS)
def test_too_many_query_parameters_get_the_german_400_page(
    anonymous, site, page_cache, too_many, path
):
    response = anonymous.get(f"{path}?{too_many}")

    assert_bad_request_page(response)


@pytest.mark.parametrize("path", PATHS)
def test_too_many_query_parameters_get_the_400_page_after_the_page_was_cached(
    anonymous, site, page_cache, too_many, path
):
    anonymous.get(path)

    response = anonymous.get(f"{path}?{too_many}")

    assert_bad_request_page(response)


@pytest.mark.parametrize("host", ["exa mple.org", "evil.example"])
@pytest.mark.parametrize("path", PATHS)
def test_a_host_django_refuses_gets_the_400_page_even_where_a_page_is_cached(
    anonymous, site, page_cache, path, host
):
    anonymous.get(path)

    response = anonymous.get(path, HTTP_HOST=host)

    assert_bad_request_page(response)


@pytest.mark.parametrize("page_cache", ["locmem", "redis"], indirect=True)
def test_a_refused_request_is_not_stored_by_the_page_cache(anonymous, site, page_cache, too_many):
    refused = anonymous.get(f"/pressemitteilungen/?{too_many}")
    answered = anonymous.get("/pressemitteilungen/")
    refused_again = anonymous.get(f"/pressemitteilungen/?{too_many}")

    assert [refused.status_code, answered.status_code, refused_again.status_code] == [400, 200, 400]
    assert len(stored_pages()) == 1
    assert PUBLISHED in answered.content.decode()
    assert_bad_request_page(refused_again)


def test_as_many_query_parameters_as_allowed_are_answered_normally(
    anonymous, site, page_cache, settings
):
    response = anonymous.get(
        f"/pressemitteilungen/?{parameters(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}"
    )

    assert response.status_code == 200
    assert PUBLISHED in response.content.decode()
    assert "Entwurf" not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/suche/", "q=%ff%fe"),
        ("/suche/", "q=%zz"),
        ("/suche/", "q=%C3%28&seite=%"),
        ("/pressemitteilungen/", "seite=1&%ff=%00"),
    ],
)
def test_a_query_in_broken_encoding_is_read_as_it_can_be(anonymous, site, page_cache, path, query):
    """Django reads a broken encoding with replacement characters rather than refusing it."""
    response = anonymous.get(f"{path}?{query}")

    assert response.status_code == 200
    assert "<h1>Ungültige Anfrage</h1>" not in response.content.decode()
    assert "Entwurf" not in response.content.decode()


def test_an_odd_cookie_header_is_read_as_it_can_be(anonymous, site, page_cache):
    response = anonymous.get(
        "/pressemitteilungen/", HTTP_COOKIE='a="\\x00; ;=;; b=\xff\xfe; ' + "c=x; " * 3000
    )

    assert response.status_code == 200
    assert PUBLISHED in response.content.decode()


# Form posts: Django refuses the body when the CSRF check reads it, as it does
# for a browser's form, which sends the token in the body.


@pytest.fixture
def browser_client():
    """Return a client holding the CSRF cookie, as a browser that loaded a form does."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/admin/login/")
    return client


@pytest.mark.parametrize(
    "body",
    [
        "q=" + "x" * 3_000_000,
        # With the token, one field more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000).
        "&".join(f"feld{n}=x" for n in range(1000)),
    ],
    ids=["oversized", "too-many-fields"],
)
@pytest.mark.parametrize("path", ["/", "/suche/", "/admin/login/"])
def test_an_oversized_or_overlong_form_post_gets_the_400_page(
    browser_client, site, page_cache, path, body
):
    token = browser_client.cookies["csrftoken"].value

    response = browser_client.post(
        path,
        f"csrfmiddlewaretoken={token}&{body}",
        content_type="application/x-www-form-urlencoded",
    )

    assert_bad_request_page(response)


BROKEN_BODIES = {
    # Django refuses a form in a charset it cannot read (BadRequest, not SuspiciousOperation).
    "unknown-charset": ("application/x-www-form-urlencoded; charset=latin1", "a=1"),
    "no-boundary": ("multipart/form-data", "x"),
    "too-many-files-and-fields": (
        "multipart/form-data; boundary=grenze",
        "".join(
            f'--grenze\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nx\r\n'
            for n in range(1001)
        )
        + "--grenze--\r\n",
    ),
}


@pytest.mark.parametrize("body", sorted(BROKEN_BODIES))
@pytest.mark.parametrize(
    "path", ["/pressemitteilungen/", "/gibt-es-nicht/", "/static/gibt-es-nicht.css", "/healthz"]
)
def test_a_form_body_django_cannot_read_gets_the_400_page_with_or_without_a_view(
    browser_client, site, page_cache, path, body
):
    """The token in a header, as scripts send it: nothing but the body is wrong."""
    content_type, content = BROKEN_BODIES[body]
    token = browser_client.cookies["csrftoken"].value

    response = browser_client.post(
        path, content, content_type=content_type, headers={"x-csrftoken": token}
    )

    assert_bad_request_page(response)


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "status__exact=%00",
        "term=%00&app_label=releases&model_name=release&field_name=events",
    ],
)
def test_a_nul_in_an_admin_query_gets_the_400_page(officer_client, site, query):
    """PostgreSQL cannot compare text with a NUL: it was a 500 there."""
    path = "/admin/autocomplete/" if query.startswith("term") else "/admin/releases/release/"

    response = officer_client.get(f"{path}?{query}")

    assert_bad_request_page(response)


# Under a real gunicorn (WSGI), with production settings and the page cache on.


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    make_profile()
    make_release(title=PUBLISHED, slug="haushalt")
    with running_gunicorn(tmp_path, DATABASE_URL=server_database_url()) as url:
        yield url


def test_gunicorn_answers_too_many_query_parameters_with_the_german_400_page(gunicorn, too_many):
    warm = fetch_response(f"{gunicorn}/pressemitteilungen/")
    refused = [
        fetch_response(f"{gunicorn}{path}?{too_many}") for path in ("/pressemitteilungen/", "/")
    ]
    bad_host = fetch_response(f"{gunicorn}/pressemitteilungen/", Host="exa mple.org")

    assert warm[0] == 200
    assert PUBLISHED in warm[2]
    for status, headers, body in [*refused, bad_host]:
        assert status == 400
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert BAD_REQUEST in body
        assert headers.get_all("Set-Cookie") is None
        assert headers["Cache-Control"] is None
