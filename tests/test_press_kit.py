"""The press kit: photo originals and attachments, downloadable only with a public release."""

import io
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image as PILImage
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from office.media import documents
from releases import pdf
from releases.models import Release, ReleaseAttachment, ReleaseImage, ReleaseQuote
from tests.kit.factories import make_image, make_quote, make_release, media_files, photo
from tests.kit.pages import admin_page

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(javascript=None):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if javascript:
        writer.add_open_action(JavaScript(javascript))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def word_document(body="<w:p><w:r><w:t>Hallo</w:t></w:r></w:p>"):
    return f'<?xml version="1.0"?><w:document xmlns:w="{WORD}"><w:body>{body}</w:body></w:document>'


def field(*pieces):
    """Return a paragraph with a field whose instruction is split over runs, as Word does."""
    runs = "".join(f"<w:r><w:instrText>{piece}</w:instrText></w:r>" for piece in pieces)
    return (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + runs
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Text</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


def docx_bytes(main=f"{DOCX_TYPE}.main+xml", extra=(), parts=None, types=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/>{types}</Types>',
        )
        for name in extra:
            archive.writestr(name, b"\x00" * 16)
        for name, content in ({"word/document.xml": word_document()} | (parts or {})).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_without_word():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("liesmich.txt", "Hallo")
    return buffer.getvalue()


def zip_flags(data, encrypted=False, method=None):
    """Mark every member of a ZIP as encrypted, or as packed with another method."""
    data = bytearray(data)
    for header, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = data.find(header)
        while start != -1:
            if encrypted:
                data[start + flags_at] |= 1
            if method is not None:
                data[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
            start = data.find(header, start + 1)
    return bytes(data)


def attach(client, release, name, content, title="Studie"):
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_page(client.get(url)).form | {
        "releaseattachment_set-TOTAL_FORMS": "1",
        "releaseattachment_set-0-order": "1",
        "releaseattachment_set-0-title": title,
        "releaseattachment_set-0-file": SimpleUploadedFile(name, content),
    }
    return client.post(url, data)


def attachment_errors(response):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == "releaseattachment_set":
            return inline.formset.errors
    raise AssertionError("no attachment inline")


# Uploading attachments


@pytest.mark.parametrize(
    ("name", "content", "stored_as"),
    [
        ("studie.pdf", pdf_bytes(), "studie.pdf"),
        ("Rede im Landtag.docx", docx_bytes(), "rede-im-landtag.docx"),
        ("ohne-endung", pdf_bytes(), "ohne-endung.pdf"),
    ],
    ids=["pdf", "docx", "pdf-without-extension"],
)
def test_pdf_and_docx_are_attached_under_a_random_folder(name, content, stored_as, officer_client):
    release = make_release()

    response = attach(officer_client, release, name, content)

    assert response.status_code == 302
    attachment = ReleaseAttachment.objects.get()
    folder, random, filename = attachment.file.name.split("/")
    assert (folder, len(random), filename) == ("anhaenge", 32, stored_as)
    assert attachment.file_size == len(content)


ACTIVE_PDF = (
    "PDF-Dateien mit aktiven Inhalten (JavaScript, Programmaufrufe, Formularaktionen, "
    "eingebettete Dateien oder Medien) werden nicht angenommen. Bitte das Dokument ohne "
    "sie neu als PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)
BROKEN_PDF = "Die PDF-Datei ist beschädigt oder verschlüsselt und lässt sich nicht lesen."
NOT_A_DOCUMENT = (
    "Die Datei ist weder ein PDF noch ein Word-Dokument (DOCX). Andere Dateien, auch ältere "
    "DOC-Dateien, bitte vorher als PDF speichern."
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("seite.pdf", b"<html><script>alert(1)</script></html>", NOT_A_DOCUMENT),
        ("archiv.docx", zip_without_word(), NOT_A_DOCUMENT),
        ("bild.pdf", photo("JPEG"), NOT_A_DOCUMENT),
        (
            "kaputt.pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
            BROKEN_PDF,
        ),
        ("aktiv.pdf", pdf_bytes(javascript="app.alert('hallo');"), ACTIVE_PDF),
        (
            "makros.docx",
            docx_bytes(main="application/vnd.ms-word.document.macroEnabled.main+xml"),
            "Word-Dateien mit Makros werden nicht angenommen. "
            "Bitte als DOCX ohne Makros speichern.",
        ),
        (
            "kaputt.docx",
            docx_bytes()[:200],
            "Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument.",
        ),
        (
            "verschluesselt.docx",
            zip_flags(docx_bytes(), encrypted=True),
            "Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument.",
        ),
        (
            "fremd.docx",
            zip_flags(docx_bytes(), method=99),
            "Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument.",
        ),
    ],
    ids=[
        "html-as-pdf",
        "zip-as-docx",
        "jpeg-as-pdf",
        "broken-pdf",
        "pdf-with-javascript",
        "docm",
        "truncated-docx",
        "encrypted-docx",
        "docx-of-unknown-compression",
    ],
)
def test_attachment_that_is_not_a_clean_pdf_or_docx_is_refused(
    name, content, message, officer_client
):
    release = make_release()

    response = attach(officer_client, release, name, content)

    assert response.status_code == 200
    assert attachment_errors(response) == [{"file": [message]}]
    assert (ReleaseAttachment.objects.count(), media_files()) == (0, [])


def test_attachment_above_the_limit_is_refused(officer_client, settings):
    settings.UPLOAD_MAX_BYTES = 2**20
    release = make_release()
    content = pdf_bytes() + b"%" * 2**20

    response = attach(officer_client, release, "gross.pdf", content)

    assert attachment_errors(response) == [
        {"file": ["Die Datei ist 1,1 MB groß; erlaubt sind höchstens 1 MB."]}
    ]
    assert media_files() == []


# Active content in Word files


RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def relationships(*entries):
    """Return a .rels part; each entry is (type, target) or (type, target, "External")."""
    rows = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"'
        + (f' TargetMode="{mode[0]}"' if mode else "")
        + "/>"
        for number, (kind, target, *mode) in enumerate(entries, 1)
    )
    return (
        '<?xml version="1.0"?><Relationships xmlns='
        f'"http://schemas.openxmlformats.org/package/2006/relationships">{rows}</Relationships>'
    )


def word_rels(*entries):
    return {"word/_rels/document.xml.rels": relationships(*entries)}


ACTIVE_DOCX = (
    "Word-Dateien mit Makros, Steuerelementen, eingebetteten Objekten oder Verweisen auf "
    "andere Dateien (etwa Vorlagen aus dem Netz) werden nicht angenommen. Bitte das Dokument "
    "ohne sie als DOCX oder als PDF speichern."
)
MACRO_DOCX = (
    "Word-Dateien mit Makros werden nicht angenommen. Bitte als DOCX ohne Makros speichern."
)
ACTIVE_DOCXS = {
    "remote-template": (
        {
            "word/_rels/settings.xml.rels": relationships(
                (f"{RELATIONSHIP}/attachedTemplate", "https://example.net/v.dotm", "External")
            )
        },
        "",
        ACTIVE_DOCX,
    ),
    "local-template": (
        {
            "word/_rels/settings.xml.rels": relationships(
                (f"{RELATIONSHIP}/attachedTemplate", "vorlage.dotm")
            )
        },
        "",
        ACTIVE_DOCX,
    ),
    "external-ole-object": (
        word_rels((f"{RELATIONSHIP}/oleObject", "mhtml:https://example.net/x!x", "External")),
        "",
        ACTIVE_DOCX,
    ),
    "embedded-ole-object": (
        word_rels((f"{RELATIONSHIP}/oleObject", "media/objekt.bin")),
        "",
        ACTIVE_DOCX,
    ),
    "external-image": (
        word_rels((f"{RELATIONSHIP}/image", "https://example.net/zaehlpixel.png", "External")),
        "",
        ACTIVE_DOCX,
    ),
    "external-frame": (
        word_rels((f"{RELATIONSHIP}/frame", "\\\\server\\freigabe\\x.htm", "External")),
        "",
        ACTIVE_DOCX,
    ),
    "alt-chunk": (
        word_rels((f"{RELATIONSHIP}/aFChunk", "teil.htm")),
        "",
        ACTIVE_DOCX,
    ),
    "active-x": (
        word_rels(
            ("http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary", "a.bin")
        ),
        "",
        ACTIVE_DOCX,
    ),
    "file-hyperlink": (
        word_rels((f"{RELATIONSHIP}/hyperlink", "file:///C:/Windows/calc.exe", "External")),
        "",
        ACTIVE_DOCX,
    ),
    "embeddings-part": ({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}, "", ACTIVE_DOCX),
    "active-x-part": ({"word/activeX/activeX1.xml": "<ax/>"}, "", ACTIVE_DOCX),
    "active-x-part-other-case": ({"Word/ActiveX/activeX1.bin": b"\x00"}, "", ACTIVE_DOCX),
    "macros-renamed": (
        word_rels(("http://schemas.microsoft.com/office/2006/relationships/vbaProject", "x.bin")),
        "",
        MACRO_DOCX,
    ),
    "macros-by-content-type": (
        {"word/daten.bin": b"\xd0\xcf\x11\xe0"},
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
        MACRO_DOCX,
    ),
    "macros-part-elsewhere": ({"customXml/vbaProject.bin": b"\xd0\xcf\x11\xe0"}, "", MACRO_DOCX),
    # Fields that fetch another file or start a program when the document is updated.
    "field-include-picture": (
        {
            "word/document.xml": word_document(
                field(" INCLUDEPIC", 'TURE "https://example.net/zaehlpixel.png" \\d ')
            )
        },
        "",
        ACTIVE_DOCX,
    ),
    "field-dde-in-header": (
        {
            "word/header1.xml": f'<w:hdr xmlns:w="{WORD}"><w:p><w:fldSimple '
            "w:instr=' ddeauto c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\" '/></w:p></w:hdr>"
        },
        "",
        ACTIVE_DOCX,
    ),
    "field-include-text-nested": (
        {"word/document.xml": word_document(field(" IF 1 = 1 ", field("INCLUDETEXT x.docx")))},
        "",
        ACTIVE_DOCX,
    ),
    "field-hyperlink-to-file": (
        {"word/document.xml": word_document(field(' HYPERLINK "file:///C:/Windows/calc.exe" '))},
        "",
        ACTIVE_DOCX,
    ),
    "field-link": (
        {"word/document.xml": word_document(field("\tLINK\tExcel.Sheet.8 x "))},
        "",
        ACTIVE_DOCX,
    ),
}


@pytest.mark.parametrize(
    ("parts", "types", "message"), ACTIVE_DOCXS.values(), ids=ACTIVE_DOCXS.keys()
)
def test_docx_with_active_content_or_references_to_other_files_is_refused(
    parts, types, message, officer_client
):
    release = make_release()

    response = attach(officer_client, release, "rede.docx", docx_bytes(parts=parts, types=types))

    assert attachment_errors(response) == [{"file": [message]}]
    assert (ReleaseAttachment.objects.count(), media_files()) == (0, [])


def docx_with_two(name, first, second, second_name=None):
    """Return a DOCX holding a part twice: readers differ in which of the two they take."""
    buffer = io.BytesIO(docx_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr(name, first)
            archive.writestr(second_name or name, second)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        docx_with_two(
            "word/_rels/document.xml.rels",
            relationships((f"{RELATIONSHIP}/oleObject", "mhtml:https://example.net/x", "External")),
            relationships(),
        ),
        docx_with_two(
            "word/_rels/document.xml.rels",
            relationships((f"{RELATIONSHIP}/attachedTemplate", "https://example.net/v.dotm")),
            relationships(),
            second_name="Word/_rels/Document.xml.rels",
        ),
    ],
    ids=["same-name", "name-in-other-case"],
)
def test_docx_with_a_part_twice_is_refused_as_broken(content, officer_client):
    release = make_release()

    response = attach(officer_client, release, "rede.docx", content)

    assert attachment_errors(response) == [
        {"file": ["Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument."]}
    ]
    assert media_files() == []


def test_docx_with_web_links_and_its_own_pictures_is_attached(officer_client):
    release = make_release()
    content = docx_bytes(
        parts={
            **word_rels(
                (f"{RELATIONSHIP}/hyperlink", "https://www.landtag.nrw.de/", "External"),
                (f"{RELATIONSHIP}/hyperlink", "mailto:presse@example.org", "External"),
                (f"{RELATIONSHIP}/image", "media/image1.png"),
                (f"{RELATIONSHIP}/styles", "styles.xml"),
            ),
            "word/media/image1.png": photo("PNG"),
            "word/document.xml": word_document(
                field(' HYPERLINK "https://www.landtag.nrw.de/link" ')
                + field(' HYPERLINK \\l "abschnitt" ')
                + field(" PAGE ")
                + "<w:p><w:r><w:t>DDE LINK INCLUDETEXT im Text</w:t></w:r></w:p>"
            ),
        }
    )

    response = attach(officer_client, release, "rede.docx", content)

    assert response.status_code == 302
    stored = (Path(settings.MEDIA_ROOT) / ReleaseAttachment.objects.get().file.name).read_bytes()
    assert stored == content


# Active content in PDFs: each place a PDF can hold an action, script or file


def pdf_dict(**entries):
    """Return a PDF dictionary; a str value starting with "/" is a name, other str a string."""

    def pdf_value(value):
        if isinstance(value, str):
            return NameObject(value) if value.startswith("/") else TextStringObject(value)
        if isinstance(value, int):
            return NumberObject(value)
        if isinstance(value, list):
            return ArrayObject(pdf_value(item) for item in value)
        return value

    return DictionaryObject({NameObject(f"/{k}"): pdf_value(v) for k, v in entries.items()})


def javascript():
    return pdf_dict(Type="/Action", S="/JavaScript", JS="app.alert('hallo');")


def link(writer, action, subtype="/Link"):
    annotation = pdf_dict(Type="/Annot", Subtype=subtype, Rect=[50, 700, 250, 730], A=action)
    writer.add_annotation(0, annotation)


def go_to(writer, **entries):
    page = writer.pages[0].indirect_reference
    return pdf_dict(Type="/Action", S="/GoTo", D=[page, "/Fit"], **entries)


def build_pdf(build):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def open_action(action):
    def build(writer):
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return build


def catalog_aa(writer):
    writer.root_object[NameObject("/AA")] = pdf_dict(WC=javascript())


def page_aa(writer):
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert('hallo');"))


def link_launch(writer):
    link(writer, pdf_dict(S="/Launch", F="C:\\Windows\\System32\\calc.exe"))


def link_aa(writer):
    annotation = pdf_dict(
        Type="/Annot", Subtype="/Link", Rect=[50, 700, 250, 730], AA=pdf_dict(E=javascript())
    )
    writer.add_annotation(0, annotation)


def next_single(writer):
    first = go_to(writer, Next=go_to(writer, Next=javascript()))
    open_action(first)(writer)


def next_array(writer):
    uri = pdf_dict(S="/URI", URI="https://www.landtag.nrw.de/")
    link(writer, go_to(writer, Next=ArrayObject([uri, javascript()])))


def names_javascript(writer):
    tree = pdf_dict(Names=ArrayObject([TextStringObject("start"), javascript()]))
    writer.root_object[NameObject("/Names")] = pdf_dict(JavaScript=tree)


def embedded_file(writer):
    writer.add_attachment("rechnung.exe", b"MZ\x90\x00")


def form_field(action_key, action):
    def build(writer):
        field = pdf_dict(
            Type="/Annot",
            Subtype="/Widget",
            FT="/Tx",
            T="Name",
            Rect=[50, 600, 250, 630],
            **{action_key: action},
        )
        reference = writer._add_object(field)
        writer.pages[0][NameObject("/Annots")] = ArrayObject([reference])
        writer.root_object[NameObject("/AcroForm")] = pdf_dict(Fields=ArrayObject([reference]))

    return build


def xfa(writer):
    stream = DecodedStreamObject()
    stream.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>x</script></xdp:xdp>')
    writer.root_object[NameObject("/AcroForm")] = pdf_dict(
        Fields=ArrayObject(), XFA=writer._add_object(stream)
    )


def orphan_javascript(writer):
    # Not reachable from the catalog: a viewer repairing the file may still find it.
    writer._add_object(javascript())


ACTIVE_PDFS = {
    "open-action-javascript": build_pdf(open_action(javascript())),
    "open-action-launch": build_pdf(open_action(pdf_dict(S="/Launch", F="cmd.exe"))),
    "catalog-additional-actions": build_pdf(catalog_aa),
    "page-additional-actions": build_pdf(page_aa),
    "link-launch": build_pdf(link_launch),
    "link-additional-actions": build_pdf(link_aa),
    "next-chain-single": build_pdf(next_single),
    "next-chain-array": build_pdf(next_array),
    "names-tree-javascript": build_pdf(names_javascript),
    "names-tree-via-pypdf": pdf_bytes(javascript="app.alert('hallo');"),
    "embedded-file": build_pdf(embedded_file),
    "form-field-additional-actions": build_pdf(form_field("AA", pdf_dict(K=javascript()))),
    "form-field-submit": build_pdf(
        form_field("A", pdf_dict(S="/SubmitForm", F="https://example.net/sammeln"))
    ),
    "form-field-import-data": build_pdf(form_field("A", pdf_dict(S="/ImportData", F="d.fdf"))),
    "xfa-form": build_pdf(xfa),
    **{
        f"link-{kind.lower()}": build_pdf(
            lambda writer, kind=kind: link(writer, pdf_dict(S=f"/{kind}"))
        )
        for kind in ("GoToE", "GoToR", "RichMediaExecute", "Rendition", "Sound", "Movie")
    },
    "link-javascript-uri": build_pdf(
        lambda writer: link(writer, pdf_dict(S="/URI", URI="JavaScript:app.alert(1)"))
    ),
    "link-file-uri": build_pdf(
        lambda writer: link(writer, pdf_dict(S="/URI", URI="file:///C:/Windows/calc.exe"))
    ),
    "link-network-share": build_pdf(
        lambda writer: link(writer, pdf_dict(S="/URI", URI="\\\\server\\freigabe\\x"))
    ),
    "file-attachment-annotation": build_pdf(
        lambda writer: link(writer, go_to(writer), subtype="/FileAttachment")
    ),
    "rich-media-annotation": build_pdf(
        lambda writer: link(writer, go_to(writer), subtype="/RichMedia")
    ),
    "unreachable-object": build_pdf(orphan_javascript),
    # The name written as /L#61unch, which a reader decodes as /Launch.
    "hex-escaped-name": build_pdf(open_action(pdf_dict(S="/Launch", F="cmd.exe"))).replace(
        b"/S /Launch", b"/S /L#61unch"
    ),
}


@pytest.mark.parametrize("content", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdf_with_active_content_is_refused_by_the_validator(content):
    with pytest.raises(ValidationError) as refused:
        documents.validate_document(SimpleUploadedFile("aktiv.pdf", content))

    assert (refused.value.code, refused.value.messages) == ("active", [ACTIVE_PDF])


@pytest.mark.parametrize("content", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdf_with_active_content_is_refused_on_upload(content, officer_client):
    release = make_release()

    response = attach(officer_client, release, "studie.pdf", content)

    assert response.status_code == 200
    assert attachment_errors(response) == [{"file": [ACTIVE_PDF]}]
    assert (ReleaseAttachment.objects.count(), media_files()) == (0, [])


def clean_pdf_with_links(writer):
    writer.add_annotation(0, Link(rect=(50, 700, 250, 730), url="https://www.landtag.nrw.de/"))
    writer.add_annotation(0, Link(rect=(50, 650, 250, 680), target_page_index=0))
    link(writer, pdf_dict(S="/URI", URI="mailto:presse@example.org"))
    link(writer, pdf_dict(S="/Named", N="/NextPage"))
    # A chain that returns to itself is followed once, not forever.
    loop = go_to(writer)
    reference = writer._add_object(loop)
    loop[NameObject("/Next")] = reference
    writer.root_object[NameObject("/OpenAction")] = reference


def test_pdf_with_web_links_and_page_jumps_is_attached(officer_client):
    release = make_release()
    content = build_pdf(clean_pdf_with_links)

    response = attach(officer_client, release, "mit-links.pdf", content)

    assert response.status_code == 302
    attachment = ReleaseAttachment.objects.get()
    stored = (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes()
    uris = [
        annotation.get_object().get("/A", {}).get("/URI")
        for annotation in PdfReader(io.BytesIO(stored)).pages[0]["/Annots"]
    ]
    assert uris == ["https://www.landtag.nrw.de/", None, "mailto:presse@example.org", None]


def hand_pdf(*objects, catalog=b"", page=b"", after=b"", unlisted=(), moved=None):
    """Return a one-page PDF written by hand, its own objects numbered from 4.

    after is written behind the objects but listed nowhere; unlisted objects are
    left out of the cross-reference table, moved ones listed at another offset.
    """
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page + b" >>",
        *objects,
    ]
    out, offsets = b"%PDF-1.7\n", {}
    for number, body in enumerate(bodies, 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += after
    offsets |= moved or {}
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(
        b"0000000000 65535 f \n" if number in unlisted else b"%010d 00000 n \n" % offset
        for number, offset in offsets.items()
    )
    return out + b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (hand_pdf(page=b"/X " + b"[" * 100_000 + b"]" * 100_000), BROKEN_PDF),
        (
            # pypdf caps one array; three large ones pass it and still exceed the walk's bound.
            hand_pdf(
                page=b"/X [%s]"
                % ((b"[" + b"[] " * (documents.PDF_MAX_OBJECTS // 3 + 1) + b"]") * 3)
            ),
            "Die PDF-Datei ist zu verschachtelt, um sie auf aktive Inhalte zu prüfen. Bitte das "
            "Dokument neu als PDF speichern, etwa über „Drucken“ → „Als PDF speichern“.",
        ),
    ],
    ids=["nested-deeper-than-the-parser", "more-objects-than-are-checked"],
)
def test_pdf_too_deep_or_too_large_to_inspect_is_refused_with_a_message(
    content, message, officer_client
):
    release = make_release()

    response = attach(officer_client, release, "gross.pdf", content)

    assert attachment_errors(response) == [{"file": [message]}]
    assert media_files() == []


# What one reader sees and another does not: the check and the stored file agree


OPEN_4 = b"/OpenAction 4 0 R"
LAUNCH = b"<< /S /Launch /F (calc.exe) >>"
FILE_LINK = b"<< /S /URI /URI (file:///C:/Windows/calc.exe) >>"
GO_TO = b"<< /S /GoTo /D [3 0 R /Fit] >>"
REPAIR_PDF = (
    "Die PDF-Datei ist fehlerhaft aufgebaut (doppelte Einträge oder ein beschädigtes "
    "Verzeichnis), sodass Programme sie verschieden lesen können. Bitte das Dokument neu als "
    "PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)


def object_stream_pdf(hidden, listed=True):
    """Return a PDF whose object 4 sits in an object stream, listed by the xref stream or not."""
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        5: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    }
    out, offsets = b"%PDF-1.7\n", {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for number in range(1, 7):
        if number == 4:
            rows.append(b"\x02\x00\x00\x00\x05\x00\x00" if listed else b"\x00" * 7)
        else:
            rows.append(b"\x01" + offsets.get(number, xref).to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        len(table)
    )
    return out + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref


DIFFERENTIAL_PDFS = {
    # pypdf keeps the first of two equal keys, most viewers the last.
    "duplicate-key-action-type": (
        hand_pdf(b"<< /S /GoTo /D [3 0 R /Fit] /S /Launch /F (calc.exe) >>", catalog=OPEN_4),
        ACTIVE_PDF,
    ),
    "duplicate-open-action": (
        hand_pdf(catalog=b"/OpenAction [3 0 R /Fit] /OpenAction " + LAUNCH),
        ACTIVE_PDF,
    ),
    "duplicate-annotation-type": (
        hand_pdf(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Subtype /RichMedia >>",
            page=b"/Annots [4 0 R]",
        ),
        ACTIVE_PDF,
    ),
    "duplicate-key-link-target": (
        hand_pdf(
            b"<< /S /URI /URI (https://www.landtag.nrw.de/) /URI (file:///C:/x.exe) >>",
            catalog=OPEN_4,
        ),
        REPAIR_PDF,
    ),
    # A second definition of an object, behind the one the table lists.
    "second-definition-launch": (
        hand_pdf(GO_TO, catalog=OPEN_4, after=b"4 0 obj\n" + LAUNCH + b"\nendobj\n"),
        ACTIVE_PDF,
    ),
    "second-definition-file-link": (
        hand_pdf(GO_TO, catalog=OPEN_4, after=b"4 0 obj\n" + FILE_LINK + b"\nendobj\n"),
        REPAIR_PDF,
    ),
    "table-points-elsewhere": (hand_pdf(GO_TO, catalog=OPEN_4, moved={4: 9}), REPAIR_PDF),
    "object-missing-from-table": (
        hand_pdf(GO_TO, catalog=OPEN_4, unlisted=(4,)),
        REPAIR_PDF,
    ),
    "object-stream-listed": (object_stream_pdf(LAUNCH), ACTIVE_PDF),
    "object-stream-not-listed-launch": (object_stream_pdf(LAUNCH, listed=False), ACTIVE_PDF),
    "object-stream-not-listed-file-link": (
        object_stream_pdf(FILE_LINK, listed=False),
        REPAIR_PDF,
    ),
    "hex-escaped-script": (
        hand_pdf(b"<< /S /Java#53cript /J#53 (app.alert(1)) >>", catalog=OPEN_4),
        ACTIVE_PDF,
    ),
}


@pytest.mark.parametrize(
    ("content", "message"), DIFFERENTIAL_PDFS.values(), ids=DIFFERENTIAL_PDFS.keys()
)
def test_pdf_that_readers_may_read_differently_is_refused(content, message, officer_client):
    release = make_release()

    response = attach(officer_client, release, "studie.pdf", content)

    assert attachment_errors(response) == [{"file": [message]}]
    assert (ReleaseAttachment.objects.count(), media_files()) == (0, [])


def uri_link(uri):
    return hand_pdf(b"<< /S /URI /URI " + uri + b" >>", catalog=OPEN_4)


OTHER_FILE_PDFS = {
    "thread-in-network-share": hand_pdf(
        rb"<< /S /Thread /F (\\\\server\\freigabe\\x.pdf) /D 0 >>", catalog=OPEN_4
    ),
    "thread-in-url-file": hand_pdf(
        b"<< /S /Thread /F << /FS /URL /F (https://example.net/x.pdf) >> /D 0 >>",
        catalog=OPEN_4,
    ),
    "uri-base-file": hand_pdf(
        b"<< /S /URI /URI (calc.exe) >>",
        catalog=OPEN_4 + b" /URI << /Base (file:///C:/Windows/System32/) >>",
    ),
    "uri-base-web": hand_pdf(
        GO_TO, b"<< /Base (https://example.net/) >>", catalog=OPEN_4 + b" /URI 5 0 R"
    ),
    "uri-relative": uri_link(b"(calc.exe)"),
    "uri-scheme-relative": uri_link(b"(//example.net/freigabe/x.exe)"),
    "uri-network-share-after-space": uri_link(rb"( \\\\server\\freigabe\\x.exe)"),
    "uri-utf16-file": uri_link(b"<FEFF00660069006C0065003A002F002F002F0078002E006500780065>"),
    "uri-web-with-backslashes": uri_link(rb"(https:\\\\server\\x.exe)"),
    "stream-from-other-file": hand_pdf(
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        rb"/BitsPerComponent 8 /F (\\\\server\\bild) /Length 0 >>" + b"\nstream\n\nendstream",
        page=b"/Resources << /XObject << /Im1 4 0 R >> >>",
    ),
    "stream-external-filter": hand_pdf(
        b"<< /Length 0 /FFilter /FlateDecode >>\nstream\n\nendstream", page=b"/Contents 4 0 R"
    ),
    "stream-external-parameters": hand_pdf(
        b"<< /Length 0 /FDecodeParms << >> >>\nstream\n\nendstream", page=b"/Contents 4 0 R"
    ),
    "reference-to-other-pdf": hand_pdf(
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 "
        b"/Ref << /F (anderes.pdf) /Page 0 >> >>\nstream\n\nendstream",
        page=b"/Resources << /XObject << /Fm1 4 0 R >> >>",
    ),
}


@pytest.mark.parametrize("content", OTHER_FILE_PDFS.values(), ids=OTHER_FILE_PDFS.keys())
def test_pdf_referring_to_other_files_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        documents.validate_document(SimpleUploadedFile("verweis.pdf", content))

    assert (refused.value.code, refused.value.messages) == ("active", [ACTIVE_PDF])


def test_pdf_is_stored_as_rewritten_by_the_check_with_its_text_and_links(officer_client):
    release = make_release()
    text = b"BT /F1 24 Tf 72 700 Td (Pressemitteilung zum Haushalt) Tj ET"
    content = (
        hand_pdf(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 690 300 720] "
            b"/A << /S /URI /URI (https://www.landtag.nrw.de/) >> >>",
            # Nothing refers to this one: the stored file does not carry it.
            b"<< /Notiz (Unverweistes Objekt) >>",
            page=b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R]",
        )
        + b"% Angehaengt hinter dem Ende\n"
    )

    response = attach(officer_client, release, "haushalt.pdf", content)

    assert response.status_code == 302
    attachment = ReleaseAttachment.objects.get()
    stored = (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes()
    assert (b"Unverweistes" in stored, b"Angehaengt" in stored) == (False, False)
    assert attachment.file_size == len(stored)
    reader = PdfReader(io.BytesIO(stored), strict=True)
    assert [page.extract_text() for page in reader.pages] == ["Pressemitteilung zum Haushalt"]
    assert [annotation.get_object()["/A"]["/URI"] for annotation in reader.pages[0]["/Annots"]] == [
        "https://www.landtag.nrw.de/"
    ]


def test_encrypted_pdf_is_refused_as_unreadable(officer_client):
    def encrypt(writer):
        writer.encrypt(user_password="", owner_password="geheim", algorithm="RC4-128")

    release = make_release()

    response = attach(officer_client, release, "gesperrt.pdf", build_pdf(encrypt))

    assert attachment_errors(response) == [{"file": [BROKEN_PDF]}]
    assert media_files() == []


# The press kit on the release page


def test_release_page_offers_photos_and_attachments_with_type_size_and_credit(client, profile):
    hero = make_image(content=photo("JPEG", size=(640, 480)), alt_text="Am Pult")
    gallery = make_image(content=photo("PNG", size=(300, 200)), alt_text="Im Saal", credit="")
    release = make_release(slug="mit-material", hero_image=hero)
    ReleaseImage.objects.create(release=release, image=gallery)
    ReleaseImage.objects.create(release=release, image=hero)  # the hero once only
    pdf = ReleaseAttachment.objects.create(
        release=release, title="Studie (Kurzfassung)", file=SimpleUploadedFile("s.pdf", pdf_bytes())
    )

    html = client.get("/pressemitteilungen/mit-material/").content.decode()

    kit = html.split('<section class="press-kit"')[1].split("</section>")[0]
    entries = [" ".join(item.split("</a>")[1].split()) for item in kit.split("<li>")[1:]]
    links = [item.split('href="')[1].split('"')[0] for item in kit.split("<li>")[1:]]
    assert links == [
        "/pressemitteilungen/mit-material/pdf/",
        f"/pressemitteilungen/mit-material/foto/{hero.pk}/",
        f"/pressemitteilungen/mit-material/foto/{gallery.pk}/",
        f"/pressemitteilungen/mit-material/anhang/{pdf.pk}/",
    ]
    assert "Foto „Am Pult“ herunterladen" in kit
    assert entries[1].startswith('<span class="press-kit__details">(JPEG, 640 × 480 Pixel, ')
    assert entries[1].endswith("KB) · Foto: Max Mustermann</span> </li>")
    assert entries[2].startswith('<span class="press-kit__details">(PNG, 300 × 200 Pixel, ')
    assert entries[3].startswith('<span class="press-kit__details">(PDF, ')


def test_photo_download_is_the_clean_original_as_an_attachment(client, profile):
    image = make_image(content=photo("JPEG", size=(640, 480)))
    make_release(slug="mit-foto", hero_image=image)

    response = client.get(f"/pressemitteilungen/mit-foto/foto/{image.pk}/")

    content = b"".join(response.streaming_content)
    assert response["Content-Disposition"] == f'attachment; filename="mit-foto-foto-{image.pk}.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert content == (Path(settings.MEDIA_ROOT) / image.file.name).read_bytes()
    with PILImage.open(io.BytesIO(content)) as original:
        assert original.size == (640, 480)
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_attachment_download_keeps_its_name_and_type(client, profile):
    release = make_release(slug="mit-anhang")
    # Built once: a ZIP member carries the time it was written, to two seconds.
    uploaded = docx_bytes()
    attachment = ReleaseAttachment.objects.create(
        release=release, title="Rede", file=SimpleUploadedFile("Rede 2025.docx", uploaded)
    )

    response = client.get(f"/pressemitteilungen/mit-anhang/anhang/{attachment.pk}/")

    assert response["Content-Disposition"] == 'attachment; filename="rede-2025.docx"'
    assert response["Content-Type"] == DOCX_TYPE
    assert b"".join(response.streaming_content) == uploaded


# Unpublished stays unpublished


def release_with_material(slug, **kwargs):
    release = make_release(slug=slug, hero_image=make_image(alt_text=f"Foto {slug}"), **kwargs)
    ReleaseAttachment.objects.create(
        release=release, title="Studie", file=SimpleUploadedFile("studie.pdf", pdf_bytes())
    )
    return release


def material_paths(release):
    attachment = release.releaseattachment_set.get()
    return [
        f"/pressemitteilungen/{release.slug}/anhang/{attachment.pk}/",
        f"/pressemitteilungen/{release.slug}/foto/{release.hero_image_id}/",
        f"/pressemitteilungen/{release.slug}/vorschaubild.png",
    ]


def test_material_of_draft_and_embargoed_releases_is_not_found_by_readers(
    client, profile, tomorrow
):
    public = release_with_material("oeffentlich")
    embargoed = release_with_material("sperrfrist", publish_at=tomorrow)
    draft = release_with_material("entwurf", status=Release.Status.DRAFT)

    statuses = {
        release.slug: [client.get(path).status_code for path in material_paths(release)]
        for release in (public, embargoed, draft)
    }

    assert statuses == {
        "oeffentlich": [200, 200, 200],
        "sperrfrist": [404] * 3,
        "entwurf": [404] * 3,
    }


def test_public_pages_never_name_the_files_of_an_embargoed_release(client, profile, tomorrow):
    release_with_material("oeffentlich")
    embargoed = release_with_material("sperrfrist", publish_at=tomorrow)
    secret_names = [
        Path(embargoed.hero_image.file.name).stem,
        Path(embargoed.releaseattachment_set.get().file.name).parent.name,
    ]

    pages = [
        "/",
        "/pressemitteilungen/",
        "/pressemitteilungen/feed/",
        "/pressemitteilungen/atom/",
        "/pressemitteilungen/feed.json",
        "/sitemap-releases.xml",
        "/suche/?q=Pressemitteilung",
    ]
    bodies = {path: client.get(path).content.decode() for path in pages}

    assert {path: [name in body for name in secret_names] for path, body in bodies.items()} == {
        path: [False, False] for path in pages
    }
    assert "oeffentlich" in bodies["/pressemitteilungen/"]


def test_editor_downloads_material_of_an_embargoed_release_uncached(officer_client, tomorrow):
    embargoed = release_with_material("sperrfrist", publish_at=tomorrow)

    responses = [officer_client.get(path) for path in material_paths(embargoed)[:2]]

    assert [response.status_code for response in responses] == [200, 200]
    assert all("no-cache" in response["Cache-Control"] for response in responses)
    assert all("private" in response["Cache-Control"] for response in responses)


def test_photo_of_another_release_is_not_served_under_this_one(client, profile):
    other = make_release(slug="andere", hero_image=make_image(), status=Release.Status.DRAFT)
    make_release(slug="oeffentlich")

    response = client.get(f"/pressemitteilungen/oeffentlich/foto/{other.hero_image_id}/")

    assert response.status_code == 404


# The release as PDF


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_release_pdf_carries_the_letterhead_title_text_and_photo(client, profile):
    hero = make_image(content=photo("JPEG", size=(1000, 750)), caption="Im Plenarsaal")
    release = make_release(
        slug="als-pdf",
        title="Mehr Geld für Schulen",
        lead="Der Haushalt wächst.",
        body="<h2>Die Posten</h2><p>Lehrkräfte und Digitalisierung.</p>",
        hero_image=hero,
    )
    ReleaseQuote.objects.create(release=release, quote=make_quote(text="Bildung zuerst."))

    response = client.get("/pressemitteilungen/als-pdf/pdf/")

    reader, text = pdf_text(response.content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="als-pdf.pdf"'
    assert reader.metadata.title == "Mehr Geld für Schulen"
    for expected in (
        "Daniel Hagemeier MdL",  # the letterhead, from the profile
        "Platz des Landtags 1",
        "Mehr Geld für Schulen",
        "Der Haushalt wächst.",
        "Die Posten",
        "Lehrkräfte und Digitalisierung.",
        "„Bildung zuerst.“",
        "Im Plenarsaal",
        "Pressekontakt: Erika Presse",
        "https://www.example.org/pressemitteilungen/als-pdf/",
        "Seite 1 von ",
    ):
        assert expected in text
    assert len(reader.pages[0].images) == 1


def test_release_pdf_states_a_correction_like_the_page(client, profile, now):
    make_release(
        slug="korrigiert",
        revised_at=now,
        correction_note="In einer früheren Fassung stand 76,8 statt 67,8 Mrd. Euro.",
    )

    _reader, text = pdf_text(client.get("/pressemitteilungen/korrigiert/pdf/").content)

    assert "aktualisiert am" in text
    assert "In einer früheren Fassung stand 76,8 statt 67,8 Mrd. Euro." in " ".join(text.split())


def test_release_pdf_exists_only_for_a_public_release(officer_client, profile, tomorrow):
    make_release(slug="sperrfrist", publish_at=tomorrow)
    make_release(slug="entwurf", status=Release.Status.DRAFT)

    anonymous = [
        Client().get(f"/pressemitteilungen/{slug}/pdf/").status_code
        for slug in ("sperrfrist", "entwurf")
    ]
    editor = officer_client.get("/pressemitteilungen/sperrfrist/pdf/")

    assert anonymous == [404, 404]
    assert editor.status_code == 200
    assert "no-cache" in editor["Cache-Control"]


def test_release_pdf_fetches_nothing_from_other_addresses(profile):
    fetcher = pdf.MediaOnlyFetcher()

    with pytest.raises(ValueError):
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")


def test_release_pdf_costs_a_bounded_number_of_queries(
    client, profile, django_assert_max_num_queries
):
    """The PDF reads the release like its page does, in a fixed number of queries."""
    release = make_release(slug="als-pdf", hero_image=make_image())
    for n in range(5):
        ReleaseQuote.objects.create(release=release, quote=make_quote(text=f"Zitat {n}"))

    with django_assert_max_num_queries(10):
        response = client.get("/pressemitteilungen/als-pdf/pdf/")

    assert response.status_code == 200


def test_deleted_attachment_leaves_no_file_behind(django_capture_on_commit_callbacks):
    release = make_release()
    attachment = ReleaseAttachment.objects.create(
        release=release, title="Studie", file=SimpleUploadedFile("s.pdf", pdf_bytes())
    )
    assert media_files() == [attachment.file.name]

    with django_capture_on_commit_callbacks(execute=True):
        release.delete()

    assert media_files() == []


def test_preview_of_an_embargoed_release_shows_its_gallery_but_no_press_kit(
    officer_client, tomorrow
):
    embargoed = release_with_material("sperrfrist", publish_at=tomorrow)
    ReleaseImage.objects.create(release=embargoed, image=make_image(alt_text="In der Galerie"))

    html = officer_client.get("/pressemitteilungen/sperrfrist/").content.decode()

    assert 'alt="In der Galerie"' in html
    assert 'class="press-kit"' not in html
