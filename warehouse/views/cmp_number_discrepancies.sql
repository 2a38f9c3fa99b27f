-- cmp_number_discrepancies: the same kind of quantity reported with different values or
-- qualifiers by different outlets (25% vs 20% tariffs; "more than" vs "nearly" two hours).
-- grain: one row per (topic, concept, pair of differing variants); a variant = value + qualifier
-- key: topic_id, concept, variant_a, variant_b
-- inputs: claim_numbers, int_topic_claims
-- example: Which figures do outlets disagree on?
--   select concept, variant_a, outlets_a, variant_b, outlets_b from cmp_number_discrepancies
-- Two values count as the same quantity when they share a concept (what is counted, from the unit
-- lexicon) and lie within a factor of 10 of each other; 29 people and 12 million people are not
-- one quantity reported twice. Variants within one outlet are kept: an outlet can contradict itself.
with

numbers as (select * from main.claim_numbers where concept is not null and value is not null),
topic_claims as (select * from int_topic_claims),

mentions as (
    select
        t.topic_id,
        n.concept,
        n.value,
        coalesce(n.qualifier, '') as qualifier,
        trim(coalesce(n.qualifier || ' ', '') || regexp_replace(cast(n.value as varchar), '\.0$', '')
             || coalesce(' ' || n.unit, '')) as variant,
        t.outlet,
        t.outlet_id,
        t.published_at,
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
        arg_min(sentence_text, published_at) as example_sentence,
        arg_min(article_url, published_at) as example_url,
        list(distinct raw order by raw) as raw_forms
    from mentions
    group by topic_id, concept, value, qualifier
),

pairs as (
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
        case when a.value <> b.value then 'value' else 'qualifier' end as differs_in
    from variants a
    join variants b
        on a.topic_id = b.topic_id
        and a.concept = b.concept
        and (a.value < b.value or (a.value = b.value and a.qualifier < b.qualifier))
    where (a.value = b.value and a.qualifier <> b.qualifier)
       or (a.value <> b.value and greatest(abs(a.value), abs(b.value)) <= 10 * least(abs(a.value), abs(b.value)))
),

final as (select * from pairs)

select * from final
