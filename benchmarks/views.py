"""How fast the comparison views answer on 1,000 and 10,000 articles.

Run by hand (`.venv/bin/python benchmarks/views.py [--sizes 1000,10000]`); needs ../shared/corpora
(or --corpora / $NEWSPRISM_CORPORA) and says so, exiting 0, when it is absent.

Recipe, per size N:
1. N articles are synthesized from the 892 pages of the alignment corpora exactly as
   benchmarks/alignment.py does (`synthesize`: page k mod 892, later copies varied like an
   outlet's edit of a wire story, with a later publication time), and written as saved HTML
   pages (title, canonical URL, site name, publication time, paragraphs) by
   `_pages.write_pages`. A page keeps its own outlet; its copies come from a pool of 200
   reprinting outlets.
2. `newsprism ingest FOLDER --db W` runs the whole pipeline on them (parse, load, analyze,
   align), timed as one process.
3. On the finished warehouse, opened read-only, every view is materialized in full
   (`create temp table _t as select * from VIEW`: every row and column computed, nothing sent to
   Python) three times; the table shows the median. Then the report's queries (`newsprism
   report`) and the HTML page are timed the same way.
With --keep FOLDER, warehouses already in FOLDER are reused: steps 1-2 are skipped and only the
views are rebuilt, so a change to the SQL can be timed without the 8-minute ingest.
Timings are wall seconds on a 2-core machine shared with other work: noisy, so compare rows of
one run rather than runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _pages import write_pages  # noqa: E402  (step 1, shared with pipeline.py; benchmarks/ is this script's folder)


def time_views(db: Path, repeat: int = 3) -> list[tuple[str, int, float]]:
    """Step 3: (view, rows, median seconds) for every view, then the report and the HTML page."""
    from warehouse.db import session
    from warehouse.html_report import build_html
    from warehouse.report import build_report
    from warehouse.schema import view_files

    out = []
    with session(str(db), read_only=True) as con:
        topic = con.execute("select topic_id from topics order by 1 limit 1").fetchone()[0]
        for view in view_files():
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                con.execute(f"create or replace temp table _t as select * from {view.name}")
                times.append(time.perf_counter() - t0)
            rows = con.execute("select count(*) from _t").fetchone()[0]
            out.append((view.name, rows, statistics.median(times)))
        for label, fn in (("newsprism report (all sections)", lambda: build_report(con, topic)),
                          ("newsprism report --html", lambda: build_html(con, topic))):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            out.append((label, 0, statistics.median(times)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--corpora", type=Path,
                    default=Path(os.environ.get("NEWSPRISM_CORPORA", ROOT.parent / "shared" / "corpora")))
    ap.add_argument("--keep", type=Path, help="keep the pages and warehouses in this folder; a warehouse "
                                              "already there is reused (its views rebuilt), to time new SQL")
    args = ap.parse_args(argv)
    if not (args.corpora / "ecbplus_dev").is_dir():
        print(f"views.py: corpora not found at {args.corpora}; nothing measured (give --corpora)")
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsprism-views-bench-") as tmp:
        work = args.keep or Path(tmp)
        for n in sizes:
            pages, db = work / f"pages-{n}", work / f"w-{n}.duckdb"
            if args.keep and db.exists():
                # a kept warehouse is reused: only its views are rebuilt from today's SQL files
                from warehouse.db import session
                from warehouse.schema import ensure_schema

                with session(str(db)) as con:
                    ensure_schema(con)
                print(f"{n:,} articles: reusing {db} (views rebuilt)", flush=True)
                results[n] = time_views(db)
                continue
            t0 = time.perf_counter()
            written = write_pages(args.corpora, n, pages)
            t_pages = time.perf_counter() - t0
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", str(pages), "--db", str(db)],
                                  cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
            t_ingest = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-4000:])
                return 1
            summary = next((ln for ln in proc.stderr.splitlines() if ln.startswith("[adhoc]")), "")
            print(f"{n:,} articles: {written:,} pages written in {t_pages:.0f} s; ingest {t_ingest:.0f} s; {summary}",
                  flush=True)
            results[n] = time_views(db)
    names = [name for name, _, _ in results[sizes[0]]]
    header = f"{'view':<34}" + "".join(f"{f'{n:,} rows':>14}{f'{n:,} s':>10}" for n in sizes)
    print("\n" + header + "\n" + "-" * len(header))
    for i, name in enumerate(names):
        cells = "".join(f"{results[n][i][1]:>14,}{results[n][i][2]:>10.3f}" for n in sizes)
        print(f"{name:<34}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
