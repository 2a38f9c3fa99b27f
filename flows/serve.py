"""`newsprism serve`: run the deployments of prefect.yaml from this process, no work pool needed.

1. A Prefect server: the one PREFECT_API_URL names, else `prefect server start` on 127.0.0.1
   (started here, stopped on exit; schedules and event triggers need a server that outlives the
   runs, which the CLI's ephemeral mode is not).
2. Every deployment of prefect.yaml (the same file `prefect deploy --all` reads for work pools),
   with its description, parameters, UTC schedules and event triggers, registered and served by
   Prefect's runner: each run becomes a subprocess of this one.

`debounce` shortens the debounced triggers (those with `schedule_after`: the wait after the
first event of a burst), for tests and demonstrations; the file keeps the production value.
Prefect is imported only after the server address is in the environment, so every setting and
every run subprocess sees it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
PREFECT_YAML = REPO / "prefect.yaml"


class ServeError(RuntimeError):
    """The server could not be started or reached."""


@dataclass(frozen=True)
class ServeOptions:
    port: int = 4200
    api_url: str | None = None  # an existing server; default $PREFECT_API_URL, else start one
    debounce: float | None = None  # seconds; None keeps prefect.yaml's windows
    poll_seconds: float | None = None  # how often the runner looks for scheduled runs (Prefect: 10)
    limit: int | None = None  # at most this many runs at once (None: Prefect's default)
    prefect_yaml: Path = PREFECT_YAML


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The `deployments` of a prefect.yaml, as written."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    deployments = spec.get("deployments") or []
    if not deployments:
        raise ServeError(f"{path} declares no deployments")
    return deployments


def load_entrypoint(entrypoint: str):
    """The flow an entrypoint names ("flows/service.py:compare_flow"), imported as a module of
    this package so that runs load it the same way from any working directory."""
    import importlib

    path, _, name = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def _trigger(spec: dict[str, Any], debounce: float | None):
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    spec = dict(spec)
    if debounce is not None and spec.get("schedule_after"):
        spec["within"] = debounce
        spec["schedule_after"] = debounce
    return DeploymentEventTrigger(**spec)


def _schedule(spec: dict[str, Any]):
    from prefect.schedules import Cron, Interval

    if "cron" in spec:
        return Cron(spec["cron"], timezone=spec.get("timezone", "UTC"), active=spec.get("active", True))
    if "interval" in spec:
        return Interval(timedelta(seconds=spec["interval"]), timezone=spec.get("timezone", "UTC"),
                        active=spec.get("active", True))
    raise ServeError(f"unsupported schedule {spec!r}: use cron or interval")


def runner_deployments(specs: list[dict[str, Any]], *, debounce: float | None = None) -> list:
    """Deployments for Prefect's runner from prefect.yaml entries (work pools are ignored: the
    runner runs them itself)."""
    from prefect.deployments.runner import EntrypointType

    out = []
    for d in specs:
        fl = load_entrypoint(d["entrypoint"])
        out.append(fl.to_deployment(
            name=d["name"],
            description=d.get("description"),
            parameters=d.get("parameters") or {},
            tags=d.get("tags"),
            schedules=[_schedule(s) for s in d.get("schedules") or []] or None,
            triggers=[_trigger(t, debounce) for t in d.get("triggers") or []] or None,
            entrypoint_type=EntrypointType.MODULE_PATH,
        ))
    return out


def _healthy(api_url: str) -> bool:
    try:
        return requests.get(api_url.rstrip("/") + "/health", timeout=2).ok
    except requests.RequestException:
        return False


@contextlib.contextmanager
def local_server(port: int, *, timeout: float = 90.0, home: Path | None = None) -> Iterator[str]:
    """`prefect server start` on 127.0.0.1:`port` for the duration of the block; yields its API URL.
    `home` is its PREFECT_HOME (its database and settings), default the caller's."""
    api_url = f"http://127.0.0.1:{port}/api"
    if _healthy(api_url):
        raise ServeError(f"something already answers on port {port}: pass --api-url {api_url} to use it, "
                         "or --port to start another server")
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or shutil.which("prefect")
    if not prefect:
        raise ServeError("the `prefect` command is not installed next to this Python")
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    # the UI asks this address for its data (by default port 4200's, whatever --port says)
    env["PREFECT_UI_API_URL"] = api_url
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    # its own session: Ctrl-C in the terminal reaches only this process, which then stops the
    # runner (pausing its deployments needs the server) before it stops the server
    # its output goes to a file, not a pipe: nobody reads a pipe of a long-running server, and a
    # full one would stall it
    log = tempfile.TemporaryFile(mode="w+", prefix="newsprism-prefect-server-")
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(api_url):
            if proc.poll() is not None:
                log.seek(0)
                raise ServeError(f"prefect server exited ({proc.returncode}): {log.read()[-2000:]}")
            if time.monotonic() > deadline:
                raise ServeError(f"prefect server did not answer on {api_url} within {timeout:.0f} s")
            time.sleep(0.5)
        yield api_url
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Ask a process to stop (SIGTERM), and kill it if it has not after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve(options: ServeOptions) -> None:
    """Start or find the server, register prefect.yaml's deployments and serve them until
    interrupted."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if options.poll_seconds is not None:
        os.environ["PREFECT_RUNNER_POLL_FREQUENCY"] = str(options.poll_seconds)
    specs = deployment_specs(options.prefect_yaml)  # a bad file fails before a server starts
    # SIGTERM (a service manager, `kill`) ends the process through the with-blocks below, so the
    # server this command started is stopped with it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    api_url = options.api_url or os.environ.get("PREFECT_API_URL")
    server = contextlib.nullcontext(api_url) if api_url else local_server(options.port)
    with server as url:
        if not _healthy(url):
            raise ServeError(f"no Prefect server answers at {url}")
        os.environ["PREFECT_API_URL"] = url
        if "prefect" in sys.modules:  # settings were read already: make them follow the environment
            from prefect.settings import PREFECT_API_URL, temporary_settings

            ctx = temporary_settings(updates={PREFECT_API_URL: url})
        else:
            ctx = contextlib.nullcontext()
        with ctx:
            from prefect import serve as prefect_serve

            deployments = runner_deployments(specs, debounce=options.debounce)
            print(f"serving {len(deployments)} deployments from {options.prefect_yaml} on {url} "
                  f"(UI: {url.removesuffix('/api')})", file=sys.stderr, flush=True)
            kwargs = {"limit": options.limit} if options.limit else {}
            prefect_serve(*deployments, print_starting_message=False, **kwargs)
