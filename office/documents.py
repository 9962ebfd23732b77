"""Press-kit attachments: PDF and Word files, judged by their content like photos."""

import zipfile
import zlib

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
ACTIVE_PDF = _("PDF-Dateien mit JavaScript oder eingebetteten Dateien werden nicht angenommen.")
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


def check_pdf(file) -> None:
    # Imported here: pypdf adds 20 MB to every worker, and only uploads need it.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise ValidationError(BROKEN_PDF, code="pdf")
        catalog = reader.trailer["/Root"]
        names = catalog.get("/Names") or {}
        active = "/JavaScript" in names or "/EmbeddedFiles" in names or "/AA" in catalog
        open_action = catalog.get("/OpenAction")
        if hasattr(open_action, "get_object"):
            open_action = open_action.get_object()
        if active or (isinstance(open_action, dict) and "/JS" in open_action):
            raise ValidationError(ACTIVE_PDF, code="active")
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as error:
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
