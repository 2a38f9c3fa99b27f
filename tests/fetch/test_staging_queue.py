"""The staging folders and the queue between discovery and ingest (flows/staging.py).

Discovery enqueues a finished stage; each ingest run claims every file waiting for its topic.
Files move by rename, so two runs never take the same file and nothing is half seen. No Prefect
here: these are file operations, tested on a real temporary folder, with real threads where two
runs race.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from flows.staging import QUEUE_DIR, STAGING_DIR, Stage
from parsers.records import Discovery, FetchResult

WHEN = "2025-04-01T23:00:00+00:00"


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "newsprism.duckdb")


def _discovery(url: str) -> Discovery:
    return Discovery(url=url, source="https://www.northernledger.example/feeds/world.xml", source_kind="rss",
                     discovered_at=WHEN, title="Noem meets Sheinbaum")


def _page(url: str) -> FetchResult:
    return FetchResult(url=url, final_url=url, status="ok", fetched_at=WHEN, http_status=200,
                       content_type="text/html", via="warc", warc_file="/archive/a.warc.gz", warc_offset=42)


def _feed(url: str, ok: bool = True) -> FetchResult:
    return FetchResult(url=url, final_url=url, status="ok" if ok else "http_error", fetched_at=WHEN,
                       http_status=200 if ok else 503, content_type="application/rss+xml", via="http")


def _discovered(db: str, n: int, prefix: str = "a") -> Stage:
    """A stage as a discovery run leaves it: discoveries, feed outcomes, given pages, errors."""
    st = Stage.create(db)
    st.write_discoveries([_discovery(f"https://{prefix}.example/{i}") for i in range(n)], batch="sources")
    st.write_fetches([_feed(f"https://{prefix}.example/feed.xml")], batch="sources")
    st.write_fetches([_page(f"https://{prefix}.example/warc/{i}") for i in range(n)], batch="given")
    st.write_errors([f"https://{prefix}.example/dead.xml: http_error 503"], batch="sources")
    return st


def _queue(db: str, topic: str) -> Path:
    return Path(db).parent / STAGING_DIR / QUEUE_DIR / topic


def test_enqueue_moves_the_whole_stage_into_the_topics_queue(db):
    st = _discovered(db, 3)
    old = st.path
    names = sorted(p.name for p in old.iterdir())
    target = st.enqueue("noem-sheinbaum")
    assert target == _queue(db, "noem-sheinbaum") / old.name == st.path
    assert not old.exists()
    assert sorted(p.name for p in target.iterdir()) == names


def test_a_claimed_stage_reads_back_as_discovery_staged_it(db):
    src = _discovered(db, 3)
    want = (src.discoveries(), src.fetches("given"), src.fetches("sources"), src.errors())
    src.enqueue("noem-sheinbaum")
    ingest = Stage.create(db)
    assert ingest.claim_queued("noem-sheinbaum") == 4  # discoveries, two fetch batches, errors
    # the kind and batch prefix is kept, so the readers by kind still find each file
    assert all(p.name.startswith(("discoveries-sources-q", "fetches-sources-q", "fetches-given-q", "errors-sources-q"))
               for p in ingest.path.iterdir())
    assert (ingest.discoveries(), ingest.fetches("given"), ingest.fetches("sources"), ingest.errors()) == want
    assert [f.url for f in ingest.fetches("pages")] == []  # given pages are not taken for fetched ones
    # the queue folder of the claimed stage is gone, the topic's queue stays for the next run
    assert list(_queue(db, "noem-sheinbaum").iterdir()) == []


def test_the_second_claim_gets_nothing(db):
    _discovered(db, 2).enqueue("noem-sheinbaum")
    first, second = Stage.create(db), Stage.create(db)
    assert first.claim_queued("noem-sheinbaum") == 4
    assert second.claim_queued("noem-sheinbaum") == 0
    assert list(second.path.iterdir()) == []
    assert len(first.discoveries()) == 2


def test_an_empty_queue_claims_nothing(db):
    st = Stage.create(db)
    assert st.claim_queued("noem-sheinbaum") == 0  # no queue folder at all yet
    _queue(db, "noem-sheinbaum").mkdir(parents=True)
    assert st.claim_queued("noem-sheinbaum") == 0  # a queue folder with nothing in it
    assert st.discoveries() == [] and st.fetches() == []


def test_batches_of_several_discovery_runs_do_not_overwrite_each_other(db):
    # both runs wrote "discoveries-sources.parquet": claimed side by side, told apart by origin
    _discovered(db, 2, prefix="a").enqueue("noem-sheinbaum")
    _discovered(db, 3, prefix="b").enqueue("noem-sheinbaum")
    ingest = Stage.create(db)
    assert ingest.claim_queued("noem-sheinbaum") == 8
    assert sorted(d.url for d in ingest.discoveries()) == sorted(
        [f"https://a.example/{i}" for i in range(2)] + [f"https://b.example/{i}" for i in range(3)])
    assert len(ingest.fetches("given")) == 5 and len(ingest.errors()) == 2


def test_each_topic_claims_only_its_own_queue(db):
    _discovered(db, 2, prefix="a").enqueue("noem-sheinbaum")
    _discovered(db, 1, prefix="b").enqueue("tariffs/2025 april")  # any topic id maps to one safe folder name
    assert sorted(p.name for p in _queue(db, "x").parent.iterdir()) == ["noem-sheinbaum", "tariffs-2025-april"]
    other = Stage.create(db)
    assert other.claim_queued("tariffs/2025 april") == 4
    assert [d.url for d in other.discoveries()] == ["https://b.example/0"]
    mine = Stage.create(db)
    assert mine.claim_queued("noem-sheinbaum") == 4
    assert len(mine.discoveries()) == 2


def test_a_half_written_file_is_never_claimed(db):
    st = _discovered(db, 1)
    (st.path / "discoveries-late.part").write_text('{"url": "https://a.example/half')  # a write cut short
    st.enqueue("noem-sheinbaum")
    ingest = Stage.create(db)
    assert ingest.claim_queued("noem-sheinbaum") == 4
    assert [d.url for d in ingest.discoveries()] == ["https://a.example/0"]
    assert sorted(p.name for p in ingest.path.iterdir() if not p.name.endswith(".parquet")) == []
    assert list(_queue(db, "noem-sheinbaum").iterdir()) == []


def test_a_claim_cut_short_is_finished_by_the_retried_run(db):
    queued = _discovered(db, 2).enqueue("noem-sheinbaum")
    ingest = Stage.for_run(db, "ingest-run-1")
    # the run died right after taking the queued stage, before moving its files up
    queued.replace(ingest.path / f".claimed-{queued.name}")
    assert ingest.discoveries() == []  # the readers do not look inside a claim in progress
    retried = Stage.for_run(db, "ingest-run-1")
    assert retried.claim_queued("noem-sheinbaum") == 4
    assert len(retried.discoveries()) == 2 and len(retried.fetches("given")) == 2
    assert [p for p in retried.path.iterdir() if p.is_dir()] == []


def test_racing_claims_take_every_file_exactly_once(db):
    """Eight ingest runs claim 30 queued stages at the same moment (real threads)."""
    queued_urls = []
    for i in range(30):
        st = _discovered(db, 2, prefix=f"s{i}")
        queued_urls += [d.url for d in st.discoveries()]
        st.enqueue("noem-sheinbaum")
    claimers = [Stage.create(db) for _ in range(8)]
    counts: list[int] = [0] * len(claimers)
    start = threading.Barrier(len(claimers))
    errors: list[BaseException] = []

    def claim(i: int) -> None:
        try:
            start.wait()
            counts[i] = claimers[i].claim_queued("noem-sheinbaum")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(claimers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sum(counts) == 30 * 4
    claimed = sorted(d.url for st in claimers for d in st.discoveries())
    assert claimed == sorted(queued_urls)  # none lost, none twice
    assert list(_queue(db, "noem-sheinbaum").iterdir()) == []


def test_a_stage_is_named_after_its_flow_run(db):
    a = Stage.for_run(db, "2d7f3c1e-run")
    a.write_errors(["kept"])
    again = Stage.for_run(db, "2d7f3c1e-run")  # the retried run
    assert again.path == a.path and again.errors() == ["kept"]
    assert Stage.for_run(db, None).path != Stage.for_run(db, None).path != a.path


def test_removing_the_last_stage_removes_the_staging_root_but_not_a_queue(db):
    st = Stage.create(db)
    st.remove()
    assert not (Path(db).parent / STAGING_DIR).exists()
    _discovered(db, 1).enqueue("noem-sheinbaum")
    st = Stage.create(db)
    st.remove()
    assert _queue(db, "noem-sheinbaum").is_dir()  # queued work outlives the runs that come and go


def test_runs_starting_and_finishing_at_once_never_fail_on_the_staging_root(db):
    """One run removing the last stage (and with it the staging root) while another creates its
    stage: neither may fail. Four threads churn for a second."""
    errors: list[str] = []
    done = [0]
    stop = time.monotonic() + 1.0

    def churn() -> None:
        while time.monotonic() < stop:
            try:
                st = Stage.create(db)
                st.write_errors(["x"])
                assert st.errors() == ["x"]
                st.remove()
                done[0] += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors[:3] == [] and done[0] > 100


def test_racing_claims_keep_each_discovery_stage_whole(db):
    """A discovery stage's files belong together (its discoveries, the pages it already holds,
    its feed outcomes): split between two ingest runs, one would fetch live what the other holds."""
    for i in range(30):
        _discovered(db, 2, prefix=f"s{i}").enqueue("noem-sheinbaum")
    claimers = [Stage.create(db) for _ in range(8)]
    start = threading.Barrier(len(claimers))

    def claim(st: Stage) -> None:
        start.wait()
        st.claim_queued("noem-sheinbaum")

    threads = [threading.Thread(target=claim, args=(st,)) for st in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    owners: dict[str, set[int]] = {}
    for n, st in enumerate(claimers):
        for f in st.fetches("given"):
            owners.setdefault(f.url.split("/")[2], set()).add(n)
        for d in st.discoveries():
            owners.setdefault(d.url.split("/")[2], set()).add(n)
    assert len(owners) == 30
    split = {host: sorted(who) for host, who in owners.items() if len(who) > 1}
    assert split == {}


def test_a_retried_discovery_run_queues_beside_its_first_attempt(db):
    # both attempts of one flow run have the same stage name; the second must not fail on it
    first = Stage.for_run(db, "run-1")
    first.write_discoveries([_discovery("https://a.example/1")], batch="sources")
    first.enqueue("t")
    again = Stage.for_run(db, "run-1")
    again.write_discoveries([_discovery("https://a.example/2")], batch="sources")
    target = again.enqueue("t")
    assert target.name.startswith("run-1-") and target.parent == _queue(db, "t")
    ingest = Stage.create(db)
    assert ingest.claim_queued("t") == 2
    assert sorted(d.url for d in ingest.discoveries()) == ["https://a.example/1", "https://a.example/2"]
