"""Extraction quality, speed and memory: newsprism against trafilatura and readability-lxml.

Run by hand (the peers are the optional `bench` dependency group):

    .venv/bin/python benchmarks/extraction.py [--corpora ../shared/corpora] [--repeat 3]
    .venv/bin/python benchmarks/extraction.py extract trafilatura page.html ...   # one contender's CLI

Every contender extracts every page of the shared extraction corpora (`scrapinghub_aeb`,
`mozilla_readability`) and is scored with the corpus scorer's own code (shared/tools/aeb_metric.py
and score_extraction.py, imported by path): body F1 / precision / recall of 4-token shingles, and
title, byline and date accuracy where the gold has them, by score_extraction.py's rules.

Each contender runs twice per corpus, each time in a fresh process, single-threaded, over the
same pages in the same order, reading each file from disk inside the timed section:

- in-process (`extraction.py timed NAME ...`): the process imports the extractor, reads its
  peak RSS ("after imports"), then times the loop read-extract over all pages and reports the
  peak RSS at the end. newsprism calls `parsers.article.parse_article(bytes)`, trafilatura
  `bare_extraction(bytes, url=None, with_metadata=True, include_comments=False)` with every other
  option at its default (favor_precision=False, favor_recall=False, fast=False so its fallback
  extractors run, include_tables=True, deduplicate=False, config defaults), readability-lxml
  `Document(bytes).summary()` rendered to text like the gold (block elements and <br> become
  line breaks, inline elements are joined without adding spaces) with `.short_title()`. No
  contender gets a URL: the mozilla pages have none, and `newsprism parse FILE` passes none.
- whole process: `newsprism parse FILE...` (the installed console script), and for the peers
  `python benchmarks/extraction.py extract NAME FILE...`, a tiny CLI that imports the peer and
  prints one JSON line per page. Timed from process start to exit, start-up included; peak RSS and
  CPU from the child's own rusage (os.wait4). Scored from the JSON lines they print, keyed by
  file name as score_extraction.py keys them.

Peak RSS is `ru_maxrss`. On Linux a process's ru_maxrss starts from its parent's peak (folded in
at exec), so contenders are started by a small launcher process, never by this one, which holds
gold texts, predictions and the big page; the launcher's own peak is printed as the floor.

Rows run round-robin, rotated each repeat, so that load from other processes on the machine
falls on every contender alike; the median run by wall time is shown. Predictions come from the
first run; later runs are checked to give the same output.

A generated page of about 50 MB (article paragraphs with inline links, ad slots, figures,
related-story boxes, navigation, a comment thread; written here, no corpus text) measures each
contender's time and peak RSS on a very large input, each in its own process, with a timeout.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPORA = ("scrapinghub_aeb", "mozilla_readability")
CONTENDERS = ("newsprism", "trafilatura", "readability")
DISTRIBUTIONS = {"newsprism": "newsprism", "trafilatura": "trafilatura", "readability": "readability-lxml"}

# --------------------------------------------------------------------------------------------
# Extractors. Imports stay inside the setup functions: the `extract` and `timed` subcommands
# load this module, and its top level must cost no more than a minimal script's would.

# {"title", "authors", "published", "body"}, + "title_full" (readability), "warnings" (newsprism)
Prediction = dict


def _setup_newsprism():
    from parsers.article import parse_article

    def extract(data: bytes) -> Prediction:
        r = parse_article(data)
        return {"title": r.title, "authors": list(r.authors), "published": r.published, "body": r.body,
                "warnings": list(r.warnings)}

    return extract


def _setup_trafilatura():
    import trafilatura

    def extract(data: bytes) -> Prediction:
        doc = trafilatura.bare_extraction(data, url=None, with_metadata=True, include_comments=False)
        if doc is None:  # trafilatura found nothing it would output
            return {"title": None, "authors": [], "published": None, "body": ""}
        return {"title": doc.title, "authors": [doc.author] if doc.author else [], "published": doc.date,
                "body": doc.text or ""}

    return extract


def _setup_readability():
    import logging

    import lxml.html
    from readability import Document

    # Its per-page "ruthless removal did not work" notices would bury the tables.
    logging.getLogger("readability").setLevel(logging.ERROR)

    def extract(data: bytes) -> Prediction:
        doc = Document(data)
        summary = doc.summary()
        body = html_text(lxml.html.fromstring(summary)) if summary.strip() else ""
        # readability extracts neither byline nor date.
        return {"title": doc.short_title(), "title_full": doc.title(), "authors": [], "published": None, "body": body}

    return extract


SETUP = {"newsprism": _setup_newsprism, "trafilatura": _setup_trafilatura, "readability": _setup_readability}

_BLOCK = frozenset(
    "address article aside blockquote body br caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav "
    "noframes ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_SKIP = frozenset("head noscript script style template title".split())
_WS = re.compile(r"[ \t\r\n\f]+")


def html_text(root) -> str:
    """Visible text of an lxml element, rendered as the mozilla_readability gold was.

    Rules, in order:
    1. script, style, noscript, template, head and title contribute nothing (their tails do).
    2. Block elements (and <br>) start and end a line.
    3. Inline elements are joined without adding spaces; runs of whitespace in text become one
       space, except inside <pre>.
    4. Lines are stripped and empty lines dropped.
    Checked against the corpus: rendering each gold body_html this way gives the gold body's
    exact token sequence on all 65 pages.
    """
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None  # None: comment or PI
        if tag is not None and tag not in _SKIP:
            block = tag in _BLOCK
            if block:
                parts.append("\n")
            if el.text:
                parts.append(el.text if tag == "pre" else _WS.sub(" ", el.text))
            for child in el:
                walk(child)
            if block:
                parts.append("\n")
        if el.tail:
            parts.append(_WS.sub(" ", el.tail))

    walk(root)
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def extract_cli(argv: list[str]) -> int:
    """`extraction.py extract NAME FILE...`: one JSON line per file, as `newsprism parse` prints."""
    if not argv or argv[0] not in SETUP or argv[0] == "newsprism":
        print("usage: extraction.py extract {trafilatura,readability} FILE... (for newsprism: newsprism parse FILE...)",
              file=sys.stderr)
        return 2
    extract = SETUP[argv[0]]()
    status = 0
    for path in argv[1:]:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            print(f"extract: {path}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        try:
            row = extract(data)
        except Exception as exc:  # noqa: BLE001 - one page's failure is an empty result, as in-process
            print(f"extract: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            row = {"body": "", "error": f"{type(exc).__name__}: {exc}"}
        row["path"] = path
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return status


def timed_cli(argv: list[str]) -> int:
    """`extraction.py timed NAME PATHS.json OUT.json`: the in-process measure.

    Imports the extractor, reads the peak RSS ("after imports"), then times reading and
    extracting every page, and writes the figures and predictions to OUT.json."""
    import resource
    import time

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    name, paths_file, out_file = argv
    paths = json.loads(Path(paths_file).read_text(encoding="utf-8"))
    extract = SETUP[name]()
    rss_imports = rss_mib()
    cpu0 = cpu()
    preds: list[Prediction] = []
    errors = 0
    started = time.perf_counter()
    for path in paths:
        try:
            pred = extract(Path(path).read_bytes())
        except Exception as exc:  # noqa: BLE001 - counted, scored as an empty page (a missing file too)
            errors += 1
            pred = {"body": "", "error": f"{type(exc).__name__}: {exc}"}
        preds.append(pred)
    elapsed = time.perf_counter() - started
    spent = cpu() - cpu0
    result = dict(elapsed=elapsed, cpu=spent, rss_peak=rss_mib(), rss_imports=rss_imports, errors=errors, preds=preds)
    Path(out_file).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["extract"]:
    raise SystemExit(extract_cli(sys.argv[2:]))
if __name__ == "__main__" and sys.argv[1:2] == ["timed"]:
    raise SystemExit(timed_cli(sys.argv[2:]))
if __name__ == "__main__":
    import _launcher  # benchmarks/ is on sys.path when a script here runs

    _LAUNCHER = _launcher.start()


# --------------------------------------------------------------------------------------------
# Runners

import importlib.util  # noqa: E402 - below the fast paths and the launcher on purpose
import platform  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from types import ModuleType  # noqa: E402

from _launcher import Launcher  # noqa: E402


@dataclass
class Run:
    """One contender's run over one set of pages."""

    elapsed: float | None = None  # None: timed out or crashed
    cpu: float | None = None
    rss_peak: float | None = None
    rss_imports: float | None = None
    errors: int = 0
    preds: list[Prediction] = field(default_factory=list)
    failure: str | None = None



def _failure(answer: dict, timeout: float, err_path: Path) -> str | None:
    if answer["returncode"] == -signal.SIGKILL:
        return f"killed at the {timeout:g} s timeout"
    if answer["returncode"] != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        return f"exit status {answer['returncode']}" + (f": {tail[0]}" if tail else "")
    return None


def run_in_process(launcher: Launcher, name: str, paths: list[str], timeout: float, workdir: Path) -> Run:
    """The extractor called page by page inside one fresh process (`timed_cli`)."""
    paths_file, out_file = workdir / "paths.json", workdir / f"{name}.timed.json"
    paths_file.write_text(json.dumps(paths), encoding="utf-8")
    out_file.unlink(missing_ok=True)
    err_path = workdir / f"{name}.timed.stderr"
    cmd = [sys.executable, str(Path(__file__).resolve()), "timed", name, str(paths_file), str(out_file)]
    answer = launcher.run(cmd, workdir / f"{name}.timed.stdout", err_path, timeout)
    failure = _failure(answer, timeout, err_path)
    if failure or not out_file.is_file():
        return Run(failure=failure or "no result written")
    r = json.loads(out_file.read_text(encoding="utf-8"))
    return Run(elapsed=r["elapsed"], cpu=r["cpu"], rss_peak=r["rss_peak"], rss_imports=r["rss_imports"],
               errors=r["errors"], preds=r["preds"])


def _command(name: str, paths: list[str]) -> list[str]:
    if name == "newsprism":
        return [str(Path(sys.executable).parent / "newsprism"), "parse", *paths]
    return [sys.executable, str(Path(__file__).resolve()), "extract", name, *paths]


def run_whole_process(launcher: Launcher, name: str, paths: list[str], timeout: float, workdir: Path) -> Run:
    """The contender's command line over every page, timed from start to exit; its JSONL scored."""
    out_path, err_path = workdir / f"{name}.jsonl", workdir / f"{name}.stderr"
    answer = launcher.run(_command(name, paths), out_path, err_path, timeout)
    by_stem: dict[str, Prediction] = {}
    for line in out_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_stem[Path(row.get("path") or "").stem] = row  # as score_extraction.py keys its input
    preds = [by_stem.get(Path(p).stem, {}) for p in paths] if by_stem else []
    return Run(elapsed=answer["elapsed"], cpu=answer["cpu"], rss_peak=answer["maxrss_kib"] / 1024,
               errors=sum(1 for p in preds if p.get("error")) + sum(1 for p in paths if Path(p).stem not in by_stem),
               preds=preds, failure=_failure(answer, timeout, err_path))


# --------------------------------------------------------------------------------------------
# Scoring (the scorer's own code and rules)


def load_tool(tools: Path, name: str) -> ModuleType:
    """Import shared/tools/<name>.py by path, as tests/parsers/test_corpora_extraction.py does."""
    path = tools / f"{name}.py"
    if not path.is_file():
        raise SystemExit(f"extraction.py: scoring tool not found: {path}")
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))  # score_extraction imports aeb_metric by name
    spec = importlib.util.spec_from_file_location(f"_newsprism_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@dataclass
class Score:
    f1: float
    f1_sd: float
    precision: float
    recall: float
    title: tuple[int, int] | None  # (hits, pages with gold); None where the contender has no such field
    byline: tuple[int, int] | None
    date: tuple[int, int] | None
    title_full: tuple[int, int] | None = None
    empty: int = 0


def score(golds: list[dict], preds: list[Prediction], aeb: ModuleType, se: ModuleType, has_meta: bool) -> Score:
    """score_extraction.py's metric and rules: body shingle F1 (200 bootstrap resamples, seed 0),
    title by lower-cased word sequence, date by YYYY-MM-DD, byline by word set without by/and."""
    m = aeb.evaluate([(g.get("body", ""), p.get("body") or "") for g, p in zip(golds, preds)], n_bootstrap=200)
    title, title_full, byline, date = [0, 0], [0, 0], [0, 0], [0, 0]
    for g, p in zip(golds, preds):
        if g.get("title"):
            title[1] += 1
            title_full[1] += 1
            gw = " ".join(se.words(g["title"]))
            title[0] += gw == " ".join(se.words(p.get("title")))
            title_full[0] += gw == " ".join(se.words(p.get("title_full", p.get("title"))))
        if g.get("published"):
            date[1] += 1
            date[0] += se.ymd(g["published"]) == se.ymd(p.get("published"))
        if g.get("byline"):
            byline[1] += 1
            byline[0] += se.byline_key(g["byline"]) == se.byline_key(" ".join(p.get("authors") or []))
    return Score(
        f1=m["f1"], f1_sd=m["f1_std"], precision=m["precision"], recall=m["recall"],
        title=tuple(title) if title[1] else None,
        byline=tuple(byline) if byline[1] and has_meta else None,
        date=tuple(date) if date[1] and has_meta else None,
        title_full=tuple(title_full) if title_full[1] else None,
        empty=sum(1 for p in preds if not (p.get("body") or "").strip()),
    )


# --------------------------------------------------------------------------------------------
# The 50 MB page

_NOUNS = ("minister government border agreement official delegation meeting president secretary "
          "council senator governor company market report budget program agency court committee "
          "election policy proposal inspection shipment tariff port crossing truck worker farmer "
          "family city province region country neighbor partner plan statement document database "
          "record system camera checkpoint highway bridge factory economy investment price").split()
_VERBS = ("announced said rejected approved discussed proposed criticized defended confirmed denied "
          "signed delayed reviewed described questioned promised expected welcomed warned requested").split()
_ADJS = ("new national federal regional economic public private local foreign bilateral official "
         "temporary formal recent annual broader joint initial separate additional").split()
_PLACES = ("Monterrey Tijuana Laredo Ciudad Juarez Nogales Mexicali Reynosa Matamoros Chihuahua Sonora "
           "Coahuila Tamaulipas Arizona Texas California Washington Mexico").split()
_NAMES = ("Ana Morales", "Daniel Ortega Ruiz", "Laura Chen", "Miguel Herrera", "Sofia Ramirez",
          "James Whitfield", "Patricia Lozano", "Robert Kim", "Elena Vargas", "Thomas Brennan")
# Page furniture: phrases the article text never uses, counted in each contender's output.
FURNITURE = ("Advertisement", "Share this article", "Read more", "Reply", "Sign up for our newsletter")


def _sentence(rng: random.Random) -> str:
    n1, n2 = rng.choice(_NOUNS), rng.choice(_NOUNS)
    kind = rng.random()
    if kind < 0.25:
        who = rng.choice(_NAMES)
        return (f"\u201cThe {rng.choice(_ADJS)} {n1} will {rng.choice(('take', 'need', 'cost'))} "
                f"{rng.randint(2, 90)} {rng.choice(('days', 'weeks', 'million dollars', 'percent'))},\u201d "
                f"{who} {rng.choice(('said', 'told reporters', 'wrote'))} in {rng.choice(_PLACES)}.")
    if kind < 0.5:
        return (f"On {rng.choice(('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'))}, the {n1} "
                f"{rng.choice(_VERBS)} a {rng.choice(_ADJS)} {n2} covering {rng.randint(3, 4000):,} "
                f"{rng.choice(_NOUNS)}s near {rng.choice(_PLACES)}.")
    return (f"The {rng.choice(_ADJS)} {n1} {rng.choice(_VERBS)} the {n2} after {rng.choice(_ADJS)} "
            f"{rng.choice(_NOUNS)}s in {rng.choice(_PLACES)}, according to the {rng.choice(_NOUNS)}.")


def make_big_page(target_bytes: int, seed: int = 2025) -> tuple[bytes, int]:
    """A news page of about `target_bytes`: head metadata (JSON-LD, Open Graph), inline scripts,
    a long navigation, then one article whose paragraphs carry inline links and emphasis, broken
    every few paragraphs by ad slots, figures with credits, related-story boxes and subheadings,
    then a comment thread and a footer. Returns the page and the character count of its
    paragraph text (the article text a perfect extractor returns, subheadings aside)."""
    rng = random.Random(seed)
    title = "Officials weigh a new border inspection plan as tariff deadline nears"
    nav = "".join(f'<li class="nav-item"><a href="/section/{w}">{w.title()}</a></li>' for w in _NOUNS)
    head = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | The Example Ledger</title>"
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">'
        '<meta property="og:site_name" content="The Example Ledger">'
        '<meta name="author" content="Ana Morales"><link rel="canonical" href="https://ledger.example/story/1">'
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":"{title}","datePublished":"2025-03-28T12:00:00Z",'
        '"author":{"@type":"Person","name":"Ana Morales"}}</script>'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>"
        '<style>.ad-slot{min-height:250px}.story-body p{line-height:1.6}</style>'
        f'</head><body class="article-page"><header class="site-header"><nav><ul>{nav}</ul></nav>'
        '<div class="newsletter">Sign up for our newsletter</div></header>'
        f'<main><article class="story"><h1 class="headline">{title}</h1>'
        '<p class="byline">By <a rel="author" href="/by/ana-morales">Ana Morales</a></p>'
        '<time datetime="2025-03-28T12:00:00Z">March 28, 2025</time>'
        '<div class="share-bar"><a href="#">Share this article</a></div><div class="story-body">'
    )
    tail_parts = ['</div></article><section id="comments" class="comments"><h2>Comments</h2>']
    for i in range(300):
        tail_parts.append(f'<div class="comment"><p class="comment-author">reader{i}</p><p>{_sentence(rng)}</p>'
                          '<a class="reply" href="#">Reply</a></div>')
    tail_parts.append('</section></main><footer><p>Sign up for our newsletter</p>'
                      "<p>&copy; 2025 The Example Ledger</p></footer></body></html>")
    tail = "".join(tail_parts)
    parts = [head]
    size = len(head) + len(tail)
    text_chars = 0
    i = 0
    while size < target_bytes:
        sentences = [_sentence(rng) for _ in range(rng.randint(3, 7))]
        text_chars += len(" ".join(sentences))
        # A link or emphasis around one word inside the paragraph; it does not change the text.
        words = sentences[0].split(" ")
        k = rng.randrange(1, len(words))
        words[k] = (f'<a href="/topic/{rng.choice(_NOUNS)}">{words[k]}</a>' if i % 2 else f"<em>{words[k]}</em>")
        sentences[0] = " ".join(words)
        chunk = "<p>" + " ".join(sentences) + "</p>\n"
        i += 1
        if i % 7 == 0:
            chunk += (f'<div class="ad-slot" id="ad-{i}"><span class="ad-label">Advertisement</span>'
                      f"<script>googletag.cmd.push(function(){{googletag.display('ad-{i}')}})</script></div>\n")
        if i % 30 == 0:
            chunk += (f'<figure class="photo"><img src="/img/{i}.jpg" alt="{rng.choice(_NOUNS)}" width="800" height="450">'
                      f'<figcaption>A {rng.choice(_NOUNS)} in {rng.choice(_PLACES)}. <span class="credit">Photo: Agency</span>'
                      "</figcaption></figure>\n")
        if i % 25 == 0:
            links = "".join(f'<li><a href="/story/{rng.randint(2, 10**6)}">{_sentence(rng)}</a></li>' for _ in range(3))
            chunk += f'<aside class="related"><h3>Read more</h3><ul>{links}</ul></aside>\n'
        if i % 40 == 0:
            chunk += f"<h2>The {rng.choice(_ADJS)} {rng.choice(_NOUNS)}</h2>\n"
        parts.append(chunk)
        size += len(chunk)
    parts.append(tail)
    return "".join(parts).encode("utf-8"), text_chars


# --------------------------------------------------------------------------------------------
# Main

ROWS = (  # (contender, mode, label)
    ("newsprism", "in-process", "newsprism parse_article"),
    ("newsprism", "process", "newsprism parse (CLI)"),
    ("trafilatura", "in-process", "trafilatura bare_extraction"),
    ("trafilatura", "process", "trafilatura (CLI script)"),
    ("readability", "in-process", "readability Document"),
    ("readability", "process", "readability (CLI script)"),
)


def _ratio(x: tuple[int, int] | None, gold_has: bool) -> str:
    if not gold_has:
        return "-"
    return "" if x is None else f"{x[0] / x[1]:.3f}"


def _num(v: float | None, fmt: str) -> str:
    return "" if v is None else format(v, fmt)


def _corpus_pages(corpora: Path, corpus: str) -> tuple[list[dict], list[str]]:
    folder = corpora / corpus
    if not folder.is_dir():
        raise SystemExit(f"extraction.py: corpus not found: {folder}")
    golds, paths = [], []
    for gold_path in sorted(folder.glob("*.json")):
        golds.append(json.loads(gold_path.read_text(encoding="utf-8")))
        paths.append(str(gold_path.with_suffix(".html")))  # a missing page is read as an error, scored empty
    return golds, paths


def _differences(runs: list[Run]) -> str:
    """Pages (and fields) where a later run's output differs from the first run's, which is the
    one scored: a contender that is not deterministic, or a parser edited during the benchmark."""
    first = runs[0].preds
    pages, fields = set(), set()
    for run in runs[1:]:
        for i, (a, b) in enumerate(zip(first, run.preds)):
            for k in ("title", "authors", "published", "body"):
                if a.get(k) != b.get(k):
                    pages.add(i)
                    fields.add(k)
    if not pages:
        return ""
    return f"; OUTPUT DIFFERED BETWEEN RUNS on {len(pages)} page(s), in {', '.join(sorted(fields))}"


def _median(runs: list[Run]) -> Run:
    ok = sorted((r for r in runs if r.elapsed is not None), key=lambda r: r.elapsed)  # type: ignore[arg-type,return-value]
    return ok[len(ok) // 2] if ok else runs[0]


def bench_corpus(launcher: Launcher, corpus: str, corpora: Path, rows, repeat: int, timeout: float, aeb, se) -> None:
    """Run every row `repeat` times over one corpus and print its table."""
    golds, paths = _corpus_pages(corpora, corpus)
    html_bytes = sum(Path(p).stat().st_size for p in paths if Path(p).is_file())
    has = {k: any(g.get(k) for g in golds) for k in ("title", "byline", "published")}
    gold_counts = ", ".join(f"{k} {sum(1 for g in golds if g.get(k))}" for k in ("title", "byline", "published") if has[k])
    print(f"== {corpus}: {len(paths)} pages, {html_bytes / 2**20:.1f} MiB of HTML; gold: body"
          + (f", {gold_counts}" if gold_counts else " only") + " ==")
    runs: dict[int, list[Run]] = {i: [] for i in range(len(rows))}
    with tempfile.TemporaryDirectory(prefix="newsprism-bench-") as tmp:
        for rep in range(repeat):
            order = list(range(len(rows)))
            order = order[rep % len(order):] + order[:rep % len(order)]
            for i in order:
                name, mode, _ = rows[i]
                run = (run_in_process(launcher, name, paths, timeout, Path(tmp)) if mode == "in-process"
                       else run_whole_process(launcher, name, paths, timeout, Path(tmp)))
                runs[i].append(run)
    header = (f"{'contender':<28} {'F1':>6} {'±sd':>6} {'P':>6} {'R':>6} {'title':>6} {'byline':>6} {'date':>6} "
              f"{'empty':>5} {'pages/s':>8} {'wall s':>7} {'CPU s':>6} {'peak RSS MiB':>12} {'after imports':>13}")
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    medians: dict[int, Run] = {}
    for i, (name, mode, label) in enumerate(rows):
        first, med = runs[i][0], _median(runs[i])
        medians[i] = med
        if first.failure and not first.preds:
            print(f"{label:<28} failed: {first.failure}")
            continue
        s = score(golds, first.preds, aeb, se, has_meta=name != "readability")
        rate = len(paths) / med.elapsed if med.elapsed else None
        print(f"{label:<28} {s.f1:>6.3f} {s.f1_sd:>6.3f} {s.precision:>6.3f} {s.recall:>6.3f} "
              f"{_ratio(s.title, has['title']):>6} {_ratio(s.byline, has['byline']):>6} {_ratio(s.date, has['published']):>6} "
              f"{s.empty:>5} {_num(rate, '.1f'):>8} {_num(med.elapsed, '.2f'):>7} {_num(med.cpu, '.2f'):>6} "
              f"{_num(med.rss_peak, '.0f'):>12} {_num(med.rss_imports, '.0f') or '-':>13}")
        times = [r.elapsed for r in runs[i] if r.elapsed is not None]
        spread = ", ".join(f"{t:.2f}" for t in times)
        notes.append(f"{label}: wall s per run {spread}" + _differences(runs[i])
                     + (f"; {first.errors} page(s) raised" if first.errors else "")
                     + (f"; {first.failure}" if first.failure else ""))
        if name == "readability" and mode == "in-process" and s.title_full is not None:
            notes.append(f"readability .title() instead of .short_title(): title {s.title_full[0] / s.title_full[1]:.3f}")
    print()
    for n in notes:
        print(n)
    crit = {rows[i][0]: medians[i] for i in medians if rows[i][1] == "process"}
    if "newsprism" in crit and "trafilatura" in crit and crit["newsprism"].elapsed and crit["trafilatura"].elapsed:
        a, b = crit["newsprism"].elapsed, crit["trafilatura"].elapsed
        print(f"speed criterion (whole process, start-up included): newsprism parse {a:.2f} s, trafilatura {b:.2f} s "
              f"on the same {len(paths)} pages: {'met' if a <= b else 'NOT met'} ({a / b:.2f}x trafilatura's time)")
    print()


def bench_big_page(launcher: Launcher, contenders: list[str], megabytes: float, timeout: float) -> None:
    """Each contender on one generated page of `megabytes` MB, in its own process."""
    page, text_chars = make_big_page(int(megabytes * 1_000_000))
    furniture_in_page = {f: page.decode("utf-8").count(f) for f in FURNITURE}
    print(f"== generated page: {len(page) / 1e6:.1f} MB, {text_chars / 1e6:.1f} M characters of paragraph text; "
          f"timeout {timeout:g} s; one run each ==")
    header = (f"{'contender':<28} {'wall s':>7} {'CPU s':>6} {'peak RSS MiB':>12} {'after imports':>13} "
              f"{'text M chars':>12} {'of article':>10} {'furniture':>9}")
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="newsprism-bench-") as tmp:
        path = Path(tmp) / "big.html"
        path.write_bytes(page)
        del page
        for name in contenders:
            label = dict((n, lbl) for n, mode, lbl in ROWS if mode == "in-process")[name]
            r = run_in_process(launcher, name, [str(path)], timeout, Path(tmp))
            if r.failure:
                print(f"{label:<28} {r.failure}")
                continue
            body = r.preds[0].get("body") or ""
            leaked = sum(body.count(f) for f in FURNITURE)
            print(f"{label:<28} {r.elapsed:>7.2f} {r.cpu:>6.2f} {r.rss_peak:>12.0f} {r.rss_imports:>13.0f} "
                  f"{len(body) / 1e6:>12.2f} {len(body) / text_chars:>10.2f} {leaked:>9}"
                  + (f"  ({r.preds[0]['error']})" if r.preds[0].get("error") else ""))
            notes += [f"{label} warned: {w}" for w in r.preds[0].get("warnings") or ()]
    print(f"furniture: occurrences in the output of {', '.join(repr(f) for f in FURNITURE)} "
          f"({sum(furniture_in_page.values())} in the page, none in the article text)")
    for n in notes:
        print(n)
    print()


def parsers_state() -> str:
    """The commit, and a digest of parsers/ as it is on disk (uncommitted edits included), so a
    table can be traced to the code that produced it and an edit during the run is noticed."""
    import hashlib

    digest = hashlib.sha256()
    for f in sorted((ROOT / "parsers").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "parsers"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head, dirty = "", ""
    where = f"commit {head}" + (" with uncommitted changes in parsers/" if dirty else "") if head else "no git"
    return f"{where}; parsers/ digest {digest.hexdigest()[:12]}"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None, *, launcher: Launcher) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=None,
                    help="folder holding the corpora (default: $NEWSPRISM_CORPORA, else ../shared/corpora next to the repository)")
    ap.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (default: both)")
    ap.add_argument("--only", action="append", choices=CONTENDERS, help="only these contenders (default: all three)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; the median by wall time is shown (default 3)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one run over a corpus")
    ap.add_argument("--big-mb", type=float, default=50, help="size of the generated page in MB; 0 skips it (default 50)")
    ap.add_argument("--big-only", action="store_true", help="only the generated page (needs no corpora)")
    ap.add_argument("--big-timeout", type=float, default=300, help="seconds allowed per contender on the generated page")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    names = [n for n in CONTENDERS if not args.only or n in args.only]
    missing = [DISTRIBUTIONS[n] for n in names if _version(DISTRIBUTIONS[n]) == "not installed"]
    if missing:
        ap.error(f"not installed: {', '.join(missing)}: pip install -c constraints.txt -e '.[bench]' (or drop them with --only)")
    if "newsprism" in names and not (Path(sys.executable).parent / "newsprism").is_file():
        ap.error(f"the newsprism command is not next to {sys.executable}: run this with the project's .venv/bin/python")
    # Resolved as tests/conftest.py does, so the benchmark and the quality gate read the same pages.
    corpora = args.corpora or Path(os.environ.get("NEWSPRISM_CORPORA", ROOT.parent / "shared" / "corpora"))
    corpora_names = [] if args.big_only else (args.corpus or list(CORPORA))
    aeb = se = None
    if corpora_names:
        if not corpora.is_dir():
            ap.error(f"corpora not found at {corpora}: pass --corpora DIR or set NEWSPRISM_CORPORA "
                     "(or measure only the generated page with --big-only)")
        tools = corpora.parent / "tools"
        aeb, se = load_tool(tools, "aeb_metric"), load_tool(tools, "score_extraction")

    print("Extraction benchmark: " + ", ".join(f"{DISTRIBUTIONS[n]} {_version(DISTRIBUTIONS[n])}" for n in names))
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}; "
          f"lxml {_version('lxml')}, beautifulsoup4 {_version('beautifulsoup4')}")
    state = parsers_state() if "newsprism" in names else ""
    if state:
        print(f"newsprism: {state}")
    if corpora_names:
        print(f"corpora: {corpora}; median of {args.repeat} run(s) per row, rows interleaved; every row single-threaded in a fresh process")
    print("columns: F1/P/R = body shingle metric (±sd: 200 bootstrap resamples); title/byline/date = accuracy, "
          "'-' where the gold has none, empty where the contender extracts none; empty = pages with no body; "
          "pages/s = pages / wall s; process rows include interpreter start-up and imports")
    print()
    rows = [r for r in ROWS if r[0] in names]
    try:
        for corpus in corpora_names:
            bench_corpus(launcher, corpus, corpora, rows, args.repeat, args.timeout, aeb, se)
        if args.big_mb > 0:
            bench_big_page(launcher, names, args.big_mb, args.big_timeout)
    finally:
        launcher.close()
    if state and parsers_state() != state:
        print(f"WARNING: parsers/ changed during the run (now {parsers_state()}): newsprism's rows mix two versions")
    print(f"peak RSS floor: {launcher.floor_kib / 1024:.0f} MiB (every contender process inherits its launcher's "
          "peak RSS on Linux; the launcher is a bare interpreter)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(launcher=_LAUNCHER))
