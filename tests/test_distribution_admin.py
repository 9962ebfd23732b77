"""The Freigabe sends a release from the admin; contacts and results are its own permissions."""

import pytest

from distribution.models import Mailing
from releases.models import Release
from tests.kit.factories import make_contact, make_release

pytestmark = pytest.mark.django_db

ADD = "/admin/distribution/mailing/add/"


def test_the_freigabe_sends_once_and_sees_the_progress(approver_client):
    release = make_release()
    make_contact()
    make_contact()
    form = {"release": release.pk, "mode": Mailing.Mode.PUBLICATION}

    first = approver_client.post(ADD, form)
    second = approver_client.post(ADD, form)
    listing = approver_client.get("/admin/distribution/mailing/")

    assert first.status_code == 302
    assert Mailing.objects.count() == 1
    assert second.status_code == 200
    assert "schon versendet oder geplant" in second.content.decode()
    assert "0 von 2 versendet" in listing.content.decode()


def test_a_writer_cannot_send_or_manage_contacts(writer_client):
    release = make_release()
    make_contact()

    response = writer_client.post(ADD, {"release": release.pk, "mode": "publication"})

    assert response.status_code == 403
    assert not Mailing.objects.exists()
    assert writer_client.get("/admin/distribution/contact/").status_code == 403


def test_without_an_embargo_there_is_nothing_to_send_ahead(approver_client):
    release = make_release()

    response = approver_client.post(ADD, {"release": release.pk, "mode": Mailing.Mode.AHEAD})

    assert "hat keine Sperrfrist" in response.content.decode()
    assert not Mailing.objects.exists()


def test_the_release_list_links_the_freigabe_to_the_send_page(approver_client):
    published = make_release(title="Freigegeben")
    make_release(title="Entwurf", status=Release.Status.DRAFT)

    listing = approver_client.get("/admin/releases/release/").content.decode()
    send_page = approver_client.get(f"{ADD}?release={published.pk}").content.decode()

    assert listing.count("An den Presseverteiler senden") == 1
    assert f'href="{ADD}?release={published.pk}"' in listing
    assert f'<option value="{published.pk}" selected>' in send_page


def test_a_writer_sees_no_send_link(writer_client):
    make_release(title="Freigegeben")

    listing = writer_client.get("/admin/releases/release/").content.decode()

    assert "Freigegeben" in listing
    assert "An den Presseverteiler senden" not in listing


def test_a_send_opens_on_its_own_page_with_the_result_per_recipient(approver_client):
    release = make_release()
    make_contact(email="erste@example.org")

    response = approver_client.post(ADD, {"release": release.pk, "mode": "publication"})
    page = approver_client.get(response["Location"])

    mailing = Mailing.objects.get()
    assert response["Location"] == f"/admin/distribution/mailing/{mailing.pk}/change/"
    assert page.status_code == 200
    assert "0 von 1 versendet" in page.content.decode()
    assert "erste@example.org" in page.content.decode()


@pytest.mark.parametrize(("email_url", "warned"), [("", True), ("smtp://127.0.0.1:25", False)])
def test_the_send_page_says_when_no_mail_server_is_set_up(
    approver_client, settings, email_url, warned
):
    settings.EMAIL_URL = email_url

    page = approver_client.get(ADD).content.decode()

    assert ("kein Mailserver eingerichtet" in page) is warned
