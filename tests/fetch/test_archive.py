"""flows.archive: WARC round trips, offsets, foreign (Common Crawl style) files."""
from __future__ import annotations

import gzip
import io
import threading

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.archive import WarcWriter, iter_captures, iter_responses, read_record, warc_date
from tests.fetch.conftest import CP1252_PAGE, UTF8_PAGE

RESPONSES = [
    dict(
        url="https://www.ledger.example/world/2025/03/28/noem-sheinbaum",
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Odd-Case", "v")],
        body=UTF8_PAGE,
        fetched_at="2025-03-29T00:40:00+00:00",
    ),
    dict(
        url="https://www.frontera.example/nacional/noem.html",
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
        body=gzip.compress(CP1252_PAGE, mtime=0),  # as received: still gzip, chunking already undone
        fetched_at="2025-04-01T19:00:00.250000+00:00",
        expect_body=CP1252_PAGE,
    ),
    dict(
        url="https://www.courier.example/world/biometric",
        status=403,
        reason="Forbidden",
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=b"<h1>Subscribe to continue reading</h1>",
        fetched_at="2025-04-01T17:00:00+00:00",
    ),
    dict(
        url="https://www.ledger.example/short",
        status=301,
        reason="Moved Permanently",
        headers=[("Location", "https://www.ledger.example/world/2025/03/28/noem-sheinbaum"), ("Content-Length", "0")],
        body=b"",
        fetched_at="2025-04-02T00:00:00+00:00",
    ),
    dict(
        url="https://www.ledger.example/files/report.bin",
        status=200,
        reason="OK",
        headers=[("Content-Type", "application/octet-stream")],
        body=bytes(range(256)) * 4,
        fetched_at="2025-04-02T00:00:01+00:00",
    ),
]


def _write(path, responses=RESPONSES, **kw):
    out = []
    with WarcWriter(path, **kw) as w:
        for r in responses:
            args = {k: v for k, v in r.items() if k not in ("url", "expect_body")}
            out.append(w.write_response(r["url"], request_headers=[("User-Agent", "newsprism-test")], **args))
    return out


def _check_digests(path):
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            record.content_stream().read()


@pytest.mark.parametrize("name", ["a.warc.gz", "a.warc"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    written = _write(path)
    offsets = [o for o, _ in written]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets) and offsets[0] > 0  # warcinfo first
    got = list(iter_responses(path))
    assert len(got) == len(RESPONSES)
    for (offset, rid), r, a in zip(written, RESPONSES, got):
        assert a.url == r["url"] and a.status == r["status"] and a.reason == r["reason"]
        assert a.headers == tuple(r["headers"])  # order, case and repeats as received
        assert a.body == r.get("expect_body", r["body"])
        assert a.offset == offset and a.record_id == rid and a.warc_file == str(path)
        assert a.captured_at == r["fetched_at"]
        assert read_record(path, offset) == a
    _check_digests(path)


def test_record_layout(tmp_path):
    path = tmp_path / "a.warc.gz"
    _write(path, RESPONSES[:1])
    with open(path, "rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"), r.rec_headers) for r in ArchiveIterator(fh)]
    assert [t for t, _, _ in records] == ["warcinfo", "response", "request"]
    info_id = records[0][2].get_header("WARC-Record-ID")
    response_id = records[1][2].get_header("WARC-Record-ID")
    assert records[2][1] == response_id  # the request points at its response
    assert records[1][2].get_header("WARC-Warcinfo-ID") == info_id
    assert records[0][2].protocol == "WARC/1.1"
    # one gzip member per record: each offset can be decompressed on its own
    raw = path.read_bytes()
    offset = read_record(path, iter_responses(path).__next__().offset).offset
    assert gzip.decompress(raw[offset:]).startswith(b"WARC/1.1\r\n")


def test_appending_keeps_earlier_records(tmp_path):
    path = tmp_path / "a.warc.gz"
    first = _write(path, RESPONSES[:2])
    second = _write(path, RESPONSES[2:])
    assert second[0][0] > first[-1][0]
    assert [a.url for a in iter_responses(path)] == [r["url"] for r in RESPONSES]
    with open(path, "rb") as fh:
        assert sum(1 for r in ArchiveIterator(fh) if r.rec_type == "warcinfo") == 2


def test_truncated_and_ip_are_recorded(tmp_path):
    path = tmp_path / "a.warc.gz"
    with WarcWriter(path) as w:
        off, _ = w.write_response(
            "https://big.example/x", status=200, reason="OK", headers=[("Content-Type", "text/html")],
            body=b"", fetched_at="2025-04-01T00:00:00Z", truncated="length", ip_address="192.0.2.7",
        )
    a = read_record(path, off)
    assert a.truncated == "length" and a.ip_address == "192.0.2.7" and a.body == b""


def test_concurrent_writers_do_not_interleave(tmp_path):
    path = tmp_path / "a.warc.gz"
    with WarcWriter(path) as w:
        def work(n: int) -> None:
            for i in range(20):
                w.write_response(f"https://t{n}.example/{i}", status=200, reason="OK", headers=[("Content-Type", "text/html")],
                                 body=(f"<p>{n}-{i}</p>" * 50).encode(), fetched_at="2025-04-01T00:00:00Z")
        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    got = list(iter_responses(path))
    assert len(got) == 120
    for a in got:
        n, i = a.url[len("https://t"):].split(".example/")
        assert a.body == (f"<p>{n}-{i}</p>" * 50).encode()
        assert read_record(path, a.offset).url == a.url
    _check_digests(path)


def test_read_record_at_a_wrong_offset(tmp_path):
    path = tmp_path / "a.warc.gz"
    written = _write(path, RESPONSES[:1])
    with pytest.raises(ValueError, match="no WARC record starts at offset 7"):
        read_record(path, 7)
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        kinds = []
        for rec in it:
            kinds.append((rec.rec_type, it.get_record_offset()))
    request_offset = [o for t, o in kinds if t == "request"][0]
    with pytest.raises(ValueError, match="request record, not an HTTP response"):
        read_record(path, request_offset)
    assert read_record(path, written[0][0]).status == 200


def test_max_bytes_on_read(tmp_path):
    path = tmp_path / "a.warc.gz"
    (offset, _), = _write(path, RESPONSES[:1])
    assert read_record(path, offset, max_bytes=10).body is None
    assert read_record(path, offset, max_bytes=len(UTF8_PAGE)).body == UTF8_PAGE


def test_common_crawl_style_file(tmp_path):
    """A file written by another crawler: raw chunked + gzip payload, revisit/metadata/request
    and dns records, WARC/1.0, Target-URI in angle brackets."""
    path = tmp_path / "CC-MAIN-test.warc.gz"
    page = "<html><body><p>Sheinbaum dijo que no hubo acuerdo.</p></body></html>".encode("utf-8")
    gz = gzip.compress(page, mtime=0)
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, gz[:10], len(gz) - 10, gz[10:])
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.0")
        w.write_record(w.create_warcinfo_record("CC-MAIN-test.warc.gz", {"software": "other-crawler"}))
        w.write_record(w.create_warc_record("dns:www.cc.example", "resource", payload=io.BytesIO(b"192.0.2.1"), length=9,
                                            warc_content_type="text/dns"))
        req = w.create_warc_record("https://www.cc.example/a", "request", payload=io.BytesIO(b""), length=0,
                                   http_headers=StatusAndHeaders("GET /a HTTP/1.1", [("Host", "www.cc.example")], is_http_request=True))
        w.write_record(req)
        resp = w.create_warc_record(
            "https://www.cc.example/a", "response", payload=io.BytesIO(chunked), length=len(chunked),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2025-04-01T20:15:00Z"},
        )
        w.write_record(resp)
        w.write_record(w.create_warc_record("https://www.cc.example/a", "metadata", payload=io.BytesIO(b"fetchTimeMs: 12\r\n"), length=17))
        w.write_record(w.create_revisit_record("https://www.cc.example/a", "sha1:AAAA", "https://www.cc.example/a", "2025-04-01T20:15:00Z",
                                               http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
    got = list(iter_responses(path))
    assert len(got) == 1
    a = got[0]
    assert a.url == "https://www.cc.example/a" and a.status == 200
    assert a.body == page  # chunking and gzip undone, as warcio does
    assert a.captured_at == "2025-04-01T20:15:00+00:00"
    assert read_record(path, a.offset).body == page
    assert [c.url for c in iter_captures(path)] == ["https://www.cc.example/a"]


def test_not_a_warc(tmp_path):
    path = tmp_path / "notes.warc"
    path.write_text("just some text\n")
    with pytest.raises(ValueError, match="not a readable WARC"):
        list(iter_responses(path))


def test_warc_date_format():
    assert warc_date("2025-03-28T20:10:00-04:00") == "2025-03-29T00:10:00Z"
    assert warc_date("2025-03-28T20:10:00.5+00:00") == "2025-03-28T20:10:00.500000Z"
