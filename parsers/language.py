"""Language of a text, by stopword profiles and writing systems; normalisation of language codes.

Profiles live in parsers/data/language.toml. Detection is deliberately conservative: a wrong
language silently sends Spanish text through English sentence rules downstream, while None
makes the caller fall back to the page's declaration.
"""
from __future__ import annotations

import functools
import re
from collections import Counter

from parsers import datafiles

__all__ = ["detect_language", "normalize_language_code", "language_scores"]

# Evidence thresholds for detect_language (see its docstring).
_MIN_EVIDENCE = 4.0  # weighted stopword hits
_MIN_MARGIN = 1.5  # best / second-best
_MIN_SHARE = 0.12  # weighted hits / word tokens
_MAX_CHARS = 20_000  # more text does not change the answer, only the time

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_LETTER = re.compile(r"[^\W\d_]")
_CODE = re.compile(r"^[a-z]{2,3}$")


@functools.lru_cache(maxsize=1)
def _profiles() -> tuple[dict[str, dict[str, float]], list[tuple[str, re.Pattern[str], float]], dict[str, str]]:
    data = datafiles.load("language")
    owners: dict[str, list[str]] = {}
    for lang, words in data["stopwords"].items():
        for w in set(words):
            owners.setdefault(w, []).append(lang)
    # word → {lang: weight}; a word shared by n languages counts 1/n for each of them.
    weights = {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}
    scripts = []
    for lang, spec in data.get("scripts", {}).items():
        cls = "".join(f"{re.escape(chr(int(a)))}-{re.escape(chr(int(b)))}" for a, b in spec["ranges"])
        scripts.append((lang, re.compile(f"[{cls}]"), float(spec["min_share"])))
    return weights, scripts, dict(data.get("codes", {}))


def normalize_language_code(code: str | None) -> str | None:
    """A declared language tag as an ISO 639-1 code: "es-MX" → "es", "en_US" → "en",
    "spa" → "es", "iw" → "he"; None for empty, undetermined ("und", "mul", "zxx"),
    private-use ("x-...") or malformed values."""
    if not code:
        return None
    primary = re.split(r"[-_\s,;]", code.strip().lower(), maxsplit=1)[0]
    if not _CODE.match(primary) or primary in ("und", "mul", "zxx", "mis"):
        return None
    primary = _profiles()[2].get(primary, primary)
    return primary if len(primary) == 2 else None


def _script_language(text: str) -> str | None:
    if text.isascii():
        return None
    n_letters = len(_LETTER.findall(text))
    if n_letters < 20:
        return None
    for lang, chars, min_share in _profiles()[1]:
        if len(chars.findall(text)) / n_letters >= min_share:
            return lang
    return None


def language_scores(text: str) -> tuple[dict[str, float], int]:
    """Weighted stopword hits per language, and the number of word tokens looked at."""
    weights = _profiles()[0]
    tokens = _WORD.findall(text[:_MAX_CHARS].lower())
    counts = Counter(tokens)
    scores: dict[str, float] = {}
    for word, n in counts.items():
        for lang, w in weights.get(word, {}).items():
            scores[lang] = scores.get(lang, 0.0) + w * n
    return scores, len(tokens)


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of `text`'s language, or None when unsure.

    Rules, in order:
    1. Writing systems that identify one language (kana → ja, hangul → ko, Han without kana →
       zh, Greek, Thai, Hebrew) when they make up enough of the letters.
    2. Stopword profiles (en, es, pt, fr, de, it, nl, ru): the language with the most weighted
       hits wins if it has at least 4 hits, 1.5 times the runner-up's, and its hits are at least
       12% of the word tokens (so a short title or a list of names gives None).
    """
    if not text or not text.strip():
        return None
    sample = text[:_MAX_CHARS]
    by_script = _script_language(sample[:5000])
    if by_script:
        return by_script
    scores, n_tokens = language_scores(sample)
    if not scores or n_tokens == 0:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < _MIN_EVIDENCE or best_score / n_tokens < _MIN_SHARE:
        return None
    if second and best_score / second < _MIN_MARGIN:
        return None
    return best
