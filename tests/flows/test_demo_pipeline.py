"""The real flows, end to end, on the sample edition (replayed from its WARC), run twice."""
from __future__ import annotations

import pytest

from warehouse.db import session

pytestmark = pytest.mark.flow


def q(demo, sql, *params):
    with session(demo["db"], read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_running_twice_changes_nothing(demo_runs):
    assert demo_runs["first"] == demo_runs["second"]
    counts = {t: n for t, (n, _) in demo_runs["second"].items()}
    for table in ("discoveries", "fetches", "articles", "article_versions", "sentences", "claims",
                  "claim_clusters", "claim_cluster_members", "claim_links", "quote_statements"):
        assert counts[table] > 0, table


def test_every_stage_left_its_mark(demo_runs):
    # discover: feed items with provenance, RSS and Atom both
    kinds = {r[0] for r in q(demo_runs, "select distinct source_kind from discoveries")}
    assert {"rss", "atom"} <= kinds
    # fetch: replayed from the archive, the paywall recorded as a failure, not dropped
    statuses = dict(q(demo_runs, "select status, count(*) from fetches group by 1"))
    assert statuses.get("ok", 0) >= 10
    assert q(demo_runs, "select count(*) from fetches where http_status = 403") == [(1,)]
    assert {r[0] for r in q(demo_runs, "select distinct via from fetches")} == {"replay"}
    # parse + load: at least six outlets, both languages, the correction as a second version
    assert q(demo_runs, "select count(distinct outlet_id) from int_topic_articles")[0][0] >= 6
    assert {r[0] for r in q(demo_runs, "select distinct language from int_topic_articles")} == {"en", "es"}
    assert q(demo_runs, "select max(n_versions) from stg_articles") == [(2,)]
    # relevance: the off-topic page is kept in the warehouse with the reason it was dropped
    dropped = q(demo_runs, "select reason from topic_articles where not relevant")
    assert len(dropped) == 1 and "matched" in dropped[0][0]
    # analyze: cross-outlet claims exist
    assert q(demo_runs, "select count(*) from claim_clusters where n_outlets >= 3")[0][0] >= 3


def test_replayed_fetch_times_are_capture_times(demo_runs):
    # Deterministic re-runs rest on this: no wall-clock time in the fetch log.
    years = {r[0] for r in q(demo_runs, "select distinct year(fetched_at) from fetches")}
    assert years == {2025}


def test_paywalled_outlet_is_unreadable_not_silent(demo_runs):
    rows = q(demo_runs, "select coverage, unreadable_outcomes from int_topic_outlets where outlet_id in "
                        "(select outlet_id from fetches where http_status = 403)")
    assert rows == [("unreadable", ["blocked"])]


def test_report_is_printed(demo_runs):
    text = demo_runs["report"]
    assert "newsprism report" in text
    for section in ("Outlets", "Outlet profiles", "Omissions", "Differing numbers", "Quote variants", "Loaded language",
                    "Reprints", "Later edits"):
        assert section in text


def test_report_artifacts_are_published(demo_runs):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[
            "report-noem-sheinbaum-sample", "coverage-noem-sheinbaum-sample"])))
    kinds = {(a.key, a.type) for a in arts}
    assert ("report-noem-sheinbaum-sample", "markdown") in kinds
    assert ("coverage-noem-sheinbaum-sample", "table") in kinds
