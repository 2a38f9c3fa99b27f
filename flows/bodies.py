"""Where the bytes of a fetched page are kept, and reading them back.

Fetching stores every page it got: in a WARC record (live fetches, archive replay, WARC sources)
or as the local file it came from (folders of saved pages). Later stages read the bytes from
there instead of carrying them along.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from parsers.records import FetchResult


def body_of(fetch: FetchResult) -> bytes:
    if fetch.body is not None:
        return fetch.body
    if fetch.warc_file is not None and fetch.warc_offset is not None:
        from flows.archive import read_record

        return read_record(fetch.warc_file, fetch.warc_offset).body
    if fetch.via == "file":
        parts = urlsplit(fetch.url)
        return Path(unquote(parts.path)).read_bytes()
    raise OSError(f"no stored copy of {fetch.url} (fetched via {fetch.via}, no WARC record)")
