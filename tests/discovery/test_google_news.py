"""parsers.google_news: search URLs, window slices, the RSS result, link decoding."""
from __future__ import annotations

import base64
from datetime import date, datetime, timezone

import pytest

from flows.config import GoogleNewsQuery
from parsers.feeds import FeedError
from parsers.google_news import (
    decode_google_news_link,
    google_news_url,
    is_google_host,
    parse_google_news,
    split_window,
)
from tests.discovery.conftest import fixture_bytes

WHEN = "2025-04-01T12:00:00+00:00"
FEED_URL = "https://news.google.com/rss/search?q=Noem%20Sheinbaum&hl=en-US&gl=US&ceid=US:en"


def _legacy_id(url: str) -> str:
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_url_for_the_spanish_mexico_edition_with_date_operators() -> None:
    q = GoogleNewsQuery(q="Noem  Sheinbaum", hl="es-419", gl="MX", ceid="MX:es-419")
    url = google_news_url(q, date(2025, 3, 19), datetime(2025, 3, 28, 23, 0, tzinfo=timezone.utc))
    assert url == (
        "https://news.google.com/rss/search?q=Noem%20Sheinbaum%20after:2025-03-19%20before:2025-03-28"
        "&hl=es-419&gl=MX&ceid=MX:es-419"
    )


def test_url_without_bounds_uses_the_default_edition_and_an_overridable_base() -> None:
    url = google_news_url(GoogleNewsQuery(q='"Kristi Noem" biometric'), base="http://127.0.0.1:8080/rss/search")
    assert url == "http://127.0.0.1:8080/rss/search?q=%22Kristi%20Noem%22%20biometric&hl=en-US&gl=US&ceid=US:en"


def test_empty_query_is_refused() -> None:
    with pytest.raises(ValueError, match="needs search terms"):
        google_news_url(GoogleNewsQuery(q="   "))


def test_split_window_covers_every_day_once() -> None:
    slices = split_window(date(2025, 3, 20), date(2025, 4, 30), 7)
    assert slices[0] == (date(2025, 3, 20), date(2025, 3, 26))
    assert slices[-1] == (date(2025, 4, 24), date(2025, 4, 30))
    days = [(b - a).days + 1 for a, b in slices]
    assert sum(days) == 42 and max(days) == 7
    for prev, nxt in zip(slices, slices[1:]):
        assert nxt[0].toordinal() == prev[1].toordinal() + 1


def test_split_window_single_day_and_errors() -> None:
    assert split_window(datetime(2025, 3, 28, 5), datetime(2025, 3, 28, 22), 3) == [(date(2025, 3, 28), date(2025, 3, 28))]
    with pytest.raises(ValueError, match="ends"):
        split_window(date(2025, 4, 2), date(2025, 4, 1), 3)
    with pytest.raises(ValueError, match="at least 1"):
        split_window(date(2025, 4, 1), date(2025, 4, 2), 0)


def test_parse_search_result_keeps_google_links_unresolved_and_names_the_outlet() -> None:
    items = parse_google_news(fixture_bytes("google_news_search.xml"), FEED_URL, discovered_at=WHEN, source="gn:query")
    assert len(items) == 5
    first = items[0]
    assert first.source_kind == "google_news"
    assert first.source == "gn:query"
    assert first.title == "Noem presses Sheinbaum on sharing biometric data"
    assert first.outlet_hint == "Northern Ledger"
    assert first.outlet_url == "https://www.northernledger.example"
    assert first.resolved is False
    assert first.url == first.aggregator_url
    assert first.url.startswith("https://news.google.com/rss/articles/")
    assert first.feed_published == "2025-03-28T21:40:00+00:00"
    assert first.language is None  # the edition's language is not the article's


def test_title_suffix_is_removed_only_when_it_is_the_source_name() -> None:
    items = parse_google_news(fixture_bytes("google_news_search.xml"), FEED_URL, discovered_at=WHEN)
    titles = [d.title for d in items]
    # "- explainer" is part of the headline: the <source> is Gulf Coast Tribune.
    assert titles[1] == "Sheinbaum says Mexico keeps no biometric registry - explainer"
    # only the last " - Outlet" goes, inner dashes stay
    assert titles[4] == "Border talks - what comes next"
    assert items[0].source == FEED_URL  # default provenance: the feed itself


def test_legacy_links_resolve_offline() -> None:
    items = parse_google_news(fixture_bytes("google_news_search.xml"), FEED_URL, discovered_at=WHEN)
    legacy = items[2]
    assert legacy.resolved is True
    assert legacy.url == "https://www.fronterahoy.example/nacional/2025/03/29/sheinbaum-responde-a-noem"
    assert legacy.aggregator_url.startswith("https://news.google.com/rss/articles/CBMiTWh0")
    assert legacy.title == "Sheinbaum responde a Noem: no hay acuerdo sobre datos biométricos"


def test_decode_link_rules() -> None:
    target = "https://www.gulfcoasttribune.example/2025/04/01/registry"
    assert decode_google_news_link(f"https://news.google.com/rss/articles/{_legacy_id(target)}?oc=5") == target
    assert decode_google_news_link(f"https://news.google.com/read/{_legacy_id(target)}?hl=en-US") == target
    # modern opaque token: not decodable here
    assert decode_google_news_link("https://news.google.com/rss/articles/CBMiH0FVX3lxTGZpY3Rpb25hbHRva2VuTm90QVVybDAwMDE?oc=5") is None
    # only news.google.com links are decoded, whatever their path says
    assert decode_google_news_link(f"https://www.example.com/articles/{_legacy_id(target)}") is None
    # garbage ids and targets on Google's own hosts give nothing
    assert decode_google_news_link("https://news.google.com/rss/articles/%%%notbase64") is None
    assert decode_google_news_link(f"https://news.google.com/rss/articles/{_legacy_id('https://news.google.com/x')}") is None


def test_google_hosts() -> None:
    assert is_google_host("https://news.google.com/rss/articles/x")
    assert is_google_host("https://consent.google.com/ml?continue=x")
    assert is_google_host("https://www.google.com/url?q=x")
    assert not is_google_host("https://www.googleblog.example/")
    assert not is_google_host("https://www.fronterahoy.example/")


def test_html_instead_of_a_feed_is_a_clear_error() -> None:
    with pytest.raises(FeedError, match="HTML page"):
        parse_google_news(b"<!doctype html><html><body>consent</body></html>", FEED_URL, discovered_at=WHEN)
