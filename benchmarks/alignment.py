"""Claim alignment time and memory at 1,000 and 10,000 articles, and a naive all-pairs peer.

Run by hand, with only the project's installed packages:

    .venv/bin/python benchmarks/alignment.py [--sizes 1000,10000] [--corpora ../shared/corpora]
    .venv/bin/python benchmarks/alignment.py --sizes 1000,4000,10000 --profile 1000   # + a cProfile table

Input. The pages of the shared alignment corpora (`ecbplus_dev`: 772 English pages;
`meantime_xling_dev`: 60 English and 60 Spanish) are parsed with `parsers.article.parse_file`,
turned into `warehouse.analysis.VersionText` records and analysed with `analyze_versions`, as the
pipeline does; alignment items are then built from the batch's rows exactly as
`warehouse.analysis.alignment_inputs` builds them from the database: one `AlignItem` per claim row
(key = sentence id, doc = article id, outlet id, language, sentence text, the claim's number values,
its entities), ordered by sentence id; the quote inputs are the claim rows with a quote. Newer
optional AlignItem fields are filled when the installed AlignItem has them (`position`: 0 for
the title, 1.. for body sentences in order).

Synthesis (`synthesize`): article k of N is a copy of page order[k mod P], where `order` is a
seeded shuffle of the P pages, so that every size holds both corpora and a smaller size is a
prefix of a larger one. The first copy of a page is the page as parsed; later copies are
near-duplicates with their own article id and outlet (`<id>~v<copy>`, and the outlet id of
`<domain>~v<copy>` / `<name>~v<copy>`), as when
many outlets run one wire story, edited by the rules in `vary_article` (seeded per article).

Contenders, each in a fresh process started by a small launcher (never by this process, whose
peak RSS a child would inherit on Linux):
- `compute_alignment`: `warehouse.analysis.compute_alignment(inputs, quote_inputs)`, what the
  pipeline runs per topic (claims, events and quote statements; stories too where the code
  finds them), from scratch: nothing stored is reused.
- `align`: `parsers.align.align(items)` with the default config, through a `TfidfSimilarity`
  subclass that only times `fit` and `candidate_edges` and counts the candidate edges.
- `all-pairs peer`: TF-IDF cosine single-link as the corpus scorer's baseline computes it
  (`shared/tools/score_claims.py`: its tokenizer and stopwords, imported by path; tf = 1 + ln(count),
  idf = ln((1 + N) / (1 + df)) + 1, L2-normalised; every pair of items of different articles that
  shares a word is scored, no frequency cut; link at cosine >= 0.37). Unlike the scorer, which
  keeps every pair's dot product in one dict, it accumulates one row at a time and keeps no
  pair below the threshold, so its memory stays that of the vectors. It runs at `--peer-sizes`
  within `--peer-budget` seconds, and at the other sizes for `--peer-probe` seconds only. It
  stops itself at its budget; its total work (the pairs it must visit, sum of df*(df-1)/2 over
  words) is known in advance, so an unfinished run's time is extrapolated from its rate and
  printed as an ESTIMATE.

Each contender process loads the prepared rows from a pickle, builds the AlignItems, reads its
peak RSS ("after inputs"), then runs; wall time, CPU time (user + system) and the final peak RSS
are its own. The builder (parse, synthesize, analyse) runs once per invocation in its own process.
Each contender's address space is capped (`--max-memory-gib`; by default half the physical
memory or 80% of what is available at its start, whichever is less): on a shared machine a
blow-up fails with MemoryError, reported with the time and memory it reached, instead of
starving other work. For a size whose run failed, the growth section projects its time and
memory from the exponents between the two largest sizes that ran (a PROJECTION, labelled so).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPORA = ("ecbplus_dev", "meantime_xling_dev")
CONTENDERS = ("compute_alignment", "align", "peer")
LABELS = {"compute_alignment": "compute_alignment (3 levels)", "align": "align (default config)",
          "peer": "all-pairs TF-IDF peer"}

# --------------------------------------------------------------------------------------------
# Synthesis: near-duplicate copies of real pages. Imports stay inside functions: the launcher
# and the contender subcommands load this module, and its top level must stay cheap.

DROP_SENTENCE = 0.08  # each body sentence of a copy is left out with this probability
SWAP_PARAGRAPHS = 0.3  # a copy moves one paragraph down by one with this probability
SWAP_SENTENCES = 0.1  # each paragraph of 2+ sentences swaps two neighbours with this probability
CHANGE_NUMBER = 0.15  # each number (years excepted) is changed by 5-20% with this probability
SWAP_WORD = 0.25  # each sentence (and the title) gets one synonym swap with this probability

# Written here for the benchmark: common newswire verbs and connectives and a plain synonym,
# both ways, so copies differ by a word as rewritten wire copy does.
SYNONYMS = {
    "en": [("said", "stated"), ("says", "states"), ("announced", "declared"), ("officials", "authorities"),
           ("about", "around"), ("more than", "over"), ("company", "firm"), ("arrested", "detained"),
           ("after", "following"), ("earlier", "previously"), ("reported", "said"), ("killed", "slain"),
           ("began", "started"), ("big", "large"), ("help", "assist")],
    "es": [("dijo", "afirmó"), ("según", "de acuerdo con"), ("empresa", "compañía"), ("anunció", "informó"),
           ("aproximadamente", "cerca de"), ("también", "además"), ("después de", "tras"),
           ("presidente", "mandatario"), ("comenzó", "empezó"), ("grande", "enorme")],
}


def _swap_table(language: str | None):
    import re

    pairs = SYNONYMS.get(language or "en", SYNONYMS["en"])
    table = {}
    for a, b in pairs:
        table.setdefault(a, b)
        table.setdefault(b, a)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(table, key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    return table, pattern


def _swap_word(text: str, rng, language: str | None) -> str:
    """Replace one listed word (chosen at random among those present) by its synonym."""
    table, pattern = _swap_table(language)
    hits = list(pattern.finditer(text))
    if not hits:
        return text
    m = rng.choice(hits)
    word = m.group(0)
    repl = table[word.lower()]
    if word[0].isupper():
        repl = repl[0].upper() + repl[1:]
    return text[:m.start()] + repl + text[m.end():]


def _change_numbers(text: str, rng) -> str:
    """Change some numbers by 5-20% (at least 1), keeping their separators where they stand:
    "1,500" -> "1,650", "2.36" -> "2.71", "10.000" -> "9.200".

    Rules, in order: a bare four-digit number from 1900 to 2099 is a year and stays, and so does
    a number with a leading zero ("07" in "7:07"); each other number changes with CHANGE_NUMBER,
    read as its digits without separators; the separators go back at the same places counted
    from the right; the result stays positive."""
    import re

    def repl(m):
        tok = m.group(0)
        if (len(tok) == 4 and tok.isdigit() and 1900 <= int(tok) <= 2099) or (len(tok) > 1 and tok[0] == "0"):
            return tok
        if rng.random() >= CHANGE_NUMBER:
            return tok
        # (separator, digits to its right), rightmost first
        seps = [(c, sum(ch.isdigit() for ch in tok[k + 1:])) for k, c in enumerate(tok) if not c.isdigit()][::-1]
        v = int("".join(ch for ch in tok if ch.isdigit()))
        delta = max(1, round(v * rng.uniform(0.05, 0.2)))
        v = v + delta if v - delta < 1 or rng.random() < 0.5 else v - delta
        digits = str(v)
        out, done = digits, 0
        for sep, right in seps:
            if right >= len(digits):
                break
            cut = len(out) - right - done
            out = out[:cut] + sep + out[cut:]
            done += 1
        return out

    return re.sub(r"\d+(?:[.,]\d+)*", repl, text)


def vary_article(title: str | None, body: str, language: str | None, rng) -> tuple[str | None, str]:
    """A near-duplicate of one article, as another outlet's edit of the same wire copy.

    Rules, in order (probabilities are the module constants):
    1. Body paragraphs are split into sentences (parsers.sentences.split_sentences); each
       sentence is left out with DROP_SENTENCE, but the body keeps at least one sentence.
    2. With SWAP_PARAGRAPHS one paragraph trades places with the next; each paragraph of two or
       more sentences swaps two neighbouring sentences with SWAP_SENTENCES.
    3. Numbers change by 5-20% with CHANGE_NUMBER (years stay): `_change_numbers`.
    4. Each sentence gets one synonym swap (SYNONYMS, by language) with SWAP_WORD; so does the
       title.
    """
    from parsers.sentences import split_sentences

    paragraphs = [[s.text for s in split_sentences(p, language)] for p in body.split("\n\n") if p.strip()]
    total = sum(len(p) for p in paragraphs)
    kept: list[list[str]] = []
    left = total
    for p in paragraphs:
        q = []
        for s in p:
            if rng.random() < DROP_SENTENCE and left > 1:
                left -= 1
                continue
            q.append(s)
        if q:
            kept.append(q)
    if len(kept) > 1 and rng.random() < SWAP_PARAGRAPHS:
        i = rng.randrange(len(kept) - 1)
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    for q in kept:
        if len(q) > 1 and rng.random() < SWAP_SENTENCES:
            i = rng.randrange(len(q) - 1)
            q[i], q[i + 1] = q[i + 1], q[i]
    out = []
    for q in kept:
        sentences = []
        for s in q:
            s = _change_numbers(s, rng)
            if rng.random() < SWAP_WORD:
                s = _swap_word(s, rng, language)
            sentences.append(s)
        out.append(" ".join(sentences))
    if title and rng.random() < SWAP_WORD:
        title = _swap_word(title, rng, language)
    return title, "\n\n".join(out)


def corpus_pages(corpora: Path) -> list[Path]:
    pages = []
    for name in CORPORA:
        folder = corpora / name / "pages"
        if not folder.is_dir():
            raise SystemExit(f"alignment.py: corpus not found: {folder}")
        pages += sorted(folder.glob("*.html"))
    return pages


def synthesize(records: list[dict], n: int, seed: int):
    """N VersionText records from P parsed pages, and each article's outlet id (as
    warehouse.load keys outlets): see the module docstring."""
    import hashlib
    import random
    from datetime import datetime, timedelta, timezone

    from parsers.records import stable_id
    from warehouse.analysis import VersionText
    from warehouse.load import outlet_key

    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    versions, outlets = [], {}
    for k in range(n):
        r = records[order[k % len(order)]]
        copy = k // len(order)
        aid = stable_id(r["canonical_url"])  # as warehouse.load.article_id
        title, body = r["title"], r["body"] or ""
        domain, name = r["outlet_domain"] or "", r["outlet"] or ""
        published = None
        if r["published"]:
            try:
                published = datetime.fromisoformat(r["published"])
            except ValueError:
                published = None
            if published is not None and published.tzinfo is None:
                published = published.replace(tzinfo=timezone.utc)
        if copy:
            rng = random.Random(f"{seed}:{k}")
            title, body = vary_article(title, body, r["language"], rng)
            aid = f"{aid}~v{copy}"
            domain, name = (f"{domain}~v{copy}" if domain else ""), f"{name or domain}~v{copy}"
            if published is not None:
                published += timedelta(minutes=rng.randrange(10, 48 * 60))
        sha = hashlib.sha256(f"{title or ''}\n\n{body}".encode("utf-8")).hexdigest()
        versions.append(VersionText(stable_id(aid, sha), aid, title, body, r["language"], published))
        outlets[aid] = outlet_key(domain, name)  # the outlet_id that alignment_inputs reads
    return versions, outlets


def build_cli(argv: list[str]) -> int:
    """`alignment.py build CORPORA SEED OUTDIR N...`: parse, synthesize and analyse once for the
    largest N, then write each size's rows (a prefix of the articles) to OUTDIR/items-N.pickle."""
    import pickle
    import resource
    import time
    from datetime import datetime, timezone

    from parsers.article import parse_file
    from warehouse.analysis import analyze_versions

    corpora, seed, outdir, sizes = Path(argv[0]), int(argv[1]), Path(argv[2]), sorted(int(x) for x in argv[3:])
    t0 = time.perf_counter()
    paths = corpus_pages(corpora)
    # A fixed `now`: a date test against the current time must not change the input.
    records = [parse_file(p, now=datetime(2026, 1, 1, tzinfo=timezone.utc)) for p in paths]
    t_parse = time.perf_counter() - t0
    versions, outlets = synthesize(records, sizes[-1], seed)
    t1 = time.perf_counter()
    batch = analyze_versions(versions)
    t_analyze = time.perf_counter() - t1
    ordinal = {v.article_id: k for k, v in enumerate(versions)}
    published = {v.article_id: v.published for v in versions}
    sentences = {s[0]: s for s in batch.sentences}
    numbers: dict[str, list[float]] = {}
    for row in batch.numbers:  # (sid, idx, raw, value, ...), in idx order
        if row[3] is not None:
            numbers.setdefault(row[0], []).append(row[3])
    quoted = {q[0] for q in batch.quotes}
    rows = []
    for c in batch.claims:  # (sid, version_id, article_id, ..., entities at 9, ...)
        s = sentences[c[0]]  # (sid, version_id, article_id, field, idx, paragraph, start, end, text, language)
        position = 0 if s[3] == "title" else s[4] + 1
        rows.append((ordinal[c[2]], c[0], c[2], outlets[c[2]], s[9], s[8], tuple(numbers.get(c[0], ())),
                     tuple(c[9] or ()), position, published[c[2]], c[0] in quoted))
    rows.sort(key=lambda r: r[1])  # alignment_inputs orders by sentence_id
    stats = {"pages": len(paths), "parse_s": t_parse, "analyze_s": t_analyze, "sizes": {}}
    for n in sizes:
        subset = [r[1:] for r in rows if r[0] < n]
        (outdir / f"items-{n}.pickle").write_bytes(pickle.dumps(subset, protocol=pickle.HIGHEST_PROTOCOL))
        stats["sizes"][n] = {
            "articles": n, "copies": -(-n // len(paths)),
            "sentences": sum(1 for s in batch.sentences if ordinal[s[2]] < n),
            "items": len(subset), "quote_items": sum(1 for r in subset if r[-1]),
            "outlets": len({r[2] for r in subset}),
            "languages": dict(sorted(_count(r[3] or "none" for r in subset).items())),
        }
    stats["rss_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (outdir / "build.json").write_text(json.dumps(stats), encoding="utf-8")
    return 0


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def load_inputs(path: Path):
    """The pickled rows as (AlignItem, published) pairs, all and quote-bearing, built as
    warehouse.analysis.alignment_inputs builds them (plus optional fields the installed AlignItem has)."""
    import dataclasses
    import pickle

    from parsers.align import AlignItem

    known = {"key", "doc", "outlet", "language", "text", "numbers", "entities"}
    extra = {"position": 7}  # optional AlignItem fields this script can fill: row index
    fields = dataclasses.fields(AlignItem)
    missing = [f.name for f in fields if f.name not in known and f.name not in extra
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise SystemExit(f"alignment.py: AlignItem has new required field(s) {missing}: teach load_inputs to fill them")
    fill = [(f.name, extra[f.name]) for f in fields if f.name in extra]
    rows = pickle.loads(path.read_bytes())
    inputs, quotes = [], []
    for r in rows:
        item = AlignItem(key=r[0], doc=r[1], outlet=r[2], language=r[3], text=r[4], numbers=r[5], entities=r[6],
                         **{name: r[i] for name, i in fill})
        inputs.append((item, r[8]))
        if r[9]:
            quotes.append((item, r[8]))
    return inputs, quotes, [name for name, _ in fill]


# --------------------------------------------------------------------------------------------
# The peer: all-pairs TF-IDF cosine single-link (score_claims.py's baseline)


def load_scorer(tools: Path):
    import importlib.util

    path = tools / "score_claims.py"
    if not path.is_file():
        raise SystemExit(f"alignment.py: scorer not found: {path} (the peer uses its tokenizer)")
    spec = importlib.util.spec_from_file_location("_newsprism_score_claims", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def all_pairs_peer(items, scorer, threshold: float, budget: float) -> dict:
    """Single-link over every cross-article pair sharing a word with cosine >= threshold.

    Stops after `budget` seconds; `visits` counts the pair look-ups done (one per shared word of
    a pair, same-article pairs included, as the scorer's loop does) against `total_visits`."""
    import math
    import time
    from collections import defaultdict

    started = time.perf_counter()
    toks = [[t for t in scorer.norm_tokens(it.text) if t not in scorer.STOPWORDS] for it in items]
    df: dict[str, int] = defaultdict(int)
    for w in toks:
        for t in set(w):
            df[t] += 1
    n = len(items)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    vectors = []
    for i, w in enumerate(toks):
        counts: dict[str, int] = defaultdict(int)
        for t in w:
            counts[t] += 1
        v = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        v = {t: x / norm for t, x in v.items()}
        vectors.append(v)
        for t, x in v.items():
            postings[t].append((i, x))
    del toks
    total_visits = sum(d * (d - 1) // 2 for d in df.values())
    docs = [it.doc for it in items]
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ptr = dict.fromkeys(postings, 0)
    visits = edges = scored_pairs = 0
    rows_done = 0
    setup = time.perf_counter() - started
    for i, v in enumerate(vectors):
        if rows_done and time.perf_counter() - started > budget:
            break
        acc: dict[int, float] = {}
        di = docs[i]
        for t, x in v.items():
            plist = postings[t]
            start = ptr[t] + 1  # postings are in item order: i sits at ptr[t]
            ptr[t] = start
            visits += len(plist) - start
            for j, y in plist[start:]:
                if docs[j] != di:
                    acc[j] = acc.get(j, 0.0) + x * y
        scored_pairs += len(acc)
        for j, dot in acc.items():
            if dot >= threshold:
                edges += 1
                a, b = find(i), find(j)
                if a != b:
                    parent[a] = b
        rows_done += 1
    elapsed = time.perf_counter() - started
    finished = rows_done == n
    sizes = _count(find(i) for i in range(n)).values() if finished else []
    return {"finished": finished, "rows_done": rows_done, "visits": visits, "total_visits": total_visits,
            "scored_pairs": scored_pairs, "edges": edges, "setup_s": setup, "elapsed_so_far": elapsed,
            "groups": len(sizes) if finished else None, "multi": sum(1 for s in sizes if s > 1) if finished else None,
            "largest": max(sizes, default=0) if finished else None}


# --------------------------------------------------------------------------------------------
# One contender in its own process


def _groups(result) -> dict:
    sizes = [len(g) for g in result.groups]
    return {"groups": len(sizes), "multi": sum(1 for s in sizes if s > 1), "largest": max(sizes, default=0),
            "links": len(getattr(result, "links", ()))}


def timed_cli(argv: list[str]) -> int:
    """`alignment.py timed NAME ITEMS.pickle OUT.json [TOOLS BUDGET]`: load, build inputs, read the
    peak RSS, run the contender, write the figures."""
    import resource
    import time

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    name, items_file, out_file = argv[:3]
    if name == "peer":
        scorer = load_scorer(Path(argv[3]))
        budget = float(argv[4])
    import warehouse.analysis  # noqa: F401 - imported before the "after inputs" reading, as the flow has it
    from parsers.align import TfidfSimilarity, align

    inputs, quotes, filled = load_inputs(Path(items_file))
    out: dict = {"items": len(inputs), "quote_items": len(quotes), "filled": filled, "rss_inputs": rss_mib()}
    cpu0 = cpu()
    started = time.perf_counter()
    if name == "compute_alignment":
        from warehouse.analysis import compute_alignment

        r = compute_alignment(inputs, quotes)
        out["levels"] = {"claims": _groups(r.claims), "events": _groups(r.events), "statements": _groups(r.statements)}
        stories = getattr(r, "stories", None)  # article -> story, in versions that find stories
        if stories is not None:
            sizes = _count(stories.values()).values()
            out["stories"] = {"stories": len(sizes), "multi": sum(1 for x in sizes if x > 1),
                              "largest": max(sizes, default=0)}
    elif name == "align":
        phases: dict[str, float] = {}

        class TimedTfidf(TfidfSimilarity):
            """The default similarity, timed: what fit and candidate_edges cost inside align."""

            def fit(self, items, config):
                t = time.perf_counter()
                super().fit(items, config)
                phases["fit_s"] = time.perf_counter() - t

            def candidate_edges(self):
                t = time.perf_counter()
                edges = super().candidate_edges()
                phases["edges_s"] = time.perf_counter() - t
                phases["edges"] = len(edges)
                # pairs of two copies of one page (ids differ only by their "~v" suffix)
                page = [it.doc.split("~v")[0] for it in self.items]
                phases["copy_edges"] = sum(1 for _, i, j in edges if page[i] == page[j])
                return edges

        r = align([it for it, _ in inputs], similarity=TimedTfidf())
        out["levels"] = {"default": _groups(r)}
        out["phases"] = phases
    elif name == "peer":
        out["peer"] = all_pairs_peer([it for it, _ in inputs], scorer, scorer.DEV_TFIDF_THRESHOLD, budget)
        out["threshold"] = scorer.DEV_TFIDF_THRESHOLD
    else:
        raise SystemExit(f"alignment.py: unknown contender {name!r}")
    out["elapsed"] = time.perf_counter() - started
    out["cpu"] = cpu() - cpu0
    out["rss_peak"] = rss_mib()
    Path(out_file).write_text(json.dumps(out), encoding="utf-8")
    return 0


def profile_cli(argv: list[str]) -> int:
    """`alignment.py profile ITEMS.pickle`: compute_alignment under cProfile; prints the top
    functions by own time and by cumulative time."""
    import cProfile
    import io
    import pstats

    from warehouse.analysis import compute_alignment

    inputs, quotes, _ = load_inputs(Path(argv[0]))
    prof = cProfile.Profile()
    prof.enable()
    compute_alignment(inputs, quotes)
    prof.disable()
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(22)
        text = buf.getvalue()
        # pstats prints absolute paths; the repository's own are shown relative to it
        print(text.replace(str(ROOT) + os.sep, "").replace(os.path.dirname(os.__file__) + os.sep, ""))
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["build"]:
    raise SystemExit(build_cli(sys.argv[2:]))
if __name__ == "__main__" and sys.argv[1:2] == ["timed"]:
    raise SystemExit(timed_cli(sys.argv[2:]))
if __name__ == "__main__" and sys.argv[1:2] == ["profile"]:
    raise SystemExit(profile_cli(sys.argv[2:]))
if __name__ == "__main__":
    import _launcher  # benchmarks/ is on sys.path when a script here runs

    _LAUNCHER = _launcher.start()


# --------------------------------------------------------------------------------------------
# Runner

import platform  # noqa: E402 - below the fast paths and the launcher on purpose
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

from _launcher import Launcher  # noqa: E402


def run_tagged(launcher: Launcher, cmd: list[str], workdir: Path, tag: str, timeout: float,
               max_bytes: int | None = None) -> dict:
    """`Launcher.run` with output files named by `tag` in `workdir`; adds the child's stdout,
    the cap, and a one-line failure (timeout, or exit status with the last stderr line)."""
    out, err = workdir / f"{tag}.stdout", workdir / f"{tag}.stderr"
    answer = launcher.run(cmd, out, err, timeout, max_bytes)
    answer["stdout"] = out.read_text(encoding="utf-8", errors="replace")
    answer["max_bytes"] = max_bytes
    answer["failure"] = None
    if answer["returncode"] == -signal.SIGKILL:
        answer["failure"] = f"killed at the {timeout:g} s timeout"
    elif answer["returncode"] != 0:
        tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        answer["failure"] = f"exit status {answer['returncode']}" + (f": {tail[0]}" if tail else "")
    return answer


def code_state() -> str:
    """The commit and a digest of parsers/ and warehouse/ as on disk (uncommitted edits included)."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("parsers", "warehouse"):
        for f in sorted((ROOT / folder).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "parsers", "warehouse"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head, dirty = "", ""
    where = (f"commit {head}" + (" with uncommitted changes in parsers/ or warehouse/" if dirty else "")) if head else "no git"
    return f"{where}; parsers/+warehouse/ digest {digest.hexdigest()[:12]}"


def _physical_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 8.0


def _available_gib() -> float:
    """MemAvailable from /proc/meminfo (Linux); the physical memory elsewhere."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return _physical_gib()


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(x.replace("_", "")) for x in text.split(",") if x.strip()})
    except ValueError:
        raise SystemExit(f"alignment.py: sizes must be comma-separated integers, not {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise SystemExit("alignment.py: sizes must be positive")
    return sizes


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _levels_line(levels: dict) -> str:
    return "; ".join(f"{lvl} {g['groups']:,} groups ({g['multi']:,} of 2+, largest {g['largest']:,}, "
                     f"{g['links']:,} links)" for lvl, g in levels.items())


def main(argv: list[str] | None = None, *, launcher: Launcher) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=None,
                    help="folder holding the corpora (default: $NEWSPRISM_CORPORA, else ../shared/corpora next to the repository)")
    ap.add_argument("--sizes", default="1000,10000", help="article counts to align (default 1000,10000)")
    ap.add_argument("--peer-sizes", default="250,1000",
                    help="sizes at which the all-pairs peer runs to its end if it can within --peer-budget (default 250,1000)")
    ap.add_argument("--peer-budget", type=float, default=180, help="seconds the peer may run at a peer size (default 180)")
    ap.add_argument("--peer-probe", type=float, default=30,
                    help="seconds the peer runs at the other sizes, to extrapolate its time (default 30; 0 skips)")
    ap.add_argument("--only", action="append", choices=CONTENDERS, help="only these contenders (default: all)")
    ap.add_argument("--seed", type=int, default=2025, help="seed of the synthesis (default 2025)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for one contender run (default 3600)")
    ap.add_argument("--max-memory-gib", type=float, default=None,
                    help="address-space cap of each contender process, so that a blow-up fails with MemoryError "
                         "instead of starving the machine (default: half the physical memory, lowered to 80%% of "
                         "the memory available when the process starts; 0: no cap)")
    ap.add_argument("--profile", type=int, default=None, metavar="N",
                    help="also run compute_alignment under cProfile at N articles (N must be one of the sizes)")
    args = ap.parse_args(argv)
    sizes, peer_sizes = _sizes(args.sizes), _sizes(args.peer_sizes)
    names = [n for n in CONTENDERS if not args.only or n in args.only]
    corpora = args.corpora or Path(os.environ.get("NEWSPRISM_CORPORA", ROOT.parent / "shared" / "corpora"))
    if not all((corpora / c / "pages").is_dir() for c in CORPORA):
        print(f"alignment.py: skipped: the corpora {', '.join(CORPORA)} were not found under {corpora} "
              "(pass --corpora DIR or set NEWSPRISM_CORPORA)")
        launcher.close()
        return 0
    tools = corpora.parent / "tools"
    if "peer" in names and not (tools / "score_claims.py").is_file():
        print(f"alignment.py: the peer is skipped: {tools / 'score_claims.py'} not found")
        names.remove("peer")
    if args.profile is not None and args.profile not in sizes:
        ap.error("--profile N: N must be one of --sizes")
    peer_runs = {n: args.peer_budget for n in peer_sizes} if "peer" in names else {}
    if "peer" in names and args.peer_probe > 0:
        for n in sizes:
            peer_runs.setdefault(n, args.peer_probe)
    all_sizes = sorted(set(sizes) | set(peer_runs))
    fixed_cap = args.max_memory_gib is not None

    def cap() -> int | None:
        """The address-space cap for the next contender: the machine is shared, so by default
        it follows what is free now."""
        gib = args.max_memory_gib if fixed_cap else min(_physical_gib() / 2, 0.8 * _available_gib())
        return int(gib * 2**30) if gib > 0 else None

    state = code_state()
    print("Alignment benchmark: newsprism compute_alignment and align, and an all-pairs TF-IDF peer")
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"newsprism: {state}")
    print(f"corpora: {corpora} ({', '.join(CORPORA)}); seed {args.seed}; every row single-threaded in a fresh process; "
          "one run per row (timings share the machine with other work: expect noise)")
    if fixed_cap:
        print(f"each contender process is capped at {args.max_memory_gib:g} GiB of address space"
              if args.max_memory_gib > 0 else "contender processes are not memory-capped")
    else:
        print(f"each contender process is capped at half the physical memory ({_physical_gib() / 2:.1f} GiB) "
              "or 80% of the memory available when it starts, whichever is less (now "
              f"{(cap() or 0) / 2**30:.1f} GiB)")
    print()

    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory(prefix="newsprism-align-bench-") as tmp:
        work = Path(tmp)
        b = run_tagged(launcher, [sys.executable, str(Path(__file__).resolve()), "build", str(corpora), str(args.seed), tmp,
                          *map(str, all_sizes)], work, "build", args.timeout)
        if b["failure"]:
            print(f"building the inputs failed: {b['failure']}")
            launcher.close()
            return 1
        build = json.loads((work / "build.json").read_text(encoding="utf-8"))
        print(f"inputs: {build['pages']} pages parsed in {build['parse_s']:.1f} s; {all_sizes[-1]:,} articles synthesized "
              f"and analysed (analyze_versions) in {build['analyze_s']:.1f} s; builder peak RSS {build['rss_peak']:.0f} MiB")
        for n in all_sizes:
            s = build["sizes"][str(n)]
            print(f"  {n:>6,} articles (up to {s['copies']} copies of a page): {s['sentences']:,} sentences, "
                  f"{s['items']:,} claim items, {s['quote_items']:,} with a quote; {s['outlets']:,} outlets; "
                  f"languages {s['languages']}")
        print()
        for n in all_sizes:
            for name in names:
                if name == "peer":
                    if n not in peer_runs:
                        continue
                    extra = [str(tools), str(peer_runs[n])]
                elif n in sizes:
                    extra = []
                else:
                    continue
                print(f"running {LABELS[name]} on {n:,} articles ...", file=sys.stderr, flush=True)
                out = work / f"{name}-{n}.json"
                ans = run_tagged(launcher, [sys.executable, str(Path(__file__).resolve()), "timed", name,
                                    str(work / f"items-{n}.pickle"), str(out), *extra], work, f"{name}-{n}", args.timeout,
                                   cap())
                res = json.loads(out.read_text(encoding="utf-8")) if out.is_file() and not ans["failure"] else {}
                res["process"] = ans
                results[(name, n)] = res
        profile_text = None
        if args.profile is not None:
            print(f"profiling compute_alignment on {args.profile:,} articles ...", file=sys.stderr, flush=True)
            ans = run_tagged(launcher, [sys.executable, str(Path(__file__).resolve()), "profile",
                                str(work / f"items-{args.profile}.pickle")], work, "profile", args.timeout,
                               cap())
            profile_text = ans["failure"] or ans["stdout"]
    launcher.close()

    report(results, build, sizes, names)
    if profile_text:
        print(f"== cProfile of compute_alignment on {args.profile:,} articles (top functions; times inflated by the profiler) ==")
        print(profile_text)
    if code_state() != state:
        print(f"WARNING: parsers/ or warehouse/ changed during the run (now {code_state()}): rows may mix two versions")
    print(f"peak RSS floor: {launcher.floor_kib / 1024:.0f} MiB (every contender inherits its launcher's peak RSS on "
          "Linux; the launcher is a bare interpreter)")
    return 0


def _peer_estimate(peer: dict) -> float:
    """Seconds the peer would take: its set-up plus its loop time at the measured look-up rate."""
    done = peer["visits"] / peer["total_visits"] if peer["total_visits"] else 1.0
    loop = peer["elapsed_so_far"] - peer["setup_s"]
    return peer["setup_s"] + (loop / done if done else float("inf"))


def _ok(res: dict | None) -> bool:
    """A run that finished and reported its figures (a peer stopped at its budget did not)."""
    return bool(res) and "elapsed" in res and not res["process"]["failure"] and res.get("peer", {}).get("finished", True)


def report(results: dict, build: dict, sizes: list[int], names: list[str]) -> None:
    """The table, the per-row details, the growth ratios and the peer's estimates."""
    header = (f"{'articles':>8} {'contender':<30} {'items':>8} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>12} "
              f"{'after inputs':>12} {'alignment MiB':>13}")
    print("== results ==")
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    filled: set[str] = set()
    for n in sorted({k[1] for k in results}):
        items = build["sizes"][str(n)]["items"]
        for name in names:
            res = results.get((name, n))
            if res is None:
                continue
            label = LABELS[name]
            proc = res["process"]
            if proc["failure"]:
                # the launcher's figures: the whole process, start-up and loading included
                print(f"{n:>8,} {label:<30} {items:>8,} {'>' + format(proc['elapsed'], '.1f'):>8} {proc['cpu']:>8.1f} "
                      f"{proc['maxrss_kib'] / 1024:>12.0f} {'-':>12} {'-':>13}   FAILED")
                capped = f", address space capped at {proc['max_bytes'] / 2**30:.1f} GiB" if proc.get("max_bytes") else ""
                notes.append(f"{n:,} {label}: FAILED after {proc['elapsed']:.0f} s of the whole process "
                             f"(CPU {proc['cpu']:.0f} s, peak RSS {proc['maxrss_kib'] / 1024:,.0f} MiB{capped}): {proc['failure']}")
                continue
            peer = res.get("peer")
            if peer and not peer["finished"]:
                done = peer["visits"] / peer["total_visits"] if peer["total_visits"] else 1.0
                est = _peer_estimate(peer)
                print(f"{n:>8,} {label:<30} {res['items']:>8,} {'~' + format(est, ',.1f' if est < 100 else ',.0f'):>8} {'-':>8} {'-':>12} "
                      f"{res['rss_inputs']:>12.0f} {'-':>13}   ESTIMATE")
                notes.append(f"{n:,} {label}: ESTIMATE: stopped after {peer['elapsed_so_far']:.0f} s with "
                             f"{peer['visits']:,} of {peer['total_visits']:,} pair look-ups done ({100 * done:.1f}%, "
                             f"{peer['rows_done']:,} of {res['items']:,} rows); ~{est:,.0f} s extrapolated at that rate "
                             f"(setup {peer['setup_s']:.1f} s)")
                continue
            print(f"{n:>8,} {label:<30} {res['items']:>8,} {res['elapsed']:>8.2f} {res['cpu']:>8.2f} "
                  f"{res['rss_peak']:>12.0f} {res['rss_inputs']:>12.0f} {res['rss_peak'] - res['rss_inputs']:>13.0f}")
            if "levels" in res:
                notes.append(f"{n:,} {label}: {_levels_line(res['levels'])}")
            if "stories" in res:
                st = res["stories"]
                notes.append(f"{n:,} {label}: {st['stories']:,} stories ({st['multi']:,} of 2+ articles, "
                             f"largest {st['largest']:,} articles)")
            if "phases" in res:
                ph = res["phases"]
                rest = res["elapsed"] - ph.get("fit_s", 0) - ph.get("edges_s", 0)
                edges = ph.get("edges", 0)
                notes.append(f"{n:,} {label}: fit {ph.get('fit_s', 0):.2f} s, candidate_edges {ph.get('edges_s', 0):.2f} s "
                             f"({edges:,} edges over the floor, {edges / max(1, res['items']):.1f} per item, "
                             f"{100 * ph.get('copy_edges', 0) / max(1, edges):.0f}% between copies of one page), "
                             f"sort + cluster + links {rest:.2f} s")
            if peer:
                notes.append(f"{n:,} {label}: {peer['total_visits']:,} pair look-ups, {peer['scored_pairs']:,} cross-article "
                             f"pairs scored, {peer['edges']:,} at cosine >= {res['threshold']}; {peer['groups']:,} groups "
                             f"({peer['multi']:,} of 2+, largest {peer['largest']:,})")
            filled.update(res.get("filled") or ())
    print()
    for line in notes:
        print(line)
    if filled:
        print(f"optional AlignItem fields filled: {', '.join(sorted(filled))}")
    print()
    growth(results, build, sizes, names)
    peer_rows = sorted(n for (name, n) in results if name == "peer")
    if peer_rows:
        print("== all-pairs peer: pair look-ups (its work) by size ==")
        for n in peer_rows:
            p = results[("peer", n)].get("peer")
            if p:
                print(f"{n:>8,} articles: {p['total_visits']:>16,} look-ups" + ("" if p["finished"] else "  (run stopped at its budget)"))
        print()


def growth(results: dict, build: dict, sizes: list[int], names: list[str]) -> None:
    """Ratios between successive sizes and from the smallest to the largest, next to linear
    growth; the exponent b of items^b between two sizes; and, for a size whose run failed, a
    projection from the last exponent (labelled as such)."""
    import math

    if len(sizes) < 2:
        return
    lines: list[str] = []
    for name in names:
        runs = [(n, results.get((name, n))) for n in sizes]
        ok = [(n, r) for n, r in runs if _ok(r)]
        pairs = list(zip(ok, ok[1:]))
        if ok and ok[0][0] != sizes[-1] and len(ok) > 2 and ok[-1][0] == sizes[-1]:
            pairs.append((ok[0], ok[-1]))
        for (n1, a), (n2, b) in pairs:
            ri = b["items"] / a["items"]
            rt = b["elapsed"] / a["elapsed"]
            mem_a, mem_b = a["rss_peak"] - a["rss_inputs"], b["rss_peak"] - b["rss_inputs"]
            line = (f"{LABELS[name]:<30} {n2:>6,} / {n1:<6,} articles: items {ri:.1f}x; wall {rt:.1f}x (b = "
                    f"{math.log(rt) / math.log(ri):.2f}), CPU {b['cpu'] / a['cpu']:.1f}x, peak RSS "
                    f"{b['rss_peak'] / a['rss_peak']:.1f}x, alignment MiB {mem_b / max(1e-9, mem_a):.1f}x (b = "
                    f"{math.log(max(1e-9, mem_b) / max(1e-9, mem_a)) / math.log(ri):.2f})")
            if a.get("phases", {}).get("edges") and b.get("phases", {}).get("edges"):
                line += f", candidate edges {b['phases']['edges'] / a['phases']['edges']:.1f}x"
            lines.append(line)
        big = sizes[-1]
        last = results.get((name, big))
        if last is None or _ok(last):
            continue
        items_big = build["sizes"][str(big)]["items"]
        if name == "peer" and last.get("peer") and not last["process"]["failure"]:
            base = next(((n, r) for n, r in ok), None)
            est = _peer_estimate(last["peer"])
            if base:
                n1, a = base
                lines.append(f"{LABELS[name]:<30} {big:>6,} / {n1:<6,} articles: items {items_big / a['items']:.1f}x; wall "
                             f"~{est / a['elapsed']:.0f}x (ESTIMATE, ~{est:,.0f} s extrapolated from its partial run), pair "
                             f"look-ups {last['peer']['total_visits'] / max(1, a['peer']['total_visits']):.0f}x")
            continue
        if len(ok) >= 2:
            (n1, a), (n2, b) = ok[-2], ok[-1]
            ri = b["items"] / a["items"]
            bt = math.log(b["elapsed"] / a["elapsed"]) / math.log(ri)
            mem_a, mem_b = a["rss_peak"] - a["rss_inputs"], b["rss_peak"] - b["rss_inputs"]
            bm = math.log(mem_b / mem_a) / math.log(ri)
            scale = items_big / b["items"]
            lines.append(f"{LABELS[name]:<30} {big:>6,} articles: run FAILED; PROJECTION from the {n1:,}-{n2:,} exponents: "
                         f"~{b['elapsed'] * scale ** bt:,.0f} s, ~{b['rss_inputs'] + mem_b * scale ** bm:,.0f} MiB peak RSS")
    if lines:
        print("== growth (linear growth: time and memory grow as the items do; b = exponent of items^b) ==")
        print("\n".join(lines))
        print()


if __name__ == "__main__":
    raise SystemExit(main(launcher=_LAUNCHER))
