"""`warehouse.export` and `newsprism export`: views to CSV, Parquet and JSON lines, read back."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import REPO
from tests.warehouse import tiny_story
from warehouse import export


@pytest.fixture(scope="module")
def con():
    c = tiny_story.build()
    yield c
    c.close()


def view_rows(con, name, topic=None):
    where = f" where topic_id = '{topic}'" if topic else ""
    return con.execute(f"select * from {name}{where} order by all").fetchall()


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_typed_formats_read_back_equal_to_the_view(con, tmp_path, suffix):
    path = tmp_path / f"mentions{suffix}"
    n = export.export_relation(con, "claim_mentions", path)
    expected = view_rows(con, "claim_mentions")
    assert n == len(expected) > 0
    reader = "read_parquet" if suffix == ".parquet" else "read_json"
    columns = [r[0] for r in con.execute("describe claim_mentions").fetchall()]
    back = con.execute(f"select {', '.join(columns)} from {reader}(?) order by all", [str(path)]).fetchall()
    if suffix == ".parquet":
        assert back == expected  # types and lists intact
    else:  # JSON has no timestamp type: compare the keys and offsets, and the list columns
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        key = lambda r: (r["claim_id"], r["sentence_id"], r["start_char"], r["end_char"], r["hedges"])  # noqa: E731
        want = con.execute("select claim_id, sentence_id, start_char, end_char, hedges from claim_mentions").fetchall()
        assert sorted(map(key, lines)) == sorted((a, b, c, d, list(e)) for a, b, c, d, e in want)
        assert all(isinstance(r["hedges"], list) for r in lines)  # lists stay lists


def test_csv_has_a_header_and_every_row(con, tmp_path):
    path = tmp_path / "numbers.csv"
    n = export.export_relation(con, "cmp_number_discrepancies", path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["topic_id", "concept", "variant_a"]
    assert len(rows) - 1 == n == len(view_rows(con, "cmp_number_discrepancies")) > 0


def test_topic_filter_and_its_errors(con, tmp_path):
    n = export.export_relation(con, "claim_mentions", tmp_path / "t.parquet", topic=tiny_story.TOPIC)
    assert n == len(view_rows(con, "claim_mentions", tiny_story.TOPIC)) > 0
    assert export.export_relation(con, "claim_mentions", tmp_path / "none.parquet", topic="no-such-topic") == 0
    with pytest.raises(ValueError, match="no topic_id column"):
        export.export_relation(con, "sentences", tmp_path / "s.csv", topic=tiny_story.TOPIC)


def test_names_and_formats_are_checked_before_any_sql(con, tmp_path):
    with pytest.raises(LookupError, match="no view or table named"):
        export.export_relation(con, "claim_mentions; drop table claims", tmp_path / "x.csv")
    with pytest.raises(ValueError, match="cannot tell the format"):
        export.export_relation(con, "claim_mentions", tmp_path / "x.txt")
    assert export.export_relation(con, "claim_mentions", tmp_path / "x.txt", fmt="csv") > 0
    assert con.execute("select count(*) from claims").fetchone()[0] > 0


def test_a_failed_export_leaves_no_file(con, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        export.export_relation(con, "claim_mentions", blocker / "x.parquet")
    good = tmp_path / "good.csv"
    export.export_relation(con, "claim_mentions", good)
    before = good.read_bytes()
    con.execute("create or replace view main_broken as select cast('x' as integer) as x")
    with pytest.raises(duckdb.Error):  # a view that fails while being written
        export.export_relation(con, "main_broken", good)
    assert good.read_bytes() == before  # the old file is intact, no partial file next to it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv", "not-a-folder"]
    con.execute("drop view main_broken")


def test_export_all_writes_one_file_per_view(con, tmp_path):
    written = export.export_all(con, tmp_path / "out", "parquet", tiny_story.TOPIC)
    assert {"claim_mentions", "cmp_claim_coverage", "cmp_number_discrepancies"} <= set(written)
    for name, n in written.items():
        assert con.execute("select count(*) from read_parquet(?)", [str(tmp_path / "out" / f"{name}.parquet")]).fetchone()[0] == n


def test_cli_export(tmp_path):
    db = tmp_path / "w.duckdb"
    tiny_story.build(duckdb.connect(str(db))).close()
    out = tmp_path / "cov.csv"
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "export", "cmp_claim_coverage", str(out), "--db", str(db)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "cmp_claim_coverage:" in proc.stderr and out.read_text(encoding="utf-8").startswith("topic_id,")
    bad = subprocess.run([sys.executable, "-m", "flows.cli", "export", "nope", str(out), "--db", str(db)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 2 and "no view or table named 'nope'" in bad.stderr and "cmp_claim_coverage" in bad.stderr


def test_the_warehouse_as_parquet_answers_every_view_as_the_duckdb_file_does(tmp_path):
    source = tiny_story.build(denial=True, reprinted_date=True)  # conflicts read claim_links and sentence_copies
    try:
        written = export.export_warehouse(source, tmp_path / "lake")
        assert {"article_versions", "claims", "claim_links", "sentence_copies"} <= set(written)
        assert written["article_versions"] == source.execute("select count(*) from article_versions").fetchone()[0]
        sql = (tmp_path / "lake" / export.WAREHOUSE_SQL).read_text(encoding="utf-8")
        lake = duckdb.connect()  # empty: everything it knows comes from newsprism.sql and the files
        lake.execute(sql)
        # tables are views over the files, read in place, not copies
        kinds = dict(lake.execute("select table_name, table_type from information_schema.tables").fetchall())
        assert kinds["article_versions"] == "VIEW" and "BASE TABLE" not in kinds.values()
        for view in ("cmp_claim_coverage", "int_claim_conflicts", "cmp_omissions", "cmp_outlet_profile", "claim_mentions"):
            expected = view_rows(source, view)
            assert expected, view
            assert lake.execute(f"select * from {view} order by all").fetchall() == expected, view
    finally:
        source.close()
    # published elsewhere: the SQL names the files where they will be read
    export.export_warehouse(tiny_story.build(), tmp_path / "s3", base="s3://newsroom-lake/newsprism/")
    text = (tmp_path / "s3" / export.WAREHOUSE_SQL).read_text(encoding="utf-8")
    assert "read_parquet('s3://newsroom-lake/newsprism/tables/claims.parquet')" in text


def test_cli_exports_the_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    tiny_story.build(duckdb.connect(str(db))).close()
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "export", "warehouse", str(tmp_path / "lake"), "--db", str(db)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "article_versions:" in proc.stderr and ".read " in proc.stderr
    assert (tmp_path / "lake" / "tables" / "article_versions.parquet").is_file()
    bad = subprocess.run([sys.executable, "-m", "flows.cli", "export", "warehouse", str(tmp_path / "x"), "--format", "csv",
                          "--db", str(db)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 2 and "written whole, as Parquet" in bad.stderr
