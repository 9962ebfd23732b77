"""Shared preview links: one draft for someone without an account, never anything more."""

import datetime
import re

import feedparser
import pytest
import time_machine
from django.contrib.auth.models import Group, Permission, User
from django.core import signing
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from office.models import PREVIEW_LINK_SALT, PreviewLink
from releases.models import Release, ReleaseQuote, ReleaseStatistic
from tests.kit.browsers import EXPECTED_OUTLINE, OUTLINE_JS, WCAG_AA, log_in, open_context, run_axe
from tests.kit.factories import (
    PASSWORD,
    change_url,
    make_category,
    make_event,
    make_person,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import COMMON, PUBLIC_CSP, body
from tests.kit.public_site import AXE_JS, FULL_SLUG, UPCOMING_SLUG, build_site, nu_html_checker

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"
SECRET = "Geheimer Entwurf zum Haushalt"
GONE = "Dieser Vorschau-Link gilt nicht mehr"
BANNER = re.compile(
    r'<p class="preview-banner" role="status">\s*Vertrauliche Vorschau: Dieser Inhalt ist noch '
    r"nicht öffentlich\. Bitte nicht weitergeben\. Der Link gilt bis (?P<until>[^<]*?) Uhr\.\s*</p>"
)
NEVER_CACHED = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def h1(response):
    return re.findall(r"<h1>(.*?)</h1>", body(response))


def cache_directives(response):
    return {directive.strip() for directive in response["Cache-Control"].split(",")}


def draft_release(**kwargs):
    kwargs.setdefault("title", SECRET)
    kwargs.setdefault("status", Release.Status.DRAFT)
    return make_release(**kwargs)


def link_for(item, **kwargs):
    return PreviewLink.objects.create(**{item._meta.model_name: item}, **kwargs)


@pytest.fixture
def reader():
    """An anonymous reader: no account, no cookies."""
    return Client()


# The public page


def test_valid_link_shows_the_draft_release_with_banner_noindex_and_no_store(reader, profile):
    make_release(title="Schon öffentlich")
    release = draft_release(lead="Ein Vorspann, den noch niemand kennt.")
    expires = timezone.make_aware(datetime.datetime(2031, 2, 13, 18, 5), datetime.UTC)
    link = link_for(release, expires_at=expires)

    response = reader.get(f"/vorschau/{link.token}/")

    assert response.status_code == 200
    assert '<article class="release">' in body(response)
    assert h1(response) == [SECRET]
    assert "Ein Vorspann, den noch niemand kennt." in body(response)
    assert BANNER.search(body(response))["until"] == "13. Februar 2031, 19:05"
    assert '<meta name="robots" content="noindex">' in body(response)
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"
    assert cache_directives(response) >= NEVER_CACHED
    assert "public" not in cache_directives(response)
    assert response.cookies == {}
    assert reader.cookies == {}
    assert 'class="share"' not in body(response)
    # Messengers fetch a pasted link for a preview card; a draft gives them no metadata.
    assert 'property="og:' not in body(response)
    assert "application/ld+json" not in body(response)


def test_preview_pages_carry_the_public_policy_and_every_security_header(reader, profile, now):
    valid = link_for(draft_release())
    revoked = link_for(draft_release(title="Widerrufen"), revoked_at=now)
    paths = [f"/vorschau/{valid.token}/", f"/vorschau/{revoked.token}/", "/vorschau/1:falsch/"]

    responses = [reader.get(path) for path in paths]

    assert [response.status_code for response in responses] == [200, 410, 404]
    assert [response["Content-Security-Policy"] for response in responses] == [PUBLIC_CSP] * 3
    assert [{name: r.get(name) for name in COMMON} for r in responses] == [
        COMMON | {"Referrer-Policy": "no-referrer"}
    ] * 3


def test_valid_link_shows_a_draft_event_with_the_event_template(reader, profile):
    event = make_event(title="Geheimer Termin", status=Event.Status.DRAFT, organizer="Büro")
    link = link_for(event)

    response = reader.get(f"/vorschau/{link.token}/")

    assert response.status_code == 200
    assert '<article class="event">' in body(response)
    assert h1(response) == ["Geheimer Termin"]
    assert BANNER.search(body(response))
    # The calendar file of a draft is a 404, so the page offers none.
    assert f"/termine/{event.slug}.ics" not in body(response)
    assert response["X-Robots-Tag"] == "noindex"
    assert cache_directives(response) >= NEVER_CACHED


def test_valid_link_shows_an_embargoed_release_until_it_is_public(reader, profile, tomorrow):
    release = draft_release(status=Release.Status.PUBLISHED, publish_at=tomorrow)
    link = link_for(release, expires_at=tomorrow + datetime.timedelta(days=1))

    before = reader.get(f"/vorschau/{link.token}/")
    with time_machine.travel(tomorrow + datetime.timedelta(minutes=1)):
        after = reader.get(f"/vorschau/{link.token}/")

    assert before.status_code == 200
    assert h1(before) == [SECRET]
    assert after.status_code == 410
    assert h1(after) == [GONE]
    assert f'href="/pressemitteilungen/{release.slug}/"' in body(after)


def test_link_expires_after_48_hours_by_default(reader, profile, now):
    with time_machine.travel(now, tick=False):
        link = link_for(draft_release())

    with time_machine.travel(now + datetime.timedelta(hours=47, minutes=59)):
        shortly_before = reader.get(f"/vorschau/{link.token}/")
    with time_machine.travel(now + datetime.timedelta(hours=48)):
        at_expiry = reader.get(f"/vorschau/{link.token}/")

    assert link.expires_at == now + datetime.timedelta(hours=48)
    assert shortly_before.status_code == 200
    assert at_expiry.status_code == 410
    assert h1(at_expiry) == [GONE]
    assert "abgelaufen" in body(at_expiry)
    assert SECRET not in body(at_expiry)


def test_link_lifetime_is_a_setting(settings, now):
    settings.PREVIEW_LINK_HOURS = 6

    with time_machine.travel(now, tick=False):
        link = link_for(draft_release())

    assert link.expires_at == now + datetime.timedelta(hours=6)


def test_revoked_link_shows_nothing(reader, profile, now):
    link = link_for(draft_release(), revoked_at=now)

    response = reader.get(f"/vorschau/{link.token}/")

    assert response.status_code == 410
    assert h1(response) == [GONE]
    assert "zurückgezogen" in body(response)
    assert SECRET not in body(response)
    assert '<meta name="robots" content="noindex">' in body(response)
    assert response["X-Robots-Tag"] == "noindex"
    assert cache_directives(response) >= NEVER_CACHED


def test_link_to_an_item_published_meanwhile_leads_to_the_public_page(reader, profile):
    release = draft_release()
    link = link_for(release)
    release.status = Release.Status.PUBLISHED
    release.save()

    response = reader.get(f"/vorschau/{link.token}/")

    assert response.status_code == 410
    assert h1(response) == [GONE]
    assert re.findall(r'<a href="([^"]+)">' + SECRET, body(response)) == [
        f"/pressemitteilungen/{release.slug}/"
    ]
    assert not BANNER.search(body(response))


def test_link_of_a_withdrawn_item_shows_nothing_even_as_a_draft_again(reader, profile, now):
    release = draft_release()
    link = link_for(release)
    release.status = Release.Status.PUBLISHED
    release.save()
    release.status = Release.Status.WITHDRAWN
    release.save()

    withdrawn = reader.get(f"/vorschau/{link.token}/")
    release.status = Release.Status.DRAFT
    release.save()
    draft_again = reader.get(f"/vorschau/{link.token}/")

    assert withdrawn.status_code == 410
    assert h1(withdrawn) == [GONE]
    assert "zurückgezogen" in body(withdrawn)
    assert draft_again.status_code == 410
    assert h1(draft_again) == [GONE]
    assert [SECRET in body(withdrawn), SECRET in body(draft_again)] == [False, False]


def test_approving_with_an_embargo_ends_the_items_links_when_it_lifts(profile, now):
    release = draft_release()
    older = link_for(release)
    lifts = now + datetime.timedelta(hours=2)
    release.status, release.publish_at = Release.Status.PUBLISHED, lifts
    release.save()

    newer = PreviewLink.objects.share(release, None)

    older.refresh_from_db()
    assert (older.expires_at, newer.expires_at) == (lifts, lifts)
    assert older.state() == newer.state() == PreviewLink.State.ACTIVE
    with time_machine.travel(lifts):
        assert older.state() == newer.state() == PreviewLink.State.PUBLISHED


def test_link_of_a_deleted_item_is_not_found(reader, profile):
    release = draft_release()
    link = link_for(release)
    token = link.token
    release.delete()

    response = reader.get(f"/vorschau/{token}/")

    assert response.status_code == 404
    assert h1(response) == [GONE]
    assert PreviewLink.objects.count() == 0


def tampered_tokens(link, other):
    """Return tokens an attacker could build from one valid link and the id of another."""
    pk, signature = link.token.split(":")
    # The first character carries six whole bits of the digest; the last one of a
    # 43-character base64 digest has spare bits a decoder may ignore.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return {
        "signature changed": f"{pk}:{flipped}",
        "id changed": f"{other.pk}:{signature}",
        "no signature": pk,
        "unsalted signature": signing.Signer().sign(str(link.pk)),
        "other salt": signing.Signer(salt="plenum.other").sign(str(link.pk)),
        "garbage": "%3Cscript%3E",
        "signed id that is no number": signing.Signer(salt=PREVIEW_LINK_SALT).sign("x"),
        "signed id of no link": signing.Signer(salt=PREVIEW_LINK_SALT).sign("999999"),
    }


def test_tampered_or_unknown_tokens_are_a_clean_german_404(reader, profile):
    link = link_for(draft_release())
    other = link_for(draft_release(title="Anderer Entwurf"))
    other.delete()

    responses = {
        name: reader.get(f"/vorschau/{token}/")
        for name, token in tampered_tokens(link, other).items()
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert {name: h1(r) for name, r in responses.items()} == dict.fromkeys(responses, [GONE])
    assert [name for name, r in responses.items() if SECRET in body(r)] == []
    assert [name for name, r in responses.items() if "Anderer Entwurf" in body(r)] == []
    assert reader.get(f"/vorschau/{link.token}/").status_code == 200


def test_preview_link_answers_only_get(reader, profile):
    link = link_for(draft_release())

    response = reader.post(f"/vorschau/{link.token}/")

    assert response.status_code == 405
    assert SECRET not in body(response)


@pytest.mark.parametrize("relations", [0, 3], ids=["bare", "three-of-each"])
def test_preview_page_costs_few_queries(reader, profile, django_assert_max_num_queries, relations):
    """The link, the item with its relations, gallery, related releases, the sidebar: constant."""
    release = draft_release(topics=[make_topic() for _ in range(relations)])
    release.events.set([make_event() for _ in range(relations)])
    for number in range(relations):
        ReleaseQuote.objects.create(release=release, quote=make_quote(), order=number)
        ReleaseStatistic.objects.create(release=release, statistic=make_statistic(), order=number)
        make_release(title=f"Verwandt {number}", topics=list(release.topics.all()))
    event = make_event(status=Event.Status.DRAFT)
    event.speakers.set([make_person() for _ in range(relations)])
    links = [link_for(release), link_for(event)]

    with django_assert_max_num_queries(18):
        release_page = reader.get(f"/vorschau/{links[0].token}/")
    with django_assert_max_num_queries(6):
        event_page = reader.get(f"/vorschau/{links[1].token}/")

    assert h1(release_page) == [SECRET]
    assert h1(event_page) == [event.title]


# Caches and the other public surfaces


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p"},
        "state": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    }
    settings.PAGE_CACHE_TIMEOUT = 300


def test_page_cache_never_stores_a_preview(reader, profile, page_cache, now):
    link = link_for(draft_release())
    make_release(title="Öffentlich")
    reader.get("/pressemitteilungen/")
    cached = reader.get("/pressemitteilungen/")

    first = reader.get(f"/vorschau/{link.token}/")
    # A revocation saves nothing the page cache watches for; only no entry keeps it honest.
    PreviewLink.objects.filter(pk=link.pk).update(revoked_at=now)
    second = reader.get(f"/vorschau/{link.token}/")

    assert "public" in cache_directives(cached)
    assert first.status_code == 200
    assert cache_directives(first) >= NEVER_CACHED
    assert second.status_code == 410
    assert SECRET not in body(second)


def test_no_public_surface_knows_a_previewed_draft(reader, profile):
    make_release(title="Öffentlich")
    link_for(draft_release(slug="geheimer-entwurf"))

    pages = {
        path: body(reader.get(path))
        for path in (
            "/",
            "/pressemitteilungen/",
            "/suche/?q=Haushalt",
            "/sitemap-releases.xml",
            "/sitemap-news.xml",
        )
    }
    feed = feedparser.parse(reader.get("/pressemitteilungen/feed/").content)

    assert [path for path, text in pages.items() if "Geheim" in text or "vorschau" in text] == []
    assert [entry.title for entry in feed.entries] == ["Öffentlich"]


def test_robots_txt_keeps_crawlers_out_of_preview_links(reader):
    lines = body(reader.get("/robots.txt")).splitlines()

    assert "Disallow: /vorschau/" in lines


# The admin


def create_url(item):
    return f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/vorschau-link/"


def revoke_url(item, link):
    return f"{create_url(item)}{link.pk}/widerrufen/"


def listed_links(response):
    return re.findall(
        r'class="vTextField plenum-preview-url" readonly value="([^"]+)"', body(response)
    )


@pytest.mark.parametrize("make_draft", [draft_release, lambda: make_event(status="draft")])
def test_editor_creates_a_link_and_sees_its_absolute_url(officer_client, press_officer, make_draft):
    item = make_draft()

    response = officer_client.post(create_url(item), follow=True)

    link = PreviewLink.objects.get()
    assert response.redirect_chain == [(change_url(item), 302)]
    assert link.item == item
    assert link.created_by == press_officer
    assert listed_links(response) == [f"{SITE}/vorschau/{link.token}/"]
    assert "Vorschau-Link erstellt, gültig bis" in body(response)
    assert Client().get(f"/vorschau/{link.token}/").status_code == 200


def test_change_form_lists_only_the_items_valid_links(officer_client, now):
    release = draft_release()
    valid = link_for(release)
    link_for(release, revoked_at=now)
    link_for(release, expires_at=now - datetime.timedelta(minutes=1))
    link_for(draft_release(title="Anderes"))

    response = officer_client.get(change_url(release))

    assert "Vorschau-Link teilen" in body(response)
    assert listed_links(response) == [f"{SITE}/vorschau/{valid.token}/"]


def test_published_item_offers_no_preview_link(officer_client):
    release = make_release()

    page = officer_client.get(change_url(release))
    response = officer_client.post(create_url(release), follow=True)

    assert "Vorschau-Link erstellen" not in body(page)
    assert PreviewLink.objects.count() == 0
    assert "bereits öffentlich" in body(response)


def test_editor_revokes_a_link(officer_client):
    release = draft_release()
    link = link_for(release)

    response = officer_client.post(revoke_url(release, link), follow=True)

    link.refresh_from_db()
    assert response.redirect_chain == [(change_url(release), 302)]
    assert link.revoked_at is not None
    assert listed_links(response) == []
    assert Client().get(f"/vorschau/{link.token}/").status_code == 410


def test_revoking_needs_the_link_of_that_item(officer_client):
    release, other = draft_release(), draft_release(title="Anderer")
    link = link_for(other)

    response = officer_client.post(revoke_url(release, link))

    link.refresh_from_db()
    assert response.status_code == 404
    assert link.revoked_at is None


def test_link_views_refuse_get(officer_client):
    release = draft_release()
    link = link_for(release)

    create = officer_client.get(create_url(release))
    revoke = officer_client.get(revoke_url(release, link))

    link.refresh_from_db()
    assert (create.status_code, revoke.status_code) == (405, 405)
    assert PreviewLink.objects.count() == 1
    assert link.revoked_at is None


def test_link_views_need_a_csrf_token(press_officer):
    release = draft_release()
    link = link_for(release)
    client = Client(enforce_csrf_checks=True)
    client.force_login(press_officer)

    create = client.post(create_url(release))
    revoke = client.post(revoke_url(release, link))

    link.refresh_from_db()
    assert (create.status_code, revoke.status_code) == (403, 403)
    assert PreviewLink.objects.count() == 1
    assert link.revoked_at is None


@pytest.mark.parametrize("persona", ["staff_without_permission", "viewer"])
def test_crafted_posts_without_change_permission_change_nothing(request, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    release = draft_release()
    event = make_event(status=Event.Status.DRAFT)
    links = [link_for(release), link_for(event)]

    answers = [
        client.post(create_url(release)).status_code,
        client.post(create_url(event)).status_code,
        client.post(revoke_url(release, links[0])).status_code,
        client.post(revoke_url(event, links[1])).status_code,
    ]

    assert answers == [403] * 4
    assert list(PreviewLink.objects.active().order_by("pk")) == links


def test_view_only_staff_see_no_share_block(viewer):
    client = Client()
    client.force_login(viewer)
    release = draft_release()
    link_for(release)

    response = client.get(change_url(release))

    assert response.status_code == 200
    assert "Vorschau-Link teilen" not in body(response)
    assert listed_links(response) == []


def group_member(group):
    user = User.objects.create_user(f"in-{group}", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("group", ["Redaktion", "Freigabe"])
def test_both_roles_share_drafts_and_texts_in_review(group):
    client = group_member(group)
    items = [draft_release(), draft_release(status=Release.Status.REVIEW)]
    items.append(make_event(status=Event.Status.REVIEW))

    answers = [client.post(create_url(item)).status_code for item in items]

    assert answers == [302, 302, 302]
    assert [link.item for link in PreviewLink.objects.order_by("pk")] == items


def test_redaktion_cannot_touch_links_of_an_embargoed_release(tomorrow):
    """An approved text belongs to the Freigabe; the writer may read, not change it."""
    client = group_member("Redaktion")
    release = draft_release(status=Release.Status.PUBLISHED, publish_at=tomorrow)
    link = link_for(release)

    create = client.post(create_url(release))
    revoke = client.post(revoke_url(release, link))
    form = client.get(change_url(release))

    link.refresh_from_db()
    assert (create.status_code, revoke.status_code) == (403, 403)
    assert PreviewLink.objects.count() == 1
    assert link.revoked_at is None
    assert "Vorschau-Link teilen" not in body(form)


def test_creating_and_revoking_are_in_the_items_history(officer_client):
    release = draft_release()
    officer_client.post(create_url(release))
    officer_client.post(revoke_url(release, PreviewLink.objects.get()))

    history = officer_client.get(f"/admin/releases/release/{release.pk}/history/")

    assert "Vorschau-Link erstellt, gültig bis" in body(history)
    assert "Vorschau-Link widerrufen" in body(history)


# In the browser: the editor shares, someone without an account reads


def editor_with_permissions(*codenames):
    """Return a staff user holding exactly these permissions, independent of any group."""
    user = User.objects.create_user("redakteurin", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_shares_a_draft_and_a_phone_without_account_opens_it(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    release = draft_release(lead="Nur für die Abstimmung mit dem Abgeordneten.")
    editor_with_permissions("view_release", "change_release")
    desk = browser.new_context(locale="de-DE", permissions=["clipboard-read", "clipboard-write"])
    desk.set_default_timeout(5000)
    phone = browser.new_context(
        locale="de-DE", viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(5000)
    admin = desk.new_page()
    log_in(admin, live_server, "redakteurin")

    admin.goto(f"{live_server.url}{change_url(release)}")
    admin.get_by_role("button", name="Vorschau-Link erstellen").click()
    expect(admin.locator(".messagelist .success")).to_contain_text("Vorschau-Link erstellt")
    url = admin.get_by_label("Vorschau-Link zum Kopieren").input_value()
    admin.get_by_role("button", name="Link kopieren").click()
    expect(admin.get_by_role("status").filter(has_text="Der Link ist kopiert.")).to_have_count(1)
    copied = admin.evaluate("navigator.clipboard.readText()")
    reader = phone.new_page()
    reader.goto(url)
    shown = (reader.locator("h1").inner_text(), reader.locator(".release__lead").inner_text())
    banner = reader.get_by_role("status").inner_text()
    robots = reader.locator('meta[name="robots"]').get_attribute("content")
    cookies = phone.cookies()
    admin.get_by_role("button", name="Widerrufen").click()
    expect(admin.locator(".messagelist .success")).to_contain_text("gilt nicht mehr")
    after = reader.goto(url)
    gone = reader.locator("h1").inner_text()
    desk.close()
    phone.close()

    assert url == f"{live_server.url}/vorschau/{PreviewLink.objects.get().token}/"
    assert copied == url
    assert shown == (SECRET, "Nur für die Abstimmung mit dem Abgeordneten.")
    assert banner.startswith("Vertrauliche Vorschau: Dieser Inhalt ist noch nicht öffentlich.")
    assert robots == "noindex"
    assert cookies == []
    assert after.status == 410
    assert gone == GONE


def build_shared_drafts():
    """Build the demo site, make its richest release and an event drafts; return pages to check."""
    build_site()
    release = Release.objects.get(slug=FULL_SLUG)
    event = Event.objects.get(slug=UPCOMING_SLUG)
    Release.objects.filter(pk=release.pk).update(status=Release.Status.DRAFT)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    return {
        "release preview": f"/vorschau/{link_for(release).token}/",
        "event preview": f"/vorschau/{link_for(event).token}/",
        "revoked link": f"/vorschau/{link_for(release, revoked_at=timezone.now()).token}/",
        "published meanwhile": f"/vorschau/{link_for(make_release()).token}/",
        "tampered link": "/vorschau/1:nicht-signiert/",
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "desktop"])
def test_preview_pages_have_no_wcag_aa_violations_and_a_sound_outline(
    browser, live_server, settings, width
):
    settings.ROOT_URLCONF = "tests.kit.public_site"  # serves the uploads as well
    pages = build_shared_drafts()
    context = open_context(browser, width, is_mobile=width < 400, has_touch=width < 400)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()

    violations, outlines = {}, {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        if found := run_axe(page, [*WCAG_AA, "best-practice"]):
            violations[name] = found
        outlines[name] = page.evaluate(OUTLINE_JS)
    context.close()

    assert violations == {}
    assert {name: o for name, o in outlines.items() if o != EXPECTED_OUTLINE} == {}


def test_preview_pages_pass_the_nu_html_checker(client, tmp_path):
    pages = build_shared_drafts()
    files, statuses = [], {}
    for name, path in pages.items():
        response = client.get(path)
        statuses[name] = response.status_code
        files.append(tmp_path / f"{name.replace(' ', '-')}.html")
        files[-1].write_bytes(response.content)

    errors = nu_html_checker(files)

    assert statuses == {
        "release preview": 200,
        "event preview": 200,
        "revoked link": 410,
        "published meanwhile": 410,
        "tampered link": 404,
    }
    assert errors == []


def test_anonymous_post_to_the_admin_views_is_sent_to_the_login(reader):
    release = draft_release()
    link = link_for(release)

    create = reader.post(create_url(release))
    revoke = reader.post(revoke_url(release, link))

    link.refresh_from_db()
    assert [create.status_code, revoke.status_code] == [302, 302]
    assert create["Location"].startswith("/admin/login/")
    assert PreviewLink.objects.count() == 1
    assert link.revoked_at is None


def test_editor_deletes_a_shared_draft_and_its_links_go_with_it(officer_client, reader):
    release = draft_release()
    token = link_for(release).token

    response = officer_client.post(
        f"/admin/releases/release/{release.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert not Release.objects.filter(pk=release.pk).exists()
    assert PreviewLink.objects.count() == 0
    assert reader.get(f"/vorschau/{token}/").status_code == 404


def test_no_link_is_made_for_an_item_published_while_the_request_ran(officer_client, monkeypatch):
    """A publication committed after the admin loaded the item must not be outlived by a link."""
    from releases.admin import ReleaseAdmin

    release = Release.objects.create(
        title="Gleich öffentlich",
        slug="gleich-oeffentlich",
        lead="Vorspann",
        body="<p>Text</p>",
        category=make_category(),
        status=Release.Status.REVIEW,
    )
    stale = Release.objects.get(pk=release.pk)
    Release.objects.filter(pk=release.pk).update(
        status=Release.Status.PUBLISHED, publish_at=timezone.now()
    )
    monkeypatch.setattr(ReleaseAdmin, "shareable_object", lambda *args, **kwargs: stale)

    officer_client.post(create_url(release))

    assert not PreviewLink.objects.exists()
