"""Prefect settings for flows run from the command line, in this process.

Every flow run starts a heartbeat thread that costs about a second per run, subflows included
(PITFALLS.md): with six stage flows per pipeline that is most of a small run. A CLI run is its own
crash detector (the process exits non-zero), so heartbeats are turned off there unless the user
sets PREFECT_FLOWS_HEARTBEAT_FREQUENCY. Deployments served by a worker keep Prefect's default,
because there a crashed run must be noticed by the server.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def local_flow_settings() -> Iterator[None]:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import temporary_settings

    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        yield
        return
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield
