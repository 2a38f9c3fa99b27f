"""Serving a generated web of pages from loopback hosts, in a process of its own.

Shared by the benchmarks that fetch over real HTTP (fetch.py, pipeline.py). The server process
builds its site itself (a module-level builder function and its arguments are all that cross
the process boundary, so the parent never holds the pages), binds one HTTP server per host on
127.x.y.z (on Linux all of 127.0.0.0/8 reaches the loopback interface, so each host is an
address of its own and a client sees as many sites as there are hosts) and answers until told
to stop. One thread accepts for every host, so a thousand hosts cost no more polling than one.

Each host serves its pages (gzipped when the client asks), `/robots.txt` (everything allowed)
and, when the site lists feed items, an RSS 2.0 feed of its own pages at `/feed.xml`, written
once the ports are known so that its links are absolute. Responses carry `Content-Length`,
keep-alive, `ETag` and `Last-Modified`, with TCP_NODELAY set as production servers do: without
it every response waited ~40 ms for a delayed ACK, and the penalty depended on how the client
read the body.
"""
from __future__ import annotations

import gzip
import hashlib
import multiprocessing as mp
import selectors
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from xml.sax.saxutils import escape

ROBOTS = b"User-agent: *\nAllow: /\n"
HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
FEED_PATH = "/feed.xml"

# body, gzipped body, content type
Resource = tuple[bytes, bytes, str]


def resource(body: bytes, content_type: str = HTML) -> Resource:
    return body, gzip.compress(body, compresslevel=6, mtime=0), content_type


@dataclass
class FeedItem:
    path: str
    title: str
    published: datetime | None


@dataclass
class Site:
    """What a builder returns: resources keyed "host/path" (host = a 127.x.y.z address), the
    page keys in the order a client should be given them, and per host the items of its feed
    (no feeds when None)."""

    pages: dict[str, Resource]
    order: list[str]
    feeds: dict[str, list[FeedItem]] | None = None


@dataclass
class Served:
    """What the parent learns once every host is listening."""

    urls: list[str]  # the pages, in the site's order
    feeds: list[str]  # one per host that has a feed
    sha256: dict[str, str]  # page URL -> hash of the page as served (before gzip)
    page_bytes: int
    gz_bytes: int
    hosts: int
    info: dict[str, Any] = field(default_factory=dict)


def rss_feed(base: str, title: str, items: list[FeedItem]) -> bytes:
    """An RSS 2.0 feed of `items`, newest first, links absolute under `base` (http://host:port)."""
    def when(it: FeedItem) -> datetime:
        if it.published is None:
            return datetime.min
        return it.published.astimezone(timezone.utc).replace(tzinfo=None) if it.published.tzinfo else it.published

    ordered = sorted(items, key=when, reverse=True)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
           f"<title>{escape(title)}</title><link>{escape(base)}/</link><description>{escape(title)}</description>"]
    for it in ordered:
        link = escape(base + it.path)
        date = f"<pubDate>{format_datetime(it.published)}</pubDate>" if it.published and it.published.tzinfo else ""
        out.append(f"<item><title>{escape(it.title)}</title><link>{link}</link><guid>{link}</guid>{date}</item>")
    out.append("</channel></rss>\n")
    return "".join(out).encode("utf-8")


def _handler(pages: dict[str, Resource]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # see the module docstring

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            host = self.server.server_address[0]
            if self.path == "/robots.txt":
                body, headers = ROBOTS, {"Content-Type": "text/plain"}
            else:
                entry = pages.get(f"{host}{self.path}")
                if entry is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                page, packed, content_type = entry
                headers = {"Content-Type": content_type, "Vary": "Accept-Encoding",
                           "ETag": '"' + hashlib.md5(page).hexdigest() + '"',
                           "Last-Modified": "Sat, 29 Mar 2025 00:40:00 GMT"}
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body, headers["Content-Encoding"] = packed, "gzip"
                else:
                    body = page
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve(build: Callable[..., Site], args: tuple, ready: mp.Queue, stop: mp.Event) -> None:
    """The server process: build the site, listen on every host, report, serve until `stop`."""
    site = build(*args)
    hosts = sorted({key.split("/", 1)[0] for key in site.pages} | set(site.feeds or {}))
    handler = _handler(site.pages)
    servers = {h: _Server((h, 0), handler) for h in hosts}
    base = {h: f"http://{h}:{s.server_address[1]}" for h, s in servers.items()}
    feeds = []
    for h, items in (site.feeds or {}).items():
        site.pages[f"{h}{FEED_PATH}"] = resource(rss_feed(base[h], f"News from {h}", items), RSS)
        feeds.append(base[h] + FEED_PATH)
    urls, sha = [], {}
    for key in site.order:
        host, path = key.split("/", 1)
        url = f"{base[host]}/{path}"
        urls.append(url)
        sha[url] = hashlib.sha256(site.pages[key][0]).hexdigest()
    ready.put(Served(urls=urls, feeds=feeds, sha256=sha,
                     page_bytes=sum(len(site.pages[k][0]) for k in site.order),
                     gz_bytes=sum(len(site.pages[k][1]) for k in site.order), hosts=len(hosts)))
    # One accepting thread for every host (what serve_forever does for one server); each
    # connection is then handled in a thread of its own by ThreadingHTTPServer.
    with selectors.DefaultSelector() as selector:
        for s in servers.values():
            selector.register(s, selectors.EVENT_READ, s)
        while not stop.is_set():
            for key, _ in selector.select(0.2):
                key.data._handle_request_noblock()
    for s in servers.values():
        s.server_close()


class SiteServer:
    """`with SiteServer(build, args) as served:` a server process (spawned, so it shares no
    memory with this one) for as long as the block runs."""

    def __init__(self, build: Callable[..., Site], args: tuple, timeout: float = 600) -> None:
        self.ctx = mp.get_context("spawn")
        self.ready: mp.Queue = self.ctx.Queue()
        self.stop = self.ctx.Event()
        self.proc = self.ctx.Process(target=serve, args=(build, args, self.ready, self.stop), daemon=True)
        self.timeout = timeout

    def __enter__(self) -> Served:
        self.proc.start()
        try:
            return self.ready.get(timeout=self.timeout)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=10)
