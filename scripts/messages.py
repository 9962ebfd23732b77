"""Refresh the German catalogue, locale/de/LC_MESSAGES/django.po and .mo, from the code.

Run as `make messages`. German is the source language: every msgid is the German text
the code or a template writes, and its msgstr is what the site shows for it today (the
msgid itself, or Django's own German for the few English msgids of the admin overrides).
A msgstr someone has edited in the .po stays as it is.

One extractor for everything, Babel's: Python as it is, the Jinja2 templates through
Jinja2's own extractor, and the admin's Django templates through Django's templatize(),
which is what `makemessages` feeds to xgettext. `makemessages` itself cannot read Jinja2.

`--output DIR` writes the catalogue under DIR instead (the test compares it with the
committed one).
"""

import argparse
import io
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")

import django  # noqa: E402
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file, extract_python  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

CATALOGUE = Path("locale", "de", "LC_MESSAGES", "django.po")
APPS = ("office", "releases", "events")
# Django's lazy and no-op variants, as `makemessages` knows them.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
HEADER = """\
# Plenum's texts in German, the language the code writes them in: a msgstr is its
# msgid unless someone has edited it here. Refresh with `make messages`."""
JINJA2 = "jinja2.ext:babel_extract"
JINJA2_OPTIONS = {"newstyle_gettext": "true", "silent": "false"}


def extract_django(fileobj, keywords, comment_tags, options):
    """Extract from a Django template: templatize() turns it into gettext() calls."""
    from django.utils.translation.template import templatize

    # Python-like, not Python: xgettext forgives its indentation, Python's tokenizer does not.
    source = "\n".join(line.lstrip() for line in templatize(fileobj.read().decode()).split("\n"))
    yield from extract_python(io.BytesIO(source.encode()), keywords, comment_tags, options)


def sources():
    """Yield (path, method, options) for every file that holds texts, in a stable order."""
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            # Migrations repeat the models' texts.
            if "migrations" not in path.relative_to(BASE_DIR).parts:
                yield path, "python", {}
        for path in sorted((BASE_DIR / app / "templates").rglob("*.html")):
            yield path, extract_django, {}
    for path in sorted((BASE_DIR / "templates").rglob("*")):
        if path.suffix in {".html", ".xml"}:
            yield path, JINJA2, JINJA2_OPTIONS


def extract():
    """Return a catalogue of every text in the code, without translations."""
    catalog = Catalog(
        locale="de",
        domain="django",
        header_comment=HEADER,
        project="Plenum",
        version="1",
        copyright_holder="Plenum",
        last_translator="Plenum",
        language_team="Deutsch",
        fuzzy=False,
    )
    for path, method, options in sources():
        location = path.relative_to(BASE_DIR).as_posix()
        for lineno, message, comments, context in extract_from_file(
            method, path, keywords=KEYWORDS, options=options
        ):
            catalog.add(
                message, None, [(location, lineno)], auto_comments=comments, context=context
            )
    return catalog


def current_german(message):
    """Return what the site shows for the message today."""
    from django.utils import translation

    with translation.override("de"):
        if isinstance(message.id, tuple):
            singular, plural = message.id
            if message.context:
                return tuple(
                    translation.npgettext(message.context, singular, plural, n) for n in (1, 2)
                )
            return tuple(translation.ngettext(singular, plural, n) for n in (1, 2))
        if message.context:
            return translation.pgettext(message.context, message.id)
        return translation.gettext(message.id)


def refresh(output):
    django.setup()
    catalog = extract()
    committed = BASE_DIR / CATALOGUE
    if committed.exists():
        with committed.open("rb") as file:
            previous = read_po(file, locale="de", domain="django")
        catalog.creation_date = previous.creation_date
        catalog.revision_date = previous.revision_date
    else:
        previous = Catalog(locale="de")
        catalog.revision_date = catalog.creation_date
    for message in catalog:
        if not message.id:
            continue
        kept = previous.get(message.id, message.context)
        message.string = kept.string if kept and kept.string else current_german(message)
    path = output / CATALOGUE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        # Without source lines: they moved with every edit of the code around a text.
        write_po(file, catalog, width=100, sort_output=True, no_location=True)
    with path.with_suffix(".mo").open("wb") as file:
        write_mo(file, catalog)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BASE_DIR, help="folder to write locale/ in")
    path = refresh(parser.parse_args().output)
    print(f"{path} und {path.with_suffix('.mo').name} geschrieben.")


if __name__ == "__main__":
    main()
