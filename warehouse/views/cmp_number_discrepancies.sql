-- cmp_number_discrepancies: the same kind of quantity reported with different values or
-- qualifiers by different outlets (25% vs 20% tariffs; "more than" vs "nearly" two hours).
-- grain: one row per (topic, concept, pair of differing variants); a variant = value + qualifier
-- key: topic_id, concept, variant_a, variant_b
-- inputs: int_claim_numbers, int_topic_claims
-- example: Which figures do outlets disagree on?
--   select concept, variant_a, outlets_a, variant_b, outlets_b from cmp_number_discrepancies
-- Rules, in order:
-- 1. Figures are compared on int_claim_numbers' scale (durations in minutes: "half an hour" =
--    "30 minutes"); contrast qualifiers ("instead of") mark which quantity is meant, not how
--    exact it is, so they do not make a qualifier discrepancy.
-- 2. Two values are one quantity reported twice only if they share a concept (what is counted,
--    from the unit lexicon) and lie within a factor of 10: 29 people and 12 million are not.
-- 3. Two values that one sentence states together are different quantities by the outlet's own
--    account ("nearly two hours instead of the scheduled 30 minutes"): never a discrepancy.
-- Variants within one outlet are kept: an outlet can contradict itself.
with

numbers as (select * from int_claim_numbers),
topic_claims as (select * from int_topic_claims),

mentions as (
    select
        t.topic_id,
        n.concept,
        n.amount as value,
        n.qualifier,
        n.variant,
        t.outlet,
        t.outlet_id,
        t.published_at,
        t.sentence_id,
        t.sentence_text,
        t.article_url,
        n.raw
    from numbers n
    join topic_claims t on t.sentence_id = n.sentence_id
),

variants as (
    select
        topic_id,
        concept,
        value,
        qualifier,
        min(variant) as variant,
        list(distinct outlet order by outlet) as outlets,
        count(distinct outlet_id) as n_outlets,
        min(published_at) as first_published_at,
        arg_min(sentence_text, (published_at, article_url, sentence_text)) as example_sentence,
        arg_min(article_url, (published_at, article_url, sentence_text)) as example_url,
        list(distinct raw order by raw) as raw_forms
    from mentions
    group by topic_id, concept, value, qualifier
),

stated_together as (
    -- value pairs that some sentence reports side by side
    select distinct a.topic_id, a.concept, a.value as value_a, b.value as value_b
    from mentions a
    join mentions b on a.sentence_id = b.sentence_id and a.concept = b.concept and a.value < b.value
),

final as (
    select
        a.topic_id,
        a.concept,
        a.variant as variant_a,
        b.variant as variant_b,
        a.value as value_a,
        b.value as value_b,
        a.outlets as outlets_a,
        b.outlets as outlets_b,
        a.example_sentence as example_a,
        b.example_sentence as example_b,
        a.example_url as url_a,
        b.example_url as url_b,
        a.raw_forms as raw_a,
        b.raw_forms as raw_b,
        case when a.value <> b.value then 'value' else 'qualifier' end as differs_in
    from variants a
    join variants b
        on a.topic_id = b.topic_id
        and a.concept = b.concept
        and (a.value < b.value or (a.value = b.value and a.qualifier < b.qualifier))
    left join stated_together s
        on s.topic_id = a.topic_id and s.concept = a.concept and s.value_a = a.value and s.value_b = b.value
    where s.topic_id is null
      and ((a.value = b.value and a.qualifier <> b.qualifier)
           or (a.value <> b.value
               and greatest(abs(a.value), abs(b.value)) <= 10 * least(abs(a.value), abs(b.value))))
)

select * from final
