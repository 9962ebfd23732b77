"""Every response carries the security headers; public pages need no inline code at all."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from office.models import LegalPage
from tests.kit.factories import (
    image_bytes,
    make_category,
    make_event,
    make_image,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import COMMON, PUBLIC_CSP
from tests.kit.servers import manage

pytestmark = pytest.mark.django_db

ADMIN_CSP = re.compile(
    r"default-src 'none'; script-src 'self' 'nonce-([\w-]+)'; "
    r"style-src 'self' 'nonce-\1' 'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='; "
    r"img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; "
    r"base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)

PUBLIC_PATHS = [
    "/",
    "/feeds/",
    "/pressemitteilungen/",
    "/pressemitteilungen/?seite=1",
    "/pressemitteilungen/von-der-kohle-zur-ki/",
    "/pressemitteilungen/kategorie/landesregierung/",
    "/pressemitteilungen/thema/ki/",
    "/pressemitteilungen/2025/",
    "/termine/",
    "/termine/archiv/",
    "/termine/zukunftskonferenz/",
    "/zitate/",
    "/zahlen/",
    "/suche/?q=KI",
    "/ueber-mich/",
    "/impressum/",
    "/datenschutz/",
    "/barrierefreiheit/",
    "/pressemitteilungen/gibt-es-nicht/",
]
OTHER_PUBLIC_PATHS = [
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/atom/",
    "/pressemitteilungen/feed.json",
    "/termine/kalender.ics",
    "/termine/zukunftskonferenz.ics",
    "/termine/feed/",
    "/sitemap.xml",
    "/sitemap-releases.xml",
    "/sitemap-news.xml",
    "/robots.txt",
    "/favicon.ico",
    "/healthz",
]


@pytest.fixture
def site(db):
    """Every kind of public page with content in it, images and a quote included."""
    make_profile(portrait=make_image(alt_text="Porträt"), biography="<p>Lebenslauf</p>")
    category = make_category(name="Landesregierung", slug="landesregierung")
    topic = make_topic(name="KI", slug="ki")
    hero = make_image(content=image_bytes(size=(800, 450)), caption="Im Landtag")
    release = make_release(
        title="Von der Kohle zur KI",
        slug="von-der-kohle-zur-ki",
        category=category,
        topics=[topic],
        hero_image=hero,
        body='<h2>KI</h2><p><a href="https://www.landtag.nrw.de/">Landtag</a></p>',
    )
    release.publish_at = release.publish_at.replace(year=2025)
    release.save()
    make_event(title="Zukunftskonferenz", slug="zukunftskonferenz", description="<p>KI</p>")
    make_quote(text="KI gehört zur Zukunft.")
    make_statistic(label="KI in Unternehmen")
    LegalPage.objects.create(slug=LegalPage.Slug.IMPRINT, body="<p>Angaben</p>")


def headers(response):
    return {name: response.get(name) for name in COMMON}


@pytest.mark.parametrize("path", PUBLIC_PATHS + OTHER_PUBLIC_PATHS)
def test_public_responses_carry_the_strict_policy_and_every_header(client, site, path):
    response = client.get(path)

    assert response.status_code in (200, 301, 404)
    assert headers(response) == COMMON
    assert response["Content-Security-Policy"] == PUBLIC_CSP


# Script types a browser runs; others (JSON-LD) are data that no CSP needs to allow.
EXECUTABLE = {"", "text/javascript", "application/javascript", "module", "importmap"}
# Link relations that make the browser load something (canonical, alternate do not).
LOADING_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}


class InlineCode(HTMLParser):
    """Collect what a strict CSP would block: inline scripts and styles, handlers, style=."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.scripts = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and (attrs.get("type") or "").lower() in EXECUTABLE:
            self.scripts.append(attrs.get("src"))
            if not attrs.get("src"):
                self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        rel = set((attrs.get("rel") or "").split())
        if tag == "link" and rel & LOADING_LINKS and not attrs["href"].startswith("/static/"):
            self.found.append(f"<link rel={attrs['rel']} href={attrs['href']}>")
        self.found += [
            f"<{tag} {name}>" for name in attrs if name == "style" or name.startswith("on")
        ]
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name) or ""
            if tag not in ("a", "link") and value.startswith(("http:", "https:", "//", "data:")):
                self.found.append(f"<{tag} {name}={value}>")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_have_no_inline_code_and_load_only_their_own_files(client, site, path):
    found = InlineCode(client.get(path).content.decode())

    assert found.found == []
    assert [src for src in found.scripts if not src.startswith("/static/")] == []


def test_a_page_from_the_page_cache_gets_the_headers_too(client, site, locmem_page_cache):
    client.get("/pressemitteilungen/")

    cached = client.get("/pressemitteilungen/")

    assert "s-maxage" in cached["Cache-Control"]
    assert headers(cached) == COMMON
    assert cached["Content-Security-Policy"] == PUBLIC_CSP


def test_error_pages_carry_the_headers(site, settings):
    settings.ROOT_URLCONF = "tests.broken_urls"
    response = Client(raise_request_exception=False).get("/kaputt/")

    assert response.status_code == 500
    assert headers(response) == COMMON
    assert response["Content-Security-Policy"] == PUBLIC_CSP


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/releases/release/", "/admin/releases/release/add/", "/admin/zwei-faktor/"],
)
def test_admin_pages_get_a_fresh_nonce_that_their_scripts_carry(officer_client, path):
    first, second = officer_client.get(path), officer_client.get(path)

    nonces = [ADMIN_CSP.fullmatch(r["Content-Security-Policy"]).group(1) for r in (first, second)]
    html = first.content.decode()
    assert headers(first) == COMMON
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 16
    # Every inline script and style carries the nonce; none is there without it.
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    assert [attrs for tag, attrs in inline if f'nonce="{nonces[0]}"' not in attrs] == [
        attrs for tag, attrs in inline if 'type="application/json"' in attrs
    ]


def test_the_editor_import_map_carries_the_nonce(officer_client):
    response = officer_client.get("/admin/releases/release/add/")

    nonce = ADMIN_CSP.fullmatch(response["Content-Security-Policy"]).group(1)
    assert f'<script type="importmap" nonce="{nonce}">' in response.content.decode()


def test_admin_login_page_gets_the_admin_policy(client):
    response = client.get("/admin/login/")

    assert ADMIN_CSP.fullmatch(response["Content-Security-Policy"])
    assert headers(response) == COMMON


def test_https_adds_upgrade_insecure_requests_and_hsts():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; from django.utils.csp import build_policy; "
        "print(build_policy(settings.SECURE_CSP)); print(settings.SECURE_HSTS_SECONDS)",
        HTTPS="1",
        SECRET_KEY="x" * 60,
        SITE_URL="https://www.example.org",
    )

    assert result.returncode == 0, result.stderr
    policy, hsts = result.stdout.strip().splitlines()
    assert policy == PUBLIC_CSP + "; upgrade-insecure-requests"
    assert hsts == "31536000"
