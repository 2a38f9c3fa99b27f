-- cmp_outlet_profile: one line per outlet of a topic: how much of the shared story it carries,
-- what it leaves out, where its figures differ, how loaded its wording is, and how well we could
-- read it (so a low coverage share can be told from an outlet we could not fetch).
-- grain: one row per (topic, outlet)
-- key: topic_id, outlet_id
-- inputs: int_topic_outlets, cmp_claim_coverage, cmp_omissions, cmp_number_discrepancies,
--   cmp_date_discrepancies, cmp_loaded_language, cmp_first_reports, cmp_wire_copies
-- example: Which outlets carry least of the shared story, and is it their choice or our fetch?
--   select outlet, coverage_share, n_omitted, n_unreadable_pages, unreadable_outcomes
--   from cmp_outlet_profile order by coverage_share
-- coverage_share = claims it reports / claims reported by 2+ outlets in the stories it covered
-- (cmp_claim_coverage's rows for it; null when none could be judged: every such claim is
-- unreadable, not_yet or no_coverage for it). lone_numbers counts
-- number discrepancies where it is the only outlet on its side; loaded_per_1000_words sums the
-- loaded-language categories of cmp_loaded_language except the neutral counterparts
-- (neutral-request, neutral-label) and hedging (hedges are counted by claim, as n_hedged);
-- top_category is the largest of those. n_quoted ... n_asserted count claims by the manner of
-- reporting (cmp_claim_coverage.manner); n_contradicted counts those where its version stands
-- against the others' (how = 'contradicted').
with

outlets as (select * from int_topic_outlets),
coverage as (select * from cmp_claim_coverage),
omissions as (select * from cmp_omissions),
numbers as (select * from cmp_number_discrepancies),
dates as (select * from cmp_date_discrepancies),
loaded as (select * from cmp_loaded_language),
firsts as (select * from cmp_first_reports),
copies as (select * from cmp_wire_copies),

carried as (
    select
        topic_id,
        outlet_id,
        count(*) filter (where manner is not null) as n_reported,
        count(*) filter (where manner is not null or how = 'absent') as n_judged,
        count(*) filter (where manner = 'quoted') as n_quoted,
        count(*) filter (where manner = 'attributed') as n_attributed,
        count(*) filter (where manner = 'hedged') as n_hedged,
        count(*) filter (where manner = 'asserted') as n_asserted,
        count(*) filter (where how = 'contradicted') as n_contradicted,
        count(*) as n_shared_claims
    from coverage
    group by topic_id, outlet_id
),

left_out as (
    select
        topic_id,
        outlet_id,
        count(*) filter (where status = 'omitted') as n_omitted,
        count(*) filter (where status in ('unverified', 'unreadable')) as n_cannot_judge
    from omissions
    group by topic_id, outlet_id
),

number_sides as (
    select topic_id, unnest(outlets_a) as outlet, len(outlets_a) = 1 as alone from numbers
    union all
    select topic_id, unnest(outlets_b) as outlet, len(outlets_b) = 1 as alone from numbers
),

number_counts as (
    select topic_id, outlet, count(*) as n_number_conflicts, count(*) filter (where alone) as n_lone_numbers
    from number_sides
    group by topic_id, outlet
),

date_counts as (
    select topic_id, outlet, count(*) as n_date_conflicts
    from (
        select topic_id, unnest(outlets_a) as outlet from dates
        union all
        select topic_id, unnest(outlets_b) as outlet from dates
    )
    group by topic_id, outlet
),

framing as (
    select
        topic_id,
        outlet_id,
        round(sum(per_1000_words), 2) as loaded_per_1000_words,
        -- ties (one loaded word in each of two categories) go to the first category by name, so the
        -- answer does not depend on the order rows arrive in
        first(category order by per_1000_words desc, category) as top_category
    from loaded
    where category not like 'neutral-%' and category <> 'hedging'
    group by topic_id, outlet_id
),

first_counts as (
    select topic_id, first_outlet as outlet, count(*) as n_first_reports
    from firsts
    where not ranking_uncertain
    group by topic_id, first_outlet
),

copy_counts as (
    select topic_id, outlet, count(*) as n_copies_of_others
    from copies
    group by topic_id, outlet
),

final as (
    select
        o.topic_id,
        o.outlet_id,
        o.outlet,
        o.coverage as story_coverage,
        o.n_relevant as n_articles,
        coalesce(c.n_shared_claims, 0) as n_shared_claims,
        coalesce(c.n_reported, 0) as n_reported,
        case when c.n_judged > 0 then round(c.n_reported / c.n_judged, 3) end as coverage_share,
        coalesce(c.n_quoted, 0) as n_quoted,
        coalesce(c.n_attributed, 0) as n_attributed,
        coalesce(c.n_hedged, 0) as n_hedged,
        coalesce(c.n_asserted, 0) as n_asserted,
        coalesce(c.n_contradicted, 0) as n_contradicted,
        coalesce(m.n_omitted, 0) as n_omitted,
        coalesce(m.n_cannot_judge, 0) as n_cannot_judge,
        coalesce(n.n_number_conflicts, 0) as n_number_conflicts,
        coalesce(n.n_lone_numbers, 0) as n_lone_numbers,
        coalesce(d.n_date_conflicts, 0) as n_date_conflicts,
        coalesce(f.loaded_per_1000_words, 0) as loaded_per_1000_words,
        f.top_category,
        coalesce(r.n_first_reports, 0) as n_first_reports,
        coalesce(w.n_copies_of_others, 0) as n_copies_of_others,
        o.n_urls,
        o.n_readable as n_readable_pages,
        o.n_unreadable as n_unreadable_pages,
        o.n_not_fetched,
        o.unreadable_outcomes
    from outlets o
    left join carried c on c.topic_id = o.topic_id and c.outlet_id = o.outlet_id
    left join left_out m on m.topic_id = o.topic_id and m.outlet_id = o.outlet_id
    left join number_counts n on n.topic_id = o.topic_id and n.outlet = o.outlet
    left join date_counts d on d.topic_id = o.topic_id and d.outlet = o.outlet
    left join framing f on f.topic_id = o.topic_id and f.outlet_id = o.outlet_id
    left join first_counts r on r.topic_id = o.topic_id and r.outlet = o.outlet
    left join copy_counts w on w.topic_id = o.topic_id and w.outlet = o.outlet
)

select * from final
