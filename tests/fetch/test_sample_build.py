"""flows.sample: the sample edition's WARC is deterministic and its feeds list the right items."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from flows.archive import iter_responses
from flows.http import FetchPolicy, fetch, make_session
from flows.replay import ReplayAdapter, ReplayArchive
from flows.sample import SampleEditionError, build_sample_warc, load_edition
from parsers.feeds import parse_feed

EDITION = """
[edition]
title = "Tiny test edition"
feed_captures = ["2025-04-01T23:00:00Z", "2025-04-03T23:00:00Z"]

[[outlet]]
id = "ledger"
name = "The Test Ledger"
language = "en"
home = "https://www.ledger.example/"
feed = "https://www.ledger.example/feeds/world.xml"
feed_format = "rss"

[[outlet]]
id = "observador"
name = "El Observador & Co"
language = "es"
home = "https://www.observador.example/"
feed = "https://www.observador.example/atom.xml"
feed_format = "atom"

[[outlet]]
id = "nofeed"
name = "No Feed Weekly"
language = "en"
home = "https://nofeed.example/"

[[capture]]
outlet = "ledger"
url = "https://www.ledger.example/world/first"
file = "pages/ledger-1.html"
captured = "2025-03-29T00:40:00Z"
status = 200
content_type = "text/html; charset=utf-8"
feed_title = "Noem meets Sheinbaum"
feed_published = "2025-03-28T20:10:00-04:00"

[[capture]]
outlet = "ledger"
url = "https://www.ledger.example/world/paywalled"
file = "pages/ledger-paywall.html"
captured = "2025-04-01T17:00:00Z"
status = 403
content_type = "text/html;charset=UTF-8"
feed_title = "Biometric data: what Mexico said"
feed_published = "2025-04-01T12:00:00-04:00"

[[capture]]
outlet = "ledger"
url = "https://www.ledger.example/world/first"
file = "pages/ledger-1b.html"
captured = "2025-04-02T16:00:00Z"
status = 200
content_type = "text/html; charset=utf-8"

[[capture]]
outlet = "ledger"
url = "https://www.ledger.example/world/later"
file = "pages/ledger-2.html"
captured = "2025-04-03T02:15:00Z"
status = 200
content_type = "text/html; charset=utf-8"
feed_title = "Tariffs \u2018spare\u2019 Mexico"
feed_published = "2025-04-02T21:35:00-04:00"

[[capture]]
outlet = "observador"
url = "https://www.observador.example/nacional/respuesta.html"
file = "pages/observador.html"
captured = "2025-04-01T20:15:00Z"
status = 200
content_type = "text/html"
feed_title = "Sheinbaum niega acuerdo"
feed_published = "2025-04-01T13:20:00-06:00"

[[capture]]
outlet = "nofeed"
url = "https://nofeed.example/short"
captured = "2025-04-01T10:00:00Z"
status = 301
location = "https://www.ledger.example/world/first"
"""

PAGES = {
    "ledger-1.html": "<html><body><p>First version.</p></body></html>".encode(),
    "ledger-1b.html": "<html><body><p>Corrected version.</p></body></html>".encode(),
    "ledger-paywall.html": b"<html><body><h1>Subscribe</h1></body></html>",
    "ledger-2.html": "<html><body><p>Tariffs.</p></body></html>".encode(),
    "observador.html": "<html lang=es><body><p>Respuesta de la presidenta, \xe9xito</p></body></html>".encode("cp1252"),
}


@pytest.fixture
def edition(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    (root / "pages").mkdir(parents=True)
    (root / "edition.toml").write_text(EDITION, encoding="utf-8")
    for name, body in PAGES.items():
        (root / "pages" / name).write_bytes(body)
    return root


def _records(path):
    return list(iter_responses(path))


def test_deterministic(edition, tmp_path):
    a = build_sample_warc(edition, tmp_path / "a" / "edition.warc.gz")
    b = build_sample_warc(edition, tmp_path / "b" / "edition.warc.gz")
    assert a.read_bytes() == b.read_bytes()
    a.unlink()
    assert build_sample_warc(edition, a).read_bytes() == b.read_bytes()


def test_one_record_per_capture_and_feed(edition, tmp_path):
    out = build_sample_warc(edition, tmp_path / "edition.warc.gz")
    recs = _records(out)
    # 6 captures + 2 outlets with feeds x 2 feed times
    assert len(recs) == 10
    assert [r.captured_at for r in recs] == sorted(r.captured_at for r in recs)
    by_key = {(r.url, r.captured_at): r for r in recs}
    first = by_key[("https://www.ledger.example/world/first", "2025-03-29T00:40:00+00:00")]
    assert first.body == PAGES["ledger-1.html"] and first.status == 200 and first.reason == "OK"
    assert first.content_type == "text/html; charset=utf-8"
    assert first.header("Date") == "Sat, 29 Mar 2025 00:40:00 GMT"
    assert first.header("Last-Modified") == "Sat, 29 Mar 2025 00:10:00 GMT"  # feed_published of a first version
    assert first.header("ETag").startswith('"')
    corrected = by_key[("https://www.ledger.example/world/first", "2025-04-02T16:00:00+00:00")]
    assert corrected.body == PAGES["ledger-1b.html"]
    assert corrected.header("Last-Modified") == "Wed, 02 Apr 2025 16:00:00 GMT"
    assert corrected.header("ETag") != first.header("ETag")
    paywall = by_key[("https://www.ledger.example/world/paywalled", "2025-04-01T17:00:00+00:00")]
    assert paywall.status == 403 and paywall.reason == "Forbidden" and paywall.content_type == "text/html;charset=UTF-8"
    observador = by_key[("https://www.observador.example/nacional/respuesta.html", "2025-04-01T20:15:00+00:00")]
    assert observador.body == PAGES["observador.html"] and observador.content_type == "text/html"  # bytes unchanged
    redirect = by_key[("https://nofeed.example/short", "2025-04-01T10:00:00+00:00")]
    assert redirect.status == 301 and redirect.header("Location") == "https://www.ledger.example/world/first"


def _feed(out, url, when):
    rec = next(r for r in _records(out) if r.url == url and r.captured_at == when)
    return rec, parse_feed(rec.body, url, discovered_at=when)


def test_rss_lists_the_items_published_by_each_capture_time(edition, tmp_path):
    out = build_sample_warc(edition, tmp_path / "edition.warc.gz")
    url = "https://www.ledger.example/feeds/world.xml"
    rec, early = _feed(out, url, "2025-04-01T23:00:00+00:00")
    assert rec.content_type == "application/rss+xml; charset=UTF-8"
    assert early.format == "rss" and early.title == "The Test Ledger" and early.language == "en"
    assert [(d.url, d.title, d.feed_published) for d in early.items] == [
        ("https://www.ledger.example/world/paywalled", "Biometric data: what Mexico said", "2025-04-01T12:00:00-04:00"),
        ("https://www.ledger.example/world/first", "Noem meets Sheinbaum", "2025-03-28T20:10:00-04:00"),
    ]
    _, late = _feed(out, url, "2025-04-03T23:00:00+00:00")
    assert [d.url for d in late.items] == [
        "https://www.ledger.example/world/later",
        "https://www.ledger.example/world/paywalled",
        "https://www.ledger.example/world/first",  # the corrected capture is the same item: listed once
    ]
    assert late.items[0].title == "Tariffs \u2018spare\u2019 Mexico"
    assert b"<pubDate>Wed, 02 Apr 2025 21:35:00 -0400</pubDate>" in _feed(out, url, "2025-04-03T23:00:00+00:00")[0].body
    assert not late.warnings


def test_atom_feed(edition, tmp_path):
    out = build_sample_warc(edition, tmp_path / "edition.warc.gz")
    rec, feed = _feed(out, "https://www.observador.example/atom.xml", "2025-04-01T23:00:00+00:00")
    assert rec.content_type == "application/atom+xml; charset=utf-8"
    assert feed.format == "atom" and feed.title == "El Observador & Co" and feed.language == "es"
    assert [(d.url, d.feed_published) for d in feed.items] == [
        ("https://www.observador.example/nacional/respuesta.html", "2025-04-01T13:20:00-06:00")
    ]


def test_replay_of_the_built_archive(edition, tmp_path):
    out = build_sample_warc(edition, tmp_path / "edition.warc.gz")
    policy = FetchPolicy()
    early = make_session(policy, replay=ReplayAdapter(ReplayArchive(out), datetime(2025, 4, 1, 23, 30, tzinfo=timezone.utc)))
    page = fetch(early, "https://www.ledger.example/world/first", policy)
    assert page.ok and page.body == PAGES["ledger-1.html"] and page.fetched_at == "2025-03-29T00:40:00+00:00"
    assert fetch(early, "https://www.ledger.example/world/later", policy).status == "not_archived"
    assert fetch(early, "https://www.ledger.example/world/paywalled", policy).http_status == 403
    hop = fetch(early, "https://nofeed.example/short", policy)
    assert hop.ok and hop.final_url == "https://www.ledger.example/world/first"


def test_skips_rebuilding_when_up_to_date(edition, tmp_path):
    out = build_sample_warc(edition, tmp_path / "edition.warc.gz")
    stamp = out.stat().st_mtime_ns
    build_sample_warc(edition, out)
    assert out.stat().st_mtime_ns == stamp
    later = stamp / 1e9 + 10
    os.utime(edition / "pages" / "ledger-2.html", (later, later))
    build_sample_warc(edition, out)
    assert out.stat().st_mtime_ns != stamp


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda t: t.replace('outlet = "observador"', 'outlet = "nobody"'), "unknown outlet 'nobody'"),
        (lambda t: t.replace("pages/ledger-2.html", "pages/missing.html"), "missing.html does not exist"),
        (lambda t: t.replace('captured = "2025-04-03T02:15:00Z"', 'captured = "2025-04-03 02:15"'), "no UTC offset"),
        (lambda t: t.replace('feed_format = "atom"', 'feed_format = "json"'), "feed_format must be"),
        (lambda t: t.replace("[edition]", "[edition"), "not valid TOML"),
    ],
)
def test_bad_edition_is_explained(edition, tmp_path, edit, message):
    toml = edition / "edition.toml"
    toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SampleEditionError, match=message):
        build_sample_warc(edition, tmp_path / "edition.warc.gz")


def test_the_bundled_sample_edition(sample_dir, tmp_path):
    if not (sample_dir / "edition.toml").is_file():
        pytest.skip("sample/edition.toml not present")
    copy = tmp_path / "sample"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("*.warc.gz"))
    out = build_sample_warc(copy, copy / "edition.warc.gz")
    edition = load_edition(copy)
    recs = _records(out)
    feeds = {o.feed for o in edition.outlets if o.feed}
    assert len(recs) == len(edition.captures) + len(feeds) * len(edition.feed_captures)
    archived = {(r.url, r.captured_at) for r in recs}
    for c in edition.captures:
        assert (c.url, c.captured.isoformat()) in archived
    # Every item a feed lists is archived, and was captured by then or later (never dangling).
    captured_urls = {c.url for c in edition.captures}
    for r in recs:
        if r.url in feeds:
            feed = parse_feed(r.body, r.url, discovered_at=r.captured_at)
            assert not feed.warnings
            assert {d.url for d in feed.items} <= captured_urls
    assert build_sample_warc(copy, tmp_path / "again.warc.gz").read_bytes() == out.read_bytes()
