"""GDELT DOC 2.0 article lists → discoveries (pure: bytes in, records out).

The DOC API (api.gdeltproject.org/api/v2/doc/doc, mode=artlist, format=json) lists articles
that GDELT's crawlers saw, with the publisher's own URL, the time GDELT first saw them
("seendate", not a publication date), the language and the outlet's country. Its limits shape
how newsprism asks:
- one answer holds at most 250 records (`maxrecords`), newest first with sort=datedesc, so a
  long window is asked for in slices (`window_slices`), and a slice that comes back full is
  split again by the caller (flows.discover);
- the API officially searches only the last 3 months (`COVERAGE_DAYS`); older windows may come
  back empty or incomplete, which the caller reports;
- GDELT asks for at most one request every 5 seconds and answers refusals (rate limits,
  malformed queries such as parentheses around anything but OR-groups) with a sentence in
  plain text or HTML, often under HTTP 200: such answers raise GdeltError with that sentence,
  so a refusal is never mistaken for "no articles". An empty JSON object is zero articles.
"""
from __future__ import annotations

import functools
import html
import json
import re
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import quote, urlencode

from parsers import datafiles
from parsers.google_news import split_window
from parsers.language import normalize_language_code
from parsers.records import Discovery
from parsers.urls import is_web_url

__all__ = [
    "COVERAGE_DAYS",
    "GDELT_BASE",
    "MAX_RECORDS",
    "SOURCE_KIND",
    "GdeltError",
    "gdelt_language",
    "gdelt_url",
    "parse_gdelt",
    "parse_seendate",
    "window_slices",
]

GDELT_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"
MAX_RECORDS = 250
COVERAGE_DAYS = 90  # "the last 3 months", as GDELT documents the DOC API's searchable span
SOURCE_KIND = "gdelt"


class GdeltError(ValueError):
    """GDELT answered with a refusal or with something that is not its JSON.

    The message carries GDELT's own words. `rate_limited` is True when those words ask for
    fewer requests, so a caller may wait and ask once more.
    """

    def __init__(self, message: str, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited


def _utc(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def gdelt_url(
    query: str,
    start: datetime,
    end: datetime,
    max_records: int = MAX_RECORDS,
    *,
    base: str = GDELT_BASE,
) -> str:
    """The DOC 2.0 article-list URL for `query` between two times (UTC; naive times are
    taken as UTC), newest first, in JSON. Raises ValueError for an empty query, an inverted
    window or `max_records` outside 1..250."""
    q = " ".join(query.split())
    if not q:
        raise ValueError("a GDELT query needs search terms (query is empty)")
    if not 1 <= max_records <= MAX_RECORDS:
        raise ValueError(f"GDELT returns 1 to {MAX_RECORDS} records per request; max_records={max_records}")
    s, e = _utc(start), _utc(end)
    if e <= s:
        raise ValueError(f"the GDELT window ends ({e.isoformat()}) before it starts ({s.isoformat()})")
    params = {
        "query": q,
        "mode": "artlist",
        "format": "json",
        "maxrecords": str(max_records),
        "startdatetime": s.strftime("%Y%m%d%H%M%S"),
        "enddatetime": e.strftime("%Y%m%d%H%M%S"),
        "sort": "datedesc",
    }
    return f"{base}?{urlencode(params, quote_via=quote, safe=':')}"


def window_slices(start: datetime, end: datetime, max_days: int) -> list[tuple[datetime, datetime]]:
    """start..end (UTC) cut into consecutive slices of at most `max_days` calendar days
    (parsers.google_news.split_window), each running from its first day's midnight (or
    `start`) to the next slice's midnight (or `end`), oldest first."""
    s, e = _utc(start), _utc(end)
    out = []
    for first, last in split_window(s, e, max_days):
        lo = max(s, datetime.combine(first, time(0, 0), timezone.utc))
        hi = min(e, datetime.combine(last + timedelta(days=1), time(0, 0), timezone.utc))
        if hi > lo:
            out.append((lo, hi))
    return out


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, str], tuple[str, ...]]:
    data = datafiles.load("gdelt")
    langs = {k.lower(): v for k, v in data.get("languages", {}).items()}
    phrases = tuple(p.lower() for p in data.get("errors", {}).get("rate_limit_phrases", []))
    return langs, phrases


def gdelt_language(name: str | None) -> str | None:
    """GDELT's language name ("Spanish") → ISO 639-1 ("es"); codes pass through the common
    normaliser; unknown names → None."""
    if not name or not name.strip():
        return None
    key = " ".join(name.split()).lower()
    code = _rules()[0].get(key)
    if code:
        return code
    return normalize_language_code(key) if len(key) <= 3 else None


_SEENDATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T?(\d{2})(\d{2})(\d{2})Z?$")


def parse_seendate(value: str | None) -> str | None:
    """GDELT's seendate ("20250328T201500Z", always UTC) → ISO 8601 with offset; None when
    empty or unreadable. ISO 8601 input is accepted too."""
    if not value or not value.strip():
        return None
    v = value.strip()
    m = _SEENDATE.match(v)
    try:
        if m:
            y, mo, d, h, mi, s = (int(g) for g in m.groups())
            return datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).isoformat()
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(dt).isoformat()


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_BAD_ESCAPE = re.compile(r'\\(?!["\\/bfnrtu])')


def _refusal_text(text: str) -> str:
    plain = html.unescape(_TAGS.sub(" ", text))
    plain = " ".join(plain.split())
    return plain[:300] + ("…" if len(plain) > 300 else "")


def _load(text: str) -> object:
    """GDELT's JSON, which now and then carries raw control characters or invalid backslash
    escapes inside titles: both are tolerated (strict=False; stray backslashes doubled)."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as first:
        repaired = _BAD_ESCAPE.sub(r"\\\\", text)
        if repaired != text:
            try:
                return json.loads(repaired, strict=False)
            except json.JSONDecodeError:
                pass
        raise GdeltError(f"GDELT's answer is not valid JSON: {first.msg} (line {first.lineno}, column {first.colno})") from None


def parse_gdelt(
    data: bytes,
    api_url: str,
    *,
    discovered_at: str,
    source: str | None = None,
) -> list[Discovery]:
    """A DOC 2.0 artlist JSON answer → one discovery per article (source_kind "gdelt").

    Rules, in order:
    1. An empty body, or one that does not start with "{" (GDELT's refusals are plain text or
       HTML), raises GdeltError carrying GDELT's words; `rate_limited` says whether they ask
       for fewer requests (parsers/data/gdelt.toml).
    2. Invalid JSON raises GdeltError; a JSON object without "articles" (GDELT sends `{}`) is
       zero articles.
    3. Per article: `url` must be an absolute http(s) URL (others are skipped, as are repeats);
       `title` is unescaped plain text; `seendate` goes to `source_seen_at` (when GDELT first
       saw it, never a publication date: `feed_published` stays empty); `language` is mapped
       to ISO 639-1; `sourcecountry` goes to `outlet_country`. The URL is the publisher's
       own, so `resolved` stays True.
    `source` names the provenance (default `api_url`).
    """
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text:
        raise GdeltError("GDELT sent an empty answer")
    if not text.startswith("{"):
        words = _refusal_text(text) or "(no text)"
        low = words.lower()
        limited = any(p in low for p in _rules()[1])
        raise GdeltError(f"GDELT refused the request: {words}", rate_limited=limited)
    doc = _load(text)
    if not isinstance(doc, dict):
        raise GdeltError(f"GDELT's answer is JSON but not an object (a {type(doc).__name__})")
    articles = doc.get("articles")
    if articles is None:
        return []
    if not isinstance(articles, list):
        raise GdeltError(f"GDELT's 'articles' is not a list (a {type(articles).__name__})")
    out: list[Discovery] = []
    seen: set[str] = set()
    for art in articles:
        if not isinstance(art, dict):
            continue
        url = str(art.get("url") or "").strip()
        if not is_web_url(url) or url in seen:
            continue
        seen.add(url)
        title = " ".join(html.unescape(str(art.get("title") or "")).split()) or None
        country = " ".join(str(art.get("sourcecountry") or "").split()) or None
        out.append(
            Discovery(
                url=url,
                source=source or api_url,
                source_kind=SOURCE_KIND,
                discovered_at=discovered_at,
                title=title,
                source_seen_at=parse_seendate(str(art.get("seendate") or "")),
                language=gdelt_language(str(art.get("language") or "")),
                outlet_country=country,
            )
        )
    return out
