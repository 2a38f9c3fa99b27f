"""Claim features of one sentence: kind, speaker, attribution, sources, hedges, quotes, numbers,
dates, loaded terms and names (English and Spanish).

Pure and rule-based: every word list is a TOML file under `parsers/data/` (attribution.toml,
hedges.toml, loaded_terms.toml, stopwords.toml here; numbers.toml in parsers.claim_numbers,
calendar.toml in parsers.claim_dates), compiled once per language. All offsets are absolute
(into the article text the sentence came from), so a user can check any feature against the
stored text: `article[q.start:q.end] == q.text`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from parsers import lexicons
from parsers.align import stem
from parsers.claim_dates import calendar_words, find_dates, month_names, publication_day, weekday_names
from parsers.claim_numbers import find_numbers, parse_number
from parsers.lexicons import PhraseMatcher, overlaps
from parsers.sentences import Sentence

__all__ = [
    "ClaimFeatures", "Quote", "NumberMention", "DateMention", "TermMention",
    "extract_claim", "extract_claim_remembered", "shifted", "parse_number", "CLAIM_KINDS", "ATTRIBUTION_CLASSES",
    "TERM_CATEGORIES",
]

CLAIM_KINDS = ("direct_quote", "reported_speech", "numeric", "assertion")  # in precedence order
ATTRIBUTION_CLASSES = ("neutral", "assertive", "doubtful", "concessive", "denial", "critical",
                       "tentative", "commitment", "directive", "announcement")
TERM_CATEGORIES = ("demand", "neutral-request", "excuse", "intensity", "opinion", "controversy",
                   "pejorative-label", "neutral-label", "hedging")


@dataclass(frozen=True, slots=True)
class Quote:
    """Words inside quotation marks (marks excluded); `speaker` is the claim's speaker, if any."""

    text: str
    start: int
    end: int
    speaker: str | None


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A quantity: "10,000 National Guard troops" → raw "10,000", value 10000, unit "troops".

    `raw`/`start`/`end` cover the number as written (digits or words, with a multiplier,
    currency sign or percent marker attached: "$40 billion", "25 por ciento", "dos"). `unit` is
    the counted noun as written, lower case ("troops", "elementos", "%", "$"); `concept` the
    shared id from numbers.toml ("troops", "people", "tariff", "money", "hours"...);
    `qualifier` the canonical English qualifier ("more than", "nearly", "instead of"...).
    """

    raw: str
    value: float
    unit: str | None
    concept: str | None
    qualifier: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DateMention:
    """A calendar reference. `value` is ISO 8601 at its precision ("2025-03-28", "2022-07",
    "2022"); X stands for what the text and publication date cannot tell ("XXXX-03-28")."""

    raw: str
    value: str
    precision: str  # day | month | year
    resolved: str  # explicit | relative | weekday
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TermMention:
    """A loaded or evaluative word (loaded_terms.toml / hedges.toml); `in_quote` tells the
    outlet's own words from words it quotes."""

    term: str
    category: str
    start: int
    end: int
    in_quote: bool = False


@dataclass(frozen=True, slots=True)
class ClaimFeatures:
    """Everything `extract_claim` finds in one sentence."""

    kind: str  # one of CLAIM_KINDS
    speaker: str | None  # name or title as written; None when unknown or only a pronoun
    attribution_verb: str | None  # as written: "told", "dijo", "made it clear"
    attribution_class: str | None  # one of ATTRIBUTION_CLASSES
    sources: tuple[str, ...]  # X of "according to X", "según X", "citing X"
    hedges: tuple[str, ...]  # as written, lower case, in order
    quotes: tuple[Quote, ...]
    numbers: tuple[NumberMention, ...]
    dates: tuple[DateMention, ...]
    terms: tuple[TermMention, ...]
    entities: tuple[str, ...]
    language: str | None = None  # the lexicons applied: given, guessed, or None for both
    attribution_start: int | None = None  # absolute offsets of the attribution verb
    attribution_end: int | None = None
    negations: tuple[str, ...] = ()  # negation words as written, lower case, in order
    negation_scope: tuple[str, ...] = ()  # stems of the words the negations bear on (see _negations)


# ----------------------------------------------------------------------------- lexicons

_SCOPE_WORDS = 4  # content words after a negation that it is taken to bear on
_NUMBER_ABBREVIATION = re.compile(r"\.\s*\d")  # right after "No": "No. 5 seed"
_QUOTE_PAIRS = {"“": "”", "«": "»", "‘": "’", "„": "“", "‹": "›"}
_BOUNDARY_PUNCT = set(",;:()[]{}\"“”«»‘’„‹›—–!?¿¡…")
# words (with inner hyphens, periods, apostrophes), dotted abbreviations ("U.S.", "EE. UU."),
# possessive endings on their own, any other single character
_TOKEN = re.compile(r"(?:[^\W\d_]{1,2}\.(?:\s(?=[^\W\d_]{1,2}\.))?){2,}|\w+(?:[\-.&]\w+)*(?:['’](?![sS]\b)\w+)?|['’][sS]\b|\S")


@dataclass(frozen=True)
class _Lexicon:
    langs: tuple[str, ...]
    verbs: PhraseMatcher  # form → (lemma, class, needs_auxiliary)
    participle_aux: frozenset[str]
    auxiliaries: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    connectors: frozenset[str]
    name_connectors: frozenset[str]  # both languages: names cross languages
    name_articles: frozenset[str]
    complementizers: frozenset[str]
    not_verbs: PhraseMatcher
    sources: PhraseMatcher
    hedges: PhraseMatcher
    not_hedges: PhraseMatcher
    negations: PhraseMatcher
    not_negations: PhraseMatcher
    terms: PhraseMatcher  # term → category
    stopwords: frozenset[str]
    min_quote_words: int
    months: dict[str, int]
    weekdays: dict[str, int]
    calendar_words: frozenset[str]  # lower case, for speaker and entity boundaries


def _en_forms(lemma: str) -> list[str]:
    if " " in lemma:
        return [lemma]
    if lemma.endswith("e"):
        return [lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"]
    return [lemma, lemma + "s", lemma + "ed", lemma + "ing"]


def _es_forms(lemma: str) -> tuple[list[str], list[str]]:
    if " " in lemma or len(lemma) < 4:
        return [lemma], []
    stem, end = lemma[:-2], lemma[-2:]
    if end == "ar":
        return [stem + s for s in ("ó", "a", "aron", "an", "aba", "aban", "ando")], [stem + "ado"]
    if end in ("er", "ir"):
        return [stem + s for s in ("ió", "e", "ieron", "en", "ía", "ían", "iendo")], [stem + "ido"]
    return [lemma], []


def _apostrophe_forms(words: list[str]) -> list[str]:
    """Each word, plus its typographic-apostrophe spelling when it has a straight one."""
    return [f for w in words for f in ((w, w.replace("'", "’")) if "'" in w else (w,))]


@functools.cache
def _lexicon(langs: tuple[str, ...]) -> _Lexicon:
    att = lexicons.load("attribution")
    hed = lexicons.load("hedges")
    neg = lexicons.load("negations")
    terms = lexicons.load("loaded_terms")
    verb_entries: list[tuple[str, Any]] = []
    sets: dict[str, set[str]] = {k: set() for k in ("aux", "pron", "det", "conn", "comp", "paux")}
    source_entries: list[tuple[str, Any]] = []
    not_verb_entries: list[tuple[str, Any]] = []
    hedge_entries: list[tuple[str, Any]] = []
    not_hedge_entries: list[tuple[str, Any]] = []
    negation_entries: list[tuple[str, Any]] = []
    not_negation_entries: list[tuple[str, Any]] = []
    term_entries: list[tuple[str, Any]] = []
    stop: set[str] = set()
    for lang in langs:
        a = att.get(lang, {})
        skip = {s.lower() for s in a.get("skip", [])}
        for v in a.get("verbs", []):
            lemma, cls = v["lemma"], v["class"]
            if lang == "en":
                forms = v.get("forms") or _en_forms(lemma)
                participles: list[str] = []
            else:
                gen_forms, gen_part = _es_forms(lemma)
                forms = v.get("forms") or gen_forms
                participles = v.get("participle", gen_part if "forms" not in v else [])
            for f in forms:
                if f.lower() not in skip:
                    verb_entries.append((f, (lemma, cls, False)))
            for p in participles:
                verb_entries.append((p, (lemma, cls, True)))
        for key, name in (("aux", "auxiliaries"), ("pron", "pronouns"), ("det", "determiners"),
                          ("conn", "connectors"), ("comp", "complementizers"), ("paux", "participle_auxiliaries")):
            sets[key].update(w.lower() for w in a.get(name, []))
        source_entries += [(s, s) for s in a.get("sources", [])]
        not_verb_entries += [(s, True) for s in a.get("not_verbs", [])]
        h = hed.get(lang, {})
        hedge_entries += [(w, "hedging") for w in h.get("words", [])]
        not_hedge_entries += [(w, True) for w in h.get("not_hedges", [])]
        n = neg.get(lang, {})
        negation_entries += [(w, True) for w in _apostrophe_forms(n.get("words", []))]
        not_negation_entries += [(w, True) for w in _apostrophe_forms(n.get("not_negations", []))]
        for category, words in terms.get(lang, {}).items():
            term_entries += [(w, category) for w in words]
        stop |= lexicons.stopwords(lang)
    code = langs[0] if len(langs) == 1 else None
    return _Lexicon(
        langs=langs,
        verbs=PhraseMatcher(verb_entries),
        participle_aux=frozenset(sets["paux"]),
        auxiliaries=frozenset(sets["aux"]),
        pronouns=frozenset(sets["pron"]),
        determiners=frozenset(sets["det"]),
        connectors=frozenset(sets["conn"]),
        name_connectors=frozenset(w for lang in lexicons.SUPPORTED for w in att.get(lang, {}).get("name_connectors", [])),
        name_articles=frozenset(w for lang in lexicons.SUPPORTED for w in att.get(lang, {}).get("name_articles", [])),
        complementizers=frozenset(sets["comp"]),
        not_verbs=PhraseMatcher(not_verb_entries),
        sources=PhraseMatcher(source_entries),
        hedges=PhraseMatcher(hedge_entries),
        not_hedges=PhraseMatcher(not_hedge_entries),
        negations=PhraseMatcher(negation_entries),
        not_negations=PhraseMatcher(not_negation_entries),
        terms=PhraseMatcher(term_entries),
        stopwords=frozenset(stop),
        min_quote_words=int(att.get("min_quote_words", 4)),
        months=month_names(code),
        weekdays=weekday_names(code),
        calendar_words=calendar_words(code),
    )


# ----------------------------------------------------------------------------- entry point


def extract_claim(sentence: Sentence, *, language: str | None,
                  published: datetime | date | str | None = None) -> ClaimFeatures:
    """Claim features of `sentence`; offsets in the result are absolute (article offsets).

    `language` selects the lexicons (ISO 639-1; None or an unsupported code: guessed from the
    sentence's function words, else both English and Spanish apply). `published` anchors
    relative dates ("yesterday", "el viernes") and years missing from "March 28"; a datetime, a
    date or an ISO 8601 string (as in ArticleRecord.published); unreadable means unknown.

    Rules, in order:
    1. Quotes: text between “ ” « » ‘ ’ „ “ or straight double quotes; a quote left open runs
       to the sentence's end, a close without an opening starts at the sentence's start (a
       quotation continued across sentences).
    2. Dates (parsers.claim_dates.find_dates), then numbers outside them
       (parsers.claim_numbers.find_numbers).
    3. Attribution: the first reporting verb outside quotes (attribution.toml) whose speaker
       can be found; the speaker is the name or noun phrase before the verb, or after it when
       the verb follows a quote, a comma or opens the clause ("—dijo Sheinbaum"); a pronoun
       gives speaker None. Passive uses ("was called off") are not attributions.
    4. Sources: the noun phrase after "according to", "según", "citing"...; with no verb
       speaker, the first source is the speaker.
    5. Hedges and loaded terms (hedges.toml, loaded_terms.toml), each flagged in_quote;
       negations (negations.toml), inside quotes too: a quoted denial is still a denial.
    6. Names (see `_entities`).
    7. Kind, first that applies: direct_quote (a quote of at least `min_quote_words` words),
       reported_speech (an attribution verb with a subject, or a source), numeric (a number),
       assertion.
    """
    text = sentence.text
    base = sentence.start
    lang = lexicons.resolve_language(language, text)
    lex = _lexicon(lexicons.languages_for(lang))

    quote_spans = _quotes(text)
    quote_ranges = [(s, e) for s, e in quote_spans]
    dates = find_dates(text, lang, published)
    date_ranges = [(d[1], d[2]) for d in dates]
    numbers = find_numbers(text, lang, date_ranges)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]

    verb, speaker_span, pronoun = _attribution(text, tokens, lex, quote_ranges)
    sources = _sources(text, tokens, lex, quote_ranges)
    speaker = text[speaker_span[0]:speaker_span[1]] if speaker_span else None
    if speaker is None and not pronoun and sources:
        speaker = sources[0]

    hedge_hits = [h for h in lex.hedges.finditer(text)
                  if not overlaps(h.start, h.end, date_ranges)
                  and not any(n.start <= h.start and h.end <= n.end for n in lex.not_hedges.finditer(text))]
    terms = [TermMention(h.text, "hedging", base + h.start, base + h.end, overlaps(h.start, h.end, quote_ranges))
             for h in hedge_hits]
    for h in lex.terms.finditer(text):
        if overlaps(h.start, h.end, date_ranges):
            continue
        terms.append(TermMention(h.text, h.value, base + h.start, base + h.end, overlaps(h.start, h.end, quote_ranges)))
    terms.sort(key=lambda t: (t.start, t.end, t.category))

    negations, negation_scope = _negations(text, tokens, lex)
    quotes = tuple(Quote(text[s:e], base + s, base + e, speaker if verb else None) for s, e in quote_spans)
    entities = _entities(text, tokens, lex, quote_ranges)

    if any(len(q.text.split()) >= lex.min_quote_words for q in quotes):
        kind = "direct_quote"
    elif (verb and (speaker_span or pronoun)) or sources:
        kind = "reported_speech"
    elif numbers:
        kind = "numeric"
    else:
        kind = "assertion"

    return ClaimFeatures(
        kind=kind,
        speaker=speaker,
        attribution_verb=verb[2] if verb else None,
        attribution_class=verb[3] if verb else None,
        sources=tuple(sources),
        hedges=tuple(h.text.lower() for h in hedge_hits),
        quotes=quotes,
        numbers=tuple(NumberMention(raw, value, unit, concept, qual, base + s, base + e)
                      for raw, value, unit, concept, qual, s, e in numbers),
        dates=tuple(DateMention(text[s:e], value, precision, resolved, base + s, base + e)
                    for value, s, e, precision, resolved in dates),
        terms=tuple(terms),
        entities=tuple(entities),
        language=lang,
        attribution_start=base + verb[0] if verb else None,
        attribution_end=base + verb[1] if verb else None,
        negations=negations,
        negation_scope=negation_scope,
    )


def _negations(text: str, tokens: list[tuple[int, int, str]], lex: _Lexicon) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Negation words of `text` (lower case, in order) and their scope: the stems of what they
    bear on, so that a denial can be matched against the sentence it denies.

    Rules, in order:
    1. A negation inside a phrase that denies nothing ("not only", "no doubt", "no más de") is
       left out, and so is "No." before a number ("the No. 2 official").
    2. The scope of a negation is the next `_SCOPE_WORDS` content words after it (stopwords and
       words under 3 letters skipped), stopping at clause punctuation or another negation:
       "signed no agreement with the United States" → agreement, united, states.
    3. Scope words are lower case, accent-free and stemmed (parsers.align.stem), as the
       alignment compares words; stems under 4 letters are dropped (they begin too many words).
    """
    excluded = [(n.start, n.end) for n in lex.not_negations.finditer(text)]
    hits = [h for h in lex.negations.finditer(text)
            if not any(s <= h.start and h.end <= e for s, e in excluded)
            and not (h.key == "no" and _NUMBER_ABBREVIATION.match(text, h.end))]
    lang = lex.langs[0] if len(lex.langs) == 1 else None
    scope: list[str] = []
    for i, h in enumerate(hits):
        stop_at = hits[i + 1].start if i + 1 < len(hits) else len(text)
        taken = 0
        for start, _end, tok in tokens:
            if start < h.end:
                continue
            if start >= stop_at or tok in _BOUNDARY_PUNCT or taken == _SCOPE_WORDS:
                break
            word = lexicons.strip_accents(tok.lower())
            if len(word) < 3 or not word[0].isalnum() or word in lex.stopwords:
                continue
            taken += 1
            stemmed = stem(word, lang)
            if len(stemmed) >= 4 and stemmed not in scope:  # shorter stems match too much
                scope.append(stemmed)
    return tuple(h.text.lower() for h in hits), tuple(scope)


# ----------------------------------------------------------------------------- quotes


def _quotes(text: str) -> list[tuple[int, int]]:
    """Inner spans of quotations (rule 1 of extract_claim), trimmed of spaces, in order."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    straight_open: int | None = None
    while i < n:
        ch = text[i]
        if ch in _QUOTE_PAIRS and not (ch == "‘" and _is_apostrophe(text, i)):
            close = _QUOTE_PAIRS[ch]
            j = i + 1
            while j < n:
                if text[j] == close and not (close == "’" and _is_apostrophe(text, j)):
                    break
                j += 1
            spans.append((i + 1, j))
            i = j + 1
            continue
        if ch in "”»" and not spans and straight_open is None:
            spans.append((0, i))  # closes a quotation opened in an earlier sentence
        elif ch == "’" and not spans and not _is_apostrophe(text, i) and i > 0 and text[i - 1] in ".,!?":
            spans.append((0, i))
        elif ch == '"':
            if straight_open is None:
                prev = text[i - 1] if i else " "
                if i and not (prev.isspace() or prev in "([{—–-:") and not spans:
                    spans.append((0, i))  # a closing straight quote with no opening
                else:
                    straight_open = i
            else:
                spans.append((straight_open + 1, i))
                straight_open = None
        i += 1
    if straight_open is not None:
        spans.append((straight_open + 1, n))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(c.isalnum() for c in text[s:e]):
            out.append((s, e))
    return out


def _is_apostrophe(text: str, i: int) -> bool:
    """A ’ or ‘ between letters (don’t, O’Brien) or after an s (the Mexicans’ data)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isalpha() and (after.isalpha() or (before in "sS" and not after.isalnum()))


# ----------------------------------------------------------------------------- attribution


_PASSIVE_AUX = frozenset({"was", "were", "is", "are", "been", "be", "being", "get", "got", "gets",
                          "fue", "fueron", "es", "son", "ser", "sido", "será", "serán", "era", "eran"})
_ADVERBS = frozenset({"not", "never", "also", "reportedly", "allegedly", "later", "then", "already",
                      "no", "nunca", "también", "ya"})


def _is_word(tok: str) -> bool:
    return tok[:1].isalnum()


def _attribution(text: str, tokens, lex: _Lexicon, quote_ranges):
    """((start, end, verb, class), speaker span, pronoun?) for the chosen reporting verb."""
    candidates = []
    idioms = [(n.start, n.end) for n in lex.not_verbs.finditer(text)]
    for h in lex.verbs.finditer(text):
        if overlaps(h.start, h.end, quote_ranges) or overlaps(h.start, h.end, idioms):
            continue
        lemma, cls, needs_aux = h.value
        ti = _token_index(tokens, h.start)
        if ti is None:
            continue
        before = tokens[max(0, ti - 4):ti]
        prev_words = [t[2].lower() for t in before if _is_word(t[2])]
        if needs_aux and not (prev_words and prev_words[-1] in lex.participle_aux):
            continue
        # the word before the verb, adverbs and negation skipped ("were not announced")
        k = len(prev_words) - 1
        while k > 0 and prev_words[k] in _ADVERBS:
            k -= 1
        prev = prev_words[k] if prev_words else ""
        if prev in _PASSIVE_AUX:
            continue  # passive: "was called off", "were not announced", "fue señalado"
        if prev == "to" and "en" in lex.langs:
            continue  # infinitive: "is right to insist on it"
        if prev_words and prev_words[-1] in lex.determiners:
            continue  # an adjective: "an estimated 450 million", "the said agreement"
        vend = _token_index(tokens, h.end - 1)
        if prev_words and prev_words[-1] == "se" and not h.key.startswith("se "):
            # impersonal "se anunció", "se informó que": reported, by nobody named
            candidates.append(((h.start, h.end, h.text, cls), None, True))
            continue
        speaker, pronoun = _speaker(text, tokens, ti, vend if vend is not None else ti, lex, quote_ranges)
        candidates.append(((h.start, h.end, h.text, cls), speaker, pronoun))
    if not candidates:
        return None, None, False
    for c in candidates:
        if c[1] is not None:
            return c
    for c in candidates:
        if c[2]:
            return c
    return candidates[0]


def _token_index(tokens, pos: int) -> int | None:
    for i, (s, e, _) in enumerate(tokens):
        if s <= pos < e:
            return i
    return None


def _inverted_context(tokens, vi: int, lex: _Lexicon) -> bool:
    """The verb follows a quote, a comma, a dash or opens the sentence ("—dijo Noem")."""
    j = vi - 1
    while j >= 0 and tokens[j][2].lower() in lex.auxiliaries:
        j -= 1
    if j < 0:
        return True
    return tokens[j][2] in _BOUNDARY_PUNCT or tokens[j][2] in ("-",)


def _speaker(text, tokens, vi: int, vend: int, lex: _Lexicon, quote_ranges):
    """(speaker span | None, pronoun?) for the verb spanning tokens vi..vend."""
    if _inverted_context(tokens, vi, lex):
        after = _np_after(tokens, vend + 1, lex, quote_ranges)
        if after[0] is not None or after[1]:
            return after
        before = _np_before(tokens, vi, lex, quote_ranges)
        if before[0] is not None or before[1]:
            return before
        return _appositive_subject(tokens, vi, lex), False
    before = _np_before(tokens, vi, lex, quote_ranges)
    if before[0] is not None or before[1]:
        return before
    return _appositive_subject(tokens, vi, lex), False


def _appositive_subject(tokens, vi: int, lex: _Lexicon):
    """"Noem, known for ..., made it clear": the name opening the sentence, before a comma,
    when the verb follows a comma too."""
    j = vi - 1
    while j >= 0 and tokens[j][2].lower() in lex.auxiliaries:
        j -= 1
    if j < 0 or tokens[j][2] != ",":
        return None
    k = 0
    while k < vi and _is_word(tokens[k][2]) and tokens[k][2][:1].isupper() and not _stop_word(tokens[k][2], lex):
        k += 1
    if k == 0 or k >= vi or tokens[k][2] != "," or k == j:
        return None
    return tokens[0][0], tokens[k - 1][1]


def _stop_word(tok: str, lex: _Lexicon) -> bool:
    low = tok.lower()
    return low in lex.stopwords or low in lex.calendar_words


def _np_before(tokens, vi: int, lex: _Lexicon, quote_ranges):
    j = vi - 1
    while j >= 0 and tokens[j][2].lower() in lex.auxiliaries:
        j -= 1
    if j < 0:
        return None, False
    tok = tokens[j][2]
    if tok.lower() in lex.pronouns:
        return None, True
    if not _is_word(tok) or overlaps(tokens[j][0], tokens[j][1], quote_ranges):
        return None, False
    first = last = j
    if tok[:1].isupper() and not _stop_word(tok, lex):
        # a name: capitalised words and connectors between them, no possessor
        k = j
        while k >= 0:
            t = tokens[k][2]
            if _is_word(t) and t[:1].isupper() and not _stop_word(t, lex):
                first = k
                k -= 1
            elif t.lower() in lex.connectors and k > 0 and tokens[k - 1][2][:1].isupper() and _is_word(tokens[k - 1][2]) \
                    and not _stop_word(tokens[k - 1][2], lex):
                k -= 1
            else:
                break
    else:
        # a noun phrase: words back to a determiner (kept), names and possessives allowed
        k = j
        steps = 0
        while k >= 0 and steps < 7:
            t = tokens[k][2]
            low = t.lower()
            if low in lex.determiners:
                first = k
                # "the head of the ministry", "organismos de la región": go on past "of"/"de"
                if k >= 2 and tokens[k - 1][2].lower() in ("of", "de", "del") and _is_word(tokens[k - 2][2]) \
                        and not _stop_word(tokens[k - 2][2], lex):
                    k -= 2
                    steps += 2
                    first = k + 1
                    continue
                break
            if t in ("'s", "’s", "'S") or (low in lex.connectors and k < j):
                k -= 1
                steps += 1
                continue
            if not _is_word(t) or _stop_word(t, lex) or low in lex.pronouns:
                break
            first = k
            k -= 1
            steps += 1
        if tokens[first][2].lower() in lex.stopwords and tokens[first][2].lower() not in lex.determiners:
            return None, False
    while first <= last and tokens[first][2].lower() in lex.connectors:
        first += 1
    while last >= first and tokens[last][2].lower() in lex.connectors:
        last -= 1
    if first > last:
        return None, False
    if first == last and tokens[first][2].lower() in lex.determiners:
        return None, False
    return (tokens[first][0], tokens[last][1]), False


def _np_after(tokens, i: int, lex: _Lexicon, quote_ranges):
    n = len(tokens)
    while i < n and tokens[i][2].lower() in lex.auxiliaries:
        i += 1
    if i >= n:
        return None, False
    tok = tokens[i][2]
    if tok.lower() in lex.complementizers:
        return None, False
    if tok.lower() in lex.pronouns:
        return None, True
    if not _is_word(tok) or overlaps(tokens[i][0], tokens[i][1], quote_ranges):
        return None, False
    first = last = i
    k = i
    if tok.lower() in lex.determiners:
        k = i + 1
        steps = 0
        while k < n and steps < 6:
            t = tokens[k][2]
            if not _is_word(t) or t.lower() in lex.complementizers or (
                    _stop_word(t, lex) and t.lower() not in lex.connectors) or t.lower() in lex.pronouns:
                break
            if t.lower() in lex.connectors and not (k + 1 < n and _is_word(tokens[k + 1][2])
                                                    and not _stop_word(tokens[k + 1][2], lex)):
                break
            last = k
            k += 1
            steps += 1
        if last == first:
            return None, False
    elif tok[:1].isupper() and not _stop_word(tok, lex):
        k = i + 1
        while k < n:
            t = tokens[k][2]
            if _is_word(t) and t[:1].isupper() and not _stop_word(t, lex):
                last = k
                k += 1
            elif t.lower() in lex.connectors and k + 1 < n and tokens[k + 1][2][:1].isupper() and _is_word(tokens[k + 1][2]):
                k += 1
            else:
                break
    else:
        return None, False
    return (tokens[first][0], tokens[last][1]), False


def _sources(text: str, tokens, lex: _Lexicon, quote_ranges) -> list[str]:
    out = []
    verb_starts = {h.start for h in lex.verbs.finditer(text)}
    for h in lex.sources.finditer(text):
        if overlaps(h.start, h.end, quote_ranges):
            continue
        i = 0
        while i < len(tokens) and tokens[i][0] < h.end:
            i += 1
        first = last = None
        k = i
        while k < len(tokens) and k - i < 8:
            s, e, t = tokens[k]
            low = t.lower()
            if not _is_word(t) and t not in ("'s", "’s"):
                if t in (".",) and k + 1 < len(tokens) and _is_word(tokens[k + 1][2]) and e == tokens[k + 1][0]:
                    pass
                else:
                    break
            if low in lex.complementizers and first is not None and low not in ("of", "de"):
                break
            if s in verb_starts:
                break
            if low in lex.pronouns and first is None:
                break
            if first is None:
                first = k
            last = k
            k += 1
        if first is None:
            continue
        while last > first and tokens[last][2].lower() in lex.stopwords:
            last -= 1
        src = text[tokens[first][0]:tokens[last][1]]
        if src.lower() in lex.pronouns or src.lower() in lex.stopwords:
            continue
        out.append(src)
    return out


# ----------------------------------------------------------------------------- entities


def _entities(text: str, tokens, lex: _Lexicon, quote_ranges) -> list[str]:
    """Capitalised names, in order, without duplicates.

    Rules, in order:
    1. A name is a run of capitalised words ("Claudia Sheinbaum") or acronyms ("FBI", "U.S.",
       "EE. UU."), with connectors between capitalised words ("Department of Homeland
       Security", "Secretaría de Relaciones Exteriores", "Juan Ramón de la Fuente").
    2. A possessive ends a name ("Mexico's President Claudia Sheinbaum" → "Mexico",
       "President Claudia Sheinbaum").
    3. Capitalised function words are dropped from the front ("The", "In", "El"), and month,
       weekday and relative-date words are not names.
    4. The sentence's first word, and the first word after an opening quote or a colon, is
       capitalised by rule: alone it is not a name (unless an acronym); inside a multi-word
       run it is kept.
    """
    out: list[str] = []
    seen: set[str] = set()
    n = len(tokens)
    initial: set[int] = set()
    first_word = True
    for idx, (s, e, t) in enumerate(tokens):
        if _is_word(t):
            if first_word:
                initial.add(idx)
            first_word = False
        elif t in ":“«\"‘¿¡(—–" or (t in "'" and idx == 0):
            first_word = True

    def capital(t: str) -> bool:
        return _is_word(t) and t[:1].isupper() and not t[:1].isdigit()

    i = 0
    while i < n:
        s, e, t = tokens[i]
        if not capital(t):
            i += 1
            continue
        run = [i]
        k = i + 1
        while k < n:
            tk = tokens[k][2]
            gap = text[tokens[k - 1][1]:tokens[k][0]]
            if gap and not gap.isspace():
                break
            if tk in ("'s", "’s", "'S"):
                break
            if capital(tk):
                run.append(k)
                k += 1
                continue
            # a connector, maybe with an article ("of", "de la"), only between capitalised words
            j = k
            if tokens[j][2].lower() in lex.name_connectors:
                j += 1
                if j < n and tokens[j][2].lower() in lex.name_articles:
                    j += 1
            if j > k and j < n and capital(tokens[j][2]) and not _stop_word(tokens[j][2], lex):
                run.extend(range(k, j))
                k = j
                continue
            break
        i = k
        # drop leading function / calendar words
        while run and (tokens[run[0]][2].lower() in lex.stopwords or tokens[run[0]][2].lower() in lex.calendar_words
                       or tokens[run[0]][2].rstrip(".") in lex.months):
            run.pop(0)
        while run and (tokens[run[-1]][2].lower() in lex.name_connectors | lex.name_articles):
            run.pop()
        # calendar words inside a run end it ("Noem Friday" is not a name)
        cut = [r for r in run if tokens[r][2].lower() in lex.calendar_words or tokens[r][2] in lex.months
               or tokens[r][2] in lex.weekdays]
        if cut:
            run = run[:run.index(cut[0])]
        if not run:
            continue
        if len(run) == 1 and run[0] in initial:
            word = tokens[run[0]][2]
            if not (2 <= len(word.replace(".", "")) <= 5 and word.replace(".", "").isupper()):
                continue
        name = text[tokens[run[0]][0]:tokens[run[-1]][1]]
        if name.lower() in lex.stopwords or len(name) < 2 or name == "I":
            continue
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out



# ----------------------------------------------------------------------------- reprints


def shifted(features: ClaimFeatures, by: int) -> ClaimFeatures:
    """The same features with every offset moved by `by`."""
    if not by:
        return features
    return replace(
        features,
        quotes=tuple(replace(q, start=q.start + by, end=q.end + by) for q in features.quotes),
        numbers=tuple(replace(n, start=n.start + by, end=n.end + by) for n in features.numbers),
        dates=tuple(replace(d, start=d.start + by, end=d.end + by) for d in features.dates),
        terms=tuple(replace(t, start=t.start + by, end=t.end + by) for t in features.terms),
        attribution_start=None if features.attribution_start is None else features.attribution_start + by,
        attribution_end=None if features.attribution_end is None else features.attribution_end + by,
    )


# Wire copies repeat sentences word for word: at 10,000 synthesized articles 144,351 sentences
# hold 35,909 distinct (wording, language, publication day). A sentence's features depend on
# nothing else (extract_claim reads the publication date only as a day), so each is worked out
# once per process; the bound keeps the memory of a long run in check.
_REMEMBERED = 50_000


@functools.lru_cache(maxsize=_REMEMBERED)
def _claim_of_wording(text: str, language: str | None, day: date | None) -> ClaimFeatures:
    return extract_claim(Sentence(idx=0, paragraph=0, start=0, end=len(text), text=text), language=language,
                         published=day)


def extract_claim_remembered(sentence: Sentence, *, language: str | None,
                             published: datetime | date | str | None = None) -> ClaimFeatures:
    """`extract_claim`, computed once per wording, language and publication day (reprints),
    with the offsets of this sentence."""
    return shifted(_claim_of_wording(sentence.text, language, publication_day(published)), sentence.start)
