"""Press-kit attachments: PDF and Word files, judged by their content like photos."""

import zipfile
import zlib
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from office.images import check_size

MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
LABELS = {"pdf": "PDF", "docx": "Word (DOCX)"}
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# A DOCX is a ZIP; unpacked it must stay reasonable, or it is a zip bomb.
DOCX_MAX_UNPACKED = 200 * 2**20

NOT_A_DOCUMENT = _(
    "Die Datei ist weder ein PDF noch ein Word-Dokument (DOCX). Andere Dateien, auch ältere "
    "DOC-Dateien, bitte vorher als PDF speichern."
)
BROKEN_PDF = _("Die PDF-Datei ist beschädigt oder verschlüsselt und lässt sich nicht lesen.")
ACTIVE_PDF = _(
    "PDF-Dateien mit aktiven Inhalten (JavaScript, Programmaufrufe, Formularaktionen, "
    "eingebettete Dateien oder Medien) werden nicht angenommen. Bitte das Dokument ohne "
    "sie neu als PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)
COMPLEX_PDF = _(
    "Die PDF-Datei ist zu verschachtelt, um sie auf aktive Inhalte zu prüfen. Bitte das "
    "Dokument neu als PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)
BROKEN_DOCX = _("Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument.")
MACRO_DOCX = _(
    "Word-Dateien mit Makros werden nicht angenommen. Bitte als DOCX ohne Makros speichern."
)


def document_kind(file) -> str:
    """Return "pdf" or "docx" from the first bytes, or raise ValidationError."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    raise ValidationError(NOT_A_DOCUMENT, code="type")


# Actions that run code, start programs, send or fetch data, or open other files.
# GoTo, URI (to the web), Named, Thread, Hide, SetOCGState, Trans and ResetForm
# stay inside the document or the browser and are fine.
ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/GoToR",
    "/RichMediaExecute",
    "/Rendition",
    "/Sound",
    "/Movie",
}
# Script code, XFA forms (which carry their own scripts) and embedded files.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/XFA", "/EmbeddedFiles", "/EF"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
WEB_SCHEMES = {"http", "https", "mailto", "tel"}
# Many times what a long tagged report holds; reading each object is the slow
# part, so this bounds how long a crafted file can keep an upload busy.
PDF_MAX_OBJECTS = 100_000


def entry(node, key):
    """Return a dictionary's value for key, following a reference to another object."""
    value = node.get(key)
    return None if value is None else value.get_object()


def is_active(node) -> bool:
    """Return True if a PDF dictionary is, or directly holds, something a reader would run."""
    if not ACTIVE_KEYS.isdisjoint(node):
        return True
    kind = str(entry(node, "/S"))
    if kind in ACTIVE_ACTIONS or str(entry(node, "/Subtype")) in ACTIVE_ANNOTATIONS:
        return True
    if kind == "/URI":
        # A file, a network share or javascript: is not a link to the web.
        uri = entry(node, "/URI") or ""
        if isinstance(uri, bytes):
            uri = uri.decode("latin-1")
        uri = str(uri).strip()
        scheme = urlsplit(uri).scheme.lower()
        return (bool(scheme) and scheme not in WEB_SCHEMES) or uri.startswith("\\\\")
    return False


def has_active_content(reader) -> bool:
    """Return True if any object of the PDF, reachable or not, holds active content."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    # Every object in the file, not only those a reader reaches from the catalog,
    # so a viewer that repairs the file differently finds nothing either.
    stack = [reader.trailer]
    stack += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    stack += [
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    ]
    seen = set()
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if is_active(node):
                return True
            children = node.values()
        elif isinstance(node, ArrayObject):
            children = node
        else:
            continue
        visited += 1
        if visited + len(stack) > PDF_MAX_OBJECTS:
            raise ValidationError(COMPLEX_PDF, code="pdf")
        stack += [
            child
            for child in children
            if isinstance(child, (DictionaryObject, ArrayObject, IndirectObject))
        ]
    return False


def check_pdf(file) -> None:
    # Imported here: pypdf adds 20 MB to every worker, and only uploads need it.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise ValidationError(BROKEN_PDF, code="pdf")
        if has_active_content(reader):
            raise ValidationError(ACTIVE_PDF, code="active")
    except ValidationError:
        raise
    except (
        PyPdfError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        # Objects nested deeper than the parser's recursion.
        RecursionError,
    ) as error:
        raise ValidationError(BROKEN_PDF, code="pdf") from error


def check_docx(file) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if "[Content_Types].xml" not in members or "word/document.xml" not in members:
                raise ValidationError(NOT_A_DOCUMENT, code="type")
            if sum(info.file_size for info in members.values()) > DOCX_MAX_UNPACKED:
                raise ValidationError(BROKEN_DOCX, code="docx")
            if members["[Content_Types].xml"].file_size > 2**20:
                raise ValidationError(BROKEN_DOCX, code="docx")
            content_types = archive.read("[Content_Types].xml")
        if b"macroEnabled" in content_types or "word/vbaProject.bin" in members:
            raise ValidationError(MACRO_DOCX, code="macros")
        if DOCX_MAIN not in content_types:
            raise ValidationError(NOT_A_DOCUMENT, code="type")
    except ValidationError:
        raise
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        # An encrypted member, an unknown compression method, a broken deflate stream.
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as error:
        raise ValidationError(BROKEN_DOCX, code="docx") from error


def validate_document(file) -> None:
    """Refuse anything but a readable PDF without scripts or a DOCX without macros."""
    if getattr(file, "_committed", False):
        return  # the stored file, checked when it was uploaded
    check_size(file)
    kind = document_kind(file)
    try:
        check_pdf(file) if kind == "pdf" else check_docx(file)
    finally:
        file.seek(0)
