"""The recheck schedule and conditional-request validators, on the tiny story."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from parsers.records import FetchResult
from tests.warehouse import tiny_story
from warehouse import load
from warehouse.recheck import due_for_recheck, recheck_interval, validators


@pytest.fixture()
def con():
    c = tiny_story.build()
    yield c
    c.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_the_interval_decays_with_age():
    assert recheck_interval(timedelta(hours=3)) == timedelta(hours=1)
    assert recheck_interval(timedelta(days=3)) == timedelta(hours=6)
    assert recheck_interval(timedelta(days=20)) == timedelta(days=1)
    assert recheck_interval(timedelta(days=60)) == timedelta(days=7)
    assert recheck_interval(timedelta(days=120)) is None


def test_due_articles(con):
    # every relevant article was last fetched 2025-03-31 12:00 and is 1-3 days old: every 6 hours
    assert due_for_recheck(con, at("2025-03-31T12:30:00")) == []
    due = due_for_recheck(con, at("2025-03-31T19:00:00"), topic_id="tiny")
    assert {u for _, u in due} == {tiny_story.URLS[k] for k in ("alpha", "beta", "gamma", "zeta")}
    # Zeta (published 31 March 10:00) is under a day old at 31 March 13:30: hourly
    assert due_for_recheck(con, at("2025-03-31T13:30:00")) == [("tiny", tiny_story.URLS["zeta"])]
    assert len(due_for_recheck(con, at("2025-03-31T19:00:00"), limit=2)) == 2
    assert due_for_recheck(con, at("2025-09-01T00:00:00")) == []  # too old to recheck


def test_validators_come_from_the_latest_successful_fetch(con):
    url = tiny_story.URLS["alpha"]
    load.load_fetches(con, [
        FetchResult(url=url, final_url=url, status="ok", fetched_at="2025-04-01T00:00:00+00:00",
                    http_status=200, via="http", etag='"v2"', last_modified="Tue, 01 Apr 2025 00:00:00 GMT"),
        FetchResult(url=url, final_url=url, status="timeout", fetched_at="2025-04-02T00:00:00+00:00", via="http"),
    ])
    assert validators(con, [url, "https://nowhere.example/x"]) == {url: ('"v2"', "Tue, 01 Apr 2025 00:00:00 GMT")}
