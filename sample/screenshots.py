"""Take the README's screenshots of the Prefect UI: the sample edition run as a service.

What it does, in a temporary folder that it removes at the end:

1. builds the sample edition's WARC and starts `newsprism serve` there, which starts its own
   Prefect server on a free port and serves every deployment of prefect.yaml;
2. creates one run of `discover-noem-sheinbaum` for the sample topic and waits for the ingest
   and compare runs that the events trigger (about 30 s);
3. drives headless Chromium through the DevTools protocol (a plain `chromium --screenshot`
   shoots the UI, a JavaScript app, before it has loaded anything) and writes
     ui-compare-run.png  the compare run's page, Artifacts tab
     ui-report.png       the comparison report artifact as the UI renders it
     ui-events.png       the Event Feed filtered to newsprism.* events
4. stops Chromium and `newsprism serve` (which stops its server).

Run it from the repository (needs only the venv and Debian's chromium; about a minute):

    .venv/bin/python sample/screenshots.py [--out sample] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests
from websockets.sync.client import connect

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TOPIC = "noem-sheinbaum-sample"
WIDTH = 1500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(what: str, check, timeout: float = 120.0, every: float = 1.0):
    """Call `check` until it returns something true; that value, or TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Api:
    """The few Prefect REST calls needed here (the UI uses the same API)."""

    def __init__(self, url: str):
        self.url = url

    def post(self, path: str, body: dict | None = None):
        for _ in range(10):
            r = requests.post(self.url + path, json=body or {}, timeout=30)
            if r.status_code != 503:  # 503: the server's SQLite is busy (a fresh server migrating)
                break
            time.sleep(1)
        r.raise_for_status()
        return r.json()

    def deployments(self) -> dict[str, dict]:
        try:
            return {d["name"]: d for d in self.post("/deployments/filter")}
        except requests.RequestException:
            return {}

    def finished_run(self, deployment: dict) -> dict | None:
        """A finished run of `deployment` for the sample topic (not one its cron started)."""
        runs = self.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}})
        for run in runs:
            if (run["parameters"].get("topic") == TOPIC and run["state"]
                    and run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED")):
                return run
        return None


class Browser:
    """One headless Chromium tab, driven over the DevTools protocol."""

    def __init__(self, chromium: str, profile: Path):
        port = free_port()
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--lang=en-US", f"--user-data-dir={profile}",
             f"--remote-debugging-port={port}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            targets = wait("Chromium's DevTools endpoint", lambda: self._targets(port), timeout=30, every=0.5)
            page = next(t for t in targets if t["type"] == "page")
            self.ws = connect(page["webSocketDebuggerUrl"], max_size=2**26)
        except BaseException:
            stop(self.proc)
            raise
        self.ids = itertools.count(1)
        self.call("Emulation.setTimezoneOverride", timezoneId="UTC")  # times in UTC, as everywhere in newsprism

    @staticmethod
    def _targets(port: int):
        try:
            return requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
        except requests.RequestException:
            return None

    def call(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:  # events arrive on the same socket: skip them
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)
        return result["result"].get("value") or ""

    def shoot(self, url: str, expect: list[str], out: Path, height: int, click: str | None = None) -> int:
        """Open `url` in a WIDTH x `height` window, wait until every string of `expect` is on the
        page, click the element the CSS selector `click` names, if any, and save a PNG of the
        window; returns its size in bytes."""
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height, deviceScaleFactor=1,
                  mobile=False)
        self.call("Page.navigate", url=url)
        wait(f"{expect} on {url}", lambda: all(s in self.text() for s in expect), timeout=60, every=0.5)
        if click:
            self.call("Runtime.evaluate", expression=f"document.querySelector({json.dumps(click)}).click()")
        self.call("Runtime.evaluate", expression="document.fonts.ready.then(() => true)", awaitPromise=True)
        time.sleep(2)  # charts and the run graph draw after their data arrives
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        out.write_bytes(data)
        return len(data)

    def close(self) -> None:
        self.ws.close()
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the process group of whatever is left (its own session)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def start_service(work: Path) -> tuple[subprocess.Popen, str]:
    from flows.sample import build_sample_warc

    shutil.copytree(REPO / "sample", work / "sample", ignore=shutil.ignore_patterns("*.png", "*.warc.gz", "*.py"))
    shutil.copy(REPO / "newsprism.toml", work / "newsprism.toml")
    build_sample_warc(work / "sample", work / "sample" / "edition.warc.gz")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(work / "prefect-home"), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT="false",
               # without this the UI of a server on any port but 4200 asks 4200 for its data
               PREFECT_UI_API_URL=api_url)
    with (work / "serve.log").open("w") as log:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("newsprism")), "serve", "--port", str(port),
                                 "--debounce", "3", "--poll", "1"],
                                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, api_url


def run_chain(api: Api) -> dict[str, dict]:
    """Start discovery for the sample topic; the finished runs of discover, ingest and compare."""
    wanted = ("discover-noem-sheinbaum", "ingest-discovered", "compare-topic")
    wait("newsprism serve to register its deployments", lambda: set(wanted) <= set(api.deployments()), timeout=120)
    deps = api.deployments()
    api.post(f"/deployments/{deps['discover-noem-sheinbaum']['id']}/create_flow_run",
             {"parameters": {"topic": TOPIC}})
    runs = {name: wait(f"a finished {name} run", lambda n=name: api.finished_run(deps[n]), timeout=180)
            for name in wanted}
    for name, run in runs.items():
        if run["state"]["type"] != "COMPLETED":
            raise RuntimeError(f"{name} ended {run['state']['type']}: {run['state'].get('message')}")
    return runs


def take_screenshots(api: Api, runs: dict[str, dict], browser: Browser, out: Path) -> dict[str, int]:
    ui = api.url.removesuffix("/api") + "/v2"
    compare = runs["compare-topic"]
    report = api.post("/artifacts/filter", {"artifacts": {"key": {"any_": [f"report-{TOPIC}"]}}})[0]
    # the Event Feed over the minutes the chain ran, so its chart spreads the events out
    start = datetime.fromisoformat(runs["discover-noem-sheinbaum"]["start_time"]) - timedelta(minutes=1)
    end = datetime.fromisoformat(compare["end_time"]) + timedelta(minutes=1)
    events = urlencode({"events": json.dumps(["newsprism.*"]), "rangeType": "range",
                        "start": start.isoformat().replace("+00:00", "Z"),
                        "end": end.isoformat().replace("+00:00", "Z")})
    shots = [
        ("ui-compare-run.png", f"{ui}/runs/flow-run/{compare['id']}?tab=Artifacts",
         [f"compare-{TOPIC}", "Completed", f"page-{TOPIC}", f"warehouse-{TOPIC}"], 1090, '[aria-label="List view"]'),
        ("ui-report.png", f"{ui}/artifacts/artifact/{report['id']}",
         [f"report-{TOPIC}", "relevant articles", "Outlets ("], 1000, None),
        ("ui-events.png", f"{ui}/events?{events}",
         ["newsprism.story.grew", "newsprism.topic.ingested", "newsprism.article.discovered"], 1180, None),
    ]
    return {name: browser.shoot(url, expect, out / name, height, click) for name, url, expect, height, click in shots}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "sample", help="folder for the PNG files (default: sample/)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsprism-ui-"))
    serve = browser = None
    try:
        serve, api_url = start_service(work)
        api = Api(api_url)
        runs = run_chain(api)
        browser = Browser(args.chromium, work / "chromium")
        for name, size in take_screenshots(api, runs, browser, args.out).items():
            print(f"{args.out / name}: {size:,} bytes")
        return 0
    except (TimeoutError, RuntimeError, requests.RequestException) as exc:
        log = work / "serve.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        print(f"screenshots: {exc}\n--- newsprism serve log (end) ---\n{tail}", file=sys.stderr)
        return 1
    finally:
        if browser:
            browser.close()
        if serve:
            stop(serve)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
