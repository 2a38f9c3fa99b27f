"""Replay WARC archives through the normal fetch path, without touching the network.

`ReplayArchive` indexes the HTTP response records of WARC files by URL; `ReplayAdapter` is a
requests transport adapter that answers each GET with the latest capture taken at or before
`as_of`. Mounted by `flows.http.make_session(policy, replay=...)`, it lets the demo and tests
run discovery, redirects, content checks and parsing exactly as against live sites.
"""
from __future__ import annotations

import io
import os
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

from flows.archive import CaptureRef, iter_captures, parse_warc_date, read_record

__all__ = ["NotArchived", "ReplayArchive", "ReplayAdapter", "ReplayTruncated", "normalize_url"]

# Dropped from replayed headers: the archive hands back the decoded entity, so the original
# transfer/content codings and length no longer describe it.
_ENTITY_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


class NotArchived(requests.RequestException):
    """The archive holds no capture of this URL (at or before the replay time)."""


class ReplayTruncated(Exception):
    """Raised at the end of a replayed body whose record was truncated when captured.

    `reason` is the record's WARC-Truncated value (length | time | disconnect | unspecified),
    so fetch reports the same outcome in replay as it did live (too_large, timeout, ...).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"the archived payload was truncated at capture time (WARC-Truncated: {reason})")
        self.reason = reason


def normalize_url(url: str) -> str:
    """The form under which captures are indexed and looked up.

    Rules, in order: requests' own URL preparation (IDNA host, percent-quoting), so a lookup
    matches whatever requests sends; lowercase scheme and host; default port dropped; empty path
    → "/"; fragment dropped. The query is kept as is: its order can matter to the server.
    """
    try:
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, None)
        url = prepared.url or url
    except requests.RequestException:
        pass
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True, slots=True)
class _Entry:
    when: datetime
    seq: int  # file order breaks ties, so a later record at the same second wins
    ref: CaptureRef


class ReplayArchive:
    """An index of the HTTP response records in one or more WARC files (payloads stay on disk)."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths = [str(p) for p in paths]
        index: dict[str, list[_Entry]] = {}
        seq = 0
        for path in self.paths:
            for ref in iter_captures(path):
                index.setdefault(normalize_url(ref.url), []).append(_Entry(parse_warc_date(ref.captured_at), seq, ref))
                seq += 1
        for entries in index.values():
            entries.sort(key=lambda e: (e.when, e.seq))
        self._index = index
        self._times = {k: [e.when for e in v] for k, v in index.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def urls(self) -> list[str]:
        """Every archived URL (normalised), sorted."""
        return sorted(self._index)

    def captures(self, url: str) -> list[CaptureRef]:
        """All captures of `url`, oldest first."""
        return [e.ref for e in self._index.get(normalize_url(url), [])]

    def lookup(self, url: str, as_of: datetime | None = None) -> CaptureRef | None:
        """The latest capture of `url` taken at or before `as_of` (the latest of all when None)."""
        key = normalize_url(url)
        entries = self._index.get(key)
        if not entries:
            return None
        if as_of is None:
            return entries[-1].ref
        i = bisect_right(self._times[key], _aware(as_of))
        return entries[i - 1].ref if i else None


def _aware(when: datetime | str) -> datetime:
    if isinstance(when, str):
        return parse_warc_date(when)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


class _TruncatedBody(io.BytesIO):
    """A body stream that raises ReplayTruncated once its bytes are used up."""

    def __init__(self, data: bytes, reason: str) -> None:
        super().__init__(data)
        self._reason = reason

    def read(self, size: int | None = -1) -> bytes:  # type: ignore[override]
        data = super().read(size)
        if not data:
            raise ReplayTruncated(self._reason)
        return data

    def read1(self, size: int | None = -1) -> bytes:  # type: ignore[override]
        return self.read(size)


class ReplayAdapter(BaseAdapter):
    """Answers requests from a ReplayArchive as of a point in time; never uses the network.

    Each response is a real requests.Response with the capture's status, reason and headers,
    its decoded body as a raw stream (iter_content and raw.stream work), and an attribute
    `newsprism_capture` (a CaptureRef: warc_file, offset, record_id, captured_at). A URL with no
    capture at or before `as_of` raises NotArchived. Redirect captures come back as redirects.
    """

    def __init__(self, archive: ReplayArchive, as_of: datetime | str | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.as_of = _aware(as_of) if as_of is not None else None

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: object = None, verify: object = True, cert: object = None, proxies: object = None) -> requests.Response:  # noqa: D102
        url = request.url or ""
        if request.method not in ("GET", "HEAD"):
            raise NotArchived(f"replay answers GET requests only, not {request.method} {url}", request=request)
        ref = self.archive.lookup(url, self.as_of)
        if ref is None:
            raise NotArchived(self._miss_reason(url), request=request)
        try:
            rec = read_record(ref.warc_file, ref.offset)
        except (OSError, ValueError) as exc:
            raise NotArchived(f"capture of {url} in {ref.warc_file} at offset {ref.offset} cannot be read: {exc}", request=request) from None

        body = rec.body or b""
        headers = HTTPHeaderDict()
        for k, v in rec.headers:
            if k.lower() in _ENTITY_HEADERS and not (rec.truncated and k.lower() == "content-length"):
                continue
            headers.add(k, v)
        if not rec.truncated:
            headers["Content-Length"] = str(len(body))
        stream_body: io.BytesIO = _TruncatedBody(body, rec.truncated) if rec.truncated else io.BytesIO(body)
        raw = HTTPResponse(
            body=stream_body,
            headers=headers,
            status=rec.status,
            reason=rec.reason,
            version=11,
            preload_content=False,
            decode_content=False,
            request_url=url,
            enforce_content_length=False,
        )
        resp = requests.Response()
        resp.status_code = rec.status
        resp.reason = rec.reason
        resp.headers = CaseInsensitiveDict(headers)
        resp.encoding = get_encoding_from_headers(resp.headers)
        resp.raw = raw
        resp.url = url
        resp.request = request
        resp.connection = self
        resp.newsprism_capture = ref  # type: ignore[attr-defined]
        if request.method == "HEAD":
            resp._content = b""  # noqa: SLF001 - a HEAD answer has no body
        return resp

    def _miss_reason(self, url: str) -> str:
        caps = self.archive.captures(url)
        if not caps:
            return f"not archived: no capture of {url} in {len(self.archive.paths)} WARC file(s)"
        return f"not archived as of {self.as_of.isoformat() if self.as_of else 'now'}: the earliest capture of {url} is {caps[0].captured_at}"

    def close(self) -> None:  # noqa: D102
        pass
