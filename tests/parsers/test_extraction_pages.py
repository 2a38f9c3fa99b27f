"""Per-page regression gate on the real-page corpora: what was right stays right.

extraction_pages.json holds, for every page of the shared corpora, only ids, booleans and
numbers (never the pages' text): "min_f1", the body F1 that page must keep (measured minus 0.02
when last raised, so a page at 1.0 needs 0.98), and for mozilla_readability pages whether the
title, date, byline, site name and language were right against the gold. A field recorded true
must stay true; a page may improve, never regress. The gold is read from `corpora_dir` at test
time, so the tests skip where the corpora are absent.

After a parser improvement, raise the stored expectations (never lower them) with
    python -m tests.parsers.test_extraction_pages --raise
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.parsers.corpus import load_tools, run_corpus as _run

pytestmark = pytest.mark.corpus

PAGES_FILE = Path(__file__).with_name("extraction_pages.json")
CORPORA = ("scrapinghub_aeb", "mozilla_readability")
MARGIN = 0.02
FIELDS = ("title", "date", "byline", "site", "lang")


def _expected() -> dict[str, dict[str, dict]]:
    return json.loads(PAGES_FILE.read_text(encoding="utf-8"))


def page_f1(aeb_metric: ModuleType, gold: str, pred: str) -> float:
    t = aeb_metric.page_tp_fp_fn(gold, pred)
    p, r = aeb_metric.page_precision(*t), aeb_metric.page_recall(*t)
    return 2 * p * r / (p + r) if p + r else 0.0


def field_hits(score: ModuleType, gold: dict, pred: dict) -> dict[str, bool]:
    """For each metadata field the gold has: is the prediction right (score_extraction's rules;
    site name and language compared the same way: same words, same primary language code)."""
    hits: dict[str, bool] = {}
    if gold.get("title"):
        hits["title"] = score.words(gold["title"]) == score.words(pred.get("title"))
    if gold.get("published"):
        hits["date"] = score.ymd(gold["published"]) == score.ymd(pred.get("published"))
    if gold.get("byline"):
        hits["byline"] = score.byline_key(gold["byline"]) == score.byline_key(" ".join(pred.get("authors") or []))
    if gold.get("site_name"):
        hits["site"] = score.words(gold["site_name"]) == score.words(pred.get("outlet"))
    if gold.get("lang"):
        hits["lang"] = gold["lang"].split("-")[0].lower() == (pred.get("language") or "")
    return hits


def _pages(corpora_dir: Path, corpus: str) -> list[tuple[str, dict, dict]]:
    pairs, _ = _run(corpora_dir, corpus)
    return [(Path(pred["path"]).stem, gold, pred) for gold, pred in pairs if pred.get("path")]


@pytest.mark.parametrize("corpus", CORPORA)
def test_every_page_keeps_its_body_f1(corpora_dir: Path, tools: tuple[ModuleType, ModuleType], corpus: str) -> None:
    aeb_metric, _ = tools
    expected = _expected()[corpus]
    below = []
    for page, gold, pred in _pages(corpora_dir, corpus):
        floor = expected.get(page, {}).get("min_f1")
        if floor is None:
            continue  # a page added to the corpus after the expectations were written
        f1 = page_f1(aeb_metric, gold.get("body", ""), pred.get("body") or "")
        if f1 < floor:
            below.append(f"{page}: F1 {f1:.3f} < {floor}")
    assert not below, f"{len(below)} page(s) of {corpus} regressed:\n" + "\n".join(below)


def test_metadata_right_before_stays_right(corpora_dir: Path, tools: tuple[ModuleType, ModuleType]) -> None:
    _, score = tools
    expected = _expected()["mozilla_readability"]
    lost = []
    for page, gold, pred in _pages(corpora_dir, "mozilla_readability"):
        was = expected.get(page, {})
        for field, ok in field_hits(score, gold, pred).items():
            if was.get(field) is True and not ok:
                lost.append(f"{page}: {field} was right, now {pred.get({'date': 'published', 'byline': 'authors', 'site': 'outlet', 'lang': 'language'}.get(field, field))!r}")
    assert not lost, "metadata regressions:\n" + "\n".join(lost)


def test_expectations_cover_the_corpora(corpora_dir: Path) -> None:
    expected = _expected()
    for corpus in CORPORA:
        folder = corpora_dir / corpus
        if not folder.is_dir():
            pytest.skip(f"corpus not found: {folder}")
        pages = {p.stem for p in folder.glob("*.json")}
        missing = pages - set(expected[corpus])
        assert not missing, f"{corpus}: pages without expectations (run with --raise): {sorted(missing)[:5]}"


def _raise(corpora_dir: Path) -> None:
    """Record the current results where they are better than the stored ones."""
    aeb_metric, score_extraction = load_tools(corpora_dir)

    stored = json.loads(PAGES_FILE.read_text(encoding="utf-8")) if PAGES_FILE.is_file() else {}
    for corpus in CORPORA:
        table = stored.setdefault(corpus, {})
        for page, gold, pred in _pages(corpora_dir, corpus):
            entry = table.setdefault(page, {})
            f1 = page_f1(aeb_metric, gold.get("body", ""), pred.get("body") or "")
            floor = max(0.0, int((f1 - MARGIN) * 1000) / 1000)
            entry["min_f1"] = max(entry.get("min_f1", 0.0), floor)
            if corpus == "mozilla_readability":
                for field, ok in field_hits(score_extraction, gold, pred).items():
                    entry[field] = bool(entry.get(field)) or ok
        stored[corpus] = dict(sorted(table.items()))
    # One page a line, so a diff shows which pages moved.
    lines = ["{"]
    for i, corpus in enumerate(CORPORA):
        lines.append(f"  {json.dumps(corpus)}: {{")
        items = list(stored[corpus].items())
        for j, (page, entry) in enumerate(items):
            lines.append(f"    {json.dumps(page)}: {json.dumps(entry)}" + ("," if j < len(items) - 1 else ""))
        lines.append("  }" + ("," if i < len(CORPORA) - 1 else ""))
    lines.append("}")
    PAGES_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {PAGES_FILE}")


if __name__ == "__main__":
    import os

    if sys.argv[1:] != ["--raise"]:
        sys.exit("usage: python -m tests.parsers.test_extraction_pages --raise")
    root = Path(__file__).resolve().parents[2]
    _raise(Path(os.environ.get("NEWSPRISM_CORPORA", root.parent / "shared" / "corpora")))
