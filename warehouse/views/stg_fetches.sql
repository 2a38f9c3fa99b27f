-- stg_fetches: the latest fetch outcome of every requested URL, with its outlet.
-- grain: one row per requested URL
-- key: url
-- inputs: fetches, outlets
-- example: Which pages could we not read, and why?
--   select outlet, url, outcome, http_status, error from stg_fetches where not readable
-- outcome is the class to filter on (ok, not_modified, not_found, gone, blocked, paywalled,
-- consent_wall, js_required, rate_limited, timeout, too_large, not_html, network_error,
-- redirect_loop, ...); status and error keep the technical detail. A 304 (not_modified) is readable: we hold that content.
with

all_fetches as (select * from main.fetches),
all_outlets as (select * from main.outlets),

latest as (
    select
        f.*,
        count(*) over (partition by f.url) as n_fetches,
        row_number() over (partition by f.url order by f.fetched_at desc, f.fetch_id) as recency_rank
    from all_fetches f
),

final as (
    select
        l.url,
        l.final_url,
        l.outlet_id,
        coalesce(o.name, o.domain) as outlet,
        l.outcome,
        l.status,
        l.outcome in ('ok', 'not_modified') as readable,
        l.http_status,
        l.error,
        l.content_type,
        l.fetched_at,
        l.via,
        l.n_fetches,
        l.warc_file,
        l.warc_offset,
        l.fetch_id
    from latest l
    left join all_outlets o on o.outlet_id = l.outlet_id
    where l.recency_rank = 1
)

select * from final
