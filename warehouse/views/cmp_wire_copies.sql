-- cmp_wire_copies: articles that are (near-)copies of an earlier article of another outlet, and
-- what the copy left out or added, so "five outlets reported it" can be told from "one agency,
-- reprinted five times", and a trimmed reprint shows what the trim removed.
-- grain: one row per (topic, copy article, earlier source article of another outlet)
-- key: topic_id, article_id, source_article_id
-- inputs: claim_mentions
-- example: Which outlets reprinted wire copy, and what did their edits drop?
--   select outlet, source_outlet, shared_share, left_out from cmp_wire_copies
-- An article is a copy when at least 60% of its claims are also claims of the source in nearly
-- the same words (70% of their distinct words in common), and the source was published no
-- later. left_out lists the source's claims the copy does not carry, in the source's words;
-- added lists the copy's own, in its words.
with

mentions as (select * from claim_mentions where level = 'claim'),

articles as (
    select
        topic_id, article_id,
        any_value(outlet) as outlet,
        any_value(outlet_id) as outlet_id,
        any_value(article_url) as article_url,
        min(published_at) as published_at,
        count(distinct claim_id) as n_claims
    from mentions
    group by topic_id, article_id
),

article_claims as (
    -- each article's own wording of each claim it carries (first occurrence)
    select topic_id, article_id, claim_id, arg_min(sentence_text, (field <> 'title', start_char)) as wording
    from mentions
    group by all
),

forms as (
    -- each distinct wording of a claim once: reprints repeat wordings, and the word lists and
    -- their comparison are the costly part (at 10,000 articles 130,500 wordings are 27,183 forms)
    select *, len(words) as n_words
    from (
        select topic_id, claim_id, wording,
               list_distinct(regexp_extract_all(lower(wording), '[\p{L}\p{N}]+')) as words
        from (select distinct topic_id, claim_id, wording from article_claims)
    )
),

close_forms as (
    -- wordings of a claim close enough for one to be a copy of the other (a wording is close to
    -- itself): |A ∩ B| >= 0.7 |A ∪ B| with |A ∪ B| = |A| + |B| - |A ∩ B| (distinct words). It
    -- needs the shorter wording to hold 70% of the longer's count, a cheap test that rules most
    -- pairs out before the list work. Integer arithmetic: 17 |A ∩ B| >= 7 (|A| + |B|).
    select a.topic_id, a.claim_id, a.wording as wording_a, b.wording as wording_b
    from forms a
    join forms b using (topic_id, claim_id)
    where a.wording = b.wording
       or (10 * least(a.n_words, b.n_words) >= 7 * greatest(a.n_words, b.n_words)
           and 17 * len(list_intersect(a.words, b.words)) >= 7 * (a.n_words + b.n_words))
),

shared as (
    -- claims two articles share in (nearly) the same words: copy, not independent reporting
    select a.topic_id, a.article_id, b.article_id as source_article_id, count(*) as n_shared
    from close_forms f
    join article_claims a on a.topic_id = f.topic_id and a.claim_id = f.claim_id and a.wording = f.wording_a
    join article_claims b on b.topic_id = f.topic_id and b.claim_id = f.claim_id and b.wording = f.wording_b
    where a.article_id <> b.article_id
    group by all
),

copies as (
    select
        s.topic_id,
        s.article_id,
        s.source_article_id,
        c.outlet,
        src.outlet as source_outlet,
        c.published_at,
        src.published_at as source_published_at,
        s.n_shared,
        c.n_claims,
        src.n_claims as source_n_claims,
        round(s.n_shared / c.n_claims, 2) as shared_share,
        c.article_url,
        src.article_url as source_url
    from shared s
    join articles c on c.topic_id = s.topic_id and c.article_id = s.article_id
    join articles src on src.topic_id = s.topic_id and src.article_id = s.source_article_id
    where c.outlet_id <> src.outlet_id
      and s.n_shared >= 0.6 * c.n_claims
      and src.published_at <= c.published_at
),

left_out as (
    select p.topic_id, p.article_id, p.source_article_id, list(b.wording order by b.wording) as claims
    from copies p
    join article_claims b on b.topic_id = p.topic_id and b.article_id = p.source_article_id
    where not exists (
        select 1 from article_claims a
        where a.topic_id = p.topic_id and a.article_id = p.article_id and a.claim_id = b.claim_id
    )
    group by all
),

added as (
    select p.topic_id, p.article_id, p.source_article_id, list(a.wording order by a.wording) as claims
    from copies p
    join article_claims a on a.topic_id = p.topic_id and a.article_id = p.article_id
    where not exists (
        select 1 from article_claims b
        where b.topic_id = p.topic_id and b.article_id = p.source_article_id and b.claim_id = a.claim_id
    )
    group by all
),

final as (
    select
        p.*,
        coalesce(l.claims, []) as left_out,
        coalesce(d.claims, []) as added
    from copies p
    left join left_out l using (topic_id, article_id, source_article_id)
    left join added d using (topic_id, article_id, source_article_id)
)

select * from final
