"""PhraseMatcher's factored pattern (parsers.lexicons.phrase_trie_pattern) finds exactly what the
plain alternation of its phrases, longest first, found: the same spans, on every lexicon."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from parsers import align, claim_dates, claim_numbers, claims, lexicons
from parsers.lexicons import PhraseMatcher, phrase_trie_pattern
from tests.parsers.texts import P

SAMPLE_PAGES = Path(__file__).resolve().parents[2] / "sample" / "pages"


def _matchers() -> dict[str, PhraseMatcher]:
    found = {}
    for langs in [(lang,) for lang in lexicons.SUPPORTED] + [lexicons.SUPPORTED]:
        tag = "+".join(langs)
        for module in (claims, claim_numbers, claim_dates):
            lex = module._lexicon(langs)
            for name in dir(lex):
                value = getattr(lex, name, None)
                if isinstance(value, PhraseMatcher) and value._re is not None:
                    found[f"{module.__name__.split('.')[-1]}.{name}[{tag}]"] = value
    for lang in lexicons.SUPPORTED:
        found[f"align.phrases[{lang}]"] = align._tables(lang).phrases
    return found


MATCHERS = _matchers()


def _alternation(matcher: PhraseMatcher) -> re.Pattern:
    """The pattern as it was first written: every phrase in turn, longest first."""
    parts = [r"\s+".join(re.escape(tok) for tok in phrase.split())
             for phrase in sorted(matcher._table, key=lambda p: (-len(p), p))]
    flags = 0 if matcher._case_sensitive else re.IGNORECASE
    return re.compile(r"(?<!\w)(?<!\w-)(?:" + "|".join(parts) + r")(?!\w)(?!-\w)", flags)


def _texts(matcher: PhraseMatcher) -> list[str]:
    """Each phrase in the places where matching is delicate, runs of phrases that extend one
    another, and running text."""
    phrases = sorted(matcher._table)
    rng = random.Random(len(phrases))
    out = []
    for p in phrases:
        spaced = "  \n ".join(p.split())
        out += [f"Then {p} came.", f"{p.upper()}!", f"so-{p} and {p}-wing", f"{p}s {p}x", spaced,
                f"({p}), {p[:-1]}"]
    for _ in range(200):  # phrases side by side: a shorter one may begin a longer one
        out.append(" ".join(rng.choice(phrases) for _ in range(rng.randint(2, 6))))
    out += P
    for page in sorted(SAMPLE_PAGES.glob("*.html")):
        out.append(re.sub(r"<[^>]+>", " ", page.read_bytes().decode("utf-8", "replace")))
    return out


def test_every_lexicon_is_checked():
    # claims (verbs, sources, hedges, negations, terms...), numbers, dates and align phrases, in
    # each language and in both at once
    assert len(MATCHERS) >= 30
    assert any(name.startswith("claims.hedges") for name in MATCHERS)


@pytest.mark.parametrize("name", sorted(MATCHERS))
def test_the_factored_pattern_finds_what_the_alternation_found(name):
    matcher = MATCHERS[name]
    oracle = _alternation(matcher)
    for text in _texts(matcher):
        want = [(m.start(), m.end()) for m in oracle.finditer(text)]
        got = [(h.start, h.end) for h in matcher.finditer(text)]
        assert got == want, f"{name}: {text[:80]!r}"


def test_longest_phrase_wins_and_backs_off_when_what_follows_is_part_of_a_word():
    m = PhraseMatcher([("tariff", 1), ("tariffs", 2), ("tariff war", 3)])
    assert phrase_trie_pattern(["tariff", "tariffs", "tariff war"]) == r"(?:tariff(?:s|\s+war)?)"
    assert [(h.text, h.value) for h in m.finditer("A tariff  war, tariffs, a tariff.")] == [
        ("tariff  war", 3), ("tariffs", 2), ("tariff", 1)]
    # "tariffs" is followed by "-based": neither it nor "tariff" is a whole word there
    assert list(m.finditer("tariffs-based")) == []
    assert [h.text for h in m.finditer("tariff warfare")] == ["tariff"]
