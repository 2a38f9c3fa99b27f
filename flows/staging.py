"""The staging area a pipeline run passes its work through, stage to stage.

Stage flows hand each other a folder, not data: Prefect stores every subflow parameter in its API
database and refuses more than 512 KB of them, which a few thousand URLs already exceed, and
article texts do not belong there anyway. Each stage writes Parquet files into the folder
(discoveries, fetch outcomes, parsed records, in numbered batches: `<kind>-<batch>.parquet`) and
the next stage reads them. The same files are the hand-over point when stages run on other
workers (Dask, other processes or machines sharing the disk): they write batches, one loader
merges them into DuckDB (the single writer).

Why Parquet rather than JSON Lines: the columns are typed (instants as timestamps with time zone,
lists as VARCHAR[], NULL apart from '' and from an empty list), compressed (zstd), and DuckDB
reads a batch in place (`read_parquet`), so the loader merges a parsed batch with SQL alone,
without a Python loop over its rows (warehouse/load.py). A batch is written by DuckDB itself (an
in-memory connection, a typed temporary table filled by the appender, `COPY ... TO`), so neither
pyarrow nor pandas is needed. Beside a record's own fields a batch carries the keys the loader
needs (fetch, article and version ids, content hash, outlet id, instants), computed by the worker
that wrote it (`warehouse.load.FETCH_BATCH`, `PAGE_BATCH`). Page bodies (bytes) never enter a
batch: they stay in the archive, which a fetch row points to.

Files are written to a temporary name and renamed, so a reader never sees half a batch; the
folder is removed once the load has committed, so a failed load can be retried from it.

A stage named after a flow run (`Stage.for_run`) is the same folder when that run is retried, so
the batches it already staged are found again instead of being fetched and parsed anew (the
tasks' cache keys name the folder and batch).

Discovery and ingest run as separate deployments (prefect.yaml): discovery `enqueue`s its
finished stage under `queue/<topic>/`, and ingest `claim_queued`s every stage waiting there into
its own. Each queued stage moves by one rename, so two ingest runs never take the same stage nor
split one between them, and a stage half-written by discovery is never seen (it enters the
queue whole).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import duckdb

from parsers.charset import whole_characters
from parsers.records import ArticleRecord, Discovery, FetchResult
from warehouse.load import FETCH_BATCH, PAGE_BATCH, Parsed, fetch_batch_row, page_batch_row, record_columns

STAGING_DIR = ".newsprism-staging"
QUEUE_DIR = "queue"
SUFFIX = ".parquet"
_LEGACY_SUFFIX = ".jsonl"  # batches staged before Parquet: a queue may still hold some
_MKDIR_ATTEMPTS = 5
_CLAIMING = ".claimed-"  # a queued stage being taken into a stage (a hidden folder: no reader looks inside)

DISCOVERY_BATCH = record_columns(Discovery)
RECHECK_BATCH = [("url", "VARCHAR")]
ERROR_BATCH = [("error", "VARCHAR")]

T = TypeVar("T")


def staging_root(db_path: str) -> Path:
    """Where stages live: next to the warehouse (the loader and the stages share that disk)."""
    base = Path(db_path).resolve().parent if db_path != ":memory:" else Path.cwd()
    return base / STAGING_DIR


def _slug(topic_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", topic_id) or "topic"


# --- the DuckDB that writes and reads batch files ---------------------------------------------

_local = threading.local()


def _duck() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for this thread (a connection is not for concurrent threads, and
    opening one costs ~10 ms); a forked child opens its own."""
    con = getattr(_local, "con", None)
    if con is None or _local.pid != os.getpid():
        con = duckdb.connect(":memory:", config={"threads": 1})
        _local.con, _local.pid = con, os.getpid()
    return con


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _valid_text(value: Any) -> Any:
    """`value` with every string made encodable as UTF-8 (parsers.charset.whole_characters).

    The parsers repair what they read (JSON-LD); this is the last guard for records from other
    sources (a discovery's title from a JSON API), since a batch with half a character in it
    cannot be written at all.
    """
    if isinstance(value, str):
        return whole_characters(value)
    if isinstance(value, tuple):
        return tuple(_valid_text(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _valid_text(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def _as_record(cls: type[T], row: dict[str, Any], prefix: str = "") -> T:
    """A record from the columns of a batch row named after its fields (after `prefix`); a field
    a batch lacks (written before the field existed) takes its default."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if prefix + f.name not in row:
            continue
        value = row[prefix + f.name]
        kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


class Stage:
    """One run's staging folder."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def create(cls, db_path: str) -> "Stage":
        """A new folder next to the warehouse (the loader and the stages share that disk)."""
        return cls.for_run(db_path, None)

    @classmethod
    def for_run(cls, db_path: str, run_id: str | None) -> "Stage":
        """The folder of one flow run (a new one when `run_id` is None)."""
        stage = cls(staging_root(db_path) / (run_id or uuid.uuid4().hex[:12]))
        # Another run's remove() takes the staging root away when it leaves it empty; if that
        # happens between creating the root and creating this folder in it, create both again.
        for attempt in range(_MKDIR_ATTEMPTS):
            try:
                stage.path.mkdir(parents=True, exist_ok=True)
                break
            except (FileNotFoundError, FileExistsError):
                if attempt == _MKDIR_ATTEMPTS - 1:
                    raise
        return stage

    # --- the queue between discovery and ingest ---------------------------------------------

    def enqueue(self, topic_id: str) -> Path:
        """Move this finished stage into the topic's queue (one rename); returns its new path."""
        queue = self.path.parent / QUEUE_DIR / _slug(topic_id)
        queue.mkdir(parents=True, exist_ok=True)
        target = queue / self.path.name
        if target.exists():  # a retried discovery run whose first attempt is still queued
            target = queue / f"{self.path.name}-{uuid.uuid4().hex[:6]}"
        self.path.replace(target)
        self.path = target
        return target

    def claim_queued(self, topic_id: str) -> int:
        """Move every stage waiting in the topic's queue into this stage; returns the files moved.

        Each queued stage is taken whole, by renaming its folder into this one (one rename: it
        is this run's or another's, never split between two runs, which would leave one run
        with discoveries whose pages the other holds). Its files then move up into this stage,
        keeping their kind and batch prefix ("fetches-given-...") and gaining the queued
        stage's name, so batches of several discovery runs never collide. A claim cut short
        by a crash is finished by the next claim of this stage (a retried run). JSON Lines
        batches queued by a release before Parquet staging are rewritten as Parquet.
        """
        queue = self.path.parent / QUEUE_DIR / _slug(topic_id)
        moved = 0
        for folder in sorted(p for p in queue.glob("*") if p.is_dir()):
            try:
                folder.replace(self.path / f"{_CLAIMING}{folder.name}")
            except FileNotFoundError:  # another ingest run took it first
                continue
        for claimed in sorted(self.path.glob(f"{_CLAIMING}*")):
            origin = claimed.name[len(_CLAIMING):]
            for file in sorted(claimed.glob(f"*{SUFFIX}")):
                file.replace(self.path / f"{file.stem}-q{origin}{SUFFIX}")
                moved += 1
            for file in sorted(claimed.glob(f"*{_LEGACY_SUFFIX}")):
                self._import_jsonl(file, f"-q{origin}")
                file.unlink()
                moved += 1
            # what is left was never a finished batch (a .part file of a writer that died)
            shutil.rmtree(claimed, ignore_errors=True)
        return moved

    def _import_jsonl(self, file: Path, tag: str) -> None:
        """Rewrite one JSON Lines batch of an older release as the Parquet batch it stands for."""
        kind, _, batch = file.stem.partition("-")
        with file.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        batch += tag
        if kind == "discoveries":
            self.write_discoveries([_as_record(Discovery, r) for r in rows], batch)
        elif kind == "fetches":
            self.write_fetches([_as_record(FetchResult, r) for r in rows], batch)
        elif kind == "parsed":
            self.write_parsed([Parsed(_as_record(FetchResult, r["fetch"]), _as_record(ArticleRecord, r["record"]))
                               for r in rows], batch)
        elif kind == "rechecks":
            self.write_rechecks([r["url"] for r in rows], batch)
        elif kind == "errors":
            self.write_errors([r["error"] for r in rows], batch)
        else:
            raise ValueError(f"{file}: not a staged batch (unknown kind {kind!r})")

    # --- files -----------------------------------------------------------------------------

    def files(self, prefix: str = "") -> list[Path]:
        """The finished batch files whose name starts with `prefix` ("parsed-", "fetches-pages-"),
        in name order; a batch still being written (a .part file) is never among them."""
        return sorted(self.path.glob(f"{prefix}*{SUFFIX}"))

    def _write(self, name: str, columns: Sequence[tuple[str, str]], items: Sequence[T],
               to_row: Callable[[T], tuple]) -> Path:
        """Write `items` as the Parquet file `name`: typed columns, zstd, then one rename."""
        target = self.path / f"{name}{SUFFIX}"
        tmp = self.path / f"{name}{SUFFIX}.{uuid.uuid4().hex[:8]}.part"
        con = _duck()
        defs = ", ".join(f'"{col}" {sql_type}' for col, sql_type in columns)
        try:
            for attempt in (1, 2):
                con.execute(f"create or replace temp table _batch ({defs})")
                appender = con.appender("_batch")
                try:
                    appender.append_rows([to_row(item) for item in items])
                    appender.flush()
                    break
                except (UnicodeEncodeError, duckdb.InvalidInputException):
                    if attempt == 2:
                        raise
                    appender.clear()
                    # text no UTF-8 file can hold (hashing a key or appending failed on it)
                    items = [_valid_text(item) for item in items]
            con.execute(f"copy _batch to {_sql_path(tmp)} (format parquet, compression zstd)")
            tmp.replace(target)
        finally:
            con.execute("drop table if exists _batch")
            tmp.unlink(missing_ok=True)
        return target

    def _rows(self, prefix: str) -> Iterator[dict[str, Any]]:
        for file in self.files(prefix):
            yield from self._file_rows(file)

    @staticmethod
    def _file_rows(file: Path) -> list[dict[str, Any]]:
        cur = _duck().execute("select * from read_parquet(?)", [str(file)])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    # --- discoveries -----------------------------------------------------------------------

    def write_discoveries(self, discoveries: Iterable[Discovery], batch: str = "0") -> Path:
        names = [n for n, _ in DISCOVERY_BATCH]
        return self._write(f"discoveries-{batch}", DISCOVERY_BATCH, list(discoveries),
                           lambda d: tuple(getattr(d, n) for n in names))

    def discoveries(self) -> list[Discovery]:
        return [_as_record(Discovery, row) for row in self._rows("discoveries-")]

    # --- URLs to fetch again (rechecks): known articles, not new discoveries ----------------

    def write_rechecks(self, urls: Iterable[str], batch: str = "0") -> Path:
        return self._write(f"rechecks-{batch}", RECHECK_BATCH, list(urls), lambda u: (u,))

    def rechecks(self) -> list[str]:
        return [row["url"] for row in self._rows("rechecks-")]

    # --- what the next stage works on ------------------------------------------------------

    def urls_to_fetch(self) -> list[str]:
        """Discovered and recheck URLs not already in hand (pages read from WARC sources come
        with their bytes), each once. Aggregator links that could not be resolved are recorded
        as discoveries, never fetched: the aggregator's page is not the article."""
        have = {f.url for f in self.fetches("given")}
        wanted = [d.url for d in self.discoveries() if d.resolved] + self.rechecks()
        return [u for u in dict.fromkeys(wanted) if u not in have]

    def pages_to_parse(self) -> list[FetchResult]:
        """Pages fetched or given whole, successfully; feeds are not articles."""
        return [f for f in self.fetches("pages") + self.fetches("given") if f.ok]

    # --- fetch outcomes --------------------------------------------------------------------

    def write_fetches(self, results: Iterable[FetchResult], batch: str) -> Path:
        """Stage fetch outcomes with their keys (`warehouse.load.FETCH_BATCH`); bodies stay out."""
        return self._write(f"fetches-{batch}", FETCH_BATCH, list(results), fetch_batch_row)

    def fetches(self, kind: str = "") -> list[FetchResult]:
        """Fetch outcomes of every batch (or of batches whose name starts with `kind`)."""
        return [_as_record(FetchResult, row) for row in self._rows(f"fetches-{kind}")]

    # --- parsed records --------------------------------------------------------------------

    def write_parsed(self, parsed: Iterable[Parsed], batch: str) -> Path:
        """Stage parsed pages with the keys the loader merges them by (`warehouse.load.PAGE_BATCH`),
        computed here, in the worker that parsed them."""
        return self._write(f"parsed-{batch}", PAGE_BATCH, list(parsed), page_batch_row)

    def parsed(self) -> list[Parsed]:
        return [p for batch in self.parsed_batches() for p in batch]

    def parsed_batches(self) -> Iterator[list[Parsed]]:
        """The parsed records one staged batch at a time, so a reader holds one batch of
        article texts in memory, not the whole run's."""
        for file in self.files("parsed-"):
            yield [Parsed(_as_record(FetchResult, row, "fetch_"), _as_record(ArticleRecord, row))
                   for row in self._file_rows(file)]

    # --- problems with sources (feeds that failed, bad lines in URL lists) ------------------

    def write_errors(self, errors: Iterable[str], batch: str = "0") -> Path:
        return self._write(f"errors-{batch}", ERROR_BATCH, list(errors), lambda e: (e,))

    def errors(self) -> list[str]:
        return [row["error"] for row in self._rows("errors-")]

    def remove(self) -> None:
        """Delete this stage, and the staging root if no other stage or queue is left in it."""
        shutil.rmtree(self.path, ignore_errors=True)
        parent = self.path.parent
        if parent.name == STAGING_DIR:
            # not empty (another run staged something meanwhile) or already gone (another run's
            # remove): either way the root is not ours to delete, and the stage is gone
            with contextlib.suppress(OSError):
                parent.rmdir()
