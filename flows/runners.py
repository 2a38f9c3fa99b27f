"""Which task runner runs the fetch, parse and analysis batches: threads in this process, or a
Dask cluster.

`[fetch] task_runner` in the config (or NEWSPRISM_TASK_RUNNER) says which:

- "threads" (default): batches overlap on a small thread pool; fetching is I/O and overlaps well,
  and each parse batch or analysis chunk goes to worker processes (flows/parallel.py), so every
  core parses and analyses.
- "dask": batches are tasks on a Dask cluster (prefect-dask): the scheduler at `dask_address`
  (or NEWSPRISM_DASK_ADDRESS, e.g. tcp://scheduler:8786), else a distributed.LocalCluster of one
  single-threaded worker process per core, started once for a collection round's fetch, parse
  and analyze flows (`shared_cluster`), or for the flow run when a flow is called alone. Workers
  read and write the staging folder and the archive, so those must be on storage every worker
  mounts; analysis chunks travel as task arguments and results. The warehouse is written only
  by the load and analyze flows' own process (DuckDB's one writer).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

from flows.config import ConfigError, FetchSettings

RUNNERS = ("threads", "dask")
THREADS_IN_FLIGHT = 2  # batches fetched or parsed at once: one waits on the network while one works


def runner_kind(settings: FetchSettings) -> str:
    kind = os.environ.get("NEWSPRISM_TASK_RUNNER") or settings.task_runner
    if kind not in RUNNERS:
        raise ConfigError(f"task_runner {kind!r}: use one of {', '.join(RUNNERS)}")
    return kind


def parse_processes(settings: FetchSettings) -> int:
    """Processes each parse batch and each analysis chunk uses: 1 under Dask, whose workers are
    the processes; else `parse_processes` from the settings, or one per core."""
    from flows.parallel import default_processes

    return 1 if runner_kind(settings) == "dask" else (settings.parse_processes or default_processes())


def task_runner(settings: FetchSettings):
    """A new task runner of the configured kind (a flow run enters and closes its own)."""
    if runner_kind(settings) == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ConfigError("task_runner = \"dask\" needs prefect-dask: pip install 'newsprism[dask]'") from exc
        from flows.parallel import default_processes

        address = _address(settings)
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": default_processes(), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=THREADS_IN_FLIGHT)


def _address(settings: FetchSettings) -> str:
    return os.environ.get("NEWSPRISM_DASK_ADDRESS") or settings.dask_address


@contextmanager
def shared_cluster(settings: FetchSettings) -> Iterator[FetchSettings]:
    """The settings to run a collection's fetch, parse and analyze flows with: under "dask"
    without a scheduler address, one LocalCluster started here serves them all (a cluster costs
    seconds to start; one per flow doubled the demo's time), else the settings as they are."""
    if runner_kind(settings) != "dask" or _address(settings):
        yield settings
        return
    from distributed import LocalCluster

    from flows.parallel import default_processes

    with LocalCluster(n_workers=default_processes(), threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield replace(settings, dask_address=cluster.scheduler_address)
