"""Ad-hoc SQL with the tools people already have: the newsprism CLI, the DuckDB CLI, Python."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.flow


def newsprism(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120)


def duckdb_cli() -> str:
    # Installed by the `test` extra (duckdb-cli on PyPI), next to this interpreter.
    exe = Path(sys.executable).with_name("duckdb")
    found = str(exe) if exe.exists() else shutil.which("duckdb")
    if not found:
        pytest.fail("the duckdb CLI is not installed; `pip install -e '.[test]'` installs duckdb-cli")
    return found


def test_duckdb_cli_1x_opens_the_demo_warehouse(demo_runs):
    version = subprocess.run([duckdb_cli(), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1."), version  # the 1.x CLI: the storage format must stay readable
    proc = subprocess.run(
        [duckdb_cli(), "-readonly", demo_runs["db"], "-csv", "-c",
         "select count(*) as n from claim_mentions; select count(*) from cmp_claim_coverage;"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    numbers = [int(line) for line in proc.stdout.split() if line.isdigit()]
    assert len(numbers) == 2 and all(n > 0 for n in numbers)


def test_python_read_only_connection(demo_runs):
    con = duckdb.connect(demo_runs["db"], read_only=True)
    try:
        (n,) = con.execute("select count(distinct outlet) from claim_mentions").fetchone()
    finally:
        con.close()
    assert n >= 6


def test_newsprism_sql_formats(demo_runs):
    proc = newsprism("sql", "select outlet, coverage from int_topic_outlets order by outlet", "--db", demo_runs["db"])
    assert proc.returncode == 0, proc.stderr
    assert "Metro Courier" in proc.stdout or "metrocourier" in proc.stdout
    proc = newsprism("sql", "select count(*) as n from articles", "--db", demo_runs["db"], "--format", "csv")
    assert proc.stdout.splitlines()[0] == "n" and int(proc.stdout.splitlines()[1]) > 0
    proc = newsprism("sql", "delete from articles", "--db", demo_runs["db"])
    assert proc.returncode == 1 and "read-only" in proc.stderr.lower()


def test_newsprism_report_matches_the_flow_report(demo_runs):
    proc = newsprism("report", "--db", demo_runs["db"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == demo_runs["report"]
