"""parsers.sitemaps: news sitemaps, indexes, gzip, plain lists, robots.txt, refusals."""
from __future__ import annotations

import gzip
import zlib

import pytest

from parsers.sitemaps import SitemapError, gunzip_capped, parse_sitemap, sitemaps_from_robots
from tests.discovery.conftest import FIXTURES, fixture_bytes

WHEN = "2025-04-01T12:00:00+00:00"
BASE = "https://www.fronterahoy.example"


def test_news_sitemap_entries_carry_the_news_extension() -> None:
    res = parse_sitemap(fixture_bytes("news_sitemap.xml", BASE), f"{BASE}/news-sitemap.xml", discovered_at=WHEN)
    assert res.kind == "urlset" and res.sitemaps == []
    assert [d.url for d in res.urls] == [
        f"{BASE}/nacional/2025/03/28/noem-visita",
        f"{BASE}/nacional/2025/04/01/sheinbaum-mananera-biometricos",
        f"{BASE}/deportes/2025/02/10/clasico-regio",
        f"{BASE}/amp/nacional/2025/04/02/aranceles-25-por-ciento",  # mapped later, by discovery
    ]
    first = res.urls[0]
    assert first.source_kind == "sitemap" and first.source == f"{BASE}/news-sitemap.xml"
    assert first.title == "Noem visita Palacio Nacional y pide datos biométricos"
    assert first.feed_published == "2025-03-28T18:30:00-06:00"
    assert first.outlet_hint == "Frontera Hoy"
    assert first.language == "es"
    assert res.urls[1].language == "es"  # es-MX → es
    assert res.urls[2].feed_published == "2025-02-10"  # a date stays a date
    assert res.lastmod[first.url] == "2025-03-28T23:05:00-06:00"
    assert any("without <loc>" in w for w in res.warnings)
    assert any("repeated" in w for w in res.warnings)


def test_sitemap_index_lists_children_with_lastmod() -> None:
    res = parse_sitemap(fixture_bytes("sitemap_index.xml", BASE), f"{BASE}/sitemap_index.xml", discovered_at=WHEN)
    assert res.kind == "sitemapindex" and res.urls == []
    assert res.sitemaps == [f"{BASE}/sitemaps/2025-05.xml", f"{BASE}/sitemaps/2025-02.xml", f"{BASE}/sitemaps/2025-03.xml.gz"]
    assert res.lastmod[f"{BASE}/sitemaps/2025-02.xml"] == "2025-02-28T23:59:00+00:00"


def test_gzip_sitemap_is_recognised_by_its_bytes() -> None:
    data = fixture_bytes("sitemap_march.xml.gz", BASE)
    assert data[:2] == b"\x1f\x8b"
    # the name says nothing: the magic bytes decide
    res = parse_sitemap(data, f"{BASE}/sitemap?page=3", discovered_at=WHEN)
    assert [d.url for d in res.urls] == [
        f"{BASE}/world/2025/03/30/border-talks",
        f"{BASE}/amp/world/2025/03/28/noem-sheinbaum-meeting",
    ]


def test_gzip_bomb_is_refused_at_the_cap() -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = comp.compress(b"<" + b" " * (8 * 1024 * 1024)) + comp.flush()
    assert len(bomb) < 20_000
    with pytest.raises(SitemapError, match="inflates to more than 1,000,000 bytes"):
        parse_sitemap(bomb, f"{BASE}/sitemap.xml.gz", discovered_at=WHEN, max_bytes=1_000_000)


def test_gunzip_handles_several_members_and_reports_truncation() -> None:
    two = gzip.compress(b"abc", mtime=0) + gzip.compress(b"def", mtime=0)
    assert gunzip_capped(two, 100) == b"abcdef"
    with pytest.raises(SitemapError, match="truncated"):
        gunzip_capped(gzip.compress(b"x" * 1000, mtime=0)[:20], 10_000)
    with pytest.raises(SitemapError, match="corrupt"):
        gunzip_capped(b"\x1f\x8b\x08\x00garbage-garbage", 10_000)


def test_xml_bomb_is_refused_with_a_clear_message() -> None:
    with pytest.raises(SitemapError) as err:
        parse_sitemap((FIXTURES / "sitemap_bomb.xml").read_bytes(), f"{BASE}/bomb.xml", discovered_at=WHEN)
    message = str(err.value)
    assert "refused" in message and "entities" in message and "sitemaps never need them" in message


def test_plain_text_sitemap() -> None:
    data = f"{BASE}/a\n\n{BASE}/b\nnot a url\n{BASE}/a\n".encode()
    res = parse_sitemap(data, f"{BASE}/sitemap.txt", discovered_at=WHEN)
    assert res.kind == "text"
    assert [d.url for d in res.urls] == [f"{BASE}/a", f"{BASE}/b"]
    assert res.warnings == ["1 lines are not http(s) URLs; skipped"]


def test_not_a_sitemap() -> None:
    with pytest.raises(SitemapError, match="HTML page"):
        parse_sitemap(b"<!DOCTYPE html><html><body>404</body></html>", f"{BASE}/x", discovered_at=WHEN)
    with pytest.raises(SitemapError, match="root element is <catalog>"):
        parse_sitemap(b"<?xml version='1.0'?><catalog/>", f"{BASE}/x", discovered_at=WHEN)
    with pytest.raises(SitemapError, match="empty"):
        parse_sitemap(b"", f"{BASE}/x", discovered_at=WHEN)
    with pytest.raises(SitemapError, match="neither XML nor a list of URLs"):
        parse_sitemap(b"hello world", f"{BASE}/x", discovered_at=WHEN)


def test_a_feed_is_accepted_as_a_sitemap() -> None:
    res = parse_sitemap(fixture_bytes("feed_portada.xml", BASE), f"{BASE}/rss/portada.xml", discovered_at=WHEN)
    assert res.kind == "feed"
    assert [d.url for d in res.urls] == [f"{BASE}/nacional/2025/04/01/sheinbaum-mananera-biometricos"]


def test_robots_sitemap_lines() -> None:
    text = fixture_bytes("robots.txt", BASE).decode()
    assert sitemaps_from_robots(text, f"{BASE}/robots.txt") == [f"{BASE}/news-sitemap.xml", f"{BASE}/sitemap_index.xml"]
    assert sitemaps_from_robots("Sitemap: /relative.xml\nUser-agent: *\n", f"{BASE}/robots.txt") == [f"{BASE}/relative.xml"]
    assert sitemaps_from_robots("User-agent: *\nDisallow: /\n", f"{BASE}/robots.txt") == []
