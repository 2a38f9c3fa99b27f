-- int_claim_conflicts: where outlets' versions of one claim cannot both be true: figures whose
-- ranges do not meet, dates that do not agree, a denial against an affirmation.
-- grain: one row per (topic, claim, outlet, aspect) where the outlet's version conflicts with
--   at least one other outlet's; aspect = 'number:<concept>' | 'date' | 'polarity'
-- key: topic_id, claim_id, outlet_id, aspect
-- inputs: claim_mentions, int_claim_numbers, claim_dates, claim_links, sentence_copies
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
-- a copy (sentence_copies: the same words elsewhere in the story, aligned once) stands in every
-- link of the sentence it copies, and copies of one wording are linked to each other
copies as (
    select topic_id, copy_of as form, sentence_id from main.sentence_copies
    union all
    select distinct topic_id, copy_of, copy_of from main.sentence_copies
),
links as (
    select l.topic_id, coalesce(a.sentence_id, l.sentence_a) as sentence_a,
           coalesce(b.sentence_id, l.sentence_b) as sentence_b
    from main.claim_links l
    left join copies a on a.topic_id = l.topic_id and a.form = l.sentence_a
    left join copies b on b.topic_id = l.topic_id and b.form = l.sentence_b
    where l.level = 'claim'
    union all
    select a.topic_id, a.sentence_id, b.sentence_id
    from copies a join copies b on b.topic_id = a.topic_id and b.form = a.form and a.sentence_id < b.sentence_id
),

-- 1. What each outlet says on each aspect of a claim ------------------------------------------

number_figures as (
    select m.topic_id, m.claim_id, m.outlet_id, 'number:' || n.concept as aspect, n.variant,
           any_value(n.amount) as amount, any_value(n.low) as low, any_value(n.high) as high
    from mentions m
    join numbers n on n.sentence_id = m.sentence_id
    group by m.topic_id, m.claim_id, m.outlet_id, n.concept, n.variant
),

linked as materialized (
    -- every claim link, both ways, between sentences of different outlets in one claim
    -- (materialized: dates and polarity both read it, and at 10,000 articles it has millions of rows)
    select a.topic_id, a.claim_id, a.outlet_id, a.sentence_id, a.negations, a.negation_scope,
           b.outlet_id as other_id, b.sentence_id as other_sentence, b.negations as other_negations
    from (select topic_id, sentence_a as s, sentence_b as t from links
          union all
          select topic_id, sentence_b, sentence_a from links) l
    join mentions a on a.topic_id = l.topic_id and a.sentence_id = l.s
    join mentions b on b.topic_id = l.topic_id and b.sentence_id = l.t
    where a.claim_id = b.claim_id and a.outlet_id <> b.outlet_id
),

denials as materialized (
    -- linked sentences where this one's negation bears on words the other states plainly. The
    -- word test splits the other sentence's text, so it runs only on the few links between a
    -- negated and a plain sentence (a CASE, not an AND the planner may evaluate in any order),
    -- and the text is joined to those links only: the millions of links do not carry it.
    select k.topic_id, k.claim_id, k.outlet_id, k.other_id
    from (select * from linked where len(negations) > 0 and len(other_negations) = 0) k
    join mentions o on o.topic_id = k.topic_id and o.sentence_id = k.other_sentence and o.claim_id = k.claim_id
    where case when len(k.negation_scope) = 0 then false
          else len(list_filter(k.negation_scope, lambda w: len(list_filter(
                   string_split_regex(lower(strip_accents(o.sentence_text)), '[^a-z0-9]+'),
                   lambda x: starts_with(x, w))) > 0))
               >= greatest(2, least(3, len(k.negation_scope))) end
),

-- 2. Verdicts per pair of outlets: do they agree on the aspect? ---------------------------------

number_pairs as (
    select a.topic_id, a.claim_id, a.aspect, a.outlet_id, b.outlet_id as other_id,
           bool_or(greatest(a.low, b.low) <= least(a.high, b.high)) as agrees
    from number_figures a
    join number_figures b
        on a.topic_id = b.topic_id and a.claim_id = b.claim_id and a.aspect = b.aspect
        and a.outlet_id <> b.outlet_id
    group by a.topic_id, a.claim_id, a.aspect, a.outlet_id, b.outlet_id
    having bool_or(greatest(abs(a.amount), abs(b.amount)) <= 10 * least(abs(a.amount), abs(b.amount)))
),

date_pairs as (
    select k.topic_id, k.claim_id, 'date' as aspect, k.outlet_id, k.other_id,
           bool_or(case
               when da.has_year and db.has_year then starts_with(da.value, db.value) or starts_with(db.value, da.value)
               else da.month_day = '' or db.month_day = ''
                    or starts_with(da.month_day, db.month_day) or starts_with(db.month_day, da.month_day)
           end) as agrees
    from linked k
    join dates da on da.sentence_id = k.sentence_id
    join dates db on db.sentence_id = k.other_sentence
    group by k.topic_id, k.claim_id, k.outlet_id, k.other_id
),

polarity_pairs as (
    -- only claims with a denial; a denial in either direction sets two outlets against each
    -- other, and outlets whose linked sentences share a polarity agree
    select k.topic_id, k.claim_id, 'polarity' as aspect, k.outlet_id, k.other_id,
           not bool_or(d.claim_id is not null or r.claim_id is not null) as agrees
    from linked k
    left join denials d
        on d.topic_id = k.topic_id and d.claim_id = k.claim_id and d.outlet_id = k.outlet_id and d.other_id = k.other_id
    left join denials r
        on r.topic_id = k.topic_id and r.claim_id = k.claim_id and r.outlet_id = k.other_id and r.other_id = k.outlet_id
    where k.claim_id in (select claim_id from denials)
    group by k.topic_id, k.claim_id, k.outlet_id, k.other_id
    having not agrees or bool_or((len(k.negations) > 0) = (len(k.other_negations) > 0))
),

verdicts as (
    select * from number_pairs
    union all by name
    select * from date_pairs
    union all by name
    select * from polarity_pairs
),

-- 3. Per outlet, only where some pair disagrees -------------------------------------------------

contested as materialized (
    select distinct topic_id, claim_id, aspect from verdicts where not agrees
),

per_outlet as (
    select
        v.topic_id, v.claim_id, v.aspect, v.outlet_id,
        count(*) filter (where not v.agrees) as n_conflicting,
        count(*) filter (where v.agrees) as n_agreeing,
        list(v.other_id) filter (where not v.agrees) as conflicting_ids
    from verdicts v
    semi join contested c on c.topic_id = v.topic_id and c.claim_id = v.claim_id and c.aspect = v.aspect
    group by v.topic_id, v.claim_id, v.aspect, v.outlet_id
    having count(*) filter (where not v.agrees) > 0
),

versions as (
    -- what each outlet of a contested claim says: its figures, its written-out dates, its polarity
    select f.topic_id, f.claim_id, f.aspect, f.outlet_id, list(distinct f.variant order by f.variant) as said
    from number_figures f semi join contested c using (topic_id, claim_id, aspect)
    group by all
    union all
    select m.topic_id, m.claim_id, 'date', m.outlet_id, list(distinct d.value order by d.value)
    from mentions m join dates d on d.sentence_id = m.sentence_id
    semi join contested c on c.topic_id = m.topic_id and c.claim_id = m.claim_id and c.aspect = 'date'
    group by all
    union all
    select m.topic_id, m.claim_id, 'polarity', m.outlet_id,
           [case when bool_or(len(m.negations) > 0)
                 then 'negated (' || array_to_string(list_sort(list_distinct(flatten(list(m.negations)))), ', ') || ')'
                 else 'affirmed' end]
    from mentions m
    semi join contested c on c.topic_id = m.topic_id and c.claim_id = m.claim_id and c.aspect = 'polarity'
    group by all
),

outlet_names as (
    select distinct topic_id, claim_id, claim_label, outlet_id, outlet
    from mentions
    where claim_id in (select claim_id from contested)
),

against as (
    -- the other side: who, and what they say
    select p.topic_id, p.claim_id, p.aspect, p.outlet_id,
           list(distinct n.outlet order by n.outlet) as conflicting_outlets,
           list_sort(list_distinct(flatten(list(v.said)))) as other_versions
    from per_outlet p
    cross join unnest(p.conflicting_ids) as x(other_id)
    join outlet_names n on n.topic_id = p.topic_id and n.claim_id = p.claim_id and n.outlet_id = x.other_id
    join versions v on v.topic_id = p.topic_id and v.claim_id = p.claim_id and v.aspect = p.aspect
        and v.outlet_id = x.other_id
    group by p.topic_id, p.claim_id, p.aspect, p.outlet_id
),

final as (
    select
        p.topic_id,
        p.claim_id,
        n.claim_label,
        p.outlet_id,
        n.outlet,
        p.aspect,
        array_to_string(v.said, ', ') as version,
        a.other_versions,
        a.conflicting_outlets,
        p.n_conflicting,
        p.n_agreeing,
        p.n_conflicting >= p.n_agreeing + 1 as contradicted
    from per_outlet p
    join outlet_names n on n.topic_id = p.topic_id and n.claim_id = p.claim_id and n.outlet_id = p.outlet_id
    join versions v on v.topic_id = p.topic_id and v.claim_id = p.claim_id and v.aspect = p.aspect
        and v.outlet_id = p.outlet_id
    join against a on a.topic_id = p.topic_id and a.claim_id = p.claim_id and a.aspect = p.aspect
        and a.outlet_id = p.outlet_id
)

select * from final
