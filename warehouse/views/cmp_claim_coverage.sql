-- cmp_claim_coverage: the claim x outlet matrix: how each outlet reports each cross-outlet claim.
-- grain: one row per (topic, claim reported by 2+ outlets, outlet that covered the claim's story
--   or whose coverage of it cannot be judged)
-- key: topic_id, claim_id, outlet_id
-- inputs: claim_mentions, claim_clusters, topic_stories, int_topic_outlets, int_topic_articles, int_claim_conflicts
-- example: Which claims does every outlet carry, and who quotes rather than paraphrases?
--   select claim_label, outlet, how from cmp_claim_coverage order by claim_id, outlet
-- Rows are per story (topic_stories): a claim's row set is the outlets with a relevant article
-- in the story the claim was aligned in, plus outlets we cannot judge (some pages unreadable,
-- or nothing relevant). An outlet that covered the topic only through other stories has no row
-- for this story's claims: not covering a story is not leaving out its claims, and a topic of
-- hundreds of stories and outlets would otherwise make a matrix of millions of "absent" cells.
-- A claim aligned before stories existed (story_id null) keeps a row for every outlet.
-- how: contradicted (the outlet reports the claim, but its figure, date or polarity conflicts
-- with what as many or more other outlets say: int_claim_conflicts; `contradiction` says how) |
-- quoted | attributed (reported speech) | hedged (asserted with a hedge) | asserted (stated
-- as fact by the outlet) | absent (the outlet covered the story, not this claim) | not_yet (all of
-- its articles in the story predate the claim's first report) | unverified (absent from what we
-- read, but some of its pages could not be read) | unreadable (none of its pages could be read) |
-- no_coverage (nothing relevant from this outlet). fetch_outcomes says why pages were unreadable.
-- manner: for every outlet that reports the claim, how it does so (quoted ... asserted), also
-- when `how` is contradicted.
with

mentions as (select * from claim_mentions where level = 'claim'),
clusters as (select * from main.claim_clusters where level = 'claim' and n_outlets >= 2),
outlets as (select * from int_topic_outlets),
articles as (select * from int_topic_articles),
conflicts as (select * from int_claim_conflicts where contradicted),

reported as (
    select
        topic_id,
        claim_id,
        outlet_id,
        case
            when bool_or(kind = 'direct_quote') then 'quoted'
            when bool_or(kind = 'reported_speech') then 'attributed'
            when bool_or(len(hedges) > 0) then 'hedged'
            else 'asserted'
        end as how,
        count(*) as n_mentions,
        min(published_at) as first_published_at,
        arg_min(sentence_text, (published_at, article_url, field <> 'title', start_char)) as evidence_sentence,
        arg_min(article_url, (published_at, article_url, field <> 'title', start_char)) as evidence_url,
        arg_min(start_char, (published_at, article_url, field <> 'title', start_char)) as evidence_start,
        arg_min(end_char, (published_at, article_url, field <> 'title', start_char)) as evidence_end
    from mentions
    group by all
),

claim_first as (
    select topic_id, claim_id, min(first_published_at) as claim_first_published_at
    from reported
    group by all
),

contradictions as (
    -- "number:tariff: 20% here; 25% at Capital Sentinel, Harbor Wire"
    select
        topic_id, claim_id, outlet_id,
        list(aspect || ': ' || version || ' here; ' || array_to_string(other_versions, ', ') || ' at '
             || array_to_string(conflicting_outlets, ', ') order by aspect) as contradiction
    from conflicts
    group by all
),

story_outlets as (
    -- the outlets of each story, with the date of their last article in it
    select s.topic_id, s.story_id, a.outlet_id, max(a.published_at) as last_published_at
    from main.topic_stories s
    join articles a using (topic_id, article_id)
    group by all
),

unjudged as (
    -- outlets whose coverage of any story is in doubt: a page we could not read may be about it
    select * from outlets where coverage <> 'covered' or n_unreadable > 0
),

grid as (
    select c.topic_id, c.claim_id, c.label as claim_label, o.outlet_id, o.outlet, o.coverage,
           o.n_unreadable, o.unreadable_outcomes, so.last_published_at
    from clusters c
    join story_outlets so using (topic_id, story_id)
    join outlets o using (topic_id, outlet_id)
    union all
    select c.topic_id, c.claim_id, c.label, o.outlet_id, o.outlet, o.coverage,
           o.n_unreadable, o.unreadable_outcomes, null
    from clusters c
    join unjudged o using (topic_id)
    where c.story_id is not null
      and not exists (select 1 from story_outlets so
                      where so.topic_id = c.topic_id and so.story_id = c.story_id and so.outlet_id = o.outlet_id)
    union all
    -- aligned before stories: every outlet of the topic, with its last article anywhere
    select c.topic_id, c.claim_id, c.label, o.outlet_id, o.outlet, o.coverage,
           o.n_unreadable, o.unreadable_outcomes,
           (select max(a.published_at) from articles a where a.topic_id = o.topic_id and a.outlet_id = o.outlet_id)
    from clusters c
    join outlets o using (topic_id)
    where c.story_id is null
),

final as (
    select
        g.topic_id,
        g.claim_id,
        g.claim_label,
        g.outlet_id,
        g.outlet,
        coalesce(
            case when x.contradiction is not null then 'contradicted' end,
            r.how,
            case
                when g.coverage = 'unreadable' then 'unreadable'
                when g.coverage = 'no_relevant_articles' then 'no_coverage'
                when g.last_published_at < f.claim_first_published_at then 'not_yet'
                when g.n_unreadable > 0 then 'unverified'
                else 'absent'
            end
        ) as how,
        r.how as manner,
        coalesce(x.contradiction, []) as contradiction,
        case when r.how is null then g.unreadable_outcomes else [] end as fetch_outcomes,
        coalesce(r.n_mentions, 0) as n_mentions,
        r.first_published_at,
        r.evidence_sentence,
        r.evidence_url,
        r.evidence_start,
        r.evidence_end
    from grid g
    left join reported r using (topic_id, claim_id, outlet_id)
    left join claim_first f using (topic_id, claim_id)
    left join contradictions x using (topic_id, claim_id, outlet_id)
)

select * from final
