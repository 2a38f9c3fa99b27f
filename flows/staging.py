"""Staging files between the parse and load stages.

Parsed records travel from the parse flow to the load flow as JSON Lines files next to the
warehouse, not as flow parameters: Prefect stores every subflow parameter in its API database,
and article texts do not belong there. The same files are the hand-over point when parsing runs on
other workers: they write batches, one loader merges them (DuckDB has a single writer).
"""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Sequence

from parsers.records import ArticleRecord, FetchResult
from warehouse.load import Parsed


def new_stage(db_path: str) -> Path:
    base = Path(db_path).resolve().parent if db_path != ":memory:" else Path.cwd()
    stage = base / ".newsprism-staging" / uuid.uuid4().hex[:12]
    stage.mkdir(parents=True, exist_ok=True)
    return stage


def _fetch_dict(f: FetchResult) -> dict:
    d = {k: getattr(f, k) for k in FetchResult.__dataclass_fields__ if k != "body"}
    return d


def write_parsed(path: Path, parsed: Iterable[Parsed]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for p in parsed:
            fh.write(json.dumps({"fetch": _fetch_dict(p.fetch), "record": p.record.as_dict()}, ensure_ascii=False))
            fh.write("\n")
    tmp.replace(path)  # a half-written batch is never picked up by the loader
    return path


def _record(d: dict) -> ArticleRecord:
    for name in ("authors", "keywords", "warnings"):
        d[name] = tuple(d.get(name) or ())
    return ArticleRecord(**d)


def read_parsed(path: Path) -> list[Parsed]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                out.append(Parsed(FetchResult(**row["fetch"]), _record(row["record"])))
    return out


def remove(paths: Sequence[str]) -> None:
    dirs = {Path(p).parent for p in paths}
    for p in paths:
        Path(p).unlink(missing_ok=True)
    for d in dirs:
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
        parent = d.parent
        if parent.name == ".newsprism-staging" and parent.is_dir() and not any(parent.iterdir()):
            shutil.rmtree(parent, ignore_errors=True)
