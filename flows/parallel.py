"""Parsing and analysing on every core: one page's work as a plain function, and a process pool.

Parsing is CPU-bound Python (BeautifulSoup walks, regular expressions), so threads share one core.
`parse_many` spreads a batch over a pool of worker processes that lives as long as the process
running the flows (starting one costs about a second of imports: paid once, not per batch). The
workers are spawned, not forked: the parent runs Prefect's threads, and a forked child can
inherit a lock one of them held. This module imports neither Prefect nor DuckDB, so a worker
starts with the parser's imports only (a worker that analyses imports warehouse.analysis, and
with it DuckDB, on its first chunk).

Sentence and claim analysis (`analyze_in_pool`) is the same kind of work and uses the same pool,
a chunk of article versions per job; so does alignment, whose claim level runs on a worker while
the events are aligned in the flow's process (`worker_pool`).

Under the Dask task runner, parse tasks already run in Dask's worker processes: they call
`parse_many` with processes=1, which parses in place.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

from parsers.records import ArticleRecord, FetchResult

# below this many pages a batch is parsed in place: shipping it to workers costs more than it saves
MIN_PAGES_PER_WORKER = 4

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def default_processes() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def parse_one(fetch: FetchResult) -> tuple[ArticleRecord | None, str | None]:
    """The record of one fetched page, or why there is none (its bytes are unreadable, or the
    parser failed: a parser bug must not stop the run; the fetch row keeps the page)."""
    from flows.bodies import body_of
    from parsers.article import parse_article
    from parsers.dates import as_utc

    try:
        data = body_of(fetch)
    except OSError as exc:
        return None, f"cannot read the stored bytes of {fetch.url}: {exc}"
    try:
        # Dates later than the capture cannot be publication dates (and a zoned date within
        # minutes of it is the server's render time): bound them by when the page was got.
        record = parse_article(data, fetch.final_url or fetch.url, content_type=fetch.content_type,
                               now=as_utc(fetch.fetched_at) if fetch.fetched_at else None)
    except Exception as exc:  # noqa: BLE001
        return None, f"parser failed on {fetch.url}: {type(exc).__name__}: {exc}"
    return record, None


def _executor(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))
            _pool_size = processes
        return _pool


def worker_pool(processes: int) -> ProcessPoolExecutor | None:
    """The shared pool when `processes` > 1 (for work that submits its own jobs, such as
    alignment's claim level), else None: run in place."""
    return _executor(processes) if processes > 1 else None


def parse_many(fetches: Sequence[FetchResult], processes: int) -> list[tuple[ArticleRecord | None, str | None]]:
    """`parse_one` of every page, in order; on `processes` worker processes when the batch is
    big enough to be worth it, else in this process."""
    n = min(processes, len(fetches) // MIN_PAGES_PER_WORKER)
    if n <= 1:
        return [parse_one(f) for f in fetches]
    chunk = max(1, len(fetches) // (n * 4))  # a few chunks per worker: an odd slow page evens out
    return list(_executor(processes).map(parse_one, fetches, chunksize=chunk))


def _analyze(versions):
    from warehouse.analysis import analyze_versions

    return analyze_versions(versions)


def analyze_in_pool(versions: Sequence, processes: int):
    """`warehouse.analysis.analyze_versions` of the versions: on a worker process when
    `processes` > 1 (callers on several threads keep several workers busy), else here."""
    if processes <= 1:
        return _analyze(versions)
    return _executor(processes).submit(_analyze, versions).result()
