-- int_topic_outlets: every outlet that a topic's sources pointed to, and what we got from it.
-- grain: one row per (topic, outlet)
-- key: topic_id, outlet_id
-- inputs: discoveries, stg_fetches, topic_articles, stg_articles, outlets
-- example: Which outlets could we not read for this topic?
--   select outlet, n_urls, n_unreadable, unreadable_outcomes from int_topic_outlets where coverage = 'unreadable'
-- coverage: 'covered' (at least one relevant article), 'unreadable' (nothing relevant, and some
-- of its pages could not be fetched, or were aggregator links we could not resolve),
-- 'no_relevant_articles' (read, but nothing on the topic).
with

discovered as (
    -- an aggregator link we could not resolve to the publisher's URL was never fetched: the
    -- outlet published something we could not read ("unresolved")
    select
        d.topic_id, d.outlet_id, d.url,
        case when d.resolved is false then 'unresolved' else f.outcome end as outcome,
        case when d.resolved is false then false else f.readable end as readable
    from main.discoveries d
    left join stg_fetches f on f.url = d.url
    where d.outlet_id is not null
),

by_discovery as (
    select
        topic_id,
        outlet_id,
        count(distinct url) as n_urls,
        count(distinct url) filter (where readable) as n_readable,
        count(distinct url) filter (where not readable) as n_unreadable,
        count(distinct url) filter (where outcome is null) as n_not_fetched,
        list(distinct outcome order by outcome) filter (where not readable) as unreadable_outcomes
    from discovered
    group by all
),

judged as (
    select
        t.topic_id,
        a.outlet_id,
        count(*) filter (where t.relevant) as n_relevant,
        count(*) filter (where not t.relevant) as n_dropped
    from main.topic_articles t
    join stg_articles a using (article_id)
    group by all
),

final as (
    select
        coalesce(d.topic_id, j.topic_id) as topic_id,
        coalesce(d.outlet_id, j.outlet_id) as outlet_id,
        coalesce(o.name, o.domain) as outlet,
        coalesce(d.n_urls, 0) as n_urls,
        coalesce(d.n_readable, 0) as n_readable,
        coalesce(d.n_unreadable, 0) as n_unreadable,
        coalesce(d.n_not_fetched, 0) as n_not_fetched,
        coalesce(d.unreadable_outcomes, []) as unreadable_outcomes,
        coalesce(j.n_relevant, 0) as n_relevant,
        coalesce(j.n_dropped, 0) as n_dropped,
        case
            when coalesce(j.n_relevant, 0) > 0 then 'covered'
            when coalesce(d.n_unreadable, 0) > 0 then 'unreadable'
            else 'no_relevant_articles'
        end as coverage
    from by_discovery d
    full outer join judged j on j.topic_id = d.topic_id and j.outlet_id = d.outlet_id
    left join main.outlets o on o.outlet_id = coalesce(d.outlet_id, j.outlet_id)
)

select * from final
