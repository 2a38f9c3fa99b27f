-- cmp_loaded_language: loaded and evaluative words per outlet and category, beside the neutral
-- wording other outlets chose.
-- grain: one row per (topic, outlet, lexicon category)
-- key: topic_id, outlet_id, category
-- inputs: claim_terms, int_topic_claims, int_topic_articles
-- example: Who frames the request as "demands" and who as "options"?
--   select outlet, category, terms, per_1000_words from cmp_loaded_language order by per_1000_words desc
-- per_1000_words normalises by the outlet's relevant text so long articles do not look loaded.
with

terms as (select * from main.claim_terms),
topic_claims as (select * from int_topic_claims),

outlet_words as (
    select topic_id, outlet_id, sum(len(string_split(sentence_text, ' '))) as n_words,
           list(distinct coalesce(genre, 'unlabelled')) as genres
    from topic_claims
    group by all
),

found as (
    select c.topic_id, c.outlet_id, c.outlet, t.category, lower(t.term) as term, c.sentence_id
    from terms t
    join topic_claims c on c.sentence_id = t.sentence_id
),

final as (
    select
        f.topic_id,
        f.outlet_id,
        any_value(f.outlet) as outlet,
        f.category,
        count(*) as n_terms,
        count(distinct f.sentence_id) as n_sentences,
        list(distinct f.term order by f.term) as terms,
        round(1000.0 * count(*) / nullif(any_value(w.n_words), 0), 2) as per_1000_words,
        any_value(w.genres) as genres
    from found f
    join outlet_words w using (topic_id, outlet_id)
    group by f.topic_id, f.outlet_id, f.category
)

select * from final
