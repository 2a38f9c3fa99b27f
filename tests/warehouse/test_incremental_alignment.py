"""Adding articles re-aligns only the stories they join: the pure step (compute_alignment with
stored fingerprints) and the stored rows in a real DuckDB warehouse."""
from __future__ import annotations

import duckdb
import pytest

from tests.parsers.test_events import ARTICLES, make_items
from warehouse.analysis import compute_alignment, store_topic_alignment, stored_fingerprints
from warehouse.schema import ensure_schema

TOPIC = "t"
FIRST = ("wire-1", "daily-1", "ledger", "diario")


def inputs_of(docs):
    items = make_items({d: ARTICLES[d] for d in docs})
    return [(it, it.published) for it in items]


@pytest.fixture()
def con(empty_warehouse):
    return empty_warehouse


def snapshot(con, table):
    cols = {"claim_clusters": "claim_id, level, story_id, n_mentions", "claim_cluster_members": "level, sentence_id, claim_id",
            "claim_links": "level, sentence_a, sentence_b, score", "topic_stories": "article_id, story_id, fingerprint"}[table]
    return sorted(con.execute(f"select {cols} from {table} where topic_id = ?", [TOPIC]).fetchall())


def test_unchanged_stories_are_kept_and_changed_ones_realigned():
    first = compute_alignment(inputs_of(FIRST), [])
    assert first.reused == frozenset()
    grown = inputs_of(FIRST + ("wire-2", "daily-2"))  # a new story arrives
    again = compute_alignment(grown, [], first.fingerprints)
    meeting, player = again.stories["ledger"], again.stories["wire-1"]
    assert again.reused == {meeting, player}
    aligned = {k.split(":")[0] for g in again.claims.groups + again.events.groups for k in g}
    assert aligned == {"wire-2", "daily-2"}  # only the new story's sentences were aligned
    # the new story comes out exactly as a full run makes it
    full = compute_alignment(grown, [])
    new_story = {again.stories["wire-2"]}
    only_new = lambda groups: sorted(sorted(g) for g in groups  # noqa: E731
                                     if full.stories[g[0].split(":")[0]] in new_story)
    assert only_new(again.claims.groups) == only_new(full.claims.groups)
    assert only_new(again.events.groups) == only_new(full.events.groups)


def test_an_article_joining_a_story_realigns_that_story_only():
    first = compute_alignment(inputs_of(("wire-1", "ledger", "diario")), [])
    again = compute_alignment(inputs_of(("wire-1", "daily-1", "ledger", "diario")), [], first.fingerprints)
    assert again.reused == {again.stories["ledger"]}
    assert any({"wire-1:0", "daily-1:0"} <= set(g) for g in again.events.groups)


def test_stored_rows_survive_for_kept_stories(con):
    inputs = inputs_of(FIRST)
    store_topic_alignment(con, TOPIC, inputs, compute_alignment(inputs, []))
    before = {t: snapshot(con, t) for t in ("claim_clusters", "claim_cluster_members", "claim_links", "topic_stories")}
    assert before["claim_links"], "the first alignment linked nothing"
    # the same sentences again: every story is kept, nothing is rewritten
    again = compute_alignment(inputs, [], stored_fingerprints(con, TOPIC))
    assert again.reused == set(again.fingerprints) and again.claims.groups == []
    n = store_topic_alignment(con, TOPIC, inputs, again)
    assert {t: snapshot(con, t) for t in before} == before
    assert n == sum(1 for row in before["claim_clusters"] if row[1] == "claim")
    # a new story: the old rows stay, the new story's rows are added
    grown = inputs_of(FIRST + ("wire-2", "daily-2"))
    store_topic_alignment(con, TOPIC, grown, compute_alignment(grown, [], stored_fingerprints(con, TOPIC)))
    after = snapshot(con, "claim_links")
    assert set(before["claim_links"]) < set(after)
    assert any(a.startswith("wire-2") or b.startswith("wire-2") for _, a, b, _ in after)
    # here the groups equal a full re-alignment's; the kept story's scores are those of its own
    # run (word statistics moved a little when the new story arrived), so they are not compared
    full = duckdb.connect(":memory:")
    ensure_schema(full)
    store_topic_alignment(full, TOPIC, grown, compute_alignment(grown, []))
    assert [r[:3] for r in snapshot(full, "claim_links")] == [r[:3] for r in after]
    assert snapshot(full, "claim_cluster_members") == snapshot(con, "claim_cluster_members")
    full.close()


def test_a_story_that_lost_an_article_is_replaced_not_duplicated(con):
    inputs = inputs_of(FIRST)
    store_topic_alignment(con, TOPIC, inputs, compute_alignment(inputs, []))
    fewer = inputs_of(("wire-1", "ledger", "diario"))
    store_topic_alignment(con, TOPIC, fewer, compute_alignment(fewer, [], stored_fingerprints(con, TOPIC)))
    members = snapshot(con, "claim_cluster_members")
    assert not any(sid.startswith("daily-1") for _, sid, _ in members)
    per_sentence = con.execute("select sentence_id, count(*) from claim_cluster_members where level = 'claim' "
                               "group by sentence_id having count(*) > 1").fetchall()
    assert per_sentence == []


def test_claims_aligned_on_a_worker_process_come_out_as_aligned_here():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tests.parsers.test_copies import _inputs

    inputs = _inputs(3)  # reprints, so copies are collapsed and expanded on both paths
    quotes = [(it, at) for it, at in inputs if it.doc in ("ledger", "diario", "herald")]
    first = compute_alignment(inputs_of(("wire-1", "ledger", "diario")), [])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        for stored in ({}, first.fingerprints):  # every story, then only the changed ones
            here = compute_alignment(inputs, quotes, stored)
            there = compute_alignment(inputs, quotes, stored, executor=pool)
            assert there == here
            assert here.claims.groups and here.statements.groups


def test_the_cycle_collector_is_back_on_after_alignment_even_when_it_fails():
    import gc

    from warehouse.analysis import cycle_gc_paused

    assert gc.isenabled()
    with pytest.raises(AttributeError):
        compute_alignment([(object(), None)], [])  # not an alignment item
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
