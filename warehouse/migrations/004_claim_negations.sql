-- 004: the negations of each claim-bearing sentence (parsers/data/negations.toml) and the stems
-- of the words they bear on, so that the coverage matrix can tell an outlet that denies a claim
-- from one that reports it. Rows written before this migration have nulls here; the analyzer
-- version was bumped with it, so the next run analyses every sentence again and fills them.
alter table claims add column negations varchar[];
alter table claims add column negation_scope varchar[];
