"""The main public queries read indexes: EXPLAIN shows no full scan of releases or events.

The data is seedbench's, 300 releases. On PostgreSQL sequential scans are
switched off for the test's transaction, so the planner picks a usable index
even for so few rows, while a query that has none still shows "Seq Scan on
releases_release". SQLite plans without statistics, so its EXPLAIN QUERY PLAN
shows the index it would use at any size. bench/run prints the plans at 10,000.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from office.models import Quote, Statistic
from office.publishing import next_change
from office.site.paging import DeferredJoinPaginator
from releases.models import Release, Topic
from releases.sitemaps import ReleaseSitemap

pytestmark = pytest.mark.django_db

LOOKUP_COLUMN = {
    "sqlite": re.compile(r"(\w+)(?:=|<|>|<=|>=)\?"),
    # ((status)::text = 'published'::text) AND (publish_at <= '2026-...'::timestamp ...)
    "postgresql": re.compile(r"\(*(\w+)\)?(?:::\w+)? (?:=|<|>|<=|>=) "),
}


@pytest.fixture(autouse=True)
def _no_sequential_scans(db):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            # Likewise a sort of a few rows, so a plan sorts only when no index gives the order.
            cursor.execute("SET LOCAL enable_sort = off")


@pytest.fixture
def content():
    """Releases and events as seedbench makes them: categories, topics, drafts, embargoes."""
    call_command("seedbench", "--releases", "300", "--events", "40", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        # Statistics, as autovacuum keeps them in use: a slug matches one row, a
        # category an eighth of the releases.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE releases_release, releases_release_topics, events_event")
    release = Release.objects.published().select_related("category").first()
    return {"category": release.category, "topic": Topic.objects.filter(releases=release)[0]}


def full_scans(plan, table):
    """Return the plan lines that read every row of table."""
    if connection.vendor == "postgresql":
        pattern = rf"Seq Scan on {table}\b"
    else:
        # "SCAN t USING [COVERING] INDEX i" walks an index in order; a bare SCAN reads the table.
        pattern = rf"\bSCAN {table}\b(?! USING (?:COVERING )?INDEX)"
    return [line.strip() for line in plan.splitlines() if re.search(pattern, line)]


def index_lookups(plan, table):
    """Return, per index read of table, the set of columns the index is searched by."""
    lines = plan.splitlines()
    conditions = []
    if connection.vendor == "sqlite":
        # 6 0 0 SEARCH releases_release USING INDEX release_published_idx (status=? AND ...)
        pattern = rf"\bSEARCH {table} USING (?:COVERING )?INDEX \w+ \((.*)\)$"
        conditions = [m[1] for line in lines if (m := re.search(pattern, line))]
    else:
        # An index scan of table, then its "Index Cond:" a level deeper (for a bitmap
        # heap scan, in its "Bitmap Index Scan" child).
        scan = rf"(?:Index Scan|Index Only Scan|Bitmap Heap Scan)\b.* on {table}\b"
        for number, line in enumerate(lines):
            if not re.search(scan, line):
                continue
            depth = len(line) - len(line.lstrip())
            for child in lines[number + 1 :]:
                if len(child) - len(child.lstrip()) <= depth:
                    break
                if child.strip().startswith("Index Cond:"):
                    conditions.append(child.split("Index Cond:", 1)[1])
                    break
    return [set(LOOKUP_COLUMN[connection.vendor].findall(c)) for c in conditions]


def sorts(plan):
    """Return the plan lines that sort rows after reading them."""
    word = "Sort" if connection.vendor == "postgresql" else "TEMP B-TREE"
    return [line.strip() for line in plan.splitlines() if word in line]


def test_release_list_reads_newest_published_from_the_index_without_sorting(content):
    plan = Release.objects.published().select_related("category")[:10].explain()

    assert full_scans(plan, "releases_release") == []
    assert index_lookups(plan, "releases_release") == [{"status", "publish_at"}]
    assert sorts(plan) == []


INDEX_ONLY = {
    "postgresql": "Index Only Scan using {}",
    "sqlite": "USING COVERING INDEX {}",
}


def test_deep_release_page_skips_over_the_index_then_reads_its_rows_by_id(content):
    releases = Release.objects.published().select_related("category")
    page = DeferredJoinPaginator(releases, 10).page(25)

    plan = page.object_list.explain()

    assert full_scans(plan, "releases_release") == []
    # The rows skipped are read from the index alone, not from the table.
    assert INDEX_ONLY[connection.vendor].format("release_published_idx") in plan


def test_sitemap_reads_the_latest_change_of_releases_from_the_index_alone(content):
    with CaptureQueriesContext(connection) as queries:
        ReleaseSitemap().get_latest_lastmod()
    (aggregate,) = queries.captured_queries

    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN"
        if connection.vendor == "postgresql":
            # A table written in this transaction has no page all-visible yet, so the
            # planner costs an index-only scan as reading the rows too; it runs
            # index-only once vacuum has seen them (bench/run's plans).
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            prefix = "EXPLAIN"
        cursor.execute(f"{prefix} {aggregate['sql']}")
        plan = "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())

    # Every published release is read for its time of change: from the index, not the rows.
    assert INDEX_ONLY[connection.vendor].format("release_published_idx") in plan


def test_category_archive_reads_the_category_index_without_sorting(content):
    releases = Release.objects.published().select_related("category")
    plan = releases.filter(category=content["category"])[:10].explain()

    assert full_scans(plan, "releases_release") == []
    assert index_lookups(plan, "releases_release") == [{"category_id", "status", "publish_at"}]
    assert sorts(plan) == []


def test_topic_archive_reads_indexes_of_releases_and_their_topics(content):
    releases = Release.objects.published().select_related("category")
    plan = releases.filter(topics=content["topic"])[:10].explain()

    assert full_scans(plan, "releases_release") == []
    assert full_scans(plan, "releases_release_topics") == []
    assert len(index_lookups(plan, "releases_release")) == 1
    assert len(index_lookups(plan, "releases_release_topics")) == 1


def test_year_archive_reads_a_range_of_the_published_index(content):
    # As the view asks: a BETWEEN of the year's first and last moment in local time.
    releases = Release.objects.published().filter(publish_at__year=timezone.localdate().year - 1)

    plan = releases.explain()

    assert full_scans(plan, "releases_release") == []
    assert index_lookups(plan, "releases_release") == [{"status", "publish_at"}]


def test_release_slug_lookup_reads_the_slug_index(content):
    slug = Release.objects.published().first().slug

    # As get() sends it, without ORDER BY.
    plan = Release.objects.published().filter(slug=slug).order_by().explain()

    assert full_scans(plan, "releases_release") == []
    assert index_lookups(plan, "releases_release") == [{"slug"}]


def test_event_slug_lookup_reads_the_slug_index(content):
    slug = Event.objects.published().first().slug

    # As get() sends it, without ORDER BY.
    plan = Event.objects.published().filter(slug=slug).order_by().explain()

    assert full_scans(plan, "events_event") == []
    assert index_lookups(plan, "events_event") == [{"slug"}]


def test_upcoming_events_read_an_index(content):
    plan = Event.objects.published().upcoming()[:20].explain()

    assert full_scans(plan, "events_event") == []
    assert len(index_lookups(plan, "events_event")) == 1


def test_past_events_read_an_index(content):
    plan = Event.objects.published().past()[:20].explain()

    assert full_scans(plan, "events_event") == []
    assert len(index_lookups(plan, "events_event")) == 1


@pytest.mark.parametrize("model", [Quote, Statistic])
def test_public_quotes_and_figures_read_no_release_table_in_full(content, model):
    plan = model.objects.published()[:4].explain()

    assert full_scans(plan, "releases_release") == []
    if connection.vendor == "sqlite":
        # A subquery run per item: without statistics SQLite drove it from all
        # public releases, two seconds per home page at 10,000 releases.
        assert "CORRELATED" not in plan


def test_the_next_scheduled_change_is_found_in_the_published_index(content):
    """Computed after every edit by the first request of each worker, it must not read all."""
    with CaptureQueriesContext(connection) as queries:
        next_change(timezone.now())
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    plans = []
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(explain + query["sql"])
            plans.append("\n".join(" ".join(map(str, row)) for row in cursor.fetchall()))
    releases = [
        plan
        for query, plan in zip(queries, plans, strict=True)
        if "releases_release" in query["sql"]
    ]

    # An embargo's end, an exit from the news sitemap, an event's publication and end.
    assert len(plans) == 4
    assert len(releases) == 2
    for plan in releases:
        assert full_scans(plan, "releases_release") == []
        assert sorts(plan) == []
        assert index_lookups(plan, "releases_release") == [{"status", "publish_at"}]
