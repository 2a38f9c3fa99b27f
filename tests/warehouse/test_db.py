"""Opening the warehouse file: UTC sessions, readable by DuckDB 1.x tools, clear lock errors."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from warehouse.db import WarehouseLocked, connect, session


def _in_zone(zone: str, code: str) -> str:
    """Run `code` in a fresh interpreter whose machine time zone is `zone`; its stdout."""
    import os

    env = {**os.environ, "TZ": zone}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_sessions_work_in_utc_whatever_the_machine_zone(tmp_path):
    query = "select current_setting('TimeZone') || ' ' || (timestamptz '2025-03-28 20:10:00-04')::varchar"
    # plain DuckDB follows the machine's zone: what the warehouse's sessions must not do
    plain = _in_zone("America/Mexico_City", f"import duckdb; print(duckdb.connect().execute({query!r}).fetchone()[0])")
    assert "UTC" not in plain
    ours = _in_zone("America/Mexico_City", "from warehouse.db import session\n"
                    f"with session({str(tmp_path / 'w.duckdb')!r}) as con: print(con.execute({query!r}).fetchone()[0])")
    assert ours == "UTC 2025-03-29 00:10:00+00"


def test_new_files_are_written_for_duckdb_1x_tools(tmp_path):
    db = tmp_path / "w.duckdb"
    with session(db) as con:
        con.execute("create table t(x int)")
    with session(db, read_only=True) as con:
        (version,) = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'w'").fetchone()
    assert version.startswith("v1.")  # not 2.0's own format, which the 1.x CLI cannot open


def test_a_missing_warehouse_is_a_clear_error_for_readers(tmp_path):
    with pytest.raises(FileNotFoundError, match="no warehouse at"):
        connect(tmp_path / "absent.duckdb", read_only=True)


def test_a_file_held_by_another_process_raises_after_the_wait(tmp_path):
    db = tmp_path / "w.duckdb"
    session(db).__enter__().close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(30)", str(db)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(WarehouseLocked, match="locked by another process"):
            connect(db, read_only=True, wait_seconds=0.5)
        assert time.monotonic() - start >= 0.5  # it retried before giving up
    finally:
        holder.kill()
        holder.wait()


def test_the_memory_limit_comes_from_the_environment(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("NEWSPRISM_MEMORY_LIMIT", "300MB")
    with session(db) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] in ("286.1 MiB", "300.0 MB")
    monkeypatch.setenv("NEWSPRISM_MEMORY_LIMIT", "lots'; drop table x; --")
    with pytest.raises(ValueError, match="NEWSPRISM_MEMORY_LIMIT=.*use a size such as 4GB"):
        connect(db)
