"""A real HTTP server on 127.0.0.1 (port 0) with one route per fetch behaviour under test.

The server counts requests per path and the bytes it managed to send, so tests assert on what
really crossed the socket (no retry on 404, streaming stopped early, ...).
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections import Counter, defaultdict
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest

from tests.servers import QuietServer as _QuietServer, running

# The test servers listen on loopback, which the address guard refuses unless allow-listed.
LOCAL = ("127.0.0.1",)

UTF8_PAGE = (
    "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Sheinbaum responde</title></head>"
    "<body><h1>Sheinbaum responde a Noem</h1><p>La presidenta habló el 1 de abril sobre los datos biométricos"
    " y la frontera sur; añadió que México no aceptó la petición.</p></body></html>"
).encode("utf-8")

# windows-1252 bytes with no charset anywhere in the headers: curly quotes (0x93/0x94), an
# e-acute (0xE9) and an en dash (0x96), none valid UTF-8 on their own.
CP1252_PAGE = (
    "<html><head><title>Noem visit</title></head><body><p>\u201cWe expect more,\u201d said the "
    "secretary \u2013 a caf\u00e9 meeting it was not.</p></body></html>"
).encode("cp1252")

RSS_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Test Ledger &#8211; World</title>
  <link>/</link>
  <language>en</language>
  <atom:link href="/feed.rss" rel="self" type="application/rss+xml"/>
  <item>
    <title>Noem meets Sheinbaum</title>
    <link>/world/2025/03/28/noem-sheinbaum</link>
    <pubDate>Fri, 28 Mar 2025 18:10:00 -0600</pubDate>
  </item>
  <item>
    <title>Tariffs arrive</title>
    <link>https://other.example/world/tariffs</link>
    <dc:date>2025-04-02T20:00:00Z</dc:date>
  </item>
</channel>
</rss>
"""


class TestServer:
    """Handle on the running server: base URL, request counts, timings, bytes sent."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.sent: Counter[str] = Counter()
        self.headers: dict[str, dict[str, str]] = {}  # the last request's headers, per path
        self.robots: str | None = None  # robots.txt body; None → 404
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.busy_now = 0  # /busy/ requests being served right now
        self.busy_peak = 0

    @property
    def port(self) -> int:
        assert self.httpd is not None
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path


def _gzip0(data: bytes) -> bytes:
    # mtime 0 keeps the bytes identical between runs
    return gzip.compress(data, mtime=0)


_BOMB = None


def _bomb() -> bytes:
    """~50 KB of gzip that inflates to 64 MiB of zeros."""
    global _BOMB
    if _BOMB is None:
        comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        block = b"\0" * (1 << 20)
        _BOMB = b"".join(comp.compress(block) for _ in range(64)) + comp.flush()
    return _BOMB


def _make_handler(state: TestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        # helpers ---------------------------------------------------------------------
        def send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None, ctype: str | None = "text/html; charset=utf-8") -> None:
            self.send_response(code)
            if ctype:
                self.send_header("Content-Type", ctype)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            state.sent[self.path] += len(body)

        def redirect(self, code: int, location: str) -> None:
            self.send(code, b"<p>moved</p>", {"Location": location})

        def chunked(self, chunks: Iterator[bytes], headers: dict[str, str] | None = None, ctype: str = "text/html") -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                for c in chunks:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                    state.sent[self.path] += len(c)
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        # dispatch --------------------------------------------------------------------
        def do_GET(self) -> None:  # noqa: N802
            path = self.path
            with state.lock:
                state.counts[path] += 1
                state.times[path].append(time.monotonic())
                state.headers[path] = dict(self.headers.items())
                n = state.counts[path]
            route = ROUTES.get(path)
            if route is None:
                for prefix, r in PREFIX_ROUTES:
                    if path.startswith(prefix):
                        route = r
                        break
            if route is None:
                self.send(404, b"<h1>not found</h1>")
                return
            route(self, n)

    def ok(h: Handler, n: int) -> None:
        h.send(200, UTF8_PAGE, {"ETag": '"ok-1"', "Last-Modified": "Fri, 28 Mar 2025 18:10:00 GMT"})

    def cp1252(h: Handler, n: int) -> None:
        h.send(200, CP1252_PAGE, ctype="text/html")

    def no_type(h: Handler, n: int) -> None:
        h.send(200, UTF8_PAGE, ctype=None)

    def robots(h: Handler, n: int) -> None:
        if state.robots is None:
            h.send(404, b"no robots here", ctype="text/plain")
        else:
            h.send(200, state.robots.encode(), ctype="text/plain")

    def rate_limited(h: Handler, n: int) -> None:
        if n == 1:
            h.send(429, b"slow down", {"Retry-After": "1"}, ctype="text/plain")
        else:
            ok(h, n)

    def rate_limited_date(h: Handler, n: int) -> None:
        if n == 1:
            when = datetime.now(timezone.utc) + timedelta(seconds=3)
            h.send(429, b"slow down", {"Retry-After": format_datetime(when, usegmt=True)}, ctype="text/plain")
        else:
            ok(h, n)

    def slow(h: Handler, n: int) -> None:
        time.sleep(1.5)
        try:
            ok(h, n)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def drip(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "400")
        h.end_headers()
        try:
            for _ in range(400):
                h.wfile.write(b"x")
                h.wfile.flush()
                state.sent[h.path] += 1
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True

    def huge(h: Handler, n: int) -> None:
        block = b"<p>" + b"a" * (64 * 1024 - 7) + b"</p>\n"
        h.chunked(block for _ in range(60 * 16))  # 60 MiB

    def huge_declared(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(60 * 1024 * 1024))
        h.end_headers()
        try:
            for _ in range(60 * 16):
                h.wfile.write(b"a" * 65536)
                state.sent[h.path] += 65536
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def bomb(h: Handler, n: int) -> None:
        try:
            h.send(200, _bomb(), {"Content-Encoding": "gzip"})
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def gzip_page(h: Handler, n: int) -> None:
        h.send(200, _gzip0(UTF8_PAGE), {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})

    def deflate_raw(h: Handler, n: int) -> None:
        comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        h.send(200, comp.compress(UTF8_PAGE) + comp.flush(), {"Content-Encoding": "deflate"})

    def bad_gzip(h: Handler, n: int) -> None:
        h.send(200, b"\x1f\x8b\x08\x00garbage-not-gzip" * 4, {"Content-Encoding": "gzip"})

    def chunked_page(h: Handler, n: int) -> None:
        h.chunked(iter([UTF8_PAGE[:50], UTF8_PAGE[50:]]), ctype="text/html; charset=utf-8")

    def close_early(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"<html>only part")
        h.wfile.flush()
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def etag(h: Handler, n: int) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            h.send(304, b"", {"ETag": '"v1"'}, ctype=None)
        else:
            h.send(200, UTF8_PAGE, {"ETag": '"v1"', "Last-Modified": "Sat, 29 Mar 2025 00:40:00 GMT"})

    def modified(h: Handler, n: int) -> None:
        # Answers If-Modified-Since only, and its 304 repeats no validator (servers may omit them).
        since = h.headers.get("If-Modified-Since")
        if since and since == "Sat, 29 Mar 2025 00:40:00 GMT":
            h.send(304, b"", ctype=None)
        else:
            h.send(200, UTF8_PAGE, {"Last-Modified": "Sat, 29 Mar 2025 00:40:00 GMT"})

    def reset(h: Handler, n: int) -> None:
        # Part of the body, then a TCP reset (SO_LINGER 0) rather than an orderly close.
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "5000")
        h.end_headers()
        h.wfile.write(b"<html><body><p>cut")
        h.wfile.flush()
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def busy(h: Handler, n: int) -> None:
        # A slow host that counts how many of its requests overlap.
        with state.lock:
            state.busy_now += 1
            state.busy_peak = max(state.busy_peak, state.busy_now)
        time.sleep(0.25)
        # Leave the count before answering, so a client that has its answer (and starts its
        # next request) is never counted twice.
        with state.lock:
            state.busy_now -= 1
        ok(h, n)

    def feed_as_html(h: Handler, n: int) -> None:
        h.send(200, RSS_FEED, ctype="text/html")

    def echo_headers(h: Handler, n: int) -> None:
        body = "\n".join(f"{k}: {v}" for k, v in h.headers.items()).encode()
        h.send(200, b"<html><pre>" + body + b"</pre></html>")

    ROUTES: dict[str, Callable[[Handler, int], None]] = {
        "/ok": ok,
        "/ok2": ok,
        "/ok3": ok,
        "/cp1252": cp1252,
        "/no-type": no_type,
        "/robots.txt": robots,
        "/redirect/1": lambda h, n: h.redirect(302, "/redirect/2"),
        "/redirect/2": lambda h, n: h.redirect(301, state.url("/redirect/3")),
        "/redirect/3": lambda h, n: h.redirect(307, "../ok"),
        "/loop/a": lambda h, n: h.redirect(302, "/loop/b"),
        "/loop/b": lambda h, n: h.redirect(302, "/loop/a"),
        "/to-ftp": lambda h, n: h.redirect(302, "ftp://files.example/report.pdf"),
        "/missing": lambda h, n: h.send(404, b"<h1>gone</h1>"),
        "/gone": lambda h, n: h.send(410, b"<h1>removed</h1>"),
        "/bad-request": lambda h, n: h.send(400, b"<h1>bad request</h1>"),
        "/forbidden": lambda h, n: h.send(403, b"<h1>subscribe to read</h1>"),
        "/unauthorized": lambda h, n: h.send(401, b"<h1>log in</h1>", {"WWW-Authenticate": 'Basic realm="archive"'}),
        "/always-429": lambda h, n: h.send(429, b"slow down", ctype="text/plain"),
        "/error-500": lambda h, n: h.send(500, b"<h1>oops</h1>"),
        "/modified": modified,
        "/reset": reset,
        "/to-metadata": lambda h, n: h.redirect(302, "http://169.254.169.254/latest/meta-data/"),
        "/to-private": lambda h, n: h.redirect(301, "http://10.0.0.5/admin"),
        "/to-ipv6-loopback": lambda h, n: h.redirect(302, f"http://[::1]:{state.port}/ok"),
        "/to-localhost": lambda h, n: h.redirect(302, f"http://localhost:{state.port}/ok"),
        "/rate-limited": rate_limited,
        "/rate-limited-date": rate_limited_date,
        "/rate-limited-long": lambda h, n: h.send(429, b"", {"Retry-After": "3600"}, ctype="text/plain"),
        "/unavailable": lambda h, n: h.send(503, b"<h1>try later</h1>"),
        "/slow": slow,
        "/drip": drip,
        "/huge": huge,
        "/huge-declared": huge_declared,
        "/bomb": bomb,
        "/gzip-page": gzip_page,
        "/deflate-raw": deflate_raw,
        "/bad-gzip": bad_gzip,
        "/chunked-page": chunked_page,
        "/close-early": close_early,
        "/etag": etag,
        "/pdf": lambda h, n: h.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", ctype="application/pdf"),
        "/feed.rss": lambda h, n: h.send(200, RSS_FEED, ctype="application/rss+xml; charset=utf-8"),
        "/feed-as-html": feed_as_html,
        "/echo-headers": echo_headers,
    }
    PREFIX_ROUTES: list[tuple[str, Callable[[Handler, int], None]]] = [
        ("/hops/", lambda h, n: h.redirect(302, f"/hops/{int(h.path.rsplit('/', 1)[1]) + 1}")),
        ("/private/", ok),
        ("/page/", ok),
        ("/busy/", busy),
    ]
    return Handler


class _QuietServer6(_QuietServer):
    address_family = socket.AF_INET6


def _serve(server_cls: type[ThreadingHTTPServer], host: str) -> Iterator[TestServer]:
    state = TestServer()
    httpd = server_cls((host, 0), _make_handler(state))
    state.httpd = httpd
    with running(httpd):
        yield state


@pytest.fixture
def server() -> Iterator[TestServer]:
    """A fresh server per test, so request counts belong to that test alone."""
    yield from _serve(_QuietServer, "127.0.0.1")


@pytest.fixture
def server6() -> Iterator[TestServer]:
    """The same server on the IPv6 loopback [::1] (skipped where IPv6 is unavailable)."""
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback on this machine: {exc}")
    yield from _serve(_QuietServer6, "::1")


