"""parsers.gdelt: API URLs, slices, article lists, refusals."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from parsers.gdelt import (
    GdeltError,
    gdelt_language,
    gdelt_url,
    parse_gdelt,
    parse_seendate,
    window_slices,
)
from tests.discovery.conftest import fixture_bytes

WHEN = "2025-04-01T12:00:00+00:00"
API = "https://api.gdeltproject.org/api/v2/doc/doc?query=Noem%20Sheinbaum"
UTC = timezone.utc


def test_url_has_the_documented_parameters() -> None:
    url = gdelt_url("Noem Sheinbaum sourcelang:spanish", datetime(2025, 3, 20, tzinfo=UTC), datetime(2025, 3, 27, 6, 30, tzinfo=UTC))
    assert url == (
        "https://api.gdeltproject.org/api/v2/doc/doc?query=Noem%20Sheinbaum%20sourcelang:spanish"
        "&mode=artlist&format=json&maxrecords=250&startdatetime=20250320000000&enddatetime=20250327063000&sort=datedesc"
    )


def test_url_converts_to_utc_and_checks_its_arguments() -> None:
    cdmx = timezone(timedelta(hours=-6))
    url = gdelt_url("Noem", datetime(2025, 3, 28, 18, 0, tzinfo=cdmx), datetime(2025, 3, 29, 12), 50, base="http://127.0.0.1:9/doc")
    assert url.startswith("http://127.0.0.1:9/doc?query=Noem&")
    assert "startdatetime=20250329000000" in url and "enddatetime=20250329120000" in url
    assert "maxrecords=50" in url
    with pytest.raises(ValueError, match="1 to 250"):
        gdelt_url("Noem", datetime(2025, 3, 1), datetime(2025, 3, 2), 251)
    with pytest.raises(ValueError, match="before it starts"):
        gdelt_url("Noem", datetime(2025, 3, 2), datetime(2025, 3, 1))
    with pytest.raises(ValueError, match="needs search terms"):
        gdelt_url(" ", datetime(2025, 3, 1), datetime(2025, 3, 2))


def test_window_slices_are_contiguous_and_clipped() -> None:
    start = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
    end = datetime(2025, 4, 30, 23, 59, 59, tzinfo=UTC)
    slices = window_slices(start, end, 7)
    assert slices[0][0] == start
    assert slices[-1][1] == end
    for (a, b), (c, d) in zip(slices, slices[1:]):
        assert b == c and b > a
    assert all(b - a <= timedelta(days=7) for a, b in slices)
    assert len(slices) == 6


def test_parse_article_list() -> None:
    items = parse_gdelt(fixture_bytes("gdelt_artlist.json"), API, discovered_at=WHEN, source="gdelt:q")
    assert [d.url for d in items] == [
        "https://www.northernledger.example/world/2025/03/28/noem-sheinbaum-meeting",
        "https://www.northernledger.example/nacional/2025/03/28/noem-visita?utm_source=gdelt&utm_medium=api",
        "https://www.offbeatwire.example/2025/03/29/noem-latin-america-tour",
        "https://www.northernledger.example/world/2025/05/12/a-later-story",
    ]  # the ftp:// entry is skipped
    es = items[1]
    assert es.source_kind == "gdelt" and es.source == "gdelt:q"
    assert es.title == "Noem visita Palacio Nacional & pide datos biométricos"
    assert es.source_seen_at == "2025-03-28T22:30:00+00:00"
    assert es.feed_published is None  # seendate is not a publication date
    assert es.language == "es"
    assert es.outlet_country == "Mexico"
    assert es.resolved is True and es.aggregator_url is None
    assert items[0].language == "en" and items[0].outlet_country == "United States"


def test_empty_object_is_zero_articles() -> None:
    assert parse_gdelt(fixture_bytes("gdelt_empty.json"), API, discovered_at=WHEN) == []
    assert parse_gdelt(b'{"articles": []}', API, discovered_at=WHEN) == []


def test_html_refusal_carries_gdelts_words() -> None:
    with pytest.raises(GdeltError) as err:
        parse_gdelt(fixture_bytes("gdelt_error.html"), API, discovered_at=WHEN)
    assert "Parentheses may only be used around OR'd statements." in str(err.value)
    assert "<p>" not in str(err.value)
    assert err.value.rate_limited is False


def test_plain_text_rate_limit_is_recognised() -> None:
    with pytest.raises(GdeltError) as err:
        parse_gdelt(fixture_bytes("gdelt_rate_limit.txt"), API, discovered_at=WHEN)
    assert err.value.rate_limited is True
    assert "limit requests" in str(err.value)


def test_broken_json_and_tolerated_faults() -> None:
    with pytest.raises(GdeltError, match="empty answer"):
        parse_gdelt(b"  \n", API, discovered_at=WHEN)
    with pytest.raises(GdeltError, match="not valid JSON"):
        parse_gdelt(b'{"articles": [', API, discovered_at=WHEN)
    with pytest.raises(GdeltError, match="not a list"):
        parse_gdelt(b'{"articles": {"url": "x"}}', API, discovered_at=WHEN)
    # a raw tab and an invalid escape inside a title, as GDELT sometimes sends
    data = b'{"articles": [{"url": "https://a.example/x", "title": "Noem\tvisit \\" quoted \\q", "seendate": "20250328T101500Z", "language": "Spanish"}]}'
    (item,) = parse_gdelt(data, API, discovered_at=WHEN)
    assert item.title == 'Noem visit " quoted \\q'


def test_language_names_and_seendates() -> None:
    assert gdelt_language("Spanish") == "es"
    assert gdelt_language(" english ") == "en"
    assert gdelt_language("Portuguese") == "pt"
    assert gdelt_language("es") == "es"
    assert gdelt_language("Klingon") is None
    assert gdelt_language("") is None
    assert parse_seendate("20250328T201500Z") == "2025-03-28T20:15:00+00:00"
    assert parse_seendate("2025-03-28T20:15:00Z") == "2025-03-28T20:15:00+00:00"
    assert parse_seendate("yesterday") is None
    assert parse_seendate(None) is None
