"""Staged batches as Parquet (flows/staging.py) and the loader that merges them in place
(warehouse/load.py, flows/pipeline.load_stage).

Real files in a temporary folder, a real DuckDB warehouse, a real spawned process for the worker
that writes a batch elsewhere. What is asserted: every kind of batch reads back exactly as it was
written, a batch still being written is never read, and the warehouse rows follow the documented
first/last-seen rules whatever the order of pages within and across batches.
"""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import random
from datetime import datetime, timezone

import duckdb
import pytest

from flows.staging import Stage
from parsers.records import ArticleRecord, Discovery, FetchResult
from warehouse import load
from warehouse.schema import ensure_schema

CANONICAL = "https://www.northernledger.example/world/2025/03/28/noem-sheinbaum-meeting"
FROM_FEED = CANONICAL + "?utm_source=rss"
LONG_BODY = "\n\n".join(f"Párrafo {i}: la secretaria y la presidenta hablaron de la frontera sur, "
                        f"de datos biométricos y de aranceles. «Cita {i}» — “quote” 🇲🇽 {'x' * 300}"
                        for i in range(4000))  # ~1.7 MB of text


@pytest.fixture
def stage(tmp_path) -> Stage:
    return Stage.for_run(str(tmp_path / "newsprism.duckdb"), "run-1")


def fetch(url: str = CANONICAL, when: str = "2025-03-28T20:00:00+00:00", *, via: str = "http",
          status: str = "ok", **kw) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=status, fetched_at=when, via=via,
                       http_status=kw.pop("http_status", 200 if status == "ok" else None), **kw)


def record(url: str = CANONICAL, body: str = "First text of the meeting.", **kw) -> ArticleRecord:
    fields = dict(url=url, canonical_url=CANONICAL, outlet="The Northern Ledger", outlet_domain="northernledger.example",
                  title="Noem meets Sheinbaum", authors=("Ana Ruiz",), published="2025-03-28T18:10:00-06:00",
                  published_source="jsonld", modified=None, modified_source=None, language="en",
                  language_source="html-lang", body=body)
    return ArticleRecord(**{**fields, **kw})


# --- round trips ---------------------------------------------------------------------------

def test_discoveries_rechecks_and_errors_read_back_exactly(stage):
    found = [
        Discovery(url=CANONICAL, source="https://www.northernledger.example/rss", source_kind="rss",
                  discovered_at="2025-03-28T21:00:00+00:00", title="", feed_published="2025-03-28T18:10:00-06:00"),
        Discovery(url="https://news.google.com/rss/articles/CBMi", source="google-news:noem", source_kind="google_news",
                  discovered_at="2025-03-28T21:00:00Z", title=None, outlet_hint="El Diario del Sur",
                  aggregator_url="https://news.google.com/rss/articles/CBMi", resolved=False,
                  source_seen_at="20250328T210000Z", language="es", outlet_url="https://eldiariodelsur.example/",
                  outlet_country="Mexico"),
    ]
    stage.write_discoveries(found, batch="sources")
    stage.write_rechecks([CANONICAL, "https://eldiariodelsur.example/nación/reunión"], batch="0")
    stage.write_errors(["", "feed https://x.example/rss: http_error 503 «no disponible»"], batch="0")
    assert stage.discoveries() == found
    assert stage.rechecks() == [CANONICAL, "https://eldiariodelsur.example/nación/reunión"]
    assert stage.errors() == ["", "feed https://x.example/rss: http_error 503 «no disponible»"]


def test_fetches_read_back_exactly_without_their_bodies(stage):
    done = [
        fetch(body=b"<html>...</html>", sha256="ab" * 32, size=2**33, elapsed_ms=0, attempts=3, error="",
              warc_file="/archive/20250328/newsprism-1.warc.gz", warc_offset=2**40 + 7,
              warc_record_id="<urn:uuid:6f1c>", etag='W/"abc"', last_modified="Fri, 28 Mar 2025 20:00:00 GMT",
              content_type="text/html; charset=utf-8"),
        fetch("https://eldiariodelsur.example/nación", "2025-03-28T20:00:00.123456+00:00", status="timeout",
              http_status=None, error="read timed out after 20 s"),
        fetch(when="2025-03-29T09:00:00Z", status="not_modified", http_status=304),
    ]
    stage.write_fetches(done, batch="pages-00000")
    stage.write_fetches([], batch="pages-00001")  # an empty batch is a batch too
    assert stage.fetches() == [dataclasses.replace(f, body=None) for f in done]
    assert stage.fetches("pages") == stage.fetches()
    assert stage.fetches("given") == []


def test_parsed_records_read_back_exactly(stage):
    pages = [
        load.Parsed(fetch(), record()),
        load.Parsed(fetch(FROM_FEED, "2025-03-29T01:00:00Z", via="warc"),
                    record(FROM_FEED, LONG_BODY, authors=(), keywords=("", "frontera"), description="",
                           section=None, published="2025-03-28", modified="2025-03-28T19:00:00",
                           warnings=("a caption was dropped",), title=None, language=None)),
        load.Parsed(fetch("https://eldiariodelsur.example/a", "2025-03-29T02:00:00+00:00"),
                    record("https://eldiariodelsur.example/a", "", status="js_shell", outlet="", outlet_domain="",
                           authors=("مريم", "José\u0301", "\x00nul"), warnings=("js_shell",))),
    ]
    stage.write_parsed(pages, batch="00000")
    assert stage.parsed() == [dataclasses.replace(p, fetch=dataclasses.replace(p.fetch, body=None)) for p in pages]
    assert [len(b) for b in stage.parsed_batches()] == [3]
    assert stage.parsed()[1].record.body == LONG_BODY


def test_batch_columns_are_typed_and_carry_the_loaders_keys(stage):
    page = load.Parsed(fetch(when="2025-03-28T20:00:00-04:00"), record())
    file = stage.write_parsed([page], batch="00000")
    con = duckdb.connect()
    types = dict(con.execute("select column_name, column_type from (describe select * from read_parquet(?))",
                             [str(file)]).fetchall())
    assert types["seen_at"] == types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["authors"] == types["keywords"] == types["warnings"] == "VARCHAR[]"
    assert types["fetch_warc_offset"] == "BIGINT" and "BLOB" not in types.values()
    assert "fetch_body" not in types
    row = con.execute("select fetch_id, article_id, version_id, content_sha, outlet_id, seen_at, published_at, "
                      "published_precision from read_parquet(?)", [str(file)]).fetchone()
    assert row[:5] == (load.fetch_id(page.fetch), load.article_id(page.record), load.version_id(page.record),
                       load.content_sha(page.record), load.outlet_key("northernledger.example", "The Northern Ledger"))
    assert row[5] == datetime(2025, 3, 29, 0, 0, tzinfo=timezone.utc)
    assert row[6] == datetime(2025, 3, 29, 0, 10, tzinfo=timezone.utc) and row[7] == "instant"


def test_text_no_utf8_file_can_hold_is_repaired_not_fatal(stage):
    # JSON-LD can hold half of an escaped emoji ("\ud83d"): Python keeps it, UTF-8 cannot.
    broken = record(body="Sheinbaum \ud83d respondió \ud83c\uddf2\ud83c\uddfd", title="Noem \udc00")
    stage.write_parsed([load.Parsed(fetch(), broken)], batch="00000")
    [got] = stage.parsed()
    assert got.record.body == "Sheinbaum \ufffd respondió 🇲🇽" and got.record.title == "Noem \ufffd"
    # the keys describe the text as stored
    con = duckdb.connect()
    assert con.execute("select version_id from read_parquet(?)", [str(stage.files("parsed-")[0])]).fetchone() == (
        load.version_id(got.record),)


# --- what is never read --------------------------------------------------------------------

def test_a_batch_being_written_is_never_read(stage):
    stage.write_parsed([load.Parsed(fetch(), record())], batch="00000")
    # a complete Parquet file that has not been renamed yet, and a torn one
    (stage.path / "parsed-00000.parquet").replace(stage.path / "parsed-00001.parquet.1a2b3c4d.part")
    (stage.path / "parsed-00002.part").write_bytes(b"PAR1\x00\x00")
    stage.write_parsed([load.Parsed(fetch(when="2025-03-29T20:00:00+00:00"), record())], batch="00003")
    assert [p.name for p in stage.files()] == ["parsed-00003.parquet"]
    assert [p.fetch.fetched_at for p in stage.parsed()] == ["2025-03-29T20:00:00+00:00"]
    con = duckdb.connect()
    ensure_schema(con)
    assert load.load_parsed_batches(con, stage.files("parsed-")) == 1
    assert con.execute("select count(*), min(first_seen_at) = '2025-03-29T20:00:00Z'::timestamptz "
                       "from article_versions").fetchone() == (1, True)


def test_a_write_that_fails_leaves_no_batch_behind(stage, monkeypatch):
    class Boom(Exception):
        pass

    def fail_midway(p):
        if p.record.url == FROM_FEED:
            raise Boom("the worker died")
        return load.page_batch_row(p)

    monkeypatch.setattr("flows.staging.page_batch_row", fail_midway)
    with pytest.raises(Boom):
        stage.write_parsed([load.Parsed(fetch(), record()), load.Parsed(fetch(FROM_FEED), record(FROM_FEED))], "00000")
    assert list(stage.path.iterdir()) == []


# --- the loader ------------------------------------------------------------------------------

T1, T2, T3, T4 = ("2025-03-28T20:00:00+00:00", "2025-03-28T21:00:00+00:00", "2025-03-28T22:00:00Z",
                  "2025-03-29T09:00:00+00:00")


def _load_stage(db: str, st: Stage, terms=("Sheinbaum",), only_urls=None) -> dict[str, int]:
    from prefect.logging import disable_run_logger

    from flows.config import Topic
    from flows.pipeline import load_stage

    with disable_run_logger():
        return load_stage.fn(db, Topic(id="noem", name="Noem and Sheinbaum", terms=terms, min_matches=1),
                             str(st.path), only_urls)


def _rows(db: str, sql: str) -> list[tuple]:
    with duckdb.connect(db, read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_first_and_last_seen_rules_hold_within_and_across_batches(stage, tmp_path):
    """The same version fetched four times, out of order within a batch and across batches; an
    edit fetched twice at one instant; a paywall teaser; a 304."""
    v1, v2 = "First text of the meeting, Sheinbaum said.", "Corrected text of the meeting, Sheinbaum said."
    early_in_late_batch = load.Parsed(fetch(FROM_FEED, T1), record(FROM_FEED, v1))
    batch0 = [
        load.Parsed(fetch(CANONICAL, T3), record(CANONICAL, v1)),  # last sighting of v1
        load.Parsed(fetch(FROM_FEED, T2), record(FROM_FEED, v1)),  # earlier, later in the batch
    ]
    batch1 = [
        early_in_late_batch,  # the first sighting of all comes in the second batch
        load.Parsed(fetch(CANONICAL, T4, via="http"), record(CANONICAL, v2)),  # a tie at T4: first staged wins
        load.Parsed(fetch(CANONICAL, T4, via="warc"), record(CANONICAL, v2, section="Mundo")),
        load.Parsed(fetch("https://eldiariodelsur.example/nacion/reunion", T2),
                    record("https://eldiariodelsur.example/nacion/reunion", "Solo para suscriptores.",
                           canonical_url="https://eldiariodelsur.example/nacion/reunion", outlet="El Diario del Sur",
                           outlet_domain="eldiariodelsur.example", status="paywalled")),
    ]
    stage.write_fetches([p.fetch for p in batch0], batch="pages-00000")
    stage.write_fetches([p.fetch for p in batch1] + [fetch(CANONICAL, "2025-03-30T09:00:00+00:00",
                                                             status="not_modified", http_status=304)],
                        batch="pages-00001")
    stage.write_parsed(batch0, batch="00000")
    stage.write_parsed(batch1, batch="00001")
    db = str(tmp_path / "newsprism.duckdb")

    counts = _load_stage(db, stage)
    assert counts == {"discoveries": 0, "fetches": 7, "versions": 4, "relevant": 5, "dropped": 1}  # per page
    aid = load.article_id(record())
    assert _rows(db, "select article_id, first_url, first_seen_at from articles where canonical_url = "
                     f"'{CANONICAL}'") == [(aid, FROM_FEED, _utc(T1))]
    versions = _rows(db, f"select body, fetch_id, url, first_seen_at, last_seen_at, section from article_versions "
                         f"where article_id = '{aid}' order by first_seen_at")
    assert versions == [
        (v1, load.fetch_id(early_in_late_batch.fetch), FROM_FEED, _utc(T1), _utc(T3), None),
        # the 304 after the edit extends the current version
        (v2, load.fetch_id(fetch(CANONICAL, T4, via="http")), CANONICAL, _utc(T4),
         _utc("2025-03-30T09:00:00+00:00"), None),
    ]
    assert _rows(db, "select name, name_source, first_seen_at from outlets order by name") == [
        ("El Diario del Sur", "page", _utc(T2)), ("The Northern Ledger", "page", _utc(T1))]
    assert _rows(db, "select outcome, count(*) from fetches group by 1 order by 1") == [
        ("not_modified", 1), ("ok", 5), ("paywalled", 1)]

    # loading the same stage again changes nothing
    tables = "outlets fetches articles article_versions".split()
    before = {t: _rows(db, f"select * from {t} order by all") for t in tables}
    _load_stage(db, stage)
    assert {t: _rows(db, f"select * from {t} order by all") for t in tables} == before


def _random_stage(st: Stage, seed: int) -> list[list[load.Parsed]]:
    """Pages of a few articles fetched again and again, some edited, in shuffled batches."""
    rng = random.Random(seed)
    outlets = [("northernledger.example", "The Northern Ledger"), ("eldiariodelsur.example", "El Diario del Sur"),
               ("bordertimes.example", "")]
    batches = []
    for b in range(5):
        batch = []
        for _ in range(12):
            n = rng.randrange(8)
            domain, name = outlets[n % 3]
            url = f"https://www.{domain}/2025/03/{n}" + rng.choice(["", "?utm_source=rss"])
            when = f"2025-03-{28 + rng.randrange(3)}T{rng.randrange(24):02d}:00:00" + rng.choice(["+00:00", "Z"])
            body = f"Article {n} on the meeting with Sheinbaum." + rng.choice(["", " An update."])
            batch.append(load.Parsed(
                fetch(url, when, via=rng.choice(["http", "warc"])),
                record(url, body, canonical_url=f"https://www.{domain}/2025/03/{n}", outlet=name, outlet_domain=domain,
                       published=rng.choice([None, "2025-03-28", "2025-03-28T10:00:00-06:00"]),
                       status=rng.choice(["ok"] * 5 + ["paywalled"]))))
        batches.append(batch)
    for i, batch in enumerate(batches):
        st.write_fetches([p.fetch for p in batch], batch=f"pages-{i:05d}")
        st.write_parsed(batch, batch=f"{i:05d}")
    return batches


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_parquet_loader_and_the_record_loader_agree(tmp_path, seed):
    st = Stage(tmp_path / "stage")
    st.path.mkdir()
    batches = _random_stage(st, seed)
    from_files, from_records = duckdb.connect(), duckdb.connect()
    for con in (from_files, from_records):
        con.execute("set TimeZone = 'UTC'")
        ensure_schema(con)
    assert load.load_fetch_batches(from_files, st.files("fetches-")) == 60
    staged = load.load_parsed_batches(from_files, st.files("parsed-"))
    load.load_fetches(from_records, [p.fetch for b in batches for p in b])
    assert staged == sum(load.load_articles(from_records, b) for b in batches)
    for table in ("outlets", "fetches", "articles", "article_versions"):
        rows = [con.execute(f"select * from {table} order by all").fetchall() for con in (from_files, from_records)]
        assert rows[0] == rows[1] and rows[0], table


# --- a batch written by another process ------------------------------------------------------

def _parse_worker(stage_path: str) -> None:
    """What a parse task does on a worker: stage its fetches and parsed pages."""
    st = Stage(stage_path)
    pages = [load.Parsed(fetch(f"{CANONICAL}/{i}", T1), record(f"{CANONICAL}/{i}", f"Sheinbaum, page {i}.",
                                                                canonical_url=f"{CANONICAL}/{i}"))
             for i in range(3)]
    st.write_fetches([p.fetch for p in pages], batch="pages-00007")
    st.write_parsed(pages, batch="00007")


def test_a_batch_staged_by_a_spawned_process_is_merged(stage, tmp_path):
    stage.write_parsed([load.Parsed(fetch(), record(body="Sheinbaum at home."))], batch="00000")
    worker = multiprocessing.get_context("spawn").Process(target=_parse_worker, args=(str(stage.path),))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0
    db = str(tmp_path / "newsprism.duckdb")
    counts = _load_stage(db, stage)
    assert counts["versions"] == 4 and counts["relevant"] == 4
    urls = [u for (u,) in _rows(db, "select url from article_versions order by url")]
    assert urls == [CANONICAL] + [f"{CANONICAL}/{i}" for i in range(3)]
    assert _rows(db, f"select version_id from article_versions where url = '{CANONICAL}/2'") == [
        (load.version_id(record(f"{CANONICAL}/2", "Sheinbaum, page 2.", canonical_url=f"{CANONICAL}/2")),)]


# --- batches queued before Parquet -----------------------------------------------------------

def test_json_lines_batches_queued_by_an_older_release_are_claimed_as_parquet(tmp_path):
    db = str(tmp_path / "newsprism.duckdb")
    queued = Stage.for_run(db, "old-discovery")
    d = Discovery(url=CANONICAL, source="https://www.northernledger.example/rss", source_kind="rss",
                  discovered_at=T1, title="Noem y Sheinbaum")
    given = fetch(CANONICAL, T2, via="warc", warc_file="/archive/a.warc.gz", warc_offset=42)
    for name, rows in {
        "discoveries-sources.jsonl": [d.as_dict()],
        "fetches-given.jsonl": [{k: v for k, v in dataclasses.asdict(given).items() if k != "body"}],
        "errors-sources.jsonl": [{"error": "feed failed: «503»"}],
    }.items():
        (queued.path / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    queued.enqueue("noem")
    ingest = Stage.create(db)
    assert ingest.claim_queued("noem") == 3
    assert sorted(p.name for p in ingest.path.iterdir()) == [
        "discoveries-sources-qold-discovery.parquet", "errors-sources-qold-discovery.parquet",
        "fetches-given-qold-discovery.parquet"]
    assert (ingest.discoveries(), ingest.fetches("given"), ingest.errors()) == ([d], [given], ["feed failed: «503»"])


def test_only_finished_batches_count_as_work(stage):
    # flows/service.py: an ingest run with nothing claimed and no batch of its own stops early
    (stage.path / "fetches-given.parquet.0f0f0f0f.part").write_bytes(b"")
    assert stage.files() == []
    stage.write_errors(["x"])
    assert [p.name for p in stage.files()] == ["errors-0.parquet"]
