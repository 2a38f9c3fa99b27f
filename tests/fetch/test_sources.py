"""flows.sources: each kind of SOURCE becomes discoveries and known fetch results."""
from __future__ import annotations

import functools
import hashlib
import os
import threading
from datetime import datetime, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.archive import WarcWriter, read_record
from flows.http import FetchPolicy, fetch, fetch_many, make_session
from flows.sources import resolve_sources
from tests.fetch.conftest import CP1252_PAGE, LOCAL, UTF8_PAGE

POLICY = FetchPolicy(retries=0, allow_hosts=LOCAL)
NOW = datetime(2025, 4, 4, 12, 0, tzinfo=timezone.utc)
NOW_ISO = "2025-04-04T12:00:00+00:00"


@pytest.fixture
def session():
    s = make_session(POLICY)
    yield s
    s.close()


def resolve(args, session, **kw):
    return resolve_sources([str(a) for a in args], session=session, policy=POLICY, now=NOW, **kw)


class TestUrls:
    def test_page_url_is_fetched_once_and_kept(self, server, session):
        plan = resolve([server.url("/ok")], session)
        assert [(d.url, d.source, d.source_kind, d.discovered_at) for d in plan.discoveries] == [
            (server.url("/ok"), server.url("/ok"), "cli", NOW_ISO)
        ]
        assert len(plan.fetched) == 1 and plan.fetched[0].ok and plan.fetched[0].body == UTF8_PAGE
        assert plan.errors == [] and server.counts["/ok"] == 1

    def test_feed_url_gives_its_items(self, server, session):
        plan = resolve([server.url("/feed.rss")], session)
        assert [d.url for d in plan.discoveries] == [server.url("/world/2025/03/28/noem-sheinbaum"), "https://other.example/world/tariffs"]
        assert all(d.source == server.url("/feed.rss") and d.source_kind == "rss" for d in plan.discoveries)
        assert plan.discoveries[0].feed_published == "2025-03-28T18:10:00-06:00"
        assert plan.discoveries[0].outlet_hint == "Test Ledger \u2013 World"
        assert plan.fetched == [] and [f.url for f in plan.feed_fetches] == [server.url("/feed.rss")]
        assert server.counts["/world/2025/03/28/noem-sheinbaum"] == 0  # items are left to the fetch stage

    def test_failed_url_is_recorded_not_retried_later(self, server, session):
        plan = resolve([server.url("/missing"), server.url("/pdf")], session)
        assert [f.status for f in plan.fetched] == ["http_error", "not_html"]
        assert [d.url for d in plan.discoveries] == [server.url("/missing"), server.url("/pdf")]
        assert len(plan.errors) == 2 and "http_error" in plan.errors[0] and "application/pdf" in plan.errors[1]

    def test_url_responses_are_archived(self, server, session, tmp_path):
        with WarcWriter(tmp_path / "a.warc.gz") as w:
            plan = resolve([server.url("/ok"), server.url("/feed.rss")], session, archive=w)
        page = plan.fetched[0]
        assert read_record(page.warc_file, page.warc_offset).body == UTF8_PAGE
        assert plan.feed_fetches[0].warc_offset is not None


class TestFiles:
    def test_local_feed_with_relative_links(self, tmp_path, session):
        (tmp_path / "pages").mkdir()
        (tmp_path / "pages" / "a.html").write_bytes(UTF8_PAGE)
        feed = tmp_path / "feed.xml"
        feed.write_bytes(b'<rss version="2.0"><channel><title>Local</title>'
                         b"<item><title>A</title><link>pages/a.html</link></item>"
                         b"<item><title>B</title><link>pages/b.html</link></item></channel></rss>")
        plan = resolve([feed], session)
        assert [d.url for d in plan.discoveries] == [(tmp_path / "pages" / "a.html").as_uri(), (tmp_path / "pages" / "b.html").as_uri()]
        assert all(d.source == str(feed) and d.source_kind == "rss" for d in plan.discoveries)
        assert len(plan.errors) == 1 and "1 of 2 items link to local files that do not exist" in plan.errors[0]
        assert fetch(session, plan.discoveries[0].url, POLICY).body == UTF8_PAGE

    def test_feed_is_sniffed_without_an_extension(self, tmp_path, session):
        feed = tmp_path / "latest"
        feed.write_bytes(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://x.example/a"/></entry></feed>')
        plan = resolve([feed], session)
        assert [(d.url, d.source_kind) for d in plan.discoveries] == [("https://x.example/a", "atom")]

    def test_url_list_reports_bad_lines_and_keeps_good_ones(self, tmp_path, session):
        lst = tmp_path / "urls.txt"
        lst.write_text("# story\nhttps://a.example/1\nftp://b.example/2\nhttps://c.example/3\n")
        plan = resolve([lst], session)
        assert [d.url for d in plan.discoveries] == ["https://a.example/1", "https://c.example/3"]
        assert all(d.source_kind == "urls" and d.source == str(lst) for d in plan.discoveries)
        assert len(plan.errors) == 1 and "line 3" in plan.errors[0]

    def test_directory_of_saved_pages(self, tmp_path, session):
        root = tmp_path / "saved"
        (root / "2025" / "04").mkdir(parents=True)
        (root / ".cache").mkdir()
        (root / "a.html").write_bytes(UTF8_PAGE)
        (root / "2025" / "04" / "B.HTM").write_bytes(CP1252_PAGE)
        (root / ".cache" / "c.html").write_bytes(UTF8_PAGE)  # hidden folder: skipped
        (root / "notes.txt").write_text("not a page")
        stamp = 1743508800  # 2025-04-01T12:00:00Z
        os.utime(root / "a.html", (stamp, stamp))
        plan = resolve([root], session)
        assert [f.url for f in plan.fetched] == [(root / "a.html").as_uri(), (root / "2025" / "04" / "B.HTM").as_uri()]
        a, b = plan.fetched
        assert a.status == "ok" and a.via == "file" and a.content_type is None and a.body == UTF8_PAGE
        assert a.fetched_at == "2025-04-01T12:00:00+00:00"
        assert b.body == CP1252_PAGE and b.sha256 == hashlib.sha256(CP1252_PAGE).hexdigest()
        assert [(d.source_kind, d.source, d.local_path) for d in plan.discoveries] == [
            ("dir", str(root), str(root / "a.html")), ("dir", str(root), str(root / "2025" / "04" / "B.HTM"))
        ]

    def test_file_url_of_a_directory(self, tmp_path, session):
        (tmp_path / "p.html").write_bytes(UTF8_PAGE)
        plan = resolve([tmp_path.as_uri()], session)
        assert [f.status for f in plan.fetched] == ["ok"]

    def test_warc_file(self, tmp_path, session):
        path = tmp_path / "crawl.warc.gz"
        html = [("Content-Type", "text/html; charset=utf-8")]
        with WarcWriter(path) as w:
            ok1, _ = w.write_response("https://a.example/story", status=200, reason="OK", headers=html, body=b"<p>v1</p>", fetched_at="2025-04-01T10:00:00Z")
            ok2, _ = w.write_response("https://a.example/story", status=200, reason="OK", headers=html, body=b"<p>v2</p>", fetched_at="2025-04-02T10:00:00Z")
            w.write_response("https://a.example/gone", status=404, reason="Not Found", headers=html, body=b"<h1>404</h1>", fetched_at="2025-04-01T10:00:00Z")
            w.write_response("https://a.example/s", status=301, reason="Moved", headers=[("Location", "/story")], body=b"", fetched_at="2025-04-01T10:00:00Z")
            w.write_response("https://a.example/r.pdf", status=200, reason="OK", headers=[("Content-Type", "application/pdf")], body=b"%PDF", fetched_at="2025-04-01T10:00:00Z")
            w.write_response("https://a.example/feed", status=200, reason="OK", headers=[("Content-Type", "application/rss+xml")], body=b"<rss/>", fetched_at="2025-04-01T10:00:00Z")
            w.write_response("https://a.example/big", status=200, reason="OK", headers=html, body=b"", fetched_at="2025-04-01T10:00:00Z", truncated="length")
        plan = resolve([path], session)
        got = [(f.url, f.status, f.http_status, f.fetched_at) for f in plan.fetched]
        assert got == [
            ("https://a.example/story", "ok", 200, "2025-04-01T10:00:00+00:00"),
            ("https://a.example/story", "ok", 200, "2025-04-02T10:00:00+00:00"),
            ("https://a.example/gone", "http_error", 404, "2025-04-01T10:00:00+00:00"),
            ("https://a.example/big", "too_large", 200, "2025-04-01T10:00:00+00:00"),
        ]
        first, second = plan.fetched[:2]
        assert first.via == "warc" and first.warc_file == str(path) and (first.warc_offset, second.warc_offset) == (ok1, ok2)
        assert first.body is None and first.sha256 == hashlib.sha256(b"<p>v1</p>").hexdigest()  # bytes stay in the WARC
        assert [(d.url, d.source_kind) for d in plan.discoveries] == [
            ("https://a.example/story", "warc"), ("https://a.example/gone", "warc"), ("https://a.example/big", "warc")
        ]

    def test_bad_sources_do_not_stop_the_others(self, tmp_path, session):
        (tmp_path / "p.html").write_bytes(UTF8_PAGE)
        plan = resolve([tmp_path / "nope", "ftp://files.example/x", tmp_path / "p.html", "file://remote.example/x"], session)
        assert [f.status for f in plan.fetched] == ["ok"]
        assert plan.discoveries[0].source_kind == "cli" and plan.discoveries[0].local_path == str(tmp_path / "p.html")
        assert len(plan.errors) == 3
        assert "no such file or directory" in plan.errors[0]
        assert "only http(s):// and file://" in plan.errors[1]
        assert "remote host" in plan.errors[2]


def _feed_with_base(folder, base: str) -> bytes:
    return (folder / "feed.xml").read_bytes().replace(b"{BASE}", base.encode())


@pytest.mark.corpus
def test_ecbplus_feed_from_disk(corpora_dir, tmp_path, session):
    folder = (corpora_dir / "ecbplus_dev").resolve()
    feed = tmp_path / "feed.local.xml"  # never written into the shared corpus folder
    feed.write_bytes(_feed_with_base(folder, folder.as_uri()))
    plan = resolve([feed], session)
    n_pages = len(list((folder / "pages").glob("*.html")))
    assert len(plan.discoveries) == n_pages and plan.errors == []
    sample = [d.url for d in plan.discoveries[:: max(1, n_pages // 10)]]
    results = fetch_many(sample, session, POLICY, per_host_interval=0)
    assert all(r.ok and r.via == "file" and r.body.startswith(b"<") for r in results)


@pytest.mark.corpus
def test_ecbplus_feed_over_http(corpora_dir, tmp_path, session):
    folder = (corpora_dir / "ecbplus_dev").resolve()
    site = tmp_path / "site"
    site.mkdir()
    (site / "pages").symlink_to(folder / "pages")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        (site / "feed.local.xml").write_bytes(_feed_with_base(folder, base))
        plan = resolve([base + "/feed.local.xml"], session)
        assert len(plan.discoveries) == len(list((folder / "pages").glob("*.html"))) and plan.errors == []
        assert plan.feed_fetches[0].ok
        sample = [d.url for d in plan.discoveries[:5]]
        results = fetch_many(sample, session, FetchPolicy(retries=0, obey_robots=False, allow_hosts=LOCAL), per_host_interval=0)
        assert [r.status for r in results] == ["ok"] * 5
        names = [u.rsplit("/", 1)[1] for u in sample]
        assert [r.body for r in results] == [(folder / "pages" / n).read_bytes() for n in names]
    finally:
        httpd.shutdown()
        httpd.server_close()
