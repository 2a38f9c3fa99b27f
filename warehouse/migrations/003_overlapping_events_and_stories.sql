-- 003: event groups may overlap (a sentence that mentions two happenings sits in both), and the
-- stories alignment found (articles reporting the same happening) are kept for users; the
-- alignment is stored per story so that new articles re-align only the stories they join.

-- claim_cluster_members was keyed one cluster per sentence and level; events need several.
-- DuckDB cannot alter a primary key, so the table is rebuilt with (topic, level, sentence,
-- cluster) as its key. Claims stay a partition: warehouse.analysis writes one row per sentence.
create table claim_cluster_members_003 (
    topic_id    varchar not null,
    level       varchar not null,
    sentence_id varchar not null,
    claim_id    varchar not null,
    primary key (topic_id, level, sentence_id, claim_id)
);
insert into claim_cluster_members_003 select topic_id, level, sentence_id, claim_id from claim_cluster_members;
drop table claim_cluster_members;
alter table claim_cluster_members_003 rename to claim_cluster_members;

-- One row per (topic, article): the story it belongs to (parsers.stories; story_id =
-- stable_id(topic_id, 'story', smallest article_id of the story)). Replaced with each alignment.
create table topic_stories (
    topic_id   varchar not null,
    article_id varchar not null,
    story_id   varchar not null,
    n_articles integer not null,            -- articles in the story
    fingerprint varchar,                    -- hash of the story's sentences and alignment methods
    primary key (topic_id, article_id)
);

-- Alignment is redone per story: a story whose sentences did not change keeps its rows, so the
-- rows of a topic's alignment say which story they belong to (null: aligned before stories).
alter table claim_clusters add column story_id varchar;
alter table claim_links add column story_id varchar;
alter table quote_statements add column story_id varchar;
