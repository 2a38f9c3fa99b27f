"""Quality gate: extraction on the real-page corpora must not fall below the stored floors.

Uses the scorer's own metric (shared/tools/aeb_metric.py and score_extraction.py, imported by
path) so these numbers are the ones `score_extraction.py` prints. Floors live in
extraction_floors.json, set 0.01 below what was measured when they were last raised; raise
them when the parser improves, never lower them to make a change pass.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.parsers.corpus import run_corpus as _run

pytestmark = pytest.mark.corpus

FLOORS = json.loads((Path(__file__).with_name("extraction_floors.json")).read_text(encoding="utf-8"))


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
