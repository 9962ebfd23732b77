"""Press-kit attachments: PDF and Word files, judged by their content like photos.

One module despite its length: it is one capability, what a PDF or DOCX may carry.
"""

import io
import logging
import re
import threading
import zipfile
import zlib
from contextlib import contextmanager
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from office.media.images import check_size

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
REPAIR_PDF = _(
    "Die PDF-Datei ist fehlerhaft aufgebaut (doppelte Einträge oder ein beschädigtes "
    "Verzeichnis), sodass Programme sie verschieden lesen können. Bitte das Dokument neu als "
    "PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)
COMPLEX_PDF = _(
    "Die PDF-Datei ist zu verschachtelt, um sie auf aktive Inhalte zu prüfen. Bitte das "
    "Dokument neu als PDF speichern, etwa über „Drucken“ → „Als PDF speichern“."
)
BROKEN_DOCX = _("Die Word-Datei ist beschädigt oder kein gültiges DOCX-Dokument.")
MACRO_DOCX = _(
    "Word-Dateien mit Makros werden nicht angenommen. Bitte als DOCX ohne Makros speichern."
)
ACTIVE_DOCX = _(
    "Word-Dateien mit Makros, Steuerelementen, eingebetteten Objekten oder Verweisen auf "
    "andere Dateien (etwa Vorlagen aus dem Netz) werden nicht angenommen. Bitte das Dokument "
    "ohne sie als DOCX oder als PDF speichern."
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
# GoTo, URI (to the web), Named, Thread (in this file), Hide, SetOCGState, Trans
# and ResetForm stay inside the document or the browser and are fine.
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
# Names anywhere in the file's bytes that refuse it, even where pypdf does not look.
ACTIVE_NAMES = ACTIVE_ACTIONS | ACTIVE_KEYS | ACTIVE_ANNOTATIONS
# A stream whose data lies in another file.
STREAM_FILE_KEYS = {"/F", "/FFilter", "/FDecodeParms"}
WEB_SCHEMES = {"http", "https", "mailto", "tel"}
PDF_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
PDF_NAME = re.compile(rb"/([^" + PDF_DELIMITERS + rb"]*)")
# A stream's data, which a reader does not parse as objects; "endstream" is no start.
PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r).*?endstream", re.DOTALL)
PDF_OBJECT_HEADER = re.compile(
    rb"(?<![0-9])([0-9]+)\s+([0-9]+)\s+obj(?![^" + PDF_DELIMITERS + rb"])"
)
# Many times what a long tagged report holds; reading each object is the slow
# part, so this bounds how long a crafted file can keep an upload busy.
PDF_MAX_OBJECTS = 100_000


def entry(node, key):
    """Return a dictionary's value for key, following a reference to another object."""
    value = node.get(key)
    return None if value is None else value.get_object()


def is_active(node) -> bool:
    """Return True if a PDF dictionary is, or directly holds, something a reader would run."""
    from pypdf.generic import DictionaryObject, StreamObject, TextStringObject

    if not ACTIVE_KEYS.isdisjoint(node) or "/Base" in node:
        return True
    kind = str(entry(node, "/S"))
    if kind in ACTIVE_ACTIONS or str(entry(node, "/Subtype")) in ACTIVE_ANNOTATIONS:
        return True
    # Another file, named by a string or a file specification (elsewhere /F is a number):
    # a thread or reference XObject in another file, a stream's data.
    if isinstance(entry(node, "/F"), (TextStringObject, bytes, DictionaryObject)):
        return True
    if isinstance(node, StreamObject) and not STREAM_FILE_KEYS.isdisjoint(node):
        return True
    if kind == "/URI":
        uri = entry(node, "/URI") or ""
        if isinstance(uri, bytes):
            uri = uri.decode("latin-1")
        return not is_web_link(str(uri))
    return False


def is_web_link(uri: str) -> bool:
    """Return True for an absolute link to the web, an e-mail address or a phone number.

    A file, a network share, javascript: and links without a scheme (relative,
    or //host/ on whatever the reader resolves them against) are not.
    """
    # Readers drop control characters and spaces before they look at the scheme.
    uri = "".join(character for character in uri if character > " ").strip()
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return bool(parts.netloc) and "\\" not in uri
    return scheme in WEB_SCHEMES


def has_active_content(reader) -> bool:
    """Return True if any object of the PDF, reachable or not, holds active content."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

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
            # An object stream may hold objects the table does not list.
            if (
                isinstance(node, StreamObject)
                and node.get("/Type") == "/ObjStm"
                and not ACTIVE_NAMES.isdisjoint(names_in(node.get_data()))
            ):
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


def names_in(data: bytes) -> set[str]:
    """Return every PDF name written in data, #-escapes decoded as a reader does."""
    return {
        "/"
        + re.sub(rb"#([0-9A-Fa-f]{2})", lambda hex: bytes.fromhex(hex[1].decode()), name).decode(
            "latin-1"
        )
        for name in PDF_NAME.findall(data)
    }


@contextmanager
def pypdf_repairs():
    """Collect what pypdf reports repairing or guessing while this thread reads a file."""
    logger = logging.getLogger("pypdf")
    logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))
    repairs = []
    thread = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record):
            if record.thread == thread:
                repairs.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield repairs
    finally:
        logger.removeHandler(handler)


def clean_pdf(file) -> bytes:
    """Return the PDF as pypdf read and checked it, or raise ValidationError.

    What is stored is written anew from the objects the check saw, so a viewer
    that reads duplicate keys, a second definition of an object or an object the
    table does not list differently from pypdf finds nothing the check did not.
    Files that pypdf has to repair are refused, and so are the names of active
    content anywhere in the bytes, even where pypdf would not look.
    """
    # Imported here: pypdf adds 20 MB to every worker, and only uploads need it.
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    file.seek(0)
    data = file.read()
    # Compressed data could spell a short name like /JS by chance; objects are outside it.
    objects = PDF_STREAM.sub(b"stream endstream", data)
    try:
        if not ACTIVE_NAMES.isdisjoint(names_in(objects)):
            raise ValidationError(ACTIVE_PDF, code="active")
        with pypdf_repairs() as repairs:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted or len(reader.pages) < 1:
                raise ValidationError(BROKEN_PDF, code="pdf")
            if has_active_content(reader):
                raise ValidationError(ACTIVE_PDF, code="active")
            buffer = io.BytesIO()
            PdfWriter(clone_from=reader).write(buffer)
        headers = PDF_OBJECT_HEADER.findall(objects)
        # Two definitions of an object are an update only where the file was updated.
        defined_twice = len(set(headers)) < len(headers) and data.count(b"startxref") < 2
        if repairs or defined_twice:
            raise ValidationError(REPAIR_PDF, code="repair")
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
    return buffer.getvalue()


# Parts with code, controls or other documents (OLE objects, ActiveX, embedded files).
DOCX_ACTIVE_FOLDERS = ("word/embeddings/", "word/activex/")
# Relationships (the last part of their type) that pull in a template, an object,
# a control, another document or HTML to be run or shown inside Word.
DOCX_ACTIVE_RELATIONSHIPS = {
    "attachedtemplate",
    "oleobject",
    "package",
    "activex",
    "activexcontrol",
    "activexcontrolbinary",
    "control",
    "afchunk",
    "subdocument",
    "frame",
}


# Fields that, when Word updates them, fetch another file, exchange data with a
# program (DDE) or run a macro.
DOCX_ACTIVE_FIELDS = {
    "DDE",
    "DDEAUTO",
    "INCLUDE",
    "INCLUDETEXT",
    "INCLUDEPICTURE",
    "IMPORT",
    "LINK",
    "MACROBUTTON",
}


def local(name: str) -> str:
    """Return an XML tag or attribute name without its namespace (strict or transitional)."""
    return name.rsplit("}", 1)[-1]


def attribute(element, name: str) -> str:
    return next((value for key, value in element.attrib.items() if local(key) == name), "")


def field_instructions(xml: bytes) -> list[str]:
    """Return the instruction of every field in a Word part, split runs joined, nested apart."""
    instructions, open_fields = [], []
    for element in ElementTree.fromstring(xml).iter():
        tag = local(element.tag)
        if tag == "fldSimple":
            instructions.append(attribute(element, "instr"))
        elif tag == "fldChar":
            kind = attribute(element, "fldCharType")
            if kind == "begin":
                open_fields.append("")
            elif kind in ("separate", "end") and open_fields:
                # After "separate" comes the field's result, which is only text.
                if open_fields[-1] is not None:
                    instructions.append(open_fields[-1])
                if kind == "end":
                    open_fields.pop()
                else:
                    open_fields[-1] = None
        elif tag == "instrText":
            if open_fields and open_fields[-1] is not None:
                open_fields[-1] += element.text or ""
            else:
                instructions.append(element.text or "")
    return instructions + [text for text in open_fields if text]


def is_safe_field(instruction: str) -> bool:
    """Return False for a field that loads another file or runs something, or links to a file."""
    kind, rest = (instruction.split(None, 1) + ["", ""])[:2]
    kind, rest = kind.upper(), rest.strip()
    if kind in DOCX_ACTIVE_FIELDS:
        return False
    if kind == "HYPERLINK" and not rest.startswith("\\"):
        # The target comes first, quoted or not; a switch alone (\l) jumps inside the document.
        target = rest[1:].partition('"')[0] if rest.startswith('"') else rest.partition(" ")[0]
        return is_web_link(target)
    return True


def check_relationships(xml: bytes) -> None:
    """Refuse a .rels part that links macros, active parts or, but for web links, other files."""
    for relationship in ElementTree.fromstring(xml).iter():
        if not relationship.tag.endswith("Relationship"):
            continue
        kind = relationship.get("Type", "").rsplit("/", 1)[-1].lower()
        if "vba" in kind:
            raise ValidationError(MACRO_DOCX, code="macros")
        external = relationship.get("TargetMode", "").strip().lower() == "external"
        if kind in DOCX_ACTIVE_RELATIONSHIPS or (
            external and (kind != "hyperlink" or not is_web_link(relationship.get("Target", "")))
        ):
            raise ValidationError(ACTIVE_DOCX, code="active")


def check_docx(file) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            members = {info.filename: info for info in archive.infolist()}
            # Part names are case-insensitive; a name twice is read differently by different
            # programs, so the check might see one part and Word the other.
            if len({name.lower() for name in members}) != len(archive.infolist()):
                raise ValidationError(BROKEN_DOCX, code="docx")
            for info in archive.infolist():
                # Opening reads the local header, which must name the same part.
                archive.open(info).close()
            if "[Content_Types].xml" not in members or "word/document.xml" not in members:
                raise ValidationError(NOT_A_DOCUMENT, code="type")
            if sum(info.file_size for info in members.values()) > DOCX_MAX_UNPACKED:
                raise ValidationError(BROKEN_DOCX, code="docx")
            if members["[Content_Types].xml"].file_size > 2**20:
                raise ValidationError(BROKEN_DOCX, code="docx")
            content_types = archive.read("[Content_Types].xml")
            # Macros under any part name: declared by type or found by name.
            if (
                b"macroenabled" in content_types.lower()
                or b"vbaproject" in content_types.lower()
                or any("vbaproject" in name.lower() for name in members)
            ):
                raise ValidationError(MACRO_DOCX, code="macros")
            if DOCX_MAIN not in content_types:
                raise ValidationError(NOT_A_DOCUMENT, code="type")
            # Part names are case-insensitive in a Word package.
            if any(name.lower().startswith(DOCX_ACTIVE_FOLDERS) for name in members):
                raise ValidationError(ACTIVE_DOCX, code="active")
            for name, info in members.items():
                if name.lower().endswith(".rels"):
                    if info.file_size > 2**20:
                        raise ValidationError(BROKEN_DOCX, code="docx")
                    check_relationships(archive.read(name))
                elif (
                    name.lower().startswith("word/")
                    and name.lower().endswith(".xml")
                    and not all(map(is_safe_field, field_instructions(archive.read(name))))
                ):
                    raise ValidationError(ACTIVE_DOCX, code="active")
    except ValidationError:
        raise
    except (
        ElementTree.ParseError,
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
        clean_pdf(file) if kind == "pdf" else check_docx(file)
    finally:
        file.seek(0)


def stored_document(file):
    """Return what to store of a checked upload: a PDF as rewritten by its check."""
    if document_kind(file) != "pdf":
        return file
    cleaned = clean_pdf(file)
    file.seek(0)
    return ContentFile(cleaned, name=file.name)
