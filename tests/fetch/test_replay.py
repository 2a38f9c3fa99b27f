"""flows.replay: answering the fetch path from WARC files, as of a point in time."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from flows.archive import WarcWriter, read_record
from flows.http import FetchPolicy, fetch, fetch_many, make_session
from flows.replay import NotArchived, ReplayAdapter, ReplayArchive, normalize_url
from tests.fetch.conftest import LOCAL, UTF8_PAGE

POLICY = FetchPolicy(retries=2)
STORY = "https://www.ledger.example/world/2025/04/01/sheinbaum-answer"
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


@pytest.fixture
def warc(tmp_path):
    """Three versions of one story, a redirect, a paywall and a server error."""
    path = tmp_path / "captures.warc.gz"
    with WarcWriter(path) as w:
        w.write_response(STORY, status=200, reason="OK", headers=HTML, body=b"<p>v1</p>", fetched_at="2025-04-01T18:00:00Z")
        w.write_response(STORY, status=200, reason="OK", headers=HTML, body=b"<p>v2</p>", fetched_at="2025-04-02T18:00:00Z")
        w.write_response(STORY, status=200, reason="OK", headers=HTML, body=b"<p>v3</p>", fetched_at="2025-04-03T18:00:00Z")
        w.write_response("http://ledger.example/s/abc", status=301, reason="Moved Permanently",
                         headers=[("Location", "https://www.ledger.example/world/2025/04/01/sheinbaum-answer"), ("Content-Length", "0")],
                         body=b"", fetched_at="2025-04-02T12:00:00Z")
        w.write_response("https://www.ledger.example/go/dead-end", status=302, reason="Found",
                         headers=[("Location", "/not/archived")], body=b"", fetched_at="2025-04-02T12:00:00Z")
        w.write_response("https://paywall.example/story", status=403, reason="Forbidden", headers=HTML,
                         body=b"<h1>Subscribe</h1>", fetched_at="2025-04-01T17:00:00Z")
        w.write_response("https://flaky.example/story", status=503, reason="Service Unavailable", headers=HTML,
                         body=b"<h1>later</h1>", fetched_at="2025-04-01T17:00:00Z")
    return path


def replay_session(paths, as_of=None):
    return make_session(POLICY, replay=ReplayAdapter(ReplayArchive(paths), as_of))


@pytest.mark.parametrize(
    "as_of,expected,captured",
    [
        (None, b"<p>v3</p>", "2025-04-03T18:00:00+00:00"),
        (datetime(2025, 4, 2, 23, 0, tzinfo=timezone.utc), b"<p>v2</p>", "2025-04-02T18:00:00+00:00"),
        (datetime(2025, 4, 2, 18, 0, tzinfo=timezone.utc), b"<p>v2</p>", "2025-04-02T18:00:00+00:00"),  # "at or before"
        (datetime(2025, 4, 2, 17, 59, 59, tzinfo=timezone.utc), b"<p>v1</p>", "2025-04-01T18:00:00+00:00"),
        ("2025-04-01T13:00:00-06:00", b"<p>v1</p>", "2025-04-01T18:00:00+00:00"),  # offsets respected (19:00Z)
    ],
)
def test_as_of_picks_the_latest_capture_at_or_before(warc, as_of, expected, captured):
    r = fetch(replay_session(warc, as_of), STORY, POLICY)
    assert r.status == "ok" and r.body == expected
    assert r.via == "replay" and r.fetched_at == captured
    ref = ReplayArchive(warc).lookup(STORY, _utc(captured))
    assert (r.warc_file, r.warc_offset, r.warc_record_id) == (ref.warc_file, ref.offset, ref.record_id)


def test_before_the_first_capture_is_not_archived(warc):
    r = fetch(replay_session(warc, datetime(2025, 3, 1, tzinfo=timezone.utc)), STORY, POLICY)
    assert r.status == "not_archived" and "2025-04-01T18:00:00" in r.error


def test_unknown_url_is_not_archived_and_nothing_touches_the_network(warc, closed_port):
    s = replay_session(warc)
    r = fetch(s, f"http://127.0.0.1:{closed_port}/never", POLICY)
    assert r.status == "not_archived" and r.attempts == 1
    with pytest.raises(NotArchived):
        s.get("https://www.ledger.example/other")


def test_redirect_capture_replays_as_a_redirect(warc):
    r = fetch(replay_session(warc), "http://ledger.example/s/abc", POLICY)
    assert r.status == "ok" and r.final_url == STORY and r.body == b"<p>v3</p>"


def test_redirect_to_an_unarchived_url(warc):
    r = fetch(replay_session(warc), "https://www.ledger.example/go/dead-end", POLICY)
    assert r.status == "not_archived" and "https://www.ledger.example/not/archived" in r.error


def test_error_captures_replay_without_retries(warc):
    s = replay_session(warc)
    paywall = fetch(s, "https://paywall.example/story", POLICY, sleep=pytest.fail)
    assert paywall.status == "http_error" and paywall.http_status == 403 and paywall.body == b"<h1>Subscribe</h1>"
    flaky = fetch(s, "https://flaky.example/story", POLICY, sleep=pytest.fail)  # 503 live would be retried
    assert flaky.status == "http_error" and flaky.http_status == 503 and flaky.attempts == 1


def test_replay_writes_nothing_to_an_archive(warc, tmp_path):
    other = tmp_path / "other.warc.gz"
    with WarcWriter(other) as w:
        r = fetch(replay_session(warc), STORY, POLICY, archive=w)
    assert r.ok and r.warc_file == str(warc)
    assert not other.exists()  # nothing written, so not even an empty WARC is created


def test_plain_requests_can_read_a_replayed_response(warc):
    s = replay_session(warc)
    resp = s.get(STORY)
    assert resp.status_code == 200 and resp.content == b"<p>v3</p>"
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.newsprism_capture.captured_at == "2025-04-03T18:00:00+00:00"


def test_several_files_and_url_normalisation(warc, tmp_path):
    second = tmp_path / "later.warc.gz"
    with WarcWriter(second) as w:
        w.write_response(STORY, status=200, reason="OK", headers=HTML, body=b"<p>v4</p>", fetched_at="2025-04-05T00:00:00Z")
    archive = ReplayArchive([warc, second])
    assert len(archive) == 8 and len(archive.captures(STORY)) == 4
    s = make_session(POLICY, replay=ReplayAdapter(archive))
    r = fetch(s, "HTTPS://WWW.Ledger.Example:443/world/2025/04/01/sheinbaum-answer#comments", POLICY)
    assert r.body == b"<p>v4</p>" and r.warc_file == str(second)


@pytest.mark.parametrize(
    "a,b",
    [
        ("HTTP://Example.COM:80", "http://example.com/"),
        ("https://example.com:443/a?b=1&a=2#frag", "https://example.com/a?b=1&a=2"),
        ("https://example.com:8443/a b", "https://example.com:8443/a%20b"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ],
)
def test_normalize_url(a, b):
    assert normalize_url(a) == b


def test_live_fetches_replay_identically(server, tmp_path, closed_port):
    """Fetch live into a WARC, stop caring about the server, replay: same outcomes, same bytes."""
    paths = ["/ok", "/cp1252", "/gzip-page", "/chunked-page", "/redirect/1", "/missing", "/pdf", "/huge-declared", "/loop/a", "/close-early"]
    live_session = make_session(FetchPolicy(retries=0, allow_hosts=LOCAL))
    policy = FetchPolicy(retries=0, obey_robots=False, allow_hosts=LOCAL)
    path = tmp_path / "live.warc.gz"
    with WarcWriter(path) as w:
        live = fetch_many([server.url(p) for p in paths], live_session, policy, archive=w, per_host_interval=0)
    replayed = fetch_many([server.url(p) for p in paths], replay_session(path), policy)
    server.httpd.shutdown()  # replay needs no server: fetch once more after it is gone
    again = fetch(replay_session(path), server.url("/gzip-page"), policy)
    for a, b in zip(live, replayed):
        assert (b.status, b.http_status, b.sha256, b.final_url) == (a.status, a.http_status, a.sha256, a.final_url), a.url
        assert b.via == "replay" and b.warc_file == str(path)
        # /ok was captured twice (directly and at the end of /redirect/1): replay serves the later one
        assert b.fetched_at == read_record(path, b.warc_offset).captured_at
        if not a.url.endswith("/ok"):
            assert (b.fetched_at, b.warc_offset) == (a.fetched_at, a.warc_offset), a.url
    assert again.ok and again.body == UTF8_PAGE
    assert hashlib.sha256(again.body).hexdigest() == live[2].sha256
