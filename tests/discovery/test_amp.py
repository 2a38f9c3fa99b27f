"""parsers.amp and flows.discover.discovery_url: one address per article."""
from __future__ import annotations

import pytest

from flows.discover import discovery_url
from parsers.amp import amp_canonical, is_amp_url


@pytest.mark.parametrize(
    ("amp", "regular"),
    [
        ("https://www.aljazeera.example/amp/news/2025/3/28/noem", "https://www.aljazeera.example/news/2025/3/28/noem"),
        ("https://www.site.example/world/story/amp/", "https://www.site.example/world/story/"),
        ("https://www.site.example/world/story/amp", "https://www.site.example/world/story"),
        ("https://www.nyt.example/2025/03/28/world/americas/noem.amp.html", "https://www.nyt.example/2025/03/28/world/americas/noem.html"),
        ("https://www.bbc.example/mundo/articles/c1x2.amp", "https://www.bbc.example/mundo/articles/c1x2"),
        ("https://www.infobae.example/mexico/2025/03/28/noem/?outputType=amp", "https://www.infobae.example/mexico/2025/03/28/noem/"),
        ("https://www.site.example/story?amp", "https://www.site.example/story"),
        ("https://www.site.example/story?id=7&amp=1", "https://www.site.example/story?id=7"),
        ("https://amp.theguardian.example/world/2025/mar/28/noem", "https://www.theguardian.example/world/2025/mar/28/noem"),
        ("https://amp.eluniversal.com.mx/nacion/noem", "https://www.eluniversal.com.mx/nacion/noem"),
        ("https://amp.news.site.example/a", "https://news.site.example/a"),
    ],
)
def test_amp_patterns(amp: str, regular: str) -> None:
    assert amp_canonical(amp) == regular
    assert is_amp_url(amp)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.site.example/campaign/example-article",  # "amp" inside a word
        "https://www.site.example/tags/ampere/",
        "https://www.site.example/story?outputType=xml",
        "https://amp.example/story",  # amp.example is the whole site, not an AMP host
        "file:///tmp/amp/page.html",
    ],
)
def test_non_amp_urls_are_left_alone(url: str) -> None:
    assert amp_canonical(url) == url
    assert not is_amp_url(url)


def test_discovery_url_maps_amp_and_drops_tracking() -> None:
    assert discovery_url("HTTPS://WWW.Site.Example/amp/nacional/noem?utm_source=rss&utm_medium=x&page=2#top") == (
        "https://www.site.example/nacional/noem?page=2"
    )
