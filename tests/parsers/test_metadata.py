"""parsers.metadata: each step of the cascade on small pages written for these tests."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from parsers.metadata import clean_title, extract_metadata

NOW = datetime(2025, 4, 10, tzinfo=timezone.utc)


def meta(html: str, url: str | None = "https://www.example-news.com/world/story", now: datetime = NOW):
    return extract_metadata(BeautifulSoup(html, "lxml", multi_valued_attributes=None), url, now)


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


# --- JSON-LD -----------------------------------------------------------------------------

def test_jsonld_newsarticle_fields() -> None:
    doc = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Noem meets Sheinbaum at the National Palace",
        "datePublished": "2025-03-28T20:10:00-04:00",
        "dateModified": "2025-03-28T21:00:00-04:00",
        "author": [{"@type": "Person", "name": "Jane Roe"}, {"@type": "Person", "name": "John Doe"}],
        "publisher": {"@type": "Organization", "name": "The Example News"},
        "articleSection": "World",
        "keywords": "Mexico, border, Mexico, tariffs",
        "inLanguage": "en-US",
        "articleBody": "First paragraph.\n\nSecond paragraph.",
    }
    m = meta(page(ld(doc), lang=""))
    assert (m.title, m.title_source) == ("Noem meets Sheinbaum at the National Palace", "jsonld")
    assert (m.authors, m.authors_source) == (("Jane Roe", "John Doe"), "jsonld")
    assert (m.published, m.published_source) == ("2025-03-28T20:10:00-04:00", "jsonld")
    assert m.modified == "2025-03-28T21:00:00-04:00"
    assert (m.site_name, m.site_name_source) == ("The Example News", "jsonld")
    assert m.section == "World"
    assert m.keywords == ("Mexico", "border", "tariffs")
    assert (m.language, m.language_source) == ("en", "jsonld")
    assert (m.genre, m.genre_source) == ("news", "jsonld")
    assert m.article_body == "First paragraph.\n\nSecond paragraph."


def test_jsonld_graph_with_id_references() -> None:
    # The shape Yoast SEO prints on WordPress sites: authors and publisher by @id.
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": "https://ex.org/#website", "name": "Example Daily"},
            {"@type": "WebPage", "@id": "https://ex.org/a/#webpage", "name": "Page name | Example Daily"},
            {
                "@type": "Article",
                "@id": "https://ex.org/a/#article",
                "headline": "Demands put Sheinbaum on the spot &#8211; analysis",
                "datePublished": "2025-04-03T14:12:45+00:00",
                "author": {"@id": "https://ex.org/#/schema/person/1"},
                "publisher": {"@id": "https://ex.org/#organization"},
            },
            {"@type": "Person", "@id": "https://ex.org/#/schema/person/1", "name": "Daniela Cortez"},
            {"@type": "Organization", "@id": "https://ex.org/#organization", "name": "Example Daily"},
        ],
    }
    m = meta(page(ld(graph)), url="https://ex.org/a/")
    assert m.title == "Demands put Sheinbaum on the spot – analysis"  # entities decoded
    assert m.authors == ("Daniela Cortez",)
    assert m.site_name == "Example Daily"


def test_first_article_object_wins_in_a_list() -> None:
    docs = [
        {"@type": "BreadcrumbList", "itemListElement": []},
        {"@type": "NewsArticle", "headline": "The story", "author": {"@type": "Person", "name": "Jane Roe"}},
        {"@type": "NewsArticle", "headline": "A related teaser", "author": {"@type": "Person", "name": "Other Person"}},
    ]
    m = meta(page(ld(docs)))
    assert m.title == "The story" and m.authors == ("Jane Roe",)


def test_organisation_author_that_is_the_publisher_is_not_a_person() -> None:
    doc = {
        "@type": "NewsArticle",
        "headline": "A story",
        "author": {"@type": "Organization", "name": "Example News"},
        "publisher": {"@type": "Organization", "name": "Example News"},
    }
    m = meta(page(ld(doc)))
    assert m.authors == ()
    assert "Example News" in m.organisations
    assert any("no author" in w for w in m.warnings)


def test_person_author_sharing_the_site_name_is_kept() -> None:
    doc = {"@type": "BlogPosting", "headline": "Notes", "author": {"@type": "Person", "name": "Ana Torres"},
           "publisher": {"@type": "Person", "name": "Ana Torres"}}
    assert meta(page(ld(doc))).authors == ("Ana Torres",)


def test_broken_jsonld_is_reported_and_meta_used() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>' \
           '<meta property="og:title" content="From Open Graph">'
    m = meta(page(head))
    assert m.title == "From Open Graph" and m.title_source == "meta"
    assert any("JSON-LD" in w for w in m.warnings)


def test_jsonld_with_trailing_comma_is_repaired() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tolerant",}</script>'
    assert meta(page(head)).title == "Tolerant"


# --- titles ------------------------------------------------------------------------------

def test_og_title_with_site_suffix_prefers_matching_h1() -> None:
    head = '<meta property="og:title" content="Noem presses Sheinbaum | The Ledger">' \
           '<meta property="og:site_name" content="The Ledger">'
    m = meta(page(head, "<h1>Noem presses Sheinbaum</h1>"))
    assert (m.title, m.title_source) == ("Noem presses Sheinbaum", "h1")


def test_og_title_cleaned_when_h1_is_the_logo() -> None:
    head = '<meta property="og:title" content="Noem presses Sheinbaum - The Ledger">' \
           '<meta property="og:site_name" content="The Ledger">'
    m = meta(page(head, "<h1>The Ledger</h1>"))
    assert (m.title, m.title_source) == ("Noem presses Sheinbaum", "meta")


def test_title_tag_is_the_last_resort_and_warned() -> None:
    # "Example" is the site (the URL's domain); "Politics" a short trailing section name.
    m = meta(page("<title>Sheinbaum answers Noem on biometric data | Politics | Example</title>"))
    assert m.title == "Sheinbaum answers Noem on biometric data"
    assert m.title_source == "html-title"
    assert "title from <title>" in m.warnings


def test_site_wide_og_title_loses_to_the_headline_that_title_tag_and_h1_agree_on() -> None:
    head = '<meta property="og:title" content="Example News - Latest News &amp; Headlines">' \
           "<title>Mexico weighs Washington's request for biometric data</title>"
    m = meta(page(head, "<h1>Mexico weighs Washington's request for biometric data</h1>"))
    assert (m.title, m.title_source) == ("Mexico weighs Washington's request for biometric data", "h1")
    assert any("<h1> used" in w for w in m.warnings)


def test_og_title_that_matches_the_h1_is_not_overruled() -> None:
    head = '<meta property="og:title" content="Noem presses Sheinbaum">' \
           "<title>Noem presses Sheinbaum on data sharing | Example</title>"
    m = meta(page(head, "<h1>Noem presses Sheinbaum</h1>"))
    assert m.title == "Noem presses Sheinbaum"


@pytest.mark.parametrize(
    "site, url, expected",
    [
        ("Aktuálně.cz - Víte, co se právě děje", "https://zpravy.aktualne.cz/a/b", "Aktuálně.cz"),
        ("Diario Ejemplo | Noticias de México y el mundo", "https://www.diarioejemplo.com.mx/a", "Diario Ejemplo"),
        ("The Ledger - News you can trust", "https://www.example.org/a", "The Ledger - News you can trust"),
    ],
)
def test_site_name_loses_its_tagline_when_a_segment_is_the_domain(site: str, url: str, expected: str) -> None:
    m = meta(page(f'<meta property="og:site_name" content="{site}">'), url=url)
    assert m.site_name == expected


def test_lone_h1_when_title_tag_is_only_the_site_name() -> None:
    m = meta(page("<title>Example News</title>", "<h1>Border talks resume</h1>"), url="https://www.examplenews.com/a/b")
    assert (m.title, m.title_source) == ("Border talks resume", "h1")


@pytest.mark.parametrize(
    "raw, sites, aggressive, expected",
    [
        ("Headline here | Example News", ["Example News"], False, "Headline here"),
        ("Example News - Headline here today", ["Example News"], False, "Headline here today"),
        ("Headline – The Example News", ["Example News"], False, "Headline"),
        ("Headline: with a colon | examplenews.com", ["examplenews.com"], False, "Headline: with a colon"),
        ("A long headline about the border | World", [], True, "A long headline about the border"),
        ("Short | World", [], True, "Short | World"),
        ("No separators at all", ["Example"], True, "No separators at all"),
    ],
)
def test_clean_title(raw: str, sites: list[str], aggressive: bool, expected: str) -> None:
    assert clean_title(raw, sites, aggressive) == expected


# --- dates -------------------------------------------------------------------------------

def test_meta_date_then_time_element() -> None:
    head = '<meta property="article:published_time" content="2025-04-01T13:40:00-04:00">'
    assert meta(page(head)).published_source == "meta"
    m = meta(page("", '<article><time datetime="2025-04-02T09:30:00-06:00">2 de abril</time></article>'))
    assert (m.published, m.published_source) == ("2025-04-02T09:30:00-06:00", "time")


def test_bare_date_is_upgraded_by_a_precise_source_of_the_same_day() -> None:
    head = ld({"@type": "NewsArticle", "headline": "x", "datePublished": "2025-03-29"}) + \
        '<meta property="article:published_time" content="2025-03-29T08:15:00-06:00">'
    m = meta(page(head))
    assert (m.published, m.published_source) == ("2025-03-29T08:15:00-06:00", "meta")


def test_different_day_does_not_upgrade() -> None:
    head = ld({"@type": "NewsArticle", "headline": "x", "datePublished": "2025-03-29"}) + \
        '<meta property="article:published_time" content="2025-03-30T08:15:00-06:00">'
    assert meta(page(head)).published == "2025-03-29"


def test_utc_instant_is_shown_in_the_outlets_offset() -> None:
    head = ld({"@type": "Article", "headline": "x", "datePublished": "2025-04-03T14:12:45+00:00"})
    body = '<time class="entry-date published" datetime="2025-04-03T10:12:45-04:00">April 3</time>'
    assert meta(page(head, body)).published == "2025-04-03T10:12:45-04:00"


def test_url_date_when_markup_has_none() -> None:
    m = meta(page("<title>x</title>"), url="https://www.example.com/2025/03/28/noem-visit/")
    assert (m.published, m.published_source) == ("2025-03-28", "url")


def test_text_date_from_a_dateline_element() -> None:
    m = meta(page("", '<div class="fecha-publicacion">Viernes 28 de marzo de 2025 - 18:10</div>'), url=None)
    assert (m.published, m.published_source) == ("2025-03-28T18:10:00", "text")


def test_future_date_is_refused_and_next_source_used() -> None:
    head = '<meta property="article:published_time" content="2031-01-01T00:00:00Z">' \
           '<meta name="date" content="2025-03-28">'
    m = meta(page(head), now=NOW)
    assert m.published == "2025-03-28"


def test_no_date_is_warned() -> None:
    m = meta(page("<title>x</title>"), url=None)
    assert m.published is None and "no publication date found" in m.warnings


def test_modified_before_published_is_dropped() -> None:
    head = '<meta property="article:published_time" content="2025-04-01T10:00:00Z">' \
           '<meta property="article:modified_time" content="2025-03-01T10:00:00Z">'
    m = meta(page(head))
    assert m.modified is None and any("modified" in w for w in m.warnings)


# --- authors -----------------------------------------------------------------------------

def test_meta_author_then_byline_element() -> None:
    assert meta(page('<meta name="author" content="Héctor Garza Villarreal">')).authors == ("Héctor Garza Villarreal",)
    m = meta(page("", '<div class="article-byline">Por <a rel="author" href="/autor/x">Mariana Ibarra</a></div>'))
    assert (m.authors, m.authors_source) == (("Mariana Ibarra",), "text")


def test_profile_url_in_article_author_is_not_a_name() -> None:
    head = '<meta property="article:author" content="https://www.facebook.com/someone">' \
           '<meta name="author" content="Jane Roe">'
    assert meta(page(head)).authors == ("Jane Roe",)


def test_itemprop_author_uses_its_name() -> None:
    body = '<span itemprop="author" itemscope><img src="x.jpg"><span itemprop="name">Jane Roe</span>' \
           '<span class="bio">Jane covers the border.</span></span>'
    assert meta(page("", body)).authors == ("Jane Roe",)


def test_comment_author_boxes_are_not_bylines() -> None:
    body = '<div class="comment-author">Random Commenter</div>'
    assert meta(page("", body)).authors == ()


# --- genre, language, keywords -----------------------------------------------------------

@pytest.mark.parametrize(
    "head, url, genre",
    [
        (ld({"@type": "OpinionNewsArticle", "headline": "x"}), "https://ex.com/a/b", "opinion"),
        (ld({"@type": "NewsArticle", "headline": "x"}) + '<meta property="article:section" content="Opinión">', "https://ex.com/a/b", "opinion"),
        (ld({"@type": "NewsArticle", "headline": "x"}), "https://ex.com/opinion/2025/story", "opinion"),
        (ld({"@type": "NewsArticle", "headline": "x"}), "https://ex.com/world/story", "news"),
        ("", "https://ex.com/world/story", None),
    ],
)
def test_genre(head: str, url: str, genre: str | None) -> None:
    assert meta(page(head), url=url).genre == genre


def test_declared_language_sources() -> None:
    assert (meta(page(lang="es-MX")).language, meta(page(lang="es-MX")).language_source) == ("es", "html-lang")
    m = meta(page('<meta http-equiv="content-language" content="pt-BR">', lang=""))
    assert (m.language, m.language_source) == ("pt", "meta")


def test_keywords_from_meta_are_split_and_deduplicated() -> None:
    head = '<meta name="keywords" content="Noem, Sheinbaum, frontera"><meta property="article:tag" content="Sheinbaum">' \
           '<meta property="article:tag" content="aranceles">'
    assert meta(page(head)).keywords == ("Noem", "Sheinbaum", "frontera", "aranceles")


def test_canonical_and_og_url_are_reported() -> None:
    head = '<link rel="canonical" href="/world/story"><meta property="og:url" content="https://www.example-news.com/world/story">'
    m = meta(page(head))
    assert m.canonical_link == "/world/story"
    assert m.og_url == "https://www.example-news.com/world/story"


def test_render_time_stamp_is_not_taken_as_a_date() -> None:
    # The fetch happened at NOW; a dateModified equal to it is the server's clock, not an edit.
    head = ld({"@type": "NewsArticle", "headline": "Noem meets Sheinbaum", "datePublished": "2025-03-28T18:10:00-06:00",
               "dateModified": "2025-04-10T00:00:30Z"})
    m = meta(page(head))
    assert (m.published, m.modified) == ("2025-03-28T18:10:00-06:00", None)


def test_half_a_character_in_jsonld_becomes_a_replacement_character() -> None:
    # the headline keeps a whole emoji and ends cut between the two escapes of another
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Noem \\ud83d\\ude00 visits \\ud83d"}</script>')
    m = meta(page(head))
    assert m.title == "Noem \U0001F600 visits \ufffd"
    m.title.encode("utf-8")  # a record field any UTF-8 file or DuckDB column can hold
