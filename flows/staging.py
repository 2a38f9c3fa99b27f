"""The staging area a pipeline run passes its work through, stage to stage.

Stage flows hand each other a folder, not data: Prefect stores every subflow parameter in its API
database and refuses more than 512 KB of them, which a few thousand URLs already exceed, and
article texts do not belong there anyway. Each stage writes JSON Lines files into the folder
(discoveries, fetch outcomes, parsed records, in numbered batches) and the next stage reads them.
The same files are the hand-over point when stages run on other workers: they write batches, one
loader merges them into DuckDB (the single writer). Files are written to a temporary name and
renamed, so a reader never sees half a batch; the folder is removed once the load has committed,
so a failed load can be retried from it.
"""
from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable, Iterator

from parsers.records import ArticleRecord, Discovery, FetchResult
from warehouse.load import Parsed

STAGING_DIR = ".newsprism-staging"


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
        base = Path(db_path).resolve().parent if db_path != ":memory:" else Path.cwd()
        stage = cls(base / STAGING_DIR / uuid.uuid4().hex[:12])
        stage.path.mkdir(parents=True, exist_ok=True)
        return stage

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
        return [Parsed(FetchResult(**row["fetch"]), _record(row["record"])) for row in self._read("parsed-*.jsonl")]

    # --- problems with sources (feeds that failed, bad lines in URL lists) ------------------

    def write_errors(self, errors: Iterable[str], batch: str = "0") -> Path:
        return self._write(f"errors-{batch}.jsonl", ({"error": e} for e in errors))

    def errors(self) -> list[str]:
        return [row["error"] for row in self._read("errors-*.jsonl")]

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        parent = self.path.parent
        if parent.name == STAGING_DIR and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
