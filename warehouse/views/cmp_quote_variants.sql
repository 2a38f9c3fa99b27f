-- cmp_quote_variants: one statement, several wordings: the quotes of a claim side by side.
-- grain: one row per quote inside a mention of a claim that is quoted in 2+ distinct wordings
-- key: claim_id, sentence_id, quote_idx
-- inputs: claim_quotes, claim_mentions
-- example: How did outlets render Noem's words, and who changed a pronoun?
--   select outlet, speaker, quote_text, pronouns, is_first from cmp_quote_variants order by claim_id, published_at
-- pronouns lists the personal pronouns inside the quote (he/him/she/her, él/ella/le...): a quote
-- whose pronouns differ from the other variants was probably re-translated or altered.
with

quotes as (select * from main.claim_quotes),
mentions as (select * from claim_mentions),

quoted as (
    select
        m.topic_id,
        m.claim_id,
        m.claim_label,
        m.sentence_id,
        q.idx as quote_idx,
        m.outlet,
        m.article_url,
        m.published_at,
        m.date_basis,
        coalesce(q.speaker, m.speaker) as speaker,
        q.text as quote_text,
        lower(regexp_replace(q.text, '[^\p{L}\p{N}]+', ' ', 'g')) as normalized,
        regexp_extract_all(lower(q.text), '\b(he|him|his|she|her|hers|they|them|él|ella|le|les|lo|la)\b') as pronouns,
        q.start_char,
        q.end_char,
        m.language
    from quotes q
    join mentions m on m.sentence_id = q.sentence_id
),

per_claim as (
    select topic_id, claim_id, count(distinct normalized) as n_wordings, min(published_at) as first_at
    from quoted
    group by all
),

final as (
    select
        q.topic_id,
        q.claim_id,
        q.sentence_id,
        q.quote_idx,
        q.claim_label,
        q.outlet,
        q.speaker,
        q.quote_text,
        q.pronouns,
        q.language,
        q.published_at,
        q.date_basis,
        q.published_at = p.first_at as is_first,
        p.n_wordings,
        count(*) over (partition by q.claim_id, q.normalized) as n_same_wording,
        q.article_url,
        q.start_char,
        q.end_char
    from quoted q
    join per_claim p using (topic_id, claim_id)
    where p.n_wordings >= 2
)

select * from final
