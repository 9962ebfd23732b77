"""Development: the admin page that shows what the file backend wrote (issue 21)."""

import io
from html.parser import HTMLParser

import pytest
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.management import call_command

from distribution import sending, sent_mail as sent_mail_reader
from distribution.models import Mailing
from tests.kit.factories import make_contact, make_profile, make_release

pytestmark = pytest.mark.django_db

LIST = "/admin/distribution/mailing/gesendete-e-mails/"
HOSTILE_HTML = (
    '<p id="inside">Hallo</p><script>parent.document.title = "übernommen"</script>'
    '<img src="x" onerror="parent.document.title = \'übernommen\'">'
)


@pytest.fixture
def sent_mail(settings, tmp_path):
    """DEBUG on, mail written as files by Django's file backend; yield the folder."""
    folder = tmp_path / "sent-mail"
    settings.DEBUG = True
    settings.SENT_MAIL_DIR = folder
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }
    return folder


class Frames(HTMLParser):
    """Collect the iframes of a page with their attributes, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.frames = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.frames.append(dict(attrs))


def frames_of(response):
    parser = Frames()
    parser.feed(response.content.decode())
    return parser.frames


def detail_links(response):
    page = response.content.decode()
    return [part.split('"')[0] for part in page.split(f'href="{LIST}')[1:]]


def test_the_demo_send_is_listed_newest_first_and_opens(sent_mail, approver_client):
    make_profile()
    release = make_release(title="Von der Kohle zur KI")
    make_contact(email="erste@example.org")
    make_contact(email="zweite@example.org")
    sending.send_mailing.call(sending.create_mailing(release, None, Mailing.Mode.PUBLICATION).pk)
    EmailMultiAlternatives("Später gesendet", "Text", to=["dritte@example.org"]).send()

    listing = approver_client.get(LIST)
    links = detail_links(listing)
    first_release_mail = approver_client.get(LIST + links[1])

    page = listing.content.decode()
    assert page.index("Später gesendet") < page.index("Von der Kohle zur KI")
    assert page.count("Von der Kohle zur KI") == 2
    assert "erste@example.org" in page and "zweite@example.org" in page
    assert len(links) == 3
    assert first_release_mail.status_code == 200
    opened = first_release_mail.content.decode()
    assert "Von der Kohle zur KI" in opened
    assert "/presseverteiler/abmelden/" in opened  # the text part and List-Unsubscribe


def test_the_html_part_is_shown_only_in_a_sandboxed_frame(sent_mail, approver_client):
    message = EmailMultiAlternatives("Mit Skript", "Nur Text", to=["a@example.org"])
    message.attach_alternative(HOSTILE_HTML, "text/html")
    message.send()
    link = detail_links(approver_client.get(LIST))[0]

    response = approver_client.get(LIST + link)

    page = response.content.decode()
    [frame] = frames_of(response)
    assert frame["sandbox"] == ""
    assert frame["srcdoc"].startswith('<meta http-equiv="Content-Security-Policy"')
    assert HOSTILE_HTML in frame["srcdoc"]
    assert "<script>parent" not in page and "<img src=" not in page
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "Nur Text" in page


def test_outside_debug_the_page_does_not_exist(sent_mail, approver_client, settings):
    EmailMultiAlternatives("Geheim", "Text", to=["a@example.org"]).send()
    link = detail_links(approver_client.get(LIST))[0]
    settings.DEBUG = False

    listing = approver_client.get(LIST)
    detail = approver_client.get(LIST + link)
    changelist = approver_client.get("/admin/distribution/mailing/")

    assert listing.status_code == 404
    assert detail.status_code == 404
    assert "Gesendete E-Mails" not in changelist.content.decode()


def test_only_staff_sees_sent_mail(sent_mail, client, django_user_model):
    EmailMultiAlternatives("Geheim", "Text", to=["a@example.org"]).send()
    django_user_model.objects.create_user("leser", password="x", is_staff=False)
    client.login(username="leser", password="x")

    response = client.get(LIST)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["unbekannt.log", "notiz.txt", "..log", "%2e%2e"])
def test_a_made_up_mail_address_is_a_404(sent_mail, approver_client, name):
    EmailMultiAlternatives("Da", "Text", to=["a@example.org"]).send()
    (sent_mail / "notiz.txt").write_text("Subject: nein\n\nnein")

    response = approver_client.get(f"{LIST}{name}/0/")

    assert response.status_code == 404


def test_the_changelist_links_to_sent_mail_in_debug(sent_mail, approver_client):
    response = approver_client.get("/admin/distribution/mailing/")

    assert f'href="{LIST}"' in response.content.decode()


def test_one_file_of_several_mails_reads_back_as_those_mails(sent_mail):
    """A worker's run writes all its mails into one file, each followed by a dashed line."""
    messages = []
    for n in range(3):
        message = EmailMultiAlternatives(f"Nummer {n}", "-" * 200, to=[f"{n}@example.org"])
        message.attach_alternative("<p>" + "-" * 200 + "</p>", "text/html")
        messages.append(message)
    mailers.default.send_messages(messages)

    mails = sent_mail_reader.newest()

    assert len(list(sent_mail.glob("*.log"))) == 1
    assert [mail.subject for mail in mails] == ["Nummer 2", "Nummer 1", "Nummer 0"]
    assert [mail.part("plain").strip() for mail in mails] == ["-" * 200] * 3
    assert [mail.to for mail in mails] == ["2@example.org", "1@example.org", "0@example.org"]


def test_after_loaddemo_and_the_worker_the_demo_mails_are_readable(sent_mail, approver_client):
    call_command("loaddemo", stdout=io.StringIO())
    sending.send_mailing.call(Mailing.objects.get().pk)

    page = approver_client.get(LIST).content.decode()
    versand = approver_client.get("/admin/distribution/mailing/").content.decode()

    assert page.count("Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien") == 3
    for address in ("anna.beispiel", "ben.muster", "clara.probe"):
        assert f"{address}@example.org" in page
    assert "3 von 3 versendet" in versand
