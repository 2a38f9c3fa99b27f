"""The comparison report as one self-contained HTML page (`newsprism report --html FILE`).

People would rather look than read a matrix: the page shows the claim x outlet matrix coloured
by how each outlet reports each claim, the numbers outlets disagree on, the quote variants side
by side, and who reported each claim first. Every matrix cell links to its evidence (outlet,
article, the sentence and its offsets). The page is built from the same views and the same
summary as the text report (warehouse.report), needs no network and no build step: styles and
the one small script are inline.
"""
from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from warehouse.export import written_whole
from warehouse.report import PINNED_VIEWS, build_report
from warehouse.schema import pinned

__all__ = ["HOW_ORDER", "build_html", "write_html"]

# how an outlet reports a claim (cmp_claim_coverage.how), strongest first, with its colour
HOW_ORDER = {
    "contradicted": ("#762a83", "contradicted: its figure, date or denial conflicts with the others'"),
    "quoted": ("#1b7837", "quoted (direct quote)"),
    "attributed": ("#5aae61", "attributed (reported speech)"),
    "asserted": ("#a6dba0", "asserted as fact by the outlet"),
    "hedged": ("#fee08b", "hedged (reportedly, allegedly...)"),
    "absent": ("#d73027", "absent: covered the story, not this claim"),
    "not_yet": ("#e0e0e0", "not yet: its articles predate the claim"),
    "unverified": ("#fdae61", "unverified: some of its pages could not be read"),
    "unreadable": ("#bababa", "unreadable: none of its pages could be read"),
    "no_coverage": ("#f7f7f7", "no coverage of the story"),
}

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f4f4f4;text-align:left} .summary td:first-child{color:#555}
table.matrix th.outlet{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap}
table.matrix td.cell{width:26px;height:22px;padding:0;text-align:center}
table.matrix td.cell a{display:block;width:100%;height:100%;text-decoration:none;color:#000;font-size:11px}
table.matrix td.claim{max-width:520px} table.matrix tfoot td{font-weight:600;text-align:center}
.legend span{display:inline-block;margin:2px 10px 2px 0} .legend i{display:inline-block;width:14px;height:14px;
 margin-right:4px;vertical-align:-2px;border:1px solid #999}
.quotes{display:flex;flex-wrap:wrap;gap:10px} .quote{border:1px solid #ddd;border-radius:6px;padding:8px;width:300px}
.quote .who{color:#555;font-size:12px} .first{border-color:#1b7837;box-shadow:0 0 0 1px #1b7837}
tr.evidence:target{background:#fff3b0} .muted{color:#777;font-size:12px}
"""

# Adds the per-outlet totals row under the matrix (claims each outlet reports, in any form) and
# highlights the evidence row a clicked cell points to.
_JS = """
(function(){
  var m=document.querySelector('table.matrix'); if(!m) return;
  var n=m.querySelectorAll('thead th.outlet').length, sums=new Array(n).fill(0);
  m.querySelectorAll('tbody tr').forEach(function(tr){
    tr.querySelectorAll('td.cell').forEach(function(td,i){ if(td.dataset.reported==='1') sums[i]++; });
  });
  var tf=document.createElement('tfoot'), tr=document.createElement('tr'), th=document.createElement('td');
  th.textContent='claims reported'; th.style.textAlign='right'; tr.appendChild(th);
  sums.forEach(function(s){ var td=document.createElement('td'); td.className='total'; td.textContent=s; tr.appendChild(td); });
  tf.appendChild(tr); m.appendChild(tf); m.dataset.ready='1';
})();
"""

_REPORTED = ("contradicted", "quoted", "attributed", "asserted", "hedged")


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return html.escape(str(value))


def _table(columns, rows, cls: str = "") -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _matrix(con: duckdb.DuckDBPyConnection, topic_id: str, max_claims: int, max_outlets: int) -> tuple[str, str]:
    # a page is for looking: the claims carried by most outlets, and the outlets that carry most
    rows = con.execute(
        """
        with cov as (select * from cmp_claim_coverage where topic_id = $topic),
        top_claims as (
            select claim_id from cov group by claim_id
            order by count(*) filter (where list_contains($reported, how)) desc, claim_id
            limit $max_claims),
        top_outlets as (
            select outlet from cov group by outlet
            order by count(*) filter (where list_contains($reported, how)) desc, outlet
            limit $max_outlets)
        select claim_id, claim_label, outlet, how, evidence_sentence, evidence_url, evidence_start,
               evidence_end, fetch_outcomes, manner, contradiction
        from cov
        where claim_id in (select claim_id from top_claims) and outlet in (select outlet from top_outlets)
        order by claim_id, outlet
        """, {"topic": topic_id, "max_claims": max_claims, "max_outlets": max_outlets,
              "reported": list(_REPORTED)}).fetchall()
    if not rows:
        return "<p>No claim is carried by two or more outlets yet.</p>", ""
    n_claims, n_outlets = con.execute(
        "select count(distinct claim_id), count(distinct outlet) from cmp_claim_coverage where topic_id = ?",
        [topic_id]).fetchone()
    outlets = sorted({r[2] for r in rows})
    claims: dict[str, dict[str, Any]] = {}
    for claim_id, label, outlet, how, sentence, url, start, end, outcomes, manner, contradiction in rows:
        c = claims.setdefault(claim_id, {"label": label, "cells": {}})
        if how == "contradicted":  # say in what way it was reported, and against whom
            how_text = f"contradicted ({manner}): " + "; ".join(contradiction)
        else:
            how_text = how
        c["cells"][outlet] = (how, sentence, url, start, end, outcomes, how_text)
    # claims carried by most outlets first, then by label
    order = sorted(claims, key=lambda k: (-sum(v[0] in _REPORTED for v in claims[k]["cells"].values()),
                                          claims[k]["label"] or "", k))
    head = '<th>claim</th>' + "".join(f'<th class="outlet">{_e(o)}</th>' for o in outlets)
    body, evidence = [], []
    for n, claim_id in enumerate(order, 1):
        c = claims[claim_id]
        cells = []
        for outlet in outlets:
            how, sentence, url, start, end, outcomes, how_text = c["cells"].get(
                outlet, ("no_coverage",) + (None,) * 5 + ("no_coverage",))
            colour = HOW_ORDER.get(how, ("#fff", how))[0]
            reported = "1" if how in _REPORTED else "0"
            anchor = f"e{n}-{outlets.index(outlet)}"
            tip = f"{outlet}: {how_text}" + (f" — {sentence}" if sentence else "") + (f" ({_e(outcomes)})" if outcomes else "")
            mark = {"quoted": "“”", "hedged": "~", "contradicted": "≠"}.get(how, "")
            cells.append(f'<td class="cell how-{_e(how)}" data-how="{_e(how)}" data-reported="{reported}" '
                         f'style="background:{colour}"><a href="#{anchor}" title="{_e(tip)}">{mark}</a></td>')
            where = (f'<a href="{_e(url)}">{_e(url)}</a> · characters {_e(start)}–{_e(end)}' if url
                     else _e(", ".join(outcomes or [])))
            evidence.append(f'<tr class="evidence" id="{anchor}"><td>{n}</td><td>{_e(outlet)}</td>'
                            f'<td>{_e(how_text)}</td><td>{_e(sentence)}</td><td class="muted">{where}</td></tr>')
        body.append(f'<tr><td class="claim"><b>{n}.</b> {_e(c["label"])}</td>{"".join(cells)}</tr>')
    legend = "".join(f'<span><i style="background:{colour}"></i>{_e(text)}</span>' for colour, text in HOW_ORDER.values())
    shown = ""
    if n_claims > len(order) or n_outlets > len(outlets):
        shown = (f'<p class="muted">Showing the {len(order)} claims carried by most outlets (of {n_claims}) and '
                 f"the {len(outlets)} outlets that carry most (of {n_outlets}); cmp_claim_coverage has them all.</p>")
    matrix = (f'<div class="legend">{legend}</div>{shown}<table class="matrix"><thead><tr>{head}</tr></thead>'
              f'<tbody>{"".join(body)}</tbody></table>')
    evidence_table = ('<table class="evidence"><thead><tr><th>claim</th><th>outlet</th><th>how</th>'
                      f'<th>sentence</th><th>where</th></tr></thead><tbody>{"".join(evidence)}</tbody></table>')
    return matrix, evidence_table


def _quotes(con: duckdb.DuckDBPyConnection, topic_id: str, max_rows: int) -> str:
    rows = con.execute(
        """
        select statement_id, outlet, speaker, quote_text, pronouns, published_at, is_first, article_url
        from cmp_quote_variants where topic_id = ?
        order by n_wordings desc, statement_id, published_at, outlet, sentence_id, quote_idx limit ?
        """, [topic_id, max_rows]).fetchall()
    if not rows:
        return "<p>No statement is quoted in different words.</p>"
    by_statement: dict[str, list] = defaultdict(list)
    for r in rows:
        by_statement[r[0]].append(r)
    out = []
    for variants in by_statement.values():
        cards = "".join(
            f'<div class="quote{" first" if first else ""}"><div>“{_e(text)}”</div>'
            f'<div class="who">{_e(outlet)} · {_e(speaker) or "unattributed"} · {_e(published)}'
            f'{" · first" if first else ""}{" · pronouns: " + _e(pronouns) if pronouns else ""} · '
            f'<a href="{_e(url)}">article</a></div></div>'
            for _, outlet, speaker, text, pronouns, published, first, url in variants)
        out.append(f'<div class="quotes">{cards}</div>')
    return "".join(out)


def build_html(con: duckdb.DuckDBPyConnection, topic_id: str, *, max_claims: int = 60, max_outlets: int = 40,
               max_rows: int = 100) -> str:
    """The whole page for one topic (LookupError for an unknown topic, as build_report). The
    matrix shows at most `max_claims` claims and `max_outlets` outlets, the other tables at most
    `max_rows` rows (those carried by most outlets), the quotes at most `max_rows` wordings; the
    views hold the rest."""
    with pinned(con, PINNED_VIEWS, topic_id):
        return _build_html(con, topic_id, max_claims, max_outlets, max_rows)


def _build_html(con: duckdb.DuckDBPyConnection, topic_id: str, max_claims: int, max_outlets: int, max_rows: int) -> str:
    report = build_report(con, topic_id)
    matrix, evidence = _matrix(con, topic_id, max_claims, max_outlets)
    numbers = con.execute(
        """select concept, variant_a, outlets_a, variant_b, outlets_b, differs_in
           from cmp_number_discrepancies where topic_id = ?
           order by len(outlets_a) + len(outlets_b) desc, concept, variant_a, variant_b limit ?""",
        [topic_id, max_rows]).fetchall()
    timeline = con.execute(
        """select first_published_at, first_outlet, first_date_basis, second_outlet, lead_time, n_outlets,
                  case when ranking_uncertain then 'uncertain: a fallback date' else '' end, claim_label
           from cmp_first_reports where topic_id = ?
           order by n_outlets desc, first_published_at, claim_id limit ?""",
        [topic_id, max_rows]).fetchall()
    summary = "".join(f"<tr><td>{_e(label)}</td><td>{_e(value)}</td></tr>" for label, value in report.summary)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>newsprism: {_e(report.topic_name)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(report.topic_name)}</h1>",
        f'<p class="muted">newsprism comparison report · topic <code>{_e(topic_id)}</code> · every cell and row '
        "comes from a view you can query with <code>newsprism sql</code></p>",
        f'<table class="summary">{summary}</table>',
        "<h2>How each outlet reports each claim</h2>",
        '<p class="muted">cmp_claim_coverage: claims carried by two or more outlets; click a cell for its '
        "evidence.</p>",
        matrix,
        "<h2>Numbers that differ</h2>",
        _table(("what", "one figure", "outlets", "another figure", "outlets", "differs in"), numbers, "numbers")
        if numbers else "<p>No differing figures.</p>",
        "<h2>Quote variants, side by side</h2>",
        '<p class="muted">cmp_quote_variants: one statement, several wordings; the first published is outlined.</p>',
        _quotes(con, topic_id, max_rows),
        "<h2>Who reported it first</h2>",
        _table(("first at", "first outlet", "date from", "next outlet", "lead", "outlets", "ranking", "claim"),
               timeline, "timeline") if timeline else "<p>No claim is carried by two outlets yet.</p>",
        "<h2>Evidence</h2>",
        evidence or "<p>None.</p>",
        f"<script>{_JS}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html(con: duckdb.DuckDBPyConnection, topic_id: str, path: str | Path) -> int:
    """Write the page to `path` (whole or not at all); returns its size in bytes."""
    page = build_html(con, topic_id).encode("utf-8")
    with written_whole(path) as partial:
        partial.write_bytes(page)
    return len(page)
