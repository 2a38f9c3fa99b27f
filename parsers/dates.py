"""Dates as pages print them → ISO 8601 strings, without inventing precision.

Output forms, from most to least precise:
- `2025-03-28T18:10:00-06:00`: the page gave a time and an offset (or a zone abbreviation);
- `2025-03-28T18:10:00`: the page gave a time but no zone. No offset is invented, because a
  wrong one moves the instant and can move the day;
- `2025-03-28`: the page gave only a day. Not `T00:00:00+00:00`, which would claim a midnight
  in London that nobody reported, and which turns into the 27th in the Americas.

So a record's `published` is "ISO 8601 with an offset when the page states one". Callers that
need an instant can cast; DuckDB reads all three forms as TIMESTAMPTZ.

Month names (en, es, fr, de, pt, it) and zone abbreviations live in data/metadata.toml.
"""
from __future__ import annotations

import email.utils
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parsers import datafiles

__all__ = ["ParsedDate", "as_utc", "parse_date", "to_iso", "is_plausible"]

# The furthest ahead of UTC any zone runs: a date-only or zone-less value is "in the future"
# only if it is later than `now` even there.
_MAX_AHEAD = timedelta(hours=14)
_CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date and how much of it the page actually stated."""

    value: datetime  # naive unless has_zone
    has_time: bool
    has_zone: bool

    @property
    def day(self) -> date:
        return self.value.date()

    @property
    def precision(self) -> int:
        """0 = day, 1 = time without zone, 2 = time with zone (an instant)."""
        return 2 if self.has_zone else (1 if self.has_time else 0)

    def iso(self) -> str:
        if not self.has_time:
            return self.value.date().isoformat()
        v = self.value.replace(microsecond=0)
        return v.isoformat()


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, int], dict[str, tzinfo], int, re.Pattern[str]]:
    data = datafiles.load("metadata")["dates"]
    months = {k.lower(): int(v) for k, v in data["months"].items()}
    zones: dict[str, tzinfo] = {}
    for abbr, spec in data["zones"].items():
        try:
            zones[abbr.lower()] = timezone(timedelta(hours=float(spec)))
        except ValueError:
            try:
                zones[abbr.lower()] = ZoneInfo(spec)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    names = sorted(zones, key=len, reverse=True)
    zone_re = re.compile(r"\b(" + "|".join(re.escape(z) for z in names if "_" not in z) + r")\b", re.I)
    return months, zones, int(data.get("min_year", 1990)), zone_re


_ISO = re.compile(
    r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?(?!\d)|(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?)?)?",
    re.I,
)
_ISO_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})?)?$")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?(?:\.\d+)?$")
_WORD = r"[^\W\d_]{3,}"
_MDY = re.compile(rf"({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I)
_DMY = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|º|°|er|\.)?\s*(?:de\s+)?({_WORD})\.?,?\s*(?:de\s+|del\s+)?(\d{{4}})(?!\d)",
    re.I,
)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})(?::(\d{2})(?::(\d{2}))?|[.h](\d{2})(?=\s*(?:[ap]\.?\s?m\b|h\b|hs\b|hrs\b|[A-Za-z]{2,4}\b)))"
    r"\s*(a\.?\s?m\.?|p\.?\s?m\.?)?",
    re.I,
)
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.I)


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    t = text.strip()
    if t.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    m = _OFFSET.search(t)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) == "-" else delta)


def _make(y: int, mo: int, d: int, hh: int | None = None, mi: int = 0, ss: int = 0, tz: tzinfo | None = None) -> ParsedDate | None:
    try:
        if hh is None:
            return ParsedDate(datetime(y, mo, d), False, False)
        value = datetime(y, mo, d, hh, mi, ss)
    except ValueError:
        return None
    if tz is not None:
        value = value.replace(tzinfo=tz)
        # IANA zones give the offset in force on that day; freeze it so isoformat shows it.
        off = value.utcoffset()
        value = value.replace(tzinfo=timezone(off)) if off is not None else value
    return ParsedDate(value, True, tz is not None)


def _clock(rest: str) -> tuple[int, int, int, tzinfo | None] | None:
    """The first time of day in `rest`, with am/pm and a zone abbreviation or offset."""
    m = _TIME.search(rest)
    if not m:
        return None
    hh = int(m.group(1))
    mi = int(m.group(2) or m.group(4) or 0)
    ss = int(m.group(3) or 0)
    ampm = (m.group(5) or "").lower().replace(".", "").replace(" ", "")
    if ampm == "pm" and hh < 12:
        hh += 12
    elif ampm == "am" and hh == 12:
        hh = 0
    if hh > 23 or mi > 59 or ss > 59:
        return None
    after = rest[m.end():m.end() + 24]
    tz: tzinfo | None = None
    om = re.match(r"\s*(?:(?:UTC|GMT)\s*)?([+-]\d{1,2}(?::?\d{2})?)(?!\d)", after, re.I)
    if om:
        tz = _offset(om.group(1))
    else:
        zm = _tables()[3].match(after.strip(" ()[],"))
        if zm:
            tz = _tables()[1].get(zm.group(1).lower())
        elif re.match(r"\s*\(?hora del centro", after, re.I):
            tz = _tables()[1].get("hora_del_centro")
    return hh, mi, ss, tz


def _parse_iso(s: str) -> ParsedDate | None:
    m = _ISO.search(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m.group(4) is None:
        # "2019-11-19 at 10:00 AM EST": a clock may still follow in words.
        clock = _clock(s[m.end():]) if re.search(r"\d[:.h]\d", s[m.end():]) else None
        if clock:
            return _make(y, mo, d, *clock[:3], tz=clock[3])
        return _make(y, mo, d)
    tz = _offset(m.group(7)) if m.group(7) else None
    if tz is None and not m.group(7):
        zm = _tables()[3].match(s[m.end():].strip(" ()"))
        if zm:
            tz = _tables()[1].get(zm.group(1).lower())
    return _make(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0), tz)


def _parse_words(s: str) -> ParsedDate | None:
    months = _tables()[0]
    best: tuple[int, ParsedDate] | None = None
    for rx, order in ((_MDY, "mdy"), (_DMY, "dmy")):
        for m in rx.finditer(s):
            if order == "mdy":
                mon, d, y = m.group(1), m.group(2), m.group(3)
            else:
                d, mon, y = m.group(1), m.group(2), m.group(3)
            month = months.get(mon.lower().rstrip("."))
            if month is None:
                continue
            clock = _clock(s[m.end():]) or _clock(s[:m.start()])
            parsed = _make(int(y), month, int(d), *(clock[:3] if clock else (None,)), tz=clock[3] if clock else None)
            if parsed and (best is None or m.start() < best[0]):
                best = (m.start(), parsed)
            break
    return best[1] if best else None


def _parse_numeric(s: str) -> ParsedDate | None:
    m = _NUMERIC.search(s)
    if not m:
        return None
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if a > 12 >= b:
        d, mo = a, b
    elif b > 12 >= a:
        mo, d = a, b
    else:
        return None  # 03/04/2025: April 3 or March 4; guessing would be worse than nothing
    clock = _clock(s[m.end():])
    return _make(y, mo, d, *(clock[:3] if clock else (None,)), tz=clock[3] if clock else None)


def parse_date(value: str | None) -> ParsedDate | None:
    """Parse one date string; None when it holds no recognisable date.

    Rules, in order:
    1. Unix epoch seconds or milliseconds (10 or 13 digits) → UTC instant.
    2. ISO 8601 and near relatives ("2025-03-28T18:10:00-06:00", "2025-03-28 18:10",
       "2025/03/28", "20250328T181000Z"), with Z / ±hh:mm / UTC / GMT / zone abbreviations.
    3. RFC 2822 ("Fri, 28 Mar 2025 18:10:00 -0600"), as in HTTP headers and feeds.
    4. Month names in en/es/fr/de/pt/it, day-month-year or month-day-year ("March 28, 2025
       6:10 p.m. ET", "28 de marzo de 2025, 18:10 hrs"), with a clock before or after.
    5. Numeric day/month/year only when unambiguous (a part above 12); otherwise None.
    """
    if not value:
        return None
    s = " ".join(str(value).split())
    if not s or len(s) > 300:
        return None
    if _EPOCH.match(s):
        secs = float(s) / (1000 if len(s.split(".")[0]) == 13 else 1)
        try:
            return ParsedDate(datetime.fromtimestamp(secs, timezone.utc), True, True)
        except (OverflowError, OSError, ValueError):
            return None
    m = _ISO_COMPACT.match(s)
    if m:
        tz = _offset(m.group(7)) if m.group(7) else None
        hh = int(m.group(4)) if m.group(4) else None
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), hh, int(m.group(5) or 0), int(m.group(6) or 0), tz)
    parsed = _parse_iso(s)
    if parsed:
        return parsed
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", s):
        try:
            dt = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            dt = None
        if dt is not None:
            return ParsedDate(dt.replace(microsecond=0), True, dt.tzinfo is not None)
    return _parse_words(s) or _parse_numeric(s)


def is_plausible(parsed: ParsedDate, now: datetime) -> bool:
    """False for dates before the web's news era (data min_year) or after `now`.

    An instant may be at most a few minutes ahead (clock skew). A zone-less time or a bare day
    counts as future only if it is later than `now` even in the zone furthest ahead (UTC+14).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if parsed.value.year < _tables()[2]:
        return False
    if parsed.has_zone:
        return parsed.value <= now + _CLOCK_SKEW
    latest_local = (now + _MAX_AHEAD).replace(tzinfo=None)
    if parsed.has_time:
        return parsed.value <= latest_local
    return parsed.value.date() <= latest_local.date()


def to_iso(value: str | None, now: datetime | None = None) -> str | None:
    """Parse and check in one step: the ISO string, or None if unparseable or implausible."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    if now is not None and not is_plausible(parsed, now):
        return None
    return parsed.iso()


def as_utc(iso: str) -> datetime:
    """An ISO 8601 timestamp newsprism wrote itself ("Z" or an offset, or none) as an aware
    datetime; a value without an offset is read as UTC. Not for page dates: parse_date is."""
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
