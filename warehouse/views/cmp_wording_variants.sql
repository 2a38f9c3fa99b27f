-- cmp_wording_variants: the words that set one outlet's version of a claim apart from the others
-- ("extradited" where others wrote "sent"; "all Mexicans" where others wrote "migrants").
-- grain: one row per mention of a claim reported by 2+ outlets in the same language
-- key: claim_id, sentence_id
-- inputs: claim_mentions
-- example: How does each outlet word the claim about the 29 cartel figures?
--   select outlet, only_here, missing_here, sentence_text from cmp_wording_variants where claim_label ilike '%29%'
-- only_here: words in this mention that no other outlet's mention of the claim uses;
-- missing_here: words every other outlet's mention uses and this one does not.
with

mentions as (select * from claim_mentions where level = 'claim' and claim_n_outlets >= 2),

words as (
    select distinct
        topic_id, claim_id, sentence_id, outlet_id, language,
        unnest(regexp_extract_all(lower(sentence_text), '[\p{L}\p{N}]+(?:[''’-][\p{L}\p{N}]+)*')) as word
    from mentions
),

peers as (
    -- the other outlets' mentions of the same claim in the same language
    select m.claim_id, m.sentence_id, count(distinct p.outlet_id) as n_peer_outlets
    from mentions m
    join mentions p on p.claim_id = m.claim_id and p.outlet_id <> m.outlet_id
        and coalesce(p.language, '') = coalesce(m.language, '')
    group by all
),

word_outlets as (
    select claim_id, language, word, list(distinct outlet_id) as outlet_ids
    from words
    group by all
),

only_here as (
    select w.claim_id, w.sentence_id, list(w.word order by w.word) as words
    from words w
    join word_outlets o using (claim_id, language, word)
    where len(o.outlet_ids) = 1
    group by all
),

missing_here as (
    select m.claim_id, m.sentence_id, list(distinct o.word order by o.word) as words
    from words m
    join peers p using (claim_id, sentence_id)
    join word_outlets o on o.claim_id = m.claim_id and coalesce(o.language, '') = coalesce(m.language, '')
    where not list_contains(o.outlet_ids, m.outlet_id)
      and len(o.outlet_ids) >= p.n_peer_outlets
      and p.n_peer_outlets >= 1
    group by all
),

final as (
    select
        m.topic_id,
        m.claim_id,
        m.sentence_id,
        m.claim_label,
        m.outlet,
        m.language,
        coalesce(h.words, []) as only_here,
        coalesce(x.words, []) as missing_here,
        m.sentence_text,
        m.article_url,
        m.start_char,
        m.end_char
    from mentions m
    join peers p using (claim_id, sentence_id)
    left join only_here h using (claim_id, sentence_id)
    left join missing_here x using (claim_id, sentence_id)
)

select * from final
