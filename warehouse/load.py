"""Batch upserts into the warehouse.

Every loader stages its batch through DuckDB's appender (bulk speed; `executemany` manages about
1,000 rows/s, PITFALLS.md) into a temporary table, then merges it into the target with one
`insert ... on conflict` statement. Keys are stable hashes, so loading the same input twice
leaves the same rows. Rows are de-duplicated by key before staging because DuckDB refuses to
update the same row twice in one statement.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import duckdb

from parsers.dates import as_utc
from parsers.records import ArticleRecord, Discovery, FetchResult, fetch_outcome, stable_id
from parsers.urls import registrable_domain


def _now() -> datetime:
    return datetime.now(timezone.utc)


def merge_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    key: Sequence[str],
    updates: dict[str, str] | None = None,
) -> int:
    """Upsert `rows` (tuples in `columns` order) into `table`; return the number staged.

    `updates` maps a column to the SQL expression it takes on conflict (`excluded.col` is the new
    value, `{t}.col` the stored one); None means "keep the stored row" (do nothing).
    """
    key_idx = [columns.index(k) for k in key]
    unique: dict[tuple, Sequence[Any]] = {}
    for row in rows:
        unique[tuple(row[i] for i in key_idx)] = row  # last one wins within a batch
    if not unique:
        return 0
    stage = f"_stage_{table}"
    cols = ", ".join(columns)
    con.execute(f"create or replace temp table {stage} as select {cols} from {table} limit 0")
    appender = con.appender(stage)
    appender.append_rows(list(unique.values()))
    appender.flush()
    if updates:
        sets = ", ".join(f"{c} = {expr.format(t=table)}" for c, expr in updates.items())
        conflict = f"do update set {sets}"
    else:
        conflict = "do nothing"
    con.execute(
        f"insert into {table} ({cols}) select {cols} from {stage} "
        f"on conflict ({', '.join(key)}) {conflict}"
    )
    con.execute(f"drop table {stage}")
    return len(unique)


# --- outlets -------------------------------------------------------------------------------

def outlet_key(domain: str | None, name: str | None) -> str:
    """Outlets are keyed by registrable domain; pages without one (local files) by site name."""
    return stable_id("outlet", (domain or "").lower() or (name or "unknown").strip().lower())


def domain_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return registrable_domain(host) if host else ""


_NAME_RANK = "case {col} when 'page' then 2 when 'feed' then 1 else 0 end"


def load_outlets(con, outlets: Iterable[tuple[str, str | None, str, datetime | None]]) -> int:
    """(domain, name, name_source, first_seen_at). A site name from a page beats a feed's channel
    title, which beats the bare domain; a weaker source never overwrites a stronger one."""
    rows = [(outlet_key(d, n), d, n or d, src if n else "domain", seen) for d, n, src, seen in outlets]
    stronger = f"{_NAME_RANK.format(col='excluded.name_source')} >= {_NAME_RANK.format(col='{t}.name_source')}"
    return merge_rows(
        con, "outlets", ["outlet_id", "domain", "name", "name_source", "first_seen_at"], rows, ["outlet_id"],
        {
            "name": f"case when {stronger} then excluded.name else {{t}}.name end",
            "name_source": f"case when {stronger} then excluded.name_source else {{t}}.name_source end",
            "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
        },
    )


# --- topics and discoveries ----------------------------------------------------------------

def load_topic(con, topic_id: str, name: str, terms: Sequence[str], min_matches: int,
               window_start: datetime | None, window_end: datetime | None) -> None:
    merge_rows(
        con, "topics",
        ["topic_id", "name", "terms", "min_matches", "window_start", "window_end", "updated_at"],
        [(topic_id, name, list(terms), min_matches, window_start, window_end, _now())],
        ["topic_id"],
        {c: f"excluded.{c}" for c in ("name", "terms", "min_matches", "window_start", "window_end", "updated_at")},
    )


def _discovery_outlet(d: Discovery) -> str:
    """The outlet's domain: the URL's, or for an unresolved aggregator link the outlet's home
    page as the aggregator names it (never the aggregator's own domain)."""
    if d.resolved:
        return domain_of(d.url)
    return domain_of(d.outlet_url) if d.outlet_url else ""


def load_discoveries(con, topic_id: str, discoveries: Sequence[Discovery]) -> int:
    load_outlets(con, [(_discovery_outlet(d), d.outlet_hint, "feed", None) for d in discoveries
                       if _discovery_outlet(d)])
    rows = [
        (
            stable_id(topic_id, d.url, d.source), topic_id, d.url,
            outlet_key(_discovery_outlet(d), None) if _discovery_outlet(d) else None,
            d.source, d.source_kind, d.title, d.feed_published, d.discovered_at, d.discovered_at,
            d.aggregator_url, d.resolved, d.source_seen_at, d.language, d.outlet_url, d.outlet_country,
        )
        for d in discoveries
    ]
    return merge_rows(
        con, "discoveries",
        ["discovery_id", "topic_id", "url", "outlet_id", "source", "source_kind", "title",
         "feed_published", "first_seen_at", "last_seen_at", "aggregator_url", "resolved",
         "source_seen_at", "language", "outlet_url", "outlet_country"],
        rows, ["discovery_id"],
        {
            "title": "coalesce(excluded.title, {t}.title)",
            "feed_published": "coalesce(excluded.feed_published, {t}.feed_published)",
            "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
            "last_seen_at": "greatest({t}.last_seen_at, excluded.last_seen_at)",
            "source_seen_at": "least({t}.source_seen_at, excluded.source_seen_at)",
        },
    )


# --- fetches -------------------------------------------------------------------------------

def fetch_id(f: FetchResult) -> str:
    return stable_id(f.url, f.fetched_at, f.via)


FETCH_COLUMNS = [
    "fetch_id", "url", "final_url", "outlet_id", "status", "outcome", "http_status", "content_type", "sha256",
    "size", "fetched_at", "elapsed_ms", "attempts", "error", "via", "warc_file", "warc_offset",
    "warc_record_id", "etag", "last_modified",
]


def load_fetches(con, fetches: Sequence[FetchResult], unreadable_pages: Mapping[str, str] | None = None) -> int:
    """Record fetch attempts. `unreadable_pages` maps fetch ids whose page parsed as no article
    (a paywall teaser, a consent wall, a JavaScript shell) to that outcome: the request
    succeeded, but the article could not be read."""
    page_outcomes = dict(unreadable_pages or {})
    rows = []
    for f in fetches:
        dom = domain_of(f.url)
        fid = fetch_id(f)
        outcome = page_outcomes.get(fid) or fetch_outcome(f.status, f.http_status)
        rows.append((
            fid, f.url, f.final_url, outlet_key(dom, None) if dom else None, f.status, outcome,
            f.http_status, f.content_type, f.sha256, f.size, f.fetched_at, f.elapsed_ms, f.attempts,
            f.error, f.via, f.warc_file, f.warc_offset, f.warc_record_id, f.etag, f.last_modified,
        ))
    load_outlets(con, [(domain_of(f.url), None, "domain", None) for f in fetches if domain_of(f.url)])
    # A fetch is a fact about one moment: re-loading it changes nothing but the outcome, which a
    # later parse may refine (a 200 that turns out to be a paywall teaser).
    return merge_rows(con, "fetches", FETCH_COLUMNS, rows, ["fetch_id"], {"outcome": "excluded.outcome"})


# --- articles and versions -----------------------------------------------------------------

def content_sha(record: ArticleRecord) -> str:
    """Versions differ when what a reader sees differs, not when ads or timestamps in the HTML do."""
    return hashlib.sha256(f"{record.title or ''}\n\n{record.body}".encode("utf-8")).hexdigest()


def article_id(record: ArticleRecord) -> str:
    return stable_id(record.canonical_url)


def version_id(record: ArticleRecord) -> str:
    return stable_id(article_id(record), content_sha(record))


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed page and the fetch it came from: the unit the article loader takes."""

    fetch: FetchResult
    record: ArticleRecord


def published_instant(iso: str | None) -> tuple[datetime | None, str | None]:
    """A page date as a timestamp for ranking, and how precise the page was about it.

    The parser never invents an offset: it returns a full instant, a local time with no zone, or
    a bare day. The latter two are stored as UTC with their precision, so that views can flag
    rankings that rest on them instead of ordering them silently as if they were exact.
    """
    if not iso:
        return None, None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None, None
    if len(iso) <= 10:
        precision = "day"
    elif dt.tzinfo is None:
        precision = "local_time"
    else:
        precision = "instant"
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)), precision


VERSION_COLUMNS = [
    "version_id", "article_id", "content_sha", "fetch_id", "url", "first_seen_at", "last_seen_at",
    "title", "authors", "published", "published_iso", "published_precision", "published_source", "modified",
    "modified_source", "language", "language_source", "body", "description", "section", "genre",
    "keywords", "encoding", "encoding_source", "parse_status", "warnings", "parser_version",
]


def load_articles(con, parsed: Sequence[Parsed]) -> int:
    """Upsert outlets, articles and versions for parsed pages; returns versions staged.

    Pages are taken in fetch order, so within a batch the first fetch of an article or of a
    content version supplies first_url / fetch_id and the last one last_seen_at, exactly as the
    on-conflict rules do across batches.
    """
    outlets, articles, versions = [], {}, {}
    for p in sorted(parsed, key=lambda p: as_utc(p.fetch.fetched_at)):
        r, f = p.record, p.fetch
        seen = as_utc(f.fetched_at)
        outlets.append((r.outlet_domain, r.outlet, "page", seen))
        aid = article_id(r)
        articles.setdefault(aid, (aid, r.canonical_url, outlet_key(r.outlet_domain, r.outlet), r.url, seen))
        vid = version_id(r)
        if vid in versions:
            versions[vid][6] = seen
            continue
        published, precision = published_instant(r.published)
        modified, _ = published_instant(r.modified)
        versions[vid] = [
            vid, aid, content_sha(r), fetch_id(f), r.url, seen, seen,
            r.title, list(r.authors), published, r.published, precision, r.published_source, modified,
            r.modified_source, r.language, r.language_source, r.body, r.description, r.section,
            r.genre, list(r.keywords), r.encoding, r.encoding_source, r.status, list(r.warnings),
            r.parser_version,
        ]
    load_outlets(con, outlets)
    merge_rows(
        con, "articles", ["article_id", "canonical_url", "outlet_id", "first_url", "first_seen_at"],
        list(articles.values()), ["article_id"],
        {"first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
         "first_url": "case when excluded.first_seen_at < {t}.first_seen_at then excluded.first_url else {t}.first_url end"},
    )
    return merge_rows(
        con, "article_versions", VERSION_COLUMNS, [tuple(v) for v in versions.values()], ["version_id"],
        {
            "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
            "last_seen_at": "greatest({t}.last_seen_at, excluded.last_seen_at)",
            "fetch_id": "case when excluded.first_seen_at < {t}.first_seen_at then excluded.fetch_id else {t}.fetch_id end",
        },
    )


def load_topic_decisions(con, topic_id: str, decisions: Iterable[tuple[str, bool, str, Sequence[str]]]) -> int:
    """(article_id, relevant, reason, matched_terms) for one topic; the latest decision wins."""
    now = _now()
    rows = [(topic_id, aid, rel, reason, list(terms), now) for aid, rel, reason, terms in decisions]
    return merge_rows(
        con, "topic_articles",
        ["topic_id", "article_id", "relevant", "reason", "matched_terms", "decided_at"],
        rows, ["topic_id", "article_id"],
        {
            **{c: f"excluded.{c}" for c in ("relevant", "reason", "matched_terms")},
            # decided_at says when the decision last changed, so re-runs leave it alone
            "decided_at": "case when excluded.relevant = {t}.relevant and excluded.reason = {t}.reason "
                          "then {t}.decided_at else excluded.decided_at end",
        },
    )


def touch_unchanged(con, fetches: Sequence[FetchResult]) -> int:
    """A 304 answer says the page is as we last saw it: extend that version's last_seen_at.

    The version touched is the latest one fetched from the same URL (the 304 carries no body
    to parse, so the URL is the only link to the article).
    """
    rows = [(f.url, as_utc(f.fetched_at)) for f in fetches if f.status == "not_modified"]
    if not rows:
        return 0
    con.execute(
        """
        update article_versions v
        set last_seen_at = greatest(v.last_seen_at, s.seen)
        from (select unnest($urls) as url, unnest($seen) as seen) s
        where v.url = s.url
          and v.version_id = (select arg_max(x.version_id, x.last_seen_at) from article_versions x
                              where x.article_id = v.article_id)
        """,
        {"urls": [u for u, _ in rows], "seen": [t for _, t in rows]},
    )
    return len(rows)
