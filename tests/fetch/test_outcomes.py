"""Every outcome class users query comes from a real HTTP exchange, through fetch_many.

The page-level outcomes (paywalled, consent_wall, js_required) are decided after parsing,
"not_archived" only in replay (tests/fetch/test_replay.py) and "error" only by a bug; every other
class in FETCH_OUTCOMES must show up here.
"""
from __future__ import annotations

from flows.archive import WarcWriter, iter_responses
from flows.http import FetchPolicy, fetch_many, make_session
from parsers.records import FETCH_OUTCOMES, FETCH_STATUSES, PAGE_STATUS_OUTCOMES, fetch_outcome
from tests.fetch.conftest import LOCAL, UTF8_PAGE

NOT_FROM_HTTP = set(PAGE_STATUS_OUTCOMES.values()) | {"not_archived", "error"}

# Short limits so that timeouts and retries are quick; backoff sleeps go through a recorder.
POLICY = FetchPolicy(
    allow_hosts=LOCAL, connect_timeout=1, read_timeout=0.5, deadline=5, retries=1,
    backoff_base=0.01, backoff_max=0.05, retry_after_max=5, max_bytes=1024 * 1024,
)

ETAG_VALIDATORS = ('"v1"', None)
DATE_VALIDATORS = (None, "Sat, 29 Mar 2025 00:40:00 GMT")


def test_every_outcome_class_from_one_fetch_many(server, closed_port, no_sleep):
    server.robots = "User-agent: *\nDisallow: /private/\n"
    cases = {
        "/ok": "ok",
        "/etag": "not_modified",  # If-None-Match
        "/modified": "not_modified",  # If-Modified-Since
        "/missing": "not_found",
        "/gone": "gone",
        "/unauthorized": "blocked",
        "/forbidden": "blocked",
        "/private/report": "blocked",  # robots.txt
        "/to-metadata": "blocked",  # redirect to a link-local address: refused
        "/always-429": "rate_limited",  # retries exhausted
        "/rate-limited-long": "rate_limited",  # Retry-After beyond retry_after_max
        "/slow": "timeout",
        "/huge-declared": "too_large",  # by Content-Length
        "/huge": "too_large",  # streamed past the cap
        "/pdf": "not_html",
        "/close-early": "network_error",  # orderly close mid-body
        "/reset": "network_error",  # TCP reset mid-body
        "/loop/a": "redirect_loop",
        "/hops/0": "redirect_loop",  # too many hops
        "/unavailable": "server_error",  # 503, retries exhausted
        "/error-500": "server_error",
        "/bad-request": "client_error",
        "/to-ftp": "invalid_url",
    }
    urls = {server.url(p): want for p, want in cases.items()}
    urls[f"http://127.0.0.1:{closed_port}/nothing-listens"] = "network_error"  # connection refused
    urls["http://10.0.0.5/intranet"] = "blocked"  # a private address: refused, never contacted
    validators = {server.url("/etag"): ETAG_VALIDATORS, server.url("/modified"): DATE_VALIDATORS}

    with make_session(POLICY) as session:
        results = fetch_many(list(urls), session, POLICY, sleep=no_sleep, per_host_interval=0, max_workers=8, validators=validators)

    got = {r.url: fetch_outcome(r.status, r.http_status) for r in results}
    assert got == urls, {u: (r.status, r.http_status, r.error) for u, r in zip(urls, results) if got[u] != urls[u]}
    assert all(r.status in FETCH_STATUSES for r in results)
    assert all(r.error for r in results if r.status != "ok")  # every failure says why, in words
    assert set(got.values()) == set(FETCH_OUTCOMES) - NOT_FROM_HTTP
    by_path = {r.url.split("/", 3)[-1]: r for r in results}
    assert by_path["always-429"].attempts == 2 and by_path["rate-limited-long"].attempts == 1
    assert by_path["slow"].attempts == 2 and by_path["unavailable"].attempts == 2
    assert by_path["forbidden"].body == b"<h1>subscribe to read</h1>"  # evidence kept
    assert server.counts["/private/report"] == 0


class TestConditionalGet:
    def test_validators_make_requests_conditional(self, server, tmp_path):
        policy = FetchPolicy(allow_hosts=LOCAL, retries=0, obey_robots=False)
        urls = [server.url("/etag"), server.url("/modified"), server.url("/ok")]
        with make_session(policy) as session:
            first = fetch_many(urls, session, policy, per_host_interval=0)
            assert [r.status for r in first] == ["ok", "ok", "ok"]
            held = {r.url: (r.etag, r.last_modified) for r in first}
            with WarcWriter(tmp_path / "again.warc.gz") as archive:
                again = fetch_many(urls, session, policy, per_host_interval=0, archive=archive, validators=held)

        etag, modified, ok = again
        assert server.headers["/etag"]["If-None-Match"] == '"v1"'
        assert server.headers["/modified"]["If-Modified-Since"] == "Sat, 29 Mar 2025 00:40:00 GMT"
        assert server.headers["/ok"]["If-None-Match"] == '"ok-1"'  # sent; this route ignores it
        for r in (etag, modified):
            assert r.status == "not_modified" and r.http_status == 304 and r.body is None and r.error
            assert (r.etag, r.last_modified) == held[r.url]  # the validators of the copy held are kept
        assert ok.status == "ok" and ok.body == UTF8_PAGE
        # The 304s are archived like any response, and the results point at them.
        archived = {a.url: a.status for a in iter_responses(tmp_path / "again.warc.gz")}
        assert archived == {server.url("/etag"): 304, server.url("/modified"): 304, server.url("/ok"): 200}
        assert etag.warc_file and etag.warc_offset is not None

    def test_stale_validators_get_the_new_page(self, server):
        policy = FetchPolicy(allow_hosts=LOCAL, retries=0, obey_robots=False)
        with make_session(policy) as session:
            (r,) = fetch_many([server.url("/etag")], session, policy, per_host_interval=0, validators={server.url("/etag"): ('"v0"', None)})
        assert r.status == "ok" and r.etag == '"v1"' and r.body == UTF8_PAGE

    def test_blank_or_malformed_validators_are_not_sent(self, server):
        policy = FetchPolicy(allow_hosts=LOCAL, retries=0, obey_robots=False)
        validators = {server.url("/echo-headers"): ("", "2025-03-29T00:40:00Z")}  # an ISO date is not an HTTP date
        with make_session(policy) as session:
            (r,) = fetch_many([server.url("/echo-headers")], session, policy, per_host_interval=0, validators=validators)
        assert r.status == "ok"
        assert "If-None-Match" not in server.headers["/echo-headers"]
        assert "If-Modified-Since" not in server.headers["/echo-headers"]
