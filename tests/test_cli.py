"""The command line: help and examples everywhere, and `parse` without Prefect or a database."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flows.cli import EXAMPLES, build_parser
from tests.conftest import REPO, SAMPLE

PAGE = SAMPLE / "pages" / "northern-ledger-2025-03-28.html"


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120, **kw)


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and EXAMPLES[command] in out
    if command != "serve":  # serve runs deployments, which read the warehouse path from the config
        assert "--db" in out


def test_parse_prints_one_json_object_per_page_without_importing_prefect():
    code = (
        "import sys, io, contextlib\n"
        "from flows.cli import main\n"
        f"buf = io.StringIO()\n"
        f"with contextlib.redirect_stdout(buf): rc = main(['parse', {str(PAGE)!r}, {str(PAGE)!r}])\n"
        "assert rc == 0\n"
        "assert not any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules), 'prefect imported'\n"
        "assert 'duckdb' not in sys.modules, 'duckdb imported'\n"
        "sys.stdout.write(buf.getvalue())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    row = json.loads(lines[0])
    for key in ("path", "url", "outlet", "title", "authors", "published", "language", "body"):
        assert key in row, key
    assert row["path"] == str(PAGE)
    assert isinstance(row["authors"], list) and row["language"] == "en"
    assert row["published"] and row["published"][-6] in "+-"  # ISO 8601 with an offset


def test_parse_url_option_and_errors(tmp_path):
    proc = run_cli("parse", str(PAGE), "--url", "https://mirror.example/copy")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["url"] == "https://mirror.example/copy"
    missing = tmp_path / "missing.html"
    proc = run_cli("parse", str(missing))
    assert proc.returncode == 1 and "missing.html" in proc.stderr and "Traceback" not in proc.stderr


def test_sql_on_a_missing_warehouse_is_a_clear_error(tmp_path):
    proc = run_cli("sql", "select 1", "--db", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 2
    assert "no warehouse" in proc.stderr and "Traceback" not in proc.stderr


def test_a_run_fails_only_when_nothing_at_all_was_collected(capsys):
    from flows.cli import _print_summary
    from flows.pipeline import RunSummary

    def summary(ok: int, unchanged: int = 0) -> RunSummary:
        return RunSummary(topic_id="t", discovered=3, fetched_ok=ok, fetch_failures=3 - ok - unchanged,
                          loaded={}, analyzed={}, errors=("feed https://a.example/rss: connection_error: cannot resolve host",),
                          unchanged=unchanged)

    assert _print_summary(summary(1)) == 0  # some sources failing is the normal state of the web
    assert _print_summary(summary(0, unchanged=2)) == 0  # nothing new, but the sources answered
    assert _print_summary(summary(0)) == 1
    err = capsys.readouterr().err
    assert "source failed: feed https://a.example/rss" in err and "nothing could be collected for t" in err
