"""Fetch, parse and analysis batches on a Dask cluster (distributed.LocalCluster through
prefect-dask) give the same warehouse as the default thread runner, and batches big enough are
parsed and analysed on several processes."""
from __future__ import annotations

import re

import pytest

from tests.flows.conftest import table_digests

pytestmark = pytest.mark.flow

TOPIC = "noem-sheinbaum-sample"


def _run(root, db: str, monkeypatch, runner: str, batch_size: int) -> None:
    from flows.pipeline import run_flow

    monkeypatch.setenv("NEWSPRISM_TASK_RUNNER", runner)
    config = root / f"newsprism-{batch_size}.toml"
    text = (root / "newsprism.toml").read_text(encoding="utf-8")
    # small batches: several fetch and parse tasks, so the runner really spreads work
    small, n = re.subn(r"(?m)^batch_size = \d+", f"batch_size = {batch_size}", text)
    assert n == 1, "newsprism.toml sets no batch_size to override"
    config.write_text(small, encoding="utf-8")
    run_flow(topic=TOPIC, config=str(config), db=db, with_report=False)


def test_a_dask_cluster_builds_the_same_warehouse_as_threads(prefect_harness, sample_copy, tmp_path, monkeypatch):
    pytest.importorskip("prefect_dask", reason="the dask extra is not installed")
    from flows.sample import build_sample_warc

    build_sample_warc(sample_copy / "sample", sample_copy / "sample" / "edition.warc.gz")
    on_threads, on_dask = str(tmp_path / "threads.duckdb"), str(tmp_path / "dask.duckdb")
    _run(sample_copy, on_threads, monkeypatch, "threads", 4)
    _run(sample_copy, on_dask, monkeypatch, "dask", 4)
    threads, dask = table_digests(on_threads), table_digests(on_dask)
    assert threads["article_versions"][0] >= 10 and threads["claims"][0] > 100
    assert dask == threads


def test_an_unknown_runner_is_a_clear_error(monkeypatch):
    from flows.config import ConfigError, FetchSettings
    from flows.runners import task_runner

    monkeypatch.setenv("NEWSPRISM_TASK_RUNNER", "ray")
    with pytest.raises(ConfigError, match="task_runner 'ray': use one of threads, dask"):
        task_runner(FetchSettings())


def test_a_big_batch_is_parsed_on_several_processes(sample_dir):
    from flows.parallel import parse_many, parse_one
    from parsers.records import FetchResult

    pages = sorted((sample_dir / "pages").glob("*.html"))
    fetches = [FetchResult(url=p.as_uri(), final_url=p.as_uri(), status="ok", fetched_at="2025-04-03T23:00:00+00:00",
                           via="file", content_type="text/html") for p in pages] * 2
    parallel = parse_many(fetches, processes=2)
    assert [r.title for r, _ in parallel] == [parse_one(f)[0].title for f in fetches]
    assert all(error is None for _, error in parallel)
    from flows import parallel as module

    assert module._pool is not None and module._pool_size == 2  # the worker pool parsed them
    # a batch too small to be worth shipping is parsed in place
    assert len(parse_many(fetches[:3], processes=2)) == 3


def test_analysis_on_several_processes_gives_what_it_gives_in_place(sample_dir):
    from concurrent.futures import ThreadPoolExecutor

    from flows import parallel
    from flows.parallel import analyze_in_pool, parse_one
    from parsers.records import FetchResult
    from warehouse.analysis import VersionText, analyze_versions

    versions = []
    for i, page in enumerate(sorted((sample_dir / "pages").glob("*.html"))):
        record, _ = parse_one(FetchResult(url=page.as_uri(), final_url=page.as_uri(), status="ok", via="file",
                                          fetched_at="2025-04-03T23:00:00+00:00", content_type="text/html"))
        versions.append(VersionText(f"v{i}", f"a{i}", record.title, record.body, record.language, None))
    chunks = [versions[:4], versions[4:8], versions[8:]]
    if parallel._pool is not None:  # a fresh pool, so that this test shows it is the one that did the work
        parallel._pool.shutdown()
        parallel._pool = None
    with ThreadPoolExecutor(2) as threads:  # as the flow's two tasks in flight call it
        on_workers = list(threads.map(lambda c: analyze_in_pool(c, 2), chunks))
    assert parallel._pool is not None
    in_place = [analyze_versions(c) for c in chunks]
    assert [b.version_ids for b in on_workers] == [b.version_ids for b in in_place]
    assert [(b.sentences, b.claims, b.numbers, b.dates) for b in on_workers] == \
           [(b.sentences, b.claims, b.numbers, b.dates) for b in in_place]
    assert sum(len(b.claims) for b in on_workers) > 50


def test_analysis_in_small_chunks_with_few_in_flight_stores_the_same(prefect_harness, sample_copy, tmp_path, monkeypatch):
    from flows import pipeline
    from flows.sample import build_sample_warc

    build_sample_warc(sample_copy / "sample", sample_copy / "sample" / "edition.warc.gz")
    default, small = str(tmp_path / "default.duckdb"), str(tmp_path / "small.duckdb")
    _run(sample_copy, default, monkeypatch, "threads", 50)
    # one version per chunk, two chunks at a time: texts are read and results stored in a
    # rolling window, yet every version is analysed once, as in one big chunk
    monkeypatch.setattr(pipeline, "ANALYZE_CHUNK", 1)
    monkeypatch.setattr(pipeline, "ANALYZE_IN_FLIGHT", 2)
    _run(sample_copy, small, monkeypatch, "threads", 50)
    a, b = table_digests(default), table_digests(small)
    assert a["claims"][0] > 100
    assert {t: a[t] for t in ("sentences", "claims", "claim_numbers", "claim_clusters")} == \
           {t: b[t] for t in ("sentences", "claims", "claim_numbers", "claim_clusters")}
