"""The metadata cascade: title, authors, dates, site name, section, genre, language, keywords.

Every field is looked for in order of trust, and the rule that found it is kept:

1. JSON-LD (schema.org NewsArticle & co., through @graph, lists and @id references);
2. <meta> tags (Open Graph, article:*, Twitter, Dublin Core, name=author|date|...) and
   microdata itemprops;
3. generic markup (<time datetime>, <h1>, <title>, byline elements, date-like elements);
4. the URL (/2025/03/28/ dates, /opinion/ genre).

Which <meta> names count, in which order, and the byline element rules are data
(data/metadata.toml). One pass over the tree collects every signal (`collect_signals`), so the
cascade itself never walks the document again.
"""
from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from parsers import datafiles
from parsers.authors import clean_authors
from parsers.charset import whole_characters
from parsers.dates import ParsedDate, is_plausible, parse_date
from parsers.language import normalize_language_code
from parsers.urls import host_of, registrable_domain

__all__ = ["Metadata", "PageSignals", "collect_signals", "extract_metadata", "clean_title"]

_SPACE = re.compile(r"\s+")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)")
_URL_DATE_COMPACT = re.compile(r"[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)")
# Matched against lower-cased class/id strings (faster than re.I).
_BYLINE_ATTR = re.compile(r"byline|by-line|author|autor|firma|writer|creditline")
_DATE_ATTR = re.compile(r"date|time|fecha|publish|posted|dateline|timestamp|meta-info|article-meta|entry-meta|post-meta|byline")
_MAX_TEXT_CANDIDATES = 40


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip() if text else ""


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the markup says about the article, each value with the rule that found it.

    Sources: jsonld | meta | time | url | text (text = visible markup: <h1>, <title>, byline
    elements, date-like elements). `title_source` is jsonld | meta | h1 | html-title.
    """

    title: str | None = None
    title_source: str | None = None
    authors: tuple[str, ...] = ()
    authors_source: str | None = None
    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    modified_source: str | None = None
    description: str | None = None
    site_name: str | None = None
    site_name_source: str | None = None
    section: str | None = None
    genre: str | None = None
    genre_source: str | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None  # declared, normalised ISO 639-1
    language_source: str | None = None  # html-lang | meta | jsonld
    canonical_link: str | None = None
    og_url: str | None = None
    article_body: str | None = None  # JSON-LD articleBody, a fallback for body extraction
    organisations: tuple[str, ...] = ()  # byline credits that are not people (wires, outlet)
    schema_type: str | None = None  # JSON-LD @type of the article object (or page object)
    og_type: str | None = None  # og:type, lower-cased ("article", "website", ...)
    # JSON-LD isAccessibleForFree of the article (False: the publisher marks it as paywalled),
    # or article:content_tier "locked"/"metered" in the meta tags; None when the page says nothing.
    accessible_for_free: bool | None = None
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class PageSignals:
    """Everything the cascade needs, gathered in one walk over the tree."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # lower-case key → contents, in order
    jsonld: list[Any] = field(default_factory=list)
    html_lang: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    canonical: str | None = None
    times: list[tuple[int, str, bool]] = field(default_factory=list)  # (priority, datetime value, in_article)
    byline_elements: list[tuple[int, Tag]] = field(default_factory=list)  # (rule index, element)
    date_elements: list[Tag] = field(default_factory=list)
    jsonld_errors: int = 0


@functools.lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    return datafiles.load("metadata")


def _attr_str(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def _byline_rule(el: Tag, cls_id: str, rules: list[dict[str, str]]) -> int | None:
    itemprop = _attr_str(el.get("itemprop")).lower()
    rel = _attr_str(el.get("rel")).lower()
    low = cls_id.lower()
    for i, rule in enumerate(rules):
        if "itemprop" in rule and rule["itemprop"] in itemprop.split():
            return i
        if "rel" in rule and rule["rel"] in rel.split():
            return i
        if "attr" in rule and rule["attr"] in low:
            return i
    return None


@functools.lru_cache(maxsize=20_000)
def _cls_traits(cls_id: str) -> tuple[bool, bool, bool]:
    """(may hold a byline, may hold a date, rejected as a byline source) for a class/id."""
    low = cls_id.lower()
    rejected = any(r.lower() in low for r in _rules()["byline"]["reject_attr"])
    return _BYLINE_ATTR.search(low) is not None, _DATE_ATTR.search(low) is not None, rejected


def collect_signals(soup: BeautifulSoup) -> PageSignals:
    """One walk over every element, keeping what the metadata cascade reads."""
    sig = PageSignals()
    element_rules = _rules()["byline"]["element_rules"]
    for el in soup.find_all(True):
        name = el.name
        attrs = el.attrs
        if name == "meta":
            content = attrs.get("content")
            if content is None:
                continue
            for k in ("property", "name", "itemprop", "http-equiv"):
                key = attrs.get(k)
                if key:
                    key = _attr_str(key).strip().lower()
                    sig.meta.setdefault(key, []).append(content)
            continue
        if name == "script":
            t = _attr_str(attrs.get("type")).lower()
            if "ld+json" in t:
                raw = el.string or el.get_text()
                data = _load_jsonld(raw)
                if data is None:
                    sig.jsonld_errors += 1
                else:
                    sig.jsonld.append(data)
            continue
        if name == "link":
            rel = _attr_str(attrs.get("rel")).lower().split()
            if "canonical" in rel and sig.canonical is None and attrs.get("href"):
                sig.canonical = attrs["href"].strip()
            continue
        if name == "html":
            if sig.html_lang is None:
                sig.html_lang = attrs.get("lang") or attrs.get("xml:lang")
            continue
        if name == "title":
            if sig.title_tag is None and el.find_parent(["svg", "body"]) is None:
                sig.title_tag = _norm(el.get_text())
            continue
        if name == "h1":
            if len(sig.h1) < 5:
                text = _norm(el.get_text(" "))
                if text:
                    sig.h1.append(text)
        elif name == "time":
            value = attrs.get("datetime") or attrs.get("content") or ""
            if value or el.get_text(strip=True):
                low = (_attr_str(attrs.get("class")) + " " + _attr_str(attrs.get("itemprop")) + " " + _attr_str(attrs.get("id"))).lower()
                prio = 0 if ("pubdate" in attrs or "datepublished" in low or "publish" in low) else (
                    2 if ("modif" in low or "updat" in low) else 1)
                sig.times.append((prio, value or el.get_text(" ", strip=True), bool(el.find_parent(["article", "main"]))))
        itemprop = attrs.get("itemprop")
        if itemprop:
            ip = _attr_str(itemprop).lower()
            for key in ("datepublished", "datemodified", "datecreated", "headline"):
                if key in ip.split():
                    value = attrs.get("content") or attrs.get("datetime")
                    if value is None:
                        value = el.get_text(" ", strip=True)
                    if value:
                        sig.meta.setdefault(key, []).append(value)
        cls = attrs.get("class")
        ident = attrs.get("id")
        if not (cls or ident or itemprop or "rel" in attrs):
            continue
        cls_id = _attr_str(cls) + " " + _attr_str(ident)
        maybe_byline, maybe_date, rejected = _cls_traits(cls_id)
        if (itemprop or "rel" in attrs or maybe_byline) and not rejected:
            rule = _byline_rule(el, cls_id, element_rules)
            if rule is not None and len(sig.byline_elements) < _MAX_TEXT_CANDIDATES:
                sig.byline_elements.append((rule, el))
        if maybe_date and len(sig.date_elements) < _MAX_TEXT_CANDIDATES and name not in ("html", "body"):
            sig.date_elements.append(el)
    return sig


# --- JSON-LD -----------------------------------------------------------------------------

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)  # whole-line JS comments; never "https://" in a value


def _load_jsonld(raw: str | None) -> Any:
    if not raw:
        return None
    text = raw.strip()
    text = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)", "", text)
    text = re.sub(r"(?:-->|//\s*\]\]>|\]\]>)\s*$", "", text).strip()
    if not text:
        return None
    repaired = _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text))
    for attempt in (text, repaired):
        try:
            data = json.loads(attempt, strict=False)
        except ValueError:
            continue
        return _whole_characters(data) if _SURROGATE_ESCAPE.search(attempt) else data
    return None


# JSON writes a character beyond U+FFFF as two escapes ("\ud83d\ude00"); a site that cuts a
# string between them leaves half a character (parsers.charset.whole_characters).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _whole_characters(value: Any) -> Any:
    if isinstance(value, str):
        return whole_characters(value)
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def _types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.rsplit("/", 1)[-1]]
    if isinstance(t, list):
        return [x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)]
    return []


def _flatten(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    """Every dict in a JSON-LD document that has a @type, outermost first."""
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            _flatten(item, out, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            out.append(data)
        graph = data.get("@graph")
        if graph is not None:
            _flatten(graph, out, depth + 1)
        for key in ("mainEntity", "mainEntityOfPage", "itemListElement"):
            sub = data.get(key)
            if isinstance(sub, (dict, list)):
                _flatten(sub, out, depth + 1)


def _jsonld_str(value: Any) -> str | None:
    if isinstance(value, str):
        return _norm(value) or None
    if isinstance(value, list):
        for v in value:
            s = _jsonld_str(v)
            if s:
                return s
    if isinstance(value, dict):
        return _jsonld_str(value.get("name") or value.get("@value"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _resolve(value: Any, ids: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and "@id" in value and len(value) <= 2 and "name" not in value:
        return ids.get(value["@id"], value)
    return value


def _person_names(value: Any, ids: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(person names, organisation names) from a JSON-LD author/creator value."""
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        item = _resolve(item, ids)
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = ", ".join(n for n in name if isinstance(n, str))
            if not isinstance(name, str):
                given, family = item.get("givenName"), item.get("familyName")
                name = " ".join(x for x in (given, family) if isinstance(x, str)) or None
            if not name:
                continue
            if any(t in ("Organization", "NewsMediaOrganization", "Corporation") for t in _types(item)):
                orgs.append(_norm(name))
            else:
                people.append(_norm(name))
    return people, orgs


def _typed_people(value: Any, ids: dict[str, dict[str, Any]]) -> bool:
    items = value if isinstance(value, list) else [value]
    resolved = [_resolve(i, ids) for i in items]
    return bool(resolved) and all(isinstance(i, dict) and "Person" in _types(i) for i in resolved)


@dataclass(slots=True)
class _LD:
    article: dict[str, Any] | None = None
    article_type: str | None = None
    page: dict[str, Any] | None = None
    site_name: str | None = None
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)


def _pick_jsonld(docs: list[Any]) -> _LD:
    r = _rules()["jsonld"]
    article_types = r["article_types"]
    page_types = set(r["page_types"])
    site_types = set(r["site_types"])
    objs: list[dict[str, Any]] = []
    for doc in docs:
        _flatten(doc, objs)
    ld = _LD()
    for o in objs:
        if isinstance(o.get("@id"), str):
            ld.ids.setdefault(o["@id"], o)
    best_rank = len(article_types)
    for o in objs:
        types = _types(o)
        for t in types:
            if t in article_types:
                rank = article_types.index(t)
                # The first article object wins; a more specific type on a later object only
                # wins when the first had no headline (a teaser stub).
                if ld.article is None or (rank < best_rank and not (ld.article.get("headline") or ld.article.get("name"))):
                    ld.article, ld.article_type, best_rank = o, t, rank
            elif t in page_types and ld.page is None:
                ld.page = o
            elif t in site_types and ld.site_name is None and o.get("name"):
                ld.site_name = _jsonld_str(o.get("name"))
    return ld


# --- titles ------------------------------------------------------------------------------

def _fold(text: str) -> str:
    """Lower-case letters and digits only, accents removed: "Aktuálně.cz" → "aktualnecz"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalnum())


def _clean_site_name(name: str, domain: str) -> str:
    """A site name without its tagline: "Aktuálně.cz - Víte, co se právě děje" → "Aktuálně.cz".

    When the name splits on a title separator and one segment is the site's domain (with or
    without its suffix, accents ignored), that segment is the name; otherwise the name stays.
    """
    if not domain:
        return name
    keys = {_fold(domain), _fold(domain.split(".")[0])}
    for sep in _rules()["title"]["separators"]:
        if sep in name:
            for segment in name.split(sep):
                if _fold(segment) in keys:
                    return segment.strip()
    return name


def _site_key(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


def _is_site(segment: str, site_names: list[str]) -> bool:
    seg = _site_key(segment)
    if not seg:
        return False
    for name in site_names:
        key = _site_key(name)
        if not key:
            continue
        if seg == key or (len(seg) >= 3 and key.startswith(seg)):
            return True  # the segment is the site's name or a short form of it
        # "The Washington Post" / "Washington Post", "Reuters.com" / "Reuters"
        if len(key) >= 4 and (seg.startswith(key) or seg.endswith(key)) and len(seg) <= len(key) + 8:
            return True
    return False


def clean_title(raw: str | None, site_names: list[str], aggressive: bool = False) -> str | None:
    """A headline without the site or section name around it.

    Rules, in order:
    1. Split on the separators of data/metadata.toml [title] (" | ", " - ", " — ", ...).
    2. Drop a first or last segment that names the site (og:site_name, JSON-LD publisher, the
       domain), repeatedly ("Headline - Section | Site" needs the section rule too).
    3. With `aggressive` (only for <title>), also drop a last segment of at most 4 words when
       at least 3 words remain: most <title>s end in a site or section name.
    """
    title = _norm(raw)
    if not title:
        return None
    r = _rules()["title"]
    seps = r["separators"]
    for _ in range(3):
        changed = False
        for sep in seps:
            if sep not in title:
                continue
            parts = title.split(sep)
            if _is_site(parts[-1], site_names) and len(sep.join(parts[:-1]).split()) >= 1:
                title, changed = sep.join(parts[:-1]).strip(), True
                break
            if _is_site(parts[0], site_names) and len(sep.join(parts[1:]).split()) >= 2:
                title, changed = sep.join(parts[1:]).strip(), True
                break
        if not changed:
            break
    if aggressive:
        for sep in seps:
            if sep.strip() in (":",) or sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            if len(tail.split()) <= r["max_tail_words"] and len(head.split()) >= r["min_head_words"]:
                title = head.strip()
                break
    return title or None


def _h1_matches(h1: str, title: str) -> bool:
    """True when the visible <h1> is the same headline as a metadata title."""
    hw, tw = _words(h1), _words(title)
    if len(hw) < 2 or not tw:
        return False
    if hw == tw:
        return True
    joined_t, joined_h = " ".join(tw), " ".join(hw)
    if joined_h in joined_t and len(hw) >= 0.6 * len(tw):
        return True
    common = len(set(hw) & set(tw))
    return common >= 0.8 * len(set(hw)) and common >= 0.8 * len(set(tw))


def _choose_title(candidates: list[tuple[str, str]], sig: PageSignals, site_names: list[str], warnings: list[str]) -> tuple[str | None, str | None]:
    """The headline a reader sees.

    Rules, in order:
    1. The first metadata title (JSON-LD headline, og:title, twitter:title, ...), cleaned of
       site affixes; if one of the page's first <h1>s is the same headline, the <h1> text
       (it never carries a site suffix or SEO variant).
    2. An <h1> that matches the <title>.
    3. The <title>, cleaned (site affix, then a short trailing segment), unless it is only the
       site's name.
    4. The page's only <h1> (templates also use <h1> for the logo, so this comes last).
    Before rule 1: when the <title> and one of the first <h1>s agree on a headline that the
    first metadata title matches neither (a site-wide og:title such as "Example News - Latest
    Headlines"), that <h1> wins.
    """
    consensus = None
    if sig.title_tag:
        consensus = next((h for h in sig.h1[:3] if _h1_matches(h, sig.title_tag) and not _is_site(h, site_names)), None)
    if consensus and candidates:
        first = clean_title(candidates[0][0], site_names) or ""
        if not _h1_matches(consensus, first) and not any(_h1_matches(h, first) for h in sig.h1[:3]) \
                and not _h1_matches(first, sig.title_tag or ""):
            warnings.append("metadata title differs from the page's <title> and <h1>; <h1> used")
            return consensus, "h1"
    for value, source in candidates:
        cleaned = clean_title(value, site_names)
        if not cleaned or _is_site(cleaned, site_names):
            continue
        for h in sig.h1[:3]:
            if _h1_matches(h, cleaned) and not _is_site(h, site_names):
                return h, "h1"
        return cleaned, source
    html_title = clean_title(sig.title_tag, site_names, aggressive=True)
    for h in sig.h1[:3]:
        if html_title and _h1_matches(h, sig.title_tag or "") and not _is_site(h, site_names):
            return h, "h1"
    if html_title and not _is_site(html_title, site_names):
        warnings.append("title from <title>")
        return html_title, "html-title"
    if len(sig.h1) == 1 and len(_words(sig.h1[0])) >= 2 and not _is_site(sig.h1[0], site_names):
        warnings.append("title from the page's only <h1>")
        return sig.h1[0], "h1"
    return None, None


# --- dates -------------------------------------------------------------------------------

def _url_date(url: str | None) -> ParsedDate | None:
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    m = _URL_DATE.search(path) or _URL_DATE_COMPACT.search(path)
    if not m:
        return None
    return parse_date(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")


def _best_date(cands: list[tuple[str | None, str]], now: datetime) -> tuple[ParsedDate | None, str | None]:
    """First plausible candidate; then a later one that states the same day more precisely.

    A JSON-LD "2025-03-28" and an article:published_time "2025-03-28T18:10:00-06:00" are the
    same fact; keeping the second loses nothing and gains the time and offset. Likewise an
    instant given in UTC is replaced by the same instant in the outlet's own offset, if the
    page states one (WordPress prints UTC in JSON-LD and local time in <time>). Candidates
    after `now`, and instants within two minutes of it (the time the server rendered the page,
    when `now` is the fetch time), are never taken.
    """
    parsed: list[tuple[ParsedDate, str]] = []
    for raw, source in cands:
        p = parse_date(raw)
        if p is not None and is_plausible(p, now) and not _is_render_time(p, now):
            parsed.append((p, source))
    if not parsed:
        return None, None
    best, source = parsed[0]
    for p, s in parsed[1:]:
        if p.precision <= best.precision:
            continue
        same_day = p.day == best.day
        if best.has_time:
            same_day = same_day and (p.value.hour, p.value.minute) == (best.value.hour, best.value.minute)
        if same_day:
            best, source = p, s
    if best.has_zone and best.value.utcoffset() == timedelta(0):
        # The same instant in the outlet's own offset keeps its local day and hour.
        for p, s in parsed:
            if p.has_zone and p.value == best.value and p.value.utcoffset() != timedelta(0):
                return p, s
    return best, source


_RENDER_WINDOW = timedelta(minutes=2)


def _is_render_time(p: ParsedDate, now: datetime) -> bool:
    """An instant within two minutes of `now`: when the caller passes the fetch time, that is
    the server's clock at render time (a "dateModified" set on every request), not a date of
    the article."""
    return p.has_zone and abs(p.value - now) <= _RENDER_WINDOW


def _date_text(el: Tag) -> str:
    value = el.get("datetime") or el.get("content") or el.get("title")
    if isinstance(value, str) and re.search(r"\d", value):
        return value
    return el.get_text(" ", strip=True)[:200]


# --- the cascade -------------------------------------------------------------------------

def _meta_first(meta: dict[str, list[str]], keys: list[str]) -> tuple[str | None, str | None]:
    for k in keys:
        for v in meta.get(k, ()):
            v = _norm(v)
            if v:
                return v, k
    return None, None


def _meta_all(meta: dict[str, list[str]], keys: list[str]) -> list[str]:
    out: list[str] = []
    for k in keys:
        out.extend(_norm(v) for v in meta.get(k, ()) if v and v.strip())
    return out


def _split_keywords(values: list[Any]) -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        items = v if isinstance(v, list) else re.split(r"[,;]", v) if isinstance(v, str) else []
        for item in items:
            if not isinstance(item, str):
                continue
            k = _norm(item).strip(" #")
            if k and len(k) <= 80 and k.lower() not in seen:
                seen.add(k.lower())
                out.append(k)
    return tuple(out[:50])


def _genre(ld_type: str | None, section: str | None, url: str | None) -> tuple[str | None, str | None]:
    """Rules, in order: a specific JSON-LD type (OpinionNewsArticle → opinion, ...); the
    section (article:section "Opinion"/"Opinión"); a URL path segment (/opinion/,
    /commentisfree/); a generic JSON-LD type (NewsArticle → news)."""
    r = _rules()
    specific = r["jsonld"]["genre"]
    if ld_type and ld_type in specific:
        return specific[ld_type], "jsonld"
    if section:
        g = r["genre"]["sections"].get(section.strip().lower())
        if g:
            return g, "meta"
    if url:
        try:
            segments = [s.lower() for s in urlsplit(url).path.split("/") if s]
        except ValueError:
            segments = []
        for seg in segments[:-1] if len(segments) > 1 else segments[:0]:
            g = r["genre"]["url_segments"].get(seg)
            if g:
                return g, "url"
    if ld_type and ld_type in r["jsonld"]["generic_genre"]:
        return r["jsonld"]["generic_genre"][ld_type], "jsonld"
    return None, None


def _in_furniture(el: Tag) -> bool:
    """True inside navigation, comments, related-story lists or sidebars: bylines there belong
    to other texts. (Not <aside>/<footer> as such: inside an <article> they often hold the
    article's own byline.)"""
    reject = _rules()["byline"]["reject_ancestor"]
    for anc in el.parents:
        if anc.name == "nav":
            return True
        cls_id = (_attr_str(anc.get("class")) + " " + _attr_str(anc.get("id"))).lower()
        if cls_id.strip() and any(r in cls_id for r in reject):
            return True
    return False


def _byline_text(el: Tag) -> str:
    # itemprop=author often wraps itemprop=name plus a photo and a bio; the name is the byline.
    name_el = el.find(attrs={"itemprop": "name"}) if el.get("itemprop") else None
    if name_el is not None:
        value = name_el.get("content") or name_el.get_text(" ", strip=True)
        if value:
            return value
    if el.name == "meta":
        return el.get("content") or ""
    text = el.get_text("\n", strip=True)
    return text if len(text) <= 200 else ""


def extract_metadata(soup: BeautifulSoup, url: str | None = None, now: datetime | None = None, signals: PageSignals | None = None) -> Metadata:
    """Run the metadata cascade over a parsed page (see the module docstring for the order).

    `now` bounds dates: nothing later than `now` is accepted as a publication or modification
    date. `signals` can be passed when the caller already ran `collect_signals`.
    """
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    sig = signals or collect_signals(soup)
    r = _rules()["meta"]
    meta = sig.meta
    warnings: list[str] = []
    ld = _pick_jsonld(sig.jsonld)
    art = ld.article or {}
    page = ld.page or {}
    if sig.jsonld_errors:
        warnings.append(f"{sig.jsonld_errors} JSON-LD block(s) could not be parsed")

    # Site name: og:site_name, JSON-LD publisher, JSON-LD WebSite/Organization.
    site_name, site_source = None, None
    og_site = _meta_first(meta, ["og:site_name"])[0]
    publisher = _resolve(art.get("publisher"), ld.ids) if art else None
    pub_name = _jsonld_str(publisher) if publisher else None
    if og_site:
        site_name, site_source = og_site, "meta"
    elif pub_name:
        site_name, site_source = pub_name, "jsonld"
    elif ld.site_name:
        site_name, site_source = ld.site_name, "jsonld"
    else:
        other, _ = _meta_first(meta, r["site_name"])
        if other:
            site_name, site_source = other, "meta"
    domain = registrable_domain(host_of(url)) if url else ""
    if site_name:
        site_name = _clean_site_name(site_name, domain)
    site_names = [n for n in (site_name, pub_name, ld.site_name, domain, domain.split(".")[0] if domain else None) if n]

    # Title.
    title_cands: list[tuple[str, str]] = []
    for key in ("headline", "name", "alternativeHeadline"):
        v = _jsonld_str(art.get(key)) if art else None
        if v:
            title_cands.append((v, "jsonld"))
            break
    for v in _meta_all(meta, r["title"]):
        title_cands.append((v, "meta"))
    if not art:
        v = _jsonld_str(page.get("headline") or page.get("name")) if page else None
        if v:
            title_cands.append((v, "jsonld"))
    title, title_source = _choose_title(title_cands, sig, site_names, warnings)

    # Authors: JSON-LD, then meta, then byline elements.
    orgs_seen: list[str] = []
    authors: tuple[str, ...] = ()
    authors_source = None
    outlet_names = [n for n in (site_name, pub_name, ld.site_name) if n]
    if art:
        people, orgs = _person_names(art.get("author") or art.get("creator"), ld.ids)
        orgs_seen.extend(orgs)
        # A schema.org Person is a person even when the site bears their name (personal
        # blogs); only untyped names are checked against the outlet's names.
        cleaned = clean_authors(people, outlet_names if not _typed_people(art.get("author") or art.get("creator"), ld.ids) else ())
        orgs_seen.extend(cleaned.organisations)
        if cleaned.people:
            authors, authors_source = cleaned.people, "jsonld"
    if not authors:
        values = [v for v in _meta_all(meta, r["authors"]) if not re.match(r"https?://|www\.", v)]
        cleaned = clean_authors(values, outlet_names)
        orgs_seen.extend(cleaned.organisations)
        if cleaned.people:
            authors, authors_source = cleaned.people, "meta"
    if not authors:
        for _, el in sorted(sig.byline_elements, key=lambda x: x[0]):
            if _in_furniture(el):
                continue
            cleaned = clean_authors(_byline_text(el), outlet_names)
            orgs_seen.extend(cleaned.organisations)
            if cleaned.people:
                authors, authors_source = cleaned.people, "text"
                break
    organisations: list[str] = []
    for o in orgs_seen:
        if o.lower() not in {x.lower() for x in organisations}:
            organisations.append(o)
    if not authors:
        warnings.append("no author found" + (f" (credited to {', '.join(organisations)})" if organisations else ""))

    # Dates.
    pub_cands: list[tuple[str | None, str]] = []
    mod_cands: list[tuple[str | None, str]] = []
    if art:
        pub_cands.append((_jsonld_str(art.get("datePublished")) or _jsonld_str(art.get("dateCreated")), "jsonld"))
        mod_cands.append((_jsonld_str(art.get("dateModified")), "jsonld"))
    for v in _meta_all(meta, r["published"]):
        pub_cands.append((v, "meta"))
    for v in _meta_all(meta, r["modified"]):
        mod_cands.append((v, "meta"))
    if page:
        pub_cands.append((_jsonld_str(page.get("datePublished")), "jsonld"))
        mod_cands.append((_jsonld_str(page.get("dateModified")), "jsonld"))
    times = sorted(sig.times, key=lambda t: (t[0], not t[2]))
    for prio, value, _ in times:
        (mod_cands if prio == 2 else pub_cands).append((value, "time"))
    url_day = _url_date(url)
    if url_day is not None:
        pub_cands.append((url_day.iso(), "url"))
    for el in sig.date_elements[:10]:
        low = (_attr_str(el.get("class")) + " " + _attr_str(el.get("id"))).lower()
        target = mod_cands if ("modif" in low or "updat" in low) else pub_cands
        target.append((_date_text(el), "text"))
    published, published_source = _best_date(pub_cands, now)
    modified, modified_source = _best_date(mod_cands, now)
    if published is None:
        warnings.append("no publication date found")
    if published is not None and modified is not None:
        if modified.has_zone == published.has_zone and modified.value < published.value:
            warnings.append("modified date before published date; modified dropped")
            modified, modified_source = None, None

    # Section, genre, description, keywords, language.
    section = None
    if art:
        section = _jsonld_str(art.get("articleSection"))
    if not section:
        section = _meta_first(meta, r["section"])[0]
    genre, genre_source = _genre(ld.article_type, section, url)
    description = (_jsonld_str(art.get("description")) if art else None) or _meta_first(meta, r["description"])[0]
    kw_values: list[Any] = []
    if art and art.get("keywords"):
        kw_values.append(art["keywords"])
    kw_values.extend(_meta_all(meta, r["keywords"]))
    keywords = _split_keywords(kw_values)

    language, language_source = None, None
    if sig.html_lang and normalize_language_code(sig.html_lang):
        language, language_source = normalize_language_code(sig.html_lang), "html-lang"
    else:
        v, _ = _meta_first(meta, r["language"])
        if v and normalize_language_code(v):
            language, language_source = normalize_language_code(v), "meta"
        elif art and normalize_language_code(_jsonld_str(art.get("inLanguage"))):
            language, language_source = normalize_language_code(_jsonld_str(art.get("inLanguage"))), "jsonld"

    og_url = _meta_first(meta, ["og:url"])[0]
    body = art.get("articleBody") if art else None
    article_body = None
    if isinstance(body, str) and body.strip():
        paras = [_SPACE.sub(" ", p).strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", html.unescape(body))]
        article_body = "\n\n".join(p for p in paras if p) or None

    return Metadata(
        title=title,
        title_source=title_source,
        authors=authors,
        authors_source=authors_source,
        published=published.iso() if published else None,
        published_source=published_source,
        modified=modified.iso() if modified else None,
        modified_source=modified_source,
        description=description,
        site_name=site_name,
        site_name_source=site_source,
        section=section,
        genre=genre,
        genre_source=genre_source,
        keywords=keywords,
        language=language,
        language_source=language_source,
        canonical_link=sig.canonical,
        og_url=og_url,
        article_body=article_body,
        organisations=tuple(organisations),
        schema_type=ld.article_type or (_types(page)[0] if page and _types(page) else None),
        og_type=(_meta_first(meta, ["og:type"])[0] or "").lower() or None,
        accessible_for_free=_accessible_for_free(art, meta),
        warnings=tuple(warnings),
    )


def _accessible_for_free(art: dict, meta: dict[str, list[str]]) -> bool | None:
    value = art.get("isAccessibleForFree") if art else None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    tier = (_meta_first(meta, ["article:content_tier"])[0] or "").strip().lower()
    if tier in ("locked", "metered"):
        return False
    if tier == "free":
        return True
    return None
