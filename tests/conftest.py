"""Shared fixtures. Paths only; the Prefect harness lives in tests/flows/conftest.py so that
tests which do not run flows never pay for it."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# Set before anything imports Prefect: analytics on the local SQLite cause "database is locked"
# noise (PITFALLS.md).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
CORPORA = Path(os.environ.get("NEWSPRISM_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """The shared real-page corpora; tests that need them skip where the folder is absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"real-page corpora not found at {CORPORA} (set NEWSPRISM_CORPORA to run these tests)")
    return CORPORA


def free_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def closed_port() -> int:
    return free_port()


class SleepRecorder:
    """Stands in for time.sleep: records the waits asked for instead of waiting."""

    __test__ = False

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def no_sleep() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(autouse=True)
def fresh_fetch_memory(monkeypatch):
    """Each test starts with the fetcher's process-wide memory empty: robots.txt verdicts, the
    unreachable-host breaker and per-host pacing are keyed by host and port, and the OS hands the
    port of one test's server (or of a closed port) to a later test."""
    import sys

    http = sys.modules.get("flows.http")
    if http is None:  # nothing has fetched yet in this process
        return
    monkeypatch.setattr(http, "_BREAKER", http._Breaker())
    monkeypatch.setattr(http, "_ROBOTS_MEMO", {})
    monkeypatch.setattr(http, "_SHARED_PACER", http.HostPacer(0.0))
