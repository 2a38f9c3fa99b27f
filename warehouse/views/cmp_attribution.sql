-- cmp_attribution: how each outlet attributes a claim, for claims whose attribution differs.
-- grain: one row per mention of a claim reported by 2+ outlets with differing attribution
-- key: claim_id, sentence_id
-- inputs: claim_mentions
-- example: Which outlets turned "she said she was willing to discuss it" into a fact?
--   select outlet, attribution, speaker, attribution_verb, sentence_text from cmp_attribution
-- attribution: quoted | attributed | hedged | asserted (as in cmp_claim_coverage); a claim is
-- listed when its mentions disagree on attribution, on the speaker, or on the verb's class.
with

mentions as (select * from claim_mentions where level = 'claim' and claim_n_outlets >= 2),

classified as (
    select
        *,
        case
            when kind = 'direct_quote' then 'quoted'
            when kind = 'reported_speech' then 'attributed'
            when len(hedges) > 0 then 'hedged'
            else 'asserted'
        end as attribution
    from mentions
),

disagreeing as (
    select topic_id, claim_id
    from classified
    group by all
    having count(distinct attribution) > 1
        or count(distinct lower(speaker)) > 1
        or count(distinct attribution_class) > 1
),

final as (
    select
        c.topic_id,
        c.claim_id,
        c.sentence_id,
        c.claim_label,
        c.outlet,
        c.attribution,
        c.speaker,
        c.attribution_verb,
        c.attribution_class,
        c.sources,
        c.hedges,
        c.sentence_text,
        c.published_at,
        c.article_url,
        c.start_char,
        c.end_char
    from classified c
    join disagreeing d using (topic_id, claim_id)
)

select * from final
