-- int_topic_claims: claim-bearing sentences of the current version of each relevant article.
-- grain: one row per (topic, sentence)
-- key: topic_id, sentence_id
-- inputs: int_topic_articles, sentences, claims
-- example: Which sentences of one outlet are direct quotes?
--   select sentence_text, speaker from int_topic_claims where outlet = 'Harbor Wire' and kind = 'direct_quote'
with

articles as (select * from int_topic_articles),
all_sentences as (select * from main.sentences),
all_claims as (select * from main.claims),

final as (
    select
        a.topic_id,
        s.sentence_id,
        a.article_id,
        a.article_url,
        a.outlet_id,
        a.outlet,
        a.published_at,
        a.date_basis,
        a.genre,
        s.version_id,
        s.field,
        s.idx,
        s.paragraph,
        s.start_char,
        s.end_char,
        s.text as sentence_text,
        s.language,
        c.kind,
        c.speaker,
        c.attribution_verb,
        c.attribution_class,
        c.sources,
        c.hedges,
        c.entities,
        coalesce(c.negations, []) as negations,
        coalesce(c.negation_scope, []) as negation_scope
    from articles a
    join all_sentences s on s.version_id = a.version_id
    join all_claims c on c.sentence_id = s.sentence_id
)

select * from final
