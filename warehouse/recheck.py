"""What the fetcher needs to know from the warehouse: validators for conditional requests, and
which known articles are due to be fetched again to catch later edits.

Recheck schedule (decaying): an article is fetched again when the time since its last fetch
reaches the interval for its age (age = now - its publication date, else its first fetch):

    younger than 1 day   -> every hour
    younger than 7 days  -> every 6 hours
    younger than 30 days -> every day
    younger than 90 days -> every week
    older                -> no more rechecks

Corrections cluster in the first hours and days after publication; a months-old article rarely
changes, and rechecking it costs the outlet a request for nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

import duckdb

SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=90), timedelta(days=7)),
)


def recheck_interval(age: timedelta) -> timedelta | None:
    """The interval for an article of this age, or None when it is no longer rechecked."""
    for max_age, interval in SCHEDULE:
        if age < max_age:
            return interval
    return None


def due_for_recheck(
    con: duckdb.DuckDBPyConnection,
    now: datetime | None = None,
    *,
    topic_id: str | None = None,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """(topic_id, url) of relevant web articles whose recheck is due, most overdue first."""
    now = now or datetime.now(timezone.utc)
    cases = " ".join(
        f"when age < interval '{int(max_age.total_seconds())} seconds' "
        f"then interval '{int(interval.total_seconds())} seconds'"
        for max_age, interval in SCHEDULE
    )
    rows = con.execute(
        f"""
        with articles as (
            select t.topic_id, a.article_url as url, coalesce(a.published, a.first_seen_at) as born
            from int_topic_articles t
            join stg_articles a using (article_id)
            where (t.topic_id = $topic or $topic is null)
              and regexp_matches(a.article_url, '^https?://')
        ),
        last_fetch as (
            select url, max(fetched_at) as last_at from fetches group by url
        ),
        scheduled as (
            select a.topic_id, a.url, l.last_at, $now - a.born as age
            from articles a
            join last_fetch l using (url)
        ),
        due as (
            select *, case {cases} end as every
            from scheduled
        )
        select topic_id, url
        from due
        where every is not null and last_at + every <= $now
        order by $now - (last_at + every) desc, url
        {"limit " + str(int(limit)) if limit else ""}
        """,
        {"now": now, "topic": topic_id},
    ).fetchall()
    return [(t, u) for t, u in rows]


def validators(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """ETag and Last-Modified of the latest successful fetch of each URL that has any."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return {}
    rows = con.execute(
        """
        select f.url, arg_max(f.etag, f.fetched_at), arg_max(f.last_modified, f.fetched_at)
        from fetches f
        join (select unnest($urls) as url) w using (url)
        where f.status = 'ok' and (f.etag is not null or f.last_modified is not null)
        group by f.url
        """,
        {"urls": wanted},
    ).fetchall()
    return {u: (e, lm) for u, e, lm in rows}


def version_counts(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> dict[str, tuple[str, int, str | None]]:
    """For the articles fetched from `urls`: article_id -> (URL, versions held, outlet name).
    Taken before and after a recheck, the difference names the articles that changed."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return {}
    rows = con.execute(
        """
        select a.article_id, any_value(a.canonical_url), count(distinct v.version_id), any_value(o.name)
        from articles a
        join article_versions v on v.article_id = a.article_id
        left join outlets o on o.outlet_id = a.outlet_id
        where a.article_id in (select article_id from article_versions where list_contains(?, url))
        group by a.article_id
        """, [wanted]).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}
