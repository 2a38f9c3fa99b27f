-- 002: what a fetch came to, in the classes users query; what aggregators told us about an item.

-- fetches.outcome: one word a user can filter on (parsers.records.FETCH_OUTCOMES), beside the
-- technical status. Rows loaded before this migration get it from their status and HTTP code,
-- by the same rules as parsers.records.fetch_outcome.
alter table fetches add column outcome varchar;
update fetches set outcome = case
    when status in ('ok', 'not_modified', 'timeout', 'too_large', 'not_html', 'invalid_url', 'not_archived') then status
    when status = 'http_error' and http_status = 404 then 'not_found'
    when status = 'http_error' and http_status = 410 then 'gone'
    when status = 'http_error' and http_status in (401, 403, 451) then 'blocked'
    when status = 'http_error' and http_status = 429 then 'rate_limited'
    when status = 'http_error' and http_status >= 500 then 'server_error'
    when status = 'http_error' and http_status is not null then 'client_error'
    when status = 'blocked_by_robots' then 'blocked'
    when status = 'too_many_redirects' then 'redirect_loop'
    when status in ('connection_error', 'decode_error', 'read_error') then 'network_error'
    when status = 'not_feed' then 'not_html'
    else 'error'
end;

-- Google News and GDELT name articles through their own links and dates: keep both, so the
-- aggregator is never taken for the outlet and a first-seen time never for a publication date.
alter table discoveries add column aggregator_url varchar;
alter table discoveries add column resolved boolean default true;
alter table discoveries add column source_seen_at timestamptz;
alter table discoveries add column language varchar;
alter table discoveries add column outlet_url varchar;      -- the outlet's home, as the aggregator names it
alter table discoveries add column outlet_country varchar;  -- GDELT sourcecountry
