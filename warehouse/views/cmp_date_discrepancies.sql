-- cmp_date_discrepancies: one claim, different dates (the meeting "on March 28" vs "on April 1").
-- grain: one row per (claim, pair of incompatible dates)
-- key: claim_id, date_a, date_b
-- inputs: claim_dates, claim_mentions
-- example: Which outlets put an event on a different day?
--   select claim_label, date_a, outlets_a, date_b, outlets_b from cmp_date_discrepancies
-- Dates are compared at the precision both sides have: "2025-03" and "2025-03-28" agree, while
-- "2025-02" and "2025-03-28" do not. Relative dates ("Friday") were resolved against the
-- article's publication date; `resolved` keeps how, so a wrong publication date can be spotted.
with

dates as (select * from main.claim_dates where value is not null),
mentions as (select * from claim_mentions where level = 'claim' and claim_n_outlets >= 2),

dated as (
    select
        m.topic_id,
        m.claim_id,
        m.claim_label,
        d.value,
        m.outlet,
        m.sentence_text,
        m.published_at,
        d.raw,
        d.resolved
    from dates d
    join mentions m on m.sentence_id = d.sentence_id
),

variants as (
    select
        topic_id,
        claim_id,
        any_value(claim_label) as claim_label,
        value,
        list(distinct outlet order by outlet) as outlets,
        arg_min(sentence_text, (published_at, sentence_text)) as example_sentence,
        list(distinct raw || ' (' || resolved || ')' order by raw || ' (' || resolved || ')') as raw_forms
    from dated
    group by topic_id, claim_id, value
),

final as (
    select
        a.topic_id,
        a.claim_id,
        a.claim_label,
        a.value as date_a,
        b.value as date_b,
        a.outlets as outlets_a,
        b.outlets as outlets_b,
        a.raw_forms as raw_a,
        b.raw_forms as raw_b,
        a.example_sentence as example_a,
        b.example_sentence as example_b
    from variants a
    join variants b on a.claim_id = b.claim_id and a.topic_id = b.topic_id and a.value < b.value
    where not starts_with(a.value, b.value) and not starts_with(b.value, a.value)
)

select * from final
