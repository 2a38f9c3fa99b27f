"""Opening the warehouse: one place that knows the DuckDB file rules of this project.

- DuckDB allows one writer per file across processes, and while a writer holds the file no other
  process can open it at all, read-only included. Writers keep their windows short; everyone
  retries a locked file with backoff instead of failing at once.
- DuckDB 2.0 writes storage format v69 by default, which the DuckDB 1.x CLI, DBeaver drivers and
  older notebooks cannot read. New files are written in the v1.5.0 format so the tools people
  already have can open them.
- Every connection works in UTC: timestamps print and cast to dates the same on every machine,
  whatever its time zone (DuckDB otherwise uses the machine's).
"""
from __future__ import annotations

import fcntl
import os
import random
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

DEFAULT_DB = "newsprism.duckdb"
STORAGE_COMPATIBILITY = "v1.5.0"
_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")
# Waiting for the lock: DuckDB fails a locked open at once, so waiters poll. Write windows are
# short (measured with two concurrent ingests: 12 windows in 6 s, the longest 0.65 s, the file
# free 60% of the time), so a waiter must try often enough to hit the gaps between them: with
# the delay growing to 1 s, a reader waited up to 3.8 s, and in 2 runs of 5 missed every gap
# until both ingests were done (tests/flows/test_concurrent_runs.py). A failed try costs ~5 ms,
# so trying at least every 0.2 s costs a waiter ~3% of a core.
_FIRST_DELAY = 0.02
_MAX_DELAY = 0.2


class WarehouseLocked(RuntimeError):
    """Another process holds the warehouse file for writing."""


def default_db_path() -> str:
    return os.environ.get("NEWSPRISM_DB") or DEFAULT_DB


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 30.0,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (":memory:" for tests), retrying while another process holds the lock."""
    target = str(path if path is not None else default_db_path())
    if target != ":memory:" and read_only and not Path(target).exists():
        raise FileNotFoundError(f"no warehouse at {target}: run `newsprism run` or `newsprism ingest` first")
    config = {} if read_only else {"storage_compatibility_version": STORAGE_COMPATIBILITY}
    deadline = time.monotonic() + wait_seconds
    delay = _FIRST_DELAY
    while True:
        try:
            con = duckdb.connect(target, read_only=read_only, config=config)
            # a SET, not a config key: at connect time the ICU extension is not loaded yet
            con.execute("set TimeZone = 'UTC'")
            _limit_memory(con)
            return con
        except duckdb.IOException as exc:
            if not any(m in str(exc) for m in _LOCK_MARKERS):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{target} is locked by another process (a running flow?); tried for {wait_seconds:.0f} s"
                ) from exc
            # jitter: two waiters that failed together do not try again together
            time.sleep(min(delay * random.uniform(0.5, 1.0), max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, _MAX_DELAY)


_SIZE = re.compile(r"[0-9]+(\.[0-9]+)?\s*(K|M|G|T)i?B", re.IGNORECASE)


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """NEWSPRISM_MEMORY_LIMIT ("4GB", "500MB"), when set, caps what DuckDB holds in memory;
    beyond it, big intermediates and the report's pinned tables spill to `<warehouse>.tmp`.
    DuckDB's own default is 80% of the machine's memory, too much beside Prefect and the
    parse workers on a small machine. (10,000 articles: the report peaks at 5.2 GiB unlimited,
    2.0 GiB at 2GB, 25 s instead of 19 s.)"""
    limit = os.environ.get("NEWSPRISM_MEMORY_LIMIT", "").strip()
    if not limit:
        return
    if not _SIZE.fullmatch(limit):
        con.close()
        raise ValueError(f"NEWSPRISM_MEMORY_LIMIT={limit!r}: use a size such as 4GB or 500MB")
    con.execute(f"set memory_limit = '{limit}'")


@contextmanager
def session(path: str | os.PathLike | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed on exit, so the file lock is held only as long as needed."""
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def exclusive(db_path: str | os.PathLike, name: str) -> Iterator[None]:
    """Hold a named lock of the warehouse across processes for a read-compute-write step.

    DuckDB's own file lock serializes single writes, not a step that reads, computes with the
    file closed, then writes (claim alignment): two such steps for one topic could otherwise
    write an alignment computed before the other's articles arrived. The lock is an advisory
    flock on a file next to the warehouse, released when the holder exits or dies.
    """
    target = str(db_path)
    if target == ":memory:":
        yield
        return
    lock = Path(target).resolve().with_name(f".{Path(target).name}.{re.sub(r'[^A-Za-z0-9._-]+', '-', name)}.lock")
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
