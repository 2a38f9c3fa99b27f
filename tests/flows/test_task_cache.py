"""A retried run takes what it already fetched and parsed from the task cache.

fetch-pages and parse-pages are cached on their stage folder, batch and URLs (and each page's
content hash for parsing), with persisted results; a run retried under the same flow run id
works in the same stage folder (Stage.for_run), so its keys match. Proven against a real HTTP
server on 127.0.0.1 that counts the requests it gets, with three signals that each show a task
did not run again: the server saw no request, the staged files were not rewritten (same mtime),
and Prefect recorded the task run as Cached.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import REPO, SAMPLE
from tests.servers import QuietServer, running

pytestmark = pytest.mark.flow

PAGES = ("harbor-wire-2025-04-01.html", "el-observador-2025-04-01.html", "diario-del-valle-2025-04-02.html")
BATCH = 2  # three pages: two fetch batches and two parse batches


class PageServer:
    """The sample pages under /pages/<file>, counting every request it gets."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with state.lock:
                    state.counts[self.path] += 1
                name = self.path.rsplit("/", 1)[-1]
                if self.path.startswith("/pages/") and name in PAGES:
                    code, body = 200, (SAMPLE / "pages" / name).read_bytes()
                else:
                    code, body = 404, b"<h1>not found</h1>"
                self.send_response(code)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)

    @property
    def urls(self) -> list[str]:
        host, port = self.httpd.server_address[:2]
        return [f"http://{host}:{port}/pages/{name}" for name in PAGES]

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def page_counts(self) -> dict[str, int]:
        with self.lock:
            return {p: n for p, n in self.counts.items() if p.startswith("/pages/")}


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    with running(server.httpd):
        yield server


@pytest.fixture
def settings(tmp_path):
    from flows.config import FetchSettings

    return FetchSettings(per_host_interval=0.0, allow_hosts=("127.0.0.1",), archive_dir=tmp_path / "archive",
                         batch_size=BATCH, retries=0)


def _stage_path(tmp_path: Path) -> Path:
    # Unique across sessions, not only across tests: cache records outlive the session (7 days),
    # and pytest's numbered tmp folders come back after /tmp is emptied.
    return tmp_path / f"stage-{uuid.uuid4().hex}"


def _staged(stage: Path, urls: list[str]):
    from flows.staging import Stage
    from parsers.records import Discovery

    st = Stage(stage)
    st.path.mkdir(parents=True, exist_ok=True)
    st.write_discoveries([Discovery(url=u, source="urls.txt", source_kind="urls",
                                    discovered_at="2025-04-03T12:00:00+00:00") for u in urls])
    return st


def _files(stage: Path, prefix: str) -> dict[str, int]:
    """Staged files (name -> mtime in ns) whose name starts with `prefix`."""
    return {p.name: p.stat().st_mtime_ns for p in sorted(stage.glob(f"{prefix}*.parquet"))}


def _task_states(flow_run_id) -> list[tuple[str, str]]:
    """(task name, state name) of the task runs of one flow run, sorted."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted((r.name.rsplit("-", 1)[0], r.state.name) for r in runs)


def _fetch_and_parse(stage: Path, settings) -> tuple:
    """fetch_flow then parse_flow on `stage`; returns their final states."""
    from flows.pipeline import fetch_flow, parse_flow

    fetched = fetch_flow(str(stage), settings, return_state=True)
    parsed = parse_flow(str(stage), BATCH, return_state=True)
    assert fetched.is_completed() and parsed.is_completed()
    return fetched, parsed


def test_the_same_stage_again_takes_everything_from_the_cache(prefect_harness, page_server, settings, tmp_path):
    stage = _staged(_stage_path(tmp_path), page_server.urls).path
    fetched, parsed = _fetch_and_parse(stage, settings)
    assert (fetched.result(), parsed.result()) == (3, 3)
    assert page_server.page_counts() == {f"/pages/{p}": 1 for p in PAGES}
    assert _task_states(fetched.state_details.flow_run_id) == [("fetch-pages", "Completed")] * 2
    assert _task_states(parsed.state_details.flow_run_id) == [("parse-pages", "Completed")] * 2
    files = {**_files(stage, "fetches-"), **_files(stage, "parsed-")}
    assert len(files) == 4  # two batches each
    requests_before = page_server.total()

    fetched_2, parsed_2 = _fetch_and_parse(stage, settings)
    assert (fetched_2.result(), parsed_2.result()) == (3, 3)  # the cached results, not zeros
    assert page_server.total() == requests_before  # not a single request, robots.txt included
    assert {**_files(stage, "fetches-"), **_files(stage, "parsed-")} == files  # nothing rewritten
    assert _task_states(fetched_2.state_details.flow_run_id) == [("fetch-pages", "Cached")] * 2
    assert _task_states(parsed_2.state_details.flow_run_id) == [("parse-pages", "Cached")] * 2


def test_a_new_stage_fetches_and_parses_again(prefect_harness, page_server, settings, tmp_path):
    first = _staged(_stage_path(tmp_path), page_server.urls).path
    _fetch_and_parse(first, settings)
    second = _staged(_stage_path(tmp_path), page_server.urls).path
    fetched, parsed = _fetch_and_parse(second, settings)
    # a new run is a new folder: nothing is taken from another run's cache
    assert page_server.page_counts() == {f"/pages/{p}": 2 for p in PAGES}
    assert _task_states(fetched.state_details.flow_run_id) == [("fetch-pages", "Completed")] * 2
    assert _task_states(parsed.state_details.flow_run_id) == [("parse-pages", "Completed")] * 2
    assert len(_files(second, "parsed-")) == 2


def test_a_parse_of_changed_bytes_is_not_taken_from_the_cache(prefect_harness, page_server, settings, tmp_path):
    """The parse key holds each page's content hash: the same URLs with other bytes parse again."""
    from flows.pipeline import parse_pages
    from flows.staging import Stage

    stage = _staged(_stage_path(tmp_path), page_server.urls).path
    _fetch_and_parse(stage, settings)
    fetches = [f for f in Stage(stage).fetches("pages") if f.ok][:BATCH]
    changed = [dataclasses.replace(f, sha256="0" * 64) for f in fetches]
    from prefect import flow

    @flow
    def parse_one(batch) -> str:
        return parse_pages(batch, str(stage), "00000", return_state=True).name

    assert parse_one(fetches) == "Cached"
    assert parse_one(changed) == "Completed"


def test_a_retried_run_refetches_and_reparses_nothing(prefect_harness, page_server, settings, tmp_path):
    """A flow that fails after parsing is retried by Prefect under the same flow run id: it finds
    its stage folder again, and every fetch and parse task is a cache hit."""
    from prefect import flow
    from prefect.runtime import flow_run

    from flows.pipeline import fetch_flow, parse_flow
    from flows.staging import Stage

    db = str(tmp_path / f"w-{uuid.uuid4().hex}" / "newsprism.duckdb")
    Path(db).parent.mkdir()
    attempts = []

    @flow(retries=1, retry_delay_seconds=0)
    def crashes_once() -> int:
        stage = Stage.for_run(db, flow_run.id)
        _staged(stage.path, page_server.urls)  # discovery runs again on a retry
        fetched = fetch_flow(str(stage.path), settings, return_state=True)
        parsed = parse_flow(str(stage.path), BATCH, return_state=True)
        attempts.append({"stage": stage.path, "requests": page_server.total(), "fetch": fetched, "parse": parsed,
                         "files": {**_files(stage.path, "fetches-"), **_files(stage.path, "parsed-")}})
        if flow_run.run_count == 1:
            raise RuntimeError("the load failed")  # after parsing, before anything was loaded
        return len(stage.parsed())

    state = crashes_once(return_state=True)
    assert state.is_completed() and state.result() == 3
    first, second = attempts
    assert first["stage"] == second["stage"]
    assert second["requests"] == first["requests"] > 0
    assert second["files"] == first["files"] and len(first["files"]) == 4
    assert _task_states(first["fetch"].state_details.flow_run_id) == [("fetch-pages", "Completed")] * 2
    assert _task_states(second["fetch"].state_details.flow_run_id) == [("fetch-pages", "Cached")] * 2
    assert _task_states(second["parse"].state_details.flow_run_id) == [("parse-pages", "Cached")] * 2


# A worker process that fetches and parses one stage and, when told to, dies (SIGKILL, nothing
# cleaned up) while parsing the first page of the second parse batch.
_WORKER = r"""
import json, os, signal, sys
from pathlib import Path

from flows.runtime import local_flow_settings
import flows.pipeline as pipeline
from flows.config import FetchSettings
from flows.staging import Stage

args = json.loads(sys.argv[1])
settings = FetchSettings(per_host_interval=0.0, allow_hosts=("127.0.0.1",), archive_dir=Path(args["archive"]),
                         batch_size=args["batch"], retries=0)
with local_flow_settings():
    fetched = pipeline.fetch_flow(args["stage"], settings, return_state=True)
    if args["crash"]:
        doomed = [f.url for f in Stage(args["stage"]).fetches("pages") if f.ok][args["batch"]]
        import parsers.article

        parse = parsers.article.parse_article  # what flows.parallel.parse_one calls

        def crash_on_doomed(data, url, **kw):
            if url == doomed:
                os.kill(os.getpid(), signal.SIGKILL)
            return parse(data, url, **kw)

        parsers.article.parse_article = crash_on_doomed
    # one batch at a time, so that the crash comes after a batch has finished
    from prefect.task_runners import ThreadPoolTaskRunner

    one_at_a_time = pipeline.parse_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))
    parsed = one_at_a_time(args["stage"], args["batch"], return_state=True)
print(json.dumps({"fetch": str(fetched.state_details.flow_run_id), "parse": str(parsed.state_details.flow_run_id)}))
"""


def _worker(stage: Path, tmp_path: Path, *, crash: bool) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           # both workers keep results where the other finds them, and not in the user's home
           "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "results"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    args = json.dumps({"stage": str(stage), "archive": str(tmp_path / "archive"), "batch": BATCH, "crash": crash})
    return subprocess.run([sys.executable, "-c", _WORKER, args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def test_a_run_killed_mid_parse_resumes_in_a_new_process(prefect_harness, page_server, tmp_path):
    """The cache lives in persisted results, not in the process: a process killed while parsing
    leaves the batches it finished, and the next process on that stage fetches nothing and parses
    only the batch that was cut short."""
    stage = _staged(_stage_path(tmp_path), page_server.urls).path
    killed = _worker(stage, tmp_path, crash=True)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert page_server.page_counts() == {f"/pages/{p}": 1 for p in PAGES}
    before = {**_files(stage, "fetches-"), **_files(stage, "parsed-")}
    assert sorted(before) == ["fetches-pages-00000.parquet", "fetches-pages-00001.parquet", "parsed-00000.parquet"]
    requests_before = page_server.total()

    resumed = _worker(stage, tmp_path, crash=False)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    runs = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert page_server.total() == requests_before
    after = {**_files(stage, "fetches-"), **_files(stage, "parsed-")}
    assert {k: after[k] for k in before} == before  # finished batches untouched
    assert set(after) - set(before) == {"parsed-00001.parquet"}
    assert _task_states(runs["fetch"]) == [("fetch-pages", "Cached")] * 2
    assert _task_states(runs["parse"]) == [("parse-pages", "Cached"), ("parse-pages", "Completed")]
