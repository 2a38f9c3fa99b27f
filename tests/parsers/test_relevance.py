"""The topic filter: readable rules, a reason for every decision."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from parsers.records import ArticleRecord
from parsers.relevance import judge

TERMS = ("Noem", "Sheinbaum", "biométric*", "tariff*")


def rec(body: str, title: str = "", published: str | None = "2025-03-29T08:15:00-06:00") -> ArticleRecord:
    return ArticleRecord(url="u", canonical_url="u", outlet="o", outlet_domain="", title=title, authors=(),
                         published=published, published_source="meta", modified=None, modified_source=None,
                         language="es", language_source="html-lang", body=body)


def test_accents_case_and_prefix_terms():
    d = judge(rec("La presidenta SHEINBAUM rechazó compartir datos biometricos."), TERMS, min_matches=2)
    assert d.relevant and d.matched_terms == ("Sheinbaum", "biométric*")
    assert d.reason == "matched 2 of 4 terms (need 2)"


def test_word_boundaries_and_the_reason_for_dropping():
    d = judge(rec("Escasez de agua en Noemíville; los tariffs locales suben."), TERMS, min_matches=2)
    assert not d.relevant and d.matched_terms == ("tariff*",) and "need 2" in d.reason


def test_window_and_empty_pages():
    window = (datetime(2025, 4, 1, tzinfo=timezone.utc), None)
    d = judge(rec("Noem met Sheinbaum."), TERMS, min_matches=2, window=window)
    assert not d.relevant and "before the topic window" in d.reason
    assert not judge(rec("   "), TERMS).relevant
    # an unknown date never drops an article; a bare date is read as UTC
    assert judge(rec("Noem met Sheinbaum.", published=None), TERMS, min_matches=2, window=window).relevant
    assert judge(rec("Noem met Sheinbaum.", published="2025-04-02"), TERMS, min_matches=2, window=window).relevant


def test_no_terms_keeps_everything_given():
    assert judge(rec("Any text at all."), ()).relevant


def test_a_paywall_teaser_is_not_an_article_to_compare():
    teaser = ArticleRecord(url="u", canonical_url="u", outlet="o", outlet_domain="", title="Noem y Sheinbaum",
                           authors=(), published=None, published_source=None, modified=None,
                           modified_source=None, language="es", language_source=None,
                           body="Noem y Sheinbaum se reunieron. Suscríbete para seguir leyendo.", status="paywalled")
    d = judge(teaser, TERMS, min_matches=2)
    assert not d.relevant and d.reason.startswith("paywalled")


def test_a_word_listed_in_two_spellings_counts_once():
    d = judge(rec("Only biometric data is mentioned here."), ("biometric*", "biométric*", "Noem"), min_matches=2)
    assert not d.relevant and d.reason == "matched 1 of 2 terms (need 2)"


@pytest.mark.parametrize("status", ["consent_wall", "js_shell"])
def test_pages_that_hide_their_article_are_not_compared(status):
    page = ArticleRecord(url="u", canonical_url="u", outlet="o", outlet_domain="", title="Noem y Sheinbaum",
                         authors=(), published=None, published_source=None, modified=None,
                         modified_source=None, language="es", language_source=None, body="", status=status)
    d = judge(page, TERMS)
    assert not d.relevant and "article" in d.reason
