"""The real-page corpora as the extraction tests read them: the scorer's own modules, and every
page of a corpus parsed once per session (several test modules score the same run)."""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from parsers.article import parse_file


def _load_tool(tools: Path, name: str) -> ModuleType:
    path = tools / f"{name}.py"
    if not path.is_file():
        pytest.skip(f"scoring tool not found: {path}")
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))  # score_extraction imports aeb_metric by name
    spec = importlib.util.spec_from_file_location(f"_newsprism_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load_tools(corpora_dir: Path) -> tuple[ModuleType, ModuleType]:
    """The scorer's own modules (aeb_metric, score_extraction), imported by path."""
    tools_dir = corpora_dir.parent / "tools"
    return _load_tool(tools_dir, "aeb_metric"), _load_tool(tools_dir, "score_extraction")


_RUNS: dict[str, tuple[list[tuple[dict, dict]], float]] = {}


def run_corpus(corpora_dir: Path, corpus: str) -> tuple[list[tuple[dict, dict]], float]:
    """(gold, prediction) pairs for every page of a corpus, and pages per second."""
    if corpus not in _RUNS:
        folder = corpora_dir / corpus
        if not folder.is_dir():
            pytest.skip(f"corpus not found: {folder}")
        pairs = []
        started = time.perf_counter()
        for gold_path in sorted(folder.glob("*.json")):
            html = gold_path.with_suffix(".html")
            pred = parse_file(html) if html.is_file() else {}
            pairs.append((json.loads(gold_path.read_text(encoding="utf-8")), pred))
        elapsed = time.perf_counter() - started
        _RUNS[corpus] = (pairs, len(pairs) / elapsed if elapsed else float("inf"))
    return _RUNS[corpus]
