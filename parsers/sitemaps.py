"""XML sitemaps and robots.txt → candidate URLs (pure: bytes in, records out).

Reads the sitemaps protocol (sitemaps.org 0.9): a <urlset> lists pages, a <sitemapindex> lists
further sitemaps. News sitemaps add, per page, the Google News extension
(<news:news><news:publication><news:name/><news:language/></news:publication>
<news:publication_date/><news:title/></news:news>), which gives a publication date, a title,
the outlet's name and the language before any page is fetched. Sitemaps may be gzipped
(.xml.gz, recognised by their magic bytes, whatever the name or content type) and may also be
plain lists of URLs, one per line, as the protocol allows.

Safety: XML goes through parsers.feeds' defusedxml reader, which refuses entity declarations
(billion laughs) and external entities; gzip is inflated under a cap (`max_bytes`, by default
the protocol's own 50 MB limit for an uncompressed sitemap), so a gzip bomb stops there.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element

from parsers.feeds import FeedError, element_text, looks_like_feed, parse_xml_safely, parse_feed, parse_feed_date
from parsers.language import normalize_language_code
from parsers.records import Discovery
from parsers.urls import is_web_url

__all__ = [
    "MAX_SITEMAP_BYTES",
    "SOURCE_KIND",
    "SitemapError",
    "SitemapResult",
    "gunzip_capped",
    "is_gzip",
    "parse_sitemap",
    "sitemaps_from_robots",
]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's limit for one uncompressed sitemap
SOURCE_KIND = "sitemap"
_NEWS_NS_MARK = "sitemap-news"  # http://www.google.com/schemas/sitemap-news/0.9


class SitemapError(ValueError):
    """The bytes are not a sitemap newsprism can read; the message says why."""


@dataclass(frozen=True, slots=True)
class SitemapResult:
    """One parsed sitemap: pages (a urlset) or child sitemaps (an index), in document order.

    `lastmod` maps each listed URL, page or child sitemap, to its <lastmod> (ISO 8601), which
    says when it last changed: a page last changed before a window opened cannot have been
    published inside it, and a child sitemap last changed then lists nothing newer.
    `warnings` names what was skipped (entries without <loc>, non-web URLs, repeats).
    """

    urls: list[Discovery]
    sitemaps: list[str]
    kind: str = "urlset"  # urlset | sitemapindex | text | feed
    lastmod: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def is_gzip(data: bytes) -> bool:
    """Whether the bytes start with the gzip magic number."""
    return data[:2] == b"\x1f\x8b"


def gunzip_capped(data: bytes, limit: int) -> bytes:
    """Inflate gzip bytes (several members allowed); SitemapError when the output would pass
    `limit` bytes (a gzip bomb, or a sitemap over the protocol's size) or the data is corrupt."""
    out = bytearray()
    obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
    rest = data
    while rest:
        try:
            chunk = obj.decompress(rest, limit - len(out) + 1)
        except zlib.error as exc:
            raise SitemapError(f"corrupt gzip data: {exc}") from None
        out += chunk
        if len(out) > limit:
            raise SitemapError(f"refused: the gzip data inflates to more than {limit:,} bytes (a sitemap holds at most 50 MB)")
        if obj.unconsumed_tail:
            rest = obj.unconsumed_tail
            continue
        if obj.eof:
            rest = obj.unused_data
            if rest.strip(b"\x00"):
                obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                continue
            break
        rest = b""
    if not obj.eof:
        raise SitemapError("truncated gzip data: the compressed stream ends early")
    return bytes(out)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _child(el: Element, name: str, ns_mark: str | None = None) -> Element | None:
    for c in el:
        if _local(c.tag) == name and (ns_mark is None or ns_mark in _ns(c.tag)):
            return c
    return None


def _child_text(el: Element | None, name: str) -> str | None:
    return element_text(_child(el, name)) if el is not None else None


_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def parse_sitemap(data: bytes, url: str, *, discovered_at: str, max_bytes: int = MAX_SITEMAP_BYTES) -> SitemapResult:
    """Parse a sitemap (XML urlset or index, gzipped or not, or a plain list of URLs).

    Rules, in order:
    1. Gzip magic bytes → inflate under `max_bytes`; more than `max_bytes` either way is refused.
    2. Text that does not start with "<" is a plain-text sitemap: one absolute URL per line.
    3. XML is read safely (entity declarations and external entities are refused); an HTML
       page is not a sitemap; an RSS/Atom feed (which the protocol accepts as a sitemap) is
       read as one.
    4. <urlset>: each <url><loc> becomes a discovery (source_kind "sitemap", source = `url`);
       from the news extension, <news:publication_date> → feed_published, <news:title> →
       title, <news:name> → outlet_hint, <news:language> → language; <lastmod> goes to
       `lastmod`. Relative locations are resolved against `url`; non-web URLs and repeats are
       skipped with a warning.
    5. <sitemapindex>: each <sitemap><loc> is a child sitemap URL, with its <lastmod>.
    Anything else raises SitemapError with the reason.
    """
    if not data or not data.strip():
        raise SitemapError("empty document: no sitemap to read")
    if is_gzip(data):
        data = gunzip_capped(data, max_bytes)
    if len(data) > max_bytes:
        raise SitemapError(f"refused: {len(data):,} bytes, over the {max_bytes:,}-byte limit for one sitemap")
    head = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if not head.startswith(b"<") and b"<\x00" not in data[:4]:
        return _parse_text(data, url, discovered_at)
    head_text = data[:4096].decode("utf-8", errors="replace")
    if _HTML_START.match(head_text):
        raise SitemapError("this is an HTML page, not a sitemap")
    if looks_like_feed(data, None):
        try:
            feed = parse_feed(data, url, discovered_at=discovered_at)
        except FeedError as exc:
            raise SitemapError(str(exc)) from None
        return SitemapResult(list(feed.items), [], "feed", {}, list(feed.warnings))
    try:
        root, warnings = parse_xml_safely(data)
    except FeedError as exc:
        raise SitemapError(str(exc)) from None
    kind = _local(root.tag)
    if kind == "urlset":
        return _parse_urlset(root, url, discovered_at, list(warnings))
    if kind == "sitemapindex":
        return _parse_index(root, url, list(warnings))
    raise SitemapError(f"not a sitemap: the root element is <{kind}>; expected <urlset> or <sitemapindex>")


def _resolve(loc: str | None, base: str) -> str | None:
    if not loc:
        return None
    loc = loc.strip()
    if is_web_url(base):
        loc = urljoin(base, loc)
    return loc if is_web_url(loc) else None


def _parse_urlset(root: Element, url: str, discovered_at: str, warnings: list[str]) -> SitemapResult:
    out: list[Discovery] = []
    lastmods: dict[str, str] = {}
    seen: set[str] = set()
    missing = bad = repeats = 0
    for n, entry in enumerate(root, start=1):
        if _local(entry.tag) != "url":
            continue
        raw = _child_text(entry, "loc")
        if not raw:
            missing += 1
            continue
        loc = _resolve(raw, url)
        if loc is None:
            bad += 1
            if bad <= 3:
                warnings.append(f"entry {n}: {raw[:120]!r} is not an http(s) URL; skipped")
            continue
        if loc in seen:
            repeats += 1
            continue
        seen.add(loc)
        lastmod = parse_feed_date(_child_text(entry, "lastmod"))
        if lastmod:
            lastmods[loc] = lastmod
        news = _child(entry, "news", _NEWS_NS_MARK)
        publication = _child(news, "publication") if news is not None else None
        out.append(
            Discovery(
                url=loc,
                source=url,
                source_kind=SOURCE_KIND,
                discovered_at=discovered_at,
                title=_child_text(news, "title"),
                feed_published=parse_feed_date(_child_text(news, "publication_date")),
                outlet_hint=_child_text(publication, "name"),
                language=normalize_language_code(_child_text(publication, "language")),
            )
        )
    if missing:
        warnings.append(f"{missing} <url> entries without <loc>; skipped")
    if bad > 3:
        warnings.append(f"{bad} entries in all were not http(s) URLs")
    if repeats:
        warnings.append(f"{repeats} repeated URLs; kept the first of each")
    return SitemapResult(out, [], "urlset", lastmods, warnings)


def _parse_index(root: Element, url: str, warnings: list[str]) -> SitemapResult:
    children: list[str] = []
    lastmods: dict[str, str] = {}
    for n, entry in enumerate(root, start=1):
        if _local(entry.tag) != "sitemap":
            continue
        raw = _child_text(entry, "loc")
        loc = _resolve(raw, url)
        if loc is None:
            warnings.append(f"entry {n}: {'no <loc>' if not raw else repr(raw[:120]) + ' is not an http(s) URL'}; skipped")
            continue
        if loc in lastmods or loc in children:
            continue
        children.append(loc)
        lastmod = parse_feed_date(_child_text(entry, "lastmod"))
        if lastmod:
            lastmods[loc] = lastmod
    return SitemapResult([], children, "sitemapindex", lastmods, warnings)


def _parse_text(data: bytes, url: str, discovered_at: str) -> SitemapResult:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    out: list[Discovery] = []
    seen: set[str] = set()
    other = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not is_web_url(line) or " " in line:
            other += 1
            continue
        if line not in seen:
            seen.add(line)
            out.append(Discovery(url=line, source=url, source_kind=SOURCE_KIND, discovered_at=discovered_at))
    if not out:
        raise SitemapError("neither XML nor a list of URLs: not a sitemap")
    warnings = [f"{other} lines are not http(s) URLs; skipped"] if other else []
    return SitemapResult(out, [], "text", {}, warnings)


_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I)


def sitemaps_from_robots(text: str, base_url: str) -> list[str]:
    """The sitemap URLs a robots.txt names on `Sitemap:` lines, in file order, each once.

    The directive is matched case-insensitively anywhere in the file (it belongs to no user-agent
    group); a trailing "# comment" is ignored; relative URLs, which the standard does not allow
    but some sites write, are resolved against `base_url`; non-http(s) URLs are skipped.
    """
    out: list[str] = []
    for line in text.splitlines():
        m = _ROBOTS_SITEMAP.match(line)
        if not m:
            continue
        target = m.group(1).strip()
        if target.startswith("#"):
            continue
        resolved = urljoin(base_url, target) if is_web_url(base_url) else target
        if is_web_url(resolved) and urlsplit(resolved).scheme.lower() in ("http", "https") and resolved not in out:
            out.append(resolved)
    return out
