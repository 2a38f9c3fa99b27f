"""What can stand between a reader and the article: a paywall, a consent wall, a JavaScript shell.

Each test reads the parsed page and the extracted text and answers yes or no; parsers.article
turns a yes into the record's status and a warning. The tests run only when the extracted text
is short (the caller checks), so the page-wide searches they make cost nothing on real articles.
Class/id patterns and phrases are data (data/boilerplate.toml [paywall], [consent], [js_shell]).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from parsers import datafiles

__all__ = ["paywall_marked", "consent_wall", "js_shell"]

_NEVER = r"(?!x)x"  # an empty list matches nothing
_PAGE_TEXT_LIMIT = 20_000  # characters of page text searched for prompts


@dataclass(frozen=True, slots=True)
class _Rules:
    paywall_attr: re.Pattern[str]
    consent_attr: re.Pattern[str]
    paywall_classes: re.Pattern[str]
    paywall_phrases: re.Pattern[str]
    consent_classes: re.Pattern[str]
    consent_phrases: re.Pattern[str]
    consent_min_cues: int
    consent_min_share: float
    shell_noscript: re.Pattern[str]
    shell_roots: frozenset[str]
    shell_max_chars: int
    shell_max_root_chars: int


def _alternation(items: list[str]) -> str:
    return "|".join(items) or _NEVER


def _in_attribute(fragments: list[str]) -> re.Pattern[str]:
    """A class or id attribute value, in raw markup, that contains one of `fragments`: a
    search of the markup string is far cheaper than a search of the parsed tree, so the tree
    is searched only when the markup has a hit."""
    return re.compile(r"""\b(?:class|id)\s*=\s*["']?[^"'>]*(?:""" + _alternation(fragments) + ")", re.I)


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    d = datafiles.load("boilerplate")
    pay, con, js = d.get("paywall", {}), d.get("consent", {}), d.get("js_shell", {})
    return _Rules(
        paywall_attr=_in_attribute(pay.get("classes", [])),
        consent_attr=_in_attribute(con.get("classes", [])),
        paywall_classes=re.compile(_alternation(pay.get("classes", [])), re.I),
        paywall_phrases=re.compile(_alternation(pay.get("phrases", [])), re.I),
        consent_classes=re.compile(_alternation(con.get("classes", [])), re.I),
        consent_phrases=re.compile(r"(?:" + _alternation(con.get("phrases", [])) + r")", re.I),
        consent_min_cues=int(con.get("min_cues", 2)),
        consent_min_share=float(con.get("min_share", 0.5)),
        shell_noscript=re.compile(_alternation(js.get("noscript_phrases", [])), re.I),
        shell_roots=frozenset(js.get("app_root_ids", [])),
        shell_max_chars=int(js.get("max_chars", 200)),
        shell_max_root_chars=int(js.get("max_root_chars", 50)),
    )


def _page_text(soup: BeautifulSoup) -> str:
    return soup.get_text(" ", strip=True)[:_PAGE_TEXT_LIMIT]


def paywall_marked(soup: BeautifulSoup, markup: str | None = None) -> bool:
    """A subscription prompt in the page: an element whose class/id names a paywall, or a
    sentence asking the reader to subscribe (boilerplate.toml [paywall]). `markup`, the text
    that was parsed, lets the class/id test run on the string instead of the tree."""
    r = _rules()
    if markup is not None:
        if r.paywall_attr.search(markup):
            return True
    elif soup.find(attrs={"class": r.paywall_classes}) is not None or soup.find(attrs={"id": r.paywall_classes}) is not None:
        return True
    return r.paywall_phrases.search(_page_text(soup)) is not None


def _cues(text: str) -> int:
    """Distinct consent phrases in `text`."""
    return len({m.group(0).lower() for m in _rules().consent_phrases.finditer(text)})


def consent_wall(text: str, soup: BeautifulSoup, markup: str | None = None) -> bool:
    """True when what the page shows instead of the article is a cookie/consent prompt.

    Rules, in order:
    1. The extracted text is the prompt: it holds `min_cues` different consent phrases ("we
       use cookies", "accept all", "manage preferences", "aceptar todas"...) and the blocks
       that hold them make up at least `min_share` of its characters.
    2. Little or no text was extracted and the page holds a consent-manager element (class/id
       "cookie", "consent", "onetrust", "didomi"...) whose own text has `min_cues` phrases:
       the article is held back until the reader consents.
    """
    r = _rules()
    if text.strip():
        blocks = [b for b in text.split("\n\n") if b.strip()]
        prompt = sum(len(b) for b in blocks if r.consent_phrases.search(b))
        if _cues(text) >= r.consent_min_cues and prompt >= r.consent_min_share * sum(len(b) for b in blocks):
            return True
    if len(text) >= r.shell_max_chars or (markup is not None and not r.consent_attr.search(markup)):
        return False
    for attr in ("id", "class"):
        for el in soup.find_all(attrs={attr: r.consent_classes}, limit=20):
            if el.name in ("html", "body"):
                continue
            if _cues(el.get_text(" ", strip=True)[:5000]) >= r.consent_min_cues:
                return True
    return False


def js_shell(text: str, soup: BeautifulSoup, app_state: bool = False) -> bool:
    """True when the page is an application shell whose article is drawn by JavaScript.

    Rules, in order (only when under `max_chars` characters of text were extracted):
    1. a <noscript> asks the reader to enable JavaScript ("You need to enable JavaScript to
       run this app", "Activa JavaScript");
    2. an application root (`app_root_ids`: #root, #app, #__next, #__nuxt...) is empty or
       nearly so (under `max_root_chars` characters);
    3. no text at all came out and a script carried the application's state (`app_state`,
       found by parsers.markup from `state_scripts`: __NEXT_DATA__, window.__NUXT__...).
    """
    r = _rules()
    if len(text) >= r.shell_max_chars:
        return False
    for ns in soup.find_all("noscript", limit=20):
        if r.shell_noscript.search(ns.get_text(" ", strip=True)[:2000]):
            return True
    for ident in r.shell_roots:
        el = soup.find(id=ident)
        if isinstance(el, Tag) and len(el.get_text(" ", strip=True)) < r.shell_max_root_chars:
            return True
    return app_state and not text.strip()
