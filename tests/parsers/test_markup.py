"""parsers.markup: what is thinned out before parsing, and bounded memory on huge pages."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from parsers.markup import prepare_markup

REPO = Path(__file__).resolve().parents[2]

LD = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Noem meets Sheinbaum"}</script>'


def test_scripts_styles_comments_and_svg_go_but_jsonld_stays() -> None:
    html = (
        f"<html><head>{LD}<style>p {{ color: red }}</style><link rel='stylesheet' href='a.css'>"
        "<link rel='canonical' href='https://example.org/a'><script>var x = '<p>not text</p>';</script></head>"
        "<body><!-- a comment --><svg><title>icon</title><path d='M0'/></svg><p>Text stays.</p>"
        "<template><p>Inert copy</p></template>"
        "<select><option>Mexico</option><option>Spain</option></select></body></html>"
    )
    m = prepare_markup(html)
    assert LD in m.text
    assert "<link rel='canonical' href='https://example.org/a'>" in m.text
    for gone in ("color: red", "a.css", "not text", "a comment", "icon", "Mexico", "Inert copy"):
        assert gone not in m.text
    assert "<p>Text stays.</p>" in m.text and "<select>" in m.text
    assert m.warnings == () and m.app_state is False


def test_application_state_script_is_noted_before_it_goes() -> None:
    m = prepare_markup('<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"a": 1}</script>')
    assert m.app_state is True and "__NEXT_DATA__" not in m.text


def test_markup_over_the_ceiling_is_cut_at_a_tag_with_a_warning() -> None:
    html = "<html><body>" + "<p>Noem met Sheinbaum at the palace.</p>" * 1000 + "</body></html>"
    m = prepare_markup(html, max_chars=10_000)
    assert len(m.text) <= 10_000 and m.text.endswith("</p>")
    assert len(m.warnings) == 1 and m.warnings[0].startswith("truncated")


def test_unclosed_script_does_not_swallow_the_page() -> None:
    m = prepare_markup("<p>Before.</p><script>var a = 1;<p>After.</p>")
    assert "<p>Before.</p>" in m.text  # the parser decides what an unclosed script holds


# Peak memory of parse_article on a generated 50 MB page of small elements, the worst case for
# BeautifulSoup (about 80 bytes of memory per byte of markup). Measured 0.47 GB with the
# MAX_MARKUP_CHARS ceiling (4.2 GB and 72 s without it); the bound leaves room for other
# interpreters and allocators.
PEAK_RSS_BOUND_MB = 800

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    sys.path.insert(0, sys.argv[1])
    from parsers.article import parse_article
    lead = "<p>The secretary met the president at the palace on Friday to talk about the border.</p>" * 20
    cell = '<div class="c"><span>cell</span></div>'
    data = ("<html><head><title>Big page</title></head><body><article>" + lead
            + cell * (50 * 1024 * 1024 // len(cell)) + "</article></body></html>").encode()
    started = time.perf_counter()
    record = parse_article(data, "https://example.org/big")
    print(json.dumps({
        "size_mb": len(data) / 2**20,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": time.perf_counter() - started,
        "status": record.status,
        "warnings": list(record.warnings),
        "body_starts": record.body[:40],
    }))
    """
)


def test_a_50_mb_page_parses_in_bounded_memory() -> None:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(REPO)], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout)
    assert result["size_mb"] >= 50
    assert result["peak_mb"] < PEAK_RSS_BOUND_MB, result
    assert any(w.startswith("truncated") for w in result["warnings"])
    assert result["status"] == "ok" and result["body_starts"].startswith("The secretary met the president")
