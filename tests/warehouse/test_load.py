"""Loaders and migrations on an in-memory warehouse: idempotent, versioned, outcome-preserving."""
from __future__ import annotations

import pytest

from parsers.records import ArticleRecord, Discovery, FetchResult
from warehouse import load
from warehouse.schema import migrate, migrations

URL = "https://www.example-outlet.example/world/2025/03/28/story"


@pytest.fixture()
def con(empty_warehouse):
    return empty_warehouse


def fetch(when: str, status: str = "ok", url: str = URL) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=status, fetched_at=when, http_status=200, via="http")


def record(body: str, published: str | None = "2025-03-28T18:10:00-06:00") -> ArticleRecord:
    return ArticleRecord(url=URL, canonical_url=URL, outlet="Example Outlet", outlet_domain="example-outlet.example",
                         title="Headline", authors=("Jane Roe",), published=published, published_source="jsonld",
                         modified=None, modified_source=None, language="en", language_source="html-lang", body=body)


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("outlets", "discoveries", "fetches", "articles", "article_versions")}


def test_migrations_apply_once_and_are_recorded(con):
    assert migrate(con) == []  # already applied by the fixture
    versions = [v for v, _, _ in migrations()]
    assert [r[0] for r in con.execute("select version from schema_migrations order by 1").fetchall()] == versions


def test_loading_twice_changes_nothing(con):
    d = [Discovery(url=URL, source="https://feed.example/rss", source_kind="rss", discovered_at="2025-03-29T00:00:00+00:00")]
    parsed = [load.Parsed(fetch("2025-03-29T01:00:00+00:00"), record("First text."))]
    for _ in range(2):
        load.load_discoveries(con, "t", d)
        load.load_fetches(con, [p.fetch for p in parsed])
        load.load_articles(con, parsed)
    assert counts(con) == {"outlets": 1, "discoveries": 1, "fetches": 1, "articles": 1, "article_versions": 1}


def test_changed_content_is_a_new_version_of_the_same_article(con):
    first = load.Parsed(fetch("2025-03-29T01:00:00+00:00"), record("First text."))
    again = load.Parsed(fetch("2025-03-29T05:00:00+00:00"), record("First text."))
    fixed = load.Parsed(fetch("2025-03-30T01:00:00+00:00"), record("Corrected text."))
    load.load_articles(con, [fixed, again, first])  # order within a batch does not matter
    rows = con.execute("select body, first_seen_at, last_seen_at from article_versions order by first_seen_at").fetchall()
    assert [r[0] for r in rows] == ["First text.", "Corrected text."]
    assert rows[0][1].isoformat().startswith("2025-03-29T01:00") and rows[0][2].isoformat().startswith("2025-03-29T05:00")
    assert con.execute("select count(*) from articles").fetchone() == (1,)


def test_failures_are_recorded_and_outlet_names_do_not_regress(con):
    load.load_fetches(con, [fetch("2025-03-29T01:00:00+00:00", status="timeout")])
    assert con.execute("select status from fetches").fetchall() == [("timeout",)]
    assert con.execute("select name, name_source from outlets").fetchall() == [("example-outlet.example", "domain")]
    load.load_articles(con, [load.Parsed(fetch("2025-03-29T02:00:00+00:00"), record("Text."))])
    load.load_fetches(con, [fetch("2025-03-29T03:00:00+00:00", status="timeout")])  # a later failure
    assert con.execute("select name, name_source from outlets").fetchall() == [("Example Outlet", "page")]


def test_publication_precision_is_kept(con):
    assert load.published_instant("2025-03-28T18:10:00-06:00")[1] == "instant"
    assert load.published_instant("2025-03-28T18:10:00")[1] == "local_time"
    assert load.published_instant("2025-03-28")[1] == "day"
    assert load.published_instant("not a date") == (None, None)


def test_topic_decision_time_moves_only_when_the_decision_changes(con):
    load.load_topic_decisions(con, "t", [("a1", True, "matched 2 of 3 terms (need 2)", ["x", "y"])])
    first = con.execute("select decided_at from topic_articles").fetchone()
    load.load_topic_decisions(con, "t", [("a1", True, "matched 2 of 3 terms (need 2)", ["x", "y"])])
    assert con.execute("select decided_at from topic_articles").fetchone() == first
    load.load_topic_decisions(con, "t", [("a1", False, "matched 1 of 3 terms (need 2)", ["x"])])
    assert con.execute("select relevant, decided_at > ? from topic_articles", [first[0]]).fetchone() == (False, True)


def test_a_304_extends_the_current_version(con):
    load.load_articles(con, [load.Parsed(fetch("2025-03-29T01:00:00+00:00"), record("Text."))])
    unchanged = FetchResult(url=URL, final_url=URL, status="not_modified", fetched_at="2025-03-30T01:00:00+00:00",
                            http_status=304, via="http")
    load.load_fetches(con, [unchanged])
    assert load.touch_unchanged(con, [unchanged]) == 1
    assert con.execute("select count(*), max(last_seen_at) from article_versions").fetchone()[1].isoformat().startswith(
        "2025-03-30T01:00")
    assert con.execute("select outcome from fetches").fetchall() == [("not_modified",)]


def test_a_page_without_its_article_gets_the_outcome_the_parser_saw(con):
    from parsers.records import PAGE_STATUS_OUTCOMES

    f = fetch("2025-03-29T01:00:00+00:00")
    load.load_fetches(con, [f], unreadable_pages={load.fetch_id(f): PAGE_STATUS_OUTCOMES["js_shell"]})
    assert con.execute("select status, outcome from fetches").fetchall() == [("ok", "js_required")]
