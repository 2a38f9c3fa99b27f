"""Batch upserts into the warehouse.

Every loader merges its batch into each target table with one `insert ... select ... on
conflict` statement. Keys are stable hashes, so loading the same input twice leaves the same
rows. A merge takes one row per key (DuckDB refuses to update the same row twice in one
statement), chosen by the rules each loader documents.

The rows come one of two ways, and the merge SQL is the same for both:
- staged Parquet batches (flows/staging.py), which DuckDB reads in place (`read_parquet`): the
  pipeline's path (`load_fetch_batches`, `load_parsed_batches`), with no Python loop over rows.
  The worker that wrote a batch also wrote the keys and instants the merge needs (`FETCH_BATCH`,
  `PAGE_BATCH`), so loading is SQL alone;
- Python records (`load_fetches`, `load_articles`, `merge_rows`), which DuckDB's appender puts
  into a temporary table first (`executemany` manages about 1,000 rows/s, PITFALLS.md).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import duckdb

from parsers.dates import as_utc
from parsers.records import ArticleRecord, Discovery, FetchResult, fetch_outcome, stable_id
from parsers.urls import registrable_domain


def _now() -> datetime:
    return datetime.now(timezone.utc)


def merge_select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    select: str,
    key: Sequence[str],
    updates: dict[str, str] | None = None,
    params: Any = None,
) -> None:
    """Upsert the rows of `select` (its columns in `columns` order, one row per key) into `table`.

    `updates` maps a column to the SQL expression it takes on conflict (`excluded.col` is the new
    value, `{t}.col` the stored one); None means "keep the stored row" (do nothing).
    """
    cols = ", ".join(columns)
    if updates:
        sets = ", ".join(f"{c} = {expr.format(t=table)}" for c, expr in updates.items())
        conflict = f"do update set {sets}"
    else:
        conflict = "do nothing"
    con.execute(
        f"insert into {table} ({cols}) select * from ({select}) on conflict ({', '.join(key)}) {conflict}",
        params,
    )


def merge_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    key: Sequence[str],
    updates: dict[str, str] | None = None,
) -> int:
    """Upsert `rows` (tuples in `columns` order) into `table`; return the number staged.

    Within the batch the last row of a key wins. `updates` as for `merge_select`.
    """
    key_of = itemgetter(*[columns.index(k) for k in key])
    unique: dict[Any, Sequence[Any]] = {}
    for row in rows:
        unique[key_of(row)] = row  # last one wins within a batch
    if not unique:
        return 0
    stage = f"_stage_{table}"
    cols = ", ".join(columns)
    con.execute(f"create or replace temp table {stage} as select {cols} from {table} limit 0")
    appender = con.appender(stage)
    appender.append_rows(list(unique.values()))
    appender.flush()
    merge_select(con, table, columns, f"select {cols} from {stage}", key, updates)
    con.execute(f"drop table {stage}")
    return len(unique)


# --- staged batches: the columns a worker writes and the loader reads in place ------------------

# A record field's annotation (records.py postpones them, so they are strings) -> its column type.
_SQL_TYPES = {
    "str": "VARCHAR", "str | None": "VARCHAR", "int": "BIGINT", "int | None": "BIGINT",
    "bool": "BOOLEAN", "bool | None": "BOOLEAN", "tuple[str, ...]": "VARCHAR[]",
}


def record_columns(cls: type, exclude: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(field name, DuckDB type) for every field of a record dataclass, in declaration order.

    A field added to a record gets its column without a change here; a field of a type with no
    column type (bytes: page bodies stay in the archive, never in a batch) must be excluded, or
    this fails naming it.
    """
    out = []
    for f in fields(cls):
        if f.name in exclude:
            continue
        sql_type = _SQL_TYPES.get(str(f.type))
        if sql_type is None:
            raise TypeError(f"{cls.__name__}.{f.name} ({f.type}) has no staging column type: "
                            "add one to warehouse.load._SQL_TYPES, or exclude the field")
        out.append((f.name, sql_type))
    return out


FETCH_FIELDS = [name for name, _ in record_columns(FetchResult, exclude=("body",))]
ARTICLE_FIELDS = [name for name, _ in record_columns(ArticleRecord)]

# A fetch batch: the FetchResult without its body, then what the loader derives from it.
FETCH_BATCH: list[tuple[str, str]] = record_columns(FetchResult, exclude=("body",)) + [
    ("fetch_id", "VARCHAR"),
    ("outlet_id", "VARCHAR"),  # NULL when the URL has no domain (a local file)
    ("outlet_domain", "VARCHAR"),
    ("seen_at", "TIMESTAMPTZ"),  # fetched_at as an instant
    ("outcome", "VARCHAR"),  # fetch_outcome(); a parse may refine it (unreadable_pages)
]

# A parsed batch: the page's fetch (its fields prefixed "fetch_", body excluded), the record,
# then what the loader derives from them.
PAGE_BATCH: list[tuple[str, str]] = (
    [(f"fetch_{name}", sql_type) for name, sql_type in record_columns(FetchResult, exclude=("body",))]
    + record_columns(ArticleRecord)
    + [
        ("fetch_id", "VARCHAR"),
        ("article_id", "VARCHAR"),
        ("version_id", "VARCHAR"),
        ("content_sha", "VARCHAR"),
        ("outlet_id", "VARCHAR"),
        ("seen_at", "TIMESTAMPTZ"),  # the fetch's instant
        ("published_at", "TIMESTAMPTZ"),  # published_instant(record.published)
        ("published_precision", "VARCHAR"),
        ("modified_at", "TIMESTAMPTZ"),
    ]
)

for _batch in (FETCH_BATCH, PAGE_BATCH):  # a field added to a record must not shadow a derived column
    _names = [name for name, _ in _batch]
    if len(set(_names)) != len(_names):
        raise TypeError(f"duplicate staged column names: {sorted({n for n in _names if _names.count(n) > 1})}")


def fetch_batch_row(f: FetchResult) -> tuple:
    """One row of a fetch batch, in FETCH_BATCH order."""
    dom = domain_of(f.url)
    return (
        *(getattr(f, name) for name in FETCH_FIELDS),
        fetch_id(f), outlet_key(dom, None) if dom else None, dom, as_utc(f.fetched_at),
        fetch_outcome(f.status, f.http_status),
    )


def page_batch_row(p: Parsed) -> tuple:
    """One row of a parsed batch, in PAGE_BATCH order."""
    f, r = p.fetch, p.record
    published, precision = published_instant(r.published)
    modified, _ = published_instant(r.modified)
    return (
        *(getattr(f, name) for name in FETCH_FIELDS),
        *(getattr(r, name) for name in ARTICLE_FIELDS),
        fetch_id(f), article_id(r), version_id(r), content_sha(r), outlet_key(r.outlet_domain, r.outlet),
        as_utc(f.fetched_at), published, precision, modified,
    )


def _batch_table(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]]) -> None:
    # `ord` is a row's place in the batch (file, then row): ties in time are broken by it
    defs = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
    con.execute(f"create or replace temp table {table} ({defs}, ord BIGINT)")


def _fill_from_rows(con, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]) -> int:
    _batch_table(con, table, columns)
    data = [(*row, i) for i, row in enumerate(rows)]
    appender = con.appender(table)
    appender.append_rows(data)
    appender.flush()
    return len(data)


def _parquet_rows(files: Sequence[str | Path]) -> tuple[str, dict[str, list[str]]]:
    """Staged batch files as one relation, each row with its place `ord` (file, then row), for
    DuckDB to read in place; and the query parameters it needs. Files written by an older release
    that lack a column added since read as NULL in it."""
    return ("(select *, (list_position($files, filename)::bigint << 32) + file_row_number as ord "
            "from read_parquet($files, filename = true, file_row_number = true, union_by_name = true))",
            {"files": [str(f) for f in files]})


# --- outlets -------------------------------------------------------------------------------

def outlet_key(domain: str | None, name: str | None) -> str:
    """Outlets are keyed by registrable domain; pages without one (local files) by site name."""
    return stable_id("outlet", (domain or "").lower() or (name or "unknown").strip().lower())


def domain_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return registrable_domain(host) if host else ""


OUTLET_COLUMNS = ["outlet_id", "domain", "name", "name_source", "first_seen_at"]
_NAME_RANK = "case {col} when 'page' then 2 when 'feed' then 1 else 0 end"
_STRONGER = f"{_NAME_RANK.format(col='excluded.name_source')} >= {_NAME_RANK.format(col='{t}.name_source')}"
_OUTLET_UPDATES = {
    "name": f"case when {_STRONGER} then excluded.name else {{t}}.name end",
    "name_source": f"case when {_STRONGER} then excluded.name_source else {{t}}.name_source end",
    "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
}


def load_outlets(con, outlets: Iterable[tuple[str, str | None, str, datetime | None]]) -> int:
    """(domain, name, name_source, first_seen_at). A site name from a page beats a feed's channel
    title, which beats the bare domain; a weaker source never overwrites a stronger one."""
    rows = [(outlet_key(d, n), d, n or d, src if n else "domain", seen) for d, n, src, seen in outlets]
    return merge_rows(con, "outlets", OUTLET_COLUMNS, rows, ["outlet_id"], _OUTLET_UPDATES)


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

# Outlets named by the fetched URLs: the bare domain, the weakest name (load_outlets' rules).
_FETCH_OUTLETS = """
    select outlet_id, any_value(outlet_domain), any_value(outlet_domain), 'domain', null::timestamptz
    from {fetches} where outlet_id is not null group by outlet_id
"""

# One row per fetch id, the last staged one (a fetch staged twice is the same fact), with the
# outcome a parse found for its page when it found one.
_FETCH_ROWS = """
    select b.fetch_id, b.url, b.final_url, b.outlet_id, b.status, coalesce(u.outcome, b.outcome),
           b.http_status, b.content_type, b.sha256, b.size, b.seen_at, b.elapsed_ms, b.attempts, b.error,
           b.via, b.warc_file, b.warc_offset, b.warc_record_id, b.etag, b.last_modified
    from {fetches} b
    left join (select unnest($ids::varchar[]) as fetch_id, unnest($outcomes::varchar[]) as outcome) u
      on u.fetch_id = b.fetch_id
    qualify row_number() over (partition by b.fetch_id order by b.ord desc) = 1
"""


def _merge_fetches(con, fetches: str, params: dict[str, Any], unreadable_pages: Mapping[str, str] | None) -> None:
    page_outcomes = dict(unreadable_pages or {})
    merge_select(con, "outlets", OUTLET_COLUMNS, _FETCH_OUTLETS.format(fetches=fetches), ["outlet_id"],
                 _OUTLET_UPDATES, params or None)
    # A fetch is a fact about one moment: re-loading it changes nothing but the outcome, which a
    # later parse may refine (a 200 that turns out to be a paywall teaser).
    merge_select(con, "fetches", FETCH_COLUMNS, _FETCH_ROWS.format(fetches=fetches), ["fetch_id"],
                 {"outcome": "excluded.outcome"},
                 {**params, "ids": list(page_outcomes), "outcomes": list(page_outcomes.values())})


def load_fetches(con, fetches: Sequence[FetchResult], unreadable_pages: Mapping[str, str] | None = None) -> int:
    """Record fetch attempts; returns the distinct fetches staged. `unreadable_pages` maps fetch
    ids whose page parsed as no article (a paywall teaser, a consent wall, a JavaScript shell) to
    that outcome: the request succeeded, but the article could not be read."""
    if not fetches:
        return 0
    _fill_from_rows(con, "_batch_fetches", FETCH_BATCH, (fetch_batch_row(f) for f in fetches))
    _merge_fetches(con, "_batch_fetches", {}, unreadable_pages)
    n = con.execute("select count(distinct fetch_id) from _batch_fetches").fetchone()[0]
    con.execute("drop table _batch_fetches")
    return n


def load_fetch_batches(con, files: Sequence[str | Path], unreadable_pages: Mapping[str, str] | None = None) -> int:
    """Record the fetch attempts of staged fetch batches (`FETCH_BATCH` Parquet files), read in
    place by DuckDB. Returns the rows staged (a fetch staged twice counts twice).
    `unreadable_pages` as for `load_fetches`."""
    if not files:
        return 0
    fetches, params = _parquet_rows(files)
    _merge_fetches(con, fetches, params, unreadable_pages)
    return con.execute(f"select count(*) from {fetches}", params).fetchone()[0]


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

# The within-batch rules, in SQL, over `{pages}` (PAGE_BATCH rows with their place `ord`). Pages
# are taken in fetch order (seen_at, then their place in the batch): an outlet takes the name of
# its strongest then latest page and its earliest sighting; an article its first page
# (first_url, first_seen_at); a version its first page (fetch_id, url, first_seen_at and the
# record's fields) and its last sighting (last_seen_at).
_PAGE_OUTLETS = f"""
    select outlet_id, outlet_domain, name, name_source, min(seen_at) over (partition by outlet_id)
    from (select outlet_id, outlet_domain, seen_at, ord,
                 coalesce(nullif(outlet, ''), outlet_domain) as name,
                 case when coalesce(outlet, '') <> '' then 'page' else 'domain' end as name_source
          from {{pages}})
    qualify row_number() over (partition by outlet_id
                               order by {_NAME_RANK.format(col='name_source')} desc, seen_at desc, ord desc) = 1
"""
_PAGE_ARTICLES = """
    select article_id, canonical_url, outlet_id, url, seen_at
    from {pages}
    qualify row_number() over (partition by article_id order by seen_at, ord) = 1
"""
_PAGE_VERSIONS = """
    select version_id, article_id, content_sha, fetch_id, url, seen_at,
           max(seen_at) over (partition by version_id),
           title, authors, published_at, published, published_precision, published_source, modified_at,
           modified_source, language, language_source, body, description, section, genre,
           keywords, encoding, encoding_source, status, warnings, parser_version
    from {pages}
    qualify row_number() over (partition by version_id order by seen_at, ord) = 1
"""
_ARTICLE_UPDATES = {
    "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
    "first_url": "case when excluded.first_seen_at < {t}.first_seen_at then excluded.first_url else {t}.first_url end",
}
_VERSION_UPDATES = {
    "first_seen_at": "least({t}.first_seen_at, excluded.first_seen_at)",
    "last_seen_at": "greatest({t}.last_seen_at, excluded.last_seen_at)",
    "fetch_id": "case when excluded.first_seen_at < {t}.first_seen_at then excluded.fetch_id else {t}.fetch_id end",
}


def _merge_outlets_and_articles(con, pages: str, params: Any = None) -> None:
    merge_select(con, "outlets", OUTLET_COLUMNS, _PAGE_OUTLETS.format(pages=pages), ["outlet_id"],
                 _OUTLET_UPDATES, params)
    merge_select(con, "articles", ["article_id", "canonical_url", "outlet_id", "first_url", "first_seen_at"],
                 _PAGE_ARTICLES.format(pages=pages), ["article_id"], _ARTICLE_UPDATES, params)


def _merge_versions(con, pages: str, params: Any = None) -> None:
    merge_select(con, "article_versions", VERSION_COLUMNS, _PAGE_VERSIONS.format(pages=pages), ["version_id"],
                 _VERSION_UPDATES, params)


def load_articles(con, parsed: Sequence[Parsed]) -> int:
    """Upsert outlets, articles and versions for parsed pages; returns versions staged.

    Pages are taken in fetch order, so within a batch the first fetch of an article or of a
    content version supplies first_url / fetch_id and the last one last_seen_at, exactly as the
    on-conflict rules do across batches.
    """
    if not parsed:
        return 0
    _fill_from_rows(con, "_batch_pages", PAGE_BATCH, (page_batch_row(p) for p in parsed))
    _merge_outlets_and_articles(con, "_batch_pages")
    _merge_versions(con, "_batch_pages")
    n = con.execute("select count(distinct version_id) from _batch_pages").fetchone()[0]
    con.execute("drop table _batch_pages")
    return n


def load_parsed_batches(con, files: Sequence[str | Path]) -> int:
    """`load_articles` for staged parsed batches (`PAGE_BATCH` Parquet files), read in place by
    DuckDB; returns the versions staged, batch by batch (as `load_articles` per batch would).

    Outlets and articles are merged from every file at once: DuckDB reads only their small key
    columns, never a body. Versions, which hold the texts, are merged one file at a time, so
    memory follows the batch size, not the run's; the on-conflict rules keep the first/last-seen
    rules across files as across runs.
    """
    if not files:
        return 0
    pages, params = _parquet_rows(files)
    _merge_outlets_and_articles(con, pages, params)
    for file in files:
        _merge_versions(con, *_parquet_rows([file]))
    return con.execute(f"select count(*) from (select distinct filename, version_id from {pages})",
                       params).fetchone()[0]


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


# The version a 304 touches is the latest one fetched from the same URL (the 304 carries no body
# to parse, so the URL is the only link to the article); several 304s of a URL count as the last.
_TOUCH = """
    update article_versions v
    set last_seen_at = greatest(v.last_seen_at, s.seen)
    from (select url, max(seen) as seen from ({source}) group by url) s
    where v.url = s.url
      and v.version_id = (select arg_max(x.version_id, x.last_seen_at) from article_versions x
                          where x.article_id = v.article_id)
"""


def touch_unchanged(con, fetches: Sequence[FetchResult]) -> int:
    """A 304 answer says the page is as we last saw it: extend that version's last_seen_at.
    Returns the 304 answers among `fetches`."""
    rows = [(f.url, as_utc(f.fetched_at)) for f in fetches if f.status == "not_modified"]
    if not rows:
        return 0
    con.execute(
        _TOUCH.format(source="select unnest($urls) as url, unnest($seen) as seen"),
        {"urls": [u for u, _ in rows], "seen": [t for _, t in rows]},
    )
    return len(rows)


def touch_unchanged_batches(con, files: Sequence[str | Path]) -> int:
    """`touch_unchanged` for the 304 answers of staged fetch batches, read in place by DuckDB
    (three small columns of each file). Run it after the stage's pages are loaded, so that a 304
    extends the latest version the warehouse holds, this stage's included."""
    if not files:
        return 0
    fetches, params = _parquet_rows(files)
    source = f"select url, seen_at as seen from {fetches} where status = 'not_modified'"
    (n,) = con.execute(f"select count(*) from ({source})", params).fetchone()
    if n:
        con.execute(_TOUCH.format(source=source), params)
    return n
