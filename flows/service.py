"""The flows newsprism runs as a service: the deployments of prefect.yaml.

    discover (cron) ──queue + newsprism.article.discovered──► ingest (event trigger, debounced)
        ──newsprism.topic.ingested──► compare (event trigger) ──► report artifacts, story events
    recheck (cron) catches edits; digest (cron) sums up the day; source-alert runs when a source
    keeps failing (an automation on newsprism.source.failed).

Discovery and ingest hand over through the staging queue (flows/staging.py), not through event
payloads: an automation passes a run only the event that fired it, so the ingest run takes
everything waiting for its topic, however many discoveries the burst held. Each flow is a thin
layer over the stage flows and tasks of flows/pipeline.py; `newsprism run` composes the same
stages in one process.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from flows import events
from flows.config import FetchSettings, Topic, load_config
from flows.pipeline import _artifact_key, _collect, _run_id, analyze_flow, discover_sources, publish_report
from flows.staging import Stage
from warehouse import digest
from warehouse.db import DEFAULT_DB, session

DEFAULT_TOPIC = "noem-sheinbaum"
REPORTS_DIR = "reports"  # next to the warehouse: the HTML page of each compare run


def _resolve(topic: str, config: str | None, db: str | None) -> tuple[Topic, str, FetchSettings]:
    cfg = load_config(config)
    t = cfg.topic(topic)
    return t, db or str(cfg.db or DEFAULT_DB), cfg.fetch_for(t)


def _known_urls(db_path: str, topic_id: str) -> set[str]:
    if not Path(db_path).exists():
        return set()
    with session(db_path, read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where table_name = 'discoveries'").fetchone()[0]:
            return set()
        return {r[0] for r in con.execute("select distinct url from discoveries where topic_id = ?", [topic_id]).fetchall()}


@flow(name="newsprism-discover", flow_run_name="discover-{topic}")
def discover_topic_flow(topic: str = DEFAULT_TOPIC, config: str | None = None, db: str | None = None,
                        as_of: str | None = None) -> dict[str, int]:
    """Ask the topic's sources for articles and queue the URLs new to the topic for ingest.

    Emits newsprism.article.discovered for each new URL (the ingest deployment's trigger) and
    newsprism.source.failed for each source that could not be read. URLs the topic already
    knows are left to the recheck deployment, which asks for them conditionally.
    """
    logger = get_run_logger()
    t, db_path, settings = _resolve(topic, config, db)
    stage = Stage.for_run(db_path, _run_id())
    discover_sources(t, settings, as_of, str(stage.path))
    known = _known_urls(db_path, t.id)
    found = stage.discoveries()
    new = [d for d in found if d.url not in known]
    pages = [f for f in stage.fetches("given") if f.url not in known]
    stage.write_discoveries(new, batch="sources")
    stage.write_fetches(pages, batch="given")
    failed = [f for f in stage.fetches("sources") if not f.ok and f.status != "not_modified"]
    for f in failed:
        events.source_failed(t.id, f.url, f"{f.status} {f.http_status or ''} {f.error or ''}".strip())
    n_new = events.articles_discovered(t.id, new)
    logger.info("%s: %d URLs found, %d new to the topic (queued for ingest), %d already known (left to "
                "recheck); %d sources failed", t.id, len({d.url for d in found}), n_new,
                len({d.url for d in found}) - n_new, len(failed))
    # The feed requests' outcomes go with the queue too: fetch health counts failed feeds.
    stage.enqueue(t.id)
    return {"found": len({d.url for d in found}), "new": n_new, "failed_sources": len(failed)}


@flow(name="newsprism-ingest-discovered", flow_run_name="ingest-{topic}")
def ingest_discovered_flow(topic: str = DEFAULT_TOPIC, config: str | None = None, db: str | None = None) -> dict[str, int]:
    """Fetch, parse and load everything queued for the topic by discovery runs.

    Triggered by newsprism.article.discovered events, debounced (prefect.yaml): the run starts a
    short while after the first event of a burst and takes every queued URL, so 200 discoveries
    make one run. Emits newsprism.topic.ingested when it has loaded something, which starts the
    compare deployment.
    """
    logger = get_run_logger()
    t, db_path, settings = _resolve(topic, config, db)
    stage = Stage.for_run(db_path, _run_id())
    moved = stage.claim_queued(t.id)
    if not moved and not stage.files():
        logger.info("%s: nothing queued (another ingest run took it, or discovery found nothing new)", t.id)
        stage.remove()
        return {"queued_files": 0}
    summary = _collect(db_path, t, stage, settings, None, with_report=False, analyze=False)
    counts = {"queued_files": moved, "discovered": summary.discovered, "fetched_ok": summary.fetched_ok,
              "fetch_failures": summary.fetch_failures, **summary.loaded}
    logger.info("%s: %s", t.id, ", ".join(f"{k} {v}" for k, v in counts.items()))
    if summary.loaded.get("versions", 0) or summary.loaded.get("relevant", 0):
        events.topic_ingested(t.id, counts)
    else:
        logger.info("%s: no new article versions: compare is not started", t.id)
    return counts


def _story_claims(db_path: str, topic_id: str) -> dict[str, tuple[int, int, str]]:
    """Per story: (cross-outlet claims, outlets, a label) as the warehouse holds them now."""
    if not Path(db_path).exists():
        return {}
    with session(db_path, read_only=True) as con:
        if not con.execute("select count(*) from information_schema.columns where table_name = 'claim_clusters' "
                           "and column_name = 'story_id'").fetchone()[0]:
            return {}
        rows = con.execute(
            """select story_id, count(*), max(n_outlets), arg_max(label, n_outlets)
               from claim_clusters where topic_id = ? and level = 'claim' and n_outlets >= 2 and story_id is not null
               group by story_id""", [topic_id]).fetchall()
    return {r[0]: (r[1], r[2], r[3] or "") for r in rows}


@flow(name="newsprism-compare", flow_run_name="compare-{topic}")
def compare_flow(topic: str = DEFAULT_TOPIC, config: str | None = None, db: str | None = None) -> dict[str, int]:
    """Analyse and align the topic's new articles, then publish the report, the coverage table,
    the HTML page and a link to the warehouse as artifacts.

    Triggered by newsprism.topic.ingested. Only stories whose articles changed are re-aligned.
    Emits newsprism.story.grew for each story that gained claims carried by two or more outlets.
    """
    logger = get_run_logger()
    cfg = load_config(config)
    topic_id = topic
    db_path = db or str(cfg.db or DEFAULT_DB)
    before = _story_claims(db_path, topic_id)
    analyzed = analyze_flow(db_path, topic_id)
    after = _story_claims(db_path, topic_id)
    grew = 0
    for story_id, (n_claims, n_outlets, label) in sorted(after.items()):
        gained = n_claims - before.get(story_id, (0, 0, ""))[0]
        if gained > 0:
            events.story_grew(topic_id, story_id, label, new_claims=gained, claims=n_claims, outlets=n_outlets)
            grew += 1
    # published by this run itself (not a subflow), so its Artifacts tab holds all four
    publish_report(db_path, topic_id)
    _publish_links(db_path, topic_id)
    logger.info("%s: stories that gained cross-outlet claims: %d of %d", topic_id, grew, len(after))
    return {**analyzed, "stories_grown": grew}


def _publish_links(db_path: str, topic_id: str) -> None:
    """The HTML page (written next to the warehouse) and the warehouse file, as link artifacts:
    the UI cannot show a DuckDB file, but it can say where it is and how to open it."""
    from warehouse.html_report import write_html

    warehouse = Path(db_path).resolve()
    page = warehouse.parent / REPORTS_DIR / f"{_artifact_key('report', topic_id)}.html"
    with session(db_path, read_only=True) as con:
        size = write_html(con, topic_id, page)
    create_link_artifact(page.as_uri(), link_text=f"{page.name} ({size:,} bytes)",
                         key=_artifact_key("page", topic_id),
                         description="The comparison page (claim x outlet matrix, numbers, quotes, timeline); "
                                     "open it from this machine.")
    create_link_artifact(warehouse.as_uri(), link_text=warehouse.name, key=_artifact_key("warehouse", topic_id),
                         description=f"The warehouse: `newsprism sql --db {warehouse} \"select * from "
                                     "cmp_claim_coverage\"`, or `duckdb -readonly` it.")


@flow(name="newsprism-digest", flow_run_name="digest-{hours}h")
def digest_flow(config: str | None = None, db: str | None = None, hours: int = 24) -> dict[str, int]:
    """Publish one markdown digest per topic: new articles, claims that broke, contradicted
    versions, later edits and unreadable pages of the last `hours` hours."""
    cfg = load_config(config)
    db_path = db or str(cfg.db or DEFAULT_DB)
    if not Path(db_path).exists():
        get_run_logger().info("no warehouse at %s: no digest", db_path)
        return {}
    since = datetime.now(timezone.utc) - timedelta(hours=hours)
    out: dict[str, int] = {}
    with session(db_path, read_only=True) as con:
        for topic_id in digest.topics_in_warehouse(con):
            text = digest.build_digest(con, topic_id, since)
            create_markdown_artifact(text, key=_artifact_key("digest", topic_id),
                                     description=f"newsprism digest for {topic_id}, last {hours} h")
            out[topic_id] = len(text)
    return out


@flow(name="newsprism-source-alert", flow_run_name="source-alert")
def source_alert_flow(source: str = "", topic: str = "", error: str = "", webhook: str | None = None) -> str:
    """Say loudly that a source keeps failing: an error in the log, a markdown artifact, and a
    POST to `webhook` (or $NEWSPRISM_ALERT_WEBHOOK) when one is set.

    Run by the automation that prefect.yaml declares on this deployment: three
    newsprism.source.failed events for one source within six hours.
    """
    logger = get_run_logger()
    text = (f"Source failing repeatedly for topic `{topic or '?'}`: {source or '?'}\n\n"
            f"Last error: {error or 'unknown'}\n\nIts articles are not being discovered until it recovers; "
            "`select * from stg_fetches where url = '...'` shows its fetch history.")
    logger.error("source keeps failing: %s (topic %s): %s", source, topic, error)
    create_markdown_artifact(text, key="source-alert", description=f"source failing: {source}"[:500])
    target = webhook or os.environ.get("NEWSPRISM_ALERT_WEBHOOK")
    if target:
        import requests

        try:
            requests.post(target, json={"source": source, "topic": topic, "error": error, "text": text}, timeout=10)
        except requests.RequestException as exc:  # the alert is in the UI even if the hook is down
            logger.warning("alert webhook %s failed: %s", target, exc)
    return text
