"""newsprism as a service: a real Prefect server on 127.0.0.1, `newsprism serve` registering and
serving prefect.yaml's deployments, and the event chain discover -> ingest -> compare.

Everything talks to the server over its REST API (the way the UI and other tools do), so these
tests do not depend on the Prefect settings of the test process. The server and the serving
process are started once for the module (about 15 s) and stopped at its end.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO, SAMPLE, free_port

SAMPLE_TOPIC = "noem-sheinbaum-sample"
DEPLOYMENTS = ("discover-noem-sheinbaum", "ingest-discovered", "compare-topic", "recheck-edits",
               "daily-digest", "source-alert")


class Api:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def post(self, path: str, body: dict | list | None = None):
        for attempt in range(10):
            r = requests.post(self.url + path, json=body if body is not None else {}, timeout=30)
            if r.status_code != 503:  # the server's SQLite is busy ingesting events: ask again
                break
            time.sleep(1)
        r.raise_for_status()
        return r.json() if r.content else None

    def get(self, path: str):
        r = requests.get(self.url + path, timeout=30)
        r.raise_for_status()
        return r.json()

    def deployments(self) -> dict[str, dict]:
        return {d["name"]: d for d in self.post("/deployments/filter")}

    def runs_of(self, deployment: dict) -> list[dict]:
        return self.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}})

    def wait_for_run(self, deployment: dict, *, after: float, timeout: float = 240) -> dict:
        """The first run of `deployment` created after `after` (epoch s) to reach a final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.runs_of(deployment):
                created = datetime.fromisoformat(run["created"]).timestamp()
                if created >= after and run["state"] and run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED"):
                    return run
            time.sleep(1)
        states = [(r["name"], r["state"]["type"] if r["state"] else None) for r in self.runs_of(deployment)]
        raise AssertionError(f"no finished run of {deployment['name']} within {timeout:.0f} s; runs: {states}")

    def emit(self, event: str, resource: dict, payload: dict | None = None, related: list | None = None) -> None:
        self.post("/events", [{"id": str(uuid.uuid4()), "occurred": datetime.now(timezone.utc).isoformat(),
                               "event": event, "resource": resource, "related": related or [],
                               "payload": payload or {}}])


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A Prefect server and `newsprism serve` against it, in a folder holding the sample edition."""
    from flows.sample import build_sample_warc
    from flows.serve import local_server, stop

    root = tmp_path_factory.mktemp("service")
    shutil.copytree(SAMPLE, root / "sample", ignore=shutil.ignore_patterns("edition.warc.gz", "*.png"))
    shutil.copy(REPO / "newsprism.toml", root / "newsprism.toml")
    build_sample_warc(root / "sample", root / "sample" / "edition.warc.gz")
    home = root / "prefect-home"
    with local_server(free_port(), home=home) as url:
        env = {**os.environ, "PREFECT_API_URL": url, "PREFECT_HOME": str(home), "DO_NOT_TRACK": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        log = (root / "serve.log").open("w")
        newsprism = Path(sys.executable).with_name("newsprism")
        proc = subprocess.Popen([str(newsprism), "serve", "--debounce", "2", "--poll", "1"],
                                cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        api = Api(url)
        try:
            deadline = time.monotonic() + 90
            while set(DEPLOYMENTS) - set(api.deployments()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("newsprism serve did not register the deployments:\n"
                                         + (root / "serve.log").read_text()[-3000:])
                time.sleep(1)
            yield {"api": api, "root": root, "db": root / "newsprism.duckdb", "log": root / "serve.log"}
        finally:
            stop(proc, timeout=30)
            log.close()


def test_serve_registers_every_deployment_with_its_schedule_or_trigger(service):
    deps = service["api"].deployments()
    assert set(DEPLOYMENTS) <= set(deps)
    for name in DEPLOYMENTS:
        assert deps[name]["description"], name
    assert deps["discover-noem-sheinbaum"]["schedules"][0]["schedule"]["cron"] == "*/30 * * * *"
    assert deps["discover-noem-sheinbaum"]["schedules"][0]["schedule"]["timezone"] == "UTC"
    # the event triggers became automations on the server (created just after the deployments)
    deadline = time.monotonic() + 30
    while True:
        names = {a["name"] for a in service["api"].post("/automations/filter")}
        if "newsprism source keeps failing" in names or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "newsprism source keeps failing" in names
    assert len(names) >= 3  # ingest, compare and the alert


def test_discovery_events_trigger_one_ingest_and_compare_follows(service):
    api, db = service["api"], service["db"]
    deps = api.deployments()
    start = time.time()
    api.post(f"/deployments/{deps['discover-noem-sheinbaum']['id']}/create_flow_run",
             {"parameters": {"topic": SAMPLE_TOPIC}})
    done = api.wait_for_run(deps["discover-noem-sheinbaum"], after=start)
    assert done["state"]["type"] == "COMPLETED", service["log"].read_text()[-3000:]
    assert done["name"] == f"discover-{SAMPLE_TOPIC}"  # run names say what ran, for which topic

    ingest = api.wait_for_run(deps["ingest-discovered"], after=start)
    assert ingest["state"]["type"] == "COMPLETED", service["log"].read_text()[-3000:]
    assert ingest["parameters"]["topic"] == SAMPLE_TOPIC and ingest["name"] == f"ingest-{SAMPLE_TOPIC}"
    compare = api.wait_for_run(deps["compare-topic"], after=start)
    assert compare["state"]["type"] == "COMPLETED", service["log"].read_text()[-3000:]
    assert compare["parameters"]["topic"] == SAMPLE_TOPIC

    # ten discoveries, one debounced ingest run (not one per event)
    assert len([r for r in api.runs_of(deps["ingest-discovered"])
                if datetime.fromisoformat(r["created"]).timestamp() >= start]) == 1
    def events(name: str, timeout: float = 30) -> dict:
        # a run can be COMPLETED before the server has stored the events it emitted (they travel
        # over a websocket and are written in batches): wait for the first one to land
        deadline = time.monotonic() + timeout
        while True:
            found = api.post("/events/filter", {"filter": {"event": {"name": [name]}}, "limit": 50})
            if found["total"] or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    discovered = events("newsprism.article.discovered")
    assert discovered["total"] >= 10
    first = discovered["events"][0]
    assert first["resource"]["newsprism.topic"] == SAMPLE_TOPIC
    assert first["resource"]["prefect.resource.name"].startswith("https://")
    assert {r["prefect.resource.role"] for r in first["related"]} >= {"topic"}
    assert events("newsprism.topic.ingested")["total"] >= 1
    assert events("newsprism.story.grew")["total"] >= 1

    # the compare run left its artifacts: report, coverage table, links to the page and warehouse
    wanted = [f"report-{SAMPLE_TOPIC}", f"coverage-{SAMPLE_TOPIC}", f"page-{SAMPLE_TOPIC}", f"warehouse-{SAMPLE_TOPIC}"]
    artifacts = api.post("/artifacts/filter", {"artifacts": {"key": {"any_": wanted}}})
    assert {a["key"] for a in artifacts} == set(wanted)
    assert {a["key"]: a["type"] for a in artifacts}[f"coverage-{SAMPLE_TOPIC}"] == "table"

    from warehouse.db import session

    with session(db, read_only=True) as con:
        n_articles, n_claims = con.execute(
            "select count(distinct article_id), (select count(*) from claim_clusters where n_outlets >= 2) "
            "from int_topic_articles where topic_id = ?", [SAMPLE_TOPIC]).fetchone()
    assert n_articles >= 8 and n_claims > 0
    assert (service["root"] / "reports" / f"report-{SAMPLE_TOPIC}.html").is_file()


def test_a_source_that_keeps_failing_raises_the_alert(service):
    api = service["api"]
    deps = api.deployments()
    start = time.time()
    source = "https://feeds.example/broken.xml"
    resource = {"prefect.resource.id": f"newsprism.source.test-{uuid.uuid4().hex[:8]}",
                "prefect.resource.name": source, "newsprism.topic": SAMPLE_TOPIC}
    for _ in range(2):
        api.emit("newsprism.source.failed", resource, {"error": "http_error 503"})
    time.sleep(4)
    assert not [r for r in api.runs_of(deps["source-alert"])
                if datetime.fromisoformat(r["created"]).timestamp() >= start], "two failures are not yet an alert"
    api.emit("newsprism.source.failed", resource, {"error": "http_error 503"})
    alert = api.wait_for_run(deps["source-alert"], after=start, timeout=120)
    assert alert["state"]["type"] == "COMPLETED"
    assert alert["parameters"] == {"source": source, "topic": SAMPLE_TOPIC, "error": "http_error 503"}


def test_hosts_are_paced_across_processes_by_a_rate_limit_on_the_server(service):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.politeness import PrefectHostPacer, limit_name, pacer_for

    api = service["api"]
    with temporary_settings(updates={PREFECT_API_URL: api.url}):
        pacer = pacer_for(2.0)
        assert isinstance(pacer, PrefectHostPacer)
        pacer.wait("https://www.paced.example/a")
    limit = api.get(f"/v2/concurrency_limits/{limit_name('https://www.paced.example/a')}")
    # one request per 2 s for everyone: one slot, decaying at half a slot a second, taken just now
    assert limit["name"] == "newsprism-host-www.paced.example"
    assert limit["limit"] == 1 and limit["slot_decay_per_second"] == 0.5
    assert limit["active_slots"] == 1
    # without a server (the CLI's ephemeral mode) the process's own pacer is used
    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert not isinstance(pacer_for(2.0), PrefectHostPacer)


def test_a_discovery_event_from_elsewhere_starts_an_ingest_that_finds_nothing_queued(service):
    # another tool (or a user in the UI) may emit the event; the ingest run it starts takes the
    # queue, finds it empty, says so and does not start a compare
    api = service["api"]
    deps = api.deployments()
    topic = "noem-sheinbaum-sample"
    start = time.time()
    api.emit("newsprism.article.discovered",
             {"prefect.resource.id": "newsprism.article.external-1", "prefect.resource.name": "https://x.example/a",
              "newsprism.topic": topic, "newsprism.url": "https://x.example/a"},
             {"source": "test", "source_kind": "cli"})
    ingest = api.wait_for_run(deps["ingest-discovered"], after=start)
    assert ingest["state"]["type"] == "COMPLETED" and ingest["parameters"]["topic"] == topic
    time.sleep(3)
    assert not [r for r in api.runs_of(deps["compare-topic"])
                if datetime.fromisoformat(r["created"]).timestamp() >= start], "nothing was loaded: no compare"
