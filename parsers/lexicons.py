"""Lexicon data for the text analysis (sentences, claims, alignment): loading, caching, matching.

Every word list the analysis uses lives in a TOML file under `parsers/data/`, one table per
language (`en`, `es`). This module reads each file once (via parsers.datafiles), normalises language
codes, guesses a language when the caller has none, and compiles phrase lists into regular
expressions that match whole words, longest phrase first.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from parsers import datafiles
from parsers.language import normalize_language_code

DATA_DIR = datafiles.DATA_DIR
SUPPORTED = ("en", "es")


def load(name: str) -> dict[str, Any]:
    """The parsed TOML file `parsers/data/<name>.toml`, read once per process (parsers.datafiles)."""
    return datafiles.load(name)


# One definition of a language tag's code for the whole package (parsers.language).
normalize_language = normalize_language_code


def languages_for(language: str | None) -> tuple[str, ...]:
    """The lexicon languages to apply: the given one if supported, else all of them.

    Unknown or missing languages get every lexicon, so digits, quotes and names still work and
    a mislabelled page loses nothing; callers that can guess a language do so first.
    """
    code = normalize_language(language)
    return (code,) if code in SUPPORTED else SUPPORTED


def per_language(name: str, key: str, language: str | None) -> list[Any]:
    """Concatenate `[<lang>].<key>` lists of data file `name` for the languages in force."""
    data = load(name)
    out: list[Any] = []
    for lang in languages_for(language):
        out.extend(data.get(lang, {}).get(key, []))
    return out


def strip_accents(text: str) -> str:
    """Lower-case letters without diacritics (ñ → n, é → e); used for matching, never for output."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_list(value: str | list[str] | None) -> list[str]:
    """A data file's word list: a TOML array, or one string of whitespace-separated words."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return list(value)


@functools.cache
def stopwords(lang: str) -> frozenset[str]:
    """Function words of a language, lower case, with and without accents."""
    words = word_list(load("stopwords").get(lang, {}).get("words"))
    out = set()
    for w in words:
        out.add(w.lower())
        out.add(strip_accents(w.lower()))
    return frozenset(out)


@functools.cache
def all_stopwords() -> frozenset[str]:
    return frozenset().union(*(stopwords(lang) for lang in SUPPORTED))


_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """'en' or 'es' by counting function words that belong to only one of the two languages.

    Rules, in order: (1) count words found in exactly one language's list (the lists overlap on
    words such as "a", "no", "me"); (2) a language needs at least two such words and a 2:1
    margin over the other; (3) otherwise the text is too short or mixed and the answer is None.
    """
    en, es = stopwords("en"), stopwords("es")
    n_en = n_es = 0
    for m in _WORD.finditer(text.lower()):
        w = m.group()
        in_en, in_es = w in en, w in es
        if in_en and not in_es:
            n_en += 1
        elif in_es and not in_en:
            n_es += 1
    if n_en >= 2 and n_en >= 2 * n_es:
        return "en"
    if n_es >= 2 and n_es >= 2 * n_en:
        return "es"
    return None


def resolve_language(language: str | None, text: str) -> str | None:
    """The caller's language when supported, else a guess from the text (None when unsure)."""
    code = normalize_language(language)
    if code in SUPPORTED:
        return code
    return guess_language(text)


@dataclass(frozen=True, slots=True)
class PhraseHit:
    start: int
    end: int
    text: str  # as written in the input
    key: str  # the lexicon entry that matched (lower case)
    value: Any  # what the lexicon attaches to the entry (class, category, concept...)


def phrase_trie_pattern(phrases: Iterable[str]) -> str:
    """One regular expression matching any of the phrases, their shared beginnings written
    once: "tariff", "tariffs" and "tariff war" become `tariff(?:s|\\s+war)?`.

    A plain alternation of a lexicon's hundreds of phrases is tried phrase by phrase at every
    position of the text, and that was a third of claim extraction. Here each character is
    looked at once per branch. The longest phrase still wins: an optional tail is greedy, so a
    longer phrase is tried before the shorter one it extends, and if what follows the longer one
    fails the caller's checks, the match backs off to the shorter. Words of a phrase are
    separated by any run of white space (`\\s+`).
    """
    # trie keys: a character; " " for the white space between two words (a word never holds
    # any); "" for a phrase's end
    root: dict = {}
    for phrase in phrases:
        node = root
        for ch in " ".join(phrase.split()):
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if k == " " else re.escape(k)) + emit(node[k])
                    for k in sorted((k for k in node if k), key=lambda k: (k == " ", k))]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")

    return "(?:" + emit(root) + ")"


class PhraseMatcher:
    """Whole-word, case-insensitive matching of many phrases at once, longest phrase first.

    Spaces inside a phrase match any run of whitespace; a phrase written with an accent also
    matches without it only if the lexicon lists both spellings (accents carry meaning in
    Spanish: "él"/"el", "sé"/"se").
    """

    def __init__(self, entries: Iterable[tuple[str, Any]], *, case_sensitive: bool = False):
        table: dict[str, Any] = {}
        for phrase, value in entries:
            key = phrase if case_sensitive else phrase.lower()
            table.setdefault(key, value)  # first listing wins: data files order their entries
        self._table = table
        self._case_sensitive = case_sensitive
        if not table:
            self._re = None
            return
        flags = 0 if case_sensitive else re.IGNORECASE
        # whole words: no letter or digit next to the match, nor a hyphen joining it to one
        # ("called" is not in "so-called", "right" not in "right-wing")
        self._re = re.compile(r"(?<!\w)(?<!\w-)" + phrase_trie_pattern(table) + r"(?!\w)(?!-\w)", flags)

    def finditer(self, text: str) -> Iterator[PhraseHit]:
        if self._re is None:
            return
        for m in self._re.finditer(text):
            raw = m.group()
            key = " ".join(raw.split())
            if not self._case_sensitive:
                key = key.lower()
            yield PhraseHit(m.start(), m.end(), raw, key, self._table.get(key))

    def __contains__(self, phrase: str) -> bool:
        key = phrase if self._case_sensitive else phrase.lower()
        return " ".join(key.split()) in self._table

    def get(self, phrase: str, default: Any = None) -> Any:
        key = phrase if self._case_sensitive else phrase.lower()
        return self._table.get(" ".join(key.split()), default)


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """True when [start, end) shares a character with any of the spans."""
    return any(start < e and s < end for s, e in spans)
