"""AMP copies of articles → the article's own address (pure; rules in parsers/data/urls.toml).

Aggregators and feeds often hand out the AMP copy of an article (Google's cache era left many
such links behind); the same article then arrives under two addresses. `amp_canonical` maps the
AMP form back where the pattern leaves no doubt, so discovery fetches the article once.
"""
from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsers import datafiles
from parsers.urls import registrable_domain

__all__ = ["amp_canonical", "is_amp_url"]


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], tuple[tuple[str, str], ...], dict[str, str], tuple[str, ...]]:
    amp = datafiles.load("urls").get("amp", {})
    segments = frozenset(s.lower() for s in amp.get("path_segments", []))
    suffixes = tuple((old.lower(), new) for old, new in amp.get("path_suffixes", []))
    params = {k.lower(): str(v).lower() for k, v in amp.get("query_params", {}).items()}
    hosts = tuple(p.lower() for p in amp.get("host_prefixes", []))
    return segments, suffixes, params, hosts


def _is_amp_param(name: str, value: str) -> bool:
    params = _rules()[2]
    want = params.get(name.lower())
    return want is not None and (want == "" or value.lower() == want)


def amp_canonical(url: str) -> str:
    """The regular address of an AMP URL; any other URL is returned unchanged.

    Rules, in order (each applies independently; patterns in urls.toml [amp]):
    1. Only absolute http(s) URLs are considered.
    2. Host: an AMP host prefix ("amp.") is replaced by "www." when what follows is a
       registrable domain, and dropped when it is a longer host name.
    3. Path: segments that only mark AMP ("/amp/") are removed; then the last segment loses an
       AMP ending (".amp.html" → ".html", ".amp" → "").
    4. Query: parameters that switch to AMP (?amp, ?amp=1, outputType=amp) are removed; the
       other parameters keep their order.
    Case is kept everywhere except in the matching itself.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    segments, suffixes, _params, prefixes = _rules()
    netloc = parts.netloc
    host = parts.hostname.lower()
    for prefix in prefixes:
        if host.startswith(prefix) and host.count(".") >= 2:
            rest = host[len(prefix):]
            new_host = ("www." + rest) if registrable_domain(rest) == rest else rest
            netloc = netloc.lower().replace(host, new_host, 1)
            break
    path = parts.path
    if path:
        kept = [seg for seg in path.split("/") if seg.lower() not in segments]
        if kept and kept[-1]:
            last = kept[-1].lower()
            for old, new in suffixes:
                if last.endswith(old) and len(last) > len(old):
                    kept[-1] = kept[-1][: len(kept[-1]) - len(old)] + new
                    break
        path = "/".join(kept)
        if not path.startswith("/"):
            path = "/" + path
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept_pairs = [(k, v) for k, v in pairs if not _is_amp_param(k, v)]
        if len(kept_pairs) != len(pairs):
            query = urlencode(kept_pairs, doseq=True)
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def is_amp_url(url: str) -> bool:
    """Whether `amp_canonical` would change this URL."""
    return amp_canonical(url) != url.strip()
