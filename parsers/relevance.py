"""Is an article about the topic? A transparent rule a user can read in the warehouse.

Rules, in order:
1. A paywall teaser, a consent wall, a JavaScript shell or a page with no body text is not
   judged relevant: there is no article to compare (the fetch outcome says why, and keeps the
   outlet from being counted as silent).
2. A known publication date outside the topic's window makes it not relevant; an unknown date
   never does (it is flagged downstream instead).
3. The topic's query terms are matched in title + body, case- and accent-insensitively, on word
   boundaries (a term ending in "*" matches any word it starts). The article is relevant when at
   least `min_matches` distinct terms occur.
The reason is always recorded, for kept and dropped articles alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Sequence

from parsers.dates import as_utc
from parsers.lexicons import strip_accents
from parsers.records import ArticleRecord


_NO_ARTICLE = {
    "paywalled": "paywalled: only a teaser of the article could be read",
    "consent_wall": "consent wall: the page showed a cookie/consent prompt instead of the article",
    "js_shell": "JavaScript shell: the page holds no article text without running its scripts",
}


@dataclass(frozen=True, slots=True)
class Decision:
    relevant: bool
    reason: str
    matched_terms: tuple[str, ...]


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Sheinbáum" and "sheinbaum" meet."""
    return strip_accents(text.casefold())


@lru_cache(maxsize=1024)
def _term_pattern(term: str) -> re.Pattern[str]:
    folded = fold(term.strip())
    if folded.endswith("*"):
        return re.compile(r"(?<!\w)" + re.escape(folded[:-1]) + r"\w*")
    return re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")


def judge(
    record: ArticleRecord,
    terms: Sequence[str],
    *,
    min_matches: int = 1,
    window: tuple[datetime | None, datetime | None] = (None, None),
) -> Decision:
    if record.status in _NO_ARTICLE:
        return Decision(False, _NO_ARTICLE[record.status], ())
    if not record.body.strip():
        return Decision(False, "empty page: no article text was extracted", ())
    start, end = window
    if record.published:
        published = as_utc(record.published)  # a bare date is read as UTC rather than fail
        if start is not None and published < start:
            return Decision(False, f"published {record.published}, before the topic window", ())
        if end is not None and published > end:
            return Decision(False, f"published {record.published}, after the topic window", ())
    if not terms:
        return Decision(True, "no query terms: every given source is taken", ())
    text = fold(f"{record.title or ''}\n{record.body}")
    # Terms that fold to the same form ("biometric*" and "biométric*") are one term: listing a
    # word in both languages must not let one word count twice.
    distinct = {fold(t.strip()): t for t in reversed(terms)}
    matched = tuple(t for key, t in reversed(distinct.items()) if _term_pattern(t).search(text))
    need = max(1, min(min_matches, len(distinct)))
    verdict = f"matched {len(matched)} of {len(distinct)} terms (need {need})"
    return Decision(len(matched) >= need, verdict, matched)
