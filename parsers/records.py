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
PARSER_VERSION = "0.1.0"


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
    outlet_hint: str | None = None  # e.g. a feed's channel title
    local_path: str | None = None  # set when the bytes are on disk (dir / WARC sources)

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
    "internal_error",  # a bug in newsprism while fetching; error holds the exception
)


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
    status: str = "ok"  # ok | empty | not_article
    warnings: tuple[str, ...] = ()
    parser_version: str = PARSER_VERSION

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)
