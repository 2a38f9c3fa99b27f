"""Dates in a sentence (English and Spanish), resolved against the publication date.

"March 28", "el viernes 28 de marzo", "July 2022", "en febrero", "Friday", "ayer", "the day
before". Word lists: calendar.toml. Used by parsers.claims, which turns the hits into
DateMention records, and for the calendar words that end names and speakers.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from parsers import lexicons
from parsers.claim_numbers import followed_by_unit
from parsers.lexicons import PhraseMatcher, overlaps

__all__ = ["find_dates", "calendar_words", "month_names", "weekday_names"]


@dataclass(frozen=True)
class _CalendarLexicon:
    langs: tuple[str, ...]
    months: dict[str, int]  # English names capitalised (case matters); Spanish lower case
    weekdays: dict[str, int]
    calendar_words: frozenset[str]  # lower case: month, weekday and one-word relative names
    date_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    relative: PhraseMatcher  # phrase → (unit, offset)
    month_prepositions: frozenset[str]
    ambiguous_months: frozenset[str]
    future: PhraseMatcher  # markers of a sentence about the future


@functools.cache
def _lexicon(langs: tuple[str, ...]) -> _CalendarLexicon:
    cal = lexicons.load("calendar")
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    rel_entries: list[tuple[str, tuple[str, int]]] = []
    month_preps: set[str] = set()
    amb_months: set[str] = set()
    future: list[tuple[str, bool]] = []
    for lang in langs:
        c = cal.get(lang, {})
        months.update(c.get("months", {}))
        weekdays.update(c.get("weekdays", {}))
        for key, unit in (("relative_days", "day"), ("relative_months", "month"), ("relative_years", "year")):
            rel_entries += [(k, (unit, int(v))) for k, v in c.get(key, {}).items()]
        month_preps.update(w.lower() for w in c.get("month_prepositions", []))
        amb_months.update(c.get("ambiguous_months", []))
        future += [(w, True) for w in c.get("future_markers", [])]
    words = {k.lower().rstrip(".") for k in months} | {k.lower() for k in weekdays}
    words |= {k for k, _ in rel_entries if " " not in k}
    return _CalendarLexicon(
        langs=langs,
        months=months,
        weekdays=weekdays,
        calendar_words=frozenset(words),
        date_patterns=_date_patterns(langs, months, weekdays),
        relative=PhraseMatcher(rel_entries),
        month_prepositions=frozenset(month_preps),
        ambiguous_months=frozenset(amb_months),
        future=PhraseMatcher(future),
    )


def calendar_words(language: str | None) -> frozenset[str]:
    """Month, weekday and one-word relative day names, lower case ("march", "viernes", "ayer")."""
    return _lexicon(lexicons.languages_for(language)).calendar_words


def month_names(language: str | None) -> dict[str, int]:
    return _lexicon(lexicons.languages_for(language)).months


def weekday_names(language: str | None) -> dict[str, int]:
    return _lexicon(lexicons.languages_for(language)).weekdays


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _date_patterns(langs, months, weekdays) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compiled date patterns, most specific first (a later pattern never overrides an earlier)."""
    pats: list[tuple[str, re.Pattern[str]]] = []
    pats.append(("iso", re.compile(r"(?<![\d/.-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/-])")))
    pats.append(("slash", re.compile(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?![\d/])")))
    if "en" in langs:
        en_months = {k: v for k, v in months.items() if k[:1].isupper()}
        mo = _alt(en_months)
        wd = _alt([k for k in weekdays if k[:1].isupper()])
        end = r"(?!\w)"
        pats.append(("day", re.compile(
            rf"(?:(?P<wd>{wd}),?\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
            rf"(?P<m>{mo}){end}(?:,?\s+(?P<y>\d{{4}})(?!\d))?")))
        pats.append(("day", re.compile(
            rf"(?:(?P<wd>{wd}),?\s+)?(?P<m>{mo})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:,?\s+(?P<y>\d{{4}})(?!\d))?")))
        pats.append(("month", re.compile(rf"(?P<m>{mo})\s+(?:of\s+)?(?P<y>\d{{4}})(?!\d)")))
        pats.append(("month", re.compile(rf"(?<![\w.])(?P<m>{mo}){end}")))
        pats.append(("weekday", re.compile(
            rf"(?:(?P<mod>this past|this coming|last|next|past|coming|this)\s+)?(?P<wd>{wd})(?!\w)")))
    if "es" in langs:
        es_months = {k: v for k, v in months.items() if k[:1].islower()}
        mo = _alt(es_months)
        wd = _alt([k for k in weekdays if k[:1].islower()])
        flags = re.IGNORECASE
        pats.append(("day", re.compile(
            rf"(?:(?:el\s+)?(?P<wd>{wd})\s+)?(?<!\d)(?P<d>\d{{1,2}})(?:º|°|o)?\s+(?:de\s+)?(?P<m>{mo})(?!\w)"
            rf"(?:\s+(?:de|del)\s+(?P<y>\d{{4}})(?!\d))?", flags)))
        pats.append(("month", re.compile(rf"(?<![\w.])(?P<m>{mo})\s+(?:de\s+|del\s+)?(?P<y>\d{{4}})(?!\d)", flags)))
        pats.append(("month", re.compile(rf"(?<![\w.])(?P<m>{mo})(?!\w)", flags)))
        pats.append(("weekday", re.compile(
            rf"(?:(?P<mod>el\s+pasado|el\s+próximo|este\s+próximo|pasado|próximo|este|el)\s+)?(?<!\w)(?P<wd>{wd})(?!\w)"
            rf"(?:\s+(?P<post>pasado|próximo|siguiente))?", flags)))
    pats.append(("year", re.compile(r"(?<![\w$€£.,/-])(?P<y>1[89]\d\d|20\d\d)(?![\w%/-]|[.,]\d)")))
    return tuple(pats)




def find_dates(text: str, language: str | None, published: datetime | date | str | None = None) -> list[tuple[str, int, int, str, str]]:
    """(value, start, end, precision, resolved) for every date mention, in text order.

    Rules, in order (earlier patterns win where spans overlap):
    1. ISO "2025-03-28" and d/m/y "28/03/2025" (m/d/y in English when the day cannot be a
       month) → explicit day.
    2. Day and month with or without year and weekday: "March 28", "Friday, March 28, 2025",
       "28 March", "28 de marzo de 2025", "el viernes 28 de marzo" → explicit day.
    3. Month and year: "July 2022", "julio de 2022" → explicit month.
    4. Month alone: "February", "en febrero" → month; English "May" needs a preposition before it.
    5. Relative phrases from calendar.toml: "yesterday", "ayer", "the day before", "last year",
       "el mes pasado" → resolved against publication ("relative"); Spanish "mañana" after an
       article ("la mañana") is the morning, not tomorrow; a capitalised one after a
       capitalised word is part of a name ("Frontera Hoy").
    6. Weekdays: "Friday", "el viernes", "last Friday" → the most recent such day on or before
       publication; "next Friday", "el próximo viernes" → the first after it; a bare weekday in
       a clause about the future ("is due to announce ... on Wednesday", "se espera que")
       → the first such day on or after publication ("weekday"). The future marker must be in
       the weekday's own clause: in "at her conference on Tuesday, an agreement was reached that
       will be reviewed" the Tuesday is past.
    7. Years standing alone: "in 2022", "en 2022", "the 2022 memorandum" → explicit year.
    A year missing from rules 2 and 4 is the one that puts the date closest to publication;
    without a publication date it stays X ("XXXX-03-28").
    """
    lex = _lexicon(lexicons.languages_for(language))
    pub = publication_day(published)
    found: list[tuple[str, int, int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def add(value: str, s: int, e: int, precision: str, resolved: str) -> None:
        if not overlaps(s, e, taken):
            found.append((value, s, e, precision, resolved))
            taken.append((s, e))

    for kind, pat in lex.date_patterns:
        if kind in ("weekday", "year"):
            continue
        for m in pat.finditer(text):
            s, e = m.span()
            if kind in ("iso", "slash"):
                y = int(m.group("y"))
                if kind == "iso":
                    mo, d = int(m.group("m")), int(m.group("d"))
                else:
                    a, b = int(m.group("a")), int(m.group("b"))
                    day_first = lex.langs != ("en",)  # d/m/y unless the text is English
                    if a > 12:
                        day_first = True
                    elif b > 12:
                        day_first = False
                    d, mo = (a, b) if day_first else (b, a)
                if _valid(y, mo, d):
                    add(f"{y:04d}-{mo:02d}-{d:02d}", s, e, "day", "explicit")
            elif kind == "day":
                mo = _month_number(lex, m.group("m"))
                d = int(m.group("d"))
                if mo is None or not 1 <= d <= 31:
                    continue
                y = int(m.group("y")) if m.group("y") else _closest_year(pub, mo, d)
                if y is None:
                    add(f"XXXX-{mo:02d}-{d:02d}", s, e, "day", "explicit")
                elif _valid(y, mo, d):
                    add(f"{y:04d}-{mo:02d}-{d:02d}", s, e, "day", "explicit")
            else:  # month
                name = m.group("m")
                mo = _month_number(lex, name)
                if mo is None:
                    continue
                if "y" in pat.groupindex and m.group("y"):
                    add(f"{int(m.group('y')):04d}-{mo:02d}", s, e, "month", "explicit")
                    continue
                if name.endswith(".") or name in lex.ambiguous_months or name.lower() in lex.ambiguous_months:
                    if _word_before(text, s).lower() not in lex.month_prepositions:
                        continue
                y = _closest_year(pub, mo, 15)
                add(f"{y:04d}-{mo:02d}" if y else f"XXXX-{mo:02d}", s, e, "month", "explicit")
    _relative_dates(text, lex, pub, add)
    # Weekdays after relative phrases so that "last Friday" is one weekday mention.
    for kind, pat in lex.date_patterns:
        if kind != "weekday":
            continue
        for m in pat.finditer(text):
            s, e = m.span()
            wd = _weekday_number(lex, m.group("wd"))
            if wd is None:
                continue
            mod = (m.group("mod") or "").lower()
            post = (m.groupdict().get("post") or "").lower()
            forward = any(w in mod for w in ("next", "coming", "próximo")) or post in ("próximo", "siguiente")
            backward = any(w in mod for w in ("last", "past", "pasado")) or post == "pasado"
            if not forward and not backward and _future_clause(text, s, e, lex):
                forward = None  # on or after publication
            if pub is None:
                add(f"XXXX-WXX-{wd}", s, e, "day", "weekday")
                continue
            if forward is None:
                day = pub + timedelta(days=(wd - pub.isoweekday()) % 7)
            elif forward:
                delta = (wd - pub.isoweekday()) % 7 or 7
                day = pub + timedelta(days=delta)
            else:
                day = pub - timedelta(days=(pub.isoweekday() - wd) % 7)
            add(day.isoformat(), s, e, "day", "weekday")
    for kind, pat in lex.date_patterns:
        if kind != "year":
            continue
        for m in pat.finditer(text):
            s, e = m.span()
            if followed_by_unit(text, e, lex.langs[0] if len(lex.langs) == 1 else None):
                continue
            add(m.group("y"), s, e, "year", "explicit")
    found.sort(key=lambda t: t[1])
    return found


_CLAUSE_BREAK = re.compile(r"[,;:()\u2014]")


def _future_clause(text: str, start: int, end: int, lex: _CalendarLexicon) -> bool:
    """Does a future marker stand in the clause around text[start:end]?"""
    before = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)]
    after = _CLAUSE_BREAK.search(text, end)
    clause = text[before[-1] if before else 0: after.start() if after else len(text)]
    return next(lex.future.finditer(clause), None) is not None


def _relative_dates(text: str, lex: _CalendarLexicon, pub: date | None, add) -> None:
    for h in lex.relative.finditer(text):
        unit, offset = h.value
        if h.text[:1].isupper() and h.start > 0 and _word_before(text, h.start)[:1].isupper():
            continue  # part of a name: "Frontera Hoy", "Buenos Días"
        if h.key == "mañana":
            prev = _word_before(text, h.start).lower()
            if prev in ("la", "una", "cada", "esta", "media", "de", "toda", "por"):
                continue
        if pub is None:
            value = {"day": "XXXX-XX-XX", "month": "XXXX-XX", "year": "XXXX"}[unit]
        elif unit == "day":
            value = (pub + timedelta(days=offset)).isoformat()
        elif unit == "month":
            y, mo = divmod(pub.year * 12 + pub.month - 1 + offset, 12)
            value = f"{y:04d}-{mo + 1:02d}"
        else:
            value = f"{pub.year + offset:04d}"
        add(value, h.start, h.end, unit, "relative")


def publication_day(published: datetime | date | str | None) -> date | None:
    """The publication day: a datetime's own calendar day, a date, or an ISO 8601 string as
    ArticleRecord.published holds it; anything unreadable counts as unknown."""
    if isinstance(published, str):
        try:
            published = datetime.fromisoformat(published.strip())
        except ValueError:
            return None
    if isinstance(published, datetime):
        return published.date()
    return published if isinstance(published, date) else None


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _closest_year(pub: date | None, month: int, day: int) -> int | None:
    """The year that puts month/day closest to the publication date (None without one)."""
    if pub is None:
        return None
    best = None
    for y in (pub.year - 1, pub.year, pub.year + 1):
        d = min(day, 28) if month == 2 else min(day, 30 if month in (4, 6, 9, 11) else 31)
        gap = abs((date(y, month, d) - pub).days)
        if best is None or gap < best[0]:
            best = (gap, y)
    return best[1]


def _month_number(lex: _CalendarLexicon, name: str) -> int | None:
    if name in lex.months:
        return lex.months[name]
    low = name.lower()
    for key in (low, low + "." if not low.endswith(".") else low[:-1]):
        if key in lex.months and key[:1].islower():
            return lex.months[key]
    return None


def _weekday_number(lex: _CalendarLexicon, name: str) -> int | None:
    if name in lex.weekdays:
        return lex.weekdays[name]
    low = name.lower()
    if low in lex.weekdays and low[:1].islower():
        return lex.weekdays[low]
    stripped = lexicons.strip_accents(low)
    return lex.weekdays.get(stripped)


def _word_before(text: str, pos: int) -> str:
    m = re.search(r"([\w\-]+)\W*$", text[:pos])
    return m.group(1) if m else ""
