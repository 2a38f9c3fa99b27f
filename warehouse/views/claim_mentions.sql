-- claim_mentions: every sentence that reports a claim, with the cross-outlet claim it belongs to.
-- The one public view without a layer prefix: shared/tools/score_claims.py and users' queries
-- rely on its name and its first four columns. It lists both levels of claim_clusters: level
-- 'claim' (one specific statement; what the cmp_ views use) and level 'event' (everything said
-- about one happening), so every sentence appears once per level. Filter on level.
-- grain: one row per (claim, sentence)
-- key: claim_id, sentence_id
-- inputs: claim_cluster_members, claim_clusters, int_topic_claims
-- example: Who reports the claim about biometric data, and in which words?
--   select outlet, sentence_text from claim_mentions where claim_id = (select claim_id from
--   claim_mentions where level = 'claim' and sentence_text ilike '%biometric%' limit 1)
with

members as (select * from main.claim_cluster_members),
clusters as (select * from main.claim_clusters),
topic_claims as (select * from int_topic_claims),

final as (
    select
        m.claim_id,
        c.article_url,
        c.outlet,
        c.sentence_text,
        m.level,
        k.event_id,
        m.topic_id,
        m.sentence_id,
        c.article_id,
        c.outlet_id,
        c.version_id,
        c.field,
        c.start_char,
        c.end_char,
        c.kind,
        c.speaker,
        c.attribution_verb,
        c.attribution_class,
        c.sources,
        c.hedges,
        c.negations,
        c.negation_scope,
        c.language,
        c.published_at,
        c.date_basis,
        k.n_outlets as claim_n_outlets,
        k.label as claim_label
    from members m
    join clusters k on k.claim_id = m.claim_id
    join topic_claims c on c.topic_id = m.topic_id and c.sentence_id = m.sentence_id
)

select * from final
