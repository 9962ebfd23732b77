"""Versions of content: a number that moves on every save, kept history, readable diffs."""

import difflib
import re
from html.parser import HTMLParser

from django.db import models
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from office.media.richtext import RichTextField


class Versioned(models.Model):
    """Content whose every save moves a version number on, so a stale form can tell."""

    version = models.PositiveIntegerField(_("Version"), default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Saves from commands and the shell count too: a form loaded before them is stale.
        self.version += 1
        if (update_fields := kwargs.get("update_fields")) is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    def claim_version(self, expected):
        """Lock the row for this save if it is still at `expected`; return False if not.

        The UPDATE holds the row (PostgreSQL) or the database (SQLite) until the
        surrounding transaction ends, so a concurrent save of the same version
        waits and then finds the number moved on.
        """
        rows = type(self)._base_manager.filter(pk=self.pk, version=expected)
        return rows.update(version=expected) == 1


def history(model_label):
    """Return the history field for a content model, with German names."""
    return HistoricalRecords(
        verbose_name=format_lazy(_("Version: {}"), model_label),
        verbose_name_plural=format_lazy(_("Versionen: {}"), model_label),
    )


class EditConflict(Exception):
    """The stored version moved on between the form's check and its save."""


# Elements that start a new line when a rich text is read as plain text.
BLOCK_ELEMENTS = {"p", "h2", "h3", "h4", "li", "blockquote", "tr", "br", "ul", "ol", "table"}
# Table cells stand apart by a space; inline markup (<strong>, <a>) joins its text.
CELL_ELEMENTS = {"td", "th"}


def _separator(tag):
    return "\n" if tag in BLOCK_ELEMENTS else " " if tag in CELL_ELEMENTS else ""


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        self.parts.append(_separator(tag))
        # A photo of the library has no words of its own: its number stands for it.
        if tag == "figure" and (number := dict(attrs).get("data-image")):
            self.parts.append(f"\n{_('[Foto %(number)s]') % {'number': number}}\n")

    def handle_endtag(self, tag):
        self.parts.append(_separator(tag))

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html):
    """Return the words of sanitized HTML, one line per paragraph, without any markup."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


_TOKENS = re.compile(r"\n|[^\s]+")


def word_diff(old, new):
    """Return HTML marking the words between two plain texts as <del>/<ins>, all escaped."""
    old_words = _TOKENS.findall(old or "")
    new_words = _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    out = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(_words(new_words[b1:b2]))
            continue
        if a2 > a1:
            out.append(f"<del>{_words(old_words[a1:a2])}</del>")
        if b2 > b1:
            out.append(f"<ins>{_words(new_words[b1:b2])}</ins>")
    return mark_safe(" ".join(part for part in out if part))  # noqa: S308 (every word escaped)


def _words(tokens):
    text = " ".join(escape(token) if token != "\n" else "<br>" for token in tokens)
    return text.replace(" <br> ", "<br>").replace("<br> ", "<br>").replace(" <br>", "<br>")


# Bookkeeping that changes on every save and says nothing about the content.
UNTRACKED = {"id", "version", "created_at", "updated_at"}


def as_text(field, value):
    """Return a field's value as the plain text an editor compares."""
    if value is None:
        return ""
    if isinstance(field, RichTextField):
        return html_to_text(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    return "\n".join(line for line in lines if line)


def changed_fields(model, old, new):
    """Return the labels of the content fields that differ between two versions."""
    fields = [f for f in model._meta.concrete_fields if f.name not in UNTRACKED]
    if old is None:
        return []
    return [f.verbose_name for f in fields if getattr(old, f.attname) != getattr(new, f.attname)]


def field_diffs(model, old, new, names):
    """Return (label, diff HTML) for each named field that differs between two versions.

    `old` and `new` are model instances or historical records; `old` is None for
    the first version, whose text then counts as inserted.
    """
    diffs = []
    for name in names:
        field = model._meta.get_field(name)
        before = as_text(field, getattr(old, field.attname)) if old is not None else ""
        after = as_text(field, getattr(new, field.attname))
        if before != after:
            diffs.append((field.verbose_name, word_diff(before, after)))
    return diffs
