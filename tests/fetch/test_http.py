"""flows.http against a real local server: every outcome is a FetchResult with the right status."""
from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timezone

import pytest

from flows.archive import WarcWriter, iter_responses, read_record
from flows.http import FetchPolicy, HostPacer, fetch, fetch_many, make_session
from parsers.records import FETCH_STATUSES
from tests.fetch.conftest import CP1252_PAGE, LOCAL, RSS_FEED, UTF8_PAGE

# Short waits so failures surface quickly; backoff sleeps go through the recorder anyway.
POLICY = FetchPolicy(allow_hosts=LOCAL, connect_timeout=2, read_timeout=2, deadline=10, retries=2, backoff_base=0.5, backoff_max=4)


@pytest.fixture
def session():
    s = make_session(POLICY)
    yield s
    s.close()


def get(session, server, path, no_sleep, policy=POLICY, **kw):
    return fetch(session, server.url(path), policy, sleep=no_sleep, **kw)


def _utc(ts: str) -> datetime:
    dt = datetime.fromisoformat(ts)
    assert dt.utcoffset().total_seconds() == 0
    return dt


class TestPages:
    def test_ok_utf8(self, session, server, no_sleep):
        before = datetime.now(timezone.utc)
        r = get(session, server, "/ok", no_sleep)
        assert r.status == "ok" and r.ok
        assert r.http_status == 200 and r.attempts == 1 and r.via == "http"
        assert r.body == UTF8_PAGE
        assert r.sha256 == hashlib.sha256(UTF8_PAGE).hexdigest() and r.size == len(UTF8_PAGE)
        assert r.content_type == "text/html; charset=utf-8"
        assert r.etag == '"ok-1"' and r.last_modified == "Fri, 28 Mar 2025 18:10:00 GMT"
        assert r.final_url == r.url == server.url("/ok")
        assert before <= _utc(r.fetched_at) <= datetime.now(timezone.utc)
        assert r.error is None and r.status in FETCH_STATUSES

    def test_windows_1252_bytes_kept_exactly(self, session, server, no_sleep):
        r = get(session, server, "/cp1252", no_sleep)
        assert r.status == "ok"
        assert r.content_type == "text/html"
        assert r.body == CP1252_PAGE  # no decoding, no re-encoding

    def test_missing_content_type_is_sniffed(self, session, server, no_sleep):
        r = get(session, server, "/no-type", no_sleep)
        assert r.status == "ok" and r.content_type is None and r.body == UTF8_PAGE

    def test_pdf_is_not_html(self, session, server, no_sleep):
        r = get(session, server, "/pdf", no_sleep)
        assert r.status == "not_html"
        assert "application/pdf" in r.error
        assert r.body is None and r.attempts == 1
        assert server.counts["/pdf"] == 1

    @pytest.mark.parametrize("path", ["/gzip-page", "/deflate-raw", "/chunked-page"])
    def test_content_and_transfer_encodings(self, session, server, no_sleep, path):
        r = get(session, server, path, no_sleep)
        assert r.status == "ok" and r.body == UTF8_PAGE

    def test_corrupt_gzip_is_a_decode_error(self, session, server, no_sleep):
        r = get(session, server, "/bad-gzip", no_sleep)
        assert r.status == "decode_error" and "gzip" in r.error
        assert server.counts["/bad-gzip"] == 1  # a broken body is not retried

    def test_identifies_itself(self, session, server, no_sleep):
        r = get(session, server, "/echo-headers", no_sleep)
        seen = r.body.decode()
        assert "User-Agent: newsprism/" in seen and "+https://" in seen
        assert "Accept-Encoding: gzip, deflate" in seen
        assert "Accept: text/html" in seen

    def test_conditional_get(self, session, server, no_sleep):
        first = get(session, server, "/etag", no_sleep)
        assert first.status == "ok" and first.etag == '"v1"'
        again = get(session, server, "/etag", no_sleep, if_none_match=first.etag)
        assert again.status == "not_modified" and again.http_status == 304 and again.body is None


class TestFeeds:
    def test_feed_kind(self, session, server, no_sleep):
        r = get(session, server, "/feed.rss", no_sleep, kind="feed")
        assert r.status == "ok" and r.body == RSS_FEED

    def test_feed_served_as_html_is_sniffed(self, session, server, no_sleep):
        r = get(session, server, "/feed-as-html", no_sleep, kind="feed")
        assert r.status == "ok"

    def test_page_is_not_a_feed(self, session, server, no_sleep):
        r = get(session, server, "/ok", no_sleep, kind="feed")
        assert r.status == "not_feed"

    def test_feed_is_not_a_page(self, session, server, no_sleep):
        assert get(session, server, "/feed.rss", no_sleep).status == "not_html"

    def test_any_accepts_both(self, session, server, no_sleep):
        assert get(session, server, "/feed.rss", no_sleep, kind="any").status == "ok"
        assert get(session, server, "/ok", no_sleep, kind="any").status == "ok"
        assert get(session, server, "/pdf", no_sleep, kind="any").status == "not_html"


class TestRedirects:
    def test_chain(self, session, server, no_sleep):
        r = get(session, server, "/redirect/1", no_sleep)
        assert r.status == "ok" and r.body == UTF8_PAGE
        assert r.url == server.url("/redirect/1") and r.final_url == server.url("/ok")
        assert [server.counts[p] for p in ("/redirect/1", "/redirect/2", "/redirect/3", "/ok")] == [1, 1, 1, 1]

    def test_loop(self, session, server, no_sleep):
        r = get(session, server, "/loop/a", no_sleep)
        assert r.status == "too_many_redirects"
        assert "loop" in r.error and server.url("/loop/b") in r.error
        assert server.counts["/loop/a"] == 1 and server.counts["/loop/b"] == 1

    def test_too_many(self, session, server, no_sleep):
        policy = FetchPolicy(allow_hosts=LOCAL, max_redirects=3, retries=0)
        r = get(session, server, "/hops/0", no_sleep, policy=policy)
        assert r.status == "too_many_redirects" and "more than 3 redirects" in r.error
        assert sum(n for p, n in server.counts.items() if p.startswith("/hops/")) == 4
        assert r.error.count(" -> ") == 4  # the whole chain is in the error

    def test_redirect_to_another_scheme(self, session, server, no_sleep):
        r = get(session, server, "/to-ftp", no_sleep)
        assert r.status == "invalid_url" and "ftp://files.example/report.pdf" in r.error


class TestErrorsAndRetries:
    def test_404_is_not_retried(self, session, server, no_sleep):
        r = get(session, server, "/missing", no_sleep)
        assert r.status == "http_error" and r.http_status == 404 and r.attempts == 1
        assert server.counts["/missing"] == 1 and no_sleep.delays == []
        assert r.body == b"<h1>gone</h1>"  # an error page is kept as evidence

    def test_429_honours_retry_after_seconds(self, session, server, no_sleep):
        r = get(session, server, "/rate-limited", no_sleep)
        assert r.status == "ok" and r.attempts == 2
        assert server.counts["/rate-limited"] == 2
        assert no_sleep.delays == [1.0]

    def test_429_retry_after_really_waits(self, session, server):
        started = time.monotonic()
        r = fetch(session, server.url("/rate-limited"), POLICY)
        times = server.times["/rate-limited"]
        assert r.status == "ok" and len(times) == 2
        assert times[1] - times[0] >= 0.95 and time.monotonic() - started >= 0.95

    def test_429_retry_after_http_date(self, session, server, no_sleep):
        r = get(session, server, "/rate-limited-date", no_sleep)
        assert r.status == "ok" and len(no_sleep.delays) == 1
        assert 1.0 <= no_sleep.delays[0] <= 3.5

    def test_retry_after_beyond_the_cap_gives_up(self, session, server, no_sleep):
        r = get(session, server, "/rate-limited-long", no_sleep)
        assert r.status == "http_error" and r.http_status == 429 and r.attempts == 1
        assert "retry_after_max" in r.error and no_sleep.delays == []

    def test_503_exhausts_retries_with_growing_backoff(self, session, server, no_sleep):
        policy = FetchPolicy(allow_hosts=LOCAL, retries=3, backoff_base=1.0, backoff_max=3.0)
        r = get(session, server, "/unavailable", no_sleep, policy=policy)
        assert r.status == "http_error" and r.http_status == 503
        assert r.attempts == 4 and server.counts["/unavailable"] == 4
        assert "after 4 attempts" in r.error
        d = no_sleep.delays
        assert len(d) == 3
        assert 0.5 <= d[0] <= 1.0 and 1.0 <= d[1] <= 2.0 and 1.5 <= d[2] <= 3.0  # capped at backoff_max

    def test_read_timeout(self, session, server, no_sleep):
        policy = FetchPolicy(allow_hosts=LOCAL, read_timeout=0.3, retries=1)
        started = time.monotonic()
        r = get(session, server, "/slow", no_sleep, policy=policy)
        assert r.status == "timeout" and "read timeout" in r.error
        assert r.attempts == 2 and len(no_sleep.delays) == 1
        assert time.monotonic() - started < 1.4  # two 0.3 s waits, not the server's 1.5 s

    def test_deadline_stops_a_slow_drip(self, session, server, no_sleep):
        # Every byte arrives well within the read timeout; only the deadline can stop this.
        policy = FetchPolicy(allow_hosts=LOCAL, read_timeout=5, deadline=0.6, retries=0)
        started = time.monotonic()
        r = get(session, server, "/drip", no_sleep, policy=policy)
        elapsed = time.monotonic() - started
        assert r.status == "timeout" and "deadline" in r.error
        assert elapsed < 2.0  # the full body would take 8 s
        assert r.body is None

    def test_connection_broken_mid_body_is_retried(self, session, server, no_sleep):
        r = get(session, server, "/close-early", no_sleep)
        assert r.status == "connection_error" and "15 bytes" in r.error
        assert server.counts["/close-early"] == POLICY.retries + 1

    def test_connection_refused(self, session, closed_port, no_sleep):
        r = fetch(session, f"http://127.0.0.1:{closed_port}/x", POLICY, sleep=no_sleep)
        assert r.status == "connection_error" and "refused" in r.error.lower()
        assert r.attempts == POLICY.retries + 1 and len(no_sleep.delays) == POLICY.retries

    @pytest.mark.parametrize("url", ["ftp://files.example/a.html", "mailto:desk@ledger.example", "not a url", "http:///nohost", "javascript:alert(1)"])
    def test_invalid_url(self, session, url, no_sleep):
        r = fetch(session, url, POLICY, sleep=no_sleep)
        assert r.status == "invalid_url" and r.attempts == 0 and r.error


class TestSizeCaps:
    def test_streamed_body_over_the_cap(self, session, server, no_sleep):
        policy = FetchPolicy(allow_hosts=LOCAL, max_bytes=1024 * 1024, retries=0)
        started = time.monotonic()
        r = get(session, server, "/huge", no_sleep, policy=policy)
        assert r.status == "too_large" and r.body is None and r.sha256 is None
        assert time.monotonic() - started < 5
        time.sleep(0.2)  # let the server notice the closed socket
        assert server.sent["/huge"] < 16 * 1024 * 1024  # of 60 MiB offered

    def test_declared_length_over_the_cap_is_not_downloaded(self, session, server, no_sleep):
        r = get(session, server, "/huge-declared", no_sleep)
        assert r.status == "too_large" and "Content-Length" in r.error
        time.sleep(0.2)
        assert server.sent["/huge-declared"] < 16 * 1024 * 1024

    def test_gzip_bomb_stops_at_the_decompressed_cap(self, session, server, no_sleep):
        policy = FetchPolicy(allow_hosts=LOCAL, max_bytes=2 * 1024 * 1024, retries=0)
        started = time.monotonic()
        r = get(session, server, "/bomb", no_sleep, policy=policy)
        assert r.status == "too_large" and "decompression" in r.error
        assert time.monotonic() - started < 5


class TestFiles:
    def test_file_url(self, session, tmp_path):
        page = tmp_path / "saved page.html"
        page.write_bytes(CP1252_PAGE)
        os.utime(page, (1743465600, 1743465600))  # 2025-04-01T00:00:00Z
        r = fetch(session, page.as_uri(), POLICY)
        assert r.status == "ok" and r.via == "file" and r.body == CP1252_PAGE
        assert r.fetched_at == "2025-04-01T00:00:00+00:00"
        assert r.content_type is None and r.http_status is None

    def test_missing_file(self, session, tmp_path):
        r = fetch(session, (tmp_path / "gone.html").as_uri(), POLICY)
        assert r.status == "read_error" and "gone.html" in r.error

    def test_file_urls_can_be_refused(self, session, tmp_path):
        page = tmp_path / "a.html"
        page.write_bytes(UTF8_PAGE)
        r = fetch(session, page.as_uri(), FetchPolicy(allow_file_urls=False))
        assert r.status == "invalid_url"


class TestMany:
    def test_order_duplicates_and_archive(self, session, server, tmp_path):
        paths = ["/missing", "/ok", "/gzip-page", "/redirect/1", "/ok", "/pdf", "/huge-declared"]
        with WarcWriter(tmp_path / "a.warc.gz") as archive:
            results = fetch_many([server.url(p) for p in paths], session, POLICY, archive=archive, per_host_interval=0.0)
        assert [r.url for r in results] == [server.url(p) for p in paths]
        assert [r.status for r in results] == ["http_error", "ok", "ok", "ok", "ok", "not_html", "too_large"]
        assert results[1] is results[4] and server.counts["/ok"] == 2  # once for /ok, once at the end of the redirects
        for r in results:
            assert r.warc_file == str(tmp_path / "a.warc.gz") and r.warc_offset is not None and r.warc_record_id
        # The archived entity is byte-identical to what the parser was handed (gzip undone).
        for r in results:
            if r.ok:
                assert hashlib.sha256(read_record(r.warc_file, r.warc_offset).body).hexdigest() == r.sha256
        archived = [(a.url.rsplit("/", 2)[-2:], a.status, a.truncated) for a in iter_responses(tmp_path / "a.warc.gz")]
        statuses = sorted(s for _, s, _ in archived)
        assert statuses.count(302) == 1 and statuses.count(301) == 1 and statuses.count(307) == 1  # every hop
        assert (["127.0.0.1:" + server.base.rsplit(":", 1)[1], "pdf"], 200, "unspecified") in archived
        assert any(t == "length" for _, _, t in archived)  # too_large is archived, marked truncated

    def test_per_host_pacing(self, session, server):
        paths = ["/ok", "/ok2", "/ok3"]
        policy = FetchPolicy(allow_hosts=LOCAL, obey_robots=False)
        results = fetch_many([server.url(p) for p in paths], session, policy, per_host_interval=0.3, max_workers=3)
        assert all(r.ok for r in results)
        times = sorted(t for p in paths for t in server.times[p])
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert len(gaps) == 2 and min(gaps) >= 0.27

    def test_robots_txt_is_obeyed(self, session, server):
        server.robots = "User-agent: *\nDisallow: /private/\n"
        results = fetch_many([server.url("/private/report"), server.url("/page/1")], session, POLICY, per_host_interval=0.0)
        assert [r.status for r in results] == ["blocked_by_robots", "ok"]
        assert "robots.txt" in results[0].error
        assert server.counts["/private/report"] == 0 and server.counts["/robots.txt"] == 1

    def test_failures_do_not_stop_the_batch(self, session, server, closed_port):
        policy = FetchPolicy(allow_hosts=LOCAL, retries=0)
        urls = [f"http://127.0.0.1:{closed_port}/a", server.url("/ok"), "gopher://old.example/"]
        results = fetch_many(urls, session, policy, per_host_interval=0.0)
        assert [r.status for r in results] == ["connection_error", "ok", "invalid_url"]


def test_host_pacer_spaces_requests_per_host():
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)

    pacer = HostPacer(1.0, clock=lambda: clock[0], sleep=sleep)
    assert pacer.wait("https://a.example/1") == 0
    assert pacer.wait("https://a.example/2") == 1.0
    assert pacer.wait("https://b.example/1") == 0  # another host does not wait
    pacer.set_interval("a.example", 5.0)  # e.g. robots.txt Crawl-delay
    assert pacer.wait("https://A.example/3") == 2.0  # slot reserved at t=2 by the previous wait
    assert pacer.wait("https://a.example/4") == 7.0
    assert slept == [1.0, 2.0, 7.0]


def test_decoder_never_inflates_past_the_cap():
    """The cap holds inside one chunk too: a bomb is stopped without its 64 MiB in memory."""
    import tracemalloc

    from flows.http import _Decoder, _TooLarge
    from tests.fetch.conftest import _bomb

    bomb = _bomb()
    decoder = _Decoder("gzip", 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(_TooLarge):
            decoder.feed(bomb)  # the whole compressed payload at once
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate", "gzip, identity"])
def test_decoder_round_trips(coding):
    import gzip as gz
    import zlib

    from flows.http import _Decoder

    raw = UTF8_PAGE * 50
    data = zlib.compress(raw) if coding == "deflate" else gz.compress(raw)
    decoder = _Decoder(coding, 1 << 20)
    out = b"".join(decoder.feed(data[i : i + 7]) for i in range(0, len(data), 7))  # tiny chunks
    decoder.finish()
    assert out == raw


def test_decoder_concatenated_gzip_members_and_unsupported_codings():
    import gzip as gz

    from flows.http import _Decoder, _DecodeFailed

    decoder = _Decoder("gzip", 1 << 20)
    assert decoder.feed(gz.compress(b"<p>one</p>") + gz.compress(b"<p>two</p>")) == b"<p>one</p><p>two</p>"
    with pytest.raises(_DecodeFailed, match="unsupported Content-Encoding br"):
        _Decoder("br", 1 << 20)
    truncated = _Decoder("gzip", 1 << 20)
    truncated.feed(gz.compress(UTF8_PAGE)[:-12])
    with pytest.raises(_DecodeFailed, match="truncated"):
        truncated.finish()


def test_no_netrc_credentials_are_sent(server, no_sleep, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login reporter password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with make_session(POLICY) as s:
        r = fetch(s, server.url("/echo-headers"), POLICY, sleep=no_sleep)
    assert r.status == "ok" and "Authorization" not in server.headers["/echo-headers"]


def test_deadlines_fire_once_and_never_after_cancel():
    """One thread watches every deadline: an expired one shuts its socket down, a cancelled
    one leaves its socket alone, and neither keeps the socket referenced."""
    import socket as so
    import types

    from flows.http import _Watchdog

    kept_a, kept_b = so.socketpair()
    shut_a, shut_b = so.socketpair()
    try:
        kept, shut = _Watchdog(), _Watchdog()
        kept.arm(types.SimpleNamespace(connection=types.SimpleNamespace(sock=kept_a)), 0.1)
        shut.arm(types.SimpleNamespace(connection=types.SimpleNamespace(sock=shut_a)), 0.1)
        kept.cancel()
        time.sleep(0.4)
        assert shut.fired and not kept.fired
        assert shut_a.recv(1) == b""  # shut down: reads end at once
        kept_b.sendall(b"x")
        assert kept_a.recv(1) == b"x"  # still open
    finally:
        for sock in (kept_a, kept_b, shut_a, shut_b):
            sock.close()
