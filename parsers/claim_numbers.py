"""Quantities in a sentence (English and Spanish): value, unit, concept and qualifier.

"10,000 National Guard troops" → 10000, unit "troops", concept "troops"; "10 mil elementos" →
10000, "elementos", "troops"; "casi dos horas" → 2, "horas", "hours", qualifier "nearly".
Word lists: numbers.toml (number words, multipliers, percent and currency markers, qualifiers,
unit nouns and their concepts), stopwords.toml, attribution.toml (determiners). Used by
parsers.claims, which turns the hits into NumberMention records.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from parsers import lexicons
from parsers.lexicons import PhraseMatcher, overlaps

__all__ = ["find_numbers", "parse_number", "followed_by_unit"]


@dataclass(frozen=True)
class _NumberLexicon:
    langs: tuple[str, ...]
    stopwords: frozenset[str]
    determiners: frozenset[str]
    number_words: dict[str, float]
    phrase_starts: frozenset[str]  # first words of the several-word number words ("a" of "a dozen")
    small_words: frozenset[str]
    number_connectors: frozenset[str]
    multipliers: dict[str, float]
    glued_multipliers: frozenset[str]
    multiplier_units: dict[str, str]
    percent: PhraseMatcher
    currency: tuple[str, ...]
    qualifiers: PhraseMatcher  # written → canonical
    contrast_qualifiers: frozenset[str]
    contrast_gap: int
    range_words: frozenset[str]
    units: PhraseMatcher  # noun → concept


@functools.cache
def _lexicon(langs: tuple[str, ...]) -> _NumberLexicon:
    num = lexicons.load("numbers")
    att = lexicons.load("attribution")
    stop: set[str] = set()
    det: set[str] = set()
    number_words: dict[str, float] = {}
    small: set[str] = set()
    nconn: set[str] = set()
    mult: dict[str, float] = {}
    percent_entries: list[tuple[str, Any]] = []
    qual_entries: list[tuple[str, Any]] = []
    unit_entries: list[tuple[str, Any]] = []
    for lang in langs:
        stop |= lexicons.stopwords(lang)
        det.update(w.lower() for w in att.get(lang, {}).get("determiners", []))
        number_words.update({k.lower(): float(v) for k, v in num["words"].get(lang, {}).items()})
        small.update(num["small_words"].get(lang, []))
        nconn.update(num["connectors"].get(lang, []))
        mult.update({k.lower(): float(v) for k, v in num["multipliers"].get(lang, {}).items()})
        percent_entries += [(p, "%") for p in num["percent"].get(lang, [])]
        qual_entries += list(num["qualifiers"].get(lang, {}).items())
        for concept, nouns in num["units"].get(lang, {}).items():
            unit_entries += [(n, concept) for n in nouns]
    return _NumberLexicon(
        langs=langs,
        stopwords=frozenset(stop),
        determiners=frozenset(det),
        number_words=number_words,
        phrase_starts=frozenset(k.split(" ")[0] for k in number_words if " " in k),
        small_words=frozenset(small),
        number_connectors=frozenset(nconn),
        multipliers=mult,
        glued_multipliers=frozenset(num.get("glued_multipliers", {}).get("words", [])),
        multiplier_units=dict(num.get("multiplier_units", {})),
        percent=PhraseMatcher(percent_entries),
        currency=tuple(sorted(num["currency"]["symbols"], key=len, reverse=True)),
        qualifiers=PhraseMatcher(qual_entries),
        contrast_qualifiers=frozenset(w.lower() for w in num["contrast_qualifiers"]["words"]),
        contrast_gap=int(num["contrast_qualifiers"].get("max_gap", 2)),
        range_words=frozenset(num["ranges"]["words"]),
        units=PhraseMatcher(unit_entries),
    )


_DIGITS = re.compile(
    r"(?P<num>\d{1,3}(?:(?P<sep>[.,\u00a0\u202f])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)")
_WORDISH = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def parse_number(raw: str) -> float | None:
    """Value of a digit string with either convention: "10,000", "10.000", "2,36", "1.234,5".

    Rules: (1) with both "." and ",", the last one is the decimal mark; (2) a single kind of
    separator followed by exactly three digits, each time, groups thousands ("10.000",
    "1,234,567"), unless the number starts "0"; (3) otherwise it is the decimal mark ("2,36",
    "2.5"). Spaces (also no-break and thin) always group thousands.
    """
    s = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not s:
        return None
    if "." in s and "," in s:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        other = "," if dec == "." else "."
        s = s.replace(other, "").replace(dec, ".")
    elif "." in s or "," in s:
        sep = "." if "." in s else ","
        parts = s.split(sep)
        if len(parts) > 2 or (len(parts[-1]) == 3 and parts[0] not in ("0", "")):
            if all(len(p) == 3 for p in parts[1:]):
                s = "".join(parts)
            else:
                return None
        else:
            s = s.replace(sep, ".")
    try:
        return float(s)
    except ValueError:
        return None


def find_numbers(text: str, language: str | None, date_ranges: list[tuple[int, int]] = ()) -> list[tuple[str, float, str | None, str | None, str | None, int, int]]:
    """(raw, value, unit, concept, qualifier, start, end) of every quantity outside dates.

    Rules, in order:
    1. Digits ("10,000", "10.000", "2,36"; see parse_number), with a currency sign before
       ("$", "US$", "€"), a multiplier after ("12 million", "10 mil", "40.000 millones",
       "$40bn") and a percent marker ("25%", "25 por ciento", "25 percent").
    2. Number words: "two", "thirty", "twenty-five", "treinta y cinco", "dos mil", "a dozen",
       "una docena"; "one"/"un"/"una"/"half"/"media" only before a unit noun or a multiplier.
    3. Not numbers: years standing alone (1800-2099 with no unit noun after them: they are
       dates), digits inside a date, times ("10:30", "4 p.m."), ordinals ("28th", "1º"),
       digits glued to letters ("COVID-19", "F-35", "G20"), numbers inside larger tokens.
    4. Unit: the first unit noun (numbers.toml) within four words after the number, passing
       modifiers ("10,000 National Guard troops") and "de"/"of" ("12 millones de mexicanos"),
       stopping at punctuation or other function words. A currency sign is the unit of money.
    5. Percentages take their concept from the nearest unit noun after the number, else
       within four words before it ("aranceles del 25%"); with none the concept is "percent".
    6. Qualifier: a phrase from numbers.toml touching the number ("more than", "casi",
       "al menos"); contrast qualifiers may stand up to two words before it ("instead of the
       scheduled 30 minutes"); "from ... to", "de ... a" qualify only a range.
    """
    lex = _lexicon(lexicons.languages_for(language))
    out = []
    units = list(lex.units.finditer(text))
    percents = {h.start: h for h in lex.percent.finditer(text)}
    quals = list(lex.qualifiers.finditer(text))
    taken = list(date_ranges)

    for m in _DIGITS.finditer(text):
        s, e = m.span()
        if overlaps(s, e, taken):
            continue
        before = text[max(0, s - 2):s]
        after = text[e:e + 3]
        if before[-1:].isalpha() or (before[-1:] in "-/" and before[:1].isalpha()) or before[-1:] in "/":
            continue
        if after[:1] in ":/" and after[1:2].isdigit():
            continue
        if s > 0 and text[s - 1] in ".,:" and s > 1 and text[s - 2].isdigit():
            continue  # tail of a larger number or version ("10.4.1")
        if after[:1] in ".," and after[1:2].isdigit():
            continue  # version strings "10.4.1"
        value = parse_number(m.group("num"))
        if value is None:
            continue
        raw_start, raw_end = s, e
        unit: str | None = None
        concept: str | None = None
        cur = _currency_before(text, s, lex)
        if cur:
            raw_start = s - len(cur[0]) - cur[1]
            unit, concept = cur[0], "money"
        # glued letters: multiplier ("40bn"), ordinal ("28th") or an identifier ("19th", "5G")
        glued = re.match(r"[^\W\d_]+", text[e:])
        multiplier = None
        if glued:
            g = glued.group()
            if g.lower() in lex.glued_multipliers and g.lower() in lex.multipliers:
                multiplier = lex.multipliers[g.lower()]
                raw_end = e + len(g)
            elif lex.units.get(g) is not None:
                pass  # "5km": unit read below
            else:
                continue
        if multiplier is None:
            mult = _multiplier_after(text, raw_end, lex)
            if mult:
                multiplier, raw_end, mword = mult
                mu = lex.multiplier_units.get(mword.lower())
                if mu:
                    unit, concept = mu, "money"
        if multiplier:
            value *= multiplier
        if not cur and multiplier is None and re.fullmatch(r"1[89]\d\d|20\d\d", m.group("num")):
            if not _followed_by_unit(text, raw_end, lex):
                continue  # a year: reported as a date
        if re.match(r"\s*(?:a\.\s?m\.|p\.\s?m\.|am\b|pm\b|h\b|hrs\b)", text[raw_end:], re.IGNORECASE):
            continue  # a clock time
        pct = _percent_after(text, raw_end, percents)
        if pct:
            raw_end = pct.end
            unit = "%"
        out.append([text[raw_start:raw_end], value, unit, concept, None, raw_start, raw_end])

    for s, e, value, small in _word_numbers(text, lex):
        if overlaps(s, e, taken) or overlaps(s, e, [(o[5], o[6]) for o in out]):
            continue
        raw_end = e
        mult = _multiplier_after(text, e, lex)
        if mult:
            value *= mult[0]
            raw_end = mult[1]
        pct = _percent_after(text, raw_end, percents)
        unit = None
        if pct:
            raw_end = pct.end
            unit = "%"
        if small and not mult and not pct and _unit_after(text, raw_end, lex, units) is None:
            continue
        out.append([text[s:raw_end], value, unit, None, None, s, raw_end])

    out.sort(key=lambda o: o[5])
    for o in out:
        raw_start, raw_end = o[5], o[6]
        hit = _unit_after(text, raw_end, lex, units)
        if o[2] == "%":
            head = hit or _unit_before(text, raw_start, lex, units)
            o[3] = head.value if head else "percent"
        elif hit is not None and o[3] != "money":
            o[2], o[3] = hit.key, hit.value
        elif hit is not None and o[3] == "money" and hit.value == "money":
            o[2] = hit.key
        o[4] = _qualifier(text, raw_start, lex, quals, out)
    return [tuple(o) for o in out]


def _currency_before(text: str, pos: int, lex: _NumberLexicon) -> tuple[str, int] | None:
    """(symbol, spaces between) when a currency sign or code stands right before `pos`."""
    j = pos
    while j > 0 and text[j - 1] == " ":
        j -= 1
    gap = pos - j
    if gap > 1:
        return None
    for sym in lex.currency:
        if text[max(0, j - len(sym)):j] == sym:
            k = j - len(sym)
            if sym.isalpha() and k > 0 and text[k - 1].isalnum():
                continue
            return sym, gap
    return None


def _multiplier_after(text: str, pos: int, lex: _NumberLexicon) -> tuple[float, int, str] | None:
    m = re.match(r"\s+((?:[^\W\d_]+)(?:\s+[^\W\d_]+)?)", text[pos:])
    if not m:
        return None
    words = m.group(1).split()
    for n in (2, 1):
        if len(words) >= n:
            cand = " ".join(words[:n]).lower()
            if cand in lex.multipliers and cand not in lex.glued_multipliers:
                end = pos + re.match(r"\s+" + r"\s+".join(re.escape(w) for w in words[:n]), text[pos:]).end()
                return lex.multipliers[cand], end, cand
    return None


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def _percent_after(text: str, pos: int, percents: dict):
    """The percent marker right after a number: "%" (which no word boundary precedes) or a
    word form from numbers.toml ("percent", "por ciento"), at most one space away."""
    j = pos
    while j < len(text) and text[j] in " \u00a0\u202f":
        j += 1
    if j - pos > 1:
        return None
    if text[j:j + 1] == "%":
        return _Span(j, j + 1)
    return percents.get(j)


def _words_window(text: str, pos: int, lex: _NumberLexicon, limit: int = 4) -> int:
    """End offset of up to `limit` words after `pos`, stopping at punctuation or function words
    other than "of"/"de" and articles after them."""
    end = pos
    count = 0
    passable = {"de", "del", "of", "the", "la", "las", "los", "el"}
    for m in re.finditer(r"\s*([^\W\d_][\w’'\-.]*|\S)", text[pos:]):
        tok = m.group(1)
        if not tok[:1].isalpha():
            break
        low = tok.lower().rstrip(".")
        if low in lex.stopwords and low not in passable:
            break
        end = pos + m.end()
        count += 1
        if count >= limit:
            break
    return end


def _unit_after(text: str, pos: int, lex: _NumberLexicon, units):
    limit = _words_window(text, pos, lex)
    for h in units:
        if pos <= h.start < limit:
            return h
    return None


def _unit_before(text: str, pos: int, lex: _NumberLexicon, units):
    best = None
    window_start = pos
    words = list(re.finditer(r"[^\W\d_][\w’'\-.]*", text[:pos]))
    for m in reversed(words[-4:]):
        if re.search(r"[,;:()]", text[m.end():window_start]):
            break
        window_start = m.start()
    for h in units:
        if h.start >= window_start and h.end <= pos:
            best = h
    return best


def followed_by_unit(text: str, pos: int, language: str | None) -> bool:
    """True when a unit noun (numbers.toml) follows `pos` ("2022 troops" is a count, not a year)."""
    return _followed_by_unit(text, pos, _lexicon(lexicons.languages_for(language)))


def _followed_by_unit(text: str, pos: int, lex: _NumberLexicon) -> bool:
    m = re.match(r"\s+([^\W\d_][\w\-]*(?:\s+[^\W\d_][\w\-]*)?)", text[pos:])
    if not m:
        return False
    words = m.group(1).split()
    return any(lex.units.get(" ".join(words[:n])) is not None for n in (1, 2) if len(words) >= n)


def _qualifier(text: str, start: int, lex: _NumberLexicon, quals, numbers) -> str | None:
    for h in reversed(quals):
        if h.end > start:
            continue
        between = text[h.end:start]
        key = h.key
        if key in lex.range_words:
            if not _in_range(text, h, start, numbers, lex):
                continue
        elif between.strip():
            if key not in lex.contrast_qualifiers:
                continue
            gap_words = between.split()
            if len(gap_words) > lex.contrast_gap or re.search(r"[,;:.()]", between):
                continue
            if any(w.lower() in lex.stopwords and w.lower() not in lex.determiners for w in gap_words):
                continue
        elif not between.isspace() and between:
            continue
        return h.value
    return None


def _in_range(text: str, hit, start: int, numbers, lex: _NumberLexicon) -> bool:
    """A "from"/"de" opening "from 20% to 25%", or a "to"/"a" closing it."""
    if text[hit.end:start].strip():
        return False
    if hit.key in ("from", "de"):
        return re.match(r"\S+(?:\s*%)?\s+(?:to|a)\s+\$?\d", text[start:]) is not None
    before = text[:hit.start].rstrip()
    return re.search(r"(?:from|de)\s+\S*\d\S*(?:\s*%)?$", before, re.IGNORECASE) is not None


def _word_numbers(text: str, lex: _NumberLexicon):
    """(start, end, value, small) for runs of number words (rule 2 of `_numbers`)."""
    words = [(m.start(), m.end(), m.group()) for m in _WORDISH.finditer(text)]
    i = 0
    while i < len(words):
        s, e, w = words[i]
        low = w.lower()
        # "a dozen", "a hundred", "una docena", "half a dozen": two-/three-word entries first
        matched = False
        for n in ((3, 2) if low in lex.phrase_starts else ()):  # most words begin no phrase
            if i + n <= len(words):
                seg = words[i:i + n]
                if all(text[seg[k][1]:seg[k + 1][0]].isspace() for k in range(n - 1)):
                    phrase = " ".join(x[2].lower() for x in seg)
                    if phrase in lex.number_words:
                        yield seg[0][0], seg[-1][1], lex.number_words[phrase], False
                        i += n
                        matched = True
                        break
        if matched:
            continue
        parts = low.split("-")
        if not all(p in lex.number_words for p in parts) or low in ("a", "an"):
            i += 1
            continue
        total, current = 0.0, 0.0
        j = i
        end = e
        count = 0
        while j < len(words):
            sj, ej, wj = words[j]
            lw = wj.lower()
            if j > i:
                gap = text[words[j - 1][1]:sj]
                if not gap.isspace():
                    break
            sub = lw.split("-")
            if all(p in lex.number_words for p in sub):
                for p in sub:
                    v = lex.number_words[p]
                    if v == 100 and current and p in ("hundred",):
                        current *= 100
                    else:
                        current += v
                end = ej
                count += 1
                j += 1
            elif lw in lex.multipliers and lw not in lex.glued_multipliers and count:
                mv = lex.multipliers[lw]
                if mv == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * mv
                    current = 0.0
                end = ej
                j += 1
            elif lw in lex.number_connectors and j + 1 < len(words) and all(
                    p in lex.number_words for p in words[j + 1][2].lower().split("-")) and count:
                j += 1
            else:
                break
        value = total + current
        small = count == 1 and j == i + 1 and low in lex.small_words
        if value > 0 or low in ("zero", "cero"):
            yield s, end, value, small
        i = max(j, i + 1)
