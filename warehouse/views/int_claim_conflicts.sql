-- int_claim_conflicts: where outlets' versions of one claim cannot both be true: figures whose
-- ranges do not meet, dates that do not agree, a denial against an affirmation.
-- grain: one row per (topic, claim, outlet, aspect) where the outlet's version conflicts with
--   at least one other outlet's; aspect = 'number:<concept>' | 'date' | 'polarity'
-- key: topic_id, claim_id, outlet_id, aspect
-- inputs: claim_mentions, int_claim_numbers, claim_dates, claim_links
-- example: On which claims does an outlet stand against the others, and on what?
--   select claim_label, outlet, aspect, version, other_versions, conflicting_outlets
--   from int_claim_conflicts where contradicted order by claim_id, outlet, aspect
-- Rules, in order:
-- 1. Only claims reported by 2+ outlets (level 'claim'). Two outlets conflict on an aspect only
--    if nothing they say on it agrees: a sentence that adds a second quantity ("instead of the
--    scheduled 30 minutes") does not make a conflict.
-- 2. Figures (int_claim_numbers; contrast figures left out) are compared across all of the two
--    outlets' sentences in the claim: figures of one concept agree when their ranges overlap
--    ("two hours" and "nearly two hours" do; "more than" and "nearly" two hours do not) and
--    are the same quantity only within a factor of 10.
-- 3. Dates and polarity are compared only between sentences the alignment linked directly
--    (claim_links), since a claim's sentences can date different steps of a story (the meeting,
--    the denial a few days later). Dates: only those the outlet wrote out ('explicit'; relative
--    ones were resolved here and often date a later step), agreeing at the precision both have;
--    a date written without its year is compared by month and day only.
-- 4. Polarity: a sentence with a negation (parsers/data/negations.toml) against a linked one
--    without, when at least three words the negation bears on (claims.negation_scope; two if it
--    bears on two) begin words of the other sentence: "signed no agreement to share biometric data" against "agreed to
--    share biometric data". Scope words are stems of one language, so denials are compared
--    within a language; this is a heuristic: read `version` and the sentences before reporting.
-- 5. contradicted: the outlets in conflict with this one are at least as many as the outlets
--    that agree with it, itself included; in a tie every side is contradicted, since nothing
--    here says which one is right. The other side keeps a row with contradicted = false.
with

mentions as (select * from claim_mentions where level = 'claim' and claim_n_outlets >= 2),
numbers as (select * from int_claim_numbers where not contrast),
dates as (
    -- the year as the outlet wrote it: "June 24" got its year from the publication date (or
    -- none, 'XXXX-06-24'), so it is compared without one; decades ("the 1930s") are read as
    -- their first year by parsers.claim_dates and left out
    select
        *,
        regexp_matches(raw, '\d{4}') as has_year,
        regexp_replace(value, '^(\d{4}|XXXX)-?', '') as month_day
    from main.claim_dates
    where value is not null and resolved = 'explicit' and not regexp_matches(raw, '\d{4}[’'']?s\b')
),
links as (select * from main.claim_links where level = 'claim'),

number_figures as (
    select m.topic_id, m.claim_id, any_value(m.claim_label) as claim_label, m.outlet_id,
           any_value(m.outlet) as outlet, 'number:' || n.concept as aspect, n.variant,
           any_value(n.amount) as amount, any_value(n.low) as low, any_value(n.high) as high
    from mentions m
    join numbers n on n.sentence_id = m.sentence_id
    group by m.topic_id, m.claim_id, m.outlet_id, n.concept, n.variant
),

number_pairs as (
    select
        a.topic_id, a.claim_id, a.claim_label, a.aspect, a.outlet_id, a.outlet,
        b.outlet_id as other_id, b.outlet as other,
        list(distinct a.variant order by a.variant) as versions,
        list(distinct b.variant order by b.variant) as other_versions,
        bool_or(greatest(a.low, b.low) <= least(a.high, b.high)) as agrees
    from number_figures a
    join number_figures b
        on a.topic_id = b.topic_id and a.claim_id = b.claim_id and a.aspect = b.aspect
        and a.outlet_id <> b.outlet_id
    group by a.topic_id, a.claim_id, a.claim_label, a.aspect, a.outlet_id, a.outlet, b.outlet_id, b.outlet
    having bool_or(greatest(abs(a.amount), abs(b.amount)) <= 10 * least(abs(a.amount), abs(b.amount)))
),

linked as (
    -- every claim link, both ways, between sentences of different outlets in one claim
    select a.topic_id, a.claim_id, a.claim_label, a.outlet_id, a.outlet, a.sentence_id,
           a.negations, a.negation_scope, b.outlet_id as other_id, b.outlet as other,
           b.sentence_id as other_sentence, b.negations as other_negations,
           string_split_regex(lower(strip_accents(b.sentence_text)), '[^a-z0-9]+') as other_words
    from (select topic_id, sentence_a as s, sentence_b as t from links
          union all
          select topic_id, sentence_b, sentence_a from links) l
    join mentions a on a.topic_id = l.topic_id and a.sentence_id = l.s
    join mentions b on b.topic_id = l.topic_id and b.sentence_id = l.t
    where a.claim_id = b.claim_id and a.outlet_id <> b.outlet_id
),

date_pairs as (
    select
        k.topic_id, k.claim_id, k.claim_label, 'date' as aspect, k.outlet_id, k.outlet,
        k.other_id, k.other,
        list(distinct da.value order by da.value) as versions,
        list(distinct db.value order by db.value) as other_versions,
        bool_or(case
            when da.has_year and db.has_year then starts_with(da.value, db.value) or starts_with(db.value, da.value)
            else da.month_day = '' or db.month_day = ''
                 or starts_with(da.month_day, db.month_day) or starts_with(db.month_day, da.month_day)
        end) as agrees
    from linked k
    join dates da on da.sentence_id = k.sentence_id
    join dates db on db.sentence_id = k.other_sentence
    group by k.topic_id, k.claim_id, k.claim_label, k.outlet_id, k.outlet, k.other_id, k.other
),

polarity_links as (
    select
        *,
        len(negations) > 0 as negated,
        len(other_negations) > 0 as other_negated,
        case
            when len(negations) > 0 and len(other_negations) = 0 then
                len(list_filter(negation_scope,
                    lambda w: len(list_filter(other_words, lambda o: starts_with(o, w))) > 0))
                    >= greatest(2, least(3, len(negation_scope)))
            else false
        end as denies_other
    from linked
),

polarity_pairs as (
    -- a conflict in either direction counts for both sides: "X denies what Y affirms"
    select
        a.topic_id, a.claim_id, a.claim_label, 'polarity' as aspect, a.outlet_id, a.outlet,
        a.other_id, a.other,
        [case when bool_or(a.negated) then 'negated (' || array_to_string(list(distinct n order by n), ', ') || ')'
              else 'affirmed' end] as versions,
        [case when bool_or(a.other_negated) then 'negated' else 'affirmed' end] as other_versions,
        not bool_or(a.denies_other or b.denies_other) as agrees
    from polarity_links a
    join polarity_links b
        on b.topic_id = a.topic_id and b.sentence_id = a.other_sentence and b.other_sentence = a.sentence_id
    left join (select sentence_id, unnest(negations) as n from mentions) w on w.sentence_id = a.sentence_id
    where a.negated = a.other_negated or a.denies_other or b.denies_other
    group by a.topic_id, a.claim_id, a.claim_label, a.outlet_id, a.outlet, a.other_id, a.other
),

pairs as (
    select * from number_pairs
    union all by name
    select * from date_pairs
    union all by name
    select * from polarity_pairs
),

per_outlet as (
    select
        topic_id,
        claim_id,
        any_value(claim_label) as claim_label,
        outlet_id,
        any_value(outlet) as outlet,
        aspect,
        any_value(versions) as versions,
        count(distinct other_id) filter (where not agrees) as n_conflicting,
        count(distinct other_id) filter (where agrees) as n_agreeing,
        list(distinct other order by other) filter (where not agrees) as conflicting_outlets,
        list(distinct v order by v) filter (where not agrees) as other_versions
    -- one row per (pair, version of the other outlet): counts are of distinct outlets
    from (select *, unnest(other_versions) as v from pairs)
    group by topic_id, claim_id, outlet_id, aspect
),

final as (
    select
        topic_id,
        claim_id,
        claim_label,
        outlet_id,
        outlet,
        aspect,
        array_to_string(versions, ', ') as version,
        other_versions,
        conflicting_outlets,
        n_conflicting,
        n_agreeing,
        n_conflicting >= n_agreeing + 1 as contradicted
    from per_outlet
    where n_conflicting > 0
)

select * from final
