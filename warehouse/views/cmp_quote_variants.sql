-- cmp_quote_variants: one statement, several wordings: the quotes of a statement side by side.
-- grain: one row per quote inside a sentence of a statement quoted in 2+ distinct wordings
-- key: statement_id, sentence_id, quote_idx
-- inputs: claim_quotes, quote_statements, int_topic_claims, claim_cluster_members
-- example: How did outlets render Noem's words, and who changed a pronoun?
--   select outlet, speaker, quote_text, pronouns, is_first from cmp_quote_variants order by statement_id, published_at
-- A statement groups quote-bearing sentences that quote the same thing, across claims and
-- languages (warehouse/analysis.py). pronouns lists the personal pronouns inside the quote
-- (he/him/she/her, él/ella/le...): a quote whose pronouns differ from the other variants was
-- probably re-translated or altered. n_same_wording counts verbatim copies (wire reprints).
with

quotes as (select * from main.claim_quotes),
statements as (select * from main.quote_statements),
topic_claims as (select * from int_topic_claims),
members as (select * from main.claim_cluster_members),

quoted as (
    select
        s.topic_id,
        s.statement_id,
        m.claim_id,
        c.sentence_id,
        q.idx as quote_idx,
        c.outlet,
        c.article_url,
        c.published_at,
        c.date_basis,
        coalesce(q.speaker, c.speaker) as speaker,
        q.text as quote_text,
        trim(lower(regexp_replace(q.text, '[^\p{L}\p{N}]+', ' ', 'g'))) as normalized,
        regexp_extract_all(
            lower(q.text),
            '(?:^|[^\p{L}])(he|him|his|she|her|hers|they|them|él|ella|le|les|lo|la)(?:[^\p{L}]|$)', 1
        ) as pronouns,
        q.start_char,
        q.end_char,
        c.language,
        c.sentence_text
    from quotes q
    join statements s on s.sentence_id = q.sentence_id
    join topic_claims c on c.topic_id = s.topic_id and c.sentence_id = q.sentence_id
    left join members m on m.topic_id = s.topic_id and m.sentence_id = q.sentence_id and m.level = 'claim'
),

per_statement as (
    select statement_id, count(distinct normalized) as n_wordings, min(published_at) as first_at
    from quoted
    group by all
),

final as (
    select
        q.topic_id,
        q.statement_id,
        q.sentence_id,
        q.quote_idx,
        q.claim_id,
        q.outlet,
        q.speaker,
        q.quote_text,
        q.pronouns,
        q.language,
        q.published_at,
        q.date_basis,
        q.published_at = p.first_at as is_first,
        p.n_wordings,
        count(*) over (partition by q.statement_id, q.normalized) as n_same_wording,
        q.sentence_text,
        q.article_url,
        q.start_char,
        q.end_char
    from quoted q
    join per_statement p using (statement_id)
    where p.n_wordings >= 2
)

select * from final
