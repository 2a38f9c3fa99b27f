"""Google News RSS search results → discoveries (pure: bytes in, records out).

A search feed (news.google.com/rss/search?q=...) is RSS 2.0 with three quirks handled here:
- every item <link> points at news.google.com, not at the outlet. The publisher's URL is
  learned by decoding the link (older links carry it inside, see `decode_google_news_link`) or
  by following its HTTP redirects (flows.discover); until then the discovery keeps the Google
  link with `resolved=False`, so Google is never taken for the outlet;
- the outlet is named by the item's <source url="https://outlet.example">Outlet</source>;
- titles end in " - Outlet", which is not part of the headline.
One search returns at most 100 items: a long window is queried in slices (`split_window`).
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
from datetime import date, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit, quote

from parsers.feeds import element_text, parse_feed, parse_xml_safely
from parsers.records import Discovery
from parsers.urls import is_web_url

__all__ = [
    "GOOGLE_NEWS_BASE",
    "MAX_ITEMS",
    "SOURCE_KIND",
    "GoogleNewsEdition",
    "decode_google_news_link",
    "google_news_url",
    "is_google_host",
    "parse_google_news",
    "split_window",
]

GOOGLE_NEWS_BASE = "https://news.google.com/rss/search"
MAX_ITEMS = 100  # Google News answers a search with at most this many items
SOURCE_KIND = "google_news"


class GoogleNewsEdition(Protocol):
    """What a search needs: flows.config.GoogleNewsQuery has these fields."""

    q: str
    hl: str
    gl: str
    ceid: str


def google_news_url(
    query: GoogleNewsEdition,
    after: date | None = None,
    before: date | None = None,
    *,
    base: str = GOOGLE_NEWS_BASE,
) -> str:
    """The RSS search URL for a query in one edition, optionally bounded by dates.

    The bounds go into the query as Google's `after:YYYY-MM-DD` / `before:YYYY-MM-DD`
    operators, exactly as given: callers that want a day included should pad the bounds (see
    flows.discover), since Google does not document whether they are inclusive.
    """
    q = " ".join(query.q.split())
    if not q:
        raise ValueError("a Google News query needs search terms (q is empty)")
    if after is not None:
        q += f" after:{_day(after).isoformat()}"
    if before is not None:
        q += f" before:{_day(before).isoformat()}"
    params = {"q": q, "hl": query.hl, "gl": query.gl, "ceid": query.ceid}
    return f"{base}?{urlencode(params, quote_via=quote, safe=':')}"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def split_window(start: date | datetime, end: date | datetime, max_days: int) -> list[tuple[date, date]]:
    """Consecutive day ranges, both ends included, that cover start..end, each at most
    `max_days` days long, oldest first: split_window(1 Mar, 10 Mar, 4) → (1-4), (5-8), (9-10).

    Aggregator searches cap their answers (Google News 100 items, GDELT 250 records), so a
    long window is asked for in slices. Datetimes are taken by their calendar day.
    """
    if max_days < 1:
        raise ValueError(f"max_days must be at least 1, got {max_days}")
    first, last = _day(start), _day(end)
    if last < first:
        raise ValueError(f"the window ends ({last}) before it starts ({first})")
    out: list[tuple[date, date]] = []
    cur = first
    while cur <= last:
        stop = min(last, cur + timedelta(days=max_days - 1))
        out.append((cur, stop))
        cur = stop + timedelta(days=1)
    return out


def is_google_host(url: str | None) -> bool:
    """Whether a URL is on a Google-owned news/redirect host (news.google.com, google.com,
    consent.google.com, ...), i.e. not a publisher's page."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host == "google.com" or host.endswith(".google.com") or host.startswith(("google.", "www.google."))


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            break
    raise ValueError("bad varint")


def decode_google_news_link(link: str) -> str | None:
    """The publisher's URL carried inside a Google News article link, or None.

    Rules, in order:
    1. Only news.google.com links of the form .../articles/<id> or .../read/<id> qualify.
    2. The id is URL-safe base64 of a small protobuf message; its field 4 holds the target.
    3. Older ids (before mid-2024) carry the publisher's URL there in clear: it is returned when
       it is an absolute http(s) URL. Newer ids carry an opaque token (starting "AU_yqL") that
       only Google's own web app can turn into a URL: None, and the link stays unresolved
       unless it answers with an HTTP redirect.
    """
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return None
    if (parts.hostname or "").lower() != "news.google.com":
        return None
    segs = [s for s in parts.path.split("/") if s]
    ident = None
    for i, seg in enumerate(segs[:-1]):
        if seg in ("articles", "read"):
            ident = segs[i + 1]
    if not ident:
        return None
    try:
        raw = base64.urlsafe_b64decode(ident + "=" * (-len(ident) % 4))
    except (binascii.Error, ValueError):
        return None
    pos = 0
    try:
        while pos < len(raw):
            key, pos = _varint(raw, pos)
            field, wire = key >> 3, key & 7
            if wire == 0:
                _, pos = _varint(raw, pos)
            elif wire == 2:
                size, pos = _varint(raw, pos)
                value = raw[pos : pos + size]
                pos += size
                if field == 4:
                    text = value.decode("utf-8", errors="strict")
                    return text if is_web_url(text) and not is_google_host(text) else None
            else:
                return None
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _strip_source_suffix(title: str | None, source_name: str | None) -> str | None:
    """"Headline - Outlet" → "Headline", only when the suffix is exactly the <source> name."""
    if not title or not source_name:
        return title
    for sep in (" - ", " – ", " — "):
        suffix = sep + source_name
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def parse_google_news(
    data: bytes,
    feed_url: str,
    *,
    discovered_at: str,
    source: str | None = None,
) -> list[Discovery]:
    """A Google News RSS search result → one discovery per item (source_kind "google_news").

    Built on parsers.feeds.parse_feed (dates, links, repairs, XML-bomb refusal: it raises
    FeedError for bytes that are not a readable feed), then, per item:
    - `outlet_hint` is the <source> text and `outlet_url` its url attribute (the outlet's home
      page), so the outlet is known even when the link is never resolved;
    - the title loses its " - Outlet" suffix when that suffix equals the <source> text;
    - `aggregator_url` keeps the Google link; `url` is the publisher's URL when the link
      carries it (`decode_google_news_link`, `resolved=True`), else the Google link itself with
      `resolved=False`.
    `source` names the provenance (default `feed_url`); flows.discover passes the query's URL
    without date bounds so that overlapping slices give one provenance row per item.
    """
    feed = parse_feed(data, feed_url, discovered_at=discovered_at)
    sources = _item_sources(data, feed_url)
    out: list[Discovery] = []
    for item in feed.items:
        name, home = sources.get(item.url, (None, None))
        publisher = decode_google_news_link(item.url)
        out.append(
            dataclasses.replace(
                item,
                url=publisher or item.url,
                source=source or feed_url,
                source_kind=SOURCE_KIND,
                title=_strip_source_suffix(item.title, name),
                outlet_hint=name,
                outlet_url=home,
                aggregator_url=item.url,
                resolved=publisher is not None,
            )
        )
    return out


def _item_sources(data: bytes, feed_url: str) -> dict[str, tuple[str | None, str | None]]:
    """Item link → (<source> text, <source url>), read from the same safely parsed XML."""
    root, _warnings = parse_xml_safely(data)
    channel = root.find("channel")
    scope = channel if channel is not None else root
    out: dict[str, tuple[str | None, str | None]] = {}
    for item in scope.findall("item"):
        link = element_text(item.find("link"))
        if not link:
            continue
        src = item.find("source")
        if src is None:
            continue
        home = (src.get("url") or "").strip() or None
        if home is not None and not is_web_url(home):
            home = None
        out.setdefault(urljoin(feed_url, link.strip()), (element_text(src), home))
    return out
