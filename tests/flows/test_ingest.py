"""`newsprism ingest` through the real flows: a WARC file and a folder of saved pages."""
from __future__ import annotations

import pytest

from warehouse.db import session

pytestmark = pytest.mark.flow


def test_ingest_a_warc_keeps_everything_without_a_topic(demo_runs, tmp_path):
    from flows.pipeline import ingest_flow

    warc = demo_runs["root"] / "sample" / "edition.warc.gz"  # built by the demo fixture
    db = str(tmp_path / "ingest.duckdb")
    summary = ingest_flow(sources=[str(warc)], config=demo_runs["config"], db=db)
    # 12 captures of 11 URLs; the paywalled page's 403 is recorded as a failure, not dropped
    assert (summary.topic_id, summary.discovered, summary.fetched_ok, summary.fetch_failures) == ("adhoc", 11, 11, 1)
    with session(db, read_only=True) as con:
        assert con.execute("select count(*) from fetches where via = 'warc'").fetchone()[0] == 12
        assert con.execute("select http_status from fetches where status <> 'ok'").fetchall() == [(403,)]
        # no topic, no filter: the off-topic page is kept; the corrected article has 2 versions
        assert con.execute("select count(*) from topic_articles where not relevant").fetchone()[0] == 0
        assert con.execute("select max(n_versions) from stg_articles").fetchone()[0] == 2
        assert con.execute("select count(*) from claim_mentions where level = 'claim'").fetchone()[0] > 100


def test_ingest_a_folder_with_a_topic_filters_by_its_terms(demo_runs, tmp_path):
    from flows.pipeline import ingest_flow

    pages = demo_runs["root"] / "sample" / "pages"
    db = str(tmp_path / "folder.duckdb")
    summary = ingest_flow(sources=[str(pages)], topic="noem-sheinbaum-sample", config=demo_runs["config"], db=db)
    assert summary.discovered == 12
    with session(db, read_only=True) as con:
        dropped = con.execute("select a.article_url from topic_articles t join stg_articles a using (article_id) "
                              "where not t.relevant").fetchall()
        # the off-topic water story is dropped, with its reason kept
        assert any("frontera" in u for (u,) in dropped)
        assert con.execute("select count(distinct via) from fetches").fetchone() == (1,)
