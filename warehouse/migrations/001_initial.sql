-- 001_initial: the first warehouse schema.
-- Keys are stable hashes computed in Python (parsers.records.stable_id) from natural keys, so a
-- re-run upserts the same rows instead of appending new ones. Timestamps are UTC (timestamptz).
-- Grow this schema by adding 002_*.sql, never by editing an applied migration.

create table topics (
    topic_id      varchar primary key,      -- slug from the config, e.g. 'noem-sheinbaum'
    name          varchar not null,
    terms         varchar[],                -- query terms (all languages) used for relevance
    min_matches   integer,
    window_start  timestamptz,
    window_end    timestamptz,
    updated_at    timestamptz not null
);

create table outlets (
    outlet_id     varchar primary key,      -- stable_id(registrable domain, or name when no domain)
    domain        varchar,                  -- registrable domain ('' for local files)
    name          varchar not null,         -- site name as the outlet calls itself, else domain
    name_source   varchar not null,         -- page (site name) > feed (channel title) > domain
    first_seen_at timestamptz
);

-- Every URL a source named for a topic, with provenance. One row per (topic, url, source).
create table discoveries (
    discovery_id   varchar primary key,     -- stable_id(topic_id, url, source)
    topic_id       varchar not null,
    url            varchar not null,
    outlet_id      varchar,                 -- from the URL's domain (known before any fetch)
    source         varchar not null,        -- feed URL, file path, or 'cli'
    source_kind    varchar not null,        -- rss | atom | rdf | urls | dir | warc | cli
    title          varchar,                 -- the source's title for the item
    feed_published timestamptz,             -- the source's date for the item (not proof of publication)
    first_seen_at  timestamptz not null,
    last_seen_at   timestamptz not null
);

-- Every fetch attempt and its outcome, failures included, so that "we could not read it" can be
-- told apart from "the outlet did not report it". For archive replay, fetched_at is the capture
-- time, which makes replayed runs deterministic.
create table fetches (
    fetch_id       varchar primary key,     -- stable_id(url, fetched_at, via)
    url            varchar not null,
    final_url      varchar,
    outlet_id      varchar,
    status         varchar not null,        -- see parsers.records.FETCH_STATUSES
    http_status    integer,
    content_type   varchar,
    sha256         varchar,
    size           bigint,
    fetched_at     timestamptz not null,
    elapsed_ms     integer,
    attempts       integer,
    error          varchar,
    via            varchar not null,        -- http | replay | file | warc
    warc_file      varchar,
    warc_offset    bigint,
    warc_record_id varchar,
    etag           varchar,
    last_modified  varchar
);

-- One row per canonical URL.
create table articles (
    article_id    varchar primary key,      -- stable_id(canonical_url)
    canonical_url varchar not null,
    outlet_id     varchar not null,
    first_url     varchar,                  -- the first URL it was fetched from
    first_seen_at timestamptz not null      -- earliest fetch of any version
);

-- One row per distinct content of an article: a changed page is a new version, not a new article.
create table article_versions (
    version_id       varchar primary key,   -- stable_id(article_id, content_sha)
    article_id       varchar not null,
    content_sha      varchar not null,      -- sha256 of title + body text, not of the raw bytes
    fetch_id         varchar,               -- the first fetch that produced this content
    url              varchar,
    first_seen_at    timestamptz not null,
    last_seen_at     timestamptz not null,
    title            varchar,
    authors          varchar[],
    published        timestamptz,           -- a page time without zone is read as UTC: see precision
    published_iso    varchar,               -- as extracted, keeping the outlet's own UTC offset
    published_precision varchar,            -- instant | local_time (no zone given) | day
    published_source varchar,               -- jsonld | meta | time | url | text
    modified         timestamptz,
    modified_source  varchar,
    language         varchar,
    language_source  varchar,
    body             varchar,               -- the stored text all sentence offsets point into
    description      varchar,
    section          varchar,
    genre            varchar,
    keywords         varchar[],
    encoding         varchar,
    encoding_source  varchar,
    parse_status     varchar not null,
    warnings         varchar[],
    parser_version   varchar not null
);

-- Topic membership and the relevance decision, kept for dropped articles too.
create table topic_articles (
    topic_id      varchar not null,
    article_id    varchar not null,
    relevant      boolean not null,
    reason        varchar not null,
    matched_terms varchar[],
    decided_at    timestamptz not null,
    primary key (topic_id, article_id)
);

create table sentences (
    sentence_id varchar primary key,        -- stable_id(version_id, field, idx)
    version_id  varchar not null,
    article_id  varchar not null,
    field       varchar not null,           -- title | body: which stored text the offsets index
    idx         integer not null,
    paragraph   integer,
    start_char  integer not null,
    end_char    integer not null,
    text        varchar not null,
    language    varchar
);

-- Claim features of a sentence (one row per claim-bearing sentence).
create table claims (
    sentence_id       varchar primary key,
    version_id        varchar not null,
    article_id        varchar not null,
    kind              varchar not null,     -- direct_quote | reported_speech | numeric | assertion
    speaker           varchar,
    attribution_verb  varchar,
    attribution_class varchar,
    sources           varchar[],
    hedges            varchar[],
    entities          varchar[],
    analyzer_version  varchar not null
);

create table claim_numbers (
    sentence_id varchar not null,
    idx         integer not null,
    raw         varchar not null,
    value       double,
    unit        varchar,
    concept     varchar,
    qualifier   varchar,
    start_char  integer,
    end_char    integer,
    primary key (sentence_id, idx)
);

create table claim_dates (
    sentence_id varchar not null,
    idx         integer not null,
    raw         varchar not null,
    value       varchar,                    -- YYYY-MM-DD | YYYY-MM | YYYY, by precision
    precision   varchar,
    resolved    varchar,                    -- explicit | relative | weekday
    start_char  integer,
    end_char    integer,
    primary key (sentence_id, idx)
);

create table claim_quotes (
    sentence_id varchar not null,
    idx         integer not null,
    text        varchar not null,
    speaker     varchar,
    start_char  integer,
    end_char    integer,
    primary key (sentence_id, idx)
);

create table claim_terms (
    sentence_id varchar not null,
    idx         integer not null,
    term        varchar not null,
    category    varchar not null,
    start_char  integer,
    end_char    integer,
    primary key (sentence_id, idx)
);

-- Cross-outlet claims: sentences of different articles that report the same thing, at two
-- levels. level 'claim': one specific statement (what the comparison views use). level 'event':
-- every sentence about the same happening, whatever it says about it (looser; what event
-- coreference gold such as ECB+ measures). A claim belongs to the event holding most of its
-- sentences (event_id).
create table claim_clusters (
    claim_id    varchar primary key,        -- stable_id(topic_id, level, smallest member sentence_id)
    topic_id    varchar not null,
    level       varchar not null,           -- claim | event
    event_id    varchar,                    -- for a claim: its event cluster
    label       varchar,                    -- text of the earliest-published member
    n_mentions  integer not null,
    n_articles  integer not null,
    n_outlets   integer not null,
    method      varchar not null,
    aligned_at  timestamptz not null
);

create table claim_cluster_members (
    topic_id    varchar not null,
    level       varchar not null,
    sentence_id varchar not null,
    claim_id    varchar not null,
    primary key (topic_id, level, sentence_id)
);

-- Why two sentences were put together: the evidence behind each alignment link.
create table claim_links (
    topic_id        varchar not null,
    level           varchar not null,
    sentence_a      varchar not null,
    sentence_b      varchar not null,
    score           double not null,
    shared_terms    varchar[],
    shared_numbers  double[],
    shared_entities varchar[],
    primary key (topic_id, level, sentence_a, sentence_b)
);

-- Quoted statements: quote-bearing sentences grouped by the statement they quote, which may sit
-- in different claims ("options" in one outlet, "a list of things" in another, both quoting the
-- same interview). One row per (topic, quote-bearing sentence).
create table quote_statements (
    topic_id     varchar not null,
    sentence_id  varchar not null,
    statement_id varchar not null,          -- stable_id(topic_id, 'statement', smallest member sentence_id)
    primary key (topic_id, sentence_id)
);
