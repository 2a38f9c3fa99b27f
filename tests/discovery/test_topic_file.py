"""topics/noem-sheinbaum.toml: loaded through newsprism.toml, and every source in it usable."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from flows.config import Topic, load_config
from parsers.gdelt import gdelt_url
from parsers.google_news import google_news_url
from parsers.relevance import fold
from parsers.urls import is_web_url


@pytest.fixture(scope="module")
def topic(repo_dir: Path) -> Topic:
    return load_config(repo_dir / "newsprism.toml").topic("noem-sheinbaum")


def test_the_real_story_is_loaded_by_the_main_config(topic: Topic) -> None:
    assert topic.name.startswith("Kristi Noem meets Claudia Sheinbaum")
    assert topic.window == (datetime(2025, 3, 20, tzinfo=timezone.utc), datetime(2025, 4, 30, 23, 59, 59, tzinfo=timezone.utc))
    assert {"Noem", "Sheinbaum"} <= set(topic.terms)
    assert topic.replay == ()  # the real story is fetched live, never replayed from the sample


def test_google_news_has_the_english_us_and_spanish_mexico_editions(topic: Topic) -> None:
    editions = {(q.hl, q.gl, q.ceid) for q in topic.google_news}
    assert ("en-US", "US", "US:en") in editions
    assert ("es-419", "MX", "MX:es-419") in editions
    for q in topic.google_news:
        assert google_news_url(q).startswith("https://news.google.com/rss/search?q=")


def test_gdelt_queries_follow_gdelt_syntax(topic: Topic) -> None:
    langs = set()
    for g in topic.gdelt:
        # GDELT refuses parentheses around anything but an OR-group
        for group in re.findall(r"\(([^)]*)\)", g.query):
            assert " OR " in group, g.query
        langs |= set(re.findall(r"sourcelang:(\w+)", g.query))
        assert 1 <= g.max_records <= 250
        gdelt_url(g.query, datetime(2025, 3, 20), datetime(2025, 3, 27), g.max_records)
    assert {"english", "spanish"} <= langs


def test_sources_are_distinct_web_urls(topic: Topic) -> None:
    for group in (topic.feeds, topic.homepages, topic.sitemaps, topic.urls):
        assert all(is_web_url(u) and u.startswith("https://") for u in group)
        assert len(group) == len(set(group))
    assert "https://www.dhs.gov/news/rss.xml" in topic.feeds  # the primary source


def test_terms_are_not_accent_twins(topic: Topic) -> None:
    # matching folds case and accents, so twins would count one word twice
    folded = [fold(t) for t in topic.terms]
    assert len(folded) == len(set(folded))
    assert topic.min_matches >= 2


def test_outlets_cover_the_feeds_outlets(topic: Topic) -> None:
    from parsers.urls import host_of

    outlets = set(topic.outlets)
    for feed in topic.feeds:
        host = host_of(feed)
        # feed hosts (feeds.bbci.co.uk, moxie.foxnews.com, rss.nytimes.com) differ from article
        # hosts; the outlet is the site the articles live on
        site = {"feeds.bbci.co.uk": "bbc.com", "feeds.elpais.com": "elpais.com"}.get(host, host)
        assert any(site == o or site.endswith("." + o) for o in outlets), feed
