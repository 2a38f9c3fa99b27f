"""The typed, immutable records that flow between pipeline stages.

Every stage hands the next one of these, never a mutable object whose methods must be called in
order. Records are plain data: they serialize to JSON for the CLI and to rows for DuckDB.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

# Bumped whenever a parser change can alter extracted records, so every stored row says which
# extractor produced it and a re-parse can be targeted at old versions.
PARSER_VERSION = "0.2.0"


def stable_id(*parts: object) -> str:
    """A short, stable key from its parts: the same inputs give the same id in every run.

    Keys are hashes rather than sequences so that re-running a load is an upsert, not an insert.
    64 bits keep collisions negligible at the scale of millions of rows.
    """
    h = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:16]


def _as_dict(obj: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return out


@dataclass(frozen=True, slots=True)
class Discovery:
    """A candidate URL and where it came from (provenance for every article)."""

    url: str
    source: str  # the feed URL, file path, or "cli" that named this URL
    source_kind: str  # rss | atom | urls | dir | warc | cli
    discovered_at: str  # UTC ISO 8601: when newsprism saw it in the source
    title: str | None = None  # the source's title for the item (feed title)
    feed_published: str | None = None  # the source's date for the item (ISO 8601), if any
    outlet_hint: str | None = None  # e.g. a feed's channel title, Google News' <source>
    local_path: str | None = None  # set when the bytes are on disk (dir / WARC sources)
    # Aggregators (Google News, GDELT) name articles indirectly. aggregator_url keeps the
    # aggregator's own link; resolved is False while `url` is still that link (the publisher's
    # URL could not be learned), so the aggregator is never mistaken for the outlet.
    aggregator_url: str | None = None
    resolved: bool = True
    # When the source first saw the item (GDELT's seendate): not a publication date.
    source_seen_at: str | None = None
    language: str | None = None  # the source's language for the item, if it says
    # The outlet as an aggregator names it, known even while `url` is unresolved: its home page
    # (Google News <source url>) and its country (GDELT sourcecountry, e.g. "Mexico").
    outlet_url: str | None = None
    outlet_country: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetch attempt and its outcome; failures are results too, never exceptions.

    `status` is one of FETCH_STATUSES. `body` holds the bytes only for in-process hand-over to
    the parser; the durable copy is the WARC record named by `warc_file`/`warc_offset`.
    """

    url: str  # as requested
    final_url: str  # after redirects
    status: str
    fetched_at: str  # UTC ISO 8601; for archive replay, the capture time of the record
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = field(default=None, repr=False)
    sha256: str | None = None  # of the body bytes
    size: int | None = None
    elapsed_ms: int | None = None
    attempts: int = 1
    error: str | None = None  # human-readable reason for any status but "ok"
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    via: str = "http"  # http | replay | file | warc

    @property
    def ok(self) -> bool:
        return self.status == "ok"


FETCH_STATUSES = (
    "ok",
    "http_error",  # 4xx/5xx after retries; see http_status
    "timeout",
    "connection_error",
    "too_large",  # body exceeded the size cap; nothing kept
    "too_many_redirects",
    "not_html",  # content type is not a web page
    "invalid_url",
    "not_archived",  # replay mode: the archive holds no capture of this URL
    "read_error",  # local file could not be read
    "not_feed",  # a feed was expected; the bytes are not RSS/RDF/Atom
    "not_modified",  # conditional request answered 304: unchanged since the given ETag/date
    "decode_error",  # body could not be decoded (corrupt or unsupported Content-Encoding)
    "blocked_by_robots",  # robots.txt disallows this URL for newsprism; not requested
    "refused",  # the host's address is not public (loopback, private, ...) and not allow-listed; not requested
    "internal_error",  # a bug in newsprism while fetching; error holds the exception
)

# The outcome classes a user queries (fetches.outcome): what happened, in one word, across the
# technical statuses above. The last three are decided after parsing, from a page that answered
# 200 but held no readable article (PAGE_STATUS_OUTCOMES); the loader assigns them, never
# fetch_outcome.
FETCH_OUTCOMES = (
    "ok", "not_modified", "not_found", "gone", "blocked", "rate_limited", "timeout",
    "too_large", "not_html", "network_error", "redirect_loop", "server_error", "client_error",
    "invalid_url", "not_archived", "error", "paywalled", "consent_wall", "js_required",
)

# ArticleRecord.status values that mean "the request worked, the article was not there", and
# the fetch outcome each becomes.
PAGE_STATUS_OUTCOMES = {"paywalled": "paywalled", "consent_wall": "consent_wall", "js_shell": "js_required"}


def fetch_outcome(status: str, http_status: int | None) -> str:
    """The outcome class of a fetch, from its status and HTTP code (see FETCH_OUTCOMES).

    Rules, in order: ok and not_modified stand; an HTTP error maps by code (404 not_found,
    410 gone, 401/403/451 blocked, 429 rate_limited, other 4xx client_error, 5xx server_error);
    robots.txt refusals and refused (non-public) addresses are blocked; timeouts, oversize
    bodies, non-HTML bodies and redirect loops keep their class; connection and decoding
    failures are network_error; the rest is error, with the detail in fetches.status and
    fetches.error.
    """
    if status in ("ok", "not_modified", "timeout", "too_large", "not_html", "invalid_url", "not_archived"):
        return status
    if status == "http_error" and http_status is not None:
        if http_status == 404:
            return "not_found"
        if http_status == 410:
            return "gone"
        if http_status in (401, 403, 451):
            return "blocked"
        if http_status == 429:
            return "rate_limited"
        return "server_error" if http_status >= 500 else "client_error"
    if status in ("blocked_by_robots", "refused"):
        return "blocked"
    if status == "too_many_redirects":
        return "redirect_loop"
    if status in ("connection_error", "decode_error", "read_error"):
        return "network_error"
    if status == "not_feed":
        return "not_html"
    return "error"


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What the parser makes of one page. Pure data; produced by parsers.article.parse_article.

    Dates are ISO 8601 strings with an offset (or None); `*_source` names the rule that found
    them (jsonld | meta | time | url | text) so a user can judge how far to trust them.
    `body` is plain text, paragraphs separated by a blank line.
    """

    url: str  # the URL the bytes came from
    canonical_url: str  # rel=canonical / og:url when trustworthy, else url
    outlet: str  # site name, else the registrable domain
    outlet_domain: str
    title: str | None
    authors: tuple[str, ...]
    published: str | None
    published_source: str | None
    modified: str | None
    modified_source: str | None
    language: str | None  # ISO 639-1
    language_source: str | None  # html-lang | meta | jsonld | detected
    body: str
    description: str | None = None
    section: str | None = None
    genre: str | None = None  # news | opinion | analysis | ... (from JSON-LD type or markup)
    keywords: tuple[str, ...] = ()
    encoding: str | None = None  # how the bytes were decoded
    encoding_source: str | None = None  # header | bom | meta | detected | fallback
    # ok | empty (no text came out) | not_article (section front, tag or error page) |
    # paywalled (only a teaser: body holds it) | consent_wall (a cookie/consent prompt instead
    # of the article: body empty) | js_shell (the article is drawn by JavaScript: body empty).
    # The reason is also in `warnings`.
    status: str = "ok"
    warnings: tuple[str, ...] = ()
    parser_version: str = PARSER_VERSION

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)
