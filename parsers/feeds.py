"""Feeds and URL lists → candidate URLs with provenance (pure: bytes in, records out).

Reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 1.0 (0.3 tolerated). XML is parsed with defusedxml:
documents that declare entities (the billion-laughs and external-entity attacks) are refused.
A bare DOCTYPE, as old RSS 0.91 feeds carry, is accepted because it can do no harm once entity
declarations are refused, and rejecting it would lose real feeds.
"""
from __future__ import annotations

import codecs
import html
import html.entities
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from parsers.records import Discovery

__all__ = [
    "Feed",
    "FeedError",
    "UrlListError",
    "looks_like_feed",
    "parse_feed",
    "parse_url_list",
    "parse_feed_date",
    "find_feed_links",
]

ATOM_NS = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")  # 1.0, then 0.3
RSS1_NS = ("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
FEEDBURNER_NS = "http://rssnamespace.org/feedburner/ext/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"

FEED_CONTENT_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "text/rss+xml",
)
_SNIFF_BYTES = 4096


class FeedError(ValueError):
    """The bytes are not a feed we can read; the message says why in a user's terms.

    `alternates` lists feed URLs an HTML page advertises (<link rel="alternate">), so a caller
    that was handed a home page can suggest the feed instead.
    """

    def __init__(self, message: str, *, alternates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.alternates = alternates


class UrlListError(ValueError):
    """A URL list had lines that are not http(s) URLs.

    Raised after the whole list was read, so it names every bad line at once; the good lines
    are in `discoveries`, so a caller that prefers to go on with them can.
    """

    def __init__(self, source: str, errors: list[str], discoveries: list[Discovery]) -> None:
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{source}: {len(errors)} line(s) are not http(s) URLs:\n{lines}")
        self.source = source
        self.errors = tuple(errors)
        self.discoveries = discoveries


@dataclass(frozen=True, slots=True)
class Feed:
    """One parsed feed: channel metadata and its items as discoveries, in feed order.

    `warnings` says what was repaired or skipped (items without a link, unreadable dates,
    duplicate links), so nothing is dropped silently.
    """

    title: str | None
    link: str | None
    language: str | None
    format: str  # rss | atom | rdf
    items: tuple[Discovery, ...]
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Sniffing


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["'][^>]*\?>""")
_XML_DECL_ANY = re.compile(r"^\s*<\?xml\b[^>]*\?>")
# Prolog items that may precede the root element: PIs (xml-stylesheet), comments, DOCTYPE.
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S)


def _bom_encoding(data: bytes) -> tuple[str | None, int]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    # UTF-16 without a BOM still shows its "<" as a NUL-padded byte pair.
    if data[:2] == b"<\x00":
        return "utf-16-le", 0
    if data[:2] == b"\x00<":
        return "utf-16-be", 0
    return None, 0


def _head_text(data: bytes, limit: int = _SNIFF_BYTES) -> str:
    """The first bytes as text, for sniffing only (errors replaced, never raised)."""
    enc, skip = _bom_encoding(data[:4])
    head = data[skip : skip + limit]
    return head.decode(enc or "utf-8", errors="replace")


def _root_name(text: str) -> tuple[str | None, str | None]:
    """(prefix, local name) of the first element after the XML prolog, or (None, None)."""
    text = _XML_DECL_ANY.sub("", text, count=1)
    pos = 0
    while True:
        m = _PROLOG.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _ROOT.match(text, pos)
    if not m:
        return None, None
    return (m.group(1) or "").rstrip(":") or None, m.group(2)


def looks_like_feed(data: bytes, content_type: str | None = None) -> bool:
    """Whether these bytes are an RSS, RDF or Atom feed.

    Rules, in order:
    1. An HTML start (doctype, <html>, <head>, <body>) is never a feed, whatever the header says.
    2. The root element decides: <rss>, <feed> (Atom) and <rdf:RDF> that names the RSS 1.0/0.9
       namespace are feeds; any other root is not.
    3. Without a readable root (empty or truncated bytes), a feed-specific content type
       (application/rss+xml, application/atom+xml, ...) decides.
    """
    text = _head_text(data)
    if _HTML_START.match(text):
        return False
    _prefix, local = _root_name(text)
    if local is not None:
        if local in ("rss", "feed"):
            return True
        if local == "RDF":
            return any(ns in text for ns in RSS1_NS)
        return False
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime in FEED_CONTENT_TYPES


# --------------------------------------------------------------------------------------------
# Decoding and safe parsing


def _decode(data: bytes) -> tuple[str, list[str]]:
    """Decode feed bytes to text; returns (text without XML declaration, warnings).

    Rules, in order: a byte-order mark; the XML declaration's encoding; UTF-8. When the bytes
    are not valid in that encoding and it is UTF-8 (the usual mislabel), windows-1252 is used
    and a warning says so. Decoding here rather than in expat lets every Python codec work
    (expat alone refuses multi-byte legacy encodings such as Shift_JIS or GB2312).
    """
    warnings: list[str] = []
    enc, skip = _bom_encoding(data[:4])
    body = data[skip:]
    if enc is None:
        m = _XML_DECL.match(body[:200].decode("ascii", errors="replace"))
        declared = m.group(1) if m else None
        enc = declared or "utf-8"
        try:
            codecs.lookup(enc)
        except LookupError:
            warnings.append(f"unknown encoding {enc!r} declared; read as UTF-8")
            enc = "utf-8"
    try:
        text = body.decode(enc)
    except UnicodeDecodeError as exc:
        if codecs.lookup(enc).name != "utf-8":
            text = body.decode(enc, errors="replace")
            warnings.append(f"bytes invalid in declared {enc} ({exc.reason}); replaced")
        else:
            text = body.decode("windows-1252", errors="replace")
            warnings.append("bytes are not valid UTF-8; read as windows-1252")
    return _XML_DECL_ANY.sub("", text, count=1), warnings


_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_NAMED_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_BARE_AMP = re.compile(r"&(?!#[0-9]+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]{0,31};)")


def _repair(text: str) -> tuple[str, list[str]]:
    """The two faults feed readers conventionally forgive: HTML named entities (&nbsp;),
    which XML does not define, and bare ampersands. Anything else stays an error."""
    fixes: list[str] = []

    def named(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        cp = html.entities.name2codepoint.get(name)
        if cp is None:
            return m.group(0)
        fixes.append(name)
        return f"&#{cp};"

    text = _NAMED_REF.sub(named, text)
    repaired, n_amp = _BARE_AMP.subn("&amp;", text)
    notes = []
    if fixes:
        notes.append(f"replaced {len(fixes)} HTML entity reference(s) XML does not define ({', '.join(sorted(set(fixes))[:5])})")
    if n_amp:
        notes.append(f"escaped {n_amp} bare '&'")
    return repaired, notes


def parse_xml_safely(data: bytes) -> tuple[Element, list[str]]:
    if not data or not data.strip():
        raise FeedError("empty document: no feed to read")
    text, warnings = _decode(data)
    if _HTML_START.match(text):
        alternates = tuple(_advertised_feeds(text))
        hint = f"; it advertises these feeds: {', '.join(alternates)}" if alternates else ""
        raise FeedError(f"this is an HTML page, not a feed{hint}", alternates=alternates)
    try:
        return _fromstring(text), warnings
    except ParseError as first:
        repaired, notes = _repair(text)
        if notes:
            try:
                return _fromstring(repaired), warnings + notes
            except ParseError:
                pass
        raise FeedError(f"broken XML, cannot read the feed: {first}") from None


def _fromstring(text: str) -> Element:
    try:
        return SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise FeedError(
            f"refused: the document declares XML entities (entity {exc.name!r}), the pattern of "
            "XML bombs such as 'billion laughs'; feeds and sitemaps never need them"
        ) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise FeedError(
            f"refused: the document references an external resource ({exc.sysid or exc.pubid}); "
            "external entities are not loaded"
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise FeedError(f"refused: unsafe XML construct ({exc})") from None


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _advertised_feeds(text: str, base: str | None = None) -> list[str]:
    out = []
    for tag in _LINK_TAG.findall(text[:200_000]):
        attrs = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)}
        rels = attrs.get("rel", "").lower().split()
        if "alternate" in rels and attrs.get("type", "").lower() in FEED_CONTENT_TYPES and attrs.get("href"):
            href = attrs["href"].strip()
            out.append(urljoin(base, href) if base else href)
    return out


def find_feed_links(data: bytes, base_url: str) -> list[str]:
    """Feed URLs an HTML page advertises with <link rel="alternate" type="application/rss+xml">
    (or Atom), resolved against `base_url`, in page order."""
    return _advertised_feeds(_head_text(data, 200_000), base_url)


# --------------------------------------------------------------------------------------------
# Dates


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str], frozenset[str], dict[str, str], frozenset[str]]:
    path = Path(__file__).with_name("data") / "feed_dates.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    months = {k.lower(): v for k, v in data["months"].items()}
    days = frozenset(n.lower() for n in data["days"]["names"])
    zones = {k.upper(): v for k, v in data["zones"].items()}
    noise = frozenset(w.lower() for w in data["noise"]["words"])
    return months, days, zones, noise


_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_ISO_LIKE = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}")
_EN_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


def parse_feed_date(value: str | None) -> str | None:
    """A feed date as ISO 8601, keeping the source's own UTC offset; None when unreadable.

    Rules, in order:
    1. Empty → None.
    2. W3C-DTF / ISO 8601 (dc:date, Atom): a full timestamp keeps its offset; without one, UTC
       is assumed (W3C-DTF requires an offset with a time, so this is a publisher error).
       A date alone stays a date ("2025-03-28"); a year or year-month stays as given, since
       inventing a day or time would fake precision.
    3. RFC 822 / RFC 1123 (pubDate): leading day names and commas are dropped, localised month
       names (parsers/data/feed_dates.toml) become English, named zones become offsets,
       two-digit years follow RFC 2822 (< 50 → 20xx); no zone → UTC; no time → a date alone.
    """
    if value is None:
        return None
    s = " ".join(value.split())
    if not s:
        return None
    if _ISO_DATE_ONLY.match(s):
        try:
            return datetime.strptime(s, "%Y-%m-%d").date().isoformat()
        except ValueError:
            return None
    m = _ISO_PARTIAL.match(s)
    if m:
        return s
    if _ISO_LIKE.match(s):
        try:
            dt = datetime.fromisoformat(s.replace("z", "Z"))
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            return dt.isoformat()
    return _parse_rfc822(s)


def _parse_rfc822(s: str) -> str | None:
    months, days, zones, noise = _lexicon()
    s = s.replace(",", " ").replace("  ", " ")
    tokens = s.split()
    # Day names only ever lead a date; dropping just the first token keeps "mar" (Tuesday in
    # Spanish) from being confused with "mar" (March) later in the string.
    if tokens and tokens[0].rstrip(".").lower() in days:
        tokens = tokens[1:]
    out = []
    for tok in tokens:
        low = tok.rstrip(".").lower()
        if low in noise:
            continue
        if low.isalpha() and low not in _EN_MONTHS and low in months:
            out.append(months[low])
        elif tok.upper() in zones:
            out.append(zones[tok.upper()])
        else:
            out.append(tok)
    has_time = any(":" in tok for tok in out)
    # email.utils insists on a time; a date written without one stays a date.
    parsed = parsedate_tz(" ".join(out) + ("" if has_time else " 00:00:00 +0000"))
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    offset = parsed[9] or 0
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        dt = datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(seconds=offset)))
    except (ValueError, OverflowError):
        return None
    return dt.isoformat() if has_time else dt.date().isoformat()


# --------------------------------------------------------------------------------------------
# Feed parsing


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _ns(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def element_text(el: Element | None) -> str | None:
    if el is None:
        return None
    t = " ".join("".join(el.itertext()).split())
    return t or None


_TAG = re.compile(r"<[^>]{0,500}>")


def _plain(text: str | None) -> str | None:
    """Feed titles are often escaped HTML (and sometimes escaped twice): reduce to plain text."""
    if not text:
        return None
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(text.split())
    return text or None


def _atom_text(el: Element | None) -> str | None:
    """An Atom text construct (type text | html | xhtml) as plain text."""
    if el is None:
        return None
    kind = (el.get("type") or "text").lower()
    if kind in ("html", "text/html"):
        return _plain(element_text(el))
    return element_text(el)


def _first(el: Element, *paths: str) -> Element | None:
    for p in paths:
        found = el.find(p)
        if found is not None:
            return found
    return None


def _first_text(el: Element, *paths: str) -> str | None:
    for p in paths:
        t = element_text(el.find(p))
        if t:
            return t
    return None


class _Collector:
    """Turns raw (link, title, date) triples into Discovery records with the feed's rules."""

    def __init__(self, feed_url: str, discovered_at: str, source_kind: str, outlet: str | None) -> None:
        self.feed_url = feed_url
        self.discovered_at = discovered_at
        self.source_kind = source_kind
        self.outlet = outlet
        # A feed read from disk may point at files beside it; a feed from the web must not be
        # able to make newsprism read local files, so only http(s) links are kept there.
        scheme = urlsplit(feed_url).scheme.lower()
        self.schemes = ("http", "https", "file") if scheme in ("file", "") else ("http", "https")
        self.items: list[Discovery] = []
        self.warnings: list[str] = []
        self._seen: set[str] = set()
        self.position = 0

    def add(self, link: str | None, base: str, title: str | None, date_raw: str | None) -> None:
        self.position += 1
        label = f"item {self.position}" + (f" ({title[:60]!r})" if title else "")
        if not link or not link.strip():
            self.warnings.append(f"{label}: no link; skipped")
            return
        url = urljoin(base, link.strip())
        scheme = urlsplit(url).scheme.lower()
        if scheme not in self.schemes:
            self.warnings.append(f"{label}: link {url!r} is not {'/'.join(self.schemes)}; skipped")
            return
        if url in self._seen:
            self.warnings.append(f"{label}: duplicate link {url}; kept the first")
            return
        self._seen.add(url)
        published = parse_feed_date(date_raw)
        if date_raw and published is None:
            self.warnings.append(f"{label}: unreadable date {date_raw!r}; left empty")
        self.items.append(
            Discovery(
                url=url,
                source=self.feed_url,
                source_kind=self.source_kind,
                discovered_at=self.discovered_at,
                title=title,
                feed_published=published,
                outlet_hint=self.outlet,
            )
        )


def parse_feed(data: bytes, feed_url: str, *, discovered_at: str) -> Feed:
    """Parse RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom bytes into a Feed.

    Item links are resolved against xml:base (Atom) and the feed URL. Items without a usable
    link are skipped and named in `Feed.warnings`. Raises FeedError, with a message meant for the
    user, for an HTML page, an XML bomb or other refused construct, broken XML, or XML that is
    not a feed.
    """
    root, warnings = parse_xml_safely(data)
    tag, ns = _local(root.tag), _ns(root.tag)
    if tag == "rss" and ns is None:
        feed = _parse_rss(root, feed_url, discovered_at)
    elif tag == "RDF" and ns == RDF_NS:
        feed = _parse_rdf(root, feed_url, discovered_at)
    elif tag == "feed" and ns in ATOM_NS:
        feed = _parse_atom(root, feed_url, discovered_at)
    elif tag.lower() == "html":
        raise FeedError("this is an (X)HTML page, not a feed")
    elif tag in ("urlset", "sitemapindex"):
        raise FeedError(f"this is an XML sitemap (<{tag}>), not a feed")
    else:
        raise FeedError(f"not a feed: the root element is <{tag}>; expected <rss>, <feed> (Atom) or <rdf:RDF>")
    if warnings:
        return Feed(feed.title, feed.link, feed.language, feed.format, feed.items, tuple(warnings) + feed.warnings)
    return feed


def _atom_link(el: Element, base: str, ns: str) -> str | None:
    """The alternate link of an Atom element: rel="alternate" (or no rel) wins, text/html first."""
    best: tuple[int, str] | None = None
    for link in el.findall(f"{{{ns}}}link"):
        rel = (link.get("rel") or "alternate").strip().lower()
        href = link.get("href")
        if not href or rel not in ("alternate", "http://www.iana.org/assignments/relation/alternate"):
            continue
        kind = (link.get("type") or "text/html").lower()
        rank = 0 if kind in ("text/html", "application/xhtml+xml") else 1
        link_base = _xml_base(link, base)
        if best is None or rank < best[0]:
            best = (rank, urljoin(link_base, href.strip()))
    return best[1] if best else None


def _xml_base(el: Element, base: str) -> str:
    xb = el.get(f"{{{XML_NS}}}base")
    return urljoin(base, xb.strip()) if xb else base


def _lang(el: Element) -> str | None:
    v = (el.get(f"{{{XML_NS}}}lang") or "").strip()
    return v or None


def _parse_rss(root: Element, feed_url: str, discovered_at: str) -> Feed:
    channel = root.find("channel")
    scope = channel if channel is not None else root
    title = _plain(_first_text(scope, "title", f"{{{DC_NS}}}title"))
    link_text = _first_text(scope, "link")
    link = urljoin(feed_url, link_text) if link_text else _atom_link(scope, feed_url, ATOM_NS[0])
    language = _first_text(scope, "language", f"{{{DC_NS}}}language") or _lang(root)
    out = _Collector(feed_url, discovered_at, "rss", title)
    items = scope.findall("item") or root.findall("item")
    for item in items:
        link_el = _first_text(item, f"{{{FEEDBURNER_NS}}}origLink", "link")
        url = link_el or _atom_link(item, feed_url, ATOM_NS[0])
        if not url:
            guid = item.find("guid")
            guid_text = element_text(guid)
            if guid is not None and guid_text and (guid.get("isPermaLink") or "true").lower() != "false":
                url = guid_text
        out.add(
            url,
            feed_url,
            _plain(_first_text(item, "title", f"{{{DC_NS}}}title")),
            _first_text(
                item,
                "pubDate",
                f"{{{DC_NS}}}date",
                f"{{{ATOM_NS[0]}}}published",
                f"{{{ATOM_NS[0]}}}updated",
            ),
        )
    return Feed(title, link, language, "rss", tuple(out.items), tuple(out.warnings))


def _parse_rdf(root: Element, feed_url: str, discovered_at: str) -> Feed:
    ns = next((n for n in RSS1_NS if root.find(f"{{{n}}}channel") is not None or root.find(f"{{{n}}}item") is not None), RSS1_NS[0])
    channel = root.find(f"{{{ns}}}channel")
    title = link = language = None
    if channel is not None:
        title = _plain(_first_text(channel, f"{{{ns}}}title", f"{{{DC_NS}}}title"))
        link_text = _first_text(channel, f"{{{ns}}}link")
        link = urljoin(feed_url, link_text) if link_text else None
        language = _first_text(channel, f"{{{DC_NS}}}language")
    language = language or _lang(root)
    out = _Collector(feed_url, discovered_at, "rss", title)
    for item in root.findall(f"{{{ns}}}item"):
        url = _first_text(item, f"{{{FEEDBURNER_NS}}}origLink", f"{{{ns}}}link") or item.get(f"{{{RDF_NS}}}about")
        out.add(
            url,
            feed_url,
            _plain(_first_text(item, f"{{{ns}}}title", f"{{{DC_NS}}}title")),
            _first_text(item, f"{{{DC_NS}}}date"),
        )
    return Feed(title, link, language, "rdf", tuple(out.items), tuple(out.warnings))


def _parse_atom(root: Element, feed_url: str, discovered_at: str) -> Feed:
    ns = _ns(root.tag) or ATOM_NS[0]
    base = _xml_base(root, feed_url)
    title = _atom_text(root.find(f"{{{ns}}}title"))
    link = _atom_link(root, base, ns)
    language = _lang(root)
    out = _Collector(feed_url, discovered_at, "atom", title)
    for entry in root.findall(f"{{{ns}}}entry"):
        entry_base = _xml_base(entry, base)
        url = _first_text(entry, f"{{{FEEDBURNER_NS}}}origLink") or _atom_link(entry, entry_base, ns)
        if not url:
            ident = element_text(entry.find(f"{{{ns}}}id"))
            if ident and urlsplit(ident).scheme in ("http", "https"):
                url = ident
        date = _first_text(
            entry,
            f"{{{ns}}}published",
            f"{{{ns}}}issued",  # Atom 0.3
            f"{{{ns}}}updated",
            f"{{{ns}}}modified",  # Atom 0.3
            f"{{{DC_NS}}}date",
        )
        out.add(url, entry_base, _atom_text(entry.find(f"{{{ns}}}title")), date)
    return Feed(title, link, language, "atom", tuple(out.items), tuple(out.warnings))


# --------------------------------------------------------------------------------------------
# URL lists


def parse_url_list(text: str, source: str, *, discovered_at: str) -> list[Discovery]:
    """One URL per line → discoveries (source_kind "urls"), first occurrence of each URL kept.

    Blank lines and lines starting with "#" are ignored; text after a URL is allowed only as a
    "# comment". Every other line must be an absolute http(s) URL. When any line is not, the
    whole list is still read and UrlListError is raised naming each bad line by number; its
    `discoveries` holds the good lines, so a caller may report the errors and go on. Raising
    (rather than returning the errors) makes a typo impossible to miss for a caller that does
    not look.
    """
    out: list[Discovery] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        url, _, rest = line.partition(" ")
        if "\t" in url:
            url, _, rest2 = url.partition("\t")
            rest = (rest2 + " " + rest).strip()
        rest = rest.strip()
        if rest and not rest.startswith("#"):
            errors.append(f"line {n}: unexpected text after the URL: {line[:120]!r}")
            continue
        problem = _url_problem(url)
        if problem:
            errors.append(f"line {n}: {problem}: {url[:120]!r}")
            continue
        if url in seen:
            continue
        seen.add(url)
        out.append(Discovery(url=url, source=source, source_kind="urls", discovered_at=discovered_at))
    if errors:
        raise UrlListError(source, errors, out)
    return out


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme:
        return "no scheme (write http:// or https://)" if "." in url.split("/", 1)[0] else "not a URL"
    if scheme not in ("http", "https"):
        return f"scheme {scheme!r} is not http or https"
    if not parts.hostname:
        return "no host name"
    return None
