"""The whole pipeline on 1,000 and 10,000 articles, stage by stage, against a naive peer.

Run by hand (trafilatura, the peer, is the optional `bench` extra):

    .venv/bin/python benchmarks/pipeline.py                      # --sizes 1000,10000 (about 13 minutes)
    .venv/bin/python benchmarks/pipeline.py --sizes 1000 --only newsprism --keep /tmp/pipeline-bench
    .venv/bin/python benchmarks/pipeline.py --report /tmp/pipeline-bench/results.json   # print it again

Input, per size N. N articles are synthesized from the alignment corpora as views.py does
(`_pages.synthesize_pages`: page k mod 892, later copies varied like an outlet's edit of a wire
story; each original under its own outlet, the copies under a pool of 200 reprinting outlets).
A server process (`_serve.SiteServer`, shared with fetch.py) gives every outlet a loopback
address of its own (127.0.1.2, 127.0.1.3, ...; on Linux all of 127.0.0.0/8 is loopback) and
serves there its pages (each naming its served address as canonical link), robots.txt and an
RSS feed of its pages. The feeds are what both pipelines are given: discovery, fetching and
everything after it run for real, over sockets.

Contenders, each in a fresh process started by the launcher of _launcher.py, one after the other
against the same server:

- **newsprism**: `flows.pipeline.run_flow` for a topic whose sources are the feeds (what
  `newsprism run --topic T` runs), in Prefect's ephemeral mode as the CLI runs it
  (`flows.runtime.local_flow_settings`), every response archived as WARC, robots.txt obeyed.
  Per-stage times are read afterwards from Prefect's own records of the run: each stage flow's
  run (start to end), and inside a flow with several kinds of task (analyze), each kind's span;
  time in the parent flow between stage flows is shown as its own row, and so is Prefect's
  start-up (call to the parent run's start: the temporary server).
- **newsprism without Prefect**: the same task functions (`discover_sources.fn`,
  `fetch_pages.fn` and `parse_pages.fn` on the same batches as the flows make and as many at a
  time as their task runner runs, `load_stage.fn`) called as plain functions: no flow or task
  run, no server. Discover to load only: it measures Prefect's overhead, (the flows'
  discover-to-load span - its own) / N per article.
- **naive peer**: what a user might write with trafilatura: `requests.Session()` with its
  defaults on a thread pool of the same size as newsprism's workers fetches the feeds (links
  read with xml.etree) and then the pages; `trafilatura.extract(html, url=..., output_format=
  "json", with_metadata=True)` page by page for title, author, date and text; then one
  `executemany` insert of the rows into a DuckDB table. No robots.txt, no pacing, no archive,
  no claims, no alignment, no views.

Memory and CPU. A thread in each contender samples every 50 ms the resident set of the contender
and of the worker processes it starts (not of Prefect's temporary server, reported apart), and
their CPU time. A stage's peak RSS is the highest sample inside its window; the whole process's
is the higher of the highest sample and the contender's exact high-water mark (VmHWM).
Whole-process wall and CPU time (the server's included) come from the launcher (os.wait4).
Results are written to results.json in the work folder (kept with --keep).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOPIC = "pipeline-bench"
SERVER_MARK = "prefect.server.api.server"  # in the command line of Prefect's temporary server
SAMPLE_EVERY = 0.05
BATCH_STAGES = ("discover", "fetch", "parse", "load")  # what the without-Prefect contender runs


# --------------------------------------------------------------------------------------------
# The site: one loopback address per outlet (built in the server process)


def _address(i: int) -> str:
    return f"127.0.{1 + i // 250}.{2 + i % 250}"


def build_site(corpora: str, n: int, seed: int):
    """The N synthesized pages keyed "address/path", one address per outlet, each with a feed."""
    from _pages import render_page, synthesize_pages
    from _serve import FeedItem, Site, resource

    address: dict[str, str] = {}
    pages, order, feeds = {}, [], {}
    for p in synthesize_pages(Path(corpora), n, seed):
        host = address.setdefault(p.domain, _address(len(address)))
        key = f"{host}{p.path}"
        pages[key] = resource(render_page(p, p.path).encode("utf-8"))  # canonical: its own address
        order.append(key)
        feeds.setdefault(host, []).append(FeedItem(p.path, p.title, p.published))
    return Site(pages, order, feeds)


# --------------------------------------------------------------------------------------------
# Sampling memory and CPU inside a contender

_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
_TICKS = os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * _PAGE_KIB


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            threads = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in threads:
            try:
                with open(f"/proc/{p}/task/{t}/children", encoding="ascii") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def vm_hwm_mib() -> float:
    """The exact peak resident set of this process (Linux VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Probe:
    """Samples (time, RSS KiB, CPU s) of this process plus its worker processes, and of Prefect's
    temporary server apart, every SAMPLE_EVERY seconds on a thread of its own."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, int, float, int, float]] = []
        self.marks: list[tuple[str, float, float]] = []  # stages timed by the contender itself
        self._stop = threading.Event()
        self._kind: dict[int, str] = {}  # pid -> "server" | "worker"
        self._last_cpu: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, name="bench-probe", daemon=True)
        with open("/proc/self/cmdline", "rb") as f:
            self._own_cmd = f.read()

    def start(self) -> "Probe":
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _classify(self) -> None:
        for pid in _descendants(os.getpid()):
            if pid in self._kind:
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if cmd == self._own_cmd:
                continue  # forked, not yet exec'd: what it will be is not known yet
            self._kind[pid] = "server" if SERVER_MARK.encode() in cmd else "worker"

    def _sample(self) -> None:
        rss, server_rss = _rss_kib(), 0
        for pid, kind in list(self._kind.items()):
            try:
                r, c = _rss_kib(pid), _cpu_s(pid)
            except (OSError, ValueError, IndexError):
                continue  # gone; its last CPU reading stays counted
            self._last_cpu[pid] = c
            if kind == "server":
                server_rss += r
            else:
                rss += r
        cpu = time.process_time() + sum(c for p, c in self._last_cpu.items() if self._kind[p] == "worker")
        server_cpu = sum(c for p, c in self._last_cpu.items() if self._kind[p] == "server")
        self.samples.append((time.time(), rss, cpu, server_rss, server_cpu))

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            # New processes are looked for at every sample (0.4 ms with 40 threads): a worker
            # found late would have its CPU time so far counted in the wrong stage.
            self._classify()
            self._sample()

    def stage(self, name: str):
        """`with probe.stage(name):` times a stage of a contender that knows its own stages."""
        probe = self

        class _Stage:
            def __enter__(self) -> None:
                self.t0 = time.time()

            def __exit__(self, *exc: object) -> None:
                probe.marks.append((name, self.t0, time.time()))

        return _Stage()

    def window(self, t0: float, t1: float) -> tuple[float, float]:
        """(peak RSS MiB, CPU s) between t0 and t1: the samples inside, with the last one before
        t0 (the state the stage started from), or the first after t1 when none fell inside."""
        before = [s for s in self.samples if s[0] <= t0][-1:]
        inside = [s for s in self.samples if t0 < s[0] <= t1]
        after = [s for s in self.samples if s[0] > t1][:1]
        span = before + (inside or after)
        if not span:
            return 0.0, 0.0
        return max(s[1] for s in span) / 1024, self._cpu_at(t1) - self._cpu_at(t0)

    def _cpu_at(self, t: float) -> float:
        """CPU time at `t`, interpolated between the samples around it."""
        prev = next((s for s in reversed(self.samples) if s[0] <= t), self.samples[0])
        nxt = next((s for s in self.samples if s[0] >= t), self.samples[-1])
        if nxt[0] == prev[0]:
            return prev[2]
        return prev[2] + (nxt[2] - prev[2]) * (t - prev[0]) / (nxt[0] - prev[0])

    def row(self, name: str, t0: float, t1: float, articles: int | None = None, **extra) -> dict:
        peak, cpu = self.window(t0, t1)
        return {"stage": name, "seconds": t1 - t0, "cpu": cpu, "peak_mib": peak, "articles": articles, **extra}

    def server(self) -> dict:
        return {"peak_mib": max((s[3] for s in self.samples), default=0) / 1024,
                "cpu": max((s[4] for s in self.samples), default=0.0)}

    def peak_mib(self) -> float:
        """The process's peak: the higher of its exact own (VmHWM) and the sampled peak of it and
        its workers together."""
        return max(vm_hwm_mib(), max((s[1] for s in self.samples), default=0) / 1024)


# --------------------------------------------------------------------------------------------
# Contenders (each `pipeline.py contender KIND JOB OUT` in its own process)


def _environment(job: dict) -> None:
    """Prefect and newsprism settings of every contender, set before anything imports Prefect."""
    os.environ["PREFECT_HOME"] = job["prefect_home"]
    os.environ.pop("PREFECT_API_URL", None)  # ephemeral mode, as `newsprism run` without a server
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    # a loaded 2-core machine can take longer than the default to start the temporary server
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _task_runs(client, flow_run_id) -> list:
    """Every task run of one flow run (the API answers at most 200 a page)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    out: list = []
    while True:
        page = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                                     limit=200, offset=len(out))
        out += page
        if len(page) < 200:
            return out


def _prefect_stages(flow_run_id) -> dict:
    """The parent run and its stage flow runs as Prefect recorded them, with each stage's task
    runs grouped by task name: {"start", "end", "flows": [{"name", "start", "end", "tasks":
    {name: [start, end, count]}}], "task_runs", "flow_runs"}."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        parent = client.read_flow_run(flow_run_id)
        subs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])), limit=200)
        names: dict = {}
        flows, task_runs = [], 0
        for sub in sorted(subs, key=lambda r: r.start_time):
            if sub.flow_id not in names:
                names[sub.flow_id] = client.read_flow(sub.flow_id).name
            runs: list = []
            # Task run states reach the server as events, a moment after the flow has ended.
            for _ in range(20):
                runs = _task_runs(client, sub.id)
                if all(r.end_time for r in runs):
                    break
                time.sleep(0.5)
            task_runs += len(runs)
            tasks: dict[str, list] = {}
            for r in runs:
                if not (r.start_time and r.end_time):
                    continue
                name = r.name.rsplit("-", 1)[0]  # "<task name>-<3 hex digits>"
                start, end = r.start_time.timestamp(), r.end_time.timestamp()
                span = tasks.setdefault(name, [start, end, 0])
                span[:] = [min(span[0], start), max(span[1], end), span[2] + 1]
            flows.append({"name": names[sub.flow_id], "start": sub.start_time.timestamp(),
                          "end": sub.end_time.timestamp(), "tasks": tasks})
        parent_tasks = _task_runs(client, flow_run_id)
    # a stage flow is called through a task run of its parent: those are not tasks of the pipeline
    own = [r for r in parent_tasks if r.name.rsplit("-", 1)[0] not in {f["name"] for f in flows}]
    return {"start": parent.start_time.timestamp(), "end": parent.end_time.timestamp(), "flows": flows,
            "task_runs": task_runs + len(own), "flow_runs": 1 + len(flows)}


def _split(flow: dict) -> list[tuple[str, float, float, int | None]]:
    """A stage flow as rows: itself, or, when it runs several kinds of task one after the other
    (analyze: sentences, then alignment), one row per kind and one for the rest of the flow."""
    spans = sorted(flow["tasks"].items(), key=lambda kv: kv[1][0])
    sequential = all(a[1][1] <= b[1][0] for a, b in zip(spans, spans[1:]))
    if len(spans) < 2 or not sequential:
        return [(flow["name"], flow["start"], flow["end"], sum(n for _, _, n in flow["tasks"].values()))]
    rows = [(name, s, e, n) for name, (s, e, n) in spans]
    rest = (flow["end"] - flow["start"]) - sum(e - s for _, s, e, _ in rows)
    # its memory and CPU are read at the flow's start, where analyze rebuilds the views
    rows.append((f"{flow['name']}/rest", flow["start"], flow["start"] + rest, None))
    return rows


def _warehouse_counts(db: str) -> dict:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        q = {
            "articles": "select count(*) from articles",
            "versions": "select count(*) from article_versions",
            "fetches_ok": "select count(*) from fetches where outcome = 'ok'",
            "with_title": "select count(*) from article_versions where coalesce(title, '') <> ''",
            "with_date": "select count(*) from article_versions where published is not null",
            "sentences": "select count(*) from sentences",
            "claims": "select count(*) from claims",
            "claim_groups": "select count(*) from claim_clusters where level = 'claim'",
            "claim_links": "select count(*) from claim_links",
            "views": "select count(*) from duckdb_views() where not internal and schema_name = 'main'",
        }
        out = {}
        for k, sql in q.items():
            try:
                out[k] = con.execute(sql).fetchone()[0]
            except duckdb.Error as exc:  # a renamed column must not lose the run's figures
                out[k] = f"? ({type(exc).__name__})"
        return out
    finally:
        con.close()


def contender_newsprism(job: dict) -> dict:
    _environment(job)
    probe = Probe().start()
    t0 = time.time()
    from flows.pipeline import run_flow
    from flows.runtime import local_flow_settings

    t_imports = time.time()
    rss_imports = _rss_kib() / 1024
    with local_flow_settings():
        t_call = time.time()
        state = run_flow(topic=TOPIC, config=job["config"], db=job["db"], return_state=True)
        t_done = time.time()
        if not state.is_completed():
            probe.stop()
            return {"failure": f"run_flow ended {state.type.value}: {state.message}"}
        summary = state.result()
        runs = _prefect_stages(state.state_details.flow_run_id)
    probe.stop()
    n = job["n"]
    rows = [probe.row("prefect start-up", t_call, runs["start"])]
    in_stages = 0.0
    for flow in runs["flows"]:
        for name, s, e, count in _split(flow):
            rows.append(probe.row(name, s, e, n, runs=count))
            in_stages += e - s
    gap_cpu = probe.window(runs["start"], t_done)[1] - sum(r["cpu"] for r in rows[1:])
    rows.append({"stage": "between stages", "seconds": (t_done - runs["start"]) - in_stages, "cpu": gap_cpu,
                 "peak_mib": None, "articles": None})
    rows.append(probe.row("total", t_call, t_done, n))
    loaded = summary.loaded if hasattr(summary, "loaded") else {}
    return {
        "rows": rows, "imports_s": t_imports - t0, "rss_imports": rss_imports, "process_peak": probe.peak_mib(),
        "server": probe.server(), "task_runs": runs["task_runs"], "flow_runs": runs["flow_runs"],
        "discover_to_load": max(f["end"] for f in runs["flows"] if f["name"] in BATCH_STAGES) - runs["start"],
        "counts": {**_warehouse_counts(job["db"]), "loaded": loaded,
                   "fetched_ok": getattr(summary, "fetched_ok", None),
                   "fetch_failures": getattr(summary, "fetch_failures", None)},
    }


def _flows_shape(settings) -> tuple[int, int]:
    """(batches in flight, processes per parse batch) as the flows run them with the thread task
    runner, so the plain calls do the same work at the same concurrency."""
    from flows.runners import THREADS_IN_FLIGHT, parse_processes, runner_kind

    if runner_kind(settings) != "threads":
        raise SystemExit("the without-Prefect contender mirrors the thread task runner only")
    return THREADS_IN_FLIGHT, parse_processes(settings)


def _result(probe, n: int, t0: float, t_imports: float, rss_imports: float, t_start: float, t_done: float,
            **extra) -> dict:
    """A contender's stage rows, total and process figures (the part every contender reports)."""
    rows = [probe.row(name, s, e, n) for name, s, e in probe.marks]
    rows.append(probe.row("total", t_start, t_done, n))
    return {"rows": rows, "imports_s": t_imports - t0, "rss_imports": rss_imports, "process_peak": probe.peak_mib(),
            "discover_to_load": t_done - t_start, **extra}


def contender_plain(job: dict) -> dict:
    """discover -> fetch -> parse -> load through the flows' task functions, without Prefect:
    the batches are made as fetch_flow and parse_flow make them, and run as many at a time."""
    _environment(job)
    probe = Probe().start()
    t0 = time.time()
    from concurrent.futures import ThreadPoolExecutor

    from prefect.logging import disable_run_logger

    from flows.config import load_config
    from flows.pipeline import batched, discover_sources, fetch_pages, load_stage, parse_pages
    from flows.staging import Stage

    t_imports = time.time()
    rss_imports = _rss_kib() / 1024
    cfg = load_config(job["config"])
    topic = cfg.topic(TOPIC)
    settings = cfg.fetch_for(topic)
    in_flight, processes = _flows_shape(settings)
    db = job["db"]
    stage = Stage.create(db)
    path = str(stage.path)
    with disable_run_logger(), ThreadPoolExecutor(in_flight) as pool:  # get_run_logger() answers outside a run
        t_start = time.time()
        with probe.stage("discover"):
            discover_sources.fn(topic, settings, None, path)
        with probe.stage("fetch"):
            urls = stage.urls_to_fetch()
            fetched = sum(pool.map(lambda a: fetch_pages.fn(a[1], settings, None, path, f"{a[0]:05d}", {}),
                                   enumerate(batched(urls, settings.batch_size))))
        with probe.stage("parse"):
            pages = stage.pages_to_parse()
            parsed = sum(pool.map(lambda a: parse_pages.fn(a[1], path, f"{a[0]:05d}", processes),
                                  enumerate(batched(pages, settings.batch_size))))
        with probe.stage("load"):
            loaded = load_stage.fn(db, topic, path)
            stage.remove()
        t_done = time.time()
    probe.stop()
    return _result(probe, job["n"], t0, t_imports, rss_imports, t_start, t_done,
                   shape={"batches_in_flight": in_flight, "parse_processes": processes},
                   counts={**_warehouse_counts(db), "fetched_ok": fetched, "parsed": parsed, "loaded": loaded})


def contender_peer(job: dict) -> dict:
    probe = Probe().start()
    t0 = time.time()
    import xml.etree.ElementTree as ET
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime, timezone

    import duckdb
    import requests
    import trafilatura

    t_imports = time.time()
    rss_imports = _rss_kib() / 1024
    session = requests.Session()  # its defaults: 10 connection pools of 10 connections

    def get(url: str) -> tuple[str, requests.Response | None]:
        try:
            return url, session.get(url, timeout=20)
        except requests.RequestException:
            return url, None

    workers = job["workers"]
    t_start = time.time()
    with probe.stage("discover"):
        with ThreadPoolExecutor(workers) as pool:
            feeds = list(pool.map(get, job["feeds"]))
        links = []
        for _, r in feeds:
            if r is not None and r.ok:
                links += [item.findtext("link") for item in ET.fromstring(r.content).iter("item")]
        urls = list(dict.fromkeys(u for u in links if u))
    with probe.stage("fetch"):
        with ThreadPoolExecutor(workers) as pool:
            pages = [(u, r.text, datetime.now(timezone.utc)) for u, r in pool.map(get, urls) if r is not None and r.ok]
    with probe.stage("extract"):
        rows = []
        for url, html, fetched_at in pages:
            doc = trafilatura.extract(html, url=url, output_format="json", with_metadata=True)
            if doc:
                d = json.loads(doc)
                rows.append((url, d.get("title"), d.get("author"), d.get("date"), d.get("text"), fetched_at))
    with probe.stage("load"):
        con = duckdb.connect(job["db"])
        con.execute("create table articles (url varchar, title varchar, author varchar, published varchar, "
                    "text varchar, fetched_at timestamptz)")
        con.executemany("insert into articles values (?, ?, ?, ?, ?, ?)", rows)
        con.close()
    t_done = time.time()
    probe.stop()
    return _result(probe, job["n"], t0, t_imports, rss_imports, t_start, t_done,
                   counts={"urls": len(urls), "fetched_ok": len(pages), "rows": len(rows),
                           "with_title": sum(1 for r in rows if r[1]), "with_author": sum(1 for r in rows if r[2]),
                           "with_date": sum(1 for r in rows if r[3]), "with_text": sum(1 for r in rows if r[4])})


def contender_warmup(job: dict) -> dict:
    """One empty flow: creates the fresh PREFECT_HOME's database (its migrations take ~13 s),
    which no measured run should pay."""
    _environment(job)
    from prefect import flow

    from flows.runtime import local_flow_settings

    @flow(name="pipeline-bench-warmup")
    def warmup() -> int:
        return 1

    with local_flow_settings():
        warmup()
    return {}


CONTENDERS = {"newsprism": contender_newsprism, "plain": contender_plain, "peer": contender_peer,
              "warmup": contender_warmup}


def contender_cli(argv: list[str]) -> int:
    kind, job_path, out_path = argv
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    result = CONTENDERS[kind](job)
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["contender"]:
    raise SystemExit(contender_cli(sys.argv[2:]))


# --------------------------------------------------------------------------------------------
# Runner

if __name__ == "__main__":
    import _launcher  # benchmarks/ is on sys.path when a script here runs

    _LAUNCHER = _launcher.start()  # before anything heavy is imported (see _launcher.py)

import argparse  # noqa: E402 - below the contenders' fast path and the launcher on purpose
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

from _launcher import Launcher  # noqa: E402

LABELS = {
    "prefect start-up": "Prefect start-up (temporary server)",
    "discover": "discover (feeds)",
    "fetch": "fetch",
    "parse": "parse",
    "extract": "extract (trafilatura)",
    "load": "load",
    "analyze-sentences": "analyze: sentences + claims",
    "align-claims": "align",
    "analyze/rest": "views build (rest of analyze flow)",
    "report": "report",
    "between stages": "between stages (Prefect)",
    "total": "total",
}
TITLES = {
    "newsprism": "newsprism: run_flow (Prefect flows)",
    "plain": "newsprism without Prefect (same task functions)",
    "peer": "naive peer: requests + trafilatura + DuckDB",
}


def _config_text(feeds: list[str], workers: int, interval: float, db: Path, batch_size: int | None = None) -> str:
    quoted = ",\n  ".join(json.dumps(f) for f in feeds)
    batch = f"batch_size = {batch_size}\n" if batch_size else ""  # else newsprism's default
    return (
        "# written by benchmarks/pipeline.py\n"
        "[fetch]\n"
        f"max_workers = {workers}\n"
        f"per_host_interval = {interval}\n"
        f"{batch}"
        'allow_hosts = ["127.0.0.0/8"]  # the benchmark\'s sites are on loopback\n'
        'archive_dir = "archive"\n\n'
        "[warehouse]\n"
        f"path = {json.dumps(str(db))}\n\n"
        "[[topic]]\n"
        f'id = "{TOPIC}"\n'
        'name = "Pipeline benchmark: synthesized articles"\n'
        "terms = []  # keep every article\n"
        f"feeds = [\n  {quoted},\n]\n"
    )


def _run(launcher: Launcher, kind: str, job: dict, work: Path, tag: str, timeout: float) -> dict:
    import alignment

    job_path, out_path = work / f"{tag}.job.json", work / f"{tag}.out.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    out_path.unlink(missing_ok=True)
    proc = alignment.run_tagged(launcher, [sys.executable, str(Path(__file__).resolve()), "contender", kind,
                                           str(job_path), str(out_path)], work, tag, timeout)
    result = json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {}
    if proc["failure"] and not result.get("failure"):
        result["failure"] = proc["failure"]
    result["process"] = proc
    return result


def _fmt(v, spec: str, width: int) -> str:
    return f"{'-':>{width}}" if v is None else format(v, f">{width}{spec}")


def _table(kind: str, res: dict, n: int) -> list[str]:
    head = f"{TITLES[kind]:<48}{'seconds':>9}{'articles/s':>12}{'CPU s':>8}{'peak RSS MiB':>14}"
    lines = [head, "-" * len(head)]
    if res.get("failure"):
        return lines + [f"FAILED: {res['failure']}"]
    for r in res["rows"]:
        label = LABELS.get(r["stage"], r["stage"])
        if r.get("runs"):
            label += f" ({r['runs']} task run{'s' if r['runs'] > 1 else ''})"
        rate = n / r["seconds"] if r.get("articles") and r["seconds"] > 0 else None
        lines.append(f"{label:<48}{r['seconds']:>9.2f}{_fmt(rate, ',.0f', 12)}{_fmt(r['cpu'], '.2f', 8)}"
                     f"{_fmt(r['peak_mib'], ',.0f', 14)}")
    p = res["process"]
    lines.append(f"{'whole process (imports, start-up, exit)':<48}{p['elapsed']:>9.2f}{n / p['elapsed']:>12,.0f}"
                 f"{p['cpu']:>8.2f}{res['process_peak']:>14,.0f}")
    return lines


def _report_size(n: int, site: dict, results: dict[str, dict], workers: int, interval: float,
                 batch_size: int | None = None) -> None:
    batches = f"; {batch_size} pages a batch" if batch_size else ""
    print(f"== {n:,} articles: {site['pages']:,} pages ({site['page_bytes'] / site['pages'] / 1024:.1f} KB on "
          f"average, {site['gz_bytes'] / site['pages'] / 1024:.1f} KB gzipped) on {site['hosts']:,} loopback hosts, "
          f"one RSS feed each; {workers} workers; per-host interval {interval:g} s{batches} ==")
    for kind, res in results.items():
        print()
        print("\n".join(_table(kind, res, n)))
        extra = []
        if "rss_imports" in res:
            extra.append(f"RSS after imports {res['rss_imports']:.0f} MiB (imports {res['imports_s']:.1f} s)")
        if res.get("server"):
            extra.append(f"Prefect's temporary server (a process of its own): peak RSS {res['server']['peak_mib']:.0f} MiB, "
                         f"CPU {res['server']['cpu']:.1f} s; {res['flow_runs']} flow runs, {res['task_runs']} task runs")
        if res.get("counts"):
            extra.append("produced: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                                                  for k, v in res["counts"].items()))
        for line in extra:
            print("  " + line)
    print()
    nw, pl, peer = results.get("newsprism"), results.get("plain"), results.get("peer")
    ok = lambda r: r is not None and not r.get("failure")  # noqa: E731
    if ok(nw) and ok(pl):
        d = nw["discover_to_load"] - pl["discover_to_load"]
        # the stage flows from discover to load, and their task runs
        runs = sum(1 + (r.get("runs") or 0) for r in nw["rows"] if r["stage"] in BATCH_STAGES)
        print(f"Prefect overhead, discover to load: {nw['discover_to_load']:.2f} s through the flows, "
              f"{pl['discover_to_load']:.2f} s as plain calls: {d:+.2f} s, {1000 * d / n:+.2f} ms per article, "
              f"{1000 * d / runs:+.0f} ms per flow or task run ({runs} runs); start-up "
              f"{nw['rows'][0]['seconds']:.1f} s once per process")
    if ok(nw) and ok(peer):
        total = next(r for r in nw["rows"] if r["stage"] == "total")["seconds"]
        pt = next(r for r in peer["rows"] if r["stage"] == "total")["seconds"]
        print(f"discover to load: newsprism {nw['discover_to_load']:.2f} s, peer {peer['discover_to_load']:.2f} s "
              f"({nw['discover_to_load'] / peer['discover_to_load']:.2f}x the peer's time)")
        print(f"end to end: newsprism run_flow {total:.2f} s (claims, alignment, views and report included), peer "
              f"{pt:.2f} s ({total / pt:.2f}x); whole processes {nw['process']['elapsed']:.1f} s and "
              f"{peer['process']['elapsed']:.1f} s")
    print(flush=True)


def _growth(sizes: list[int], all_results: dict[int, dict[str, dict]]) -> None:
    if len(sizes) < 2:
        return
    a, b = sizes[0], sizes[-1]
    ratio = b / a
    print(f"== growth from {a:,} to {b:,} articles ({ratio:g}x): b = log(t{b}/t{a}) / log({ratio:g}); "
          "1 is linear ==")
    head = (f"{'contender / stage':<56}{f'{a:,} s':>9}{f'{b:,} s':>10}{'b time':>8}"
            f"{f'{a:,} MiB':>11}{f'{b:,} MiB':>11}{'b RSS':>7}")
    print(head)
    print("-" * len(head))
    for kind in TITLES:
        ra, rb = all_results[a].get(kind), all_results[b].get(kind)
        if not ra or not rb or ra.get("failure") or rb.get("failure"):
            continue
        by_b = {r["stage"]: r for r in rb["rows"]}
        for r in ra["rows"]:
            s = by_b.get(r["stage"])
            if s is None:
                continue
            bt = math.log(s["seconds"] / r["seconds"]) / math.log(ratio) if r["seconds"] > 0 and s["seconds"] > 0 else None
            bm = (math.log(s["peak_mib"] / r["peak_mib"]) / math.log(ratio)
                  if r.get("peak_mib") and s.get("peak_mib") else None)
            label = f"{kind}: {LABELS.get(r['stage'], r['stage'])}"
            print(f"{label:<56}{r['seconds']:>9.2f}{s['seconds']:>10.2f}{_fmt(bt, '.2f', 8)}"
                  f"{_fmt(r.get('peak_mib'), ',.0f', 11)}{_fmt(s.get('peak_mib'), ',.0f', 11)}{_fmt(bm, '.2f', 7)}")
        pa, pb = ra["process"], rb["process"]
        print(f"{kind + ': whole process':<56}{pa['elapsed']:>9.2f}{pb['elapsed']:>10.2f}"
              f"{math.log(pb['elapsed'] / pa['elapsed']) / math.log(ratio):>8.2f}{ra['process_peak']:>11,.0f}"
              f"{rb['process_peak']:>11,.0f}{math.log(rb['process_peak'] / ra['process_peak']) / math.log(ratio):>7.2f}")
    print()


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("prefect", "duckdb", "requests", "beautifulsoup4", "lxml", "trafilatura"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg} (not installed)")
    return ", ".join(out)


def _code_state() -> str:
    import alignment

    state = alignment.code_state()
    try:
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "flows"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        dirty = ""
    return state + ("; uncommitted changes in flows/" if dirty else "")


def _print_saved(saved: dict) -> int:
    print("\n".join(saved["header"]) + "\n")
    sizes = sorted(int(n) for n in saved["sizes"])
    for n in sizes:
        entry = saved["sizes"][str(n)]
        _report_size(n, entry["site"], entry["results"], saved["workers"], saved["interval"], saved.get("batch_size"))
    _growth(sizes, {n: saved["sizes"][str(n)]["results"] for n in sizes})
    return 0


def main(argv: list[str] | None = None, *, launcher: Launcher) -> int:
    from _serve import SiteServer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="articles per run, comma-separated")
    ap.add_argument("--corpora", type=Path,
                    default=Path(os.environ.get("NEWSPRISM_CORPORA", ROOT.parent / "shared" / "corpora")))
    ap.add_argument("--workers", type=int, default=4,
                    help="fetch threads of both pipelines (newsprism's max_workers; its default is 4)")
    ap.add_argument("--interval", type=float, default=0.0, help="newsprism's per-host interval, seconds")
    ap.add_argument("--batch-size", type=int, default=None,
                    help="pages per fetch and parse task (default: newsprism's, 200); Prefect's overhead follows the task runs")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--only", action="append", choices=list(TITLES), help="run only these contenders")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per contender run")
    ap.add_argument("--keep", type=Path, help="keep warehouses, archives, logs and results.json in this folder")
    ap.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                    help="print the tables of a kept run's results.json again, without running anything")
    args = ap.parse_args(argv)
    if args.report:
        return _print_saved(json.loads(args.report.read_text(encoding="utf-8")))
    if not (args.corpora / "ecbplus_dev").is_dir():
        print(f"pipeline.py: corpora not found at {args.corpora}; nothing measured (give --corpora)")
        return 0
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    kinds = args.only or list(TITLES)
    if "peer" in kinds:
        try:
            import trafilatura  # noqa: F401
        except ImportError:
            ap.error("trafilatura is not installed: pip install -e '.[bench]' (or leave the peer out with --only)")

    header = [f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"{platform.platform()}; {_versions()}",
              f"{_code_state()}; load average {os.getloadavg()[0]:.2f} at start"]
    print("\n".join(header) + "\n", flush=True)
    base = args.keep or Path(tempfile.mkdtemp(prefix="newsprism-pipeline-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    prefect_home = base / "prefect-home"
    warm = _run(launcher, "warmup", {"prefect_home": str(prefect_home)}, base, "warmup", 300)
    if warm.get("failure"):
        print(f"Prefect warm-up failed: {warm['failure']} (see {base}/warmup.stderr)")
        return 1
    all_results: dict[int, dict[str, dict]] = {}
    saved = {"header": header, "workers": args.workers, "interval": args.interval, "batch_size": args.batch_size,
             "sizes": {}}
    try:
        for n in sizes:
            with SiteServer(build_site, (str(args.corpora), n, args.seed)) as served:
                site = {"pages": len(served.urls), "page_bytes": served.page_bytes, "gz_bytes": served.gz_bytes,
                        "hosts": served.hosts, "feeds": len(served.feeds)}
                results: dict[str, dict] = {}
                for kind in kinds:
                    work = base / f"{n}-{kind}"
                    shutil.rmtree(work, ignore_errors=True)
                    work.mkdir(parents=True)
                    db = work / "warehouse.duckdb"
                    config = work / "newsprism.toml"
                    config.write_text(_config_text(served.feeds, args.workers, args.interval, db, args.batch_size),
                                      encoding="utf-8")
                    job = {"n": n, "feeds": served.feeds, "workers": args.workers, "config": str(config),
                           "db": str(db), "prefect_home": str(prefect_home)}
                    results[kind] = _run(launcher, kind, job, work, kind, args.timeout)
                    if results[kind].get("failure"):
                        print(f"{kind} at {n:,}: {results[kind]['failure']} (logs in {work})", flush=True)
                all_results[n] = results
                saved["sizes"][str(n)] = {"site": site, "results": results}
                (base / "results.json").write_text(json.dumps(saved), encoding="utf-8")
                _report_size(n, site, results, args.workers, args.interval, args.batch_size)
        _growth(sizes, all_results)
        print(f"load average {os.getloadavg()[0]:.2f} at the end; process floor {launcher.floor_kib / 1024:.0f} MiB "
              "(the launcher, a bare interpreter)")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        launcher.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(launcher=_LAUNCHER))
