"""Every difference built into the sample edition is visible from the views (the README shows the
same queries). Assertions name outlets and values, not row counts, so a view that stops finding a
difference fails here."""
from __future__ import annotations

import pytest

from warehouse.db import session

pytestmark = pytest.mark.flow


def q(demo, sql, *params):
    with session(demo["db"], read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_meeting_date_differs(demo_runs):
    conflicts = q(demo_runs, "select date_a, outlets_a, date_b, outlets_b from cmp_date_discrepancies")
    assert any(a == "2025-02" and "Diario del Valle" in oa and b == "2025-03-28" for a, oa, b, _ in conflicts)
    # the same question asked of every meeting sentence, as the README does
    said = dict(q(demo_runs, """
        select m.outlet, list(distinct d.value) from claim_mentions m join claim_dates d using (sentence_id)
        where m.level = 'claim' and regexp_matches(m.sentence_text, '(?i)\\bmet\\b|se reuni')
          and d.precision in ('day', 'month')
        group by m.outlet"""))
    assert said["Latin Affairs Daily"] == ["2025-04-01"]
    assert said["Diario del Valle"] == ["2025-02"]
    assert "2025-03-28" in said["The Northern Ledger"]


def test_the_matrix_marks_the_february_meeting_as_contradicted(demo_runs):
    got = q(demo_runs, """
        select outlet, manner, contradiction from cmp_claim_coverage
        where how = 'contradicted' and list_contains(contradiction, 'date: 2025-02 here; 2025-03-28 at Frontera Hoy')""")
    assert got == [("Diario del Valle", "asserted", ["date: 2025-02 here; 2025-03-28 at Frontera Hoy"])]
    # Frontera Hoy, which dates it to March 28 with The Northern Ledger, is not marked for it
    assert q(demo_runs, """select count(*) from int_claim_conflicts
                           where outlet = 'Frontera Hoy' and aspect = 'date' and contradicted""") == [(0,)]


def test_meeting_length_differs(demo_runs):
    rows = q(demo_runs, "select variant_a, outlets_a, variant_b, outlets_b from cmp_number_discrepancies "
                        "where concept = 'duration'")
    assert ("more than 2 h", ["The Northern Ledger"]) in [(r[0], r[1]) for r in rows]
    assert any(r[2] == "nearly 2 h" and "Harbor Wire" in r[3] for r in rows)
    # "instead of the scheduled 30 minutes" is the planned length, not a competing figure
    assert not any("30 min" in (r[0] + r[2]) for r in rows)


def test_whose_biometric_data(demo_runs):
    rows = dict(q(demo_runs, "select outlet, only_here from cmp_wording_variants "
                             "where sentence_text ilike '%biometric data on%'"))
    assert {"all", "mexicans"} <= set(rows["Capital Sentinel"])
    texts = dict(q(demo_runs, "select outlet, string_agg(sentence_text, ' ') from claim_mentions "
                              "where level = 'claim' and regexp_matches(sentence_text, '(?i)biom[eé]tric') group by 1"))
    assert "migrants and travellers" in texts["Harbor Wire"]
    assert "on Mexicans" in texts["Latin Affairs Daily"]
    assert "presuntos delincuentes" in texts["El Observador Nacional"]


def test_three_versions_of_the_fox_news_quote(demo_runs):
    rows = q(demo_runs, "select outlet, quote_text, pronouns from cmp_quote_variants")
    quotes = {(o, t.rstrip(".,")) for o, t, _ in rows}
    assert ("The Northern Ledger", "options") in quotes
    assert ("Harbor Wire", "a list of things that President Trump would love to see") in quotes
    him = [o for o, _, p in rows if "him" in p]
    assert him == ["Latin Affairs Daily"]


def test_attribution_drift(demo_runs):
    rows = dict(q(demo_runs, """
        select outlet, sentence_text from claim_mentions
        where level = 'claim' and regexp_matches(sentence_text, 'dispuesta a discutirlo|se alcanzó un acuerdo')"""))
    assert "El Observador Nacional" in rows and "Diario del Valle" in rows
    assert any(r[0] == "attributed" for r in q(demo_runs, "select attribution from cmp_attribution"))


def test_sent_extradited_transferred(demo_runs):
    rows = dict(q(demo_runs, "select outlet, only_here from cmp_wording_variants where sentence_text like '%29 cartel%'"))
    assert "extradited" in rows["Capital Sentinel"]
    assert "transferred" in rows["Gulf Coast Tribune"]
    edits = q(demo_runs, "select change, sentence_text from cmp_article_edits where outlet = 'Gulf Coast Tribune'")
    assert any(c == "removed" and "extradited 29" in t for c, t in edits)
    assert any(c == "added" and "transferred 29" in t for c, t in edits)


def test_memorandum_dates(demo_runs):
    rows = q(demo_runs, """
        select m.outlet, d.value from claim_mentions m join claim_dates d using (sentence_id)
        where m.level = 'claim' and regexp_matches(m.sentence_text, '(?i)memor[aá]nd')""")
    assert ("The Northern Ledger", "2022-07") in rows
    assert ("Frontera Hoy", "2022") in rows


def test_numbers(demo_runs):
    tariffs = q(demo_runs, "select variant_a, outlets_a, variant_b from cmp_number_discrepancies where concept = 'tariff'")
    assert ("20%", ["Diario del Valle"], "25%") in tariffs
    # 10,000 troops and 12 million people are reported alike everywhere: no discrepancy
    assert q(demo_runs, "select count(*) from cmp_number_discrepancies where concept in ('troops', 'people')") == [(0,)]
    troops = q(demo_runs, """select count(distinct c.outlet) from claim_numbers n join int_topic_claims c using (sentence_id)
                             where n.concept = 'troops' and n.value = 10000""")
    assert troops[0][0] >= 7


def test_loaded_language(demo_runs):
    rows = q(demo_runs, "select outlet, category, terms from cmp_loaded_language")
    lad = {c: t for o, c, t in rows if o == "Latin Affairs Daily"}
    assert "did not mince words" in lad["intensity"] and "excuse" in lad["excuse"] and "demands" in lad["demand"]
    neutral = {o for o, c, t in rows if c == "neutral-request" and ("options" in t or "opciones" in t)}
    assert "Latin Affairs Daily" not in neutral and neutral


def test_omitted_answer(demo_runs):
    rows = q(demo_runs, "select outlet, source_outlet, left_out from cmp_wire_copies")
    cs = [r for r in rows if r[0] == "Capital Sentinel" and r[1] == "Harbor Wire"]
    assert cs, rows
    assert any("signed no agreement" in s and "biometric registry" in s for s in cs[0][2])


def test_stories_and_events_cross_languages(demo_runs):
    # one meeting, nine articles in two languages: one story (the tariff follow-up names the
    # same people and numbers within the window, so it is part of it)
    stories = q(demo_runs, "select story_id, count(*), max(n_articles) from topic_stories group by story_id")
    assert len(stories) == 1 and stories[0][1] == stories[0][2] == 9
    # the troop deployment meets across languages at event level
    groups = q(demo_runs, """
        select claim_id, list(distinct language), list(distinct outlet) from claim_mentions
        where level = 'event' and regexp_matches(sentence_text, '10[.,]000|10 mil')
          and regexp_matches(sentence_text, '(?i)guard|guardia')
        group by claim_id""")
    assert any({"en", "es"} <= set(langs) and "Diario del Valle" in outlets for _, langs, outlets in groups)


def test_claims_partition_events_overlap(demo_runs):
    per_sentence = q(demo_runs, """
        select level, max(n), min(n) from (
            select level, sentence_id, count(*) n from claim_mentions group by level, sentence_id)
        group by level order by level""")
    levels = {lvl: (hi, lo) for lvl, hi, lo in per_sentence}
    assert levels["claim"] == (1, 1)  # a claim-level sentence reports one claim
    assert levels["event"][1] == 1 and levels["event"][0] >= 2  # some sentences mention two happenings
    # every event link joins two articles of one story
    crossing = q(demo_runs, """
        select count(*) from claim_links l
        join sentences a on a.sentence_id = l.sentence_a join sentences b on b.sentence_id = l.sentence_b
        join topic_stories sa on sa.article_id = a.article_id and sa.topic_id = l.topic_id
        join topic_stories sb on sb.article_id = b.article_id and sb.topic_id = l.topic_id
        where sa.story_id <> sb.story_id""")
    assert crossing == [(0,)]


def test_outlet_profile(demo_runs):
    profile = {r[0]: r[1:] for r in q(demo_runs, """
        select outlet, coverage_share, n_cannot_judge, loaded_per_1000_words, top_category, unreadable_outcomes
        from cmp_outlet_profile""")}
    # the opinion piece carries least of the shared story and the most loaded wording
    assert profile["Latin Affairs Daily"][2] == max(p[2] for p in profile.values())
    assert profile["Latin Affairs Daily"][3] == "demand"  # three words each with intensity: a tie goes by name
    # the blocked outlet is not ranked, and says why
    assert profile["Metro Courier"][0] is None and profile["Metro Courier"][1] > 0
    assert profile["Metro Courier"][4] == ["blocked"]
    assert all(p[0] is not None for o, p in profile.items() if o != "Metro Courier")
