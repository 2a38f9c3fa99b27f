-- cmp_first_reports: who reported each cross-outlet claim first, and how sure that is.
-- grain: one row per cross-outlet claim
-- key: claim_id
-- inputs: claim_mentions
-- example: Which outlet broke each claim, and which rankings rest on a fallback date?
--   select claim_label, first_outlet, first_published_at, first_date_basis, ranking_uncertain from cmp_first_reports
-- A first report whose date is not the page's own exact time (feed date, fetch time, a page
-- date without time zone or time) is marked ranking_uncertain, as is a tie at the same time.
with

mentions as (select * from claim_mentions where level = 'claim' and claim_n_outlets >= 2),

per_outlet as (
    select
        topic_id, claim_id, outlet,
        any_value(claim_label) as claim_label,
        min(published_at) as published_at,
        arg_min(date_basis, (published_at, article_url)) as date_basis,
        arg_min(article_url, (published_at, article_url)) as article_url
    from mentions
    group by topic_id, claim_id, outlet
),

ranked as (
    select
        *,
        row_number() over (partition by claim_id order by published_at, outlet) as rank,
        count(*) over (partition by claim_id) as n_outlets
    from per_outlet
),

final as (
    select
        f.topic_id,
        f.claim_id,
        f.claim_label,
        f.outlet as first_outlet,
        f.published_at as first_published_at,
        f.date_basis as first_date_basis,
        f.article_url as first_article_url,
        s.outlet as second_outlet,
        s.published_at - f.published_at as lead_time,
        f.n_outlets,
        f.date_basis not similar to 'page:[a-z_-]+'
            or coalesce(s.published_at = f.published_at, false) as ranking_uncertain
    from ranked f
    left join ranked s on s.claim_id = f.claim_id and s.rank = 2
    where f.rank = 1
)

select * from final
