"""The staging area a pipeline run passes its work through, stage to stage.

Stage flows hand each other a folder, not data: Prefect stores every subflow parameter in its API
database and refuses more than 512 KB of them, which a few thousand URLs already exceed, and
article texts do not belong there anyway. Each stage writes JSON Lines files into the folder
(discoveries, fetch outcomes, parsed records, in numbered batches) and the next stage reads them.
The same files are the hand-over point when stages run on other workers: they write batches, one
loader merges them into DuckDB (the single writer). Files are written to a temporary name and
renamed, so a reader never sees half a batch; the folder is removed once the load has committed,
so a failed load can be retried from it.

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
import json
import re
import shutil
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable, Iterator

from parsers.records import ArticleRecord, Discovery, FetchResult
from warehouse.load import Parsed

STAGING_DIR = ".newsprism-staging"
QUEUE_DIR = "queue"
_MKDIR_ATTEMPTS = 5
_CLAIMING = ".claimed-"  # a queued stage being taken into a stage (a hidden folder: no reader looks inside)


def staging_root(db_path: str) -> Path:
    """Where stages live: next to the warehouse (the loader and the stages share that disk)."""
    base = Path(db_path).resolve().parent if db_path != ":memory:" else Path.cwd()
    return base / STAGING_DIR


def _slug(topic_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", topic_id) or "topic"


def _fetch_dict(f: FetchResult) -> dict[str, Any]:
    # The bytes stay in the archive (WARC record or local file), never in the staging files.
    return {fl.name: getattr(f, fl.name) for fl in fields(FetchResult) if fl.name != "body"}


def _record(d: dict[str, Any]) -> ArticleRecord:
    for name in ("authors", "keywords", "warnings"):
        d[name] = tuple(d.get(name) or ())
    return ArticleRecord(**d)


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
        by a crash is finished by the next claim of this stage (a retried run).
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
            for file in sorted(claimed.glob("*.jsonl")):
                file.replace(self.path / f"{file.stem}-q{origin}.jsonl")
                moved += 1
            # what is left was never a finished batch (a .part file of a writer that died)
            shutil.rmtree(claimed, ignore_errors=True)
        return moved

    # --- files -----------------------------------------------------------------------------

    def _write(self, name: str, rows: Iterable[dict[str, Any]]) -> Path:
        target = self.path / name
        tmp = target.with_suffix(".part")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False))
                fh.write("\n")
        tmp.replace(target)
        return target

    def _read(self, pattern: str) -> Iterator[dict[str, Any]]:
        for file in sorted(self.path.glob(pattern)):
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)

    # --- discoveries -----------------------------------------------------------------------

    def write_discoveries(self, discoveries: Iterable[Discovery], batch: str = "0") -> Path:
        return self._write(f"discoveries-{batch}.jsonl", (d.as_dict() for d in discoveries))

    def discoveries(self) -> list[Discovery]:
        return [Discovery(**row) for row in self._read("discoveries-*.jsonl")]

    # --- URLs to fetch again (rechecks): known articles, not new discoveries ----------------

    def write_rechecks(self, urls: Iterable[str], batch: str = "0") -> Path:
        return self._write(f"rechecks-{batch}.jsonl", ({"url": u} for u in urls))

    def rechecks(self) -> list[str]:
        return [row["url"] for row in self._read("rechecks-*.jsonl")]

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
        return self._write(f"fetches-{batch}.jsonl", (_fetch_dict(r) for r in results))

    def fetches(self, kind: str = "") -> list[FetchResult]:
        """Fetch outcomes of every batch (or of batches whose name starts with `kind`)."""
        return [FetchResult(**row) for row in self._read(f"fetches-{kind}*.jsonl")]

    # --- parsed records --------------------------------------------------------------------

    def write_parsed(self, parsed: Iterable[Parsed], batch: str) -> Path:
        return self._write(
            f"parsed-{batch}.jsonl",
            ({"fetch": _fetch_dict(p.fetch), "record": p.record.as_dict()} for p in parsed),
        )

    def parsed(self) -> list[Parsed]:
        return [p for batch in self.parsed_batches() for p in batch]

    def parsed_batches(self) -> Iterator[list[Parsed]]:
        """The parsed records one staged batch at a time, so a loader holds one batch of
        article texts in memory, not the whole run's."""
        for file in sorted(self.path.glob("parsed-*.jsonl")):
            with file.open(encoding="utf-8") as fh:
                rows = [json.loads(line) for line in fh if line.strip()]
            yield [Parsed(FetchResult(**row["fetch"]), _record(row["record"])) for row in rows]

    # --- problems with sources (feeds that failed, bad lines in URL lists) ------------------

    def write_errors(self, errors: Iterable[str], batch: str = "0") -> Path:
        return self._write(f"errors-{batch}.jsonl", ({"error": e} for e in errors))

    def errors(self) -> list[str]:
        return [row["error"] for row in self._read("errors-*.jsonl")]

    def remove(self) -> None:
        """Delete this stage, and the staging root if no other stage or queue is left in it."""
        shutil.rmtree(self.path, ignore_errors=True)
        parent = self.path.parent
        if parent.name == STAGING_DIR:
            # not empty (another run staged something meanwhile) or already gone (another run's
            # remove): either way the root is not ours to delete, and the stage is gone
            with contextlib.suppress(OSError):
                parent.rmdir()
