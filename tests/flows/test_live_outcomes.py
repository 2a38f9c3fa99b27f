"""A live run (real HTTP against a server started here) meets every kind of failure, finishes,
loads every good page, records every outcome, and a second run adds no duplicates."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.servers import QuietServer, running
from warehouse.db import session

pytestmark = pytest.mark.flow

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}",
"datePublished": "2025-03-29T10:00:00-06:00"{paid}}}</script></head><body><article><h1>{title}</h1>
{paragraphs}</article></body></html>"""

ON_TOPIC = [
    "Homeland Security Secretary Kristi Noem met President Claudia Sheinbaum at the National Palace.",
    "The meeting ran for nearly two hours and covered migration, fentanyl and the southern border.",
    "Sheinbaum later said no agreement was signed to share biometric data with the United States.",
    "Officials from both governments described the talks as frank and said work would continue.",
]


def article(title: str, paid: bool = False, paragraphs: list[str] = ON_TOPIC) -> bytes:
    return ARTICLE.format(title=title, paid=', "isAccessibleForFree": "False"' if paid else "",
                          paragraphs="".join(f"<p>{p}</p>" for p in paragraphs)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    edited_hits = 0
    published = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(timespec="seconds")

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send(self, code: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/news/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                return self.send(304, ETag='"v1"')
            return self.send(200, article("Noem and Sheinbaum meet"), ETag='"v1"')
        if path == "/news/dated":
            stamp = "Sat, 29 Mar 2025 18:00:00 GMT"
            if self.headers.get("If-Modified-Since") == stamp:
                return self.send(304)
            return self.send(200, article("Sheinbaum answers Noem"), Last_Modified=stamp)
        if path == "/news/paywalled":
            return self.send(200, article("Noem in Mexico", paid=True, paragraphs=ON_TOPIC[:1]))
        codes = {"/news/missing": 404, "/news/gone": 410, "/news/forbidden": 403, "/news/error": 500}
        if path in codes:
            return self.send(codes[path], b"<html><body>no</body></html>")
        if path == "/news/limited":
            return self.send(429, b"slow down", "text/plain", Retry_After="3600")
        if path == "/news/slow":
            time.sleep(2.0)
            return self.send(200, article("Too slow"))
        if path == "/news/huge":
            return self.send(200, b"<html><body><p>" + b"x" * 300_000 + b"</p></body></html>")
        if path == "/news/pdf":
            return self.send(200, b"%PDF-1.4 fake", "application/pdf")
        if path == "/news/loop":
            return self.send(302, b"", Location="/news/loop")
        if path == "/news/edited":
            # published an hour ago; corrected after the first request
            Handler.edited_hits += 1
            fixed = Handler.edited_hits > 1
            body = ON_TOPIC[:3] + (["Correction: an earlier version misstated the length of the meeting."] if fixed else [])
            page = article("Noem meets Sheinbaum, updated", paragraphs=body).replace(
                b"2025-03-29T10:00:00-06:00", Handler.published.encode())
            return self.send(200, page)
        if path == "/private/page":
            return self.send(200, article("Should not be fetched"))
        return self.send(404)


@pytest.fixture(scope="module")
def site():
    with running(QuietServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


EXPECTED = {
    "/news/etag": "ok", "/news/dated": "ok", "/news/paywalled": "paywalled", "/news/missing": "not_found",
    "/news/gone": "gone", "/news/forbidden": "blocked", "/private/page": "blocked", "/news/error": "server_error",
    "/news/limited": "rate_limited", "/news/slow": "timeout", "/news/huge": "too_large", "/news/pdf": "not_html",
    "/news/loop": "redirect_loop",
}


def test_a_live_run_meets_every_outcome_and_reruns_cleanly(prefect_harness, site, closed_port, tmp_path):
    from flows.pipeline import run_flow

    dead = f"http://127.0.0.1:{closed_port}/news/x"
    urls = [site + p for p in EXPECTED] + [dead]
    config = tmp_path / "newsprism.toml"
    config.write_text(
        "[fetch]\nread_timeout = 0.5\ndeadline = 5\nmax_bytes = 100_000\nretries = 0\nper_host_interval = 0\n"
        'allow_hosts = ["127.0.0.1"]\narchive_dir = "archive"\n\n'
        '[[topic]]\nid = "live"\nterms = ["Noem", "Sheinbaum"]\nmin_matches = 2\n'
        f"urls = {urls!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    db = str(tmp_path / "live.duckdb")

    first = run_flow(topic="live", config=str(config), db=db, with_report=False)
    assert first.fetched_ok == 3  # two articles and the paywall teaser page answered 200
    with session(db, read_only=True) as con:
        outcomes = dict(con.execute("select url, outcome from fetches").fetchall())
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("discoveries", "articles", "article_versions", "topic_articles")}
        relevant = con.execute("select count(*) from topic_articles where relevant").fetchone()[0]
        why = con.execute("select unreadable_outcomes from int_topic_outlets").fetchone()[0]
    assert {p: outcomes[site + p] for p in EXPECTED} == EXPECTED
    assert outcomes[dead] == "network_error"
    assert relevant == 2  # every good page loaded; the teaser is kept but not compared
    assert set(why) >= {"not_found", "gone", "blocked", "paywalled", "timeout", "redirect_loop"}
    assert list(Path(tmp_path / "archive").rglob("*.warc.gz")), "live responses are archived"

    second = run_flow(topic="live", config=str(config), db=db, with_report=False)
    assert second.unchanged == 2  # conditional requests: ETag and Last-Modified both answered 304
    with session(db, read_only=True) as con:
        again = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in counts}
        latest = dict(con.execute("select url, outcome from stg_fetches").fetchall())
    assert again == counts
    assert latest[site + "/news/etag"] == "not_modified" and latest[site + "/news/dated"] == "not_modified"


def test_recheck_turns_a_later_edit_into_a_new_version(prefect_harness, site, tmp_path):
    from flows.pipeline import recheck_flow, run_flow

    config = tmp_path / "newsprism.toml"
    config.write_text(
        '[fetch]\nretries = 0\nper_host_interval = 0\nallow_hosts = ["127.0.0.1"]\narchive_dir = "archive"\n\n'
        f'[[topic]]\nid = "edits"\nterms = ["Noem", "Sheinbaum"]\nurls = ["{site}/news/edited"]\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "edits.duckdb")
    run_flow(topic="edits", config=str(config), db=db, with_report=False)
    # nothing is due right away; an hour and a half later the hour-old article is
    assert recheck_flow(config=str(config), db=db) == {}
    later = (datetime.now(timezone.utc) + timedelta(minutes=90)).isoformat()
    assert recheck_flow(config=str(config), db=db, now=later) == {"edits": 1}
    with session(db, read_only=True) as con:
        assert con.execute("select count(*) from article_versions").fetchone() == (2,)
        assert con.execute("select count(*) from discoveries").fetchone() == (1,)  # a recheck is not a discovery
        edits = con.execute("select change, sentence_text from cmp_article_edits").fetchall()
    assert ("added", "Correction: an earlier version misstated the length of the meeting.") in edits
