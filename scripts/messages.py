"""Refresh the German catalogue, locale/de/LC_MESSAGES/django.po and .mo, from the code.

Run as `make messages`. German is the source language: every msgid is the German text
the code or a template writes, and its msgstr is what the site shows for it today (the
msgid itself, or Django's own German for the few English msgids of the admin overrides).
A msgstr someone has edited in the .po stays as it is.

One extractor for everything, Babel's: Python as it is, the Jinja2 templates through
Jinja2's own extractor, and the admin's Django templates through Django's templatize(),
which is what `makemessages` feeds to xgettext. `makemessages` itself cannot read Jinja2.

The admin also shows texts of Django and of the editor whose own German catalogue
lacks them (Django 6.1's newest texts, the editor's toolbar labels): the catalogue takes
them in too, English msgid, German msgstr written here by hand, and keeps them; a
new one arrives with its English msgstr until someone writes the German
(tests/test_translation.py fails on it). The admin's scripts (domain djangojs) get
locale/de/LC_MESSAGES/djangojs.po the same way, extracted from static/admin_plenum/.

`--output DIR` writes the catalogues under DIR instead (the test compares them with the
committed ones).
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
SCRIPT_CATALOGUE = CATALOGUE.with_name("djangojs.po")
# Packages whose texts the admin shows and whose source catalogue (locale/en) says
# which texts there are; their German catalogue may lag behind a release.
BORROWED = ("django.conf", "django.contrib.admin", "django.contrib.auth")
APPS = ("office", "releases", "events", "distribution")
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


def script_sources():
    """Yield (path, method, options) for the admin's own scripts."""
    for path in sorted((BASE_DIR / "static" / "admin_plenum").glob("*.js")):
        yield path, "javascript", {}


def borrowed_gaps(domain):
    """Yield the msgids of Django's admin catalogues that have no German there."""
    import importlib

    for package in BORROWED:
        locale = Path(importlib.import_module(package).__file__).parent / "locale"
        source, german = (locale / lang / "LC_MESSAGES" / f"{domain}.po" for lang in ("en", "de"))
        if not source.exists():
            continue
        with source.open("rb") as file, german.open("rb") as other:
            english, translated = read_po(file), read_po(other)
        for message in english:
            known = translated.get(message.id, message.context)
            strings = known.string if known else ""
            if message.id and (
                not known or known.fuzzy or not all(strings if known.pluralizable else [strings])
            ):
                yield message


def extract(domain="django"):
    """Return a catalogue of every text in the code, without translations."""
    catalog = Catalog(
        locale="de",
        domain=domain,
        header_comment=HEADER,
        project="Plenum",
        version="1",
        copyright_holder="Plenum",
        last_translator="Plenum",
        language_team="Deutsch",
        fuzzy=False,
    )
    for path, method, options in sources() if domain == "django" else script_sources():
        location = path.relative_to(BASE_DIR).as_posix()
        for lineno, message, comments, context in extract_from_file(
            method, path, keywords=KEYWORDS, options=options
        ):
            catalog.add(
                message, None, [(location, lineno)], auto_comments=comments, context=context
            )
    for message in borrowed_gaps(domain):
        catalog.add(message.id, None, context=message.context)
    return catalog


def current_german(message, domain="django"):
    """Return what the site shows for the message today."""
    from django.utils import translation

    if domain != "django":
        catalog = translation.trans_real.DjangoTranslation("de", domain=domain)
        if isinstance(message.id, tuple):
            return tuple(catalog.ngettext(*message.id, n) for n in (1, 2))
        return catalog.gettext(message.id)
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


def refresh(output, target=CATALOGUE):
    domain = target.stem
    catalog = extract(domain)
    committed = BASE_DIR / target
    if committed.exists():
        with committed.open("rb") as file:
            previous = read_po(file, locale="de", domain=domain)
        catalog.creation_date = previous.creation_date
        catalog.revision_date = previous.revision_date
    else:
        previous = Catalog(locale="de")
        catalog.revision_date = catalog.creation_date
    for message in catalog:
        if not message.id:
            continue
        kept = previous.get(message.id, message.context)
        message.string = kept.string if kept and kept.string else current_german(message, domain)
    path = output / target
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
    django.setup()
    for target in (CATALOGUE, SCRIPT_CATALOGUE):
        path = refresh(parser.parse_args().output, target)
        print(f"{path} und {path.with_suffix('.mo').name} geschrieben.")


if __name__ == "__main__":
    main()
