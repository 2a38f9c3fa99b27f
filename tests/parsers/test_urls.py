"""parsers.urls: normalisation, canonical URL trust rules, registrable domains."""
from __future__ import annotations

import pytest

from parsers.urls import canonical_url, is_web_url, normalize_url, outlet_from_domain, registrable_domain


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPS://WWW.Example.COM/News/Story?id=3#comments", "https://www.example.com/News/Story?id=3"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=7&fbclid=abc", "https://example.com/a?id=7"),
        ("https://example.com/a?gclid=1&page=2&ocid=msn", "https://example.com/a?page=2"),
        ("https://example.com", "https://example.com/"),
        ("file:///tmp/page.html", "file:///tmp/page.html"),
    ],
)
def test_normalize_url(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_canonical_link_on_same_site_is_trusted_and_resolved() -> None:
    assert canonical_url("https://amp.example.co.uk/a/story", "/news/story", None) == "https://amp.example.co.uk/news/story"
    assert canonical_url("https://m.example.com/x?utm_campaign=z", "https://www.example.com/x", None) == "https://www.example.com/x"


def test_og_url_is_the_second_choice() -> None:
    assert canonical_url("https://www.example.com/a?ref=feed", None, "https://www.example.com/a") == "https://www.example.com/a"


def test_canonical_on_another_site_is_ignored() -> None:
    assert canonical_url("https://copycat.example.net/story", "https://www.original.example.com/story", None) == "https://copycat.example.net/story"


def test_syndicator_may_point_at_the_original() -> None:
    got = canonical_url("https://www.msn.com/en-us/news/world/story/ar-AA1", "https://www.original.com/2025/03/28/story", None)
    assert got == "https://www.original.com/2025/03/28/story"


def test_front_page_canonical_is_ignored() -> None:
    assert canonical_url("https://www.example.com.mx/nacional/nota-1", "https://www.example.com.mx/", None) == "https://www.example.com.mx/nacional/nota-1"


def test_social_hosts_are_never_canonical() -> None:
    assert canonical_url("https://news.example.com/a", None, "https://www.facebook.com/newspage") == "https://news.example.com/a"


def test_without_page_url_an_absolute_canonical_is_taken() -> None:
    assert canonical_url(None, "https://www.example.com/a?utm_source=rss", None) == "https://www.example.com/a"
    assert canonical_url("file:///tmp/a.html", "https://www.example.com/a", None) == "https://www.example.com/a"
    # relative canonicals cannot be resolved against a local file
    assert canonical_url(None, "/a", None) == ""
    assert canonical_url(None, None, None) == ""


@pytest.mark.parametrize(
    "host, expected",
    [
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("edition.cnn.com", "cnn.com"),
        ("www.jornada.com.mx", "jornada.com.mx"),
        ("www.clarin.com.ar", "clarin.com.ar"),
        ("example.com", "example.com"),
        ("WWW.Example.COM.", "example.com"),
        ("news.example.com:8080", "example.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("https://www.eluniversal.com.mx/nacion/x", "eluniversal.com.mx"),
        ("", ""),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


def test_outlet_from_domain() -> None:
    assert outlet_from_domain("https://www.milenio.com/politica/x") == "milenio.com"
    assert outlet_from_domain("file:///tmp/x.html") == ""


def test_is_web_url() -> None:
    assert is_web_url("https://a.example/x")
    assert not is_web_url("file:///x")
    assert not is_web_url("not a url")
    assert not is_web_url(None)
