"""The WARC archive: every HTTP response newsprism receives, kept as evidence.

Writing: `WarcWriter` appends WARC/1.1 records, one gzip member per record (the layout that
Common Crawl, pywb and warcio's indexer expect, so any record can be read alone by its offset).
Each response is stored with its HTTP status line and headers as received and its payload as it
came off the wire (content encoding intact), followed by the request that produced it.

Reading: `iter_responses` / `read_record` read any WARC or WARC.gz, ours or Common Crawl's,
through warcio, which undoes chunked transfer coding and gzip/deflate content coding.
"""
from __future__ import annotations

import io
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterator, Sequence
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

__all__ = [
    "ArchivedResponse",
    "CaptureRef",
    "WarcWriter",
    "iter_captures",
    "iter_responses",
    "read_record",
    "warc_date",
    "parse_warc_date",
]

Headers = Sequence[tuple[str, str]]
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """One response record read back from a WARC file.

    `headers` are the HTTP headers exactly as recorded (order, case and repeats kept). `body` is
    the entity after the transfer and content codings were undone, i.e. what a browser would
    render; None when it exceeded the `max_bytes` the caller set. `truncated` repeats the
    record's WARC-Truncated reason (length | time | disconnect | unspecified) when the crawler
    did not store the whole payload.
    """

    url: str
    captured_at: str  # UTC ISO 8601, from WARC-Date
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    offset: int
    record_id: str
    warc_file: str
    truncated: str | None = None
    ip_address: str | None = None

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")


@dataclass(frozen=True, slots=True)
class CaptureRef:
    """Where a response record is and what it says, without its payload (for indexes)."""

    url: str
    captured_at: str
    status: int
    offset: int
    record_id: str
    warc_file: str
    content_type: str | None = None
    location: str | None = None  # the Location header of a redirect


# --------------------------------------------------------------------------------------------
# Dates


def parse_warc_date(value: str) -> datetime:
    """A WARC-Date (W3C-DTF, UTC, seconds or fractions) as an aware datetime."""
    v = value.strip()
    if v.endswith("Z"):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def warc_date(when: str | datetime) -> str:
    """An ISO 8601 time (string or datetime) as a WARC-Date: UTC, "Z", fractions only if any."""
    dt = parse_warc_date(when) if isinstance(when, str) else when
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if dt.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return dt.strftime(fmt)


def _iso(value: str) -> str:
    return parse_warc_date(value).isoformat()


# --------------------------------------------------------------------------------------------
# Writing


def _record_id(seed: str | None = None) -> str:
    u = uuid.uuid5(uuid.NAMESPACE_URL, seed) if seed is not None else uuid.uuid4()
    return f"<urn:uuid:{u}>"


def _chunked(body: bytes) -> bytes:
    # http.client removes chunked framing before we see the bytes; re-framing the payload as one
    # chunk keeps the recorded "Transfer-Encoding: chunked" header truthful for WARC readers.
    if not body:
        return b"0\r\n\r\n"
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def _has_chunked(headers: Headers) -> bool:
    return any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers)


class WarcWriter:
    """Append-only WARC writer; a context manager; safe to share between threads.

    The file is created, with a warcinfo record describing this session, when the first response
    is written, so a run that archives nothing leaves no empty WARC behind; every response refers
    to the warcinfo record (WARC-Warcinfo-ID). A file named *.gz gets one gzip member per record; any other
    name is written uncompressed (`gzip` overrides the name). For reproducible files (the sample edition) pass
    `warcinfo_date`, `warcinfo_id` and `filename` (WARC-Filename, default the file's name), and
    a `record_id` to each write: gzip members carry no timestamp, so the same inputs then give
    the same bytes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        warc_version: str = "1.1",
        info: dict[str, str] | None = None,
        warcinfo_date: str | datetime | None = None,
        warcinfo_id: str | None = None,
        filename: str | None = None,
        gzip: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self.filename = filename or self.path.name
        self.gzip = self.path.name.endswith(".gz") if gzip is None else gzip
        self._warc_version = warc_version
        self._info = info
        self._warcinfo_date = warcinfo_date
        self._warcinfo_id = warcinfo_id
        self._lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._entered = False
        self._fh: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self.warcinfo_record_id: str | None = None

    # Context management -----------------------------------------------------------------
    def __enter__(self) -> "WarcWriter":
        self._entered = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._fh is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "ab")
        self._writer = WARCWriter(self._fh, gzip=self.gzip, warc_version=self._warc_version)
        self._write_warcinfo()

    def close(self) -> None:
        self._entered = False
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
                self._writer = None

    # Records ------------------------------------------------------------------------------
    def _write_warcinfo(self) -> None:
        from parsers.records import PARSER_VERSION

        info = {
            "software": f"newsprism/{PARSER_VERSION} (warcio)",
            "format": f"WARC File Format {self._warc_version}",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        }
        info.update(self._info or {})
        body = "".join(f"{k}: {v}\r\n" for k, v in info.items() if v).encode("utf-8")
        date = warc_date(self._warcinfo_date or datetime.now(timezone.utc))
        rid = self._warcinfo_id or _record_id()
        assert self._writer is not None
        record = self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": rid,
                "WARC-Date": date,
                "WARC-Filename": self.filename,
            },
        )
        with self._lock:
            self._writer.write_record(record)
        self.warcinfo_record_id = rid

    def write_response(
        self,
        url: str,
        *,
        status: int,
        reason: str,
        headers: Headers,
        body: bytes,
        fetched_at: str | datetime,
        request_headers: Headers | None = None,
        protocol: str = "HTTP/1.1",
        truncated: str | None = None,
        ip_address: str | None = None,
        record_id: str | None = None,
    ) -> tuple[int, str]:
        """Append a response record (and its request record); return (offset, record_id).

        `headers` are the response headers as received, `body` the payload as received after
        transfer decoding (content encoding such as gzip intact). `truncated` marks a payload
        that was not kept whole (WARC-Truncated: length | time | disconnect | unspecified).
        `record_id` makes the record ids reproducible: the request record's id is derived
        from it.
        """
        if self._writer is None or self._fh is None:
            if not self._entered:
                raise RuntimeError("WarcWriter is not open; use it as a context manager")
            with self._open_lock:
                self.open()
        rid = record_id or _record_id()
        date = warc_date(fetched_at)
        payload = _chunked(body) if _has_chunked(headers) else body
        warc_headers = {"WARC-Record-ID": rid, "WARC-Date": date}
        if self.warcinfo_record_id:
            warc_headers["WARC-Warcinfo-ID"] = self.warcinfo_record_id
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address
        if truncated:
            warc_headers["WARC-Truncated"] = truncated
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), list(headers), protocol=protocol)
        response = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        request = self._request_record(url, request_headers or (), rid, date, protocol)
        with self._lock:
            offset = self._fh.tell()
            self._writer.write_record(response)
            if request is not None:
                self._writer.write_record(request)
            self._fh.flush()
        return offset, rid

    def _request_record(self, url: str, headers: Headers, response_id: str, date: str, protocol: str):  # noqa: ANN202
        assert self._writer is not None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        hdrs = list(headers)
        if not any(k.lower() == "host" for k, _ in hdrs):
            hdrs.insert(0, ("Host", parts.netloc))
        http_headers = StatusAndHeaders(f"GET {target} {protocol}", hdrs, is_http_request=True)
        rid = _record_id(response_id + "#request") if response_id else _record_id()
        return self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Record-ID": rid,
                "WARC-Date": date,
                "WARC-Concurrent-To": response_id,
                **({"WARC-Warcinfo-ID": self.warcinfo_record_id} if self.warcinfo_record_id else {}),
            },
        )


# --------------------------------------------------------------------------------------------
# Reading


def _target_uri(record) -> str:  # noqa: ANN001
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    # WARC/1.0's own example wrapped the URI in angle brackets; some writers copied that.
    return uri.strip().strip("<>")


def _status_reason(record) -> tuple[int, str]:  # noqa: ANN001
    line = (record.http_headers.statusline or "").strip()
    code, _, reason = line.partition(" ")
    try:
        return int(code), reason.strip()
    except ValueError:
        return 0, line


def _read_body(record, max_bytes: int | None) -> bytes | None:  # noqa: ANN001
    stream = record.content_stream()
    if max_bytes is None:
        return stream.read()
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > max_bytes:
            return None
        parts.append(chunk)


def _response(record, body: bytes | None, offset: int, warc_file: str) -> ArchivedResponse:  # noqa: ANN001
    status, reason = _status_reason(record)
    rec = record.rec_headers
    return ArchivedResponse(
        url=_target_uri(record),
        captured_at=_iso(rec.get_header("WARC-Date")),
        status=status,
        reason=reason,
        headers=tuple((k, v) for k, v in record.http_headers.headers),
        body=body,
        offset=offset,
        record_id=rec.get_header("WARC-Record-ID") or "",
        warc_file=warc_file,
        truncated=rec.get_header("WARC-Truncated"),
        ip_address=rec.get_header("WARC-IP-Address"),
    )


def _is_http_response(record) -> bool:  # noqa: ANN001
    return record.rec_type == "response" and record.http_headers is not None and _target_uri(record).lower().startswith(("http:", "https:"))


def iter_responses(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Iterator[ArchivedResponse]:
    """Every HTTP response record of a WARC (or WARC.gz, or Common Crawl) file, in file order.

    Other records (warcinfo, request, metadata, revisit, resource, dns:) are skipped. A body
    larger than `max_bytes` (after decoding) comes back as None rather than filling memory.
    Raises ValueError naming the file when it is not a readable WARC.
    """
    warc_file = str(path)
    try:
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if not _is_http_response(record):
                    continue
                body = _read_body(record, max_bytes)
                yield _response(record, body, it.get_record_offset(), warc_file)
    except ArchiveLoadFailed as exc:
        raise ValueError(f"{warc_file}: not a readable WARC file: {str(exc).strip().splitlines()[0]}") from None


def iter_captures(path: str | os.PathLike[str]) -> Iterator[CaptureRef]:
    """Like iter_responses but without payloads: fast enough to index large archives."""
    warc_file = str(path)
    try:
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if not _is_http_response(record):
                    continue
                status, _reason = _status_reason(record)
                rec = record.rec_headers
                yield CaptureRef(
                    url=_target_uri(record),
                    captured_at=_iso(rec.get_header("WARC-Date")),
                    status=status,
                    offset=it.get_record_offset(),
                    record_id=rec.get_header("WARC-Record-ID") or "",
                    warc_file=warc_file,
                    content_type=record.http_headers.get_header("Content-Type"),
                    location=record.http_headers.get_header("Location"),
                )
    except ArchiveLoadFailed as exc:
        raise ValueError(f"{warc_file}: not a readable WARC file: {str(exc).strip().splitlines()[0]}") from None


def read_record(warc_file: str | os.PathLike[str], offset: int, *, max_bytes: int | None = None) -> ArchivedResponse:
    """The response record that starts at `offset` in `warc_file`.

    Raises ValueError when no HTTP response record starts there (a wrong offset, or a request
    or metadata record).
    """
    with open(warc_file, "rb") as fh:
        fh.seek(offset)
        # A record starts with a gzip member or a WARC version line; warcio would otherwise
        # try to make sense of whatever bytes sit at a wrong offset.
        if not fh.read(5).startswith((b"\x1f\x8b", b"WARC/")):
            raise ValueError(f"{warc_file}: no WARC record starts at offset {offset}")
        fh.seek(offset)
        try:
            record = next(iter(ArchiveIterator(fh)))
        except Exception as exc:  # warcio raises many types on a bad offset
            raise ValueError(f"{warc_file}: no WARC record starts at offset {offset} ({type(exc).__name__})") from None
        if not _is_http_response(record):
            what = f"a {record.rec_type} record" if record.rec_type != "response" else "a response record without HTTP headers"
            raise ValueError(f"{warc_file}: the record at offset {offset} is {what}, not an HTTP response")
        body = _read_body(record, max_bytes)
        return _response(record, body, offset, str(warc_file))
