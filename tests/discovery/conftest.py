"""Fixtures for discovery tests: recorded responses, a real HTTP server on 127.0.0.1 (port 0)
whose routes a test sets, a fetch policy that may reach it, and a sleep recorder.

Fixture files hold `{BASE}` where the outlet's address goes and `{GNEWS}` where Google News'
goes, so the same bytes serve the parser tests (fictional hosts) and the end-to-end tests
(the local server). Gzip fixtures are inflated, filled in and compressed again.
"""
from __future__ import annotations

import dataclasses
import gzip
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.servers import QuietServer, running

from flows.http import FetchPolicy, make_session

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OUTLET = "https://www.northernledger.example"
GNEWS = "https://news.google.com"


def fixture_bytes(name: str, base: str = OUTLET, gnews: str = GNEWS) -> bytes:
    """A fixture file with its placeholders filled in."""
    raw = (FIXTURES / name).read_bytes()
    packed = raw[:2] == b"\x1f\x8b"
    if packed:
        raw = gzip.decompress(raw)
    raw = raw.replace(b"{BASE}", base.encode()).replace(b"{GNEWS}", gnews.encode())
    return gzip.compress(raw, mtime=0) if packed else raw


Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[dict[str, list[str]]], Reply]


class DiscoveryServer:
    """The running server: its base URL, the routes it answers, what it was asked."""

    __test__ = False

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.counts: Counter[str] = Counter()
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, name: str, ctype: str, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        """Answer `path` with a fixture file (placeholders → this server)."""
        body = fixture_bytes(name, self.base, self.base)
        self.routes[path] = lambda _q: (status, {"Content-Type": ctype, **(headers or {})}, body)

    def redirect(self, path: str, location: str, code: int = 302) -> None:
        self.routes[path] = lambda _q: (code, {"Location": location, "Content-Type": "text/html"}, b"<p>moved</p>")

    def page(self, path: str, html: str = "<!doctype html><html><body><p>article</p></body></html>") -> None:
        body = html.encode()
        self.routes[path] = lambda _q: (200, {"Content-Type": "text/html; charset=utf-8"}, body)


def _handler(state: DiscoveryServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write: split writes meet the client's delayed ACK and
        # cost ~40 ms a response.
        wbufsize = -1
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            with state.lock:
                state.counts[parts.path] += 1
                state.requests.append(self.path)
                state.user_agents.append(self.headers.get("User-Agent", ""))
            route = state.routes.get(parts.path)
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
            else:
                status, headers, body = route(parse_qs(parts.query, keep_blank_values=True))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server() -> Iterator[DiscoveryServer]:
    state = DiscoveryServer()
    httpd = QuietServer(("127.0.0.1", 0), _handler(state))
    state.httpd = httpd
    with running(httpd):
        yield state


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> FetchPolicy:
    """A policy for the local server: no retries (failures are immediate), short timeouts, and
    127.0.0.1 allowed past the fetcher's protection against private addresses, by the policy
    field where flows.http has one and by the environment variable otherwise."""
    monkeypatch.setenv("NEWSPRISM_ALLOW_HOSTS", "127.0.0.1")
    extra = {}
    if "allow_hosts" in {f.name for f in dataclasses.fields(FetchPolicy)}:
        extra["allow_hosts"] = ("127.0.0.1",)
    return FetchPolicy(retries=0, connect_timeout=2.0, read_timeout=5.0, deadline=10.0, **extra)


@pytest.fixture
def session(policy: FetchPolicy):  # noqa: ANN201
    s = make_session(policy)
    s.trust_env = False  # no proxies between the tests and their local server
    yield s
    s.close()


