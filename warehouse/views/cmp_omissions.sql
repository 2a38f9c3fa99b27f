-- cmp_omissions: claims that most outlets carry and some outlet does not, with why it is missing.
-- grain: one row per (topic, widely carried claim, outlet that does not report it)
-- key: topic_id, claim_id, outlet_id
-- inputs: cmp_claim_coverage
-- example: What did each outlet leave out that most others reported?
--   select outlet, claim_label, status from cmp_omissions where status = 'omitted'
-- A claim is "widely carried" when at least half of the outlets with readable coverage of its
-- story report it (and at least two do): the outlets are cmp_claim_coverage's, those of the
-- claim's story and those we could not read. status tells a real omission from a gap we cannot judge:
-- omitted | not_yet (outlet published before the claim appeared) | unverified (some of the
-- outlet's pages could not be read) | unreadable | no_coverage; fetch_outcomes says why pages
-- could not be read (blocked, paywalled, not_found, timeout...).
with

coverage as (select * from cmp_claim_coverage),

claim_reach as (
    select
        topic_id,
        claim_id,
        count(*) filter (where n_mentions > 0) as n_reporting,
        count(*) filter (where how not in ('unreadable', 'no_coverage')) as n_readable_outlets,
        list(outlet order by outlet) filter (where n_mentions > 0) as reporting_outlets
    from coverage
    group by all
),

widely_carried as (
    select * from claim_reach
    where n_reporting >= 2 and 2 * n_reporting >= n_readable_outlets
),

final as (
    select
        c.topic_id,
        c.claim_id,
        c.claim_label,
        c.outlet_id,
        c.outlet,
        case c.how when 'absent' then 'omitted' else c.how end as status,
        c.fetch_outcomes,
        w.n_reporting,
        w.n_readable_outlets,
        w.reporting_outlets
    from coverage c
    join widely_carried w using (topic_id, claim_id)
    where c.n_mentions = 0
)

select * from final
