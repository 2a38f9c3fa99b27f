"""flows.discover end to end: every source kind against a real HTTP server on 127.0.0.1, a real
WARC file, recorded responses in the real formats."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from flows.archive import WarcWriter
from flows.bodies import body_of
from flows.config import GdeltQuery, GoogleNewsQuery, Topic, WarcSource
from flows.discover import DiscoverLimits, discover_topic, resolve_google_news_link
from tests.discovery.conftest import DiscoveryServer, fixture_bytes

UTC = timezone.utc
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
WINDOW = dict(window_start=datetime(2025, 3, 20, tzinfo=UTC), window_end=datetime(2025, 4, 30, 23, 59, 59, tzinfo=UTC))
REDIRECTING = "/rss/articles/CBMiH0FVX3lxTGZpY3Rpb25hbHRva2VuTm90QVVybDAwMDE"
JS_ONLY = "/rss/articles/CBMiH0FVX3lxTGZpY3Rpb25hbHRva2VuTm90QVVybDAwMDI"
OFF_OUTLET = "/rss/articles/CBMiH0FVX3lxTGZpY3Rpb25hbHRva2VuTm90QVVybDAwMDM"
LEGACY_TARGET = "https://www.fronterahoy.example/nacional/2025/03/29/sheinbaum-responde-a-noem"
HTML = "text/html; charset=utf-8"


def _gdelt_route(server: DiscoveryServer):  # noqa: ANN202
    artlist = fixture_bytes("gdelt_artlist.json", server.base)

    def route(q: dict[str, list[str]]):  # noqa: ANN202
        start, end = q["startdatetime"][0], q["enddatetime"][0]
        # GDELT's articles were seen on 28 March: only the slice holding that day lists them.
        body = artlist if start <= "20250328201500" < end else b"{}"
        return 200, {"Content-Type": "application/json; charset=utf-8"}, body

    return route


def _serve_outlet(server: DiscoveryServer) -> None:
    server.serve("/", "homepage.html", HTML)
    server.serve("/rss/portada.xml", "feed_portada.xml", "application/rss+xml")
    server.serve("/feeds/world.xml", "feed_amp_utm.xml", "application/rss+xml; charset=utf-8")
    server.serve("/robots.txt", "robots.txt", "text/plain")
    server.serve("/news-sitemap.xml", "news_sitemap.xml", "application/xml")
    server.serve("/sitemap_index.xml", "sitemap_index.xml", "text/xml")
    server.serve("/sitemaps/2025-03.xml.gz", "sitemap_march.xml.gz", "application/x-gzip")
    server.serve("/sitemaps/2025-05.xml", "sitemap_lastmod.xml", "application/xml")
    server.serve("/rss/search", "google_news_search.xml", "application/rss+xml; charset=utf-8")
    server.redirect(REDIRECTING, server.url("/world/2025/03/28/noem-sheinbaum-meeting"))
    # A modern Google News link answers with a page whose script finds the article: no redirect.
    server.page(JS_ONLY, "<!doctype html><html><head><script>/* opens the article */</script></head><body></body></html>")
    server.page("/world/2025/03/28/noem-sheinbaum-meeting")
    server.routes["/api/v2/doc/doc"] = _gdelt_route(server)


def _warc(tmp_path: Path) -> Path:
    path = tmp_path / "cc-news-sample.warc.gz"
    html = [("Content-Type", "text/html; charset=utf-8")]
    page = b"<!doctype html><html><body><h1>Noem visita Palacio Nacional</h1></body></html>"
    with WarcWriter(path) as w:
        w.write_response("https://www.fronterahoy.example/nacional/2025/03/28/noem-visita", status=200, reason="OK",
                         headers=html, body=page, fetched_at="2025-03-29T01:00:00Z")
        w.write_response("https://www.fronterahoy.example/nacional/2025/06/01/otra-nota", status=200, reason="OK",
                         headers=html, body=b"<html><body>June</body></html>", fetched_at="2025-06-01T09:00:00Z")
        w.write_response("https://www.unrelated.example/story", status=200, reason="OK",
                         headers=html, body=b"<html><body>elsewhere</body></html>", fetched_at="2025-03-28T09:00:00Z")
        w.write_response("https://www.fronterahoy.example/old-path", status=301, reason="Moved Permanently",
                         headers=[("Location", "https://www.fronterahoy.example/new-path")], body=b"", fetched_at="2025-03-28T09:00:00Z")
        w.write_response("https://www.fronterahoy.example/img/palacio.jpg", status=200, reason="OK",
                         headers=[("Content-Type", "image/jpeg")], body=b"\xff\xd8\xff", fetched_at="2025-03-28T09:00:00Z")
    return path


@pytest.fixture
def full_run(server, session, policy, sleeper, closed_port, tmp_path):  # noqa: ANN001, ANN201
    _serve_outlet(server)
    base = server.base
    topic = Topic(
        id="noem-sheinbaum-test",
        name="test",
        terms=("Noem",),
        **WINDOW,
        feeds=(f"{base}/feeds/world.xml", f"http://127.0.0.1:{closed_port}/rss/feed.xml"),
        homepages=(f"{base}/",),
        sitemaps=(f"{base}/",),
        google_news=(GoogleNewsQuery(q="Noem Sheinbaum"),),
        gdelt=(GdeltQuery(query="Noem Sheinbaum"),),
        warc=(WarcSource(paths=(str(_warc(tmp_path)),), hosts=("fronterahoy.example",)),),
        urls=(f"{base}/world/2025/03/28/noem-sheinbaum-meeting?utm_campaign=newsletter",),
        outlets=("127.0.0.1", "northernledger.example", "gulfcoasttribune.example", "www.fronterahoy.example"),
    )
    result = discover_topic(
        topic, session=session, policy=policy, now=NOW, sleep=sleeper, gdelt_interval=5.0,
        google_news_base=f"{base}/rss/search", gdelt_base=f"{base}/api/v2/doc/doc", per_host_interval=0.0,
    )
    return server, result, closed_port, sleeper


def test_one_clear_error_for_the_failing_source_while_the_others_succeed(full_run) -> None:  # noqa: ANN001
    server, result, port, _ = full_run
    assert len(result.errors) == 1, result.errors
    message = result.errors[0]
    assert message.startswith(f"feed http://127.0.0.1:{port}/rss/feed.xml: connection_error: ")
    assert "refused" in message.lower()
    failed = [f for f in result.fetches if f.url.endswith(f":{port}/rss/feed.xml")]
    assert [f.status for f in failed] == ["connection_error"]


def test_urls_to_fetch_are_normalised_and_listed_once(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    b = server.base
    assert sorted(result.urls_to_fetch) == sorted([
        f"{b}/nacional/2025/03/28/noem-visita",
        f"{b}/world/2025/03/28/noem-sheinbaum-meeting",
        f"{b}/world/2025/03/31/fox-interview",
        f"{b}/nacional/2025/04/01/sheinbaum-mananera-biometricos",
        f"{b}/nacional/2025/04/02/aranceles-25-por-ciento",
        f"{b}/world/2025/03/30/border-talks",
        f"{b}/world/2025/05/20/follow-up",
        f"{b}/world/undated-explainer",
        LEGACY_TARGET,
    ])
    assert len(result.urls_to_fetch) == len(set(result.urls_to_fetch))


def test_amp_and_utm_duplicates_keep_every_source_as_provenance(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    b = server.base
    rows = [d for d in result.discoveries if d.url == f"{b}/nacional/2025/03/28/noem-visita"]
    assert sorted(d.source_kind for d in rows) == ["gdelt", "rss", "sitemap"]
    assert {d.source for d in rows if d.source_kind != "gdelt"} == {f"{b}/feeds/world.xml", f"{b}/news-sitemap.xml"}
    meeting = [d for d in result.discoveries if d.url == f"{b}/world/2025/03/28/noem-sheinbaum-meeting"]
    assert sorted(d.source_kind for d in meeting) == ["gdelt", "google_news", "rss", "sitemap", "urls"]
    # one provenance row per (url, source): no duplicates
    keys = [(d.url, d.source) for d in result.discoveries]
    assert len(keys) == len(set(keys))
    # the feed's language travels with its items
    assert {d.language for d in rows if d.source_kind == "rss"} == {"en"}


def test_google_news_links_resolve_or_stay_unresolved(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    b = server.base
    gn = [d for d in result.discoveries if d.source_kind == "google_news"]
    assert {d.source for d in gn} == {f"{b}/rss/search?q=Noem%20Sheinbaum&hl=en-US&gl=US&ceid=US:en"}
    by_outlet = {d.outlet_hint: d for d in gn}
    assert set(by_outlet) == {"Northern Ledger", "Gulf Coast Tribune", "Frontera Hoy"}
    followed = by_outlet["Northern Ledger"]
    assert followed.resolved and followed.url == f"{b}/world/2025/03/28/noem-sheinbaum-meeting"
    assert followed.aggregator_url == f"{b}{REDIRECTING}?oc=5"
    assert followed.title == "Noem presses Sheinbaum on sharing biometric data"
    stuck = by_outlet["Gulf Coast Tribune"]
    assert not stuck.resolved and stuck.url == stuck.aggregator_url == f"{b}{JS_ONLY}?oc=5"
    assert stuck.outlet_url == "https://www.gulfcoasttribune.example"
    assert stuck.url not in result.urls_to_fetch
    decoded = by_outlet["Frontera Hoy"]
    assert decoded.resolved and decoded.url == LEGACY_TARGET
    # six window slices were searched; each link was followed once; the off-outlet one never
    assert server.counts["/rss/search"] == 6
    assert server.counts[REDIRECTING] == 1 and server.counts[JS_ONLY] == 1
    assert server.counts[OFF_OUTLET] == 0
    assert any("stay unresolved" in w for w in result.warnings)


def test_drops_are_counted_by_reason(full_run) -> None:  # noqa: ANN001
    _, result, _, _ = full_run
    # outside the window: a January feed item, a February sitemap page, a page whose <lastmod>
    # predates the window, a February Google News item, a May GDELT article, a June WARC capture
    assert result.dropped == {"outside_window": 6, "off_outlet": 2, "warc_host_filtered": 1}
    assert any("dropped 2 aggregator items" in w for w in result.warnings)


def test_gdelt_is_paced_through_the_injected_sleep(full_run) -> None:  # noqa: ANN001
    server, result, _, sleeper = full_run
    assert server.counts["/api/v2/doc/doc"] == 6  # 42 days in slices of at most 7
    assert sleeper.delays == [5.0] * 5  # nothing else waited: no host pacing, no retries
    gdelt = [d for d in result.discoveries if d.source_kind == "gdelt"]
    assert {d.source for d in gdelt} == {f"{server.base}/api/v2/doc/doc?query=Noem%20Sheinbaum&mode=artlist"}
    assert {d.source_seen_at for d in gdelt} == {"2025-03-28T20:15:00+00:00", "2025-03-28T22:30:00+00:00"}
    assert all(d.feed_published is None for d in gdelt)
    gdelt_agents = {ua for path, ua in zip(server.requests, server.user_agents) if path.startswith("/api/")}
    assert len(gdelt_agents) == 1 and gdelt_agents.pop().startswith("newsprism/")


def test_sitemaps_follow_robots_and_the_index_by_lastmod(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    assert server.counts["/news-sitemap.xml"] == 1
    assert server.counts["/sitemaps/2025-03.xml.gz"] == 1
    assert server.counts["/sitemaps/2025-05.xml"] == 1
    assert server.counts["/sitemaps/2025-02.xml"] == 0  # last changed before the window opened
    assert any("skipped 1 child sitemaps" in w for w in result.warnings)
    news = [d for d in result.discoveries if d.source == f"{server.base}/news-sitemap.xml"]
    assert {d.outlet_hint for d in news} == {"Frontera Hoy"}
    assert all(d.feed_published for d in news)


def test_homepage_feeds_are_followed_but_not_comment_feeds(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    assert server.counts["/rss/portada.xml"] == 1
    assert server.counts["/comments/feed/"] == 0
    portada = [d for d in result.discoveries if d.source == f"{server.base}/rss/portada.xml"]
    assert [d.url for d in portada] == [f"{server.base}/nacional/2025/04/01/sheinbaum-mananera-biometricos"]
    assert portada[0].language == "es"


def test_warc_source_filtered_by_host_and_date(full_run) -> None:  # noqa: ANN001
    _, result, _, _ = full_run
    assert [p.url for p in result.pages] == ["https://www.fronterahoy.example/nacional/2025/03/28/noem-visita"]
    page = result.pages[0]
    assert page.via == "warc" and page.status == "ok" and page.fetched_at == "2025-03-29T01:00:00+00:00"
    body = body_of(page)
    assert b"Noem visita Palacio Nacional" in body
    assert page.size == len(body) and page.sha256 == hashlib.sha256(body).hexdigest()
    (row,) = [d for d in result.discoveries if d.source_kind == "warc"]
    assert row.source_seen_at == "2025-03-29T01:00:00+00:00" and row.local_path == page.warc_file
    assert page.url not in result.urls_to_fetch


def test_every_request_is_logged_without_its_body(full_run) -> None:  # noqa: ANN001
    server, result, _, _ = full_run
    assert all(f.body is None for f in result.fetches)
    logged = {f.url.replace(server.base, "") for f in result.fetches}
    assert {"/", "/feeds/world.xml", "/rss/portada.xml", "/robots.txt", "/news-sitemap.xml", f"{REDIRECTING}?oc=5"} <= logged


# --------------------------------------------------------------------------------------------
# Single behaviours


def _topic(**kw) -> Topic:  # noqa: ANN003
    return Topic(id="t", name="t", terms=("Noem",), **{**WINDOW, **kw})


def test_gdelt_refusals_are_errors_and_rate_limits_are_retried_once(server, session, policy, sleeper) -> None:  # noqa: ANN001
    calls = {"n": 0}
    empty = b"{}"
    refusal = fixture_bytes("gdelt_error.html")
    limited = fixture_bytes("gdelt_rate_limit.txt")

    def route(q):  # noqa: ANN001, ANN202
        if "sourcelang:spanish" in q["query"][0]:
            return 200, {"Content-Type": "text/html"}, refusal
        calls["n"] += 1
        return (429 if calls["n"] == 1 else 200), {"Content-Type": "text/plain" if calls["n"] == 1 else "application/json"}, limited if calls["n"] == 1 else empty

    server.routes["/doc"] = route
    topic = _topic(window_start=datetime(2025, 4, 1, tzinfo=UTC), window_end=datetime(2025, 4, 3, tzinfo=UTC),
                   gdelt=(GdeltQuery("Noem Sheinbaum"), GdeltQuery("(Noem Sheinbaum) sourcelang:spanish")))
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                            gdelt_base=server.url("/doc"), per_host_interval=0.0)
    assert server.counts["/doc"] == 3
    assert sleeper.delays == [10.0, 5.0]  # a longer pause before the retry, then the usual pacing
    assert result.errors == [
        "gdelt '(Noem Sheinbaum) sourcelang:spanish': GDELT refused the request: "
        "GDELT DOC API Parentheses may only be used around OR'd statements."
    ]
    assert result.discoveries == []


def test_gdelt_window_older_than_its_coverage_is_reported(server, session, policy, sleeper) -> None:  # noqa: ANN001
    server.routes["/doc"] = lambda q: (200, {"Content-Type": "application/json"}, b"{}")
    topic = _topic(gdelt=(GdeltQuery("Noem Sheinbaum", max_records=50),))
    result = discover_topic(topic, session=session, policy=policy, now=datetime(2026, 11, 28, tzinfo=UTC),
                            sleep=sleeper, gdelt_base=server.url("/doc"), per_host_interval=0.0)
    assert result.errors == []
    assert any("officially searches only the last 90 days" in w for w in result.warnings)
    asked = [r for r in server.requests if r.startswith("/doc")]
    assert len(asked) == 6 and all("maxrecords=50" in r for r in asked)


def _many_items(n: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i} - Outlet {i % 7}</title><link>https://news.google.com/rss/articles/tok{i}?oc=5</link>"
        f"<pubDate>Wed, 02 Apr 2025 10:00:00 GMT</pubDate><source url=\"https://outlet{i % 7}.example\">Outlet {i % 7}</source></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x - Google News</title>{items}</channel></rss>'.encode()


def test_a_full_google_news_answer_is_searched_again_in_halves(server, session, policy, sleeper) -> None:  # noqa: ANN001
    full = _many_items(100)
    server.routes["/rss/search"] = lambda q: (200, {"Content-Type": "application/rss+xml"}, full)
    topic = _topic(window_start=datetime(2025, 4, 1, tzinfo=UTC), window_end=datetime(2025, 4, 4, 23, 59, tzinfo=UTC),
                   google_news=(GoogleNewsQuery("Noem Sheinbaum", hl="es-419", gl="MX", ceid="MX:es-419"),))
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                            google_news_base=server.url("/rss/search"), per_host_interval=0.0,
                            limits=DiscoverLimits(resolve_budget=0))
    # 4 days → 2 + 2 → 1 + 1 + 1 + 1: seven searches, four of them single days still full
    assert server.counts["/rss/search"] == 7
    queries = [r for r in server.requests if r.startswith("/rss/search")]
    assert "after:2025-03-31" in queries[0] and "before:2025-04-05" in queries[0]
    assert all("hl=es-419" in r and "ceid=MX:es-419" in r for r in queries)
    assert any("4 one-day searches returned the maximum 100 items" in w for w in result.warnings)
    assert len(result.discoveries) == 100 and not any(d.resolved for d in result.discoveries)
    assert result.urls_to_fetch == []


def test_failing_google_news_edition_gives_one_message(session, policy, sleeper, closed_port) -> None:  # noqa: ANN001
    topic = _topic(google_news=(GoogleNewsQuery("Noem Sheinbaum", hl="es-419", gl="MX", ceid="MX:es-419"),))
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                            google_news_base=f"http://127.0.0.1:{closed_port}/rss/search", per_host_interval=0.0)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("google_news 'Noem Sheinbaum' (es-419): connection_error: ")
    assert result.errors[0].endswith("(6 of 6 searches failed)")


def test_sources_that_cannot_be_read_say_why(server, session, policy, sleeper, tmp_path) -> None:  # noqa: ANN001
    server.routes["/robots.txt"] = lambda q: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
    server.routes["/bomb.xml"] = lambda q: (200, {"Content-Type": "application/xml"}, fixture_bytes("sitemap_bomb.xml"))
    topic = _topic(
        sitemaps=(server.url("/"), server.url("/bomb.xml")),
        homepages=(server.url("/no-feeds"),),
        warc=(WarcSource(paths=("https://data.commoncrawl.example/cc-news/2025/03/file.warc.gz", str(tmp_path / "missing-*.warc.gz"))),),
        urls=("ftp://files.example/x",),
    )
    server.page("/no-feeds")
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper, per_host_interval=0.0)
    errors = "\n".join(result.errors)
    assert len(result.errors) == 6, errors
    assert f"sitemap {server.url('/')}: {server.url('/robots.txt')} names no sitemap" in errors
    assert f"sitemap {server.url('/bomb.xml')}: refused: the document declares XML entities" in errors
    assert f"homepage {server.url('/no-feeds')}: advertises no RSS/Atom feed" in errors
    assert "warc https://data.commoncrawl.example/cc-news/2025/03/file.warc.gz: reading WARC files over http(s) is not supported yet" in errors
    assert "missing-*.warc.gz: no file matches this pattern" in errors
    assert "url ftp://files.example/x: not an absolute http(s) URL" in errors


def test_outlets_filter_drops_unknown_outlets_of_unresolved_items(server, session, policy, sleeper) -> None:  # noqa: ANN001
    no_source = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
                 b"<item><title>A</title><link>https://news.google.com/rss/articles/tokA</link>"
                 b"<pubDate>Wed, 02 Apr 2025 10:00:00 GMT</pubDate></item></channel></rss>")
    server.routes["/rss/search"] = lambda q: (200, {"Content-Type": "application/rss+xml"}, no_source)
    topic = _topic(window_start=datetime(2025, 4, 1, tzinfo=UTC), window_end=datetime(2025, 4, 3, tzinfo=UTC),
                   google_news=(GoogleNewsQuery("Noem"),), outlets=("fronterahoy.example",))
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                            google_news_base=server.url("/rss/search"), per_host_interval=0.0)
    assert result.discoveries == [] and result.dropped == {"outlet_unknown": 1}
    # without an outlets list, the same item is kept, unresolved
    open_topic = _topic(window_start=datetime(2025, 4, 1, tzinfo=UTC), window_end=datetime(2025, 4, 3, tzinfo=UTC),
                        google_news=(GoogleNewsQuery("Noem"),))
    kept = discover_topic(open_topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                          google_news_base=server.url("/rss/search"), per_host_interval=0.0,
                          limits=DiscoverLimits(resolve_budget=0))
    assert [d.resolved for d in kept.discoveries] == [False]


def test_resolve_google_news_link(server, session, policy) -> None:  # noqa: ANN001
    server.redirect("/rss/articles/hop1", server.url("/rss/articles/hop2"))
    server.redirect("/rss/articles/hop2", server.url("/world/story"))
    server.routes["/world/story"] = lambda q: (403, {"Content-Type": "text/html"}, b"<p>subscribe</p>")
    server.page("/rss/articles/js")
    # a paywalled answer still names the article
    assert resolve_google_news_link(session, policy, server.url("/rss/articles/hop1")) == server.url("/world/story")
    assert resolve_google_news_link(session, policy, server.url("/rss/articles/js")) is None
    legacy = "https://news.google.com/rss/articles/CBMiTWh0dHBzOi8vd3d3LmZyb250ZXJhaG95LmV4YW1wbGUvbmFjaW9uYWwvMjAyNS8wMy8yOS9zaGVpbmJhdW0tcmVzcG9uZGUtYS1ub2Vt?oc=5"
    assert resolve_google_news_link(session, policy, legacy) == LEGACY_TARGET  # decoded, not requested


def test_a_window_in_the_future_is_reported_not_searched(server, session, policy, sleeper) -> None:  # noqa: ANN001
    topic = _topic(window_start=datetime(2025, 6, 1, tzinfo=UTC), window_end=datetime(2025, 6, 30, tzinfo=UTC),
                   google_news=(GoogleNewsQuery("Noem"),), gdelt=(GdeltQuery("Noem"),))
    result = discover_topic(topic, session=session, policy=policy, now=NOW, sleep=sleeper,
                            google_news_base=server.url("/rss/search"), gdelt_base=server.url("/doc"), per_host_interval=0.0)
    assert result.errors == [
        "google_news 'Noem' (en-US): the topic window lies in the future; nothing to search yet",
        "gdelt 'Noem': the topic window lies in the future; nothing to search yet",
    ]
    assert server.requests == []


def test_discovery_requests_are_archived(server, session, policy, sleeper, tmp_path) -> None:  # noqa: ANN001
    from flows.archive import iter_captures

    _serve_outlet(server)
    topic = _topic(feeds=(server.url("/feeds/world.xml"),), gdelt=(GdeltQuery("Noem Sheinbaum"),),
                   window_start=datetime(2025, 3, 27, tzinfo=UTC), window_end=datetime(2025, 3, 29, tzinfo=UTC))
    archive_path = tmp_path / "discover.warc.gz"
    with WarcWriter(archive_path) as archive:
        result = discover_topic(topic, session=session, policy=policy, archive=archive, now=NOW, sleep=sleeper,
                                gdelt_base=server.url("/api/v2/doc/doc"), per_host_interval=0.0)
    assert result.errors == []
    captured = {c.url.replace(server.base, "").split("?")[0] for c in iter_captures(archive_path)}
    assert {"/robots.txt", "/feeds/world.xml", "/api/v2/doc/doc"} <= captured
    assert all(f.warc_file == str(archive_path) and f.warc_offset is not None for f in result.fetches)
