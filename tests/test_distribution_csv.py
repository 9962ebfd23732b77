"""Contacts from Outlook and Excel into the Presseverteiler, and out again, as CSV (issue 21)."""

import codecs
import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distribution import contacts_csv
from distribution.models import Contact, ContactImport
from tests.kit.factories import client_of, make_category, make_contact, make_topic, member

pytestmark = pytest.mark.django_db

IMPORT = "/admin/distribution/contact/import/"
BASIS = "Einwilligung per E-Mail, gesammelt 2024 im Büro"


@pytest.fixture
def manager():
    """A member of the group that manages contacts."""
    return client_of(member("verteilerin", "Presseverteiler"))


def upload(client, content: bytes, name="kontakte.csv", legal_basis=BASIS):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(IMPORT, {"file": file, "legal_basis": legal_basis})


def confirm(client, preview):
    upload_id = re.search(r'name="upload" value="(\d+)"', preview.content.decode()).group(1)
    return client.post(IMPORT, {"upload": upload_id})


def import_file(client, content: bytes):
    preview = upload(client, content)
    assert 'id="import-confirm"' in preview.content.decode(), preview.content.decode()
    return confirm(client, preview)


def test_an_outlook_export_in_utf8_with_bom_and_commas_imports_after_the_preview(manager):
    land = make_category(name="Landespolitik", slug="landespolitik")
    energie = make_topic(name="Energie", slug="energie")
    text = (
        '"Vorname","Nachname","Firma","E-Mail-Adresse","Kategorien","Themen"\r\n'
        '"Jörg","Müller","WDR","Joerg.Mueller@WDR.example","Landespolitik","energie"\r\n'
        '"Anna","Weiß","","anna@example.net","",""\r\n'
    )

    preview = upload(manager, codecs.BOM_UTF8 + text.encode())
    assert not Contact.objects.exists()  # the preview stores nothing
    page = preview.content.decode()
    assert "Vorschau: 2 Kontakte" in page
    assert "Jörg Müller" in page
    done = confirm(manager, preview)

    assert done.status_code == 302
    joerg = Contact.objects.get(email="joerg.mueller@wdr.example")
    assert (joerg.name, joerg.outlet, joerg.status) == ("Jörg Müller", "WDR", Contact.Status.ACTIVE)
    assert (joerg.source, joerg.legal_basis) == (Contact.Source.IMPORTED, BASIS)
    assert list(joerg.categories.all()) == [land]
    assert list(joerg.topics.all()) == [energie]
    assert Contact.objects.get(email="anna@example.net").name == "Anna Weiß"
    record = ContactImport.objects.get()
    assert (record.count, record.legal_basis, record.content) == (2, BASIS, "")
    assert record.imported_at is not None


def test_an_excel_file_in_windows_1252_with_semicolons_keeps_its_umlauts(manager):
    text = "Name;Medium;E-Mail\r\nBärbel Größe;Süddeutsche;baerbel@example.net\r\n"

    import_file(manager, text.encode("cp1252"))

    assert Contact.objects.get().name == "Bärbel Größe"
    assert Contact.objects.get().outlet == "Süddeutsche"


def test_english_headers_and_a_utf16_file_from_excel_unicode_text(manager):
    text = "Full Name\tCompany\tE-mail Address\r\nJane Doe\tBBC\tjane@example.org\r\n"

    import_file(manager, text.encode("utf-16"))

    assert Contact.objects.get().email == "jane@example.org"
    assert Contact.objects.get().outlet == "BBC"


def test_every_bad_line_is_reported_in_german_and_nothing_is_imported(manager):
    make_contact(email="schon@example.net")
    make_category(name="Landespolitik", slug="landespolitik")
    text = (
        "Name;E-Mail;Kategorien;Themen\n"
        "Gut;gut@example.net;Landespolitik;\n"
        "Kaputt;keine-adresse;;\n"
        "Ohne;;;\n"
        "Doppelt;GUT@example.net;;\n"
        "Bekannt;schon@example.net;;\n"
        "Unbekannt;neu@example.net;Sport;Raumfahrt\n"
    )

    preview = upload(manager, text.encode())

    page = preview.content.decode()
    assert "5 Zeilen haben Fehler" in page
    errors = dict(re.findall(r"<tr><td>(\d+)</td><td>[^<]*</td><td>([^<]+)</td></tr>", page))
    assert errors == {
        "3": "„keine-adresse“ ist keine gültige E-Mail-Adresse.",
        "4": "Keine E-Mail-Adresse.",
        "5": "Doppelt: steht schon in Zeile 2.",
        "6": "Steht schon im Presseverteiler.",
        "7": "Kategorie „Sport“ gibt es nicht. Thema „Raumfahrt“ gibt es nicht.",
    }
    assert 'id="import-confirm"' not in page
    assert list(Contact.objects.values_list("email", flat=True)) == ["schon@example.net"]


def test_a_line_added_elsewhere_after_the_preview_stops_the_whole_import(manager):
    text = "Name;E-Mail\nA;a@example.net\nB;b@example.net\n"
    preview = upload(manager, text.encode())
    make_contact(email="b@example.net")  # someone else, meanwhile

    again = confirm(manager, preview)

    assert "Steht schon im Presseverteiler." in again.content.decode()
    assert list(Contact.objects.values_list("email", flat=True)) == ["b@example.net"]


def test_a_failure_midway_leaves_nothing_half_imported(manager, monkeypatch):
    make_topic(name="Energie", slug="energie")
    lines = contacts_csv.read("E-Mail;Themen\na@example.net;Energie\nb@example.net;Energie\n")
    through = Contact.topics.through

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(through.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        contacts_csv.store(lines, BASIS)

    assert not Contact.objects.exists()


def test_files_that_are_no_contact_list_get_a_message(manager):
    no_email = upload(manager, b"Name;Telefon\nA;123\n").content.decode()
    empty = upload(manager, b"").content.decode()
    only_header = upload(manager, b"E-Mail\n").content.decode()
    no_basis = upload(manager, b"E-Mail\na@example.net\n", legal_basis="").content.decode()

    assert "Die Datei hat keine Spalte „E-Mail“" in no_email
    assert "Die übertragene Datei ist leer." in empty
    assert "nur die Zeile mit den Spaltennamen" in only_header
    assert "Dieses Feld ist zwingend erforderlich." in no_basis
    assert not Contact.objects.exists()


def test_broken_bytes_and_formula_cells_import_as_text_and_export_neutralized(manager):
    text = (
        b"Name;Medium;E-Mail\r\n"
        b'"=HYPERLINK(""http://evil.example"";""Klick"")";+SUMME(A1);formel@example.net\r\n'
        b"Kaputt \x81\xff;@Redaktion;kaputt@example.net\r\n"
        b"-Minus;\tTab;minus@example.net\r\n"
    )

    import_file(manager, text)
    response = manager.post(
        "/admin/distribution/contact/",
        {
            "action": "export_csv",
            "_selected_action": list(Contact.objects.values_list("pk", flat=True)),
        },
    )

    formula = Contact.objects.get(email="formel@example.net")
    assert formula.name == '=HYPERLINK("http://evil.example";"Klick")'  # kept as text
    assert formula.outlet == "+SUMME(A1)"
    assert (
        Contact.objects.get(email="kaputt@example.net").name == "Kaputt \ufffdÿ"
    )  # Windows-1252 has no 0x81
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Name", "Medium", "E-Mail"]
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email["formel@example.net"][:2] == [
        '\'=HYPERLINK("http://evil.example";"Klick")',
        "'+SUMME(A1)",
    ]
    assert by_email["kaputt@example.net"][1] == "'@Redaktion"
    assert by_email["minus@example.net"][:2] == ["'-Minus", "Tab"]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_neutralize_covers_every_formula_start():
    cells = ["=1+1", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "Text", "", None, 5]

    assert [contacts_csv.neutralize(cell) for cell in cells] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(1)",
        "'\t=1",
        "'\r=1",
        "Text",
        "",
        "",
        "5",
    ]


def test_import_and_export_need_the_right_to_manage_contacts(approver_client):
    assert approver_client.get(IMPORT).status_code == 403
    page = approver_client.get("/admin/distribution/contact/").content.decode()
    assert "Aus CSV importieren" not in page
    assert "export_csv" not in page


def test_ten_thousand_lines_import_in_bulk(manager, django_assert_max_num_queries):
    """Bulk inserts: the query count does not grow with the lines, only with their batches."""
    land = make_category(name="Landespolitik", slug="landespolitik")
    rows = [
        f"Person {n};Medium {n % 50};person{n}@example.net;Landespolitik" for n in range(10_000)
    ]
    text = "Name;Medium;E-Mail;Kategorie\n" + "\n".join(rows) + "\n"
    preview = upload(manager, text.encode())
    assert "Vorschau: 10.000 Kontakte" in preview.content.decode()

    with django_assert_max_num_queries(40):
        confirm(manager, preview)

    assert Contact.objects.count() == 10_000
    assert Contact.categories.through.objects.filter(category=land).count() == 10_000
