"""What `newsprism ingest SOURCE...` was given, turned into work.

A SOURCE is, checked in this order:
1. an http(s) URL: fetched once; a feed gives its items, a page is itself a discovery and its
   fetch result is kept so the page is not fetched twice;
2. a file:// URL or a local path:
   - a directory: every *.html / *.htm below it (hidden folders skipped) is a saved page;
   - a WARC file (.warc, .warc.gz, or WARC bytes): every HTML response record is a page;
   - a feed file (.xml, .rss, .atom, .rdf, or bytes that sniff as a feed): its items;
   - an HTML file: one saved page;
   - any other text file: a list of URLs, one per line.
Problems with one source never stop the others: they are collected in `SourcePlan.errors`.
"""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

from flows.archive import WarcWriter, iter_responses
from flows.http import FetchPolicy, looks_like_html, fetch, file_uri_to_path
from parsers.feeds import FeedError, UrlListError, looks_like_feed, parse_feed, parse_url_list
from parsers.records import Discovery, FetchResult

__all__ = ["SourcePlan", "resolve_sources"]

_PAGE_SUFFIXES = (".html", ".htm")
_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
_WARC_SUFFIXES = (".warc", ".warc.gz")
_URL_LIST_SUFFIXES = (".txt", ".urls", ".list")
_SNIFF = 64 * 1024


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """Discoveries to fetch, pages already in hand, and what went wrong, per resolve_sources.

    `fetched` holds one FetchResult per page whose outcome is already known: pages fetched to
    see what a URL was (failures included, so they are recorded and not retried in the same
    run), saved files (via="file") and WARC records (via="warc"; `body` is None there because
    the bytes stay in the WARC at `warc_offset`: flows.bodies.body_of reads them back, and a
    Common Crawl file would not fit in memory). `feed_fetches` are the HTTP fetches of feed
    URLs given directly; `warnings` are notes that need no action (skipped feed items, ...).
    """

    discoveries: list[Discovery]
    fetched: list[FetchResult]
    errors: list[str]
    feed_fetches: list[FetchResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Acc:
    discoveries: list[Discovery] = field(default_factory=list)
    fetched: list[FetchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    feed_fetches: list[FetchResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def resolve_sources(
    args: list[str],
    *,
    session: requests.Session,
    policy: FetchPolicy,
    archive: WarcWriter | None = None,
    now: datetime | None = None,
) -> SourcePlan:
    """Expand each SOURCE (see the module docstring) into discoveries and known fetch results.

    `now` is the discovery time recorded on every Discovery (default: the current UTC time).
    URLs given directly are fetched with `session` under `policy`, and archived when an
    `archive` is given.
    """
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()
    acc = _Acc()
    for arg in args:
        arg = arg.strip()
        if not arg:
            continue
        low = arg.lower()
        if low.startswith(("http://", "https://")):
            _from_url(arg, session, policy, archive, when, acc)
            continue
        if low.startswith("file://"):
            try:
                path = file_uri_to_path(arg)
            except ValueError as exc:
                acc.errors.append(f"{arg}: {exc}")
                continue
        elif "://" in arg:
            acc.errors.append(f"{arg}: only http(s):// and file:// URLs can be ingested")
            continue
        else:
            path = Path(arg).expanduser()
        if not path.exists():
            acc.errors.append(f"{arg}: no such file or directory (and not an http(s) URL)")
            continue
        try:
            _from_path(arg, path, session, policy, when, acc)
        except OSError as exc:
            acc.errors.append(f"{arg}: cannot read: {exc.strerror or exc}")
    return SourcePlan(acc.discoveries, acc.fetched, acc.errors, acc.feed_fetches, acc.warnings)


# --------------------------------------------------------------------------------------------
# URLs


def _from_url(url: str, session: requests.Session, policy: FetchPolicy, archive: WarcWriter | None, when: str, acc: _Acc) -> None:
    res = fetch(session, url, policy, kind="any", archive=archive)
    if res.ok and res.body is not None and looks_like_feed(res.body, res.content_type):
        acc.feed_fetches.append(res)
        _add_feed(url, res.body, res.final_url, when, acc)
        return
    acc.discoveries.append(Discovery(url=url, source=url, source_kind="cli", discovered_at=when))
    acc.fetched.append(res)
    if not res.ok:
        acc.errors.append(f"{url}: {res.status}: {res.error or ''}".rstrip(": "))


def _add_feed(source: str, data: bytes, feed_url: str, when: str, acc: _Acc) -> list[Discovery]:
    try:
        feed = parse_feed(data, feed_url, discovered_at=when)
    except FeedError as exc:
        acc.errors.append(f"{source}: {exc}")
        return []
    items = [dataclasses.replace(d, source=source) if d.source != source else d for d in feed.items]
    acc.discoveries.extend(items)
    acc.warnings.extend(f"{source}: {w}" for w in feed.warnings)
    if not items:
        acc.warnings.append(f"{source}: the feed lists no items")
    return items


# --------------------------------------------------------------------------------------------
# Local paths


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as gz:
                return gz.read(16)
        except (OSError, EOFError):
            return head
    return head


def _kind_of(path: Path) -> str:
    """dir | warc | feed | page | urls, by name first, else by the first bytes."""
    if path.is_dir():
        return "dir"
    name = path.name.lower()
    if name.endswith(_WARC_SUFFIXES):
        return "warc"
    if name.endswith(_FEED_SUFFIXES):
        return "feed"
    if name.endswith(_PAGE_SUFFIXES):
        return "page"
    if name.endswith(_URL_LIST_SUFFIXES):
        return "urls"
    head = _head(path)
    if head.startswith(b"WARC/"):
        return "warc"
    if looks_like_feed(head, None):
        return "feed"
    if looks_like_html(head):
        return "page"
    return "urls"


def _from_path(arg: str, path: Path, session: requests.Session, policy: FetchPolicy, when: str, acc: _Acc) -> None:
    kind = _kind_of(path)
    if kind == "dir":
        _from_dir(arg, path, session, policy, when, acc)
    elif kind == "warc":
        _from_warc(arg, path, policy, when, acc)
    elif kind == "feed":
        items = _add_feed(arg, path.read_bytes(), path.resolve().as_uri(), when, acc)
        _check_local_links(arg, items, acc)
    elif kind == "page":
        _add_file_page(arg, path, session, policy, when, "cli", acc)
    else:
        _from_url_list(arg, path, when, acc)


def _add_file_page(arg: str, path: Path, session: requests.Session, policy: FetchPolicy, when: str, source_kind: str, acc: _Acc) -> None:
    uri = path.resolve().as_uri()
    res = fetch(session, uri, policy, kind="page")
    acc.discoveries.append(Discovery(url=uri, source=arg, source_kind=source_kind, discovered_at=when, local_path=str(path.resolve())))
    acc.fetched.append(res)
    if not res.ok:
        acc.errors.append(f"{path}: {res.status}: {res.error or ''}".rstrip(": "))


def _from_dir(arg: str, root: Path, session: requests.Session, policy: FetchPolicy, when: str, acc: _Acc) -> None:
    pages: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        pages += [Path(dirpath) / f for f in sorted(filenames) if f.lower().endswith(_PAGE_SUFFIXES) and not f.startswith(".")]
    if not pages:
        acc.errors.append(f"{arg}: no .html or .htm files in this directory")
        return
    for page in pages:
        _add_file_page(arg, page, session, policy, when, "dir", acc)


def _from_url_list(arg: str, path: Path, when: str, acc: _Acc) -> None:
    data = path.read_bytes()
    if b"\x00" in data[:_SNIFF]:
        acc.errors.append(f"{arg}: binary file, not a URL list, feed, page or WARC")
        return
    text = data.decode("utf-8", errors="replace")
    try:
        found = parse_url_list(text, arg, discovered_at=when)
    except UrlListError as exc:
        acc.errors.append(str(exc))
        found = exc.discoveries
    acc.discoveries.extend(found)
    if not found:
        acc.warnings.append(f"{arg}: no URLs in this list")


def _check_local_links(arg: str, items: list[Discovery], acc: _Acc) -> None:
    """A local feed whose file:// links point nowhere was usually not prepared for this folder
    (e.g. a {BASE} placeholder left in); say so once instead of failing item by item."""
    missing = []
    for d in items:
        if d.url.startswith("file:"):
            try:
                if not file_uri_to_path(d.url).exists():
                    missing.append(d.url)
            except ValueError:
                missing.append(d.url)
    if missing:
        hint = " (the feed still holds a {BASE} placeholder)" if any("BASE" in m for m in missing) else ""
        acc.errors.append(f"{arg}: {len(missing)} of {len(items)} items link to local files that do not exist{hint}; first: {missing[0]}")


def _warc_status(status: int, body: bytes | None, truncated: str | None) -> tuple[str, str | None]:
    if body is None:
        return "too_large", "record body exceeds the size cap"
    if truncated:
        status_for = {"length": "too_large", "time": "timeout", "disconnect": "connection_error"}
        return status_for.get(truncated, "connection_error"), f"the archived payload was truncated (WARC-Truncated: {truncated})"
    if 200 <= status < 300:
        return "ok", None
    return "http_error", f"HTTP {status} (as archived)"


def _from_warc(arg: str, path: Path, policy: FetchPolicy, when: str, acc: _Acc) -> None:
    started = time.monotonic()
    seen: set[str] = set()
    count = 0
    try:
        for r in iter_responses(path, max_bytes=policy.max_bytes):
            if 300 <= r.status < 400:
                continue  # redirects: the target, when archived, is its own record
            mime = (r.content_type or "").split(";", 1)[0].strip().lower()
            if mime not in policy.page_types and not (not mime and r.body is not None and looks_like_html(r.body)):
                continue
            count += 1
            status, error = _warc_status(r.status, r.body, r.truncated)
            body = r.body
            acc.fetched.append(
                FetchResult(
                    url=r.url,
                    final_url=r.url,
                    status=status,
                    fetched_at=r.captured_at,
                    http_status=r.status,
                    content_type=r.content_type,
                    body=None,
                    sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
                    size=len(body) if body is not None else None,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                    error=error,
                    warc_file=str(path),
                    warc_offset=r.offset,
                    warc_record_id=r.record_id,
                    etag=r.header("ETag"),
                    last_modified=r.header("Last-Modified"),
                    via="warc",
                )
            )
            if r.url not in seen:
                seen.add(r.url)
                acc.discoveries.append(Discovery(url=r.url, source=arg, source_kind="warc", discovered_at=when, local_path=str(path.resolve())))
    except ValueError as exc:
        acc.errors.append(f"{arg}: {exc}")
        return
    if not count:
        acc.warnings.append(f"{arg}: no HTML response records in this WARC")
