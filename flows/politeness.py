"""Per-host pacing across processes, through Prefect global concurrency limits.

In one process flows/http.py's HostPacer spaces requests to a host. Deployments served by a
Prefect server can run at the same time in several processes (a discovery and an ingest, two
topics' ingests), each with its own HostPacer, and together they would fetch a host faster than
`per_host_interval`. With a server configured, every request also takes a slot of the
`newsprism-host-<host>` limit, which this module creates on first use: one slot, decaying at
1 / per_host_interval per second, i.e. a rate limit of one request per interval shared by every
process. Prefect grants slots with about a second's granularity (PITFALLS.md), coarse for high
rates but right for polite crawling; the in-process pacer keeps the sub-second spacing.
Without a server (the CLI's ephemeral mode) there is one process, and the HostPacer alone is used.
"""
from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

from flows.http import HostPacer, shared_pacer

LIMIT_PREFIX = "newsprism-host-"


def server_configured() -> bool:
    """True when runs talk to a Prefect server that outlives them (PREFECT_API_URL is set);
    ephemeral mode has no other process to share a limit with."""
    from prefect.settings import get_current_settings

    return bool(os.environ.get("PREFECT_API_URL") or get_current_settings().api.url)


def limit_name(url_or_host: str) -> str:
    host = (urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host) or "unknown"
    return LIMIT_PREFIX + host.lower()


class PrefectHostPacer(HostPacer):
    """The process's HostPacer, then a slot of the host's global rate limit."""

    def __init__(self, interval: float) -> None:  # noqa: D107 - state is the shared pacer's
        self.local = shared_pacer(interval)
        self.interval = self.local.interval
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def set_interval(self, host: str, seconds: float) -> None:
        self.local.set_interval(host, seconds)

    def wait(self, url: str, interval: float | None = None) -> float:
        from prefect.concurrency.sync import rate_limit

        waited = self.local.wait(url, interval)
        name = limit_name(url)
        self._ensure(name, interval if interval is not None else self.interval)
        rate_limit(name, occupy=1, strict=False)
        return waited

    def _ensure(self, name: str, interval: float) -> None:
        with self._lock:
            if name in self._known:
                return
            self._known.add(name)
        ensure_limit(name, interval)


def ensure_limit(name: str, interval: float) -> None:
    """Create the rate limit `name` (one request per `interval` seconds) unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists

    decay = 1.0 / interval if interval > 0 else 1000.0  # no interval: effectively unlimited
    with get_client(sync_client=True) as client:
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=1, slot_decay_per_second=decay))
        except ObjectAlreadyExists:
            pass


def pacer_for(interval: float) -> HostPacer:
    """The pacer a fetch task should use: shared through Prefect when a server is configured."""
    if interval > 0 and server_configured():
        return PrefectHostPacer(interval)
    return shared_pacer(interval)
