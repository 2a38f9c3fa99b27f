"""Quality gate: extraction on the real-page corpora must not fall below the stored floors.

Uses the scorer's own metric (shared/tools/aeb_metric.py and score_extraction.py, imported by
path) so these numbers are the ones `score_extraction.py` prints. Floors live in
extraction_floors.json, set 0.01 below what was measured when they were last raised; raise
them when the parser improves, never lower them to make a change pass.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from parsers.article import parse_file

pytestmark = pytest.mark.corpus

FLOORS = json.loads((Path(__file__).with_name("extraction_floors.json")).read_text(encoding="utf-8"))


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


@pytest.fixture(scope="module")
def tools(corpora_dir: Path) -> tuple[ModuleType, ModuleType]:
    tools_dir = corpora_dir.parent / "tools"
    return _load_tool(tools_dir, "aeb_metric"), _load_tool(tools_dir, "score_extraction")


_RUNS: dict[str, tuple[list[tuple[dict, dict]], float]] = {}


def _run(corpora_dir: Path, corpus: str) -> tuple[list[tuple[dict, dict]], float]:
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


@pytest.mark.parametrize("corpus", ["scrapinghub_aeb", "mozilla_readability"])
def test_body_f1_floor(corpora_dir: Path, tools: tuple[ModuleType, ModuleType], corpus: str) -> None:
    aeb_metric, _ = tools
    pairs, _ = _run(corpora_dir, corpus)
    m = aeb_metric.evaluate([(g.get("body", ""), p.get("body") or "") for g, p in pairs], n_bootstrap=0)
    floor = FLOORS[corpus]
    report = f"{corpus}: F1={m['f1']:.4f} P={m['precision']:.4f} R={m['recall']:.4f} (floors {floor})"
    print(report)
    assert m["f1"] >= floor["f1"], report
    assert m["precision"] >= floor["precision"], report
    assert m["recall"] >= floor["recall"], report


@pytest.mark.parametrize("field", ["title", "date", "byline"])
def test_metadata_accuracy_floor(corpora_dir: Path, tools: tuple[ModuleType, ModuleType], field: str) -> None:
    _, score = tools
    pairs, _ = _run(corpora_dir, "mozilla_readability")
    hits = total = 0
    for gold, pred in pairs:
        if field == "title" and gold.get("title"):
            total += 1
            hits += " ".join(score.words(gold["title"])) == " ".join(score.words(pred.get("title")))
        elif field == "date" and gold.get("published"):
            total += 1
            hits += score.ymd(gold["published"]) == score.ymd(pred.get("published"))
        elif field == "byline" and gold.get("byline"):
            total += 1
            hits += score.byline_key(gold["byline"]) == score.byline_key(" ".join(pred.get("authors") or []))
    accuracy = hits / total if total else 1.0
    floor = FLOORS["mozilla_readability"][f"{field}_accuracy"]
    assert accuracy >= floor, f"{field} accuracy {hits}/{total} = {accuracy:.3f} < floor {floor}"


def test_every_page_parses_without_crashing(corpora_dir: Path) -> None:
    for corpus in ("scrapinghub_aeb", "mozilla_readability"):
        pairs, _ = _run(corpora_dir, corpus)
        failed = [p.get("path") for _, p in pairs if any("failed" in w for w in p.get("warnings", []))]
        assert not failed, f"extraction steps raised on: {failed}"


def test_throughput_floor(corpora_dir: Path) -> None:
    # Generous: catches an accidental quadratic walk or re-parse, not machine noise.
    _, rate = _run(corpora_dir, "scrapinghub_aeb")
    assert rate >= FLOORS["min_pages_per_second"], f"{rate:.1f} pages/s"
