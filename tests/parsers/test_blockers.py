"""Pages that are not the article: paywall teasers, consent walls, JavaScript shells.

Each page is written here; parse_article must flag it in `status` and a warning, and must not
hand the prompt or the shell's scraps on as the article's text.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from parsers.article import parse_article
from tests.parsers.texts import P

NOW = datetime(2025, 4, 10, tzinfo=timezone.utc)
URL = "https://www.example-news.com/world/2025/03/28/noem-sheinbaum"

STORY = "".join(
    f"<p>{t}</p>"
    for t in (
        *P,
        "A second round of talks is expected in Washington next month, according to both governments.",
        "Officials on both sides described the tone of the meeting as cordial but firm on details.",
    )
)
HEAD = (
    '<meta property="og:type" content="article"><meta property="og:site_name" content="Example News">'
    '<meta property="article:published_time" content="2025-03-28T18:10:00-06:00">'
    "<title>Noem meets Sheinbaum | Example News</title>"
)


def page(body: str, head: str = HEAD, lang: str = "en") -> bytes:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'.encode()


CONSENT_EN = (
    "<div class='consent-page'><h1>Before you continue</h1>"
    "<p>We use cookies and similar technologies to store and/or access information on your device. "
    "We and our partners use data for personalised ads and content, ad and content measurement.</p>"
    "<p>Select Accept all to agree, Reject all to decline, or Manage preferences to choose.</p>"
    "<button>Accept all</button><button>Reject all</button></div>"
)
CONSENT_ES = (
    "<section class='cmp-screen'><h2>Tu privacidad es importante</h2>"
    "<p>Utilizamos cookies propias y de terceros para analizar el tráfico y mostrarte publicidad. "
    "Puedes aceptar todas las cookies, rechazar todas o configurar cookies desde este panel.</p>"
    "<p>Consulta nuestra política de cookies para más información.</p></section>"
)


@pytest.mark.parametrize("body", [CONSENT_EN, CONSENT_ES], ids=["en", "es"])
def test_consent_interstitial_is_a_consent_wall(body: str) -> None:
    r = parse_article(page(body, head="<title>Consent</title>"), URL, now=NOW)
    assert r.status == "consent_wall"
    assert r.body == ""
    assert any(w.startswith("consent wall") for w in r.warnings)


def test_article_held_back_behind_a_consent_manager_is_a_consent_wall() -> None:
    overlay = (
        "<div id='onetrust-banner-sdk'><p>We and our partners store and/or access information on a "
        "device, such as cookies. Click Accept all to continue, or Manage preferences.</p></div>"
    )
    r = parse_article(page(f"<h1>Noem meets Sheinbaum</h1><div class='article-body'></div>{overlay}"), URL, now=NOW)
    assert r.status == "consent_wall"


def test_article_with_a_cookie_banner_is_still_the_article() -> None:
    banner = (
        "<div class='cookie-banner'><p>We use cookies to improve your experience. Accept all or "
        "manage preferences in the cookie settings.</p></div>"
    )
    r = parse_article(page(f"<article><h1>Noem meets Sheinbaum</h1>{STORY}</article>{banner}"), URL, now=NOW)
    assert r.status == "ok"
    assert "biometric data" in r.body and "cookies" not in r.body


def test_story_that_mentions_consent_once_is_not_a_consent_wall() -> None:
    short = "<p>Congress must give its consent before any agreement on biometric data is signed, the senator said.</p>"
    r = parse_article(page(f"<article><h1>Consent needed</h1>{short}</article>"), URL, now=NOW)
    assert r.status == "ok"


@pytest.mark.parametrize(
    "body, head_extra",
    [
        ('<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>', ""),
        ('<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}}}</script>', ""),
        ('<noscript>Para ver este sitio activa JavaScript en tu navegador.</noscript><div class="shell"></div>', ""),
        ('<div class="app-shell"></div><script>window.__INITIAL_STATE__ = {"article": {"id": 1}};</script>', ""),
    ],
    ids=["noscript-and-root", "next-data", "noscript-es", "state-script"],
)
def test_javascript_shell(body: str, head_extra: str) -> None:
    r = parse_article(page(body, head=HEAD + head_extra), URL, now=NOW)
    assert r.status == "js_shell"
    assert r.body == ""
    assert any(w.startswith("JavaScript shell") for w in r.warnings)


def test_server_rendered_app_with_its_text_is_an_article() -> None:
    body = f'<div id="__next"><article><h1>Noem meets Sheinbaum</h1>{STORY}</article></div>'
    body += '<script id="__NEXT_DATA__" type="application/json">{"props":{}}</script>'
    body += "<noscript>Please enable JavaScript for the best experience.</noscript>"
    r = parse_article(page(body), URL, now=NOW)
    assert r.status == "ok"
    assert "biometric data" in r.body


def test_shell_with_the_article_in_jsonld_keeps_the_jsonld_text() -> None:
    text = "Kristi Noem met Claudia Sheinbaum at the National Palace on Friday. " * 12
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Noem meets Sheinbaum", "articleBody": "%s"}</script>' % text
    r = parse_article(page('<div id="root"></div><noscript>Enable JavaScript.</noscript>', head=HEAD + ld), URL, now=NOW)
    assert r.status == "ok"
    assert r.body.startswith("Kristi Noem met Claudia Sheinbaum")


def test_paywall_teaser_keeps_the_teaser_and_is_flagged() -> None:
    teaser = "<p>Homeland Security Secretary Kristi Noem met Mexican President Claudia Sheinbaum on Friday.</p>"
    prompt = "<div class='paywall'><p>Subscribe now to continue reading. Already a subscriber? Log in.</p></div>"
    r = parse_article(page(f"<article><h1>Noem meets Sheinbaum</h1>{teaser}{prompt}</article>"), URL, now=NOW)
    assert r.status == "paywalled"
    assert "Kristi Noem" in r.body
    assert any(w.startswith("paywall") for w in r.warnings)
