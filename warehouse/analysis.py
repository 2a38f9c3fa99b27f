"""Between the pure text analysis in parsers/ and the warehouse tables.

Two steps, each a short write: (1) sentences and claim features for every version of a topic's
relevant articles not yet analysed by this analyzer version; (2) alignment of the topic's current
claim sentences into stories, events and cross-outlet claims, replaced story by story: a story
whose sentences changed is aligned again as a whole (no stale cluster survives inside it), a
story whose sentences did not change keeps its stored rows.
"""
from __future__ import annotations

import functools
import gc
import re
from collections import Counter
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Mapping, Sequence

import duckdb

from parsers.align import AlignConfig, AlignItem, AlignResult, TfidfSimilarity, align
from parsers.claims import extract_claim_remembered
from parsers import copies
from parsers.events import EventConfig, align_events, narrow_context, prepare_events
from parsers.records import stable_id
from parsers.sentences import Sentence, split_sentences
from warehouse.db import transaction
from warehouse.load import merge_rows

# Bumped when sentence splitting or claim extraction changes, so stored analyses are redone.
ANALYZER_VERSION = "0.2.0"  # 0.2.0: negations
ALIGN_METHOD = "lexical-tfidf-v3"  # v2: sentences are compared only inside a story; v3: copies once (parsers.copies)
EVENT_METHOD = "story-quasi-clique-v1"
# Two granularities (see the claim_clusters table), both inside stories (parsers.stories):
# claims must not chain two statements of one article through a third sentence, so two
# sentences of one article share a claim only when they are similar themselves (same_doc_min);
# events (parsers.events) group what is said about one happening and may overlap.
CLAIM_ALIGN_CONFIG = AlignConfig(same_doc_min=0.35)
EVENT_CONFIG = EventConfig()
# Quote-bearing sentences are grouped into statements with a looser threshold than claims: a
# quoted statement is paraphrased and translated more freely than the facts around it ("options"
# vs "a list of things"), and only quote-bearing sentences compete, which limits chaining.
QUOTE_ALIGN_CONFIG = AlignConfig(threshold=0.2)
# Fragments shorter than this (bylines, "Read more", stray captions) carry no claim.
MIN_CLAIM_WORDS = 4
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class VersionText:
    version_id: str
    article_id: str
    title: str | None
    body: str
    language: str | None
    published: datetime | None


@dataclass
class AnalysisBatch:
    version_ids: list[str] = field(default_factory=list)
    sentences: list[tuple] = field(default_factory=list)
    claims: list[tuple] = field(default_factory=list)
    numbers: list[tuple] = field(default_factory=list)
    dates: list[tuple] = field(default_factory=list)
    quotes: list[tuple] = field(default_factory=list)
    terms: list[tuple] = field(default_factory=list)


def versions_to_analyze(con: duckdb.DuckDBPyConnection, topic_id: str) -> list[str]:
    """The ids of every version of the topic's relevant articles that this analyzer has not yet
    processed, in id order (ids only: the texts are read a chunk at a time, `version_texts`)."""
    rows = con.execute(
        """
        select v.version_id
        from article_versions v
        join topic_articles t on t.article_id = v.article_id and t.topic_id = ? and t.relevant
        where not exists (
            select 1 from claims c
            where c.version_id = v.version_id and c.analyzer_version = ?
        )
        order by v.version_id
        """,
        [topic_id, ANALYZER_VERSION],
    ).fetchall()
    return [r[0] for r in rows]


def version_texts(con: duckdb.DuckDBPyConnection, version_ids: Sequence[str]) -> list[VersionText]:
    """The texts of these versions, in id order."""
    rows = con.execute(
        """
        select version_id, article_id, title, body, language, published
        from article_versions where version_id in (select unnest($ids::varchar[]))
        order by version_id
        """,
        {"ids": list(version_ids)},
    ).fetchall()
    return [VersionText(*r) for r in rows]


def _title_sentence(title: str) -> Sentence:
    return Sentence(idx=0, paragraph=-1, start=0, end=len(title), text=title)


def analyze_versions(versions: Sequence[VersionText]) -> AnalysisBatch:
    """Split and analyse texts; the offsets in every row index the stored title or body."""
    batch = AnalysisBatch()
    for v in versions:
        batch.version_ids.append(v.version_id)
        parts: list[tuple[str, Sentence]] = []
        if v.title and v.title.strip():
            parts.append(("title", _title_sentence(v.title)))
        parts += [("body", s) for s in split_sentences(v.body or "", v.language)]
        for fld, s in parts:
            sid = stable_id(v.version_id, fld, s.idx)
            batch.sentences.append(
                (sid, v.version_id, v.article_id, fld, s.idx, s.paragraph, s.start, s.end, s.text, v.language)
            )
            if len(_WORD.findall(s.text)) < MIN_CLAIM_WORDS:
                continue
            c = extract_claim_remembered(s, language=v.language, published=v.published)
            batch.claims.append((
                sid, v.version_id, v.article_id, c.kind, c.speaker, c.attribution_verb,
                c.attribution_class, list(c.sources), list(c.hedges), list(c.entities), ANALYZER_VERSION,
                list(c.negations), list(c.negation_scope),
            ))
            batch.numbers += [(sid, i, n.raw, n.value, n.unit, n.concept, n.qualifier, n.start, n.end)
                              for i, n in enumerate(c.numbers)]
            batch.dates += [(sid, i, d.raw, d.value, d.precision, d.resolved, d.start, d.end)
                            for i, d in enumerate(c.dates)]
            batch.quotes += [(sid, i, q.text, q.speaker, q.start, q.end) for i, q in enumerate(c.quotes)]
            batch.terms += [(sid, i, t.term, t.category, t.start, t.end) for i, t in enumerate(c.terms)]
    return batch


_TABLES = {
    "sentences": ["sentence_id", "version_id", "article_id", "field", "idx", "paragraph",
                  "start_char", "end_char", "text", "language"],
    "claims": ["sentence_id", "version_id", "article_id", "kind", "speaker", "attribution_verb",
               "attribution_class", "sources", "hedges", "entities", "analyzer_version", "negations",
               "negation_scope"],
    "claim_numbers": ["sentence_id", "idx", "raw", "value", "unit", "concept", "qualifier",
                      "start_char", "end_char"],
    "claim_dates": ["sentence_id", "idx", "raw", "value", "precision", "resolved", "start_char", "end_char"],
    "claim_quotes": ["sentence_id", "idx", "text", "speaker", "start_char", "end_char"],
    "claim_terms": ["sentence_id", "idx", "term", "category", "start_char", "end_char"],
}


def store_analysis(con: duckdb.DuckDBPyConnection, batch: AnalysisBatch) -> None:
    """Replace the analysis of the batch's versions (delete, then insert) in one transaction."""
    if not batch.version_ids:
        return
    con.execute("create or replace temp table _versions(version_id varchar)")
    appender = con.appender("_versions")
    appender.append_rows([(v,) for v in batch.version_ids])
    appender.flush()
    with transaction(con):
        for child in ("claim_numbers", "claim_dates", "claim_quotes", "claim_terms"):
            con.execute(
                f"delete from {child} where sentence_id in (select sentence_id from sentences "
                f"where version_id in (select version_id from _versions))"
            )
        for table in ("claims", "sentences"):
            con.execute(f"delete from {table} where version_id in (select version_id from _versions)")
        for table, rows in (
            ("sentences", batch.sentences), ("claims", batch.claims), ("claim_numbers", batch.numbers),
            ("claim_dates", batch.dates), ("claim_quotes", batch.quotes), ("claim_terms", batch.terms),
        ):
            cols = _TABLES[table]
            merge_rows(con, table, cols, rows, cols[:2] if table.startswith("claim_") else cols[:1])
    con.execute("drop table _versions")


def alignment_inputs(
    con: duckdb.DuckDBPyConnection, topic_id: str, *, quotes_only: bool = False
) -> list[tuple[AlignItem, datetime | None]]:
    """The topic's current claim sentences (or only those holding a quote) as alignment items,
    with their publication time."""
    quote_filter = (
        "and exists (select 1 from claim_quotes q where q.sentence_id = c.sentence_id)" if quotes_only else ""
    )
    rows = con.execute(
        f"""
        select c.sentence_id, c.article_id, c.outlet_id, c.language, c.sentence_text,
               case when c.field = 'title' then 0 else c.idx + 1 end as position,
               coalesce((select list(n.value order by n.idx) from claim_numbers n
                         where n.sentence_id = c.sentence_id and n.value is not null), []) as numbers,
               coalesce(c.entities, []) as entities,
               c.published_at,
               -- a first-seen time is when we looked, not when the outlet published: no story window
               case when c.date_basis <> 'first_seen' then c.published_at end as dated_at
        from int_topic_claims c
        where c.topic_id = ? {quote_filter}
        order by c.sentence_id
        """,
        [topic_id],
    ).fetchall()
    return [
        (AlignItem(key=r[0], doc=r[1], outlet=r[2], language=r[3], text=r[4], position=r[5],
                   numbers=tuple(r[6]), entities=tuple(r[7]), published=r[9]), r[8])
        for r in rows
    ]


@contextmanager
def cycle_gc_paused():
    """Python's cycle collector off for the block (or the decorated function). Alignment and
    its storing allocate millions of small dicts, tuples and lists that form no cycles, and
    every collection of the oldest generation walks all of them again: at 10,000 articles it
    cost 5 s of compute_alignment's 30 s and 2.5 s of storing's 7.8 s, for the same peak
    memory. Reference counting still frees everything; the collector is back on after the
    block, also when it raises, unless it was off before."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _story_ids(topic_id: str, stories: Mapping[str, str] | None
               ) -> tuple[Callable[[str], str], Callable[[str], str | None]]:
    """(story key → story id, article → the id of its story or None without stories), each id
    hashed once: every member, link and copy row names its story, and hashing per row was a
    third of storing."""
    of_key = functools.cache(lambda key: stable_id(topic_id, "story", key))
    if stories is None:
        return of_key, lambda article_id: None
    return of_key, lambda article_id: of_key(stories.get(article_id, article_id))


def _groups_rows(topic_id: str, level: str, result: AlignResult,
                 by_key: dict[str, tuple[AlignItem, datetime | None]], now: datetime,
                 story_id: Callable[[str], str | None]):
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    clusters, members = [], []
    method = ALIGN_METHOD if level == "claim" else EVENT_METHOD
    for group in result.groups:
        # claims partition the sentences, so the smallest member names a claim; event groups
        # overlap and two may share their smallest member, so all members name an event
        claim_id = stable_id(topic_id, level, min(group)) if level == "claim" else stable_id(topic_id, level, *sorted(group))
        # The label is the earliest-published wording: what the claim looked like when it broke.
        first = min(group, key=lambda k: (by_key[k][1] or far_future, k))
        items = [by_key[k][0] for k in group]
        clusters.append([
            claim_id, topic_id, level, None, by_key[first][0].text, len(group),
            len({i.doc for i in items}), len({i.outlet for i in items}), method, now,
            story_id(items[0].doc),
        ])
        members += [(topic_id, level, k, claim_id) for k in group]
    links = [
        (topic_id, level, min(l.a, l.b), max(l.a, l.b), float(l.score), list(l.shared_terms),
         [float(n) for n in l.shared_numbers], list(l.shared_entities),
         story_id(by_key[l.a][0].doc))
        for l in result.links
    ]
    return clusters, members, links


def _delete_scope(keep: Sequence[str]) -> str:
    """Rows of a topic that a new alignment replaces: all but the kept stories' (a where clause)."""
    if not keep:
        return "topic_id = $topic"
    return "topic_id = $topic and (story_id is null or story_id not in (select unnest($keep::varchar[])))"


def store_alignment(
    con: duckdb.DuckDBPyConnection,
    topic_id: str,
    inputs: Sequence[tuple[AlignItem, datetime | None]],
    claims: AlignResult,
    events: AlignResult | None = None,
    stories: Mapping[str, str] | None = None,
    *,
    statements: AlignResult | None = None,
    fingerprints: Mapping[str, str] | None = None,
    reused: Iterable[str] = (),
    copy_pairs: Sequence[tuple[str, str]] = (),
) -> int:
    """Replace the topic's alignment, except the stories in `reused` (story keys) whose rows stay.

    Writes claims (and events, statements, and stories with their fingerprints) with their
    memberships and link evidence, in one transaction. Returns the number of claim-level
    clusters written. `copy_pairs` (sentence, the sentence it copies word for word; see
    parsers.copies) go to sentence_copies: a copy's links are its original's. Each claim points to the event group that holds most of its sentences
    (events overlap: a sentence votes for each of its groups).
    """
    by_key = {item.key: (item, published) for item, published in inputs}
    now = datetime.now(timezone.utc)
    story_of_key, story_id = _story_ids(topic_id, stories)
    clusters, members, links = _groups_rows(topic_id, "claim", claims, by_key, now, story_id)
    n_claims = len(clusters)
    if events is not None:
        e_clusters, e_members, e_links = _groups_rows(topic_id, "event", events, by_key, now, story_id)
        events_of: dict[str, list[str]] = {}
        for _, _, sid, eid in e_members:
            events_of.setdefault(sid, []).append(eid)
        claim_members: dict[str, list[str]] = {}
        for _, _, sid, cid in members:
            claim_members.setdefault(cid, []).append(sid)
        for c in clusters:
            votes = Counter(e for s in claim_members[c[0]] for e in events_of.get(s, ()))
            c[3] = min(votes, key=lambda e: (-votes[e], e)) if votes else None
        clusters += e_clusters
        members += e_members
        links += e_links
    statement_rows = []
    for group in (statements.groups if statements is not None else ()):
        statement_id = stable_id(topic_id, "statement", min(group))
        story = story_id(by_key[group[0]][0].doc)
        statement_rows += [(topic_id, k, statement_id, story) for k in group]
    story_rows = []
    if stories is not None:
        by_story: dict[str, list[str]] = {}
        for article in sorted({item.doc for item, _ in inputs}):
            by_story.setdefault(stories.get(article, article), []).append(article)
        for key, group in by_story.items():
            fingerprint = (fingerprints or {}).get(key)
            story_rows += [(topic_id, a, story_of_key(key), len(group), fingerprint) for a in group]
    keep = sorted(story_of_key(key) for key in reused)
    params = {"topic": topic_id, "keep": keep} if keep else {"topic": topic_id}
    with transaction(con):
        con.execute(
            "delete from claim_cluster_members where topic_id = $topic and claim_id in "
            f"(select claim_id from claim_clusters where {_delete_scope(keep)})", params)
        for table in ("claim_clusters", "claim_links"):
            con.execute(f"delete from {table} where {_delete_scope(keep)}", params)
        if statements is not None:
            con.execute(f"delete from quote_statements where {_delete_scope(keep)}", params)
            merge_rows(con, "quote_statements", ["topic_id", "sentence_id", "statement_id", "story_id"],
                       statement_rows, ["topic_id", "sentence_id"])
        con.execute(f"delete from sentence_copies where {_delete_scope(keep)}", params)
        merge_rows(con, "sentence_copies", ["topic_id", "sentence_id", "copy_of", "story_id"],
                   [(topic_id, c, rep, story_id(by_key[rep][0].doc)) for c, rep in copy_pairs],
                   ["topic_id", "sentence_id"])
        if stories is not None:
            con.execute("delete from topic_stories where topic_id = ?", [topic_id])
            merge_rows(con, "topic_stories", ["topic_id", "article_id", "story_id", "n_articles", "fingerprint"],
                       story_rows, ["topic_id", "article_id"])
        merge_rows(con, "claim_clusters",
                   ["claim_id", "topic_id", "level", "event_id", "label", "n_mentions", "n_articles",
                    "n_outlets", "method", "aligned_at", "story_id"],
                   [tuple(c) for c in clusters], ["claim_id"])
        merge_rows(con, "claim_cluster_members", ["topic_id", "level", "sentence_id", "claim_id"], members,
                   ["topic_id", "level", "sentence_id", "claim_id"])
        merge_rows(con, "claim_links",
                   ["topic_id", "level", "sentence_a", "sentence_b", "score", "shared_terms", "shared_numbers",
                    "shared_entities", "story_id"],
                   links, ["topic_id", "level", "sentence_a", "sentence_b"])
    return n_claims


@dataclass(frozen=True, slots=True)
class TopicAlignment:
    claims: AlignResult  # of the re-aligned stories only
    events: AlignResult
    statements: AlignResult
    stories: dict[str, str]  # article → story key, every article
    fingerprints: dict[str, str]  # story key → what its alignment was computed from
    reused: frozenset[str] = frozenset()  # story keys whose stored alignment still holds
    copies: tuple[tuple[str, str], ...] = ()  # (sentence, the sentence it copies), re-aligned stories only


def story_fingerprints(items: Sequence[AlignItem], stories: Mapping[str, str]) -> dict[str, str]:
    """Story key → a hash of its sentences and of the alignment methods: a story whose
    fingerprint is unchanged since its last alignment need not be aligned again."""
    by_story: dict[str, list[str]] = {}
    for it in items:
        by_story.setdefault(stories.get(it.doc, it.doc), []).append(it.key)
    return {key: stable_id(ANALYZER_VERSION, ALIGN_METHOD, EVENT_METHOD, *sorted(keys))
            for key, keys in by_story.items()}


def stored_fingerprints(con: duckdb.DuckDBPyConnection, topic_id: str) -> dict[str, str]:
    """Story key (its smallest article id) → fingerprint of the topic's stored alignment."""
    rows = con.execute(
        "select min(article_id), any_value(fingerprint) from topic_stories "
        "where topic_id = ? and fingerprint is not null group by story_id", [topic_id]).fetchall()
    return {key: fp for key, fp in rows}


@cycle_gc_paused()
def compute_alignment(
    inputs: Sequence[tuple[AlignItem, datetime | None]],
    quote_inputs: Sequence[tuple[AlignItem, datetime | None]],
    stored: Mapping[str, str] | None = None,
    executor: Executor | None = None,
) -> TopicAlignment:
    """Stories, events, claims and quote statements of one topic (pure: no database).

    Stories come first (parsers.events.prepare_events); events, claims and statements are then
    aligned inside stories, and only for the stories whose fingerprint differs from `stored`
    (story key → fingerprint of the stored alignment): adding articles re-aligns the stories
    they join, not the topic. Sentences reprinted word for word inside a story are aligned once
    (parsers.copies) and their copies join the groups afterwards. Sentence statistics are
    always fitted on all the topic's distinct wordings, so a re-aligned story comes out as a
    full run would make it; a kept story keeps the statistics of its own run.

    With an `executor` (a process pool), claims and statements are aligned on one of its
    processes while this one aligns events: once the stories are known the two are independent,
    and each is about a third of the work. The result is the same as without.
    """
    items = [item for item, _ in inputs]
    doc_of = {it.key: it.doc for it in items}
    features: dict = {}  # one featurization of each sentence for all three alignments
    context = prepare_events(items, EVENT_CONFIG, features)
    fingerprints = story_fingerprints(items, context.stories)
    reused = frozenset(k for k, fp in fingerprints.items() if (stored or {}).get(k) == fp)
    changed = frozenset(fingerprints) - reused
    # stories need every article; the sentence alignments only each story's distinct wordings
    forms = copies.collapse(items, context.stories)
    quote_forms = copies.collapse([item for item, _ in quote_inputs], context.stories)
    event_context = narrow_context(context, forms.items, EVENT_CONFIG, features)
    if executor is None:
        events = align_events(forms.items, EVENT_CONFIG, only_stories=changed, context=event_context)
        claims, statements = align_claims_and_statements(
            forms.items, quote_forms.items, context.stories, changed, features)
    else:
        # the worker gets the features as they stand now, so it scores exactly as this
        # process would have after the events' fit
        cache = TfidfSimilarity.cached_features(features, [*forms.items, *quote_forms.items])
        pending = executor.submit(align_claims_and_statements, forms.items, quote_forms.items,
                                  context.stories, changed, cache)
        events = align_events(forms.items, EVENT_CONFIG, only_stories=changed, context=event_context)
        claims, statements = pending.result()
    return TopicAlignment(
        claims=copies.expand(claims, forms),
        events=copies.expand(events.events, forms),
        statements=copies.expand(statements, quote_forms),
        stories=context.stories,
        fingerprints=fingerprints,
        reused=reused,
        copies=tuple((c, rep) for c, rep in forms.copy_pairs
                     if context.stories.get(doc_of[rep], doc_of[rep]) in changed),
    )


@cycle_gc_paused()
def align_claims_and_statements(forms: Sequence[AlignItem], quote_forms: Sequence[AlignItem],
                                stories: Mapping[str, str], changed: frozenset[str],
                                features: dict) -> tuple[AlignResult, AlignResult]:
    """The claim and quote-statement levels of `compute_alignment`, over the forms of the
    changed stories (a function of its own so that a worker process can run it)."""
    claims = align(forms, config=CLAIM_ALIGN_CONFIG, stories=stories, only_stories=changed,
                   similarity=TfidfSimilarity(feature_cache=features))
    statements = align(quote_forms, config=QUOTE_ALIGN_CONFIG, stories=stories, only_stories=changed,
                       similarity=TfidfSimilarity(feature_cache=features))
    return claims, statements


@cycle_gc_paused()
def store_topic_alignment(con: duckdb.DuckDBPyConnection, topic_id: str,
                          inputs: Sequence[tuple[AlignItem, datetime | None]], result: TopicAlignment) -> int:
    """Store `result` (kept stories stay as stored); returns the topic's number of claims."""
    store_alignment(con, topic_id, inputs, result.claims, result.events, result.stories,
                    statements=result.statements, fingerprints=result.fingerprints, reused=result.reused,
                    copy_pairs=result.copies)
    return con.execute("select count(*) from claim_clusters where topic_id = ? and level = 'claim'",
                       [topic_id]).fetchone()[0]


def align_topic(con: duckdb.DuckDBPyConnection, topic_id: str, *, full: bool = False) -> int:
    """Read, align and store one topic in one call (for scripts; the flow splits the steps so
    that the warehouse is not held open while aligning). `full` re-aligns every story."""
    inputs = alignment_inputs(con, topic_id)
    quotes = alignment_inputs(con, topic_id, quotes_only=True)
    stored = {} if full else stored_fingerprints(con, topic_id)
    return store_topic_alignment(con, topic_id, inputs, compute_alignment(inputs, quotes, stored))
