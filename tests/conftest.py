"""Shared fixtures. Paths only; the Prefect harness lives in tests/flows/conftest.py so that
tests which do not run flows never pay for it."""
from __future__ import annotations

import os
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
