"""The daily digest: what changed in a topic over the last hours, from the views.

One markdown text per topic (the digest deployment publishes it as a Prefect artifact): new
articles per outlet, claims that broke in the window and who broke them, versions that
contradict the others, later edits, and pages we could not read. Every section names the view
it comes from, so a reader can ask for the whole table.
"""
from __future__ import annotations

from datetime import datetime

import duckdb

from warehouse.report import md_cell

_SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "New articles by outlet",
        """select outlet, count(*) as new_articles, min(published_at) as earliest, max(published_at) as latest
           from int_topic_articles where topic_id = $topic and first_seen_at >= $since
           group by outlet order by new_articles desc, outlet""",
        "int_topic_articles",
    ),
    (
        "Claims that broke",
        """select first_outlet, first_published_at as broke_at, n_outlets as outlets, claim_label as claim
           from cmp_first_reports where topic_id = $topic and first_published_at >= $since
           order by n_outlets desc, first_published_at, claim_id limit 15""",
        "cmp_first_reports",
    ),
    (
        "Contradicted versions",
        """select outlet, array_to_string(contradiction, '; ') as contradiction, claim_label as claim
           from cmp_claim_coverage where topic_id = $topic and how = 'contradicted'
             and first_published_at >= $since
           order by outlet, claim_id limit 15""",
        "cmp_claim_coverage",
    ),
    (
        "Later edits",
        """select e.outlet, e.change, e.sentence_text as sentence
           from cmp_article_edits e
           join int_topic_articles a on a.article_id = e.article_id and a.topic_id = $topic
           where e.to_seen_at >= $since
           order by e.outlet, e.article_id, e.change desc, e.idx limit 20""",
        "cmp_article_edits",
    ),
    (
        "Pages we could not read",
        """select f.outlet, f.outcome, count(*) as pages
           from stg_fetches f
           where not f.readable and f.fetched_at >= $since
             and f.url in (select url from main.discoveries where topic_id = $topic)
           group by f.outlet, f.outcome order by pages desc, f.outlet, f.outcome""",
        "stg_fetches",
    ),
)


def build_digest(con: duckdb.DuckDBPyConnection, topic_id: str, since: datetime) -> str:
    """Markdown: the topic's changes since `since` (a UTC instant)."""
    params = {"topic": topic_id, "since": since}
    name = con.execute("select coalesce(any_value(name), ?) from main.topics where topic_id = ?",
                       [topic_id, topic_id]).fetchone()[0]
    lines = [f"# newsprism digest: {name}", "",
             f"Since {since:%Y-%m-%d %H:%M} UTC. Each table comes from the view it names; query it for the whole."]
    for title, sql, view in _SECTIONS:
        rel = con.execute(sql, params)
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
        lines += ["", f"## {title} ({len(rows)}) — `{view}`", ""]
        if not rows:
            lines.append("Nothing in this window.")
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        lines += ["| " + " | ".join(md_cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def topics_in_warehouse(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select topic_id from main.topics order by topic_id").fetchall()]
