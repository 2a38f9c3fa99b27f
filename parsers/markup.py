"""Decoded HTML → the markup worth parsing: scripts, styles, comments and SVG thinned out, and a
ceiling on what is handed to BeautifulSoup, so that memory stays bounded on any page.

BeautifulSoup needs about 80 bytes of memory per byte of element-dense markup (a 50 MB page of
small <div>s peaked at 4 GB), so parsing whatever arrives is not an option. On real news pages
scripts, styles and inline SVG are more than half of the bytes (59% on the extraction corpora)
and never hold article text, so they go first (with a few other elements that never do, which
saves BeautifulSoup time); then at most MAX_MARKUP_CHARS characters are
parsed, with a warning. The largest page of the corpora keeps 0.45 MB after thinning, so the
ceiling only ever cuts pathological pages.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parsers import datafiles

__all__ = ["MAX_MARKUP_CHARS", "Markup", "prepare_markup"]

# Ten times the largest thinned page seen on real news sites; bounds BeautifulSoup's memory
# (about 0.5 GB on the densest markup, see tests/parsers/test_big_pages.py).
MAX_MARKUP_CHARS = 5_000_000
# Markup beyond this is not even thinned: the pattern's work and copies stay bounded.
_MAX_INPUT_CHARS = 20 * MAX_MARKUP_CHARS
# Each element's text is looked at up to this length, so an unclosed <script or <!-- costs one
# bounded scan, not a scan to the end of a huge page; a longer element is left to the parser.
_ELEMENT = "{0,3000000}?"
_THIN = re.compile(
    rf"(<script\b[^>]*>)(.{_ELEMENT})</script\s*>"
    rf"|<style\b[^>]*>.{_ELEMENT}</style\s*>"
    rf"|<!--.{_ELEMENT}-->"
    rf"|<svg\b[^>]*>.{_ELEMENT}</svg\s*>"
    rf"|<template\b[^>]*>.{_ELEMENT}</template\s*>"
    r"|<option\b[^>]*>[^<]*(?:</option\s*>)?"
    r"|<source\b[^>]*>"
    r"|<link\b(?![^>]*\bcanonical\b)[^>]*>",
    re.S | re.I,
)


@dataclass(frozen=True, slots=True)
class Markup:
    """The markup to parse, warnings about what was cut, and whether a script carried an
    application's state (__NEXT_DATA__, window.__NUXT__...: the page may be a JavaScript shell)."""

    text: str
    warnings: tuple[str, ...] = ()
    app_state: bool = False


@functools.lru_cache(maxsize=1)
def _state_marker() -> re.Pattern[str]:
    markers = datafiles.load("boilerplate").get("js_shell", {}).get("state_scripts", [])
    return re.compile("|".join(re.escape(m) for m in markers) or r"(?!x)x")


def prepare_markup(text: str, max_chars: int = MAX_MARKUP_CHARS) -> Markup:
    """The markup worth parsing.

    Rules, in order:
    1. Scripts (except JSON-LD, kept whole), styles, comments, inline <svg>, <template>s,
       <option>s, <source>s and <link>s other than rel=canonical are removed: none holds article text
       or metadata, and each element costs BeautifulSoup time. A removed script whose tag or
       first 300 characters name an application state sets `app_state`. (Only the first 20 ×
       `max_chars` characters of a page are looked at.)
    2. Markup still longer than `max_chars` is cut at the last tag start before that length
       and a "truncated" warning says how much was parsed.
    """
    warnings: list[str] = []
    state = False
    marker = _state_marker()

    def thin(m: re.Match[str]) -> str:
        nonlocal state
        opening = m.group(1)
        if opening is None:
            return ""
        if "ld+json" in opening.lower():
            return m.group(0)  # JSON-LD carries the metadata
        if not state and marker.search(opening + m.group(2)[:300]):
            state = True
        return ""

    if len(text) > _MAX_INPUT_CHARS:
        text = text[:_MAX_INPUT_CHARS]
    thinned = _THIN.sub(thin, text)
    del text
    if len(thinned) > max_chars:
        cut = thinned.rfind("<", 0, max_chars)
        cut = cut if cut > max_chars // 2 else max_chars
        warnings.append(
            f"truncated: the page's markup is {len(thinned) / 1e6:.1f} million characters without "
            f"scripts and styles; only the first {cut / 1e6:.1f} million were parsed"
        )
        thinned = thinned[:cut]
    return Markup(thinned, tuple(warnings), state)
