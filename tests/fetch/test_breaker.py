"""Failing fast: a host that cannot be reached is not retried, and not asked again for a while."""
from __future__ import annotations

from flows.http import FetchPolicy, fetch, make_session
from tests.fetch.conftest import LOCAL

POLICY = FetchPolicy(allow_hosts=LOCAL, retries=3, backoff_base=0.01, connect_timeout=2, read_timeout=2)


def test_a_name_that_does_not_resolve_is_not_retried_and_skips_its_host(no_sleep):
    session = make_session(POLICY)
    # .invalid is reserved (RFC 6761): it never resolves
    first = fetch(session, "https://news.newsprism-test.invalid/a", POLICY, sleep=no_sleep)
    assert first.status == "connection_error" and first.attempts == 1 and no_sleep.delays == []
    assert first.error == "cannot resolve host news.newsprism-test.invalid (DNS lookup failed)"
    second = fetch(session, "https://news.newsprism-test.invalid/b", POLICY, sleep=no_sleep)
    assert second.status == "connection_error" and second.attempts == 0
    assert second.error.startswith("not tried: unreachable a moment ago (cannot resolve host")


def test_refused_connections_open_the_origin_breaker_after_two_failures(closed_port, no_sleep):
    session = make_session(POLICY)
    url = f"http://127.0.0.1:{closed_port}/page"
    first = fetch(session, url, POLICY, sleep=no_sleep)
    assert first.status == "connection_error" and first.attempts == POLICY.retries + 1
    second = fetch(session, url, POLICY, sleep=no_sleep)
    assert second.attempts == 0 and second.error.startswith("not tried")


def test_a_reset_after_connecting_does_not_mark_the_host_unreachable(server, no_sleep):
    session = make_session(POLICY)
    for _ in range(3):
        r = fetch(session, server.url("/reset"), POLICY, sleep=no_sleep)
        assert r.status == "connection_error" and r.attempts > 0
    assert fetch(session, server.url("/ok"), POLICY, sleep=no_sleep).ok


def test_the_breaker_can_be_turned_off(closed_port, no_sleep):
    policy = FetchPolicy(allow_hosts=LOCAL, retries=0, unreachable_ttl=0)
    session = make_session(policy)
    url = f"http://127.0.0.1:{closed_port}/page"
    assert all(fetch(session, url, policy, sleep=no_sleep).attempts == 1 for _ in range(3))
