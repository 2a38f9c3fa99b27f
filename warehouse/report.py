"""The comparison report: one set of queries over the views, two presentations.

`build_report` runs the queries and returns plain data; `render_text` formats it for a terminal
(`newsprism report`) and `render_markdown` for the Prefect UI artifact, so both always show the
same numbers.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

import duckdb

from warehouse.schema import pinned


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""  # what to query for the full picture
    total: int = 0  # rows before the section's LIMIT
    empty: str = "none"


@dataclass(frozen=True, slots=True)
class Report:
    topic_id: str
    topic_name: str
    summary: tuple[tuple[str, Any], ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)


_LIMIT = re.compile(r"\s+limit\s+\d+\s*$", re.IGNORECASE)


def _short(text: Any, width: int = 70) -> str:
    if text is None:
        return ""
    if isinstance(text, list):
        text = ", ".join(str(t) for t in text)
    if isinstance(text, datetime):
        return text.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    s = " ".join(str(text).split())
    return s if len(s) <= width else s[: width - 1] + "…"


# Each section: title, SQL (one parameter: topic_id), note. The SQL is the report's contract with
# the views; users can run the same statement with `newsprism sql`. Every ORDER BY is total, so
# the same warehouse always prints the same report, and every section has a LIMIT: at 10,000
# articles the differing numbers alone are 215,000 rows, and a report of all of them (48 MB) is
# more than a reader, or the Prefect server's event size limit, takes. The header of each
# section says "shown of total" and names the view that holds the rest.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "Outlets",
        """select outlet, coverage, n_relevant as articles, n_urls as urls,
                  n_unreadable as unreadable, unreadable_outcomes as why
           from int_topic_outlets where topic_id = ? order by coverage, outlet, outlet_id limit 40""",
        "int_topic_outlets",
    ),
    (
        "Outlet profiles (share of the shared claims each outlet carries)",
        """select outlet, coverage_share as share, n_omitted as omitted, n_cannot_judge as cannot_judge,
                  n_lone_numbers as lone_figures, loaded_per_1000_words as loaded_per_1k, top_category as loaded_kind
           from cmp_outlet_profile where topic_id = ?
           order by coverage_share nulls last, outlet, outlet_id limit 40""",
        "cmp_outlet_profile",
    ),
    (
        "Claims carried by several outlets (first report)",
        """select first_outlet, first_published_at as first_at, n_outlets as outlets, claim_label as claim
           from cmp_first_reports where topic_id = ?
           order by n_outlets desc, first_published_at, claim_id limit 8""",
        "cmp_first_reports, cmp_claim_coverage",
    ),
    (
        "Omissions (claims most outlets carry)",
        """select outlet, status, n_reporting || '/' || n_readable_outlets as carried_by, claim_label as claim
           from cmp_omissions where topic_id = ? and status <> 'no_coverage'
           order by status, outlet, claim_label, claim_id limit 10""",
        "cmp_omissions",
    ),
    (
        "Differing numbers",
        """select concept, variant_a, outlets_a, variant_b, outlets_b
           from cmp_number_discrepancies where topic_id = ?
           order by len(outlets_a) + len(outlets_b) desc, concept, variant_a, variant_b limit 15""",
        "cmp_number_discrepancies",
    ),
    (
        "Differing dates for the same claim",
        """select date_a, outlets_a, date_b, outlets_b, claim_label as claim
           from cmp_date_discrepancies where topic_id = ? order by claim_label, claim_id, date_a, date_b limit 10""",
        "cmp_date_discrepancies",
    ),
    (
        "Contradicted versions (an outlet's figure, date or denial stands against the others')",
        """select outlet, manner, array_to_string(contradiction, '; ') as contradiction, claim_label as claim
           from cmp_claim_coverage where topic_id = ? and how = 'contradicted'
           order by outlet, claim_label, claim_id limit 10""",
        "cmp_claim_coverage, int_claim_conflicts",
    ),
    (
        "Quote variants",
        """select outlet, speaker, quote_text as quote, pronouns
           from cmp_quote_variants where topic_id = ? order by statement_id, published_at, outlet, sentence_id, quote_idx limit 15""",
        "cmp_quote_variants",
    ),
    (
        "Attribution differences",
        """select outlet, attribution, attribution_verb as verb, sentence_text as sentence
           from cmp_attribution where topic_id = ? order by claim_id, published_at, outlet, sentence_id limit 10""",
        "cmp_attribution",
    ),
    (
        "Loaded language",
        """select outlet, category, n_terms as n, per_1000_words as per_1k, terms
           from cmp_loaded_language where topic_id = ? and category not like 'neutral%'
           order by per_1000_words desc, outlet, category limit 8""",
        "cmp_loaded_language",
    ),
    (
        "Reprints and what they left out",
        """select outlet, source_outlet as copy_of, shared_share as shared, left_out
           from cmp_wire_copies where topic_id = ?
           order by shared_share desc, outlet, source_outlet, article_id, source_article_id limit 10""",
        "cmp_wire_copies",
    ),
    (
        "Later edits",
        """select outlet, to_seen_at as seen, change, sentence_text as sentence
           from cmp_article_edits e
           where exists (select 1 from int_topic_articles t where t.article_id = e.article_id and t.topic_id = ?)
           order by outlet, to_seen_at, article_id, change desc, idx limit 8""",
        "cmp_article_edits",
    ),
)


# Views the report reads in several sections (and their totals): computed once per report.
PINNED_VIEWS = ("claim_mentions", "int_claim_conflicts", "cmp_claim_coverage", "cmp_omissions", "cmp_wire_copies",
                "cmp_first_reports")


def build_report(con: duckdb.DuckDBPyConnection, topic_id: str) -> Report:
    name_row = con.execute("select name from topics where topic_id = ?", [topic_id]).fetchone()
    if name_row is None:
        known = [r[0] for r in con.execute("select topic_id from topics order by 1").fetchall()]
        raise LookupError(f"no topic {topic_id!r} in the warehouse (topics: {', '.join(known) or 'none'})")
    with pinned(con, PINNED_VIEWS, topic_id):
        return _build_report(con, topic_id, name_row[0])


def _build_report(con: duckdb.DuckDBPyConnection, topic_id: str, name: str) -> Report:
    summary = con.execute(
        """
        select
            (select count(*) from int_topic_articles where topic_id = $1),
            (select count(*) from int_topic_outlets where topic_id = $1 and coverage = 'covered'),
            (select count(*) from int_topic_outlets where topic_id = $1 and coverage = 'unreadable'),
            (select count(*) from topic_articles where topic_id = $1 and not relevant),
            (select count(*) from claim_clusters where topic_id = $1 and level = 'claim'),
            (select count(*) from claim_clusters where topic_id = $1 and level = 'claim' and n_outlets >= 2),
            (select min(published_at) from int_topic_articles where topic_id = $1),
            (select max(published_at) from int_topic_articles where topic_id = $1)
        """,
        [topic_id],
    ).fetchone()
    labels = ("relevant articles", "outlets covering", "outlets unreadable", "articles dropped as off-topic",
              "claims", "claims carried by 2+ outlets", "first article", "last article")
    sections = []
    for title, sql, note in SECTIONS:
        cur = con.execute(sql, [topic_id])
        columns = tuple(d[0] for d in cur.description)
        rows = tuple(tuple(r) for r in cur.fetchall())
        unlimited = _LIMIT.sub("", sql)
        total = con.execute(f"select count(*) from ({unlimited})", [topic_id]).fetchone()[0]
        sections.append(Section(title, columns, rows, note, total))
    sections = tuple(sections)
    return Report(topic_id, name, tuple(zip(labels, summary)), sections)


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    cells = [[_short(v, width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return out


def render_text(report: Report, *, cell_width: int = 60) -> str:
    lines = [f"newsprism report: {report.topic_name} [{report.topic_id}]", ""]
    lines += [f"  {label:<32} {_short(value)}" for label, value in report.summary]
    for s in report.sections:
        shown = f"{len(s.rows)} of {s.total}" if s.total > len(s.rows) else f"{len(s.rows)}"
        lines += ["", f"== {s.title} ({shown}) — from {s.note}"]
        if s.rows:
            lines += ["  " + ln for ln in _table(s.columns, s.rows, cell_width)]
        else:
            lines.append(f"  {s.empty}")
    return "\n".join(lines) + "\n"


def md_cell(value: Any) -> str:
    return _short(value, 200).replace("|", "\\|")


def render_markdown(report: Report) -> str:
    lines = [f"# {report.topic_name}", "", f"Topic `{report.topic_id}`.", "", "| | |", "|---|---|"]
    lines += [f"| {label} | {md_cell(value)} |" for label, value in report.summary]
    for s in report.sections:
        shown = f"{len(s.rows)} of {s.total}" if s.total > len(s.rows) else f"{len(s.rows)}"
        lines += ["", f"## {s.title} ({shown})", "", f"_Query `{s.note}` for the full table._", ""]
        if not s.rows:
            lines.append(s.empty)
            continue
        lines.append("| " + " | ".join(s.columns) + " |")
        lines.append("|" + "---|" * len(s.columns))
        lines += ["| " + " | ".join(md_cell(v) for v in r) + " |" for r in s.rows]
    return "\n".join(lines) + "\n"


# cmp_claim_coverage.how for an outlet that does not carry the claim
_NOT_CARRIED = frozenset({"absent", "not_yet", "unverified", "unreadable", "no_coverage"})


def coverage_table(con: duckdb.DuckDBPyConnection, topic_id: str, limit: int = 40,
                   max_outlets: int = 25) -> list[dict[str, Any]]:
    """The claim x outlet matrix as rows for a table artifact: the `limit` claims carried by most
    outlets, one column per outlet for the `max_outlets` outlets that carry most of them (a
    topic of thousands of outlets would make a table the Prefect UI cannot show, and an event
    its server refuses; cmp_claim_coverage and the HTML page hold the whole matrix)."""
    rows = con.execute(
        """
        select claim_id, any_value(claim_label), map_from_entries(list((outlet, how))), count(*) filter (where n_mentions > 0) as n
        from cmp_claim_coverage where topic_id = ?
        group by claim_id order by n desc, claim_id limit ?
        """,
        [topic_id, limit],
    ).fetchall()
    carried: dict[str, int] = {}
    for _, _, hows, _ in rows:
        for outlet, how in hows.items():
            carried[outlet] = carried.get(outlet, 0) + (how not in _NOT_CARRIED)
    outlets = sorted(sorted(carried, key=lambda o: (-carried[o], o))[:max_outlets])
    return [{"claim": textwrap.shorten(label or "", 90), **{o: hows.get(o, "") for o in outlets}}
            for _, label, hows, _ in rows]
