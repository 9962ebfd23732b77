"""Values read once per request (office/per_request.py): addresses, dates, the generation."""

import datetime

import pytest

from office import per_request
from tests.kit.factories import make_release

pytestmark = pytest.mark.django_db


def counter():
    calls = []

    def compute():
        calls.append(None)
        return len(calls)

    return compute


def test_a_value_is_computed_once_a_request_and_afresh_outside_requests():
    compute = counter()

    per_request.start()
    first = [per_request.per_request("zahl", compute) for _ in range(3)]
    per_request.end()
    per_request.start()
    second = per_request.per_request("zahl", compute)
    per_request.forget("zahl")
    forgotten = per_request.per_request("zahl", compute)
    per_request.end()
    outside = [per_request.per_request("zahl", compute) for _ in range(2)]

    assert (first, second, forgotten, outside) == ([1, 1, 1], 2, 3, [4, 5])


def test_each_request_formats_dates_in_its_own_time_zone(client, settings):
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    make_release(publish_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    berlin = client.get("/pressemitteilungen/").content.decode()
    settings.TIME_ZONE = "UTC"
    utc = client.get("/pressemitteilungen/").content.decode()

    assert "2. März 2026" in berlin and "1. März 2026" not in berlin
    assert "1. März 2026" in utc and "2. März 2026" not in utc
