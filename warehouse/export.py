"""Write a view (or a whole set of views) to CSV, Parquet or JSON for spreadsheets, pandas and R;
or the whole warehouse as Parquet files that DuckDB queries in place (`export_warehouse`).

DuckDB's own COPY does the writing (typed columns in Parquet, lists kept as lists in Parquet and
JSON). A view name is checked against the warehouse's views and tables before it reaches SQL,
and a file is written under a temporary name and renamed when complete, so a failed export never
leaves a truncated file where a user expects a good one.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

__all__ = ["FORMATS", "format_for", "exportable", "export_relation", "export_all", "export_warehouse",
           "written_whole", "WAREHOUSE_SQL"]

# format name → (file extension, COPY options); JSON is one object per line (newline-delimited)
FORMATS = {
    "csv": (".csv", "FORMAT csv, HEADER true"),
    "parquet": (".parquet", "FORMAT parquet"),
    "json": (".jsonl", "FORMAT json"),
}
_EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "json",
               ".ndjson": "json"}


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The format named, else the one the file's extension implies (ValueError if neither)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ValueError(f"cannot tell the format from {str(path)!r}; end the name in .csv, .parquet or .jsonl, "
                         f"or give the format")
    return _EXTENSIONS[suffix]


def exportable(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Name → 'view' or 'table' for everything a user may export (the main schema)."""
    rows = con.execute(
        "select table_name, case when table_type = 'VIEW' then 'view' else 'table' end "
        "from information_schema.tables where table_schema = 'main' and table_catalog = current_database() "
        "order by table_name").fetchall()
    return dict(rows)


@contextmanager
def written_whole(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path` to write to; it becomes `path` only when the block
    ends without an error, and is removed otherwise, so `path` is never left half-written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_relation(con: duckdb.DuckDBPyConnection, name: str, path: str | Path, fmt: str | None = None,
                    topic: str | None = None) -> int:
    """Write view or table `name` (only `topic`'s rows, when given and the relation has a
    topic_id column) to `path`; returns the number of rows written."""
    known = exportable(con)
    if name not in known:
        views = ", ".join(sorted(k for k, v in known.items() if v == "view"))
        raise LookupError(f"no view or table named {name!r}; views: {views}")
    fmt = format_for(path, fmt)
    columns = [r[0] for r in con.execute(f'describe "{name}"').fetchall()]
    where = ""
    if topic is not None:
        if "topic_id" not in columns:
            raise ValueError(f"{name} has no topic_id column; export it without a topic")
        where = f" where topic_id = {_literal(topic)}"
    with written_whole(path) as partial:
        rows = con.execute(f'copy (select * from "{name}"{where}) to {_literal(str(partial))} '
                           f'({FORMATS[fmt][1]})').fetchone()[0]  # COPY answers with the rows written
    return rows


def export_all(con: duckdb.DuckDBPyConnection, folder: str | Path, fmt: str = "parquet", topic: str | None = None,
               prefixes: tuple[str, ...] = ("claim_mentions", "cmp_", "int_", "stg_")) -> dict[str, int]:
    """Every view whose name starts with one of `prefixes`, one file each in `folder`
    (`<view><extension>`); returns view → rows. Views without a topic_id column are written
    whole even when a topic is given."""
    out = {}
    for name, kind in exportable(con).items():
        if kind != "view" or not name.startswith(prefixes):
            continue
        columns = [r[0] for r in con.execute(f'describe "{name}"').fetchall()]
        out[name] = export_relation(con, name, Path(folder) / f"{name}{FORMATS[format_for('', fmt)][0]}", fmt,
                                    topic if "topic_id" in columns else None)
    return out


WAREHOUSE_SQL = "newsprism.sql"  # the entry point of an exported warehouse (export_warehouse)


def export_warehouse(con: duckdb.DuckDBPyConnection, folder: str | Path, base: str | None = None) -> dict[str, int]:
    """The whole warehouse as Parquet, to be queried in place; returns table → rows.

    Layout: `<folder>/tables/<table>.parquet`, one file per table (zstd), and
    `<folder>/newsprism.sql`, which sets the session to UTC (as warehouse.db does), defines each
    table as a view over its file (`read_parquet`), then every newsprism view, in build order,
    on top. Running it in an empty DuckDB (`duckdb -c ".read newsprism.sql"`, or
    `con.execute(open(...).read())`) gives the same views as the DuckDB file, read from the
    Parquet files; nothing is copied in. `base` is where the SQL says the files are: the
    folder's absolute path by default, or where the folder is published (`s3://bucket/news`,
    `https://...`; reading those needs DuckDB's httpfs extension).
    """
    from warehouse.schema import view_files, view_statement

    out_dir = Path(folder)
    where = (base or str(out_dir.resolve())).rstrip("/")
    tables = sorted(name for name, kind in exportable(con).items() if kind == "table")
    written = {}
    lines = ["-- newsprism warehouse as Parquet: tables/<table>.parquet, read in place by the views below.",
             "-- Run in an empty DuckDB: duckdb -c \".read newsprism.sql\"",
             "set TimeZone = 'UTC';", ""]
    for name in tables:
        written[name] = export_relation(con, name, out_dir / "tables" / f"{name}.parquet", "parquet")
        lines.append(f"create or replace view {name} as select * from read_parquet({_literal(f'{where}/tables/{name}.parquet')});")
    lines.append("")
    for view in view_files():
        lines.append(view_statement(view) + "\n;")
    with written_whole(out_dir / WAREHOUSE_SQL) as partial:
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
