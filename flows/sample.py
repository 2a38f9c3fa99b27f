"""Build the sample edition's WARC archive from sample/edition.toml and its page files.

The archive looks like one a crawler would have written: one response record per capture, with
the page bytes unchanged and HTTP headers a real server would send, plus each outlet's feed as it
stood at every `feed_captures` time (RSS 2.0, or Atom 1.0 where `feed_format = "atom"`),
generated here from the captures' `feed_title` / `feed_published`.

The build is deterministic: record ids are uuid5 of URL and time, WARC-Date is the capture time,
gzip members carry no timestamp, so the same inputs give the same bytes.

Optional keys beyond the documented format: `[[capture]] location` (a redirect's target; `file`
may then be omitted), `last_modified` and `etag` (override the derived headers).
"""
from __future__ import annotations

import hashlib
import http
import os
import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from flows.archive import WarcWriter
from flows.http import FetchPolicy

__all__ = ["SampleEditionError", "build_sample_warc", "load_edition"]

ARCHIVE_NAME = "edition.warc.gz"


class SampleEditionError(ValueError):
    """edition.toml is incomplete or inconsistent; the message names the entry."""


@dataclass(frozen=True, slots=True)
class Outlet:
    id: str
    name: str
    language: str | None
    home: str | None
    feed: str | None
    feed_format: str


@dataclass(frozen=True, slots=True)
class Capture:
    outlet: str
    url: str
    file: Path | None
    captured: datetime
    status: int
    content_type: str | None
    feed_title: str | None
    feed_published: datetime | None
    location: str | None
    last_modified: datetime | None
    etag: str | None


@dataclass(frozen=True, slots=True)
class Edition:
    title: str
    feed_captures: tuple[datetime, ...]
    outlets: tuple[Outlet, ...]
    captures: tuple[Capture, ...]
    source: Path


def _time(value: object, where: str, *, utc: bool = True) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SampleEditionError(f"{where}: {value!r} is not an ISO 8601 time") from None
    else:
        raise SampleEditionError(f"{where}: expected an ISO 8601 time, got {value!r}")
    if dt.tzinfo is None:
        raise SampleEditionError(f"{where}: {value!r} has no UTC offset")
    return dt.astimezone(timezone.utc) if utc else dt


def load_edition(sample_dir: Path) -> Edition:
    """Read and check edition.toml; raises SampleEditionError naming the faulty entry."""
    path = Path(sample_dir) / "edition.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleEditionError(f"{path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SampleEditionError(f"{path}: not valid TOML: {exc}") from None
    ed = data.get("edition", {})
    outlets = []
    for i, o in enumerate(data.get("outlet", [])):
        where = f"{path.name} [[outlet]] #{i + 1}"
        for key in ("id", "name"):
            if key not in o:
                raise SampleEditionError(f"{where}: missing {key!r}")
        fmt = o.get("feed_format", "rss")
        if fmt not in ("rss", "atom"):
            raise SampleEditionError(f"{where} ({o['id']}): feed_format must be 'rss' or 'atom', not {fmt!r}")
        outlets.append(Outlet(o["id"], o["name"], o.get("language"), o.get("home"), o.get("feed"), fmt))
    known = {o.id for o in outlets}
    if len(known) != len(outlets):
        raise SampleEditionError(f"{path.name}: two outlets share an id")
    captures = []
    seen: set[tuple[str, datetime]] = set()
    for i, c in enumerate(data.get("capture", [])):
        where = f"{path.name} [[capture]] #{i + 1} ({c.get('url', '?')})"
        for key in ("outlet", "url", "captured", "status"):
            if key not in c:
                raise SampleEditionError(f"{where}: missing {key!r}")
        if c["outlet"] not in known:
            raise SampleEditionError(f"{where}: unknown outlet {c['outlet']!r}")
        status = int(c["status"])
        location = c.get("location")
        if "file" not in c and not (300 <= status < 400 and location):
            raise SampleEditionError(f"{where}: missing 'file' (only a redirect with 'location' may omit it)")
        file = Path(sample_dir) / c["file"] if "file" in c else None
        if file is not None and not file.is_file():
            raise SampleEditionError(f"{where}: page file {file} does not exist")
        captured = _time(c["captured"], f"{where} captured")
        if (c["url"], captured) in seen:
            raise SampleEditionError(f"{where}: the same URL is captured twice at {captured.isoformat()}")
        seen.add((c["url"], captured))
        published = _time(c["feed_published"], f"{where} feed_published", utc=False) if "feed_published" in c else None
        if published is not None and not c.get("feed_title"):
            raise SampleEditionError(f"{where}: feed_published without feed_title")
        captures.append(
            Capture(
                outlet=c["outlet"],
                url=c["url"],
                file=file,
                captured=captured,
                status=status,
                content_type=c.get("content_type"),
                feed_title=c.get("feed_title"),
                feed_published=published,
                location=location,
                last_modified=_time(c["last_modified"], f"{where} last_modified") if "last_modified" in c else None,
                etag=c.get("etag"),
            )
        )
    feed_captures = tuple(_time(t, f"{path.name} [edition] feed_captures") for t in ed.get("feed_captures", []))
    return Edition(ed.get("title", "newsprism sample edition"), feed_captures, tuple(outlets), tuple(captures), path)


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc), usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(parts))}>"


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _feed_items(edition: Edition, outlet: Outlet, at: datetime) -> list[Capture]:
    """The outlet's items a feed captured at `at` lists, newest first, one per URL.

    An item appears once its feed_published has passed; its title comes from the latest capture
    taken by then (a CMS feed shows the current headline), else from its first capture.
    """
    by_url: dict[str, list[Capture]] = {}
    for c in edition.captures:
        if c.outlet == outlet.id and c.feed_title and c.feed_published is not None and c.feed_published <= at:
            by_url.setdefault(c.url, []).append(c)
    items = []
    for caps in by_url.values():
        caps.sort(key=lambda c: c.captured)
        seen = [c for c in caps if c.captured <= at]
        items.append(seen[-1] if seen else caps[0])
    items.sort(key=lambda c: (c.feed_published, c.url), reverse=True)  # type: ignore[arg-type, return-value]
    return items


def _rss(outlet: Outlet, at: datetime, items: list[Capture]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"\t<title>{escape(outlet.name)}</title>",
        f"\t<atom:link href={quoteattr(outlet.feed or '')} rel=\"self\" type=\"application/rss+xml\" />",
        f"\t<link>{escape(outlet.home or '')}</link>",
        f"\t<description>{escape(outlet.name)}: latest stories</description>",
        f"\t<lastBuildDate>{format_datetime(at)}</lastBuildDate>",
    ]
    if outlet.language:
        lines.append(f"\t<language>{escape(outlet.language)}</language>")
    lines.append("\t<ttl>15</ttl>")
    for c in items:
        assert c.feed_title is not None and c.feed_published is not None
        lines += [
            "\t<item>",
            f"\t\t<title>{escape(c.feed_title)}</title>",
            f"\t\t<link>{escape(c.url)}</link>",
            f"\t\t<guid isPermaLink=\"true\">{escape(c.url)}</guid>",
            f"\t\t<pubDate>{format_datetime(c.feed_published)}</pubDate>",
            "\t</item>",
        ]
    lines += ["</channel>", "</rss>", ""]
    return "\n".join(lines).encode("utf-8")


def _atom(outlet: Outlet, at: datetime, items: list[Capture]) -> bytes:
    updated = max((c.feed_published for c in items if c.feed_published), default=at)
    lang = f" xml:lang={quoteattr(outlet.language)}" if outlet.language else ""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}>',
        f"  <title>{escape(outlet.name)}</title>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(outlet.home or '')}/>",
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(outlet.feed or '')}/>",
        f"  <id>{escape(outlet.feed or '')}</id>",
        f"  <updated>{updated.isoformat()}</updated>",
        f"  <author><name>{escape(outlet.name)}</name></author>",
    ]
    for c in items:
        assert c.feed_title is not None and c.feed_published is not None
        lines += [
            "  <entry>",
            f"    <title type=\"text\">{escape(c.feed_title)}</title>",
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(c.url)}/>",
            f"    <id>{escape(c.url)}</id>",
            f"    <published>{c.feed_published.isoformat()}</published>",
            f"    <updated>{c.feed_published.isoformat()}</updated>",
            "  </entry>",
        ]
    lines += ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


def _inputs(edition: Edition) -> list[Path]:
    files = [edition.source, Path(__file__)]
    files += [c.file for c in edition.captures if c.file is not None]
    return files


def _up_to_date(out: Path, inputs: list[Path]) -> bool:
    try:
        built = out.stat().st_mtime
    except FileNotFoundError:
        return False
    return all(p.stat().st_mtime < built for p in inputs)


def build_sample_warc(sample_dir: Path, out: Path) -> Path:
    """Write the sample edition's WARC to `out` (unless it is newer than every input); return it.

    One response record per [[capture]] (status, Content-Type exactly as given, Date = capture
    time, Last-Modified = the item's feed date for a first version, else the capture time,
    ETag from the bytes; body = the page file unchanged), and one per outlet feed per
    `feed_captures` time. Records are in time order. Raises SampleEditionError for a bad
    edition.toml.
    """
    sample_dir, out = Path(sample_dir), Path(out)
    edition = load_edition(sample_dir)
    if _up_to_date(out, _inputs(edition)):
        return out

    policy = FetchPolicy()
    page_request = [("User-Agent", policy.user_agent), ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"), ("Accept-Encoding", "gzip, deflate")]
    feed_request = [("User-Agent", policy.user_agent), ("Accept", "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,text/xml;q=0.8,*/*;q=0.5"), ("Accept-Encoding", "gzip, deflate")]
    records: list[tuple[datetime, str, dict]] = []
    first_capture: dict[str, datetime] = {}
    for c in sorted(edition.captures, key=lambda c: c.captured):
        first_capture.setdefault(c.url, c.captured)
    for c in edition.captures:
        body = c.file.read_bytes() if c.file is not None else b""
        headers: list[tuple[str, str]] = [("Date", _http_date(c.captured))]
        if c.content_type is not None:
            headers.append(("Content-Type", c.content_type))
        headers.append(("Content-Length", str(len(body))))
        if c.location:
            headers.append(("Location", c.location))
        if c.last_modified is not None:
            modified = c.last_modified
        elif c.feed_published is not None and first_capture[c.url] == c.captured and c.feed_published <= c.captured:
            modified = c.feed_published
        else:
            modified = c.captured
        if 200 <= c.status < 300:
            headers.append(("Last-Modified", _http_date(modified)))
            headers.append(("ETag", c.etag or _etag(body)))
        records.append((c.captured, c.url, dict(status=c.status, headers=headers, body=body, request=page_request)))

    for outlet in edition.outlets:
        if not outlet.feed:
            continue
        for at in edition.feed_captures:
            items = _feed_items(edition, outlet, at)
            if outlet.feed_format == "atom":
                body, ctype = _atom(outlet, at, items), "application/atom+xml; charset=utf-8"
            else:
                body, ctype = _rss(outlet, at, items), "application/rss+xml; charset=UTF-8"
            newest = max((c.feed_published for c in items if c.feed_published), default=at)
            headers = [
                ("Date", _http_date(at)),
                ("Content-Type", ctype),
                ("Content-Length", str(len(body))),
                ("Last-Modified", _http_date(newest)),
                ("ETag", _etag(body)),
            ]
            records.append((at, outlet.feed, dict(status=200, headers=headers, body=body, request=feed_request)))

    records.sort(key=lambda r: (r[0], r[1]))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    first = min((r[0] for r in records), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    with WarcWriter(
        tmp,
        info={"isPartOf": edition.title, "description": "newsprism sample edition, built by flows/sample.py from sample/edition.toml"},
        warcinfo_date=first,
        warcinfo_id=_record_id(edition.title, "warcinfo"),
        filename=ARCHIVE_NAME,
        gzip=out.name.endswith(".gz"),
    ) as warc:
        for when, url, rec in records:
            warc.write_response(
                url,
                status=rec["status"],
                reason=_reason(rec["status"]),
                headers=rec["headers"],
                body=rec["body"],
                fetched_at=when,
                request_headers=rec["request"],
                record_id=_record_id(url, when.isoformat()),
            )
    os.replace(tmp, out)
    return out
