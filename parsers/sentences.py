"""Split article text into sentences with character offsets (English and Spanish).

Offsets are the evidence a user checks: for every sentence `text[s.start:s.end] == s.text`.
Paragraphs are separated by blank lines; a single line break ends a sentence (a `<br>` in the
page), never a paragraph. Abbreviations come from `parsers/data/abbreviations.toml`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parsers import lexicons

__all__ = ["Sentence", "split_sentences", "dateline_span"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its index in the article, its paragraph, and where it sits in the text."""

    idx: int  # 0-based over the whole text
    paragraph: int  # 0-based over non-empty paragraphs
    start: int  # character offsets into the text given to split_sentences
    end: int
    text: str  # == text[start:end]; outer whitespace excluded


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# A candidate boundary: terminator(s), closing quotes/brackets, then whitespace.
_CANDIDATE = re.compile(r"(\.{3}|…|[.!?]+)([\"'”’»)\]]*)\s+")
_OPENERS = "\"'“‘«¿¡([—–-"
# Dotted letter groups (U.S., a.m., J.K.) and lone capitals (the F. in John F. Kennedy).
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_INITIAL = re.compile(r"^[^\W\d_]$")

_DATELINE_PARAGRAPHS = 3  # a photo credit or standfirst may come before the dateline
_UP = "A-ZÁÉÍÓÚÜÑÀÈÌÒÙÇ"
_CAPS_PLACE = rf"[{_UP}][{_UP}.'’ \-]*[{_UP}.]"
_MIXED_PLACE = rf"[{_UP}][\w'’.\-]+(?:\s+(?:(?:de|del|la|las|los|of)\s+)?[{_UP}][\w'’.\-]+){{0,3}}"
_REGION = rf"(?:,\s*[{_UP}][\w'’.\-]*(?:\s+[{_UP}][\w'’.\-]*){{0,2}})?"
_DATE = r"(?:,?\s*(?:[A-Za-zé]+\.?\s+\d{1,2}|\d{1,2}\s+(?:de\s+)?[a-zé]+\.?)(?:,?\s*(?:de\s+)?\d{4})?)"
_AGENCY = r"\s*\([^()\n]{1,40}\)"
_DASH = r"\s*\.?\s*(?:—|–|--|-)\s*"
_DATELINE = re.compile(
    rf"^\s*(?:{_CAPS_PLACE}{_REGION}{_DATE}?(?:{_AGENCY})?"
    rf"|{_MIXED_PLACE}{_REGION}{_DATE}(?:{_AGENCY})?"
    rf"|{_MIXED_PLACE}{_REGION}{_DATE}?{_AGENCY}){_DASH}(?=[\w\"“«‘¿¡])"
)


def dateline_span(text: str) -> tuple[int, int] | None:
    """Offsets of a wire-style dateline opening `text`, e.g. "MEXICO CITY (Harbor Wire) — ".

    Rules, in order: (1) the text opens with a place in capitals ("WASHINGTON",
    "MONTERREY, Mexico"), optionally a date and an agency in parentheses; or (2) a place in
    mixed case ("Ciudad de México") followed by a date and/or an agency ("(EFE)"), so that an
    ordinary sentence opening with a name is not taken for a dateline; (3) then a dash (—, –,
    --, - or ".-"), and the sentence itself must follow. The span covers the dash and the space
    after it. Mixed-case places need the date or agency because "Sheinbaum - who ..." is prose.
    """
    m = _DATELINE.match(text)
    if not m:
        return None
    body = m.group().strip()
    letters = [c for c in body if c.isalpha()]
    if len(letters) < 3:
        return None
    return m.start() + (len(m.group()) - len(m.group().lstrip())), m.end()


@functools.cache
def _abbreviations(language: str | None) -> tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]:
    """(never, numeric, ambiguous, multiword) for the languages in force, lower case."""
    data = lexicons.load("abbreviations")
    never: set[str] = set()
    numeric: set[str] = set()
    ambiguous: set[str] = set()
    multi: list[str] = []
    for lang in lexicons.languages_for(language):
        table = data.get(lang, {})
        never.update(w.lower() for w in lexicons.word_list(table.get("never")))
        numeric.update(w.lower() for w in lexicons.word_list(table.get("numeric")))
        ambiguous.update(w.lower() for w in lexicons.word_list(table.get("ambiguous")))
        multi.extend(table.get("multiword", []))
    # A title in one language is never a sentence end even if the other language lists it as
    # ambiguous ("Sr." ends English sentences rarely, Spanish ones practically never).
    ambiguous -= never
    return frozenset(never), frozenset(numeric), frozenset(ambiguous), tuple(multi)


@functools.cache
def _multiword_re(language: str | None) -> re.Pattern[str] | None:
    multi = _abbreviations(language)[3]
    if not multi:
        return None
    parts = [r"\s*".join(re.escape(p) for p in m.split()) for m in sorted(multi, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")")


@functools.cache
def _starters(language: str | None) -> frozenset[str]:
    """Words that can open a sentence after an ambiguous abbreviation (function words)."""
    out: set[str] = set()
    for lang in lexicons.languages_for(language):
        out |= lexicons.stopwords(lang)
    return frozenset(out)


def split_sentences(text: str, language: str | None) -> list[Sentence]:
    """Split `text` into sentences; `language` is an ISO 639-1 code or None (both lexicons).

    Rules, in order:
    1. Paragraphs are separated by blank lines; a line break inside a paragraph ends a sentence.
    2. A wire dateline ("MEXICO CITY (Harbor Wire) — ", see `dateline_span`) opening one of the
       first three paragraphs (a photo credit may come first) is left out of its sentence;
       only the first dateline counts.
    3. Candidate boundaries are ".", "!", "?", "..." or "…" (runs allowed: "?!"), optionally
       followed by closing quotes or brackets (`."` `.»` `.”` `?)`), then whitespace. Periods
       inside numbers ("10.000", "2.36") or words ("Amazon.com") are never candidates.
    4. "?" and "!" (Spanish ¿…? ¡…! too) end a sentence when the next word opens with a capital,
       a digit or an opening quote/¿/¡; "“Why?” she asked" stays one sentence.
    5. An ellipsis ends a sentence only before a capital letter.
    6. After a period: no break inside a multi-word abbreviation ("EE. UU."); no break after a
       title ("Mr.", "Gen.", "Sra.", "Lic."); no break after "No."/"art." before a number; after
       an ambiguous abbreviation ("U.S.", "Inc.", "etc.", "EE. UU."), an initial ("F.") or a
       dotted group ("a.m."), a break only if the next word is a function word ("The", "El");
       otherwise a break when the next word opens with a capital, a digit or an opening mark.
    7. Whitespace around sentences is trimmed; a piece with no letter (a stray "1.") is joined
       to the next sentence of its paragraph (or the previous one, at a paragraph's end).
    """
    if not text:
        return []
    never, numeric, ambiguous, _ = _abbreviations(lexicons.normalize_language(language))
    multi_re = _multiword_re(lexicons.normalize_language(language))
    starters = _starters(lexicons.normalize_language(language))

    protected: set[int] = set()  # periods inside multi-word abbreviations
    multi_ends: set[int] = set()  # final periods of multi-word abbreviations
    if multi_re is not None:
        for m in multi_re.finditer(text):
            dots = [i for i in range(m.start(), m.end()) if text[i] == "."]
            if dots:
                protected.update(dots[:-1])
                multi_ends.add(dots[-1])

    dateline: tuple[int, int] | None = None
    spans: list[tuple[int, int, int]] = []  # (paragraph, start, end)
    paragraph = -1
    for para_start, para_end in _paragraphs(text):
        if not text[para_start:para_end].strip():
            continue
        paragraph += 1
        if dateline is None and paragraph < _DATELINE_PARAGRAPHS:
            found = dateline_span(text[para_start:para_end])
            if found:
                dateline = (para_start + found[0], para_start + found[1])
        pieces: list[tuple[int, int]] = []
        for line_start, line_end in _lines(text, para_start, para_end):
            if dateline and line_start <= dateline[0] < line_end:
                line_start = max(line_start, dateline[1])
            pieces.extend(_split_line(text, line_start, line_end, protected, multi_ends,
                                      never, numeric, ambiguous, starters))
        for start, end in _merge_fragments(text, pieces):
            spans.append((paragraph, start, end))
    return [Sentence(i, p, s, e, text[s:e]) for i, (p, s, e) in enumerate(spans)]


def _paragraphs(text: str):
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def _lines(text: str, start: int, end: int):
    pos = start
    while True:
        nl = text.find("\n", pos, end)
        if nl < 0:
            yield pos, end
            return
        yield pos, nl
        pos = nl + 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _next_word(text: str, pos: int, end: int) -> tuple[str, bool]:
    """The word starting at `pos` (openers skipped) and whether an opening mark preceded it."""
    i = pos
    opened = False
    while i < end and text[i] in _OPENERS:
        opened = True
        i += 1
    j = i
    while j < end and (text[j].isalnum() or text[j] in "'’-"):
        j += 1
    return text[i:j], opened


def _prev_token(text: str, line_start: int, dot: int) -> str:
    """The token ending just before the period at `dot`, without leading opening marks."""
    i = dot
    while i > line_start and not text[i - 1].isspace():
        i -= 1
    return text[i:dot].lstrip(_OPENERS)


def _split_line(text, line_start, line_end, protected, multi_ends, never, numeric, ambiguous, starters):
    out: list[tuple[int, int]] = []
    start = line_start
    for m in _CANDIDATE.finditer(text, line_start, line_end):
        if m.end() >= line_end:
            break  # the line's end is a boundary anyway
        term = m.group(1)
        word, opened = _next_word(text, m.end(), line_end)
        first = word[:1]
        if not word and not opened:
            continue
        if "?" in term or "!" in term:
            split = opened or first.isupper() or first.isdigit()
        elif term in ("...", "…"):
            split = first.isupper()
        else:
            dot = m.start(1) + len(term) - 1
            split = _period_splits(text, line_start, dot, word, opened, protected, multi_ends,
                                   never, numeric, ambiguous, starters)
        if split:
            end = m.end(2)
            s, e = _trim(text, start, end)
            if s < e:
                out.append((s, e))
            start = m.end()
    s, e = _trim(text, start, line_end)
    if s < e:
        out.append((s, e))
    return out


def _period_splits(text, line_start, dot, word, opened, protected, multi_ends,
                   never, numeric, ambiguous, starters) -> bool:
    if dot in protected:
        return False
    first = word[:1]
    normal = opened or first.isupper() or first.isdigit()
    prev = _prev_token(text, line_start, dot)
    # "U.S.", "U.S.'s" and the like: the token may carry its own inner periods.
    key = (prev + ".").lower()
    if dot in multi_ends or key in ambiguous or _DOTTED.match(prev) or (
        _INITIAL.match(prev) and prev.isupper()
    ):
        return normal and word.lower() in starters
    if key in never:
        return False
    if key in numeric:
        return normal and not first.isdigit()
    return normal


def _merge_fragments(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of a letterless piece waiting for the next sentence
    for s, e in pieces:
        if not any(c.isalpha() for c in text[s:e]):
            if pending is None:
                pending = s
            continue
        if pending is not None:
            s, pending = pending, None
        out.append((s, e))
    if pending is not None:
        if out:
            s, _ = out[-1]
            out[-1] = (s, pieces[-1][1])
        elif any(c.isalnum() for c in text[pending:pieces[-1][1]]):
            out.append((pending, pieces[-1][1]))
    return out
