"""Versions of content: kept on every save, compared, restored; no edit silently overwritten."""

import datetime
import threading

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import Event
from office.admin.versions import VersionedAdminMixin
from office.models import Quote, Statistic
from office.publishing.revisions import html_to_text, word_diff
from releases.admin import ReleaseAdmin
from releases.models import Release
from tests.kit.browsers import log_in
from tests.kit.factories import (
    PASSWORD,
    change_url,
    make_category,
    make_event,
    make_quote,
    make_release,
    make_statistic,
)
from tests.kit.pages import admin_page

pytestmark = pytest.mark.django_db

CONFLICT = "Jemand anderes hat diesen Inhalt inzwischen geändert."


def versions_url(release):
    return f"/admin/releases/release/{release.pk}/history/"


def restore_url(release, record):
    return f"/admin/releases/release/{release.pk}/history/{record.history_id}/restore/"


def edit(client, release, **changes):
    """Load the change form as a browser does and post it with `changes`."""
    data = admin_page(client.get(change_url(release))).form | changes
    return client.post(change_url(release), data)


# Versions are kept


def test_admin_save_keeps_a_version_with_user_and_content(officer_client, press_officer):
    release = make_release(title="Von der Kohle", lead="Alt.", body="<p>Alter Text</p>")

    response = edit(officer_client, release, title="Von der Kohle zur KI", body="<p>Neu</p>")

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.version == 2
    newest, first = release.history.all()
    assert (newest.version, newest.history_user, newest.title, newest.body) == (
        2,
        press_officer,
        "Von der Kohle zur KI",
        "<p>Neu</p>",
    )
    assert (first.version, first.history_user, first.title) == (1, None, "Von der Kohle")
    assert (newest.status, newest.publish_at, newest.lead) == (
        release.status,
        release.publish_at,
        "Alt.",
    )


@pytest.mark.parametrize(
    ("path", "factory", "field", "value"),
    [
        ("events/event", make_event, "title", "Neuer Termin"),
        ("office/quote", make_quote, "text", "Ein neues Zitat."),
        ("office/statistic", make_statistic, "label", "Neue Aussage"),
    ],
)
def test_admin_saves_of_events_quotes_and_figures_keep_versions(
    path, factory, field, value, officer_client, press_officer
):
    item = factory()
    url = f"/admin/{path}/{item.pk}/change/"

    response = officer_client.post(url, admin_page(officer_client.get(url)).form | {field: value})

    assert response.status_code == 302
    newest = type(item).history.filter(id=item.pk).first()
    assert (newest.version, newest.history_user, getattr(newest, field)) == (
        2,
        press_officer,
        value,
    )


def test_commands_keep_versions_and_an_unchanged_rerun_adds_none():
    call_command("loaddemo", verbosity=0)
    counts = [m.history.count() for m in (Release, Event, Quote, Statistic)]

    call_command("loaddemo", verbosity=0)

    assert all(counts)
    assert [m.history.count() for m in (Release, Event, Quote, Statistic)] == counts
    assert not Release.history.exclude(history_user=None).exists()


def test_a_save_from_the_shell_moves_the_version_on():
    release = make_release()

    release.title = "Geändert"
    release.save(update_fields=["title"])

    release.refresh_from_db()
    assert (release.version, release.history.count()) == (2, 2)


# Diffs


def test_word_diff_marks_inserted_and_deleted_words():
    diff = word_diff("Von der Kohle zur KI", "Von der Braunkohle zur KI heute")

    assert diff == "Von der <del>Kohle</del> <ins>Braunkohle</ins> zur KI <ins>heute</ins>"


def test_word_diff_escapes_markup_in_the_text():
    diff = word_diff("a <b>", 'a <script>alert("x")</script> & b')

    assert diff == (
        "a <del>&lt;b&gt;</del> <ins>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
        "&amp; b</ins>"
    )


def test_rich_text_is_compared_as_words_with_paragraphs_kept():
    html = "<h2>Titel</h2><p>Ein <strong>fetter</strong> Satz &amp; mehr</p><ul><li>A</li></ul>"

    assert html_to_text(html) == "Titel\nEin fetter Satz & mehr\nA"


def test_versions_page_lists_who_when_what_with_a_safe_word_diff(
    officer_client, press_officer, yesterday
):
    press_officer.first_name, press_officer.last_name = "Erika", "Presse"
    press_officer.save()
    release = make_release(
        title="Kohle",
        lead="Vorspann",
        body="<p>Die Kohle geht &lt;b&gt;heute&lt;/b&gt;</p>",
        # The admin's form has no microseconds; with none here the time stays unchanged.
        publish_at=yesterday.replace(microsecond=0),
    )
    edit(
        officer_client,
        release,
        title="Kohle und KI",
        body="<p>Die KI kommt &lt;script&gt;alert(1)&lt;/script&gt;</p>",
    )

    response = officer_client.get(versions_url(release))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Versionen von „Kohle und KI“" in html
    assert "Erika Presse" in html
    assert "System (Befehl oder Import)" in html
    assert "Geändert: Titel, Text" in html
    assert "Kohle <ins>und KI</ins>" in html
    assert (
        "Die <del>Kohle geht &lt;b&gt;heute&lt;/b&gt;</del> "
        "<ins>KI kommt &lt;script&gt;alert(1)&lt;/script&gt;</ins>"
    ) in html
    assert "<script>alert(1)" not in html
    assert html.count("Diese Version wiederherstellen") == 1


def test_versions_page_keeps_the_admins_change_log(officer_client, press_officer):
    release = make_release(title="Kohle")
    LogEntry.objects.log_actions(
        press_officer.pk, [release], CHANGE, change_message="Vorschau-Link widerrufen"
    )

    html = officer_client.get(versions_url(release)).content.decode()

    assert "Änderungsprotokoll" in html
    assert "Vorschau-Link widerrufen" in html


def test_versions_page_queries_do_not_grow_with_versions(
    officer_client, django_assert_max_num_queries
):
    """Every version is compared on one page; a query per version would slow long histories."""
    release = make_release()
    for n in range(5):
        release.title = f"Fassung {n}"
        release.save()
    with CaptureQueriesContext(connection) as five:
        officer_client.get(versions_url(release))
    for n in range(20):
        release.title = f"Spätere Fassung {n}"
        release.save()

    with django_assert_max_num_queries(len(five)):
        response = officer_client.get(versions_url(release))

    assert response.content.decode().count("Diese Version wiederherstellen") == 25


# Restore


def test_restore_writes_old_content_back_as_a_new_version_and_keeps_publishing(
    officer_client, press_officer, yesterday
):
    release = make_release(
        title="Erste Fassung", lead="Erster Vorspann", body="<p>Erster Text</p>", status="draft"
    )
    first = release.history.get()
    release.title, release.body = "Zweite Fassung", "<p>Zweiter Text</p>"
    release.status, release.publish_at = Release.Status.PUBLISHED, yesterday
    release.save()

    response = officer_client.post(restore_url(release, first))

    assert response.status_code == 302
    assert response["Location"] == versions_url(release)
    release.refresh_from_db()
    assert (release.title, release.lead, release.body) == (
        "Erste Fassung",
        "Erster Vorspann",
        "<p>Erster Text</p>",
    )
    assert (release.status, release.publish_at, release.version) == ("published", yesterday, 3)
    newest = release.history.first()
    assert (newest.version, newest.history_user, newest.history_change_reason) == (
        3,
        press_officer,
        "Wiederhergestellt aus Version 1",
    )
    assert release.history.count() == 3


def test_restoring_an_event_brings_back_time_and_place_but_not_its_state(officer_client):
    event = make_event(title="Konferenz", venue_name="Landtag NRW", status=Event.Status.DRAFT)
    first = event.history.get()
    event.title, event.venue_name, event.cancelled = "Konferenz verlegt", "Berlin", True
    event.starts_at += datetime.timedelta(days=7)
    event.ends_at += datetime.timedelta(days=7)
    event.status = Event.Status.PUBLISHED
    event.save()

    versions = officer_client.get(f"/admin/events/event/{event.pk}/history/")
    response = officer_client.post(
        f"/admin/events/event/{event.pk}/history/{first.history_id}/restore/"
    )

    assert "Konferenz <ins>verlegt</ins>" in versions.content.decode()
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.venue_name, event.starts_at, event.ends_at) == (
        "Konferenz",
        "Landtag NRW",
        first.starts_at,
        first.ends_at,
    )
    assert (event.status, event.cancelled, event.version) == ("published", True, 3)


@pytest.mark.parametrize(
    ("path", "factory", "field", "old", "new"),
    [
        ("office/quote", make_quote, "text", "Zur Zukunft gehört KI.", "Zur Zukunft gehört Mut."),
        ("office/statistic", make_statistic, "label", "jedes fünfte", "jedes vierte"),
    ],
)
def test_quotes_and_figures_have_versions_and_restore(
    path, factory, field, old, new, officer_client
):
    item = factory(**{field: old})
    first = item.history.get()
    setattr(item, field, new)
    item.save()

    versions = officer_client.get(f"/admin/{path}/{item.pk}/history/")
    officer_client.post(f"/admin/{path}/{item.pk}/history/{first.history_id}/restore/")

    assert f"<del>{old.split()[-1]}</del> <ins>{new.split()[-1]}</ins>" in (
        versions.content.decode()
    )
    item.refresh_from_db()
    assert (getattr(item, field), item.version) == (old, 3)


def test_restore_sanitizes_a_tampered_version(officer_client):
    release = make_release(body="<p>Sauber</p>")
    first = release.history.get()
    # A version written past the field (a crafted backup, raw SQL) still goes through it.
    type(first).objects.filter(pk=first.pk).update(
        body='<p onclick="steal()">Alt<script>alert(1)</script></p>'
    )
    release.body = "<p>Neu</p>"
    release.save()

    officer_client.post(restore_url(release, first))

    release.refresh_from_db()
    assert release.body == "<p>Alt</p>"


def test_restoring_a_public_text_tells_readers_it_was_updated(officer_client, yesterday):
    release = make_release(title="Erste Fassung", publish_at=yesterday)
    draft = make_release(title="Entwurf eins", status=Release.Status.DRAFT)
    firsts = [item.history.get() for item in (release, draft)]
    for item in (release, draft):
        item.title = "Zweite Fassung"
        item.save()

    for item, first in zip((release, draft), firsts, strict=True):
        officer_client.post(restore_url(item, first))

    release.refresh_from_db()
    draft.refresh_from_db()
    assert (release.title, draft.title) == ("Erste Fassung", "Entwurf eins")
    assert release.revised_at is not None
    assert draft.revised_at is None


def test_redaktion_restores_drafts_but_not_published_texts(client):
    writer = User.objects.create_user("schreiberin", is_staff=True)
    writer.groups.add(Group.objects.get(name="Redaktion"))
    client.force_login(writer)
    published = make_release(title="Öffentlich eins")
    draft = make_release(title="Entwurf eins", status=Release.Status.DRAFT)
    firsts = [item.history.get() for item in (published, draft)]
    for item in (published, draft):
        item.title = "Zweite Fassung"
        item.save()

    refused = client.post(restore_url(published, firsts[0]))
    restored = client.post(restore_url(draft, firsts[1]))

    assert (refused.status_code, restored.status_code) == (403, 302)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.title, draft.title) == ("Zweite Fassung", "Entwurf eins")


def test_restore_without_change_permission_is_refused(client, viewer):
    release = make_release(title="Erste Fassung")
    first = release.history.get()
    release.title = "Zweite Fassung"
    release.save()
    client.force_login(viewer)

    versions = client.get(versions_url(release))
    response = client.post(restore_url(release, first))

    assert versions.status_code == 200
    assert "Diese Version wiederherstellen" not in versions.content.decode()
    assert response.status_code == 403
    release.refresh_from_db()
    assert (release.title, release.version, release.history.count()) == ("Zweite Fassung", 2, 2)


def test_staff_without_any_permission_sees_no_versions(client, staff_without_permission):
    release = make_release()
    client.force_login(staff_without_permission)

    assert client.get(versions_url(release)).status_code == 403
    assert client.post(restore_url(release, release.history.get())).status_code == 403


def test_restore_refuses_get_a_foreign_version_and_a_missing_csrf_token(press_officer):
    release, other = make_release(title="Eins"), make_release(title="Zwei")
    client = Client(enforce_csrf_checks=True)
    client.force_login(press_officer)

    assert client.get(restore_url(release, release.history.get())).status_code == 405
    assert client.post(restore_url(release, release.history.get())).status_code == 403
    officer = Client()
    officer.force_login(press_officer)
    assert officer.post(restore_url(release, other.history.get())).status_code == 404
    assert Release.history.count() == 2


def test_anonymous_restore_goes_to_the_login(client):
    release = make_release()

    response = client.post(restore_url(release, release.history.get()))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# No lost edits


def test_second_stale_save_is_refused_with_its_input_kept_and_the_change_shown(
    officer_client, press_officer
):
    release = make_release(title="Kohle", body="<p>Erster Text</p>")
    client = Client()
    client.force_login(User.objects.create_user("kollege", is_staff=True, is_superuser=True))
    mine = admin_page(officer_client.get(change_url(release))).form
    theirs = admin_page(client.get(change_url(release))).form

    first = client.post(change_url(release), theirs | {"title": "Kohle und KI"})
    second = officer_client.post(
        change_url(release), mine | {"title": "Meine Fassung", "body": "<p>Mein Text</p>"}
    )

    assert first.status_code == 302
    assert second.status_code == 200
    html = second.content.decode()
    assert CONFLICT in html
    assert "Kohle <ins>und KI</ins>" in html
    kept = admin_page(second).form
    # A browser drops the newline Django writes after <textarea>.
    assert (kept["title"], kept["body"].lstrip("\n")) == ("Meine Fassung", "<p>Mein Text</p>")
    release.refresh_from_db()
    assert (release.title, release.body, release.version) == (
        "Kohle und KI",
        "<p>Erster Text</p>",
        2,
    )
    assert release.history.first().history_user.username == "kollege"

    merged = officer_client.post(change_url(release), kept | {"title": "Kohle und KI, gemeinsam"})

    assert merged.status_code == 302
    release.refresh_from_db()
    assert (release.title, release.body, release.version) == (
        "Kohle und KI, gemeinsam",
        "<p>Mein Text</p>",
        3,
    )


def test_stale_save_keeps_the_inline_quotes_and_figures_of_the_form(officer_client):
    release = make_release(title="Kohle")
    quote = make_quote(text="Ein Zitat")
    data = admin_page(officer_client.get(change_url(release))).form
    release.title = "Anderswo geändert"
    release.save()

    response = officer_client.post(
        change_url(release),
        data
        | {
            "releasequote_set-TOTAL_FORMS": "1",
            "releasequote_set-0-order": "1",
            "releasequote_set-0-quote": str(quote.pk),
        },
    )

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert admin_page(response).form["releasequote_set-0-quote"] == str(quote.pk)
    assert release.quotes.count() == 0


def test_a_form_without_its_version_number_is_refused(officer_client):
    release = make_release(title="Kohle")
    data = admin_page(officer_client.get(change_url(release))).form
    del data["edit_version"]

    response = officer_client.post(change_url(release), data | {"title": "Ohne Nummer"})

    assert response.status_code == 200
    assert "Dem Formular fehlt die Versionsnummer." in response.content.decode()
    release.refresh_from_db()
    assert release.title == "Kohle"


def test_adding_needs_no_version_number(officer_client):
    category = make_category()
    data = admin_page(officer_client.get("/admin/releases/release/add/")).form | {
        "title": "Neu",
        "slug": "neu",
        "lead": "Vorspann",
        "body": "<p>Text</p>",
        "category": str(category.pk),
    }

    response = officer_client.post("/admin/releases/release/add/", data)

    assert response.status_code == 302
    assert Release.objects.get(slug="neu").version == 1


def test_claim_version_holds_only_the_loaded_version():
    release = make_release()

    assert release.claim_version(1) is True
    assert release.claim_version(0) is False
    assert Release.objects.get(pk=release.pk).version == 1


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs each admin save's transaction alone (BEGIN IMMEDIATE, "
    "office/settings.py), so no other save can come between check and save.",
)
@pytest.mark.django_db(transaction=True)
def test_a_save_committed_between_check_and_save_ends_in_the_conflict_form(monkeypatch):
    # Transactional tests flush the migrated groups, so this editor holds the permissions.
    editor = User.objects.create_user("freigabe", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_release", "change_release", "publish_release"]
        )
    )
    release = make_release(title="Kohle")
    officer = Client()
    officer.force_login(editor)
    data = admin_page(officer.get(change_url(release))).form
    save_form = ReleaseAdmin.save_form

    def colleague_saves_meanwhile(self, request, form, change):
        # The form is valid at this point; another editor's save commits now.
        def save():
            other = Release.objects.get(pk=release.pk)
            other.title = "Kohle und KI"
            other.save()
            connections.close_all()

        monkeypatch.setattr(ReleaseAdmin, "save_form", save_form)
        thread = threading.Thread(target=save)
        thread.start()
        thread.join()
        return save_form(self, request, form, change)

    monkeypatch.setattr(ReleaseAdmin, "save_form", colleague_saves_meanwhile)

    response = officer.post(change_url(release), data | {"title": "Meine Fassung"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert admin_page(response).form["title"] == "Meine Fassung"
    release.refresh_from_db()
    assert (release.title, release.version) == ("Kohle und KI", 2)
    assert [r.title for r in release.history.all()] == ["Kohle und KI", "Kohle"]


# Query counts


@pytest.mark.parametrize(
    ("path", "factory"),
    [
        ("releases/release", make_release),
        ("events/event", make_event),
        ("office/quote", make_quote),
        ("office/statistic", make_statistic),
    ],
)
def test_changelist_queries_stay_constant_with_versions(
    path, factory, officer_client, django_assert_max_num_queries
):
    """Versions live in their own tables; the lists editors open all day must not feel them."""
    for _ in range(10):
        factory()
    with CaptureQueriesContext(connection) as ten:
        assert officer_client.get(f"/admin/{path}/").status_code == 200
    for _ in range(40):
        item = factory()
        item.save()

    with django_assert_max_num_queries(len(ten)):
        response = officer_client.get(f"/admin/{path}/")

    assert response.status_code == 200


def test_every_content_admin_has_versions():
    from django.contrib import admin

    versioned = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, VersionedAdminMixin)
    }

    assert versioned == {"releases.Release", "events.Event", "office.Quote", "office.Statistic"}


# In the browser: two editors, one release


def editor_page(browser, live_server, username):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_release", "change_release", "publish_release"]
        )
    )
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(5000)
    page = context.new_page()
    log_in(page, live_server, username)
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_editors_in_the_browser_conflict_merge_and_restore(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    release = make_release(title="Von der Kohle", body="<p>Erster Text</p>")
    url = f"{live_server.url}{change_url(release)}"
    anna, ben = (editor_page(browser, live_server, name) for name in ("anna", "ben"))
    anna.goto(url)
    ben.goto(url)

    anna.fill("#id_title", "Von der Kohle zur KI")
    anna.click("input[name=_save]")
    expect(anna.locator(".messagelist .success")).to_have_count(1)
    ben.fill("#id_title", "Bens Fassung")
    ben.click("input[name=_save]")

    expect(ben.locator(".errornote")).to_have_count(1)
    expect(ben.locator(".errorlist.nonfield")).to_contain_text(CONFLICT)
    expect(ben.locator(".plenum-conflict ins")).to_have_text("zur KI")
    expect(ben.locator(".plenum-conflict")).to_contain_text("anna")
    expect(ben.locator("#id_title")).to_have_value("Bens Fassung")
    ben.screenshot(path=tmp_path / "konflikt.png", full_page=True)
    ben.fill("#id_title", "Von der Kohle zur KI mit Ben")
    ben.click("input[name=_save]")
    expect(ben.locator(".messagelist .success")).to_have_count(1)
    release.refresh_from_db()
    assert (release.title, release.version) == ("Von der Kohle zur KI mit Ben", 3)

    ben.goto(url)
    ben.get_by_role("link", name="Geschichte").click()
    expect(ben.locator("h1")).to_have_text("Versionen von „Von der Kohle zur KI mit Ben“")
    expect(ben.locator(".plenum-version").first.locator("ins")).to_have_text("mit Ben")
    ben.screenshot(path=tmp_path / "versionen.png", full_page=True)
    ben.locator(".plenum-version", has_text="Version 1").get_by_role(
        "button", name="Diese Version wiederherstellen"
    ).click()

    expect(ben.locator(".messagelist .success")).to_have_text(
        "Version 1 wurde als neue Version 4 wiederhergestellt."
    )
    release.refresh_from_db()
    assert (release.title, release.version) == ("Von der Kohle", 4)
    for editor in (anna, ben):
        editor.context.close()


def test_a_read_only_change_page_carries_no_version_number(client, viewer):
    release = make_release(title="Nur lesen")
    client.force_login(viewer)

    response = client.get(change_url(release))

    assert response.status_code == 200
    assert "edit_version" not in response.content.decode()
    assert "Nur lesen" in response.content.decode()


def test_restore_refuses_a_row_that_changed_while_it_was_being_restored(
    officer_client, monkeypatch
):
    """A withdrawal saved between loading and restoring must not be undone by the restore."""
    release = make_release(title="Original")
    release.title = "Zweite Fassung"
    release.save()
    first = release.history.order_by("history_id").first()
    stale = Release.objects.get(pk=release.pk)
    colleague = Release.objects.get(pk=release.pk)
    colleague.status = Release.Status.WITHDRAWN
    colleague.save()
    monkeypatch.setattr(ReleaseAdmin, "get_object", lambda *args, **kwargs: stale)

    response = officer_client.post(restore_url(release, first), follow=True)

    release.refresh_from_db()
    assert (release.status, release.title) == (Release.Status.WITHDRAWN, "Zweite Fassung")
    assert "Jemand anderes hat diesen Inhalt inzwischen geändert" in response.content.decode()
