"""View tests on an in-memory warehouse holding a tiny hand-made story (tiny_story.py)."""
from __future__ import annotations

import pytest

from tests.warehouse import tiny_story
from warehouse.schema import build_views, view_files


@pytest.fixture(scope="module")
def con():
    c = tiny_story.build()
    yield c
    c.close()


def rows(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


@pytest.mark.parametrize("view", view_files(), ids=lambda v: v.name)
def test_declared_key_is_unique_and_not_null(con, view):
    keys = view.key_columns
    assert keys, f"{view.name} declares no key"
    cols = ", ".join(keys)
    dupes = rows(con, f"select {cols}, count(*) from {view.name} group by all having count(*) > 1")
    assert dupes == [], f"{view.name}: duplicate keys {dupes[:3]}"
    nulls = rows(con, f"select count(*) from {view.name} where " + " or ".join(f"{k} is null" for k in keys))
    assert nulls == [(0,)]
    assert rows(con, f"select count(*) from {view.name}")[0][0] > 0, f"{view.name} is empty on the tiny story"


def test_views_rebuild_idempotently(con):
    first = build_views(con)
    assert build_views(con) == first
    assert first[0].startswith("stg_") and first[-1].startswith("cmp_")
    assert first.index("claim_mentions") < first.index("cmp_claim_coverage")


def test_stg_articles_picks_latest_version(con):
    (n_versions, body), = rows(con, "select n_versions, body from stg_articles where outlet = 'Beta'")
    assert n_versions == 2 and "20%" in body and "30%" not in body


def test_topic_outlets_tell_unreadable_from_off_topic(con):
    got = dict(rows(con, "select outlet, coverage from int_topic_outlets where topic_id = 'tiny'"))
    assert got == {"Alpha": "covered", "Beta": "covered", "Gamma": "covered", "Zeta": "covered",
                   "delta.example": "unreadable", "Epsilon": "no_relevant_articles", "Eta": "unreadable"}
    why = dict(rows(con, "select outlet, unreadable_outcomes from int_topic_outlets"))
    assert why["Eta"] == ["unresolved"] and why["delta.example"] == ["blocked"]
    # the aggregator is never taken for an outlet
    assert rows(con, "select count(*) from outlets where domain like '%google%'") == [(0,)]


def test_claim_mentions_contract_columns(con):
    cols = [d[0] for d in con.execute("select * from claim_mentions limit 0").description]
    assert cols[:4] == ["claim_id", "article_url", "outlet", "sentence_text"]
    k1 = tiny_story.claim_of(con, "meeting lasted")
    got = rows(con, "select outlet from claim_mentions where claim_id = ? order by outlet", k1)
    assert got == [("Alpha",), ("Beta",), ("Gamma",), ("Zeta",)]


def test_coverage_matrix_says_how_each_outlet_reports(con):
    k1 = tiny_story.claim_of(con, "meeting lasted")
    k2 = tiny_story.claim_of(con, "Tariffs of 25%")
    got = dict(rows(con, "select outlet, how from cmp_claim_coverage where claim_id = ?", k1))
    assert got == {"Alpha": "asserted", "Beta": "asserted", "Gamma": "attributed", "Zeta": "asserted",
                   "delta.example": "unreadable", "Epsilon": "no_coverage", "Eta": "unreadable"}
    got = dict(rows(con, "select outlet, how from cmp_claim_coverage where claim_id = ?", k2))
    assert got["Gamma"] == "unverified"  # one of Gamma's pages answered 404
    k3 = tiny_story.claim_of(con, "options")
    assert dict(rows(con, "select outlet, how from cmp_claim_coverage where claim_id = ?", k3))["Alpha"] == "quoted"
    # singletons are not part of the cross-outlet matrix
    k5 = tiny_story.claim_of(con, "weather")
    assert rows(con, "select count(*) from cmp_claim_coverage where claim_id = ?", k5) == [(0,)]


def test_omissions_distinguish_real_gaps(con):
    k2 = tiny_story.claim_of(con, "Tariffs of 25%")
    got = {r[0]: (r[1], r[2]) for r in rows(
        con, "select outlet, status, fetch_outcomes from cmp_omissions where claim_id = ?", k2)}
    assert got == {"Gamma": ("unverified", ["not_found"]), "delta.example": ("unreadable", ["blocked"]),
                   "Epsilon": ("no_coverage", []), "Eta": ("unreadable", ["unresolved"])}
    k4 = tiny_story.claim_of(con, "They met on March 28")
    got = dict(rows(con, "select outlet, status from cmp_omissions where claim_id = ?", k4))
    assert got["Zeta"] == "omitted"  # Zeta read fine and left the date out


def test_number_discrepancies(con):
    got = rows(con, """select concept, value_a, value_b, outlets_a, outlets_b, differs_in
                       from cmp_number_discrepancies order by concept, variant_a""")
    tariff = [r for r in got if r[0] == "tariff-rate"]
    # 30% only exists in Beta's superseded version, so it is not a discrepancy any more
    assert tariff == [("tariff-rate", 20.0, 25.0, ["Beta"], ["Alpha", "Zeta"], "value")]
    # durations compare in minutes; "more than" vs "nearly" two hours is a qualifier difference
    hours = [r for r in got if r[0] == "duration"]
    assert {(r[1], r[2], r[5]) for r in hours} == {(120.0, 120.0, "qualifier")}
    assert {frozenset(r[3] + r[4]) for r in hours} >= {frozenset({"Alpha", "Beta"})}


def test_date_discrepancies(con):
    got = rows(con, "select date_a, date_b, outlets_a, outlets_b from cmp_date_discrepancies")
    assert got == [("2025-03-28", "2025-04-01", ["Alpha"], ["Beta"])]


def test_quote_variants_flag_pronouns(con):
    got = rows(con, "select outlet, quote_text, pronouns, is_first from cmp_quote_variants order by published_at")
    # Zeta's copy of the quote is not in claim_quotes: the view reads only extracted quotes
    assert got == [("Alpha", "options", [], True), ("Gamma", "I gave him a list of things.", ["him"], False)]


def test_attribution_differences(con):
    k1 = tiny_story.claim_of(con, "meeting lasted")
    got = dict(rows(con, "select outlet, attribution from cmp_attribution where claim_id = ?", k1))
    assert got == {"Alpha": "asserted", "Beta": "asserted", "Gamma": "attributed", "Zeta": "asserted"}


def test_first_reports(con):
    k1 = tiny_story.claim_of(con, "meeting lasted")
    got = rows(con, "select first_outlet, second_outlet, ranking_uncertain from cmp_first_reports where claim_id = ?", k1)
    assert got == [("Alpha", "Beta", False)]


def test_loaded_language(con):
    got = rows(con, "select outlet, category, terms from cmp_loaded_language order by outlet, category")
    assert ("Beta", "demand", ["demands"]) in got
    assert ("Alpha", "neutral-request", ["options"]) in got


def test_article_edits(con):
    got = rows(con, "select outlet, change, sentence_text from cmp_article_edits order by change")
    assert got == [("Beta", "added", "Tariffs of 20% took effect."), ("Beta", "removed", "Tariffs of 30% took effect.")]


def test_wording_variants(con):
    k2 = tiny_story.claim_of(con, "Tariffs of 25%")
    got = {r[0]: (r[1], r[2]) for r in rows(
        con, "select outlet, only_here, missing_here from cmp_wording_variants where claim_id = ?", k2)}
    # "25" is Alpha's and Zeta's word, so it sets neither apart; Beta alone lacks it
    assert got == {"Alpha": ([], []), "Zeta": ([], []), "Beta": (["20"], ["25"])}


def test_wire_copies_show_what_a_reprint_left_out(con):
    got = rows(con, "select outlet, source_outlet, n_shared, shared_share, left_out, added from cmp_wire_copies")
    assert got == [("Zeta", "Alpha", 3, 1.0, ["They met on March 28 at the palace."], [])]


def test_every_view_header_has_an_example_query(con):
    for view in view_files():
        assert "select" in view.header["example"].lower(), view.name


def test_outlet_profile_tells_choices_from_what_we_could_not_read(con):
    profile = {r[0]: r[1:] for r in rows(con, """
        select outlet, coverage_share, n_reported, n_omitted, n_cannot_judge, n_quoted, n_attributed,
               n_lone_numbers, n_date_conflicts, top_category, n_first_reports, n_copies_of_others,
               unreadable_outcomes
        from cmp_outlet_profile""")}
    # Alpha reports all four shared claims and was first with them
    assert profile["Alpha"][:4] == (1.0, 4, 0, 0) and profile["Alpha"][9] == 4
    # Beta leaves out the quote (a real omission), frames requests as demands, and stands
    # alone with its 20% and its April 1 date
    assert profile["Beta"][:3] == (0.75, 3, 1) and profile["Beta"][8] == "demand"
    assert profile["Beta"][6] >= 1 and profile["Beta"][7] >= 1
    # Gamma's missing claims cannot be judged (a 404 page): share over what could be judged only
    assert profile["Gamma"][:4] == (1.0, 2, 0, 2) and profile["Gamma"][4:6] == (1, 1)
    assert profile["Gamma"][11] == ["not_found"]
    # Zeta reprints Alpha
    assert profile["Zeta"][10] == 1
    # unreadable outlets get no share at all, and say why
    assert profile["delta.example"][0] is None and profile["delta.example"][3] == 4
    assert profile["delta.example"][11] == ["blocked"]
    assert profile["Epsilon"][0] is None and profile["Epsilon"][3] == 0


def test_stg_fetches_keeps_the_latest_outcome_per_url(con):
    got = rows(con, "select outlet, outcome, readable, http_status, n_fetches from stg_fetches order by outlet, url")
    assert ("Beta", "ok", True, 200, 2) in got  # fetched twice (the edit), one row
    assert ("Gamma", "not_found", False, 404, 1) in got and ("delta.example", "blocked", False, 403, 1) in got
    assert sum(1 for r in got if not r[2]) == 2


def test_int_topic_articles_lists_relevant_articles_once_with_their_date_basis(con):
    got = rows(con, "select outlet, n_versions, date_basis from int_topic_articles order by outlet")
    assert [r[0] for r in got] == ["Alpha", "Beta", "Gamma", "Zeta"]  # Epsilon's article is off-topic
    assert dict((o, n) for o, n, _ in got)["Beta"] == 2
    assert all(basis.startswith("page:") for _, _, basis in got)


def test_int_topic_claims_reads_the_current_version_only(con):
    per_outlet = dict(rows(con, "select outlet, count(distinct version_id) from int_topic_claims group by outlet"))
    assert per_outlet == {"Alpha": 1, "Beta": 1, "Gamma": 1, "Zeta": 1}
    kinds = rows(con, "select outlet, speaker from int_topic_claims where kind = 'direct_quote' order by outlet")
    assert kinds == [("Alpha", "Noem"), ("Gamma", "Noem"), ("Zeta", "Noem")]


def test_claim_numbers_carry_the_range_their_wording_allows(con):
    got = {r[0]: r[1:] for r in rows(con, """
        select n.raw, n.concept, n.amount, n.variant, n.low, n.high from int_claim_numbers n
        join claim_mentions m using (sentence_id) where m.outlet in ('Alpha', 'Beta', 'Gamma')""")}
    more, nearly, plain = got["more than two hours"], got["nearly two hours"], got["two hours"]
    assert more[:3] == ("duration", 120.0, "more than 2 h") and more[3] > 120 and more[4] == float("inf")
    assert nearly[2] == "nearly 2 h" and nearly[3] == pytest.approx(96) and nearly[4] < 120
    assert plain[3:] == (pytest.approx(108), pytest.approx(132))
    assert got["20%"][:3] == ("tariff-rate", 20.0, "20%")


def test_claim_conflicts_side_with_the_majority_and_mark_ties(con):
    got = {(r[0], r[1]): r[2:] for r in rows(con, """
        select outlet, aspect, version, other_versions, conflicting_outlets, n_conflicting, n_agreeing, contradicted
        from int_claim_conflicts""")}
    # K2: Beta's 20% stands against Alpha's and Zeta's 25%
    assert got["Beta", "number:tariff-rate"] == ("20%", ["25%"], ["Alpha", "Zeta"], 2, 0, True)
    assert got["Alpha", "number:tariff-rate"] == ("25%", ["20%"], ["Beta"], 1, 1, False)
    # K1: "more than" and "nearly" two hours conflict, but Gamma's plain "two hours" agrees with
    # both, so neither side is outnumbered
    assert got["Alpha", "number:duration"][2:] == (["Beta"], 1, 1, False)
    assert ("Gamma", "number:duration") not in got
    # K4: March 28 against April 1, one outlet each: a tie marks both
    assert got["Alpha", "date"] == ("2025-03-28", ["2025-04-01"], ["Beta"], 1, 0, True)
    assert got["Beta", "date"][3:] == (1, 0, True)
    assert not [k for k in got if k[1] == "polarity"]


def test_coverage_matrix_marks_contradicted_versions(con):
    k2 = tiny_story.claim_of(con, "Tariffs of 25%")
    got = {r[0]: r[1:] for r in rows(
        con, "select outlet, how, manner, contradiction from cmp_claim_coverage where claim_id = ?", k2)}
    assert got["Beta"] == ("contradicted", "asserted", ["number:tariff-rate: 20% here; 25% at Alpha, Zeta"])
    assert got["Alpha"] == ("asserted", "asserted", []) and got["Gamma"] == ("unverified", None, [])
    k4 = tiny_story.claim_of(con, "They met on March 28")
    got = dict(rows(con, "select outlet, how from cmp_claim_coverage where claim_id = ? and manner is not null", k4))
    assert got == {"Alpha": "contradicted", "Beta": "contradicted"}
    # a contradicted outlet still carries the claim: it counts as reported in its profile
    (reported, contradicted), = rows(con, "select n_reported, n_contradicted from cmp_outlet_profile where outlet = 'Beta'")
    assert reported == 3 and contradicted == 2


def test_a_denial_contradicts_only_what_it_denies():
    c = tiny_story.build(denial=True)
    try:
        k6 = tiny_story.claim_of(c, "agreed to share biometric")
        got = {r[0]: r[1:] for r in rows(c, """
            select outlet, version, other_versions, contradicted from int_claim_conflicts
            where claim_id = ? and aspect = 'polarity'""", k6)}
        assert got == {"Alpha": ("affirmed", ["negated (not)"], True), "Beta": ("negated (not)", ["affirmed"], True)}
        assert dict(rows(c, "select outlet, how from cmp_claim_coverage where claim_id = ? and manner is not null",
                         k6)) == {"Alpha": "contradicted", "Beta": "contradicted"}
        # a negation that bears on words the other sentence does not have is no denial of it
        c.execute("update claims set negation_scope = ['weather', 'palace'] where len(negations) > 0")
        assert rows(c, "select count(*) from int_claim_conflicts where aspect = 'polarity'") == [(0,)]
    finally:
        c.close()


def test_a_reprinted_sentence_counts_as_its_outlet_in_a_conflict():
    # Zeta reprints Alpha's March 28 word for word: aligned once, it has no link to Beta's
    # April 1 of its own (sentence_copies says whose links it shares), so the tie of K4 becomes
    # two outlets against one
    c = tiny_story.build(reprinted_date=True)
    try:
        got = {r[0]: r[1:] for r in rows(c, """
            select outlet, conflicting_outlets, n_conflicting, n_agreeing, contradicted
            from int_claim_conflicts where aspect = 'date'""")}
        assert got == {"Alpha": (["Beta"], 1, 1, False), "Zeta": (["Beta"], 1, 1, False),
                       "Beta": (["Alpha", "Zeta"], 2, 0, True)}
    finally:
        c.close()


def test_pinned_views_give_the_same_rows_and_are_dropped_after(con):
    from warehouse.schema import pinned

    def temp_tables():
        return {r[0] for r in rows(con, "select table_name from duckdb_tables() where database_name = 'temp'")}

    query = "select * from cmp_outlet_profile order by outlet_id"  # reads cmp_claim_coverage inside
    live = rows(con, query)
    with pinned(con, ["claim_mentions", "cmp_claim_coverage"], "tiny"):
        assert {"claim_mentions", "cmp_claim_coverage"} <= temp_tables()
        assert rows(con, query) == live
        with pinned(con, ["cmp_claim_coverage"], "tiny"):  # an inner block leaves the outer's table
            pass
        assert "cmp_claim_coverage" in temp_tables()
    assert not temp_tables() & {"claim_mentions", "cmp_claim_coverage"}


def test_the_coverage_artifact_keeps_the_outlets_that_carry_most(con):
    from warehouse.report import coverage_table

    full = coverage_table(con, tiny_story.TOPIC)
    assert {"Alpha", "Beta", "Gamma", "Zeta"} <= set(full[0]) and len(full) >= 4
    # the two outlets carrying most of the listed claims (Alpha 4; Beta and Zeta 3 each: by name)
    capped = coverage_table(con, tiny_story.TOPIC, max_outlets=2)
    assert list(capped[0]) == ["claim", "Alpha", "Beta"]
    assert [r["claim"] for r in capped] == [r["claim"] for r in full]
    assert len(coverage_table(con, tiny_story.TOPIC, limit=2)) == 2


def test_coverage_is_judged_among_the_outlets_of_the_claims_story():
    # Omega covers the topic only through another story: it did not leave out the meeting's
    # claims, so it has no cell for them, and it does not count against "most outlets carry it"
    c = tiny_story.build(second_story=True)
    try:
        assert dict(rows(c, "select outlet, coverage from int_topic_outlets"))["Omega"] == "covered"
        k1 = tiny_story.claim_of(c, "meeting lasted")
        # the same cells as on the story-less warehouse: outlets of the story, and those we
        # cannot judge (unreadable pages may be about any story)
        assert dict(rows(c, "select outlet, how from cmp_claim_coverage where claim_id = ?", k1)) == {
            "Alpha": "asserted", "Beta": "asserted", "Gamma": "attributed", "Zeta": "asserted",
            "delta.example": "unreadable", "Epsilon": "no_coverage", "Eta": "unreadable"}
        assert rows(c, "select count(*) from cmp_claim_coverage where outlet = 'Omega'") == [(0,)]
        k4 = tiny_story.claim_of(c, "They met on March 28")
        assert dict(rows(c, "select outlet, status from cmp_omissions where claim_id = ?", k4))["Zeta"] == "omitted"
        assert rows(c, "select count(*) from cmp_omissions where outlet = 'Omega'") == [(0,)]
        # its profile says it shares none of the judged claims, not that it left them all out
        assert rows(c, "select n_omitted, coverage_share from cmp_outlet_profile where outlet = 'Omega'") == [(0, None)]
    finally:
        c.close()
    # the same warehouse without stories (aligned before them) counts Omega absent everywhere
    legacy = tiny_story.build(second_story=True)
    try:
        legacy.execute("update claim_clusters set story_id = null")
        k1 = tiny_story.claim_of(legacy, "meeting lasted")
        assert rows(legacy, "select how from cmp_claim_coverage where claim_id = ? and outlet = 'Omega'", k1) \
            == [("absent",)]
    finally:
        legacy.close()


def test_an_outlet_whose_story_articles_all_predate_a_claim_has_not_yet_missed_it():
    c = tiny_story.build(second_story=True)
    try:
        # Omega's article joins the meeting story: published on 2 April, after every claim's
        # first report, it is absent from them; moved to 27 March, before any, it is "not yet"
        meeting = rows(c, "select story_id from topic_stories join stg_articles using (article_id) "
                          "where outlet = 'Alpha'")[0][0]
        c.execute("update topic_stories set story_id = ?", [meeting])
        k4 = tiny_story.claim_of(c, "They met on March 28")
        omega = "select how from cmp_claim_coverage where claim_id = ? and outlet = 'Omega'"
        assert rows(c, omega, k4) == [("absent",)]
        c.execute("update article_versions set published = '2025-03-27T10:00:00+00:00' "
                  "where url = ?", [tiny_story.URLS["omega"]])
        assert rows(c, omega, k4) == [("not_yet",)]
    finally:
        c.close()
