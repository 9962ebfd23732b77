"""Site search: German full-text search on PostgreSQL, a plain word matcher on SQLite.

Both backends take the same cleaned query and return querysets of published
items with `rank` and `snippet` annotations, best match first.
"""

import html
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

import nh3
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

CONFIG = "german"


# PostgreSQL reads a stored, weighted vector per row (title weighs more than lead,
# lead more than body): office/migrations/0007_search_vectors.py adds the column,
# its GIN index and the trigger that keeps it current. It is not a model field.
def stored_vector(model):
    table = connection.ops.quote_name(model._meta.db_table)
    return RawSQL(f"{table}.search_vector", (), output_field=SearchVectorField())


# What a result's excerpt is cut from; tags in the body are dropped from it.
RELEASE_TEXT = Concat("lead", Value(" "), "body", output_field=TextField())
EVENT_TEXT = Concat("venue_name", Value(". "), "description", output_field=TextField())


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def full_text(queryset, q, snippet_field):
    query = SearchQuery(q, config=CONFIG, search_type="websearch")
    document = stored_vector(queryset.model)
    return (
        queryset.alias(document=document)
        .filter(document=query)
        .annotate(
            rank=SearchRank(document, query),
            snippet=SearchHeadline(
                snippet_field,
                query,
                config=CONFIG,
                start_sel="<mark>",
                stop_sel="</mark>",
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
    )


GERMAN_ENDINGS = ("ern", "en", "er", "es", "em", "e", "s", "n")


def stem(word: str) -> str:
    """Cut one German inflection ending, so "Innovationen" also finds "Innovation"."""
    for ending in GERMAN_ENDINGS:
        if word.lower().endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def word_match(queryset, fields, q, snippet_field):
    words = [stem(word) for word in q.split()]
    for word in words:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    # Without a ranking function, a hit in the first field (the title) ranks first.
    title_hit = ExpressionWrapper(
        reduce(or_, (Q(**{f"{fields[0]}__icontains": word}) for word in words)),
        output_field=BooleanField(),
    )
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    return (
        queryset.alias(title_hit=title_hit)
        .annotate(rank=Value(0.0), snippet=snippet_field)
        .order_by(F("title_hit").desc(), *ordering)
    )


def search(queryset, fields, q, snippet_field):
    if uses_full_text():
        return full_text(queryset, q, snippet_field).order_by(
            "-rank", *queryset.query.order_by or queryset.model._meta.ordering
        )
    return word_match(queryset, fields, q, snippet_field)


SNIPPET_CHARACTERS = 240


WORD = re.compile(r"\w+")


def stem_pattern(q: str) -> re.Pattern | None:
    stems = sorted({stem(word) for word in WORD.findall(q)}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile("|".join(re.escape(stem) for stem in stems), re.IGNORECASE)


def matched_words(text: str, q: str):
    """Yield each whole word of the text that search matched with a word of the query."""
    pattern = stem_pattern(q)
    if pattern is None:
        return
    # Full text search matches a word by its stem, so a word counts where it begins
    # with one; the word matcher finds a stem anywhere in a word.
    test = pattern.match if uses_full_text() else pattern.search
    for word in WORD.finditer(text):
        if test(word[0]):
            yield word


def mark_words(text: str, q) -> str:
    """Return the text escaped, as safe HTML, with each word the query matched in <mark>."""
    parts, position = [], 0
    for word in matched_words(text, q or ""):
        parts += [escape(text[position : word.start()]), "<mark>", escape(word[0]), "</mark>"]
        position = word.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped)


def highlight(snippet: str, q: str) -> str:
    """Return a short excerpt around the first match as safe HTML with only <mark> in it.

    PostgreSQL's headline is already the excerpt, unescaped, with whole words in
    <mark>; the word matcher hands over the whole text, cut and marked here.
    """
    if uses_full_text():
        return mark_safe(nh3.clean(snippet, tags={"mark"}, attributes={}))
    text = " ".join(html.unescape(strip_tags(snippet)).split())
    first = next(matched_words(text, q), None)
    start = max(0, first.start() - SNIPPET_CHARACTERS // 3) if first else 0
    excerpt = text[start : start + SNIPPET_CHARACTERS]
    if start:
        excerpt = "… " + excerpt.partition(" ")[2]
    if start + SNIPPET_CHARACTERS < len(text):
        excerpt = excerpt.rpartition(" ")[0] + " …"
    return mark_words(excerpt, q)


@dataclass
class Section:
    key: str
    label: str
    results: object  # a queryset with rank and snippet


def search_site(q: str, kind: str = "", category=None, year: int | None = None) -> list[Section]:
    """Return the sections to search: all four, or the one asked for; category and year filter."""
    from events.models import Event
    from office.models import Quote, Statistic
    from releases.models import Release

    # Hits show as teasers; the body goes into the excerpt only.
    releases = Release.objects.published().teasers()
    events = Event.objects.published().teasers().order_by("-starts_at", "-pk")
    quotes = Quote.objects.published().select_related("person")
    figures = Statistic.objects.published()
    if year:
        releases = releases.filter(publish_at__year=year)
        events = events.filter(starts_at__year=year)
        quotes = quotes.filter(said_on__year=year)
        figures = figures.filter(source_year=year)
    sections = [
        Section(
            "pressemitteilungen",
            _("Pressemitteilungen"),
            search(releases, ("title", "lead", "body"), q, RELEASE_TEXT),
        ),
        Section(
            "termine",
            _("Termine"),
            search(events, ("title", "venue_name", "description"), q, EVENT_TEXT),
        ),
        Section("zitate", _("Zitate"), search(quotes, ("text", "context"), q, F("text"))),
        Section(
            "zahlen",
            _("Zahlen"),
            search(figures, ("label", "source_name", "source_title"), q, F("label")),
        ),
    ]
    if category is not None:
        # Only releases have a category; a category filter narrows the search to them.
        sections = [sections[0]]
        sections[0].results = sections[0].results.filter(category=category)
    if kind:
        sections = [section for section in sections if section.key == kind]
    return sections
