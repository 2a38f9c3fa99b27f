"""One page's bytes → an ArticleRecord: decode, parse once, metadata, body, language, outlet.

Pure: no network, no Prefect, no database. Failures inside a step become warnings on the
record (and status "empty" when no text came out), never exceptions that stop a batch.
"""
from __future__ import annotations

import dataclasses
import warnings as _warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from parsers import datafiles
from parsers.blockers import consent_wall, js_shell, paywall_marked
from parsers.body import BodyResult, extract_body
from parsers.charset import decode_html
from parsers.language import detect_language
from parsers.markup import Markup, prepare_markup
from parsers.metadata import Metadata, collect_signals, extract_metadata
from parsers.records import ArticleRecord
from parsers.urls import canonical_url, host_of, is_web_url, normalize_url, registrable_domain

__all__ = ["parse_article", "parse_file"]

_ARTICLE_TYPES = frozenset(datafiles.load("metadata")["jsonld"]["article_types"])


def _choose_language(md: Metadata, text: str, warnings: list[str]) -> tuple[str | None, str | None]:
    """The article's language.

    Rules, in order:
    1. Detected from the text when detection is confident and nothing is declared, or the
       declaration disagrees (CMS templates often keep lang="en-US" on Spanish pages); the
       disagreement is recorded as a warning.
    2. The declaration (html lang, then meta, then JSON-LD inLanguage).
    3. None.
    """
    detected = detect_language(text) if text else None
    declared = md.language
    if detected and declared and detected != declared:
        warnings.append(f"declared language {declared!r} ({md.language_source}) but the text reads as {detected!r}")
        return detected, "detected"
    if declared:
        return declared, md.language_source
    if detected:
        return detected, "detected"
    return None, None


_NOT_ARTICLE_MAX_CHARS = 500
# Text shorter than this on a page marked as paid is a teaser, not the article.
_TEASER_MAX_CHARS = 1200


def _status(md: Metadata, body: BodyResult, soup: BeautifulSoup, markup: Markup | None = None) -> str:
    """ok | empty | paywalled | consent_wall | js_shell | not_article.

    Rules, in order:
    1. "paywalled" when the text is short (under _TEASER_MAX_CHARS) and the page says the
       article is not free: JSON-LD isAccessibleForFree false, article:content_tier locked or
       metered, or a paywall/subscription prompt in the page (boilerplate.toml [paywall]). A
       long text is kept as the article even on a metered page: the paywall did not hide it.
    2. "consent_wall" when the text is short and is a cookie/consent prompt, or almost no text
       came out while a consent manager asks for consent (parsers.blockers.consent_wall).
    3. "js_shell" when almost no text came out and the page is a JavaScript application shell:
       a <noscript> asking for JavaScript, an empty app root, an unrendered state script
       (parsers.blockers.js_shell). A body taken from JSON-LD articleBody is not a shell.
    4. "empty" when no text was extracted.
    5. "not_article" when nothing marks the page as an article (no JSON-LD article type,
       og:type not "article", no publication date anywhere) and the text is under 500
       characters: section fronts, tag pages, error pages.
    6. "ok".
    """
    short = len(body.text) < _TEASER_MAX_CHARS
    # The page-wide looks for prompts run only for short texts: a long text is the article.
    text = markup.text if markup is not None else None
    if short and (md.accessible_for_free is False or paywall_marked(soup, text)):
        return "paywalled"
    if short and consent_wall(body.text, soup, text):
        return "consent_wall"
    if short and body.source != "jsonld" and js_shell(body.text, soup, bool(markup and markup.app_state)):
        return "js_shell"
    if not body.text.strip():
        return "empty"
    typed = md.schema_type in _ARTICLE_TYPES or (md.og_type or "").startswith("article")
    if not typed and md.published is None and len(body.text) < _NOT_ARTICLE_MAX_CHARS:
        return "not_article"
    return "ok"


_STATUS_WARNINGS = {
    "empty": "no article text found",
    "paywalled": "paywall: the page holds only a teaser of the article",
    "consent_wall": "consent wall: the page shows a cookie/consent prompt instead of the article; body left empty",
    "js_shell": "JavaScript shell: the article is drawn by scripts and the page holds no text of it; body left empty",
    "not_article": "the page does not look like an article (no article type, no date, little text)",
}


def parse_article(
    data: bytes | str,
    url: str | None = None,
    *,
    content_type: str | None = None,
    now: datetime | None = None,
) -> ArticleRecord:
    """Extract an article from one HTML page.

    `data` is the raw bytes (decoded by parsers.charset, using `content_type`'s charset if
    given) or already-decoded text. `url` is where the page came from; without it the page's own
    canonical/og:url is used for URL rules and as the record's URL. `now` bounds the dates that
    can be accepted (default: the current time).
    """
    now = now or datetime.now(timezone.utc)
    warnings: list[str] = []
    if isinstance(data, str):
        text, encoding, encoding_source = data, None, None
    else:
        text, encoding, encoding_source = decode_html(data, content_type)
        if encoding_source == "fallback" and "\ufffd" in text:
            warnings.append("bytes are not valid in any detected encoding; replacement characters inserted")

    markup = prepare_markup(text)
    del text
    warnings.extend(markup.warnings)
    # class/rel stay plain strings: splitting them costs ~1 ms a page and nothing here needs lists.
    with _warnings.catch_warnings():
        # A body that happens to look like a URL or a file name is still a (tiny) page.
        _warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup.text, "lxml", multi_valued_attributes=None)
    try:
        signals = collect_signals(soup)
        og_url = (signals.meta.get("og:url") or [None])[0]
        canonical = canonical_url(url, signals.canonical, og_url)
        page_url = url if url else canonical
        # URL rules (dates in paths, /opinion/, the outlet's domain) read the web address.
        web_url = page_url if is_web_url(page_url) else (canonical if is_web_url(canonical) else None)
        md = extract_metadata(soup, web_url, now, signals=signals)
    except Exception as exc:  # a bug in one step must not lose the page; say what happened
        warnings.append(f"metadata extraction failed: {type(exc).__name__}: {exc}")
        md = Metadata()
        canonical = canonical_url(url)
        page_url = url or ""
        web_url = url if is_web_url(url) else None
    if is_web_url(url) and md.canonical_link:
        try:
            declared = normalize_url(urljoin(url, md.canonical_link))  # type: ignore[arg-type]
        except ValueError:
            declared = md.canonical_link
        if declared != canonical:
            warnings.append(f"canonical link not trusted (other site or front page): {md.canonical_link}")
    warnings.extend(md.warnings)

    try:
        body = extract_body(soup, title=md.title, authors=md.authors, jsonld_body=md.article_body)
    except Exception as exc:
        warnings.append(f"body extraction failed: {type(exc).__name__}: {exc}")
        body = BodyResult("", (), "none")
    if body.source == "jsonld":
        warnings.append("body from JSON-LD articleBody (the page text was shorter)")
    elif body.source == "scored-relaxed":
        warnings.append("body found only after relaxing the furniture filters")
    elif body.source == "page":
        warnings.append("body is the page's own text: no paragraph was long enough to score")

    lang_text = body.text or " ".join(x for x in (md.title, md.description) if x)
    language, language_source = _choose_language(md, lang_text, warnings)

    domain_url = web_url or canonical
    outlet_domain = registrable_domain(host_of(domain_url)) if is_web_url(domain_url) else ""
    outlet = md.site_name or outlet_domain
    if not outlet:
        warnings.append("no outlet: the page names no site and has no web URL")

    status = _status(md, body, soup, markup)
    if status in _STATUS_WARNINGS:
        warnings.append(_STATUS_WARNINGS[status])
    if status in ("consent_wall", "js_shell"):
        # The prompt or the shell's scraps are not the article: nothing downstream may read
        # them as its text.
        body = BodyResult("", (), body.source, body.container)

    return ArticleRecord(
        url=page_url or "",
        canonical_url=canonical or page_url or "",
        outlet=outlet,
        outlet_domain=outlet_domain,
        title=md.title,
        authors=md.authors,
        published=md.published,
        published_source=md.published_source,
        modified=md.modified,
        modified_source=md.modified_source,
        language=language,
        language_source=language_source,
        body=body.text,
        description=md.description,
        section=md.section,
        genre=md.genre,
        keywords=md.keywords,
        encoding=encoding,
        encoding_source=encoding_source,
        status=status,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def parse_file(path: str | Path, url: str | None = None, *, content_type: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Parse one saved page; the record as a JSON-able dict plus "path".

    Without `url`, the record's URL is the page's canonical/og:url if it has one, else the
    file's `file://` URI. A file that cannot be read raises OSError (the caller reports it and
    goes on to the next file); anything wrong with its contents is data in the record.
    """
    p = Path(path)
    data = p.read_bytes()
    record = parse_article(data, url, content_type=content_type, now=now)
    if not record.url:
        uri = p.resolve().as_uri()
        record = dataclasses.replace(record, url=uri, canonical_url=record.canonical_url or uri)
    out = record.as_dict()
    out["path"] = str(path)
    return out
