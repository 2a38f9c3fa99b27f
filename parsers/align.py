"""Cross-outlet claim alignment: group sentences of different articles that report the same claim.

First version, built to grow (a later issue measures and improves it):
- `Similarity` is a protocol: `align()` takes any object that fits on the items, proposes and
  scores candidate pairs, and explains a pair; `TfidfSimilarity` is the default.
- Candidates are never all pairs: an inverted index over features with a document-frequency
  cut proposes only pairs that share a rare feature (a content-word stem or cognate key, a
  bilingual concept, a name, a number); each proposed pair then gets its full score.
- Grouping is single-link over the best edges with two guards (see `_linkable`, `_cluster`).

In the pipeline (warehouse.analysis.compute_alignment) this partition is the claim level and runs
inside stories (parsers.stories), beside the overlapping event groups of parsers.events; the
figures below are `align()` alone over all sentences, as first tuned. Measured on the shared dev
corpora with shared/tools/score_claims.py (micro pairwise F1, all sentences of a split aligned,
pages as documents). The two
corpora pull apart: ECB+ gold pairs are event-level (every sentence of a page that mentions the
seminal event), MEANTIME gold pairs are sentence translations, and the comparison views need
claims, not events (a group that chains the meeting, the biometric request and the answer hides
who left out the answer). Threshold sweep, all scope (ECB+ / MEANTIME / largest group on the
sample edition): 0.34 -> 0.655 / 0.677 / 34 sentences; 0.38 -> 0.598 / 0.761 / 30;
0.40 -> 0.557 / 0.769 / 15; 0.42 -> 0.514 / 0.770 / 13 (ECB+ TF-IDF baseline 0.534, MEANTIME
0.146). The default, 0.40, is the tightest threshold that still beats the ECB+ baseline. Even
tighter groups: `same_doc_min=0.2` (MEANTIME 0.73, ECB+ 0.43).

Data files: stopwords.toml (per language), stemming.toml (light suffix stemmers and the cognate
rewrite), crosslingual.toml (EN↔ES concept ids), numbers.toml and calendar.toml (number words,
month and weekday names, so "two"/"dos"/"2" and "March"/"marzo" meet).
"""
from __future__ import annotations

import functools
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from parsers import lexicons

__all__ = ["AlignItem", "AlignLink", "AlignResult", "AlignConfig", "Similarity", "TfidfSimilarity",
           "align", "stem", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 0.40  # chosen on ecbplus_dev, meantime_xling_dev and the sample edition (module docstring)


@dataclass(frozen=True)
class AlignItem:
    """One sentence to align. `key` is unique; `doc` is its article (items of one doc never link)."""

    key: str
    doc: str
    outlet: str
    language: str | None
    text: str
    numbers: tuple[float, ...] = ()  # values from parsers.claims (NumberMention.value)
    entities: tuple[str, ...] = ()  # names from parsers.claims (ClaimFeatures.entities)
    position: int | None = None  # 0 = the headline, 1.. = body sentences in order (None: unknown)
    published: datetime | None = None  # the article's publication time, if known (not a fetch time)


@dataclass(frozen=True)
class AlignLink:
    """A scored pair inside one group: the evidence for grouping them."""

    a: str
    b: str
    score: float
    shared_terms: tuple[str, ...]
    shared_numbers: tuple[float, ...]
    shared_entities: tuple[str, ...]


@dataclass(frozen=True)
class AlignResult:
    groups: list[list[str]]  # every key in exactly one group, singletons included
    links: list[AlignLink]  # pairs scoring >= threshold whose items ended in the same group


@dataclass(frozen=True)
class AlignConfig:
    """Knobs of the default pipeline; the defaults are the measured ones (module docstring).
    Scores are in [0, 1]. A swept knob's neighbourhood, on the two dev corpora: threshold
    0.32-0.36 and doc_weight 0.4-0.5 keep both F1s within about 0.03 of the defaults."""

    threshold: float = DEFAULT_THRESHOLD  # a pair scoring at least this may link two groups
    avg_threshold: float = 0.02  # the chaining guard: see _cluster
    edge_floor: float | None = 0.15  # pairs scoring less count as 0 in the guard (None: avg_threshold)
    max_df: float = 0.01  # a feature held by more than this share of items proposes no pairs...
    min_max_df: int = 40  # ...but the cut never goes below this many items (small inputs)
    number_bonus: float = 0.10  # added when two items share a number that few items hold
    entity_bonus: float = 0.05  # added when they share a name that few items hold
    crosslingual_boost: float = 1.25  # EN↔ES pairs share fewer features for the same claim
    cognate_prefix: bool = True  # words outside the lexicon compare by cognate key, not by stem
    doc_weight: float = 0.45  # weight of the two articles' similarity in a geometric mean
    doc_best_margin: float | None = 0.1  # see _linkable (None: off)
    max_per_doc: int | None = None  # refuse merges that put more sentences of one article together
    same_doc_min: float | None = None  # two sentences of one article may share a group only if
    # their own cosine reaches this (None: no check); see _cluster
    max_cluster_pairs: int = 40_000  # merges that would need more pair look-ups are refused
    max_df_story: float = 0.5  # with stories: a feature held by more than this share of a story's
    # items (and more than min_max_df) proposes no pairs inside it; see candidate_edges
    max_edges_per_item: int | None = 50  # each item keeps its best pairs (None: all)


# ----------------------------------------------------------------------------- text features


@functools.cache
def _stem_rules(lang: str) -> tuple[tuple[str, ...], int, frozenset[str]]:
    table = lexicons.load("stemming").get(lang, {})
    return (tuple(table.get("suffixes", [])), int(table.get("min_stem", 3)),
            frozenset(table.get("keep", [])))


def stem(word: str, language: str | None) -> str:
    """Light suffix stem of a lower-case, accent-free word (stemming.toml; English by default)."""
    lang = lexicons.normalize_language(language)
    return _stem(word, lang if lang in lexicons.SUPPORTED else "en")


@functools.lru_cache(maxsize=200_000)
def _stem(word: str, lang: str) -> str:
    suffixes, min_stem, keep = _stem_rules(lang)
    if word in keep:
        return word
    for suf in suffixes:
        if word.endswith(suf) and len(word) - len(suf) >= min_stem:
            return word[: -len(suf)]
    return word


@functools.cache
def _cognate_rules() -> tuple[tuple[tuple[str, str], ...], int]:
    table = lexicons.load("stemming").get("cognates", {})
    return tuple((a, b) for a, b in table.get("rewrite", [])), int(table.get("prefix", 5))


@functools.lru_cache(maxsize=200_000)
def _cognate_key(s: str) -> str:
    rewrite, prefix = _cognate_rules()
    for a, b in rewrite:
        s = s.replace(a, b)
    return s[:prefix]


@functools.lru_cache(maxsize=200_000)
def _norm(word: str) -> str:
    return lexicons.strip_accents(word.lower())


@dataclass(frozen=True)
class _LangTables:
    concepts: dict[str, str]  # stem of a single word → concept id
    phrases: lexicons.PhraseMatcher  # multi-word or dotted entries → concept id
    numbers: dict[str, str]  # number word → "#<value>"
    months: dict[str, int]
    weekdays: dict[str, int]
    stopwords: frozenset[str]


@functools.cache
def _tables(lang: str) -> _LangTables:
    concepts: dict[str, str] = {}
    phrase_entries: list[tuple[str, str]] = []
    for cid, entry in lexicons.load("crosslingual")["concepts"].items():
        for w in entry.get(lang, []):
            if " " in w or "." in w:
                phrase_entries.append((w, cid))
            else:
                concepts.setdefault(_stem(_norm(w), lang), cid)
    num = lexicons.load("numbers")
    small = set(num["small_words"].get(lang, []))
    numbers = {_norm(k): f"#{v:g}" for k, v in num["words"].get(lang, {}).items()
               if " " not in k and k not in small}
    cal = lexicons.load("calendar").get(lang, {})
    months = {_norm(k): v for k, v in cal.get("months", {}).items() if not k.endswith(".")}
    weekdays = {_norm(k): v for k, v in cal.get("weekdays", {}).items()}
    return _LangTables(concepts, lexicons.PhraseMatcher(phrase_entries), numbers, months, weekdays,
                       lexicons.stopwords(lang))


_WORD = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass
class _Features:
    weights: dict[str, float]  # feature → tf (before idf)
    names: set[str]  # features that come from names
    numbers: set[str]  # "=<value>" features from AlignItem.numbers
    surface: dict[str, str]  # feature → the word it came from (for AlignLink.shared_terms)


def _name_words(items: Sequence[AlignItem]) -> frozenset[str]:
    """Words of the names in any item (AlignItem.entities; for items without entities, their
    capitalised words after the first), lower case without accents, function words left out."""
    out: set[str] = set()
    stop = lexicons.all_stopwords()
    for it in items:
        if it.entities:
            words = [w for ent in it.entities for w in _WORD.findall(ent)]
        else:
            words = [w for w in _WORD.findall(it.text)[1:] if w[0].isupper()]
        for w in words:
            nw = _norm(w)
            if len(nw) >= 2 and nw not in stop and not nw[0].isdigit():
                out.add(nw)
    return frozenset(out)


def _featurize(item: AlignItem, lang: str, cognate_prefix: bool, name_words: frozenset[str]) -> _Features:
    """Features of one item.

    Rules, in order:
    1. Phrases of the bilingual lexicon ("United States", "EE. UU.", "estados unidos") become
       their concept id.
    2. Digit strings lose their separators ("10,000" and "10.000" → "#10000"); number words
       become the same features ("two", "dos" → "#2"); month and weekday names become "M:3",
       "W:5" whatever the language.
    3. A capitalised word that is part of a name anywhere in the input (see `_name_words`) is
       a name feature, kept whole ("N:sheinbaum"), so "Noem" opening one sentence meets "Noem"
       inside another.
    4. Other words: their stem's concept id if the bilingual lexicon has one; stopwords are
       dropped; the rest are stems, or cognate keys (a rewrite plus a 5-letter prefix) so that
       "tecnología"/"technology" and "presidente"/"president" meet.
    5. AlignItem.numbers add "=<value>" features (10000.0 → "=10000").
    """
    t = _tables(lang)
    text = item.text
    weights: dict[str, float] = defaultdict(float)
    surface: dict[str, str] = {}
    names: set[str] = set()
    masked = list(text)
    for h in t.phrases.finditer(text):
        f = "C:" + h.value
        weights[f] += 1
        surface.setdefault(f, h.value)
        for k in range(h.start, h.end):
            masked[k] = " "
    rest = "".join(masked)

    for m in _WORD.finditer(rest):
        w = m.group()
        if w[0].isdigit():
            f = "#" + re.sub(r"[.,\u00a0\u202f]", "", w)
            weights[f] += 1
            surface.setdefault(f, w)
            continue
        nw = _norm(w)
        for suffix in ("'s", "’s"):
            if nw.endswith(suffix):
                nw = nw[: -len(suffix)]
        if nw in t.numbers:
            f = t.numbers[nw]
            weights[f] += 1
            surface.setdefault(f, w)
            continue
        if nw in t.months and (lang != "en" or w[0].isupper()) and nw != "may":
            f = f"M:{t.months[nw]}"
            weights[f] += 1
            surface.setdefault(f, w)
            continue
        if nw in t.weekdays:
            f = f"W:{t.weekdays[nw]}"
            weights[f] += 1
            surface.setdefault(f, w)
            continue
        st = _stem(nw, lang)
        cid = t.concepts.get(st)
        if cid is not None:
            f = "C:" + cid
            weights[f] += 1
            surface.setdefault(f, cid)
            continue
        if nw in t.stopwords or len(nw) < 2:
            continue
        if w[0].isupper() and nw in name_words:
            f = "N:" + nw
            names.add(f)
        else:
            f = _cognate_key(st) if cognate_prefix else st
        weights[f] += 1
        surface.setdefault(f, w)

    numbers = set()
    for v in item.numbers:
        if v is None or not math.isfinite(v):
            continue
        f = f"={v:g}"
        numbers.add(f)
        weights[f] += 1
        surface.setdefault(f, f"{v:g}")
    return _Features(dict(weights), names, numbers, surface)


# ----------------------------------------------------------------------------- similarity


class Similarity(Protocol):
    """What `align` needs from a similarity: fit on all items, then propose and score pairs.

    A replacement (embeddings, a learned scorer) implements these three methods; blocking,
    clustering and the result format stay the same.
    """

    def fit(self, items: Sequence[AlignItem], config: AlignConfig) -> None: ...

    def candidate_edges(self) -> list[tuple[float, int, int]]:
        """(score, i, j) with i < j over item positions, items of different docs; any order.
        Pairs scoring under the config's floor may be left out (they count as 0)."""
        ...

    def explain(self, i: int, j: int) -> tuple[tuple[str, ...], tuple[float, ...], tuple[str, ...]]:
        """(shared terms, shared numbers, shared names) of a pair, for AlignLink."""
        ...

    def sentence_similarity(self, i: int, j: int) -> float:
        """Optional: similarity of two items on their own text, same document included; only
        `AlignConfig.same_doc_min` uses it, and is skipped for similarities without it."""
        ...


@dataclass
class TfidfSimilarity:
    """TF-IDF cosine over stems, bilingual concepts, names and numbers, in article context.

    Pair score, in order:
    1. cosine of the two items' vectors: tf = 1 + ln(count), idf = ln((1 + N) / (1 + df)) + 1,
       L2-normalised; a pair whose shared features are all names scores 0 (two sentences about
       the same people need not report the same claim);
    2. + number_bonus if they share a number value held by few items (under the df cut),
       + entity_bonus if they share such a name;
    3. × crosslingual_boost when their languages differ (capped at 1);
    4. geometric mean with the similarity of the two whole articles, weight doc_weight:
       sentences of articles about the same story are likelier to report the same claim, and a
       pair from unrelated articles (article similarity 0) scores 0.
    """

    items: Sequence[AlignItem] = ()
    config: AlignConfig = field(default_factory=AlignConfig)
    # article → story (parsers.stories): when set, only pairs inside one story are proposed
    stories: Mapping[str, str] | None = None
    # with stories: only items of these stories propose pairs (re-aligning what changed)
    only_stories: frozenset[str] | None = None
    # item key → (language, features), shared by similarities fitted on the same sentences
    # (events, claims and quote statements of one topic): featurizing is a third of the work
    feature_cache: dict | None = None

    @staticmethod
    def cached_features(cache: dict, items: Sequence[AlignItem]) -> dict:
        """The part of a feature cache that fitting `items` can read: their own entries and every
        wording's. A fit in another process given it featurizes as a fit here would."""
        wanted = {it.key for it in items}
        # keys: (item key, cognate_prefix) for an item, (language, text, ...) for a wording
        return {k: v for k, v in cache.items() if len(k) != 2 or k[0] in wanted}

    def fit(self, items: Sequence[AlignItem], config: AlignConfig) -> None:
        self.items = items
        self.config = config
        self._langs: list[str] = []
        self._features: list[_Features] = []
        cache = self.feature_cache if self.feature_cache is not None else {}
        name_words = None
        for it in items:
            hit = cache.get((it.key, config.cognate_prefix))
            if hit is None:
                # reprinted sentences (parsers.copies) are featurized once per wording
                wording = (it.language, it.text, it.numbers, it.entities, config.cognate_prefix)
                hit = cache.get(wording)
                if hit is None:
                    if name_words is None:
                        name_words = _name_words(items)
                    lang = lexicons.resolve_language(it.language, it.text) or "en"
                    hit = cache[wording] = (lang, _featurize(it, lang, config.cognate_prefix, name_words))
                cache[(it.key, config.cognate_prefix)] = hit
            self._langs.append(hit[0])
            self._features.append(hit[1])
        n = len(items)
        df: dict[str, int] = defaultdict(int)
        for f in self._features:
            for k in f.weights:
                df[k] += 1
        self._df = df
        self._cut = max(config.min_max_df, int(config.max_df * n))
        self._vectors: list[dict[str, float]] = []
        for f in self._features:
            v = {k: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[k])) + 1) for k, c in f.weights.items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            self._vectors.append({k: x / norm for k, x in v.items()})
        self._doc_sim = self._document_similarity() if config.doc_weight else {}

    def candidate_edges(self) -> list[tuple[float, int, int]]:
        """Pairs that share a feature under the document-frequency cut, scored exactly.

        The inverted index proposes; the score is the full cosine (features above the cut
        included), so the cut decides which pairs are looked at, never how a pair scores.
        With stories set, the index is kept per story and the cut is also relative to the
        story (`max_df_story`): a word every sentence of a big story uses (its own topic words)
        proposes nothing there. Each item keeps its `max_edges_per_item` best pairs (a pair
        stays if either end keeps it), so memory grows with the items, not with their pairs.
        """
        cfg = self.config
        doc_ids: dict[str, int] = {}
        docs = [doc_ids.setdefault(it.doc, len(doc_ids)) for it in self.items]
        story_of = None
        if self.stories is not None:
            story_ids: dict[str, int] = {}
            story_of = [0] * len(doc_ids)
            for name, d in doc_ids.items():
                story_of[d] = story_ids.setdefault(self.stories.get(name, name), len(story_ids))
        group = [story_of[d] for d in docs] if story_of is not None else [0] * len(docs)
        active = self.active_items()
        df, cut = self._df, self._cut
        # postings per (story, feature) list items in input order: item i finds itself at
        # ptr[key] and reads on
        postings: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
        for i, vec in enumerate(self._vectors):
            if active is not None and not active[i]:
                continue
            g = group[i]
            for k, x in vec.items():
                if 1 < df[k] <= cut:
                    postings[(g, k)].append((i, x))
        if story_of is not None:
            size: dict[int, int] = defaultdict(int)
            for g in group:
                size[g] += 1
            too_common = {key for key, plist in postings.items()
                          if len(plist) > max(cfg.min_max_df, cfg.max_df_story * size[key[0]])}
            for key in too_common:
                del postings[key]
        else:
            too_common = set()
        ptr = dict.fromkeys(postings, -1)
        floor = cfg.edge_floor if cfg.edge_floor is not None else min(cfg.avg_threshold, cfg.threshold)
        w = cfg.doc_weight
        boost = max(1.0, cfg.crosslingual_boost)
        bonus_max = cfg.number_bonus + cfg.entity_bonus
        doc_sim = {(doc_ids[a], doc_ids[b]): v for (a, b), v in self._doc_sim.items()}
        related: dict[int, set[int]] = defaultdict(set)  # articles with a context score > 0
        for a, b in doc_sim:
            related[a].add(b)
        vectors = self._vectors
        features = self._features
        keep = cfg.max_edges_per_item
        best: list[list[tuple[float, int]]] = [[] for _ in vectors] if keep else []
        edges: list[tuple[float, int, int]] = []
        for i, vec in enumerate(vectors):
            if active is not None and not active[i]:
                continue
            acc: dict[int, float] = {}
            content: set[int] = set()
            names = features[i].names
            di = docs[i]
            g = group[i]
            # with article context on, only articles similar to this one can yield a pair
            allowed = related[di] if w else None
            common = []
            for k, x in vec.items():
                key = (g, k)
                plist = postings.get(key)
                if plist is None:
                    if df[k] > cut or key in too_common:
                        common.append((k, x))
                    continue
                start = ptr[key] + 1
                ptr[key] = start
                is_content = k not in names
                for j, y in plist[start + 1:]:
                    dj = docs[j]
                    if dj == di or (allowed is not None and dj not in allowed):
                        continue
                    acc[j] = acc.get(j, 0.0) + x * y
                    if is_content:
                        content.add(j)
            for j, dot in acc.items():
                # article context first: it is one look-up and rules most pairs out
                if w:
                    ds = doc_sim.get((di, docs[j]), 0.0)
                    if ds <= 0.0:
                        continue
                    doc_term = ds ** w
                else:
                    doc_term = 1.0
                if common:
                    vj = vectors[j]
                    for k, x in common:
                        y = vj.get(k)
                        if y is not None:
                            dot += x * y
                            if k not in names:
                                content.add(j)
                if j not in content:
                    continue  # names only
                if min(1.0, (dot + bonus_max) * boost) ** (1 - w) * doc_term < floor:
                    continue  # cannot reach the floor whatever the bonuses
                score = self._score(i, j, dot)
                if score < floor:
                    continue
                if not keep:
                    edges.append((score, i, j))
                    continue
                for a, b in ((i, j), (j, i)):
                    heap = best[a]
                    if len(heap) < keep:
                        heapq.heappush(heap, (score, b))
                    elif score > heap[0][0]:
                        heapq.heapreplace(heap, (score, b))
        if keep:
            kept = {}
            for a, heap in enumerate(best):
                for score, b in heap:
                    kept[(a, b) if a < b else (b, a)] = score
            edges = [(score, i, j) for (i, j), score in kept.items()]
        return edges

    def active_items(self) -> list[bool] | None:
        """Per item, whether its story is one of `only_stories` (None: every item is)."""
        if self.only_stories is None or self.stories is None:
            return None
        return [self.stories.get(it.doc, it.doc) in self.only_stories for it in self.items]

    def particulars(self, prefixes: tuple[str, ...]) -> dict[str, dict[str, float]]:
        """Per article, how many of its sentences hold each feature starting with one of
        `prefixes` (names, numbers, months: what parsers.stories compares)."""
        out: dict[str, dict[str, float]] = {}
        for it, f in zip(self.items, self._features):
            d = out.setdefault(it.doc, defaultdict(float))
            for k in f.weights:
                if k.startswith(prefixes):
                    d[k] += 1
        return out

    def _document_similarity(self) -> dict[tuple[str, str], float]:
        """Cosine of whole articles (sums of their sentence vectors, re-weighted by article
        frequency), for article pairs sharing a feature that few articles hold; others are 0.
        With stories set, only pairs inside one story (the others could never be used)."""
        sums: dict[str, dict[str, float]] = {}
        for it, vec in zip(self.items, self._vectors):
            d = sums.setdefault(it.doc, defaultdict(float))
            for k, x in vec.items():
                d[k] += x
        names = list(sums)
        n = len(names)
        doc_df: dict[str, int] = defaultdict(int)
        for d in sums.values():
            for k in d:
                doc_df[k] += 1
        cut = max(self.config.min_max_df, int(0.05 * n))
        stories = self.stories or {}
        postings: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        for a, name in enumerate(names):
            v = {k: x * (math.log((1 + n) / (1 + doc_df[k])) + 1) for k, x in sums[name].items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            story = stories.get(name, name) if self.stories is not None else ""
            for k, x in v.items():
                if 1 < doc_df[k] <= cut:
                    postings[(story, k)].append((a, x / norm))
        sims: dict[tuple[int, int], float] = defaultdict(float)
        for plist in postings.values():
            for p, (a, x) in enumerate(plist):
                for b, y in plist[p + 1:]:
                    sims[(a, b)] += x * y
        out: dict[tuple[str, str], float] = {}
        for (a, b), v in sims.items():
            out[(names[a], names[b])] = out[(names[b], names[a])] = min(v, 1.0)
        return out

    def _score(self, i: int, j: int, dot: float) -> float:
        cfg = self.config
        fi, fj = self._features[i], self._features[j]
        s = dot
        cut = self._cut
        if cfg.number_bonus and any(self._df[k] <= cut for k in fi.numbers & fj.numbers):
            s += cfg.number_bonus
        if cfg.entity_bonus and any(self._df[k] <= cut for k in fi.names & fj.names):
            s += cfg.entity_bonus
        if self._langs[i] != self._langs[j]:
            s *= cfg.crosslingual_boost
        s = min(s, 1.0)
        if cfg.doc_weight:
            ds = self._doc_sim.get((self.items[i].doc, self.items[j].doc), 0.0)
            s = (s ** (1 - cfg.doc_weight)) * (ds ** cfg.doc_weight) if ds > 0 else 0.0
        return s

    def sentence_similarity(self, i: int, j: int) -> float:
        """Cosine of the two items' vectors, nothing else (used for sentences of one article)."""
        vi, vj = self._vectors[i], self._vectors[j]
        if len(vj) < len(vi):
            vi, vj = vj, vi
        return sum(x * vj[k] for k, x in vi.items() if k in vj)

    def explain(self, i: int, j: int) -> tuple[tuple[str, ...], tuple[float, ...], tuple[str, ...]]:
        fi, fj = self._features[i], self._features[j]
        shared = [k for k in fi.weights if k in fj.weights]
        terms = tuple(fi.surface[k] for k in shared if k not in fi.names and not k.startswith("="))
        numbers = tuple(sorted(float(k[1:]) for k in fi.numbers & fj.numbers))
        names = tuple(fi.surface[k] for k in shared if k in fi.names)
        return terms, numbers, names


# ----------------------------------------------------------------------------- grouping


def align(items: Sequence[AlignItem], *, threshold: float | None = None,
          config: AlignConfig | None = None, similarity: Similarity | None = None,
          stories: Mapping[str, str] | None = None, only_stories: frozenset[str] | None = None) -> AlignResult:
    """Group items that report the same claim; the same input gives the same output.

    `threshold` (default: the config's, DEFAULT_THRESHOLD) is the minimum pair score for a link;
    `config` holds the other knobs; `similarity` defaults to a new `TfidfSimilarity`; `stories`
    (article → story, see parsers.stories) keeps pairs inside one story, and `only_stories`
    limits the result to the items of those stories (scored with statistics of all items, so a
    story comes out the same whether it is aligned alone or with the others). Keys must
    be unique (ValueError otherwise). Groups are ordered by their first item's position in the
    input, members in input order; links by group, then best first.
    """
    keys = [it.key for it in items]
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        dup = next(k for k in keys if k in seen or seen.add(k))
        raise ValueError(f"align: duplicate item key {dup!r}; every AlignItem needs a unique key")
    cfg = config or AlignConfig()
    if threshold is not None and threshold != cfg.threshold:
        cfg = replace(cfg, threshold=threshold)
    if not items:
        return AlignResult([], [])
    sim = similarity if similarity is not None else TfidfSimilarity()
    if stories is not None:
        sim.stories = stories  # type: ignore[attr-defined]
        sim.only_stories = only_stories  # type: ignore[attr-defined]
    sim.fit(items, cfg)
    edges = sim.candidate_edges()
    edges.sort(key=lambda e: (-e[0], e[1], e[2]))
    groups = _cluster(items, edges, cfg, getattr(sim, "sentence_similarity", None))
    if stories is not None and only_stories is not None:
        groups = [g for g in groups if stories.get(items[g[0]].doc, items[g[0]].doc) in only_stories]
    group_of = {m: g for g, members in enumerate(groups) for m in members}
    links = []
    for score, i, j in edges:
        if score < cfg.threshold:
            break
        if group_of[i] == group_of[j]:
            terms, numbers, names = sim.explain(i, j)
            links.append((group_of[i], -score, i, j,
                          AlignLink(keys[i], keys[j], round(score, 4), terms, numbers, names)))
    links.sort(key=lambda t: t[:4])
    return AlignResult([[keys[m] for m in g] for g in groups], [t[4] for t in links])


def _cluster(items: Sequence[AlignItem], edges: list[tuple[float, int, int]], cfg: AlignConfig,
             sentence_similarity=None) -> list[list[int]]:
    """Single-link over the linkable edges, best edge first, with a guard against chaining.

    Why not plain single-link: news sentences chain (A shares a name and a number with B, B a
    phrase with C), and one chain can swallow a story. Why not full average-link: it needs the
    similarity of every pair, which the index exists to avoid. So edges are taken best first
    (Kruskal order) and an edge whose ends sit in different groups merges them only if the
    mean score over all cross-article pairs of the two groups (pairs under the floor count as
    0) reaches `avg_threshold`. A tight pair merges at once; a loose chain stops.
    Optional guards, off by default: `max_per_doc` caps the sentences of one article in a
    group; `same_doc_min` lets two sentences of one article share a group only if they are
    similar themselves (an article restating its claim, not two claims of one article).
    Ties are broken by item position, so the result does not depend on dict or set order.
    """
    n = len(items)
    docs = [it.doc for it in items]
    sim = {(i, j): score for score, i, j in edges}
    check_same_doc = cfg.same_doc_min is not None and sentence_similarity is not None
    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    per_doc: dict[int, dict[str, int]] = {i: {docs[i]: 1} for i in range(n)} if cfg.max_per_doc else {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _score, i, j in _linkable(edges, docs, cfg):
        a, b = find(i), find(j)
        if a == b:
            continue
        ma, mb = members[a], members[b]
        if len(ma) * len(mb) > cfg.max_cluster_pairs:
            continue
        if cfg.max_per_doc and any(c + per_doc[b].get(d, 0) > cfg.max_per_doc for d, c in per_doc[a].items()):
            continue
        total = 0.0
        count = 0
        same_doc_ok = True
        for x in ma:
            for y in mb:
                if docs[x] != docs[y]:
                    count += 1
                    total += sim.get((x, y) if x < y else (y, x), 0.0)
                elif check_same_doc and sentence_similarity(x, y) < cfg.same_doc_min:
                    same_doc_ok = False
        if not same_doc_ok or (count and total / count < cfg.avg_threshold):
            continue
        if len(ma) < len(mb):
            a, b, ma, mb = b, a, mb, ma
        parent[b] = a
        ma.extend(mb)
        del members[b]
        if cfg.max_per_doc:
            for d, c in per_doc.pop(b).items():
                per_doc[a][d] = per_doc[a].get(d, 0) + c
    return sorted((sorted(m) for m in members.values()), key=lambda g: g[0])


def _linkable(edges: list[tuple[float, int, int]], docs: list[str], cfg: AlignConfig) -> list[tuple[float, int, int]]:
    """Edges at or above the threshold, best first, that pass the per-article best-match rule.

    An article states a claim once, usually: between two articles, a sentence's counterpart is
    its best-matching sentence there. So an edge i–j links only if its score is within
    `doc_best_margin` (a share) of the best score of i against j's article, and of j against
    i's article. Without it a sentence links to every similar sentence of a similar article.
    """
    strong = [e for e in edges if e[0] >= cfg.threshold]
    if cfg.doc_best_margin is None:
        return strong
    best: dict[tuple[int, str], float] = {}
    for score, i, j in strong:
        for x, d in ((i, docs[j]), (j, docs[i])):
            if score > best.get((x, d), 0.0):
                best[(x, d)] = score
    keep = 1.0 - cfg.doc_best_margin
    return [(score, i, j) for score, i, j in strong
            if score >= keep * best[(i, docs[j])] and score >= keep * best[(j, docs[i])]]
