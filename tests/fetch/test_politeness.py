"""Politeness across concurrent fetch_many calls (Prefect tasks in threads): one connection cap
and one per-host pacer for the whole process, checked at the server."""
from __future__ import annotations

import threading

from flows.http import FetchPolicy, HostPacer, fetch_many, make_session
from tests.fetch.conftest import LOCAL


def _two_callers(server, policy: FetchPolicy, per_host_interval: float, n: int = 6, workers: int = 4) -> list[list]:
    """Two threads start fetch_many at the same moment, each for its own `n` pages of the one
    slow host (/busy/ answers after 0.25 s)."""
    start = threading.Barrier(2)
    results: list[list] = [[], []]

    def caller(k: int) -> None:
        urls = [server.url(f"/busy/{k}-{i}") for i in range(n)]
        with make_session(policy) as session:
            start.wait()
            results[k] = fetch_many(urls, session, policy, max_workers=workers, per_host_interval=per_host_interval)

    threads = [threading.Thread(target=caller, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r.ok for rs in results for r in rs) and sum(map(len, results)) == 2 * n
    return results


def test_connection_cap_holds_across_calls(server):
    policy = FetchPolicy(allow_hosts=LOCAL, obey_robots=False, max_connections=3)
    _two_callers(server, policy, per_host_interval=0)
    # 8 workers between the two calls wanted to be in flight; the process allowed 3.
    assert server.busy_peak == 3


def test_without_a_tight_cap_both_calls_overlap(server):
    """The control for the test above: the same two calls with room for all their workers
    overlap well past 3, so the cap (not the test's timing) is what held them there."""
    policy = FetchPolicy(allow_hosts=LOCAL, obey_robots=False, max_connections=8)
    _two_callers(server, policy, per_host_interval=0)
    assert server.busy_peak > 4


def test_one_host_is_paced_across_calls(server):
    policy = FetchPolicy(allow_hosts=LOCAL, obey_robots=False)
    _two_callers(server, policy, per_host_interval=0.3, n=3)
    starts = sorted(t for p, ts in server.times.items() if p.startswith("/busy/") for t in ts)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # Six requests from two callers, never closer than one interval: the callers share a pacer.
    assert len(starts) == 6 and min(gaps) >= 0.27


def test_pacer_per_call_interval_and_crawl_delay():
    clock = [0.0]
    pacer = HostPacer(0.0, clock=lambda: clock[0], sleep=lambda s: None)
    assert pacer.wait("https://a.example/1", interval=2.0) == 0
    assert pacer.wait("https://a.example/2", interval=0.5) == 2.0  # waits out the gap reserved before it
    assert pacer.wait("https://a.example/3", interval=0.5) == 2.5
    pacer.set_interval("A.example", 4.0)  # a Crawl-delay outranks a shorter per-call interval
    assert pacer.wait("https://a.example/4", interval=0.5) == 3.0
    assert pacer.wait("https://a.example/5", interval=0.5) == 7.0
    pacer.set_interval("a.example", 0.0)  # robots.txt reread without a Crawl-delay
    assert pacer.wait("https://a.example/6", interval=0.5) == 11.0
    assert pacer.wait("https://a.example/7", interval=0.5) == 11.5


def test_robots_txt_is_read_once_per_site_across_fetch_batches(server):
    from flows.http import fetch_many, make_session

    policy = FetchPolicy(allow_hosts=LOCAL)
    session = make_session(policy)
    for batch in (["/ok"], ["/ok"], ["/cp1252"]):  # three calls, as three pipeline batches
        assert all(r.ok for r in fetch_many([server.url(p) for p in batch], session, policy, per_host_interval=0))
    assert server.counts["/robots.txt"] == 1
