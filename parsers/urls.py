"""URL helpers: normalisation, the canonical URL of a page, registrable domains, outlets.

Rules live in parsers/data/urls.toml (tracking parameters, multi-label public suffixes,
syndication hosts). Nothing here touches the network.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers import datafiles

__all__ = [
    "normalize_url",
    "canonical_url",
    "registrable_domain",
    "outlet_from_domain",
    "host_of",
    "is_web_url",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], tuple[str, ...], frozenset[str], frozenset[str], frozenset[str]]:
    data = datafiles.load("urls")
    exact = frozenset(p.lower() for p in data["tracking_params"] if not p.endswith("*"))
    prefixes = tuple(p[:-1].lower() for p in data["tracking_params"] if p.endswith("*"))
    return (
        exact,
        prefixes,
        frozenset(data["multi_part_suffixes"]),
        frozenset(data["syndicators"]),
        frozenset(data["never_canonical"]),
    )


def _is_tracking(name: str) -> bool:
    exact, prefixes, *_ = _rules()
    key = name.lower()
    return key in exact or key.startswith(prefixes)


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def host_of(url: str | None) -> str:
    """The lower-cased host of a URL ("" when it has none)."""
    if not url:
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def normalize_url(url: str) -> str:
    """One spelling per address: lower-case scheme and host, no default port, no fragment, no
    tracking parameters (utm_*, fbclid, gclid, ... see urls.toml), other parameters kept in order.

    Non-web URLs (file:, data:, mailto:) are returned stripped but otherwise unchanged.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.rstrip(".").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept, doseq=True)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def registrable_domain(host: str | None) -> str:
    """The part of a host name a registrant owns: "www.bbc.co.uk" → "bbc.co.uk",
    "edition.cnn.com" → "cnn.com", "www.eluniversal.com.mx" → "eluniversal.com.mx".

    Uses a built-in list of multi-label public suffixes (urls.toml), not the full Public Suffix
    List, so a rare suffix missing there gives one label too few. IP addresses and single-label
    hosts ("localhost") are returned as they are. Accepts a URL as well as a bare host.
    """
    if not host:
        return ""
    host = host.strip()
    if "/" in host or host.startswith(("http:", "https:")):
        host = host_of(host)
    host = host.split("@")[-1]
    if host.startswith("["):
        return host.strip("[]").lower()
    host = re.sub(r":\d+$", "", host).rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = [label for label in host.split(".") if label]
    if len(labels) <= 2:
        return ".".join(labels)
    multi = _rules()[2]
    if ".".join(labels[-2:]) in multi:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def outlet_from_domain(url_or_host: str | None) -> str:
    """The name newsprism gives an outlet that does not name itself: its registrable domain
    ("https://www.jornada.com.mx/..." → "jornada.com.mx"); "" for URLs without a host."""
    return registrable_domain(url_or_host or "")


def _candidate(raw: str | None, base: str | None) -> str | None:
    """Resolve one declared canonical against the page URL; None if it is not usable."""
    if not raw or not raw.strip():
        return None
    raw = raw.strip()
    if is_web_url(base):
        try:
            raw = urljoin(base, raw)
        except ValueError:
            return None
    elif raw.startswith("//"):
        raw = "https:" + raw
    if not is_web_url(raw):
        return None
    return raw


def canonical_url(url: str | None, canonical_link: str | None = None, og_url: str | None = None) -> str:
    """The address that identifies the article, normalised (see normalize_url).

    Rules, in order:
    1. Candidates are `<link rel=canonical>`, then `og:url`; relative ones are resolved against
       `url` when that is a web URL, otherwise they must be absolute http(s).
    2. A candidate is dropped when its host is a social/shortener host (urls.toml), or when it
       is the site's front page ("/", no query) while the page URL has a longer path or is not a
       web URL: CMS templates that print the home page as every page's canonical are common.
    3. A candidate is trusted when `url` is not a web URL (a local file: the page's own claim is
       the best address there is), when both share a registrable domain (www/amp/m hosts of one
       site), or when `url` is on a known syndicator (msn.com, yahoo.com, ...) republishing
       another outlet's article.
    4. Otherwise `url` itself, normalised; "" when there is neither.
    """
    _, _, _, syndicators, never = _rules()
    base_site = registrable_domain(host_of(url)) if is_web_url(url) else ""
    base_path = urlsplit(url).path if is_web_url(url) else ""
    for raw in (canonical_link, og_url):
        cand = _candidate(raw, url)
        if cand is None:
            continue
        parts = urlsplit(cand)
        site = registrable_domain(parts.hostname or "")
        if site in never:
            continue
        if parts.path in ("", "/") and not parts.query and (not base_site or base_path not in ("", "/")):
            continue
        if not base_site or site == base_site or base_site in syndicators:
            return normalize_url(cand)
    if url and url.strip():
        return normalize_url(url)
    return ""
