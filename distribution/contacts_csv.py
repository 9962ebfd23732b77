"""Contacts in and out as CSV, as Outlook and Excel write and read it.

Import: UTF-8 (with or without BOM), UTF-16 ("Unicode-Text") or Windows-1252,
comma, semicolon or tab, headers in German or English. Every line is checked
before anything is stored, and the import is one transaction of bulk inserts:
all lines or none. Cells are kept as text, so `=HYPERLINK(…)` is a name like
any other; the export puts an apostrophe before every cell a spreadsheet would
read as a formula.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distribution.mail import one_line
from distribution.models import Contact, normalize_email
from releases.models import Category, Topic

MAX_ROWS = 50_000
BATCH_SIZE = 1000
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"),
# also behind spaces, which some import dialogs trim.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

# Normalized header names (lower case, letters and digits only) of each column.
HEADERS = {
    "email": {
        "email",
        "emailadresse",
        "emailaddress",
        "mail",
        "email1",
        "emailadresse1",
        "emailaddress1",
        "email1value",
    },
    "name": {"name", "vollständigername", "fullname", "anzeigename", "displayname", "kontakt"},
    "first_name": {"vorname", "firstname", "givenname"},
    "last_name": {"nachname", "lastname", "surname", "familyname", "familienname"},
    "outlet": {
        "medium",
        "redaktion",
        "firma",
        "company",
        "organisation",
        "organization",
        "outlet",
        "zeitung",
        "verlag",
        "sender",
        "unternehmen",
    },
    "categories": {"kategorie", "kategorien", "category", "categories"},
    "topics": {"thema", "themen", "topic", "topics"},
}


class CsvError(Exception):
    """The file as a whole cannot be read; the message says why, in German."""


@dataclass
class Line:
    number: int
    email: str
    name: str
    outlet: str
    categories: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def decode(raw: bytes) -> str:
    """Return the file's text: by its BOM, else UTF-8, else Windows-1252 (nothing is refused)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel's "CSV (Trennzeichen-getrennt)" on a German Windows; undefined bytes become �.
        return raw.decode("cp1252", errors="replace")


def normalized(header: str) -> str:
    return re.sub(r"[^\wäöüß]|_", "", header.lower())


def delimiter_of(first_line: str) -> str:
    """Return the delimiter the header line uses most: semicolon, comma or tab."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=counts.get)


def columns_of(header: list[str]) -> dict[str, int]:
    """Return the index of each known column in the header row."""
    found = {}
    names = [normalized(cell) for cell in header]
    for column, variants in HEADERS.items():
        for index, name in enumerate(names):
            if name in variants or (column == "email" and name.startswith("email")):
                found.setdefault(column, index)
    if "email" not in found:
        raise CsvError(
            _(
                "Die Datei hat keine Spalte „E-Mail“. Erkannt werden z. B. „E-Mail“, "
                "„E-Mail-Adresse“, „E-mail Address“; die erste Zeile muss die "
                "Spaltennamen enthalten."
            )
        )
    return found


def split_names(cell: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,;|]", cell) if name.strip()]


def lookup(model) -> dict:
    """Return every category or topic by lower-case name and slug (one query)."""
    table = {}
    for item in model.objects.all():
        table[item.name.strip().lower()] = item
        table[item.slug.lower()] = item
    return table


def read(text: str) -> list[Line]:
    """Check every line of a CSV file against the file and the list (three queries)."""
    text = text.replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CsvError(_("Die Datei ist leer."))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line)))
    except csv.Error as error:
        message = _("Die Datei ist keine lesbare CSV-Datei (%(error)s).")
        raise CsvError(message % {"error": error}) from None
    if len(rows) - 1 > MAX_ROWS:
        raise CsvError(
            _("Die Datei hat mehr als %(max)s Zeilen; bitte teilen Sie sie auf.")
            % {"max": MAX_ROWS}
        )
    columns = columns_of(rows[0])
    present = set(Contact.objects.values_list("email", flat=True))
    categories, topics = lookup(Category), lookup(Topic)
    seen = {}
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        line = line_of(number, row, columns, categories, topics)
        if line.email in seen:
            line.errors.append(
                _("Doppelt: steht schon in Zeile %(line)s.") % {"line": seen[line.email]}
            )
        elif line.email in present:
            line.errors.append(_("Steht schon im Presseverteiler."))
        if line.email:
            seen.setdefault(line.email, number)
        lines.append(line)
    if not lines:
        raise CsvError(_("Die Datei enthält keine Kontakte, nur die Zeile mit den Spaltennamen."))
    return lines


def line_of(number, row, columns, categories, topics) -> Line:
    def cell(column):
        index = columns.get(column)
        return row[index] if index is not None and index < len(row) else ""

    name = one_line(cell("name")) or one_line(f"{cell('first_name')} {cell('last_name')}")
    line = Line(number, normalize_email(one_line(cell("email"))), name, one_line(cell("outlet")))
    if not line.email:
        line.errors.append(_("Keine E-Mail-Adresse."))
    else:
        try:
            validate_email(line.email)
        except ValidationError:
            line.errors.append(
                _("„%(address)s“ ist keine gültige E-Mail-Adresse.") % {"address": line.email}
            )
    for label, value in ((_("Name"), line.name), (_("Medium"), line.outlet)):
        if len(value) > 200:
            line.errors.append(_("%(field)s ist länger als 200 Zeichen.") % {"field": label})
    for names, table, target, message in (
        (cell("categories"), categories, line.categories, _("Kategorie „%(name)s“ gibt es nicht.")),
        (cell("topics"), topics, line.topics, _("Thema „%(name)s“ gibt es nicht.")),
    ):
        for item_name in split_names(names):
            item = table.get(item_name.lower())
            if item is None:
                line.errors.append(message % {"name": one_line(item_name)})
            elif item not in target:
                target.append(item)
    return line


def store(lines: list[Line], legal_basis: str) -> int:
    """Insert the lines' contacts with their categories and topics: all or none (bulk)."""
    with transaction.atomic():
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    email=line.email,
                    name=line.name,
                    outlet=line.outlet,
                    status=Contact.Status.ACTIVE,
                    source=Contact.Source.IMPORTED,
                    legal_basis=legal_basis,
                )
                for line in lines
            ],
            batch_size=BATCH_SIZE,
        )
        for relation, attribute in (("categories", "category"), ("topics", "topic")):
            through = getattr(Contact, relation).through
            through.objects.bulk_create(
                [
                    through(contact_id=contact.pk, **{f"{attribute}_id": item.pk})
                    for contact, line in zip(contacts, lines, strict=True)
                    for item in getattr(line, relation)
                ],
                batch_size=BATCH_SIZE,
            )
    return len(contacts)


def neutralize(value) -> str:
    """Return a cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" \u00a0").startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    """Return a CSV download Excel opens as it is: UTF-8 with BOM, semicolons, no formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(codecs.BOM_UTF8)
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return response


def moment(value) -> str:
    return date_format(timezone.localtime(value), "d.m.Y H:i") if value else ""


def export(queryset) -> HttpResponse:
    header = [
        _("Name"),
        _("Medium"),
        _("E-Mail"),
        _("Kategorien"),
        _("Themen"),
        _("Status"),
        _("Herkunft der Einwilligung"),
        _("Rechtsgrundlage"),
        _("Eingewilligt am"),
        _("Bestätigt am"),
    ]
    contacts = queryset.prefetch_related("categories", "topics").order_by("name", "email")
    rows = (
        [
            contact.name,
            contact.outlet,
            contact.email,
            ", ".join(category.name for category in contact.categories.all()),
            ", ".join(topic.name for topic in contact.topics.all()),
            contact.get_status_display(),
            contact.get_source_display(),
            contact.legal_basis,
            moment(contact.consented_at),
            moment(contact.confirmed_at),
        ]
        for contact in contacts.iterator(chunk_size=2000)
    )
    return csv_response("presseverteiler.csv", header, rows)
