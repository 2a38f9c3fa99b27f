-- stg_articles: every article with its current version (the one seen most recently) and outlet.
-- grain: one row per article
-- key: article_id
-- inputs: articles, article_versions, outlets
-- example: Which articles changed after publication?
--   select outlet, title, n_versions from stg_articles where n_versions > 1
with

all_articles as (select * from main.articles),
all_versions as (select * from main.article_versions),
all_outlets as (select * from main.outlets),

ranked_versions as (
    select
        v.*,
        row_number() over (
            partition by v.article_id
            order by v.last_seen_at desc, v.first_seen_at desc, v.version_id
        ) as recency_rank,
        count(*) over (partition by v.article_id) as n_versions
    from all_versions v
),

final as (
    select
        a.article_id,
        a.canonical_url as article_url,
        a.outlet_id,
        o.name as outlet,
        o.domain as outlet_domain,
        v.version_id,
        v.n_versions,
        v.title,
        v.authors,
        v.published,
        v.published_iso,
        v.published_precision,
        v.published_source,
        v.modified,
        v.language,
        v.genre,
        v.section,
        v.body,
        v.parse_status,
        v.warnings,
        v.parser_version,
        v.fetch_id,
        a.first_seen_at,
        v.last_seen_at
    from all_articles a
    join ranked_versions v on v.article_id = a.article_id and v.recency_rank = 1
    left join all_outlets o on o.outlet_id = a.outlet_id
)

select * from final
