"""`newsprism`: a thin command line over the library.

Each command parses its arguments and calls one library function. Prefect is imported only by
the commands that run flows: a flow-free command (parse, sql, report, views) starts in a fraction
of a second instead of paying Prefect's start-up (PITFALLS.md).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Sequence

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample"

EXAMPLES = {
    "run": "newsprism run --topic noem-sheinbaum --config newsprism.toml",
    "ingest": "newsprism ingest https://example.org/feed.xml urls.txt saved_pages/ crawl.warc.gz --topic noem-sheinbaum",
    "parse": "newsprism parse page1.html page2.html --url https://example.org/article",
    "report": "newsprism report --topic noem-sheinbaum   |   newsprism report --html report.html",
    "sql": 'newsprism sql "select outlet, how, claim_label from cmp_claim_coverage limit 10"',
    "views": "newsprism views",
    "export": "newsprism export cmp_number_discrepancies numbers.csv   |   newsprism export all exports/ --format parquet"
              "   |   newsprism export warehouse lake/",
    "demo": "newsprism demo --db newsprism.duckdb",
    "recheck": "newsprism recheck --topic noem-sheinbaum --limit 200",
    "serve": "newsprism serve   |   newsprism serve --api-url http://127.0.0.1:4200/api",
}


class CliError(Exception):
    """A problem the user can fix: printed without a traceback, exit status 2."""


def _db(args: argparse.Namespace) -> str:
    from warehouse.db import default_db_path

    return args.db or default_db_path()


# --- commands --------------------------------------------------------------------------------

def _without_css_selectors() -> None:
    """Let BeautifulSoup load without soupsieve in this process. newsprism never uses CSS
    selectors, and soupsieve's import is a quarter of `newsprism parse`'s start-up (~25 ms of
    ~100), which counts when the command is timed as a whole process against other extractors.
    Only for this one-shot command: a library user of parsers/ keeps soupsieve."""
    if "soupsieve" not in sys.modules and "bs4" not in sys.modules:
        import warnings

        sys.modules["soupsieve"] = None  # type: ignore[assignment]  # import now raises ImportError
        warnings.filterwarnings("ignore", message=".*soupsieve.*")


def cmd_parse(args: argparse.Namespace) -> int:
    _without_css_selectors()
    from parsers.article import parse_file

    if args.url and len(args.files) > 1:
        raise CliError("--url names one page; give a single FILE with it")
    status = 0
    for path in args.files:
        try:
            row = parse_file(path, url=args.url)
        except OSError as exc:
            print(f"newsprism parse: {path}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return status


def cmd_sql(args: argparse.Namespace) -> int:
    from warehouse.db import session

    with session(_db(args), read_only=True) as con:
        rel = con.sql(args.query)
        if rel is None:
            print("ok (statement returned no rows)")
            return 0
        if args.format == "table":
            width = args.max_width or shutil.get_terminal_size((160, 40)).columns
            rel.show(max_width=width, max_rows=args.max_rows, max_col_width=args.max_col_width)
            return 0
        columns = list(rel.columns)
        rows = rel.fetchall()
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:  # jsonl
        for r in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, r)), ensure_ascii=False, default=str) + "\n")
    return 0


def _pick_topic(con, topic: str | None) -> str:
    if topic:
        return topic
    topics = [r[0] for r in con.execute("select topic_id from topics order by topic_id").fetchall()]
    if len(topics) == 1:
        return topics[0]
    raise CliError(f"several topics in the warehouse; choose one with --topic ({', '.join(topics) or 'none'})")


def cmd_report(args: argparse.Namespace) -> int:
    from warehouse import report
    from warehouse.db import session

    with session(_db(args), read_only=True) as con:
        topic = _pick_topic(con, args.topic)
        try:
            if args.html:
                from warehouse.html_report import write_html

                size = write_html(con, topic, args.html)
                print(f"wrote {args.html} ({size:,} bytes)", file=sys.stderr)
                return 0
            rep = report.build_report(con, topic)
        except LookupError as exc:
            raise CliError(str(exc)) from None
    sys.stdout.write(report.render_markdown(rep) if args.markdown else report.render_text(rep))
    return 0


def cmd_views(args: argparse.Namespace) -> int:
    from warehouse.schema import view_files

    for v in view_files():
        print(f"{v.name}  [{v.layer}]")
        print(f"    grain: {v.header['grain']}")
        print(f"    key:   {v.header['key']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse import export
    from warehouse.db import session

    with session(_db(args), read_only=True) as con:
        try:
            if args.view == "warehouse":
                if args.format not in (None, "parquet") or args.topic:
                    raise ValueError("'warehouse' is written whole, as Parquet: drop --format and --topic")
                written = export.export_warehouse(con, args.out, args.base)
                print(f"query it in place: duckdb -c \".read {Path(args.out) / export.WAREHOUSE_SQL}\"",
                      file=sys.stderr)
            elif args.view == "all":
                written = export.export_all(con, args.out, args.format or "parquet", args.topic)
            else:
                written = {args.view: export.export_relation(con, args.view, args.out, args.format, args.topic)}
        except (LookupError, ValueError) as exc:
            raise CliError(str(exc)) from None
    for name, rows in written.items():
        print(f"{name}: {rows} rows", file=sys.stderr)
    return 0


def _print_summary(summary) -> int:
    """Print what a run did and every source that failed; the exit status: 1 only when nothing
    at all could be collected (some sources failing is the normal state of the web)."""
    loaded = ", ".join(f"{k} {v}" for k, v in summary.loaded.items())
    analyzed = ", ".join(f"{k} {v}" for k, v in summary.analyzed.items())
    print(f"[{summary.topic_id}] discovered {summary.discovered} URLs; fetched {summary.fetched_ok} ok, "
          f"{summary.unchanged} unchanged, {summary.fetch_failures} failed; loaded: {loaded}; "
          f"analyzed: {analyzed}", file=sys.stderr)
    for e in summary.errors:
        print(f"  source failed: {e}", file=sys.stderr)
    if summary.fetched_ok + summary.unchanged == 0:
        print(f"newsprism: nothing could be collected for {summary.topic_id}", file=sys.stderr)
        return 1
    return 0


def _allow_hosts(args: argparse.Namespace) -> None:
    """--allow-host joins NEWSPRISM_ALLOW_HOSTS, which every fetch policy of this process reads;
    a malformed entry is a usage error now rather than a failed flow later."""
    from flows.addresses import ALLOW_HOSTS_ENV, AddressGuard, allow_hosts_from_env

    extra = [h for h in (getattr(args, "allow_host", None) or []) if h]
    if extra:
        current = [h for h in os.environ.get(ALLOW_HOSTS_ENV, "").split(",") if h.strip()]
        os.environ[ALLOW_HOSTS_ENV] = ",".join(dict.fromkeys(current + extra))
    try:
        AddressGuard.from_allow_list(allow_hosts_from_env())
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from flows.runtime import local_flow_settings
    from flows.pipeline import run_flow

    _allow_hosts(args)
    with local_flow_settings():
        summary = run_flow(topic=args.topic, config=args.config, db=_db(args), as_of=args.as_of)
    status = _print_summary(summary)
    sys.stdout.write(summary.report)
    return status


def cmd_ingest(args: argparse.Namespace) -> int:
    from flows.runtime import local_flow_settings
    from flows.pipeline import ingest_flow

    _allow_hosts(args)
    with local_flow_settings():
        summary = ingest_flow(sources=list(args.sources), topic=args.topic, config=args.config, db=_db(args))
    return _print_summary(summary)


def cmd_recheck(args: argparse.Namespace) -> int:
    from flows.runtime import local_flow_settings
    from flows.pipeline import recheck_flow

    _allow_hosts(args)
    with local_flow_settings():
        counts = recheck_flow(config=args.config, db=_db(args), topic=args.topic, limit=args.limit)
    if not counts:
        print("nothing is due for a recheck", file=sys.stderr)
    for topic, n in counts.items():
        print(f"[{topic}] rechecked {n} articles", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from flows.demo import run_demo

    sys.stdout.write(run_demo(SAMPLE_DIR, db=_db(args), config=args.config))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.serve import ServeError, ServeOptions, serve

    try:
        serve(ServeOptions(port=args.port, api_url=args.api_url, debounce=args.debounce,
                           poll_seconds=args.poll, limit=args.limit))
    except ServeError as exc:
        raise CliError(str(exc)) from exc
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


# --- argument parsing ------------------------------------------------------------------------

def _command(sub, name: str, func: Callable, help_text: str, description: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name, help=help_text, description=description,
        epilog=f"example:\n  {EXAMPLES[name]}", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", help="warehouse file (default: $NEWSPRISM_DB or ./newsprism.duckdb)")
    p.set_defaults(func=func)
    return p


def _allow_host_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-host", dest="allow_host", action="append", metavar="HOST_OR_CIDR",
                   help="allow fetching from this private or loopback host/network (repeatable; also "
                        "NEWSPRISM_ALLOW_HOSTS, comma-separated)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsprism",
        description="Compare how news outlets cover the same story.",
        epilog="examples:\n  " + "\n  ".join(EXAMPLES.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "run", cmd_run, "collect and compare one topic (the whole pipeline once)",
                 "Discover, fetch, parse, load and analyze one topic of the config, then print the report.")
    p.add_argument("--topic", required=True, help="topic id from the config file")
    p.add_argument("--config", help="config file (default: ./newsprism.toml)")
    p.add_argument("--as-of", dest="as_of", metavar="ISO8601",
                   help="archive replay only: serve each URL as the archive held it at this time")
    _allow_host_option(p)

    p = _command(sub, "ingest", cmd_ingest, "fetch, parse, load and analyze sources given by hand",
                 "Sources: http(s) URLs of pages or RSS/Atom feeds, feed files, text files of URLs, folders of "
                 "saved pages, WARC files. Everything given is kept unless --topic names a topic of the config, "
                 "whose terms then filter the articles.")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--topic", help="topic id: filter by its terms and file the articles under it (default: adhoc)")
    p.add_argument("--config", help="config file (default: ./newsprism.toml)")
    _allow_host_option(p)

    p = _command(sub, "recheck", cmd_recheck, "fetch known articles again to catch later edits",
                 "Fetch the articles whose recheck is due (hourly when under a day old, then every 6 hours, "
                 "daily, weekly, never after 90 days), conditionally; a changed page becomes a new version.")
    p.add_argument("--topic", help="only this topic's articles (default: all)")
    p.add_argument("--config", help="config file (default: ./newsprism.toml)")
    p.add_argument("--limit", type=int, default=500, help="at most this many pages (most overdue first)")
    _allow_host_option(p)

    p = _command(sub, "parse", cmd_parse, "parse saved pages to JSON lines (no database)",
                 "Print one JSON object per page: path, url, outlet, title, authors, published, language, body, "
                 "and the rest of the article record. Pure parsing: no network, no database.")
    p.add_argument("files", nargs="+", metavar="FILE.html")
    p.add_argument("--url", help="the page's URL, when a single FILE is given (default: its canonical link, else file://)")

    p = _command(sub, "report", cmd_report, "print the comparison summary of a topic",
                 "The comparison report: outlets, shared claims, omissions, differing numbers and dates, quote "
                 "variants, attribution, loaded language and edits, each from one view.")
    p.add_argument("--topic", help="topic id (default: the only topic in the warehouse)")
    p.add_argument("--markdown", action="store_true", help="markdown instead of plain text")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML page instead: the claim x outlet "
                                                  "matrix, differing numbers, quote variants, the timeline")

    p = _command(sub, "sql", cmd_sql, "run read-only SQL over the warehouse",
                 "Run one SQL statement on a read-only connection and print the result.")
    p.add_argument("query")
    p.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    p.add_argument("--max-rows", type=int, default=200)
    p.add_argument("--max-width", type=int, default=None, help="table width (default: terminal width)")
    p.add_argument("--max-col-width", type=int, default=60)

    p = _command(sub, "export", cmd_export, "write a view to CSV, Parquet or JSON lines",
                 "Write one view (or table) to a file, its format from the file name (.csv, .parquet, .jsonl) or "
                 "--format; or, with VIEW 'all', every claim_mentions, cmp_, int_ and stg_ view into the folder OUT "
                 "(Parquet unless --format says otherwise); or, with VIEW 'warehouse', every table as Parquet in "
                 "OUT/tables/ and OUT/newsprism.sql, which defines every view over those files (DuckDB reads them "
                 "in place). Lists stay lists in Parquet and JSON.")
    p.add_argument("view", metavar="VIEW", help="a view or table name (see `newsprism views`), 'all' or 'warehouse'")
    p.add_argument("out", metavar="OUT", help="the file to write (a folder with 'all' and 'warehouse')")
    p.add_argument("--base", help="with 'warehouse': where newsprism.sql says the files are (default: OUT's "
                                  "absolute path; e.g. s3://bucket/newsprism once OUT is synced there)")
    p.add_argument("--format", choices=("csv", "parquet", "json"), help="default: from OUT's extension")
    p.add_argument("--topic", help="only this topic's rows (views with a topic_id column)")

    _command(sub, "views", cmd_views, "list the SQL views with their grain and key",
             "List the warehouse views in build order with the grain and key their headers declare.")

    p = sub.add_parser(
        "serve", help="serve the deployments of prefect.yaml until stopped",
        description="Start a local Prefect server unless --api-url or PREFECT_API_URL names one, register every "
                    "deployment of prefect.yaml and serve them from this process (no work pool). The UI is at the "
                    "server's address. Stop with Ctrl-C.",
        epilog=f"example:\n  {EXAMPLES['serve']}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_serve)
    p.add_argument("--port", type=int, default=4200, help="port of the local server started when none is configured")
    p.add_argument("--api-url", dest="api_url", help="use this Prefect server (default: $PREFECT_API_URL, else start one)")
    p.add_argument("--debounce", type=float, metavar="SECONDS",
                   help="shorten the ingest trigger's wait after the first discovery of a burst (default: prefect.yaml's)")
    p.add_argument("--poll", type=float, metavar="SECONDS", help="how often to look for runs to start (Prefect's default: 10)")
    p.add_argument("--limit", type=int, help="at most this many runs at once")

    p = _command(sub, "demo", cmd_demo, "run the pipeline on the bundled sample edition",
                 "Build the sample edition's WARC archive, replay the story as it unfolded (one collection "
                 "round per feed capture time) and print the report.")
    p.add_argument("--config", default=str(REPO / "newsprism.toml"), help="config file (default: the repository's newsprism.toml)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"newsprism {args.command}: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"newsprism {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the user gets the message, not a traceback...
        from flows.config import ConfigError
        from warehouse.db import WarehouseLocked

        if isinstance(exc, (ConfigError, WarehouseLocked)):
            print(f"newsprism {args.command}: {exc}", file=sys.stderr)
            return 2
        import duckdb

        if isinstance(exc, duckdb.Error):
            print(f"newsprism {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        raise  # ...unless it is a bug, which deserves the traceback


if __name__ == "__main__":
    sys.exit(main())
