"""parsers.dates: the formats pages print, the precision kept, and the plausibility bounds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from parsers.dates import is_plausible, parse_date, to_iso

NOW = datetime(2025, 4, 10, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "raw, expected",
    [
        # ISO 8601 and relatives
        ("2025-03-28T18:10:00-06:00", "2025-03-28T18:10:00-06:00"),
        ("2025-03-28T18:10:00.000Z", "2025-03-28T18:10:00+00:00"),
        ("2025-03-28T18:10:00+0100", "2025-03-28T18:10:00+01:00"),
        ("2025-03-28 18:10", "2025-03-28T18:10:00"),
        ("2025/03/28", "2025-03-28"),
        ("20250328T181000Z", "2025-03-28T18:10:00+00:00"),
        # epoch seconds and milliseconds
        ("1743185400", "2025-03-28T18:10:00+00:00"),
        ("1743185400000", "2025-03-28T18:10:00+00:00"),
        # RFC 2822
        ("Fri, 28 Mar 2025 18:10:00 -0600", "2025-03-28T18:10:00-06:00"),
        # words, English
        ("March 28, 2025", "2025-03-28"),
        ("Mar. 28, 2025 6:10 p.m. EDT", "2025-03-28T18:10:00-04:00"),
        ("Published 3:34 PM ET Tue, 19 Nov 2019", "2019-11-19T15:34:00-05:00"),
        ("Friday 28 March 2025 18.10 GMT", "2025-03-28T18:10:00+00:00"),
        # words, Spanish, French, German, Portuguese
        ("28 de marzo de 2025, 18:10 hrs", "2025-03-28T18:10:00"),
        ("Viernes 28 de marzo de 2025", "2025-03-28"),
        ("le 28 mars 2025 à 18:10", "2025-03-28T18:10:00"),
        ("28. März 2025", "2025-03-28"),
        ("28 de março de 2025", "2025-03-28"),
        # numeric, only when unambiguous
        ("28/03/2025", "2025-03-28"),
        ("03/28/2025", "2025-03-28"),
    ],
)
def test_formats(raw: str, expected: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None, raw
    assert parsed.iso() == expected


def test_eastern_time_follows_daylight_saving() -> None:
    assert parse_date("January 15, 2025 9:00 AM ET").iso() == "2025-01-15T09:00:00-05:00"
    assert parse_date("March 28, 2025 9:00 AM ET").iso() == "2025-03-28T09:00:00-04:00"


@pytest.mark.parametrize("raw", ["04/03/2025", "", "yesterday", "no date here", "2025-13-45", "Noem 2025"])
def test_unparseable_or_ambiguous(raw: str) -> None:
    assert parse_date(raw) is None


def test_precision_is_never_invented() -> None:
    day = parse_date("2025-03-28")
    local = parse_date("2025-03-28 18:10")
    instant = parse_date("2025-03-28T18:10:00-06:00")
    assert (day.precision, local.precision, instant.precision) == (0, 1, 2)
    assert "T" not in day.iso()
    assert "+" not in local.iso() and "-06" not in local.iso()


def test_future_dates_are_rejected() -> None:
    assert to_iso("2025-04-11T00:00:00+00:00", NOW) is None
    assert to_iso("2025-04-10T12:05:00+00:00", NOW) is not None  # within clock skew
    assert to_iso("2025-04-10", NOW) == "2025-04-10"
    assert to_iso("2025-04-12", NOW) is None
    # a zone-less time is only "future" if it is later even at UTC+14
    assert to_iso("2025-04-11 01:00", NOW) == "2025-04-11T01:00:00"
    assert to_iso("2025-04-11 03:00", NOW) is None


def test_template_defaults_are_rejected() -> None:
    assert to_iso("1970-01-01T00:00:00Z", NOW) is None
    assert to_iso("0001-01-01", NOW) is None
    assert not is_plausible(parse_date("1989-12-31"), NOW)
