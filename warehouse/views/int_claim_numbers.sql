-- int_claim_numbers: every figure of a claim-bearing sentence, on one scale per quantity, with
-- the range of values its wording allows (for telling a discrepancy from a rounding).
-- grain: one row per number mention with a concept and a value
-- key: sentence_id, idx
-- inputs: claim_numbers
-- example: Which figures are given as ranges ("more than", "nearly") rather than as values?
--   select raw, variant, low, high from int_claim_numbers where qualifier <> '' order by sentence_id, idx
-- Rules, in order:
-- 1. Durations share one concept, 'duration', in minutes: "half an hour" = "30 minutes".
-- 2. Contrast qualifiers ("instead of", "compared with") mark the quantity an outlet sets
--    against the one it reports (the 30 minutes scheduled, not the two hours held): contrast is
--    true and the qualifier is left empty, since they say which quantity is meant, not how exact.
-- 3. The range a wording allows: a bare value or "about" = within 10%; "more than" = above it;
--    "at least" = it or above; "nearly" = up to 20% below it; "less than" = below it; "at most",
--    "up to" = it or below. Open ends are nudged by a millionth so that "more than 2" and
--    "at most 2" do not meet. Two figures can be the same quantity only if their ranges overlap.
with

numbers as (select * from main.claim_numbers where concept is not null and value is not null),

normalized as (
    select
        sentence_id,
        idx,
        raw,
        unit,
        case when concept in ('minutes', 'hours', 'days', 'weeks') then 'duration' else concept end as concept,
        value * case concept when 'hours' then 60 when 'days' then 1440 when 'weeks' then 10080 else 1 end
            as amount,
        coalesce(qualifier in ('instead of', 'compared with'), false) as contrast,
        case when qualifier in ('instead of', 'compared with') then '' else coalesce(qualifier, '') end as qualifier
    from numbers
),

final as (
    select
        sentence_id,
        idx,
        raw,
        concept,
        amount,
        qualifier,
        contrast,
        trim(qualifier || ' ' ||
            case
                when concept = 'duration' and amount % 60 = 0 then format('{} h', cast(amount / 60 as bigint))
                when concept = 'duration' then format('{} min', regexp_replace(cast(amount as varchar), '\.0$', ''))
                when unit = '%' then format('{}%', regexp_replace(cast(amount as varchar), '\.0$', ''))
                else format('{} {}', regexp_replace(cast(amount as varchar), '\.0$', ''), concept)
            end) as variant,
        -- rounded to a millionth: the nudged ends stay apart, and print as 119.99988, not 119.99987999999999
        round(case qualifier
            when 'more than' then abs(amount) * 1.000001
            when 'at least' then abs(amount)
            when 'nearly' then abs(amount) * 0.8
            when 'less than' then 0
            when 'at most' then 0
            when 'up to' then 0
            else abs(amount) * 0.9
        end, 6) as low,
        round(case qualifier
            when 'more than' then 'infinity'::double
            when 'at least' then 'infinity'::double
            when 'nearly' then abs(amount) * 0.999999
            when 'less than' then abs(amount) * 0.999999
            when 'at most' then abs(amount)
            when 'up to' then abs(amount)
            else abs(amount) * 1.1
        end, 6) as high
    from normalized
)

select * from final
