"""Discovery: every source of a topic → candidate article URLs with provenance.

`discover_topic` asks each source kind a topic names, in this order: RSS/Atom feeds and the
feeds home pages advertise; sitemaps (news sitemaps, sitemap indexes, or a bare site whose
robots.txt names them); Google News searches (one per edition and window slice); GDELT DOC 2.0
queries (one per window slice, paced); WARC files (e.g. Common Crawl CC-NEWS, read locally and
streamed); and fixed URLs. Every request goes through flows.http.fetch under the caller's
session and policy, with one host pacer and one robots.txt cache for the whole run, and is
archived when an archive is given.

Rules applied to everything found:
- URLs are normalised (parsers.urls.normalize_url: tracking parameters removed, host
  lower-cased) after AMP copies are mapped to the article's address (parsers.amp);
- a discovery is a provenance row: one per (url, source). The same URL from several sources is
  expected and kept once per source; `DiscoverResult.urls_to_fetch` lists each URL once;
- items dated outside the topic window (by feed_published, else source_seen_at; a sitemap
  page by its <lastmod> when it changed before the window opened) are dropped and counted;
- aggregator items (Google News, GDELT, WARC records) whose outlet is not in `topic.outlets`
  (when that list is not empty) are dropped and counted;
- a source that fails adds one message to `errors` and never stops the others.
"""
from __future__ import annotations

import dataclasses
import functools
import glob
import hashlib
import os
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import quote, urlencode, urlsplit

import requests

from flows.archive import CaptureRef, WarcWriter, iter_captures, read_record
from flows.config import Topic
from flows.http import FetchPolicy, HostPacer, RobotsCache, fetch, shared_pacer
from parsers import datafiles
from parsers.amp import amp_canonical
from parsers.feeds import FeedError, find_feed_links, parse_feed
from parsers.gdelt import COVERAGE_DAYS, GDELT_BASE, GdeltError, gdelt_url, parse_gdelt, window_slices
from parsers.google_news import (
    GOOGLE_NEWS_BASE,
    MAX_ITEMS,
    decode_google_news_link,
    google_news_url,
    is_google_host,
    parse_google_news,
    split_window,
)
from parsers.language import normalize_language_code
from parsers.records import Discovery, FetchResult
from parsers.sitemaps import SitemapError, parse_sitemap, sitemaps_from_robots
from parsers.urls import host_of, is_web_url, normalize_url

__all__ = [
    "DiscoverLimits",
    "DiscoverResult",
    "discover_topic",
    "discovery_url",
    "resolve_google_news_link",
]

# Sitemaps (possibly gzipped) and GDELT's JSON (whose refusals come as text/html) are judged by
# their parsers, which say what is wrong: fetch them as "data", which accepts any content type.
_DATA_KIND = "data"


@dataclass(frozen=True, slots=True)
class DiscoverLimits:
    """Bounds on how much one discovery run asks of each source.

    Aggregators cap their answers (Google News 100 items, GDELT `max_records`), so windows
    are asked for in slices, and a slice that comes back full is split in two and asked again,
    down to one day (Google News) or `gdelt_min_slice_hours`, within `max_requests_per_query`.
    """

    google_news_slice_days: int = 7
    gdelt_slice_days: int = 7
    gdelt_min_slice_hours: int = 6
    max_requests_per_query: int = 24  # per Google News edition, per GDELT query
    resolve_budget: int = 20  # Google News links followed over HTTP per run
    sitemap_depth: int = 2  # index → child → grandchild
    sitemap_children: int = 40  # child sitemaps followed per configured sitemap
    sitemap_urls: int = 5000  # pages kept per configured sitemap
    feeds_per_homepage: int = 3  # advertised feeds followed per home page
    no_window_days: int = 7  # how far back aggregators are asked when the topic has no window


@dataclass(frozen=True, slots=True)
class DiscoverResult:
    """What a discovery run found, fetched and could not do.

    `discoveries`: provenance rows, one per (normalised url, source). `fetches`: every request
    made for a feed, home page, sitemap, robots.txt, search or API, and every Google News link
    followed, failures included (bodies dropped: the archive keeps the bytes). `errors`: one
    message per source that failed. `pages`: pages already in hand (WARC records, bytes
    located by warc_file/warc_offset), so they need no fetch. `dropped`: counts by reason
    (outside_window, off_outlet, outlet_unknown, warc_host_filtered). `warnings`: notes that
    need no action (budgets reached, unresolved links, feeds with no items).
    """

    discoveries: list[Discovery]
    fetches: list[FetchResult]
    errors: list[str]
    pages: list[FetchResult] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def urls_to_fetch(self) -> list[str]:
        """Each resolved web URL once, in order of discovery, except those already in `pages`."""
        have = {p.url for p in self.pages}
        out: dict[str, None] = {}
        for d in self.discoveries:
            if d.resolved and is_web_url(d.url) and d.url not in have:
                out.setdefault(d.url, None)
        return list(out)


def discovery_url(url: str) -> str:
    """The one spelling discovery keeps for a URL: AMP copy mapped to the article, then
    normalised (tracking parameters removed, host lower-cased, fragment dropped)."""
    return normalize_url(amp_canonical(url))


@functools.lru_cache(maxsize=1)
def _skip_feed_paths() -> tuple[str, ...]:
    rules = datafiles.load("discovery")
    return tuple(p.lower() for p in rules.get("homepages", {}).get("skip_feed_paths", []))


# --------------------------------------------------------------------------------------------
# Dates


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _span(value: str) -> tuple[datetime, datetime] | None:
    """The time span an ISO 8601 date names: an instant, a day, a month or a year (UTC)."""
    v = value.strip()
    try:
        if len(v) == 4 and v.isdigit():
            y = int(v)
            return datetime(y, 1, 1, tzinfo=timezone.utc), datetime(y + 1, 1, 1, tzinfo=timezone.utc) - timedelta(seconds=1)
        if len(v) == 7 and v[4] == "-":
            y, m = int(v[:4]), int(v[5:])
            nxt = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=timezone.utc)
            return datetime(y, m, 1, tzinfo=timezone.utc), nxt - timedelta(seconds=1)
        if len(v) == 10:
            d = date.fromisoformat(v)
            start = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
            return start, start + timedelta(days=1) - timedelta(seconds=1)
        dt = _utc(datetime.fromisoformat(v.replace("Z", "+00:00")))
        return dt, dt
    except ValueError:
        return None


def _domains(entries: Iterable[str]) -> tuple[str, ...]:
    """Outlet or host entries as the config gives them ("www.bbc.co.uk", "bbc.com"), lower-cased
    and without a leading "www.", so each matches its site's every host."""
    out = []
    for e in entries:
        e = e.strip().lower().rstrip(".")
        if e.startswith(("http://", "https://")):
            e = host_of(e)
        if e.startswith("www."):
            e = e[4:]
        if e:
            out.append(e)
    return tuple(dict.fromkeys(out))


def _matches(host: str, domains: Sequence[str]) -> bool:
    """Whether a host is one of `domains` or below one of them (news.bbc.co.uk is bbc.co.uk)."""
    return any(host == d or host.endswith("." + d) for d in domains)


# --------------------------------------------------------------------------------------------
# The run


class _Run:
    """State of one discovery run: the shared fetcher, what was found, what went wrong."""

    def __init__(
        self,
        topic: Topic,
        session: requests.Session,
        policy: FetchPolicy,
        archive: WarcWriter | None,
        now: datetime,
        sleep: Callable[[float], None],
        per_host_interval: float,
        max_workers: int,
        limits: DiscoverLimits,
    ) -> None:
        self.topic = topic
        self.session = session
        self.policy = policy
        self.archive = archive
        self.now = now
        self.when = now.isoformat()
        self.sleep = sleep
        self.max_workers = max(1, max_workers)
        self.limits = limits
        # In production discovery shares the process-wide pacer with page fetching, so an outlet's
        # feed and its articles are spaced as one caller's; an injected sleep (tests) gets its own.
        self.pacer = shared_pacer(per_host_interval) if sleep is time.sleep else HostPacer(per_host_interval, sleep=sleep)
        self.robots = RobotsCache(session, policy, archive=archive, pacer=self.pacer, sleep=sleep) if policy.obey_robots else None
        self.window = (topic.window_start, topic.window_end)
        self.outlets = _domains(topic.outlets)
        self.discoveries: list[Discovery] = []
        self.fetches: list[FetchResult] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.pages: list[FetchResult] = []
        self.dropped: Counter[str] = Counter()
        self._index: dict[tuple[str, str], int] = {}
        self._dropped_keys: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    # --- fetching ---------------------------------------------------------------------------
    def get(self, url: str, kind: str, *, obey_robots: bool = True) -> FetchResult:
        """One request through flows.http.fetch; logged (body dropped) in `fetches`."""
        try:
            res = fetch(
                self.session, url, self.policy, kind=kind, sleep=self.sleep, archive=self.archive,  # type: ignore[arg-type]
                pacer=self.pacer, robots=self.robots if obey_robots else None,
            )
        except Exception as exc:  # noqa: BLE001 - a bug in fetching must not stop discovery
            res = FetchResult(url=url, final_url=url, status="internal_error", fetched_at=self.when, error=f"{type(exc).__name__}: {exc}")
        self.log(res)
        return res

    def log(self, res: FetchResult) -> None:
        """Keep a request's outcome; its body is dropped (the archive holds the bytes)."""
        with self._lock:
            self.fetches.append(dataclasses.replace(res, body=None) if res.body is not None else res)

    def get_many(self, urls: Sequence[str], kind: str) -> list[FetchResult]:
        """Several requests on a small thread pool (hosts are paced by the shared pacer)."""
        unique = list(dict.fromkeys(urls))
        if self.max_workers <= 1 or len(unique) <= 1:
            results = [self.get(u, kind) for u in unique]
        else:
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(unique)), thread_name_prefix="newsprism-discover") as pool:
                results = list(pool.map(lambda u: self.get(u, kind), unique))
        by_url = dict(zip(unique, results))
        return [by_url[u] for u in urls]

    # --- reporting --------------------------------------------------------------------------
    def error(self, label: str, message: str) -> None:
        self.errors.append(f"{label}: {message}")

    def warn(self, label: str, message: str) -> None:
        self.warnings.append(f"{label}: {message}")

    # --- filters ----------------------------------------------------------------------------
    def in_window(self, value: str | None) -> bool | None:
        """Whether a date (instant, day, month or year) overlaps the window; None if unknown."""
        start, end = self.window
        if not value or (start is None and end is None):
            return None
        span = _span(value)
        if span is None:
            return None
        lo, hi = span
        return not ((start is not None and hi < _utc(start)) or (end is not None and lo > _utc(end)))

    def outlet_of(self, d: Discovery) -> str | None:
        """The host naming an item's outlet: the article's once resolved, else the home page
        the aggregator gave (Google News <source url>); None when neither is known."""
        if d.resolved and is_web_url(d.url):
            return host_of(d.url)
        if d.outlet_url and is_web_url(d.outlet_url):
            return host_of(d.outlet_url)
        return None

    def drop(self, reason: str, d: Discovery) -> None:
        """Count a dropped item once per (url, source), however often its source repeats it
        (overlapping search slices do)."""
        key = (reason, d.url, d.source)
        with self._lock:
            if key not in self._dropped_keys:
                self._dropped_keys.add(key)
                self.dropped[reason] += 1

    def admit(self, d: Discovery, *, aggregator: bool = False, lastmod: str | None = None) -> Discovery | None:
        """Normalise a discovery and apply the window and outlet rules; the kept form, or None
        when it was dropped (counted in `dropped`)."""
        url = discovery_url(d.url) if d.resolved else normalize_url(d.url)
        if url != d.url:
            d = dataclasses.replace(d, url=url)
        dated = d.feed_published or d.source_seen_at
        verdict = self.in_window(dated)
        if verdict is False:
            self.drop("outside_window", d)
            return None
        if verdict is None and dated is None and lastmod and self.window[0] is not None:
            span = _span(lastmod)
            if span is not None and span[1] < _utc(self.window[0]):
                self.drop("outside_window", d)
                return None
        if aggregator and self.outlets:
            domain = self.outlet_of(d)
            if domain is None:
                self.drop("outlet_unknown", d)
                return None
            if not _matches(domain, self.outlets):
                self.drop("off_outlet", d)
                return None
        return d

    def add(self, d: Discovery, *, aggregator: bool = False, lastmod: str | None = None) -> Discovery | None:
        """Admit a discovery and keep it once per (url, source); the kept form or None."""
        kept = self.admit(d, aggregator=aggregator, lastmod=lastmod)
        if kept is None:
            return None
        key = (kept.url, kept.source)
        with self._lock:
            if key not in self._index:
                self._index[key] = len(self.discoveries)
                self.discoveries.append(kept)
        return kept

    def replace_at(self, old: Discovery, new: Discovery | None) -> None:
        """Swap a kept discovery for its resolved form (or drop it); repeats collapse."""
        with self._lock:
            i = self._index.pop((old.url, old.source), None)
            if i is None:
                return
            if new is None or (new.url, new.source) in self._index:
                self.discoveries[i] = None  # type: ignore[call-overload]
                return
            self.discoveries[i] = new
            self._index[(new.url, new.source)] = i

    def result(self) -> DiscoverResult:
        found = [d for d in self.discoveries if d is not None]
        dropped = dict(self.dropped)
        notes = list(self.warnings)
        if dropped.get("off_outlet") or dropped.get("outlet_unknown"):
            notes.append(
                f"outlets: dropped {dropped.get('off_outlet', 0)} aggregator items from outlets not in the topic's "
                f"outlets list and {dropped.get('outlet_unknown', 0)} whose outlet could not be told"
            )
        if dropped.get("outside_window"):
            notes.append(f"window: dropped {dropped['outside_window']} items dated outside the topic window")
        return DiscoverResult(found, list(self.fetches), list(self.errors), list(self.pages), dropped, notes)

    # --- the window, for aggregators --------------------------------------------------------
    def aggregator_window(self) -> tuple[datetime, datetime] | None:
        """(start, end) in UTC for searches: the topic window, its end clipped to now; without
        a window, the last `no_window_days` days. None when the window lies in the future."""
        start, end = self.window
        now = _utc(self.now)
        end_ = min(_utc(end), now) if end is not None else now
        start_ = _utc(start) if start is not None else end_ - timedelta(days=self.limits.no_window_days)
        if start_ >= end_:
            return None
        return start_, end_


def _failure(res: FetchResult) -> str:
    return f"{res.status}: {res.error}" if res.error else res.status


def _summary(failures: list[str], total: int, what: str) -> str:
    """The first failure, and how many of the source's requests failed when it made several."""
    if total <= 1:
        return failures[0]
    return f"{failures[0]} ({len(failures)} of {total} {what} failed)"


# --------------------------------------------------------------------------------------------
# Feeds and home pages


def _is_comment_feed(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return any(p in path for p in _skip_feed_paths())


def _feeds(run: _Run) -> None:
    topic = run.topic
    feed_urls = list(dict.fromkeys(u.strip() for u in topic.feeds if u.strip()))
    labels = {u: f"feed {u}" for u in feed_urls}
    homepages = list(dict.fromkeys(u.strip() for u in topic.homepages if u.strip()))
    for page, res in zip(homepages, run.get_many(homepages, "page")):
        label = f"homepage {page}"
        if not res.ok or res.body is None:
            run.error(label, _failure(res))
            continue
        links = find_feed_links(res.body, res.final_url or page)
        links = [u for u in dict.fromkeys(links) if is_web_url(u) and not _is_comment_feed(u)]
        if not links:
            run.error(label, 'advertises no RSS/Atom feed (no <link rel="alternate" type="application/rss+xml">); list its feed under feeds')
            continue
        if len(links) > run.limits.feeds_per_homepage:
            run.warn(label, f"advertises {len(links)} feeds; following the first {run.limits.feeds_per_homepage}")
        for u in links[: run.limits.feeds_per_homepage]:
            if u not in labels:
                feed_urls.append(u)
                labels[u] = f"feed {u} (advertised by {page})"
    for u, res in zip(feed_urls, run.get_many(feed_urls, "feed")):
        label = labels[u]
        if not res.ok or res.body is None:
            run.error(label, _failure(res))
            continue
        try:
            feed = parse_feed(res.body, res.final_url or u, discovered_at=run.when)
        except FeedError as exc:
            run.error(label, str(exc))
            continue
        language = normalize_language_code(feed.language)
        for item in feed.items:
            run.add(dataclasses.replace(item, source=u, language=item.language or language))
        if not feed.items:
            run.warn(label, "the feed lists no items")


# --------------------------------------------------------------------------------------------
# Sitemaps


def _is_bare_site(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _choose_children(run: _Run, children: list[str], lastmods: dict[str, str]) -> tuple[list[str], int]:
    """Child sitemaps worth reading, best first, and how many were skipped as too old.

    Rules, in order: a child last modified before the window opened lists nothing from inside
    it (skipped); children last modified inside the window come first, in document order; then
    those modified after it, oldest first (monthly archives touched later by corrections);
    then those without <lastmod>. Without a window, document order.
    """
    start, end = run.window
    if start is None and end is None:
        return list(children), 0
    inside, after, unknown = [], [], []
    skipped = 0
    for c in children:
        span = _span(lastmods[c]) if c in lastmods else None
        if span is None:
            unknown.append(c)
        elif start is not None and span[1] < _utc(start):
            skipped += 1
        elif end is not None and span[0] > _utc(end):
            after.append((span[0], c))
        else:
            inside.append(c)
    after.sort(key=lambda pair: pair[0])
    return inside + [c for _, c in after] + unknown, skipped


def _sitemaps(run: _Run) -> None:
    for entry in dict.fromkeys(u.strip() for u in run.topic.sitemaps if u.strip()):
        label = f"sitemap {entry}"
        try:
            _one_sitemap(run, entry, label)
        except Exception as exc:  # noqa: BLE001 - one source's bug must not stop the others
            run.error(label, f"internal error: {type(exc).__name__}: {exc}")


def _one_sitemap(run: _Run, entry: str, label: str) -> None:
    if not is_web_url(entry):
        run.error(label, "not an http(s) URL")
        return
    roots = [entry]
    if _is_bare_site(entry):
        parts = urlsplit(entry)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        res = run.get(robots_url, "robots", obey_robots=False)
        if not res.ok or res.body is None:
            run.error(label, f"cannot read {robots_url} to find its sitemaps: {_failure(res)}")
            return
        roots = sitemaps_from_robots(res.body.decode("utf-8", errors="replace"), robots_url)
        if not roots:
            run.error(label, f"{robots_url} names no sitemap (no Sitemap: lines); give the sitemap's URL instead")
            return
    queue: deque[tuple[str, int]] = deque((r, 0) for r in roots)
    seen = set(roots)
    failures: list[str] = []
    asked = followed = kept = skipped_old = not_followed = too_deep = over_cap = 0
    while queue:
        url, depth = queue.popleft()
        asked += 1
        res = run.get(url, _DATA_KIND)
        # a child sitemap's failure names the child; the configured one is named by the label
        where = f"{url}: " if depth else ""
        if not res.ok or res.body is None:
            failures.append(f"{where}{_failure(res)}")
            continue
        try:
            result = parse_sitemap(res.body, url, discovered_at=run.when)
        except SitemapError as exc:
            failures.append(f"{where}{exc}")
            continue
        if result.sitemaps:
            if depth >= run.limits.sitemap_depth:
                too_deep += len(result.sitemaps)
                continue
            chosen, skipped = _choose_children(run, result.sitemaps, result.lastmod)
            skipped_old += skipped
            for child in chosen:
                if child in seen:
                    continue
                if followed >= run.limits.sitemap_children:
                    not_followed += 1
                    continue
                seen.add(child)
                followed += 1
                queue.append((child, depth + 1))
        for d in result.urls:
            if kept >= run.limits.sitemap_urls:
                over_cap += 1
                continue
            if run.add(d, lastmod=result.lastmod.get(d.url)) is not None:
                kept += 1
    if failures:
        run.error(label, _summary(failures, asked, "sitemaps"))
    if skipped_old:
        run.warn(label, f"skipped {skipped_old} child sitemaps last modified before the topic window")
    if not_followed:
        run.warn(label, f"followed {followed} child sitemaps; {not_followed} more not read (limit sitemap_children)")
    if too_deep:
        run.warn(label, f"{too_deep} sitemaps nested deeper than {run.limits.sitemap_depth} levels not read")
    if over_cap:
        run.warn(label, f"kept the first {run.limits.sitemap_urls} pages; {over_cap} more not kept (limit sitemap_urls)")


# --------------------------------------------------------------------------------------------
# Google News


def resolve_google_news_link(
    session: requests.Session,
    policy: FetchPolicy,
    link: str,
    *,
    archive: WarcWriter | None = None,
    pacer: HostPacer | None = None,
    robots: RobotsCache | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """The publisher's URL behind a Google News link, or None.

    Rules, in order: a link that carries the URL inside (older links) is decoded without a
    request; otherwise the link is fetched and its HTTP redirects followed (policy.max_redirects
    hops): the URL reached is returned when it is off Google's hosts, whatever the page's own
    status (a paywall still names the article). Modern links answer with a page that only a
    browser's JavaScript turns into the article: None, and the item stays unresolved.
    """
    url, _res = _resolve(session, policy, link, archive=archive, pacer=pacer, robots=robots, sleep=sleep)
    return url


def _resolve(session, policy, link, *, archive=None, pacer=None, robots=None, sleep=time.sleep) -> tuple[str | None, FetchResult | None]:  # noqa: ANN001
    decoded = decode_google_news_link(link)
    if decoded:
        return decoded, None
    res = fetch(session, link, policy, kind="page", sleep=sleep, archive=archive, pacer=pacer, robots=robots)
    target = res.final_url or ""
    if target and target != link and is_web_url(target) and not is_google_host(target):
        return target, res
    return None, res


def _google_news(run: _Run, base: str) -> None:
    topic = run.topic
    window = run.aggregator_window() if (run.window[0] or run.window[1]) else None
    if (run.window[0] or run.window[1]) and window is None:
        for q in topic.google_news:
            run.error(f"google_news {q.q!r} ({q.hl})", "the topic window lies in the future; nothing to search yet")
        return
    for q in topic.google_news:
        label = f"google_news {q.q!r} ({q.hl})"
        try:
            _one_google_news(run, q, label, base, window)
        except Exception as exc:  # noqa: BLE001
            run.error(label, f"internal error: {type(exc).__name__}: {exc}")
    _resolve_links(run)


def _one_google_news(run: _Run, q, label: str, base: str, window: tuple[datetime, datetime] | None) -> None:  # noqa: ANN001
    try:
        source = google_news_url(q, base=base)
    except ValueError as exc:
        run.error(label, str(exc))
        return
    day = timedelta(days=1)
    slices: deque[tuple[date | None, date | None]] = deque(
        split_window(window[0], window[1], run.limits.google_news_slice_days) if window else [(None, None)]
    )
    failures: list[str] = []
    asked = full = 0
    while slices and asked < run.limits.max_requests_per_query:
        first, last = slices.popleft()
        # Google does not say whether after:/before: include their day: pad both, and let the
        # window rule drop what falls outside.
        url = google_news_url(q, first - day if first else None, last + day if last else None, base=base)
        asked += 1
        res = run.get(url, "feed")
        if not res.ok or res.body is None:
            failures.append(_failure(res))
            continue
        try:
            items = parse_google_news(res.body, res.final_url or url, discovered_at=run.when, source=source)
        except FeedError as exc:
            failures.append(str(exc))
            continue
        if len(items) >= MAX_ITEMS:
            if first is not None and last is not None and last > first:
                mid = first + (last - first) // 2
                slices.extendleft([(mid + day, last), (first, mid)])
            else:
                full += 1
        for d in items:
            run.add(d, aggregator=True)
    if failures:
        run.error(label, _summary(failures, asked, "searches"))
    if slices:
        run.warn(label, f"request budget ({run.limits.max_requests_per_query}) reached; {len(slices)} window slices not searched")
    if full:
        run.warn(label, f"{full} one-day searches returned the maximum {MAX_ITEMS} items; some articles may be missing")


def _resolve_links(run: _Run) -> None:
    """Follow the redirects of unresolved Google News links, within the run's budget."""
    pending = [d for d in run.discoveries if d is not None and d.source_kind == "google_news" and not d.resolved]
    if not pending:
        return
    budget = run.limits.resolve_budget
    resolved = blocked = 0
    cache: dict[str, str | None] = {}
    for d in pending:
        link = d.aggregator_url or d.url
        if link not in cache:
            if len(cache) >= budget:
                continue
            target, res = _resolve(run.session, run.policy, link, archive=run.archive, pacer=run.pacer, robots=run.robots, sleep=run.sleep)
            if res is not None:
                run.log(res)
                if res.status == "blocked_by_robots":
                    blocked += 1
            cache[link] = target
        target = cache[link]
        if target is None:
            continue
        new = run.admit(dataclasses.replace(d, url=target, resolved=True), aggregator=True)
        run.replace_at(d, new)
        resolved += 1
    left = sum(1 for d in run.discoveries if d is not None and d.source_kind == "google_news" and not d.resolved)
    if left:
        why = "; news.google.com's robots.txt disallows following them" if blocked else ""
        run.warnings.append(
            f"google_news: {left} items stay unresolved (outlet known from <source>, article URL not){why}; "
            f"{resolved} resolved, {len(cache)} links followed (budget {budget})"
        )


# --------------------------------------------------------------------------------------------
# GDELT


def _gdelt(run: _Run, base: str, interval: float) -> None:
    topic = run.topic
    if not topic.gdelt:
        return
    window = run.aggregator_window()
    if window is None:
        for g in topic.gdelt:
            run.error(f"gdelt {g.query!r}", "the topic window lies in the future; nothing to search yet")
        return
    horizon = _utc(run.now) - timedelta(days=COVERAGE_DAYS)
    state = {"asked": 0}
    for g in topic.gdelt:
        label = f"gdelt {g.query!r}"
        if window[0] < horizon:
            run.warn(label, f"GDELT's DOC API officially searches only the last {COVERAGE_DAYS} days; the window starts "
                            f"{window[0].date().isoformat()}, so older articles may be missing (a WARC source such as CC-NEWS covers them)")
        try:
            _one_gdelt(run, g, label, base, window, interval, state)
        except Exception as exc:  # noqa: BLE001
            run.error(label, f"internal error: {type(exc).__name__}: {exc}")


def _gdelt_source(base: str, query: str) -> str:
    """The query's identity without its dates: the provenance of every slice's articles."""
    return f"{base}?{urlencode({'query': ' '.join(query.split()), 'mode': 'artlist'}, quote_via=quote, safe=':')}"


def _one_gdelt(run: _Run, g, label: str, base: str, window: tuple[datetime, datetime], interval: float, state: dict) -> None:  # noqa: ANN001
    source = _gdelt_source(base, g.query)
    slices: deque[tuple[datetime, datetime, int]] = deque((s, e, 0) for s, e in window_slices(window[0], window[1], run.limits.gdelt_slice_days))
    min_slice = timedelta(hours=run.limits.gdelt_min_slice_hours)
    failures: list[str] = []
    asked = full = 0
    while slices and asked < run.limits.max_requests_per_query:
        start, end, retried = slices.popleft()
        try:
            url = gdelt_url(g.query, start, end, g.max_records, base=base)
        except ValueError as exc:
            run.error(label, str(exc))
            return
        if state["asked"]:
            # GDELT asks for one request every 5 seconds; a refusal for asking too fast earns
            # a longer pause before the one retry.
            run.sleep(interval * (2 if retried else 1))
        state["asked"] += 1
        asked += 1
        res = run.get(url, _DATA_KIND)
        body = res.body
        if body is None or not (res.ok or res.status == "http_error"):
            failures.append(_failure(res))
            if res.status in ("connection_error", "refused", "blocked_by_robots"):
                # The API cannot be reached (or may not be asked): the other slices would fail
                # the same way, each after a paced wait. Say so once and stop.
                failures.extend(["not asked: the API was unreachable"] * len(slices))
                slices.clear()
            continue
        try:
            items = parse_gdelt(body, url, discovered_at=run.when, source=source)
        except GdeltError as exc:
            if exc.rate_limited and not retried:
                slices.appendleft((start, end, 1))
                continue
            failures.append(f"{_failure(res)}; {exc}" if not res.ok else str(exc))
            continue
        if not res.ok:  # an HTTP error whose body happened to be JSON
            failures.append(_failure(res))
            continue
        if len(items) >= g.max_records:
            if end - start > min_slice:
                mid = start + (end - start) / 2
                mid = mid.replace(microsecond=0)
                slices.extendleft([(mid, end, 0), (start, mid, 0)])
            else:
                full += 1
        for d in items:
            run.add(d, aggregator=True)
    if failures:
        run.error(label, _summary(failures, asked, "requests"))
    if slices:
        run.warn(label, f"request budget ({run.limits.max_requests_per_query}) reached; {len(slices)} window slices not asked")
    if full:
        run.warn(label, f"{full} slices of {run.limits.gdelt_min_slice_hours} hours returned the maximum {g.max_records} records; some articles may be missing")


# --------------------------------------------------------------------------------------------
# WARC files


def _warc(run: _Run) -> None:
    for source in run.topic.warc:
        hosts = _domains(source.hosts)
        for pattern in dict.fromkeys(p.strip() for p in source.paths if p.strip()):
            label = f"warc {pattern}"
            if pattern.lower().startswith(("http://", "https://")):
                run.error(label, "reading WARC files over http(s) is not supported yet; download the file and give its local path")
                continue
            expanded = os.path.expanduser(pattern)
            paths = sorted(glob.glob(expanded)) if glob.has_magic(expanded) else [expanded]
            paths = [p for p in paths if Path(p).is_file()]
            if not paths:
                run.error(label, "no such file" if not glob.has_magic(expanded) else "no file matches this pattern")
                continue
            for path in paths:
                try:
                    _one_warc(run, path, hosts)
                except (ValueError, OSError) as exc:
                    run.error(f"warc {path}", str(exc))


def _warc_page(run: _Run, url: str, cap: CaptureRef, warc_file: str) -> FetchResult:
    """A kept WARC record as a fetch already done. Its payload is read once more, for the
    record's hash and size and to learn whether the crawler stored it whole; only kept records
    pay for this, so a large file's other records are never decoded."""
    status, error, digest, size = "ok", None, None, None
    try:
        rec = read_record(warc_file, cap.offset, max_bytes=run.policy.max_bytes)
    except ValueError as exc:
        status, error = "read_error", str(exc)
    else:
        if rec.body is None:
            status, error = "too_large", f"the archived payload exceeds the {run.policy.max_bytes:,}-byte cap"
        else:
            digest, size = hashlib.sha256(rec.body).hexdigest(), len(rec.body)
            if rec.truncated:
                status = {"length": "too_large", "time": "timeout"}.get(rec.truncated, "connection_error")
                error = f"the archived payload was truncated (WARC-Truncated: {rec.truncated})"
    return FetchResult(
        url=url, final_url=cap.url, status=status, fetched_at=cap.captured_at, http_status=cap.status,
        content_type=cap.content_type, sha256=digest, size=size, error=error, warc_file=warc_file,
        warc_offset=cap.offset, warc_record_id=cap.record_id, via="warc",
    )


def _one_warc(run: _Run, path: str, hosts: tuple[str, ...]) -> None:
    """Stream one WARC's response records (headers only: payloads stay on disk) and keep the
    HTML pages of the wanted hosts captured inside the window."""
    resolved_path = str(Path(path).resolve())
    found = 0
    for cap in iter_captures(path):
        if not 200 <= cap.status < 300:
            continue
        mime = (cap.content_type or "").split(";", 1)[0].strip().lower()
        if mime and mime not in run.policy.page_types:
            continue
        if hosts and not _matches(host_of(cap.url), hosts):
            run.dropped["warc_host_filtered"] += 1  # records, not items: every one counts
            continue
        d = Discovery(
            url=cap.url, source=resolved_path, source_kind="warc", discovered_at=run.when,
            local_path=resolved_path, source_seen_at=cap.captured_at,
        )
        kept = run.add(d, aggregator=True)
        if kept is None:
            continue
        found += 1
        run.pages.append(_warc_page(run, kept.url, cap, resolved_path))
    if not found:
        run.warn(f"warc {path}", "no HTML page of the wanted hosts inside the topic window")


# --------------------------------------------------------------------------------------------
# Fixed URLs


def _fixed_urls(run: _Run) -> None:
    for u in dict.fromkeys(u.strip() for u in run.topic.urls if u.strip()):
        if not is_web_url(u):
            run.error(f"url {u}", "not an absolute http(s) URL")
            continue
        run.add(Discovery(url=u, source="config", source_kind="urls", discovered_at=run.when))


# --------------------------------------------------------------------------------------------
# Entry point


def discover_topic(
    topic: Topic,
    *,
    session: requests.Session,
    policy: FetchPolicy,
    archive: WarcWriter | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    gdelt_interval: float = 5.0,
    google_news_base: str = GOOGLE_NEWS_BASE,
    gdelt_base: str = GDELT_BASE,
    per_host_interval: float = 1.0,
    max_workers: int = 4,
    limits: DiscoverLimits = DiscoverLimits(),
) -> DiscoverResult:
    """Ask every source of `topic` for candidate URLs (see the module docstring for the rules).

    `now` is the discovery time recorded on every row and the reference for "recent" (window
    ends in the future are clipped to it); default the current UTC time. `sleep` is used for
    every wait (GDELT pacing, host pacing, retry back-off), so tests pass a recorder.
    `gdelt_interval` spaces GDELT requests; `google_news_base` and `gdelt_base` point the
    searches elsewhere (tests, mirrors). Requests to one host are `per_host_interval` apart.
    """
    when = _utc(now or datetime.now(timezone.utc))
    run = _Run(topic, session, policy, archive, when, sleep, per_host_interval, max_workers, limits)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("feeds", lambda: _feeds(run)),
        ("sitemaps", lambda: _sitemaps(run)),
        ("google_news", lambda: _google_news(run, google_news_base)),
        ("gdelt", lambda: _gdelt(run, gdelt_base, gdelt_interval)),
        ("warc", lambda: _warc(run)),
        ("urls", lambda: _fixed_urls(run)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a bug in one source kind must not stop the rest
            run.error(name, f"internal error: {type(exc).__name__}: {exc}")
    return run.result()
