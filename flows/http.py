"""Polite, bounded HTTP fetching that turns every outcome into a FetchResult.

`fetch` never raises for network trouble: timeouts, resets, refusals, oversize bodies, wrong
content types, redirect loops and archive misses all come back as a FetchResult whose `status`
says what happened (parsers.records.FETCH_STATUSES) and whose `error` says it in words.

Choices worth knowing:
- Redirects are followed here, one hop at a time, so that loops and hop counts are detected and
  every hop is archived. The session's adapter is called directly: `Session.send` would read a
  redirect's whole body (unbounded) before returning, even with allow_redirects=False.
- The body is streamed raw (`raw.stream(decode_content=False)`) and decompressed here with a
  cap on the decompressed size: the archive then holds the bytes exactly as they came off the
  wire (so its recorded Content-Encoding stays true) while a gzip bomb still stops at
  `max_bytes`.
- A per-attempt `deadline` is enforced by a watchdog that shuts the socket down, because a
  server that drips one byte at a time never trips a read timeout.
- Retries happen only for 429, 5xx, connection errors and timeouts; Retry-After is honoured
  when it is no longer than `retry_after_max`, otherwise the fetch gives up at once rather
  than come back earlier than the server asked.
- Server-side request forgery: a URL (or any redirect hop) whose host resolves to a loopback,
  private, link-local, multicast, reserved or unspecified address is refused (status
  "refused") unless `FetchPolicy.allow_hosts` names it; the guard lives in the connection
  itself (flows/addresses.py). Through an HTTP proxy the proxy resolves names: there the
  target is checked against our own resolution first (best effort).
- Politeness is process-wide: one pacer spaces requests per host and one counter caps the
  requests in flight (`FetchPolicy.max_connections`) across every `fetch_many` call running
  in this process (several Prefect tasks in threads share them).
"""
from __future__ import annotations

import contextlib
import hashlib
import heapq
import random
import re
import socket
import threading
import time
import zlib
from collections import OrderedDict, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Mapping, Sequence
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname
from urllib.robotparser import RobotFileParser

import requests
import requests.auth
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager
from requests.cookies import extract_cookies_to_jar

from flows.addresses import (
    ALLOW_HOSTS_ENV,
    AddressGuard,
    AddressRefused,
    GuardedAdapter,
    address_class,
    allow_hosts_from_env,
    guard_for,
    precheck,
)
from flows.archive import CaptureRef, WarcWriter
from flows.replay import NotArchived, ReplayAdapter, ReplayTruncated
from parsers.feeds import FEED_CONTENT_TYPES, looks_like_feed
from parsers.records import PARSER_VERSION, FetchResult

__all__ = [
    "ALLOW_HOSTS_ENV",
    "CONTACT_URL",
    "AddressGuard",
    "AddressRefused",
    "FetchPolicy",
    "HostPacer",
    "RobotsCache",
    "address_class",
    "allow_hosts_from_env",
    "fetch",
    "fetch_many",
    "file_uri_to_path",
    "looks_like_html",
    "make_session",
    "shared_pacer",
    "utc_now_iso",
]

# Where a site operator who sees our user agent in their logs can read what newsprism is and
# how to reach its operators. Deployments should set their own (FetchPolicy.user_agent).
CONTACT_URL = "https://github.com/newsprism/newsprism"

PAGE_TYPES = ("text/html", "application/xhtml+xml")
# Feed-specific types, plus the generic XML ones many servers send feeds with.
FEED_TYPES = FEED_CONTENT_TYPES + ("application/xml", "text/xml")
# Content types that say nothing about the bytes: the body decides (sniffing).
_UNINFORMATIVE_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/unknown", "unknown/unknown", "text/plain")
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024

# page: a web page; feed: RSS/Atom/RDF; any: either; robots: robots.txt; data: any document a
# parser judges itself (sitemaps, possibly gzipped; API answers such as GDELT's JSON).
Kind = Literal["page", "feed", "any", "robots", "data"]


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits and manners for fetching. Times are seconds; sizes are bytes.

    `deadline` bounds one request from sending it to the last body byte (a slow-drip server
    cannot hold a worker longer); retries get a fresh deadline. `max_bytes` applies to the
    decompressed body. `retries` counts attempts after the first. `allow_hosts` lets
    non-public hosts through the address guard (see the module docstring);
    `max_connections` caps live requests in flight across the process.
    """

    user_agent: str = f"newsprism/{PARSER_VERSION} (+{CONTACT_URL}; news coverage comparison for research)"
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    page_types: tuple[str, ...] = PAGE_TYPES
    feed_types: tuple[str, ...] = FEED_TYPES
    accept_language: str | None = None
    obey_robots: bool = True  # consulted by fetch_many (and by fetch when given a RobotsCache)
    robots_agent: str = "newsprism"  # the product token matched against robots.txt groups
    crawl_delay_max: float = 30.0  # a robots.txt Crawl-delay above this is capped
    allow_file_urls: bool = True  # file:// URLs read from disk (via="file")
    # Hosts, domains (".example.org") and networks (CIDR) that may be contacted even though
    # they are not public; everything public always may. Default: NEWSPRISM_ALLOW_HOSTS.
    allow_hosts: tuple[str, ...] = field(default_factory=allow_hosts_from_env)
    # Requests in flight at once across the whole process (every fetch_many call counts).
    max_connections: int = 8
    # Seconds an unreachable host or origin is skipped after it failed to connect (see _Breaker);
    # 0 turns the breaker off.
    unreachable_ttl: float = 300.0

    def __post_init__(self) -> None:
        hosts = self.allow_hosts
        if isinstance(hosts, str):
            hosts = tuple(h.strip() for h in hosts.split(",") if h.strip())
        hosts = tuple(hosts)
        guard_for(hosts)  # a bad entry fails here, with its name, not at the first fetch
        object.__setattr__(self, "allow_hosts", hosts)
        if self.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {self.max_connections}")

    @property
    def guard(self) -> AddressGuard:
        """The address guard for this policy's allow-list."""
        return guard_for(self.allow_hosts)


# --------------------------------------------------------------------------------------------
# Session


class _NoAuth(requests.auth.AuthBase):
    """Sends no credentials (and so stops requests from consulting ~/.netrc)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


def make_session(policy: FetchPolicy, replay: ReplayAdapter | None = None) -> requests.Session:
    """A requests session carrying the policy's identity; in replay mode it cannot reach the
    network: both http:// and https:// are answered by the ReplayAdapter. Live sessions
    connect through the address guard (the policy's allow-list, unless a `fetch` brings its
    own policy's)."""
    s = requests.Session()
    s.headers["User-Agent"] = policy.user_agent
    # Only what we can decode under the size cap (see _Decoder); requests would also offer
    # br/zstd when those modules happen to be installed.
    s.headers["Accept-Encoding"] = "gzip, deflate"
    if policy.accept_language:
        s.headers["Accept-Language"] = policy.accept_language
    s.max_redirects = policy.max_redirects
    # An explicit (empty) auth keeps requests from looking up ~/.netrc on every request: news
    # sites get no stored credentials, and three stat() calls a request are saved.
    s.auth = _NoAuth()
    if replay is not None:
        s.mount("http://", replay)
        s.mount("https://", replay)
        s.trust_env = False  # no proxies or netrc: nothing leaves the process
    else:
        # One pool per host (origin), kept for the 128 most recently used: fetch_many interleaves
        # hosts, and with fewer pools than hosts every pool would be evicted, its kept-alive
        # connection closed, before the host came round again. Pacing keeps a host to about one
        # connection at a time, so a few idle connections per pool are plenty.
        adapter = GuardedAdapter(policy.guard, pool_connections=128, pool_maxsize=4, max_retries=0)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
    s.newsprism_replay = replay  # type: ignore[attr-defined]
    return s


def _replay_of(session: requests.Session) -> ReplayAdapter | None:
    replay = getattr(session, "newsprism_replay", None)
    if replay is not None:
        return replay
    for adapter in session.adapters.values():
        if isinstance(adapter, ReplayAdapter):
            return adapter
    return None


# --------------------------------------------------------------------------------------------
# Pacing and robots.txt


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class HostPacer:
    """Spaces requests to one host at least `interval` seconds apart, across threads.

    Each caller reserves the next free slot for its host under a lock and sleeps outside it, so
    callers for other hosts never wait behind it. The gap after a request is the interval its
    caller asked for (`wait(url, interval)`, else the pacer's own) or the host's robots.txt
    Crawl-delay (`set_interval`), whichever is longer; a caller asking for a shorter interval
    still waits out the gap the previous request reserved. Hosts are names, not ports.
    """

    _PRUNE_AT = 4096  # hosts remembered before stale ones (slot long past) are dropped

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}

    def set_interval(self, host: str, seconds: float) -> None:
        with self._lock:
            self._host_interval[host.lower()] = max(self.interval, seconds)

    def wait(self, url: str, interval: float | None = None) -> float:
        """Block until this request may go; returns the seconds waited."""
        host = _host(url)
        gap = self.interval if interval is None else max(0.0, interval)
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + max(gap, self._host_interval.get(host, 0.0))
            if len(self._next) > self._PRUNE_AT:
                for h in [h for h, t in self._next.items() if t < now]:
                    del self._next[h]
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(0.0, delay)


class _SharedPacerView(HostPacer):
    """A HostPacer face on the shared pacer that applies one caller's interval."""

    def __init__(self, shared: HostPacer, interval: float) -> None:  # noqa: D107 - no own state
        self.shared = shared
        self.interval = max(0.0, interval)

    def set_interval(self, host: str, seconds: float) -> None:
        self.shared.set_interval(host, seconds)

    def wait(self, url: str, interval: float | None = None) -> float:
        return self.shared.wait(url, self.interval if interval is None else interval)


# One pacer for the process: two fetch_many calls (two Prefect tasks in threads) fetching the
# same host are spaced as one caller would be.
_SHARED_PACER = HostPacer(0.0)


def shared_pacer(interval: float) -> HostPacer:
    """The process-wide pacer, spacing this caller's requests `interval` seconds apart per host
    (fetch_many uses it; so should any other code that fetches pages in the same process)."""
    return _SharedPacerView(_SHARED_PACER, interval)


class _ConnectionSlots:
    """Counts live requests in flight in this process; `hold(limit)` waits while `limit` or
    more are. Each caller brings its own limit (its policy's max_connections), so the cap a
    caller sees counts everyone's requests, not only its own."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.in_use = 0

    @contextlib.contextmanager
    def hold(self, limit: int) -> Iterator[None]:
        with self._cond:
            while self.in_use >= max(1, limit):
                self._cond.wait()
            self.in_use += 1
        try:
            yield
        finally:
            with self._cond:
                self.in_use -= 1
                # Waiters may have different limits: wake them all to re-check.
                self._cond.notify_all()


_SLOTS = _ConnectionSlots()


class _Breaker:
    """Origins that could not be reached a moment ago: further requests fail at once.

    A host name that does not resolve opens its breaker at once, for every port; `threshold`
    failed connection attempts in a row (refused, no route; retries count) open one origin's. A
    connection that breaks after it was made (a reset mid-body) says nothing about reachability. An open breaker stays open
    `ttl` seconds, then lets a request through again; a request that connects closes it. Without
    it, a topic whose sources share an unreachable host (no network, a site that is down) would
    spend minutes retrying the same dead end for every URL; with it the run fails fast and says
    why for each source.
    """

    def __init__(self, threshold: int = 2, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._open: dict[str, tuple[float, str]] = {}  # key -> (until, why)

    @staticmethod
    def _keys(url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return host, f"{parts.scheme}://{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"

    def check(self, url: str) -> str | None:
        now = self._clock()
        with self._lock:
            for key in self._keys(url):
                until, why = self._open.get(key, (0.0, ""))
                if until > now:
                    return why
        return None

    def record(self, url: str, unreachable: bool, error: str | None, ttl: float, attempts: int = 1) -> None:
        """Note how a fetch of `url` ended: `unreachable` when none of its `attempts` connected."""
        if ttl <= 0:
            return
        host, origin = self._keys(url)
        with self._lock:
            if not unreachable or error is None:
                self._failures.pop(origin, None)
                self._open.pop(origin, None)
                self._open.pop(host, None)
                return
            if error.startswith("cannot resolve host"):
                self._open[host] = (self._clock() + ttl, error)
                return
            n = self._failures.get(origin, 0) + max(1, attempts)
            self._failures[origin] = n
            if n >= self.threshold:
                self._open[origin] = (self._clock() + ttl, f"{n} connection failures in a row: {error}")


_BREAKER = _Breaker()


# robots.txt verdicts shared by every RobotsCache of the process, for ROBOTS_TTL seconds
# (RFC 9309 allows caching up to a day; an hour follows changes sooner).
ROBOTS_TTL = 3600.0
_ROBOTS_LOCK = threading.Lock()
_ROBOTS_MEMO: dict[tuple[str, str], tuple[float, RobotFileParser | None, str | None, float]] = {}


class RobotsCache:
    """robots.txt per host (RFC 9309), fetched once through `fetch` (so it is archived too).

    Rules, in order: 2xx → the file's rules for `policy.robots_agent`; 4xx → no restrictions;
    5xx → everything disallowed (RFC 9309 §2.3.1.4); network failure → no verdict, the page
    fetch goes ahead and reports its own failure. Crawl-delay raises the host's pacing interval.
    """

    def __init__(
        self,
        session: requests.Session,
        policy: FetchPolicy,
        *,
        archive: WarcWriter | None = None,
        pacer: HostPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.policy = policy
        self.archive = archive
        self.pacer = pacer
        self.sleep = sleep
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._rules: dict[str, tuple[RobotFileParser | None, str | None]] = {}

    def check(self, url: str) -> str | None:
        """None when `url` may be fetched; otherwise the reason it may not."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            host_lock = self._host_locks[origin]
        with host_lock:
            if origin not in self._rules:
                self._rules[origin] = self._remembered(origin) or self._load(origin)
        parser, blanket = self._rules[origin]
        if blanket:
            return blanket
        if parser is not None and not parser.can_fetch(self.policy.robots_agent, url):
            return f"disallowed by {origin}/robots.txt for user agent {self.policy.robots_agent!r}"
        return None

    def _remembered(self, origin: str) -> tuple[RobotFileParser | None, str | None] | None:
        """A verdict read by an earlier RobotsCache of this process (one per fetch batch), while
        fresh: robots.txt is asked for once an hour per site, not once per batch."""
        key = (origin, self.policy.robots_agent)
        with _ROBOTS_LOCK:
            hit = _ROBOTS_MEMO.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        _, parser, blanket, delay = hit
        if self.pacer is not None:
            self.pacer.set_interval(_host(origin), delay)
        return parser, blanket

    def _load(self, origin: str) -> tuple[RobotFileParser | None, str | None]:
        robots_url = origin + "/robots.txt"
        res = fetch(self.session, robots_url, self.policy, kind="robots", archive=self.archive, pacer=self.pacer, sleep=self.sleep)
        verdict: tuple[RobotFileParser | None, str | None] | None = None
        delay = 0.0
        if res.status == "ok" and res.body is not None:
            parser = RobotFileParser(robots_url)
            parser.parse(res.body.decode("utf-8", errors="replace").splitlines())
            delay = min(float(parser.crawl_delay(self.policy.robots_agent) or 0), self.policy.crawl_delay_max)
            verdict = (parser, None)
        elif res.status == "http_error" and res.http_status is not None and res.http_status >= 500:
            verdict = (None, f"{robots_url} answered HTTP {res.http_status}; RFC 9309 says to assume everything is disallowed")
        elif res.status == "http_error":
            verdict = (None, None)  # no file: no restrictions, no Crawl-delay
        if verdict is None:
            return None, None  # no answer at all: no verdict, and nothing to remember
        if self.pacer is not None and verdict[1] is None:
            # Set even when absent: the pacer is process-wide and may remember an older file.
            self.pacer.set_interval(_host(origin), delay)
        with _ROBOTS_LOCK:
            _ROBOTS_MEMO[(origin, self.policy.robots_agent)] = (time.monotonic() + ROBOTS_TTL, *verdict, delay)
        return verdict


# --------------------------------------------------------------------------------------------
# Decoding under a size cap


class _TooLarge(Exception):
    pass


class _DecodeFailed(Exception):
    pass


class _Inflater:
    """One gzip/deflate layer; handles concatenated gzip members and raw (headerless) deflate."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._gzip = coding in ("gzip", "x-gzip")
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)
        # "deflate" servers send raw deflate as often as zlib-wrapped deflate; the first two
        # bytes (the zlib header) tell which, so they are held until both have arrived.
        self._decided = self._gzip
        self._pending = b""
        self._fed = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decompress `data`; raises _TooLarge as soon as output would pass `limit` bytes."""
        if not self._decided:
            self._pending += data
            if len(self._pending) < 2:
                return b""
            data, self._pending, self._decided = self._pending, b"", True
            try:
                return self._inflate(data, limit)
            except _DecodeFailed:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._inflate(data, limit)

    def _inflate(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data:
            self._fed = True
            try:
                chunk = self._obj.decompress(data, limit - len(out) + 1)
            except zlib.error as exc:
                raise _DecodeFailed(f"corrupt {self.coding} body: {exc}") from None
            out += chunk
            if len(out) > limit:
                raise _TooLarge()
            data = self._obj.unconsumed_tail
            if self._obj.eof:
                rest = self._obj.unused_data
                if self._gzip and rest.strip(b"\x00"):
                    self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                else:
                    break
        return bytes(out)

    def finish(self) -> None:
        if self._pending:
            raise _DecodeFailed(f"{self.coding} body too short to decode")
        if self._fed and not self._obj.eof:
            raise _DecodeFailed(f"{self.coding} body ends before its compressed stream does (truncated)")


class _Decoder:
    """The Content-Encoding chain, undone in reverse order, with a cap on every layer's output."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        unsupported = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unsupported:
            raise _DecodeFailed(f"unsupported Content-Encoding {', '.join(unsupported)!s} (we ask for gzip or deflate only)")
        self.layers = [_Inflater(c) for c in reversed(codings)]
        self.limit = limit
        self.total = 0

    def feed(self, data: bytes) -> bytes:
        for layer in self.layers:
            data = layer.feed(data, self.limit - self.total if layer is self.layers[-1] else self.limit)
        self.total += len(data)
        if self.total > self.limit:
            raise _TooLarge()
        return data

    def finish(self) -> None:
        for layer in self.layers:
            layer.finish()


# --------------------------------------------------------------------------------------------
# Content types


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


# WHATWG MIME Sniffing §7.1, the patterns that identify HTML at the start of a resource.
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
               b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--")


def looks_like_html(data: bytes) -> bool:
    """Whether the first bytes are HTML by the WHATWG sniffing patterns (an XML declaration
    before them is skipped, so XHTML counts)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        head = head[end + 2 :].lstrip() if end >= 0 else head
    for pat in _HTML_SNIFF:
        if head.startswith(pat):
            rest = head[len(pat) : len(pat) + 1]
            if pat == b"<!--" or rest in (b" ", b">", b"\t", b"\n", b"\r", b"/", b""):
                return True
    return False


def _verdict(kind: Kind, mime: str, policy: FetchPolicy) -> str:
    """accept | sniff | reject for a declared type, before any body byte is read."""
    if kind in ("robots", "data"):
        return "accept"
    is_page = mime in policy.page_types
    is_feed = mime in policy.feed_types or mime.endswith("+xml")
    if kind == "page":
        if is_page:
            return "accept"
        # Feeds and other XML are read far enough to tell an XHTML page from a feed.
        return "sniff" if mime in _UNINFORMATIVE_TYPES or mime in ("application/xml", "text/xml") else "reject"
    if kind == "feed":
        if is_feed:
            return "accept"
        # Many feeds are served as text/html or text/plain.
        return "sniff" if mime in _UNINFORMATIVE_TYPES or is_page else "reject"
    if is_page:
        return "accept"
    # XML may be a feed, XHTML, or neither (a sitemap, an API answer): the bytes decide.
    return "sniff" if is_feed or mime in _UNINFORMATIVE_TYPES else "reject"


def _sniff_ok(kind: Kind, body: bytes) -> bool:
    if kind == "page":
        return looks_like_html(body)
    if kind == "feed":
        return looks_like_feed(body, None)
    return looks_like_html(body) or looks_like_feed(body, None)


def _reject_status(kind: Kind) -> str:
    return "not_feed" if kind == "feed" else "not_html"


def _expected(kind: Kind) -> str:
    return {"page": "a web page", "feed": "a feed", "any": "a web page or a feed"}.get(kind, "a document")


# --------------------------------------------------------------------------------------------
# One attempt


@dataclass
class _Attempt:
    """What one request produced; becomes a FetchResult or a redirect/retry decision."""

    status: str
    url: str
    fetched_at: str
    error: str | None = None
    http_status: int | None = None
    reason: str = ""
    content_type: str | None = None
    body: bytes | None = None
    retryable: bool = False
    retry_after: float | None = None
    redirect_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc: tuple[str | None, int | None, str | None] = (None, None, None)
    via: str = "http"
    unreachable: bool = False  # no connection could be made at all (DNS, refused, no route)


class _Watchdog:
    """Shuts the response's socket down at the deadline so a blocked read returns."""

    __slots__ = ("fired", "cancelled", "when", "_sock")

    def __init__(self) -> None:
        self.fired = False
        self.cancelled = False
        self.when = 0.0
        self._sock: socket.socket | None = None

    def __lt__(self, other: "_Watchdog") -> bool:  # heap order
        return self.when < other.when

    def arm(self, raw: object, seconds: float) -> None:
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if sock is None:
            return
        self._sock = sock
        self.when = time.monotonic() + max(0.0, seconds)
        _DEADLINES.add(self)

    def fire(self) -> None:
        """Called by the deadline thread, under its lock (so never after cancel)."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self.fired = True
        try:
            # The base-class method works for TLS sockets too and leaves the SSL object alone.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        if self._sock is not None:
            _DEADLINES.cancel(self)


class _Deadlines:
    """One thread watches every request's deadline: a Timer thread per request cost about
    0.4 ms of CPU each (a third of a request's own cost) and contended for the GIL."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[_Watchdog] = []
        self._cancelled = 0
        self._thread: threading.Thread | None = None

    def add(self, dog: _Watchdog) -> None:
        with self._cond:
            heapq.heappush(self._heap, dog)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="newsprism-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0] is dog:
                self._cond.notify()

    def cancel(self, dog: _Watchdog) -> None:
        with self._cond:
            if dog.cancelled or dog._sock is None:
                return
            dog.cancelled = True
            dog._sock = None  # the socket is not kept alive by the heap
            self._cancelled += 1
            # Cancelled entries leave the heap when they reach its top; rebuild it before they
            # pile up (a deadline is a minute away while requests end in milliseconds).
            if self._cancelled > 256 and self._cancelled * 2 > len(self._heap):
                self._heap = [d for d in self._heap if not d.cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0].cancelled or self._heap[0].when <= now):
                    dog = heapq.heappop(self._heap)
                    if dog.cancelled:
                        self._cancelled -= 1
                    else:
                        dog.fire()
                self._cond.wait(self._heap[0].when - now if self._heap else None)


_DEADLINES = _Deadlines()


def _raw_headers(resp: requests.Response) -> list[tuple[str, str]]:
    original = getattr(resp.raw, "_original_response", None)
    msg = getattr(original, "msg", None)
    if msg is not None:
        return [(k, v) for k, v in msg.items()]
    raw_headers = getattr(resp.raw, "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "items"):
        return [(k, v) for k, v in raw_headers.items()]
    return list(resp.headers.items())


def _protocol(resp: requests.Response) -> str:
    version = getattr(resp.raw, "version", 11)
    return {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2", 9: "HTTP/0.9"}.get(version, "HTTP/1.1")


def _peer_ip(resp: requests.Response) -> str | None:
    try:
        return resp.raw.connection.sock.getpeername()[0]  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - best effort: the address is a nicety for the archive
        return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _request_headers(kind: Kind, if_none_match: str | None, if_modified_since: str | None) -> dict[str, str]:
    accept = {
        "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,text/xml;q=0.8,*/*;q=0.5",
        "any": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml;q=0.9,application/xml;q=0.8,*/*;q=0.5",
        "robots": "text/plain,*/*;q=0.5",
        "data": "application/xml,application/json,text/xml;q=0.9,*/*;q=0.5",
    }[kind]
    headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if if_none_match:
        headers["If-None-Match"] = if_none_match
    if if_modified_since:
        headers["If-Modified-Since"] = if_modified_since
    return headers


def _attempt(
    session: requests.Session,
    url: str,
    policy: FetchPolicy,
    kind: Kind,
    archive: WarcWriter | None,
    headers: dict[str, str],
    conditional: bool,
    live: bool = True,
) -> _Attempt:
    # A live attempt holds one of the process's connection slots from connect to last byte.
    with _SLOTS.hold(policy.max_connections) if live else contextlib.nullcontext():
        return _attempt_once(session, url, policy, kind, archive, headers, conditional)


def _attempt_once(
    session: requests.Session,
    url: str,
    policy: FetchPolicy,
    kind: Kind,
    archive: WarcWriter | None,
    headers: dict[str, str],
    conditional: bool,
) -> _Attempt:
    started = time.monotonic()
    now = utc_now_iso()
    try:
        prep = session.prepare_request(requests.Request("GET", url, headers=headers))
        prep.newsprism_guard = policy.guard  # type: ignore[attr-defined]  # read by GuardedAdapter
        adapter = session.get_adapter(prep.url)
        settings = _environment_settings(session, prep.url or url)
        if not isinstance(adapter, (GuardedAdapter, ReplayAdapter)):
            precheck(policy.guard, prep.url or url)  # a session not made by make_session
        resp = adapter.send(
            prep,
            stream=True,
            timeout=(policy.connect_timeout, policy.read_timeout),
            verify=settings["verify"],
            cert=settings["cert"],
            proxies=settings["proxies"],
        )
    except AddressRefused as exc:
        return _Attempt("refused", url, now, error=str(exc))
    except NotArchived as exc:
        return _Attempt("not_archived", url, now, error=str(exc), via="replay")
    except requests.exceptions.ConnectTimeout:
        return _Attempt("timeout", url, now, error=f"could not connect within {policy.connect_timeout:g} s", retryable=True)
    except requests.exceptions.ReadTimeout:
        return _Attempt("timeout", url, now, error=f"no response within the read timeout of {policy.read_timeout:g} s", retryable=True)
    except requests.exceptions.SSLError as exc:
        return _Attempt("connection_error", url, now, error=f"TLS failure: {_short(exc)}")
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema, urllib3.exceptions.LocationParseError, UnicodeError) as exc:
        return _Attempt("invalid_url", url, now, error=f"invalid URL: {_short(exc)}")
    except requests.exceptions.ConnectionError as exc:
        host = _unresolvable(exc)
        if host is not None:
            # A name that does not resolve will not resolve a second later: no retry.
            return _Attempt("connection_error", url, now, error=f"cannot resolve host {host} (DNS lookup failed)",
                            unreachable=True)
        return _Attempt("connection_error", url, now, error=_short(exc), retryable=True,
                        unreachable=_never_connected(exc))
    except requests.exceptions.RequestException as exc:
        return _Attempt("connection_error", url, now, error=_short(exc), retryable=True)

    capture: CaptureRef | None = getattr(resp, "newsprism_capture", None)
    if capture is not None:
        now = capture.captured_at
    watchdog = _Watchdog()
    try:
        if capture is None:
            extract_cookies_to_jar(session.cookies, prep, resp.raw)
        watchdog.arm(resp.raw, policy.deadline - (time.monotonic() - started))
        return _handle_response(resp, prep, url, now, policy, kind, archive, conditional, watchdog, started, capture)
    finally:
        watchdog.cancel()
        if getattr(resp, "newsprism_complete", False) and not watchdog.fired and capture is None:
            # The whole body was read: hand the kept-alive connection back to the pool (closing
            # the response would close the socket, and every request would pay a new TCP and
            # TLS handshake). A body abandoned part-way closes its connection below.
            release = getattr(resp.raw, "release_conn", None)
            if release is not None:
                release()
        resp.close()


def _environment_settings(session: requests.Session, url: str) -> dict:
    """Proxies, CA bundle and client certificate for `url`, as requests reads them from the
    session and the environment; remembered per session and origin, because reading the
    environment costs about a fifth of a millisecond a request, more than the rest of a
    request's bookkeeping. A session therefore sees the proxy variables of its first request."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    cache: dict[str, dict] | None = getattr(session, "newsprism_env", None)
    if cache is None:
        cache = {}
        session.newsprism_env = cache  # type: ignore[attr-defined]
    settings = cache.get(origin)
    if settings is None:
        settings = session.merge_environment_settings(url, {}, True, None, None)
        if len(cache) < 10_000:
            cache[origin] = settings
    return settings


def _causes(exc: BaseException, depth: int = 8, chained: bool = True) -> Iterator[BaseException]:
    """The exception and the causes requests and urllib3 nest under it (ConnectionError →
    MaxRetryError → NewConnectionError → OSError), outermost first; `chained` also follows
    `raise ... from` links."""
    cur: BaseException | None = exc
    for _ in range(depth):
        if cur is None:
            return
        yield cur
        nxt = getattr(cur, "reason", None)
        cur = nxt if isinstance(nxt, BaseException) else (
            cur.args[0] if cur.args and isinstance(cur.args[0], BaseException)
            else (cur.__cause__ if chained else None))


def _unresolvable(exc: BaseException) -> str | None:
    """The host name when a connection failed because the name does not resolve, else None."""
    for cur in _causes(exc):
        if isinstance(cur, urllib3.exceptions.NameResolutionError):
            return getattr(cur, "conn", None) and getattr(cur.conn, "host", None) or _host_in(str(cur))
        if isinstance(cur, socket.gaierror) and cur.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return _host_in(str(exc)) or "?"
    return None


def _never_connected(exc: BaseException) -> bool:
    """True when the failure happened before any connection existed (refused, no route)."""
    return any(isinstance(cur, urllib3.exceptions.NewConnectionError) for cur in _causes(exc))


def _host_in(text: str) -> str | None:
    m = re.search(r"Failed to resolve '([^']+)'", text) or re.search(r"host='([^']+)'", text)
    return m.group(1) if m else None


def _short(exc: BaseException) -> str:
    """An exception as one readable line: requests and urllib3 nest the real cause a few
    levels deep (ConnectionError → MaxRetryError → NewConnectionError → errno)."""
    exc = list(_causes(exc, depth=7, chained=False))[-1]
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    marker = "Failed to establish a new connection: "
    if marker in text:
        text = text.split(marker, 1)[1]
    return " ".join(text.split())[:300] or type(exc).__name__


def _handle_response(
    resp: requests.Response,
    prep: requests.PreparedRequest,
    url: str,
    fetched_at: str,
    policy: FetchPolicy,
    kind: Kind,
    archive: WarcWriter | None,
    conditional: bool,
    watchdog: _Watchdog,
    started: float,
    capture: CaptureRef | None,
) -> _Attempt:
    code = resp.status_code
    reason = resp.reason or ""
    content_type = resp.headers.get("Content-Type")
    etag = resp.headers.get("ETag")
    last_modified = resp.headers.get("Last-Modified")
    raw_headers = _raw_headers(resp)
    peer_ip = _peer_ip(resp)  # now: urllib3 lets go of the connection once the body is read
    base = dict(url=url, fetched_at=fetched_at, http_status=code, reason=reason, content_type=content_type, etag=etag, last_modified=last_modified)
    if capture is not None:
        base["via"] = "replay"

    def archived(raw_body: bytes, truncated: str | None = None) -> tuple[str | None, int | None, str | None]:
        if capture is not None:
            return (capture.warc_file, capture.offset, capture.record_id)
        if archive is None:
            return (None, None, None)
        offset, rid = archive.write_response(
            prep.url or url,  # what was really requested: fragment dropped, percent-encoded
            status=code,
            reason=reason,
            headers=raw_headers,
            body=raw_body,
            fetched_at=fetched_at,
            request_headers=list(prep.headers.items()),
            protocol=_protocol(resp),
            truncated=truncated,
            ip_address=peer_ip,
        )
        return (str(archive.path), offset, rid)

    location = resp.headers.get("Location")
    is_redirect = code in _REDIRECT_CODES and location is not None
    is_success = 200 <= code < 300

    # Refuse what we can refuse from the headers alone, without reading the body.
    verdict = _verdict(kind, _mime(content_type), policy) if is_success else "accept"
    if verdict == "reject":
        return _Attempt(
            _reject_status(kind), **base,
            error=f"expected {_expected(kind)}, got content type {content_type!r}",
            warc=archived(b"", truncated="unspecified"),
        )
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes and not is_redirect:
        return _Attempt(
            "too_large", **base,
            error=f"Content-Length {int(declared):,} bytes exceeds the {policy.max_bytes:,}-byte cap; not downloaded",
            warc=archived(b"", truncated="length"),
        )

    # Stream the body: raw bytes for the archive, decoded bytes under the cap for the parser.
    raw_parts: list[bytes] = []
    decoded_parts: list[bytes] = []
    raw_total = 0
    try:
        decoder = _Decoder(resp.headers.get("Content-Encoding"), policy.max_bytes)
        for chunk in resp.raw.stream(_CHUNK, decode_content=False):
            raw_total += len(chunk)
            if raw_total > policy.max_bytes:
                raise _TooLarge()
            raw_parts.append(chunk)
            decoded_parts.append(decoder.feed(chunk))
            if time.monotonic() - started > policy.deadline:
                watchdog.fired = True
                raise TimeoutError()
        if watchdog.fired:
            # The shutdown looks like a normal end to a body delimited by connection close.
            raise TimeoutError()
        decoder.finish()
        resp.newsprism_complete = True  # type: ignore[attr-defined]  # see _attempt_once
    except _TooLarge:
        return _Attempt(
            "too_large", **base,
            error=f"body exceeds the {policy.max_bytes:,}-byte cap (after decompression); stopped reading",
            warc=archived(b"", truncated="length"),
        )
    except _DecodeFailed as exc:
        return _Attempt("decode_error", **base, error=str(exc), warc=archived(b"".join(raw_parts)))
    except ReplayTruncated as exc:
        # Replay reports what the live fetch reported when this capture was taken.
        status = {"length": "too_large", "time": "timeout"}.get(exc.reason, "connection_error")
        return _Attempt(status, **base, error=f"{exc}; {raw_total:,} bytes archived", warc=archived(b""))
    except Exception as exc:  # noqa: BLE001 - socket/urllib3 errors while streaming, sorted below
        partial = b"".join(raw_parts)
        if watchdog.fired:
            return _Attempt(
                "timeout", **base, retryable=False,
                error=f"body not complete within the {policy.deadline:g}-second deadline ({raw_total:,} bytes received)",
                warc=archived(partial, truncated="time"),
            )
        if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, socket.timeout, requests.exceptions.ReadTimeout)):
            return _Attempt(
                "timeout", **base, retryable=True,
                error=f"body stalled longer than the read timeout of {policy.read_timeout:g} s ({raw_total:,} bytes received)",
                warc=archived(partial, truncated="time"),
            )
        return _Attempt(
            "connection_error", **base, retryable=True,
            error=f"connection broken while reading the body after {raw_total:,} bytes: {_short(exc)}",
            warc=archived(partial, truncated="disconnect"),
        )

    raw_body = b"".join(raw_parts)
    body = b"".join(decoded_parts)
    warc = archived(raw_body)

    if is_redirect:
        return _Attempt("redirect", **base, redirect_to=urljoin(resp.url or url, location.strip()), warc=warc)  # type: ignore[union-attr]
    if code == 304 and conditional:
        return _Attempt("not_modified", **base, error="HTTP 304 Not Modified: unchanged since the validators sent", warc=warc)
    if not is_success:
        retryable = code == 429 or 500 <= code <= 599
        detail = f"HTTP {code} {reason}".strip()
        if code in _REDIRECT_CODES:
            detail += " (redirect without a Location header)"
        return _Attempt(
            "http_error", **base, body=body, error=detail, retryable=retryable,
            retry_after=_retry_after(resp.headers.get("Retry-After")), warc=warc,
        )
    if verdict == "sniff" and not _sniff_ok(kind, body):
        return _Attempt(
            _reject_status(kind), **base,
            error=f"expected {_expected(kind)}; content type {content_type!r} and the first bytes say otherwise",
            warc=warc,
        )
    return _Attempt("ok", **base, body=body, warc=warc)


# --------------------------------------------------------------------------------------------
# file:// URLs


def file_uri_to_path(url: str) -> Path:
    """The local path of a file:// URL (host empty or localhost); ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise ValueError(f"not a file:// URL: {url}")
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"file:// URL names a remote host {parts.netloc!r}: {url}")
    return Path(url2pathname(unquote(parts.path)))


def _fetch_file(url: str, policy: FetchPolicy, kind: Kind, started: float) -> FetchResult:
    def result(status: str, error: str | None = None, **kw: object) -> FetchResult:
        return FetchResult(
            url=url, final_url=url, status=status, error=error, via="file",
            elapsed_ms=int((time.monotonic() - started) * 1000), **kw,  # type: ignore[arg-type]
        )

    now = utc_now_iso()
    if not policy.allow_file_urls:
        return result("invalid_url", "file:// URLs are not allowed by this fetch policy", fetched_at=now)
    try:
        path = file_uri_to_path(url)
    except ValueError as exc:
        return result("invalid_url", str(exc), fetched_at=now)
    try:
        st = path.stat()
        fetched_at = datetime.fromtimestamp(st.st_mtime, timezone.utc).isoformat()
        if not path.is_file():
            return result("read_error", f"{path} is not a regular file", fetched_at=now)
        if st.st_size > policy.max_bytes:
            return result("too_large", f"{path} is {st.st_size:,} bytes, over the {policy.max_bytes:,}-byte cap", fetched_at=fetched_at)
        body = path.read_bytes()
    except OSError as exc:
        return result("read_error", f"cannot read {path}: {exc.strerror or exc}", fetched_at=now)
    suffix = path.suffix.lower()
    if kind == "page":
        ok = suffix in (".html", ".htm", ".xhtml", ".shtml") or looks_like_html(body)
    elif kind == "feed":
        ok = looks_like_feed(body, None)
    elif kind == "any":
        ok = suffix in (".html", ".htm", ".xhtml", ".shtml") or looks_like_html(body) or looks_like_feed(body, None)
    else:
        ok = True
    if not ok:
        return result(_reject_status(kind), f"expected {_expected(kind)}; {path.name} does not look like one", fetched_at=fetched_at)
    return result("ok", fetched_at=fetched_at, body=body, sha256=hashlib.sha256(body).hexdigest(), size=len(body))


# --------------------------------------------------------------------------------------------
# fetch


def _backoff(policy: FetchPolicy, retry_index: int) -> float:
    # "Equal jitter": half the exponential step fixed, half random, so retries from many
    # workers spread out but never collapse to zero wait.
    step = min(policy.backoff_max, policy.backoff_base * (2**retry_index))
    return step / 2 + random.uniform(0, step / 2)


def fetch(
    session: requests.Session,
    url: str,
    policy: FetchPolicy,
    *,
    kind: Kind = "page",
    sleep: Callable[[float], None] = time.sleep,
    archive: WarcWriter | None = None,
    pacer: HostPacer | None = None,
    robots: RobotsCache | None = None,
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
) -> FetchResult:
    """GET one URL under `policy` and report the outcome; never raises for network problems.

    kind: "page" accepts text/html and application/xhtml+xml (not_html otherwise); "feed"
    accepts the XML family and anything that sniffs as RSS/Atom (not_feed otherwise); "any"
    accepts both. With an `archive`, every response that arrived (redirect hops and error
    responses included) is written to it and the result names the final one. In replay mode
    (a session from make_session(..., replay=...)) nothing is written again: the result points
    at the source WARC record, `fetched_at` is its capture time and `via` is "replay".
    `if_none_match` / `if_modified_since` make the request conditional (304 → not_modified,
    with those validators kept in the result when the 304 does not repeat them).
    file:// URLs are read from disk (via="file", fetched_at = the file's mtime).
    A host (first URL or any redirect hop) that resolves only to non-public addresses is not
    contacted unless policy.allow_hosts lets it through: status "refused", attempts 0 when
    nothing at all was sent. Every live request holds one of the process's
    policy.max_connections slots while it runs.
    """
    started = time.monotonic()
    url = url.strip() if isinstance(url, str) else url
    parts = urlsplit(url) if isinstance(url, str) else None
    scheme = parts.scheme.lower() if parts else ""
    if scheme == "file":
        return _fetch_file(url, policy, kind, started)
    if scheme not in ("http", "https") or not parts or not parts.hostname:
        why = f"scheme {scheme!r} is not http or https" if scheme else "not an absolute URL"
        return FetchResult(url=url, final_url=url, status="invalid_url", fetched_at=utc_now_iso(), error=f"{why}: {url!r}", attempts=0, elapsed_ms=0)

    replay = _replay_of(session)
    if replay is None:
        why = _BREAKER.check(url) if policy.unreachable_ttl > 0 else None
        if why:
            return FetchResult(url=url, final_url=url, status="connection_error", fetched_at=utc_now_iso(),
                               error=f"not tried: unreachable a moment ago ({why})", attempts=0, elapsed_ms=0)
    if robots is not None and replay is None:
        blocked = robots.check(url)
        if blocked:
            return FetchResult(url=url, final_url=url, status="blocked_by_robots", fetched_at=utc_now_iso(), error=blocked, attempts=0, elapsed_ms=int((time.monotonic() - started) * 1000))

    conditional = bool(if_none_match or if_modified_since)
    headers = _request_headers(kind, if_none_match, if_modified_since)
    chain = [url]
    current = url
    attempts = 1
    while True:
        if pacer is not None and replay is None:
            pacer.wait(current)
        a = _attempt(session, current, policy, kind, archive, headers, conditional, live=replay is None)
        if replay is not None:
            a.retryable = False  # an archive answers the same way every time
        if a.status == "refused":
            if len(chain) > 1:
                a.error = f"{a.error} (reached by redirect: {' -> '.join(chain)})"
            else:
                attempts = 0  # nothing was sent
            return _result(url, current, a, attempts, started)
        if a.status == "not_modified":
            # A 304 need not repeat the validators; the ones sent still describe the copy we hold.
            a.etag = a.etag or if_none_match
            a.last_modified = a.last_modified or if_modified_since

        if a.status == "redirect":
            target = a.redirect_to or ""
            target_scheme = urlsplit(target).scheme.lower()
            if target_scheme not in ("http", "https"):
                a.status, a.error = "invalid_url", f"redirect to a non-http(s) URL {target!r} via {' -> '.join(chain)}"
            elif target in chain:
                a.status, a.error = "too_many_redirects", f"redirect loop: {' -> '.join(chain + [target])}"
            elif len(chain) > policy.max_redirects:
                a.status, a.error = "too_many_redirects", f"more than {policy.max_redirects} redirects: {' -> '.join(chain + [target])}"
            else:
                chain.append(target)
                current = target
                continue
        elif a.retryable and attempts <= policy.retries:
            delay: float | None
            if a.retry_after is not None:
                delay = a.retry_after if a.retry_after <= policy.retry_after_max else None
            else:
                delay = _backoff(policy, attempts - 1)
            if delay is None:
                a.error = f"{a.error}; the server asked to retry after {a.retry_after:.0f} s, more than retry_after_max ({policy.retry_after_max:g} s), so we stopped"
            else:
                sleep(delay)
                attempts += 1
                continue
        if replay is None:
            _BREAKER.record(current, a.unreachable, a.error, policy.unreachable_ttl, attempts)
        if a.status in ("http_error", "timeout", "connection_error") and attempts > 1:
            a.error = f"{a.error} (after {attempts} attempts)"
        return _result(url, current, a, attempts, started)


def _result(url: str, final_url: str, a: _Attempt, attempts: int, started: float) -> FetchResult:
    body = a.body
    return FetchResult(
        url=url,
        final_url=final_url,
        status=a.status,
        fetched_at=a.fetched_at,
        http_status=a.http_status,
        content_type=a.content_type,
        body=body,
        sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
        size=len(body) if body is not None else None,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        attempts=attempts,
        error=a.error,
        warc_file=a.warc[0],
        warc_offset=a.warc[1],
        warc_record_id=a.warc[2],
        etag=a.etag,
        last_modified=a.last_modified,
        via=a.via,
    )


# --------------------------------------------------------------------------------------------
# fetch_many


def _interleave_by_host(indexed: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Round-robin over hosts, so workers spread across sites instead of queueing on one."""
    queues: OrderedDict[str, list[tuple[int, str]]] = OrderedDict()
    for item in indexed:
        queues.setdefault(_host(item[1]), []).append(item)
    out: list[tuple[int, str]] = []
    while queues:
        for host in list(queues):
            q = queues[host]
            out.append(q.pop(0))
            if not q:
                del queues[host]
    return out


def _validators_for(validators: Mapping[str, tuple[str | None, str | None]] | None, url: str) -> tuple[str | None, str | None]:
    """(If-None-Match, If-Modified-Since) to send for `url`: blanks dropped, and a date that
    is not an HTTP date dropped too (servers compare it as a string or answer 400)."""
    if not validators:
        return None, None
    pair = validators.get(url)
    if not pair:
        return None, None
    etag, modified = (pair[0] or None), (pair[1] or None)
    if modified is not None:
        try:
            if parsedate_to_datetime(modified) is None:
                modified = None
        except (TypeError, ValueError, IndexError):
            modified = None
    return (etag.strip() if etag else None), modified


def fetch_many(
    urls: Iterable[str],
    session: requests.Session,
    policy: FetchPolicy,
    *,
    kind: Kind = "page",
    archive: WarcWriter | None = None,
    max_workers: int = 4,
    per_host_interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    on_result: Callable[[FetchResult], None] | None = None,
    validators: Mapping[str, tuple[str | None, str | None]] | None = None,
    pacer: HostPacer | None = None,
) -> list[FetchResult]:
    """Fetch many URLs on a thread pool; one FetchResult per input URL, in input order.

    A URL listed twice is fetched once (both positions get the same result). Requests to one
    host are spaced `per_host_interval` seconds apart (more if its robots.txt sets a
    Crawl-delay), and hosts are interleaved so one slow site does not hold up the others.
    Pacing and the connection cap (policy.max_connections) are process-wide: concurrent
    fetch_many calls share them. robots.txt is obeyed when policy.obey_robots (not in replay
    mode, where nothing is fetched). `validators` maps a URL (as given) to the
    (ETag, Last-Modified) of the copy already held; either may be None. They are sent as
    If-None-Match / If-Modified-Since, and an unchanged page comes back as not_modified
    (archived like any response). `on_result` is called from worker threads as results
    arrive (progress reports). `pacer` replaces the process-wide pacer (flows.politeness shares
    the spacing with other processes through Prefect).
    """
    url_list = list(urls)
    replay = _replay_of(session)
    if pacer is None or replay is not None:
        pacer = shared_pacer(0.0 if replay is not None else per_host_interval)
    robots = RobotsCache(session, policy, archive=archive, pacer=pacer, sleep=sleep) if policy.obey_robots and replay is None else None
    first_index: dict[str, int] = {}
    unique: list[tuple[int, str]] = []
    for i, u in enumerate(url_list):
        if u not in first_index:
            first_index[u] = i
            unique.append((i, u))
    results: dict[int, FetchResult] = {}

    def work(item: tuple[int, str]) -> None:
        i, u = item
        etag, modified = _validators_for(validators, u)
        try:
            res = fetch(session, u, policy, kind=kind, sleep=sleep, archive=archive, pacer=pacer, robots=robots,
                        if_none_match=etag, if_modified_since=modified)
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the other results
            res = FetchResult(url=u, final_url=u, status="internal_error", fetched_at=utc_now_iso(), error=f"{type(exc).__name__}: {exc}")
        results[i] = res
        if on_result is not None:
            on_result(res)

    ordered = _interleave_by_host(unique)
    if max_workers <= 1 or len(ordered) <= 1:
        for item in ordered:
            work(item)
    else:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="newsprism-fetch") as pool:
            list(pool.map(work, ordered))
    return [results[first_index[u]] for u in url_list]
