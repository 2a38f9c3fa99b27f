-- int_topic_articles: the articles judged relevant to a topic, with the date each is ranked by.
-- grain: one row per (topic, relevant article), current version
-- key: topic_id, article_id
-- inputs: topic_articles, stg_articles, article_versions, discoveries
-- example: In what order did outlets publish, and how sure are the dates?
--   select outlet, published_at, date_basis, title from int_topic_articles order by published_at
-- A page's own date is preferred; when it has none, the feed's date and then the first fetch
-- stand in, and date_basis says so: such rows must never be ranked silently as if exact.
-- date_is_fallback is also true for a page date without a time zone or without a time.
with

decisions as (select * from main.topic_articles where relevant),
articles as (select * from stg_articles),

article_urls as (
    select distinct article_id, url from main.article_versions
    union
    select article_id, article_url from stg_articles
),

feed_dates as (
    select u.article_id, d.topic_id, min(d.feed_published) as feed_published
    from article_urls u
    join main.discoveries d on d.url = u.url
    group by all
),

final as (
    select
        t.topic_id,
        a.article_id,
        a.article_url,
        a.outlet_id,
        a.outlet,
        a.version_id,
        a.n_versions,
        a.title,
        a.authors,
        a.language,
        a.genre,
        coalesce(a.published, f.feed_published, a.first_seen_at) as published_at,
        case
            when a.published is not null then 'page:' || coalesce(a.published_source, 'unknown')
                || case when a.published_precision = 'instant' then '' else ':' || a.published_precision end
            when f.feed_published is not null then 'feed'
            else 'first_seen'
        end as date_basis,
        coalesce(a.published_precision, '') <> 'instant' as date_is_fallback,
        a.published_iso,
        a.first_seen_at,
        t.reason as relevance_reason
    from decisions t
    join articles a on a.article_id = t.article_id
    left join feed_dates f on f.article_id = a.article_id and f.topic_id = t.topic_id
)

select * from final
