-- cmp_article_edits: what changed between consecutive versions of an article, sentence by sentence.
-- grain: one row per sentence removed from or added to an article between two versions
-- key: article_id, to_version_id, change, idx
-- inputs: article_versions, sentences, stg_articles, claim_cluster_members
-- example: What did an outlet correct after publication?
--   select outlet, from_seen_at, to_seen_at, change, sentence_text from cmp_article_edits
-- Sentences are compared by exact text, so a one-word fix shows as one removal plus one addition.
-- claim_ids links an added sentence of the current version to its cross-outlet claims (one per
-- topic the article belongs to).
with

versions as (
    select
        article_id, version_id, first_seen_at,
        lag(version_id) over (partition by article_id order by first_seen_at, version_id) as prev_version_id,
        lag(first_seen_at) over (partition by article_id order by first_seen_at, version_id) as prev_seen_at
    from main.article_versions
),

steps as (select * from versions where prev_version_id is not null),
all_sentences as (select * from main.sentences),
articles as (select article_id, outlet, article_url, title from stg_articles),

removed as (
    select s.article_id, s.prev_version_id as from_version_id, s.version_id as to_version_id,
           s.prev_seen_at as from_seen_at, s.first_seen_at as to_seen_at,
           'removed' as change, o.idx, o.field, o.text as sentence_text, null as sentence_id
    from steps s
    join all_sentences o on o.version_id = s.prev_version_id
    where not exists (
        select 1 from all_sentences n where n.version_id = s.version_id and n.text = o.text
    )
),

added as (
    select s.article_id, s.prev_version_id, s.version_id, s.prev_seen_at, s.first_seen_at,
           'added', n.idx, n.field, n.text, n.sentence_id
    from steps s
    join all_sentences n on n.version_id = s.version_id
    where not exists (
        select 1 from all_sentences o where o.version_id = s.prev_version_id and o.text = n.text
    )
),

changes as (select * from removed union all select * from added),

final as (
    select
        c.article_id,
        a.outlet,
        a.title,
        a.article_url,
        c.from_version_id,
        c.to_version_id,
        c.from_seen_at,
        c.to_seen_at,
        c.change,
        c.idx,
        c.field,
        c.sentence_text,
        (select list(distinct m.claim_id order by m.claim_id) from main.claim_cluster_members m
         where m.sentence_id = c.sentence_id and m.level = 'claim') as claim_ids
    from changes c
    join articles a using (article_id)
)

select * from final
