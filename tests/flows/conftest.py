"""One Prefect test harness for the whole session, used only by tests that run flows.

The harness costs 7-10 s to start (a fresh SQLite API database), so it is shared; the demo
warehouse it produces is shared too, and tests only read it (DuckDB read-only connections).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE


def table_digests(db: str) -> dict[str, tuple[int, str]]:
    """Per table: row count and a digest of its primary-key values (same rows, not just as many)."""
    from warehouse.db import session

    with session(db, read_only=True) as con:
        keys = dict(con.execute(
            "select table_name, string_agg(column_name, ', ' order by column_name) "
            "from duckdb_constraints() c, unnest(c.constraint_column_names) as k(column_name) "
            "where c.constraint_type = 'PRIMARY KEY' and c.schema_name = 'main' group by 1").fetchall())
        out = {}
        for table, cols in sorted(keys.items()):
            n, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(concat_ws('|', {cols}), ',' order by "
                f"concat_ws('|', {cols})), '')) from {table}").fetchone()
            out[table] = (n, digest)
        return out


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    from flows.runtime import local_flow_settings

    # server_startup_timeout: the harness can time out connecting to its own server on a busy
    # machine (Prefect issue #16397).
    with prefect_test_harness(server_startup_timeout=60), local_flow_settings():
        yield


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory) -> Path:
    """The sample edition and config copied to a temp folder, so tests never write into the repo."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(SAMPLE, root / "sample", ignore=shutil.ignore_patterns("edition.warc.gz"))
    shutil.copy(REPO / "newsprism.toml", root / "newsprism.toml")
    return root


@pytest.fixture(scope="session")
def demo_runs(prefect_harness, sample_copy):
    """Run the demo twice into one warehouse; yields (db path, table counts after run 1, after run 2)."""
    from flows.demo import demo_flow
    from flows.sample import build_sample_warc

    build_sample_warc(sample_copy / "sample", sample_copy / "sample" / "edition.warc.gz")
    db = str(sample_copy / "newsprism.duckdb")
    config = str(sample_copy / "newsprism.toml")

    def snapshot() -> dict[str, tuple[int, str]]:
        return table_digests(db)

    report_1 = demo_flow(str(sample_copy / "sample"), db, config)
    first = snapshot()
    report_2 = demo_flow(str(sample_copy / "sample"), db, config)
    second = snapshot()
    return {"db": db, "first": first, "second": second, "report": report_2, "report_1": report_1,
            "config": config, "root": sample_copy}
