"""The Prefect flows: one flow per stage, composed by the `run` and `ingest` flows.

discover -> fetch -> parse -> load -> analyze -> report. Tasks work on batches, never on single
articles: a task run costs ~5 ms of orchestration plus server back-pressure (PITFALLS.md), which
would dwarf the work per article. Every task is a thin wrapper over a library function in
parsers/, warehouse/ or flows/{http,sources,archive}.py; those are what the tests exercise
directly. Stage flows pass each other a staging folder (flows/staging.py), never the data
itself. The warehouse is opened only inside the load and analyze tasks and closed at once, so
the DuckDB file lock is held for seconds, not for the length of a crawl.
"""
from __future__ import annotations

import contextlib
import functools
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import (create_markdown_artifact, create_progress_artifact, create_table_artifact,
                               update_progress_artifact)
from prefect.cache_policies import NO_CACHE

from flows import events
from flows.staging import Stage
from flows.config import FetchSettings, Topic, load_config
from parsers.dates import as_utc
from parsers.records import PAGE_STATUS_OUTCOMES, FetchResult, stable_id
from parsers.relevance import judge
from warehouse import analysis, load, recheck, report
from warehouse.db import exclusive, session, transaction
from warehouse.schema import ensure_schema, pinned

T = TypeVar("T")

ADHOC_TOPIC = "adhoc"  # the collection `newsprism ingest` loads into when no --topic is given


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _run_id() -> str | None:
    """The current flow run's id: a retried run finds its own stage again (flows/staging.py)."""
    from prefect.runtime import flow_run

    return flow_run.id


def _as_of(value: str | None) -> datetime | None:
    return as_utc(value) if value else None


# --- sessions: live HTTP or archive replay ---------------------------------------------------

def _policy(settings: FetchSettings):
    from flows.http import FetchPolicy, allow_hosts_from_env

    kwargs = {name: getattr(settings, name) for name in FetchSettings.POLICY_FIELDS}
    if not settings.user_agent:
        del kwargs["user_agent"]  # FetchPolicy's own identifies newsprism
    # The allow-list read now, not at import: `--allow-host` fills the environment first.
    kwargs["allow_hosts"] = tuple(dict.fromkeys(settings.allow_hosts + allow_hosts_from_env()))
    return FetchPolicy(**kwargs)


@functools.lru_cache(maxsize=4)
def _replay_archive(paths: tuple[str, ...], stamps: tuple[float, ...]):
    """Index the replay WARCs once per process (re-indexed when a file changes on disk)."""
    from flows.replay import ReplayArchive

    return ReplayArchive(list(paths))


def _session(settings: FetchSettings, as_of: str | None):
    from flows.config import ConfigError
    from flows.http import make_session
    from flows.replay import ReplayAdapter

    policy = _policy(settings)
    replay = None
    if settings.replay:
        missing = [str(p) for p in settings.replay if not p.exists()]
        if missing:
            raise ConfigError(f"replay archive not found: {', '.join(missing)} "
                              "(the sample edition's is built by `newsprism demo` / `make demo`)")
        paths = tuple(str(p) for p in settings.replay)
        replay = ReplayAdapter(_replay_archive(paths, tuple(p.stat().st_mtime for p in settings.replay)),
                               _as_of(as_of))
    return make_session(policy, replay=replay), policy


@contextlib.contextmanager
def _archive(settings: FetchSettings):
    """A new WARC file for this task's live responses; None in replay mode (the source WARC is
    already the archive, and copying it would only duplicate it)."""
    if settings.replay:
        yield None
        return
    from flows.archive import WarcWriter

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    # WarcWriter creates the folder and file on its first record: a task that archives nothing
    # leaves nothing behind.
    with WarcWriter(settings.archive_dir / stamp[:8] / f"newsprism-{stamp}.warc.gz") as writer:
        yield writer


def _interval(settings: FetchSettings) -> float:
    # Pacing protects live servers; replaying an archive hurts no one.
    return 0.0 if settings.replay else settings.per_host_interval


# --- discover --------------------------------------------------------------------------------

@task(name="discover-sources", cache_policy=NO_CACHE)
def discover_sources(topic: Topic, settings: FetchSettings, as_of: str | None, stage: str) -> int:
    """Ask every source of the topic (feeds, homepages, sitemaps, Google News, GDELT, WARC files,
    fixed URLs) for candidate articles and stage them with their provenance; one clear message
    per source that failed. Returns the number of distinct URLs found."""
    from flows.discover import discover_topic

    logger = get_run_logger()
    session, policy = _session(settings, as_of)
    with _archive(settings) as archive:
        result = discover_topic(topic, session=session, policy=policy, archive=archive, now=_as_of(as_of),
                                per_host_interval=_interval(settings), max_workers=settings.max_workers)
    for error in result.errors:
        logger.warning("source failed: %s", error)
    st = Stage(stage)
    st.write_discoveries(result.discoveries, batch="sources")
    st.write_fetches(result.fetches, batch="sources")
    st.write_errors(result.errors, batch="sources")
    # Pages read straight from WARC sources arrive with their bytes' location: no fetch needed.
    st.write_fetches(result.pages, batch="given")
    for warning in result.warnings:
        logger.info("discovery: %s", warning)
    if result.dropped:
        logger.info("dropped before fetching: %s", ", ".join(f"{k} {v}" for k, v in sorted(result.dropped.items())))
    n = len({d.url for d in result.discoveries})
    logger.info("%d candidate URLs from %d discoveries", n, len(result.discoveries))
    return n


@flow(name="discover", flow_run_name="discover-{topic.id}")
def discover_flow(topic: Topic, settings: FetchSettings, stage: str, as_of: str | None = None) -> int:
    """Turn a topic's sources into candidate URLs with provenance."""
    return discover_sources(topic, settings, as_of, stage)


# --- fetch -----------------------------------------------------------------------------------

# Fetch and parse tasks are cached on what they work on: the stage folder and batch (a retried
# flow run has the same folder, flows/staging.py), the URLs, and for parsing each page's content
# hash. A retry after a crash finds the batches it already staged instead of fetching and parsing
# them again. A new run has a new folder, so nothing is taken from another run.
_CACHE_FOR = timedelta(days=7)


def _fetch_key(_context, p: dict) -> str:
    return stable_id("fetch-pages", p["stage"], p["batch"], *sorted(p["urls"]))


def _parse_key(_context, p: dict) -> str:
    return stable_id("parse-pages", p["stage"], p["batch"], *sorted(f"{f.url}|{f.sha256}" for f in p["fetches"]))


@task(name="fetch-pages", cache_key_fn=_fetch_key, cache_expiration=_CACHE_FOR, persist_result=True)
def fetch_pages(urls: Sequence[str], settings: FetchSettings, as_of: str | None, stage: str, batch: str,
                validators: dict[str, tuple[str | None, str | None]] | None = None) -> int:
    """Fetch one batch of pages and stage the outcomes; live responses are archived as WARC,
    replayed ones are not. Known pages are asked for conditionally (ETag / Last-Modified), so an
    unchanged page costs a 304. Returns the number fetched ok."""
    from flows.http import fetch_many
    from flows.politeness import pacer_for

    logger = get_run_logger()
    session, policy = _session(settings, as_of)
    with _archive(settings) as archive:
        results = fetch_many(list(urls), session, policy, kind="page", archive=archive,
                             max_workers=settings.max_workers, per_host_interval=_interval(settings),
                             validators=validators or {}, pacer=pacer_for(_interval(settings)))
    for r in results:
        if not r.ok and r.status != "not_modified":
            logger.warning("not fetched %s: %s %s", r.url, r.status, r.error or "")
    Stage(stage).write_fetches(results, batch=f"pages-{batch}")
    return sum(1 for r in results if r.ok)


@flow(name="fetch", flow_run_name="fetch-pages")
def fetch_flow(stage: str, settings: FetchSettings, as_of: str | None = None, db: str | None = None) -> int:
    """Fetch the staged discoveries and rechecks not yet in hand, in batches; every outcome,
    failures included, is staged as a fetch result. Returns the number fetched ok."""
    urls = Stage(stage).urls_to_fetch()
    known: dict[str, tuple[str | None, str | None]] = {}
    if db and not settings.replay and Path(db).exists():
        with session(db, read_only=True) as con:
            known = recheck.validators(con, urls)
    ok = 0
    chunks = list(batched(urls, settings.batch_size))
    progress = _progress(len(chunks), f"fetching {len(urls)} pages in {len(chunks)} batches")
    # batches are tasks on the flow's task runner: threads here, or the workers of a Dask cluster
    futures = [fetch_pages.submit(chunk, settings, as_of, stage, f"{i:05d}", {u: known[u] for u in chunk if u in known})
               for i, chunk in enumerate(chunks)]
    for i, future in enumerate(futures):
        ok += future.result()
        progress(i + 1)
    return ok


def _progress(total: int, description: str):
    """A progress artifact for a stage of more than one batch (the UI shows a bar while it
    runs); returns the function that reports batches done."""
    if total <= 1:
        return lambda done: None
    artifact_id = create_progress_artifact(0.0, description=description)

    def update(done: int) -> None:
        update_progress_artifact(artifact_id, 100.0 * done / total)

    return update


# --- parse -----------------------------------------------------------------------------------

@task(name="parse-pages", cache_key_fn=_parse_key, cache_expiration=_CACHE_FOR, persist_result=True)
def parse_pages(fetches: Sequence[FetchResult], stage: str, batch: str, processes: int = 1) -> int:
    """Parse one batch of fetched pages and stage the records; returns pages parsed.

    The bytes are read back from where fetching put them (the WARC record, or the local file), so
    no page content travels through flow parameters or the Prefect API. With `processes` > 1 the
    pages are spread over that many worker processes (flows/parallel.py).
    """
    from flows.parallel import parse_many

    logger = get_run_logger()
    parsed = []
    for f, (record, error) in zip(fetches, parse_many(list(fetches), processes)):
        if error:
            logger.error("%s", error)
        else:
            parsed.append(load.Parsed(f, record))
    Stage(stage).write_parsed(parsed, batch=batch)
    return len(parsed)


@flow(name="parse", flow_run_name="parse-pages")
def parse_flow(stage: str, batch_size: int = 200, processes: int = 1) -> int:
    """Turn the staged pages' bytes into normalized article records; returns pages parsed.
    Batches are tasks submitted to the flow's task runner; each parses on `processes` processes."""
    pages = Stage(stage).pages_to_parse()
    chunks = list(batched(pages, batch_size))
    progress = _progress(len(chunks), f"parsing {len(pages)} pages in {len(chunks)} batches")
    futures = [parse_pages.submit(chunk, stage, f"{i:05d}", processes) for i, chunk in enumerate(chunks)]
    done = 0
    for i, future in enumerate(futures):
        done += future.result()
        progress(i + 1)
    return done


def stage_flows(settings: FetchSettings):
    """The fetch and parse flows with the task runner the settings choose, and the processes
    each parse task uses (1 under Dask, whose workers are the processes)."""
    from flows.runners import parse_processes, task_runner

    processes = parse_processes(settings)
    fetch = fetch_flow.with_options(task_runner=task_runner(settings))
    parse = parse_flow.with_options(task_runner=task_runner(settings))
    return fetch, (lambda stage: parse(stage, settings.batch_size, processes))


# --- load ------------------------------------------------------------------------------------

@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_stage(db: str, topic: Topic, stage: str, only_urls: Sequence[str] | None = None) -> dict[str, int]:
    """Upsert the staged discoveries, fetch outcomes, articles and the topic's relevance
    decisions in one short write window. `only_urls` limits the topic's decisions to the pages
    fetched from those URLs (a recheck stage shared by several topics)."""
    logger = get_run_logger()
    st = Stage(stage)
    discoveries = st.discoveries()
    mine = set(only_urls) if only_urls is not None else None
    decisions = []
    unreadable: dict[str, str] = {}
    # First pass, one parsed batch at a time: relevance is judged in Python, on the texts; the
    # decisions and page outcomes it keeps are small.
    for batch in st.parsed_batches():
        for p in batch:
            if p.record.status in PAGE_STATUS_OUTCOMES:
                unreadable[load.fetch_id(p.fetch)] = PAGE_STATUS_OUTCOMES[p.record.status]
            if mine is not None and p.fetch.url not in mine:
                continue
            d = judge(p.record, topic.terms, min_matches=topic.min_matches, window=topic.window)
            decisions.append((load.article_id(p.record), d.relevant, d.reason, d.matched_terms))
            if not d.relevant:
                logger.info("dropped %s: %s", p.record.canonical_url, d.reason)
    with session(db) as con:
        ensure_schema(con)
        with transaction(con):
            load.load_topic(con, topic.id, topic.name, topic.terms, topic.min_matches, *topic.window)
            load.load_discoveries(con, topic.id, discoveries)
            # Fetch outcomes and pages are merged from their Parquet batches by DuckDB, which
            # reads them in place: no row passes through Python here.
            n_fetches = load.load_fetch_batches(con, st.files("fetches-"), unreadable_pages=unreadable)
            # the texts one parsed batch at a time: memory follows the batch size, not the run's
            n_versions = load.load_parsed_batches(con, st.files("parsed-"))
            load.touch_unchanged_batches(con, st.files("fetches-"))
            load.load_topic_decisions(con, topic.id, decisions)
    return {
        "discoveries": len(discoveries),
        "fetches": n_fetches,
        "versions": n_versions,
        "relevant": sum(1 for d in decisions if d[1]),
        "dropped": sum(1 for d in decisions if not d[1]),
    }


@flow(name="load", flow_run_name="load-{topic.id}")
def load_flow(db: str, topic: Topic, stage: str) -> dict[str, int]:
    """Write discoveries, fetch outcomes, articles and versions, and relevance decisions."""
    counts = load_stage(db, topic, stage)
    Stage(stage).remove()  # only once loaded: a failed load can be retried from the same folder
    return counts


# --- analyze ---------------------------------------------------------------------------------

ANALYZE_CHUNK = 200  # versions per analysis task and per write
ANALYZE_IN_FLIGHT = 8  # chunks submitted and not yet stored: enough to keep a few workers busy


@task(name="analyze-sentences", cache_policy=NO_CACHE)
def analyze_versions(versions: Sequence[analysis.VersionText], processes: int = 1) -> analysis.AnalysisBatch:
    """Sentences and claim features of a chunk of versions: on a worker process of this
    machine's pool when `processes` > 1 (flows/parallel.py), else where the task runs (a Dask
    worker is a process of its own)."""
    from flows.parallel import analyze_in_pool

    return analyze_in_pool(list(versions), processes)


@task(name="align-claims", cache_policy=NO_CACHE)
def align_claims(db: str, topic_id: str, processes: int = 1) -> int:
    """Group the topic's sentences from different articles that report the same claim (and, more
    loosely, the same event), and its quote-bearing sentences by the statement they quote.
    With `processes` > 1, claims are aligned on a worker process while events are aligned here.

    One alignment of a topic at a time (warehouse.db.exclusive): a second run waits, then
    aligns what the first stored plus its own articles, instead of overwriting it with an
    alignment computed before they arrived.
    """
    from flows.parallel import worker_pool

    with exclusive(db, f"align-{topic_id}"):
        with session(db) as con:
            inputs = analysis.alignment_inputs(con, topic_id)
            quotes = analysis.alignment_inputs(con, topic_id, quotes_only=True)
            stored = analysis.stored_fingerprints(con, topic_id)
        result = analysis.compute_alignment(inputs, quotes, stored, executor=worker_pool(processes))  # file closed
        get_run_logger().info(
            "%s: %d of %d stories re-aligned; %d unchanged since their last alignment (kept as stored)",
            topic_id, len(result.fingerprints) - len(result.reused), len(result.fingerprints), len(result.reused))
        with session(db) as con:
            return analysis.store_topic_alignment(con, topic_id, inputs, result)


@flow(name="analyze", flow_run_name="analyze-{topic_id}")
def analyze_flow(db: str, topic_id: str, processes: int | None = None) -> dict[str, int]:
    """Split into sentences and extract claim features for every version of the topic's
    articles not yet analysed, then align claims across outlets.

    Chunks of versions are tasks submitted to the flow's task runner, each analysed on
    `processes` processes (default: one per core; 1 under Dask, whose workers are the
    processes); this process reads each chunk's texts just before submitting it and stores its
    analysis as it comes back, in order, so the warehouse keeps one writer and memory follows
    the chunk size, not the topic's.
    """
    from flows.parallel import default_processes

    processes = processes or default_processes()
    with session(db) as con:
        ensure_schema(con)  # views are rebuilt so a new release's SQL applies to old warehouses
        pending = analysis.versions_to_analyze(con, topic_id)
    # Analysis runs with the file closed: the lock is held only for each chunk's read and write.
    # At most ANALYZE_IN_FLIGHT chunks of texts are held at once, whatever the topic's size.
    chunks = list(batched(pending, ANALYZE_CHUNK))
    progress = _progress(len(chunks), f"analysing {len(pending)} article versions in {len(chunks)} chunks")
    in_flight: deque = deque()
    analysed = stored = 0

    def store_oldest() -> None:
        nonlocal analysed, stored
        batch = in_flight.popleft().result()
        with session(db) as con:
            analysis.store_analysis(con, batch)
        analysed += len(batch.version_ids)
        stored += 1
        progress(stored)

    for chunk in chunks:
        with session(db) as con:
            versions = analysis.version_texts(con, chunk)
        in_flight.append(analyze_versions.submit(versions, processes))
        if len(in_flight) >= ANALYZE_IN_FLIGHT:
            store_oldest()
    while in_flight:
        store_oldest()
    # alignment runs here, not on the task runner: it needs every sentence of the topic at once
    claims = align_claims(db, topic_id, processes)
    return {"versions_analyzed": analysed, "claims": claims}


def analyze_with(settings: FetchSettings):
    """The analyze flow on the task runner the settings choose (as fetch and parse run), with
    the processes each chunk uses; call it with (db, topic_id)."""
    from flows.runners import parse_processes, task_runner

    processes = parse_processes(settings)
    run = analyze_flow.with_options(task_runner=task_runner(settings))
    return lambda db, topic_id: run(db, topic_id, processes)


# --- report ----------------------------------------------------------------------------------

def _artifact_key(prefix: str, topic_id: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in topic_id.lower()).strip("-")
    return f"{prefix}-{slug}"[:100]


@flow(name="report", flow_run_name="report-{topic_id}")
def report_flow(db: str, topic_id: str) -> str:
    """Publish the comparison report (markdown) and the claim x outlet matrix (table) to the UI."""
    return publish_report(db, topic_id)


def publish_report(db: str, topic_id: str) -> str:
    """The report and coverage artifacts, attached to the flow run this is called in; returns
    the report as text."""
    with session(db, read_only=True) as con, pinned(con, report.PINNED_VIEWS, topic_id):
        # one pinning for both: the coverage table reads cmp_claim_coverage, pinned for the report
        rep = report.build_report(con, topic_id)
        table = report.coverage_table(con, topic_id)
    create_markdown_artifact(report.render_markdown(rep), key=_artifact_key("report", topic_id),
                             description=f"newsprism comparison report for {topic_id}")
    if table:
        create_table_artifact(table, key=_artifact_key("coverage", topic_id),
                              description=f"claim x outlet coverage for {topic_id}")
    return report.render_text(rep)


# --- composed flows --------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSummary:
    topic_id: str
    discovered: int
    fetched_ok: int
    fetch_failures: int  # fetched and failed (a 304 is not a failure: see unchanged)
    loaded: dict[str, int]
    analyzed: dict[str, int]
    errors: tuple[str, ...]
    report: str = ""
    unchanged: int = 0  # answered 304 Not Modified to a conditional request


def _collect(db_path: str, topic: Topic, stage: Stage, settings: FetchSettings, as_of: str | None,
             with_report: bool, analyze: bool = True) -> RunSummary:
    """fetch -> parse -> load (-> analyze -> report) for whatever the stage holds."""
    from flows.runners import shared_cluster

    with shared_cluster(settings) as run_settings:
        fetch, parse = stage_flows(run_settings)
        fetch(str(stage.path), run_settings, as_of, db_path)
        parse(str(stage.path))
        pages = stage.fetches("pages") + stage.fetches("given")
        discovered = len({d.url for d in stage.discoveries()})
        errors = tuple(stage.errors())
        loaded = load_flow(db_path, topic, str(stage.path))
        analyzed = analyze_with(run_settings)(db_path, topic.id) if analyze else {}
    text = report_flow(db_path, topic.id) if with_report and analyze else ""
    return RunSummary(
        topic_id=topic.id, discovered=discovered, fetched_ok=sum(1 for f in pages if f.ok),
        fetch_failures=sum(1 for f in pages if not f.ok and f.status != "not_modified"),
        loaded=loaded, analyzed=analyzed, errors=errors, report=text,
        unchanged=sum(1 for f in pages if f.status == "not_modified"),
    )


@flow(name="newsprism-run", flow_run_name="run-{topic}")
def run_flow(topic: str = "noem-sheinbaum", config: str | None = None, db: str | None = None,
             as_of: str | None = None, with_report: bool = True) -> RunSummary:
    """Collect and compare one topic: discover -> fetch -> parse -> load -> analyze -> report.

    `as_of` applies to archive replay only: serve each URL as the archive held it at that time.
    """
    cfg = load_config(config)
    t = cfg.topic(topic)
    db_path = db or str(cfg.db or "newsprism.duckdb")
    settings = cfg.fetch_for(t)
    stage = Stage.for_run(db_path, _run_id())
    discover_flow(t, settings, str(stage.path), as_of)
    return _collect(db_path, t, stage, settings, as_of, with_report)


@task(name="resolve-sources", cache_policy=NO_CACHE)
def resolve(sources: Sequence[str], settings: FetchSettings, stage: str) -> int:
    """Expand the given sources into discoveries, and stage the pages already in hand (files,
    WARC records, URLs that were fetched to see what they are). Returns the discoveries."""
    from flows.sources import resolve_sources

    session, policy = _session(settings, None)
    # A URL given by hand is fetched here to learn whether it is a feed or a page; its response
    # is archived like any other.
    with _archive(settings) as archive:
        plan = resolve_sources(list(sources), session=session, policy=policy, archive=archive)
    st = Stage(stage)
    st.write_discoveries(plan.discoveries, batch="given")
    st.write_fetches(plan.fetched, batch="given")
    st.write_fetches(plan.feed_fetches, batch="feeds")
    st.write_errors(plan.errors, batch="given")
    return len(plan.discoveries)


def _ingest_run_name() -> str:
    from prefect.runtime import flow_run

    return f"ingest-{flow_run.parameters.get('topic') or ADHOC_TOPIC}"  # not "ingest-None"


@flow(name="newsprism-ingest", flow_run_name=_ingest_run_name)
def ingest_flow(sources: list[str], topic: str | None = None, config: str | None = None,
                db: str | None = None) -> RunSummary:
    """Fetch, parse, load and analyze sources given by hand (URLs, feeds, URL lists, folders, WARC).

    Without a topic, everything given is kept (no relevance filter) in the 'adhoc' collection.
    """
    cfg = load_config(config)
    if topic and topic in cfg.topics:
        t = cfg.topic(topic)
    else:
        t = Topic(id=topic or ADHOC_TOPIC, name=topic or "Ad-hoc ingest", terms=(), min_matches=1)
    db_path = db or str(cfg.db or "newsprism.duckdb")
    settings = cfg.fetch_for(t)
    stage = Stage.for_run(db_path, _run_id())
    resolve(sources, settings, str(stage.path))
    return _collect(db_path, t, stage, settings, None, with_report=False)


def _stored_topic(con, topic_id: str) -> Topic:
    """A topic as the warehouse recorded it, for rechecks of topics no longer in the config."""
    name, terms, min_matches, start, end = con.execute(
        "select name, terms, min_matches, window_start, window_end from topics where topic_id = ?", [topic_id]
    ).fetchone()
    return Topic(id=topic_id, name=name, terms=tuple(terms or ()), min_matches=min_matches or 1,
                 window_start=start, window_end=end)


@flow(name="newsprism-recheck", flow_run_name="recheck")
def recheck_flow(config: str | None = None, db: str | None = None, topic: str | None = None,
                 limit: int = 500, now: str | None = None) -> dict[str, int]:
    """Fetch known articles again on a decaying schedule (warehouse/recheck.py) to catch edits.

    Each page is fetched once, conditionally (a 304 costs the outlet nothing), whatever the
    number of topics it belongs to; a changed page becomes a new version and its topics are
    re-analysed. Returns per-topic counts of rechecked pages.
    """
    cfg = load_config(config)
    db_path = db or str(cfg.db or "newsprism.duckdb")
    if not Path(db_path).exists():
        get_run_logger().info("no warehouse at %s: nothing to recheck", db_path)
        return {}
    with session(db_path, read_only=True) as con:
        due = recheck.due_for_recheck(con, _as_of(now), topic_id=topic, limit=limit)
        by_topic: dict[str, list[str]] = {}
        for topic_id, url in due:
            by_topic.setdefault(topic_id, []).append(url)
        topics = {t: cfg.topics.get(t) or _stored_topic(con, t) for t in by_topic}
    if not due:
        return {}
    # One fetch per URL: topics that replay an archive recheck it against that archive.
    groups: dict[FetchSettings, list[str]] = {}
    for t, urls in by_topic.items():
        groups.setdefault(cfg.fetch_for(topics[t]), []).extend(urls)
    counts: dict[str, int] = {}
    for settings, urls in groups.items():
        stage = Stage.create(db_path)
        stage.write_rechecks(dict.fromkeys(urls))
        from flows.runners import shared_cluster

        with shared_cluster(settings) as run_settings:
            fetch, parse = stage_flows(run_settings)
            fetch(str(stage.path), run_settings, None, db_path)
            parse(str(stage.path))
        with session(db_path, read_only=True) as con:
            before = recheck.version_counts(con, urls)
        for t, mine in by_topic.items():
            if cfg.fetch_for(topics[t]) == settings:
                load_stage(db_path, topics[t], str(stage.path), only_urls=mine)
                with session(db_path, read_only=True) as con:
                    after = recheck.version_counts(con, mine)
                changed = {a: v for a, v in after.items() if v[1] > before.get(a, (None, 0, None))[1]}
                for article_id, (url, n_versions, outlet) in changed.items():
                    events.article_changed(t, article_id, url, n_versions=n_versions, outlet=outlet)
                if changed:
                    get_run_logger().info("%s: %d articles changed since their last fetch", t, len(changed))
                analyze_flow(db_path, t, settings.parse_processes)
                counts[t] = len(mine)
        stage.remove()
    return counts
