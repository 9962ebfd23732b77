"""Dates on public pages are in the site's time zone, read per request."""

import datetime

import pytest

from tests.kit.factories import make_release

pytestmark = pytest.mark.django_db


def test_each_request_formats_dates_in_its_own_time_zone(client, settings):
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    make_release(publish_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    berlin = client.get("/pressemitteilungen/").content.decode()
    settings.TIME_ZONE = "UTC"
    utc = client.get("/pressemitteilungen/").content.decode()

    assert "2. März 2026" in berlin and "1. März 2026" not in berlin
    assert "1. März 2026" in utc and "2. März 2026" not in utc
