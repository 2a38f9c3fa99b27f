"""N news pages synthesized from the corpora: the input of views.py and pipeline.py.

N articles are made from the 892 pages of the alignment corpora exactly as benchmarks/alignment.py
does (`synthesize`: page k mod 892, later copies varied like an outlet's edit of a wire story,
with a later publication time) and rendered as plain article pages (title, canonical link, site
name, publication time, paragraphs). A page keeps its own outlet; its copies come from a pool of
REPRINTERS reprinting outlets, each with a made-up domain of its own (the corpus pages are files,
without one), so that outlets stay apart as on the web: a topic of 10,000 articles has hundreds of
outlets, not thousands.

views.py writes the pages to a folder, each naming its https://<outlet domain>/... address as its
canonical link; pipeline.py serves them over HTTP, one loopback address per outlet, each page
naming its served address.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPRINTERS = 200


@dataclass(frozen=True, slots=True)
class SynthPage:
    index: int  # k of N
    article_id: str  # as alignment.synthesize names it: <id> or <id>~v<copy>
    outlet: str  # site name
    domain: str  # the outlet's made-up domain (one per outlet)
    path: str  # /news/<article id>.html
    title: str
    language: str
    published: datetime | None
    paragraphs: tuple[str, ...]


def synthesize_pages(corpora: Path, n: int, seed: int = 2025) -> list[SynthPage]:
    """The N pages (see the module docstring)."""
    import alignment  # benchmarks/ is on sys.path when a script here runs

    from parsers.article import parse_file
    from parsers.records import stable_id

    records = [parse_file(p, now=datetime(2026, 1, 1, tzinfo=timezone.utc)) for p in alignment.corpus_pages(corpora)]
    by_article = {stable_id(r["canonical_url"]): r for r in records}  # as synthesize keys articles
    versions, _ = alignment.synthesize(records, n, seed)
    pages = []
    for k, v in enumerate(versions):
        base, _, copy = v.article_id.partition("~v")
        src = by_article[base]
        name = (src["outlet"] or src["outlet_domain"] or "outlet") if not copy else f"Reprinter {k % REPRINTERS:03d}"
        pages.append(SynthPage(
            index=k, article_id=v.article_id, outlet=name,
            domain=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example",
            path=f"/news/{v.article_id.replace('~', '-')}.html",
            title=v.title or "", language=v.language or "en", published=v.published,
            paragraphs=tuple(p for p in (v.body or "").split("\n") if p.strip()),
        ))
    return pages


def render_page(p: SynthPage, canonical: str) -> str:
    """The page's HTML, naming `canonical` (absolute, or a path on the host that serves it)."""
    published = f'<meta property="article:published_time" content="{p.published.isoformat()}">' if p.published else ""
    return (f'<!doctype html><html lang="{html.escape(p.language)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(p.title)}</title><link rel=\"canonical\" href=\"{canonical}\">"
            f'<meta property="og:site_name" content="{html.escape(p.outlet)}">{published}</head><body><article>'
            f"<h1>{html.escape(p.title)}</h1>"
            + "".join(f"<p>{html.escape(par)}</p>" for par in p.paragraphs)
            + "</article></body></html>")


def write_pages(corpora: Path, n: int, folder: Path, seed: int = 2025) -> int:
    """N saved pages in `folder` (00000.html, ...), each naming https://<outlet domain><path> as
    its canonical link; returns how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = synthesize_pages(corpora, n, seed)
    for p in pages:
        (folder / f"{p.index:05d}.html").write_text(render_page(p, f"https://{p.domain}{p.path}"), encoding="utf-8")
    return len(pages)
