-- 005: sentences printed word for word by several articles of one story (parsers.copies). They
-- are aligned once, as their first holder; every copy sits in its holder's groups
-- (claim_cluster_members, quote_statements) but claim_links keep only the holder's pairs, and
-- this table says which sentence each copy stands for. One row per (topic, copy).
create table sentence_copies (
    topic_id    varchar not null,
    sentence_id varchar not null,  -- the copy
    copy_of     varchar not null,  -- the first holder of the same wording (in sentence id order)
    story_id    varchar,
    primary key (topic_id, sentence_id)
);
