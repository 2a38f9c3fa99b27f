"""Two `newsprism ingest` processes write one warehouse at once while a reader keeps querying it.

DuckDB allows one writer per file across processes, and while a writer holds the file nobody
else can open it, read-only included (PITFALLS.md). The design copes with it by keeping every
write window short, retrying a locked file (warehouse.db.connect), and serializing the one
read-compute-write step, claim alignment, with a named lock (warehouse.db.exclusive). This
module proves it end to end with real processes, each in its own Prefect ephemeral mode:

- both ingests finish, and a reader that opens the file read-only in a loop never fails (its
  30 s wait for the lock is always enough) and watches the warehouse fill up;
- the warehouse then holds every page of both sets exactly once, and the alignment covers every
  claim-bearing sentence of both sets (no lost update from two alignments);
- running one ingest again changes nothing.

Two processes racing may or may not interleave their alignments the dangerous way, so a last
test forces that interleaving: one alignment is held between its read and its write while a
whole ingest of the other set runs.

The pages are the sample edition's saved pages (fictional outlets), split into two disjoint
folders; the two versions of the Gulf Coast Tribune article (same canonical URL) go to different
folders, so the two processes also race on one article's versions.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.flows.conftest import table_digests

from tests.conftest import SAMPLE

pytestmark = pytest.mark.flow

TOPIC = "adhoc"  # `newsprism ingest` without --topic
SET_A = ("northern-ledger-2025-03-28.html", "harbor-wire-2025-04-01.html", "frontera-hoy-2025-03-29.html",
         "gulf-coast-tribune-2025-04-01.html", "diario-del-valle-2025-04-02.html", "metro-courier-2025-04-01.html")
SET_B = ("northern-ledger-2025-04-02.html", "capital-sentinel-2025-04-01.html", "el-observador-2025-04-01.html",
         "gulf-coast-tribune-2025-04-02.html", "latin-affairs-daily-2025-04-03.html", "frontera-hoy-2025-03-30.html")
INGEST_TIMEOUT = 150  # seconds for both processes: a hung lock must fail the test, not hang it

# What the reader counts; each only grows while pages are added. (Not the claims of current
# versions, int_topic_claims: that shrinks for a moment when a new version of an article becomes
# current before it is analysed, which is a correct state, not a half-done write.)
# what a reader sees grow: articles, versions, sentences, and sentences aligned into claims (the
# last writes of a run: with them the writers are at work for long enough that a reader which
# is never starved gets in before the end, even when loading and analysis take under a second)
_COUNTS = ("select (select count(*) from stg_articles), (select count(*) from article_versions), "
           "(select count(*) from sentences), "
           "(select count(*) from claim_cluster_members where level = 'claim')")


def _page_folders(root: Path) -> dict[str, Path]:
    folders = {}
    for name, pages in (("a", SET_A), ("b", SET_B)):
        folders[name] = root / f"pages-{name}"
        folders[name].mkdir()
        for page in pages:
            shutil.copy2(SAMPLE / "pages" / page, folders[name] / page)
    return folders


def _expected_articles(folders: dict[str, Path], *, readable_only: bool = False) -> dict[str, list[str]]:
    """Canonical URL -> the page files that should have become versions of it (the paywalled
    page is stored too, with its parse status, unless `readable_only`)."""
    from parsers.article import parse_file

    out: dict[str, list[str]] = {}
    for folder in folders.values():
        for page in sorted(folder.glob("*.html")):
            row = parse_file(page)
            if row["status"] == "ok" or not readable_only:
                out.setdefault(row["canonical_url"], []).append(page.name)
    return out


def _assert_alignment_covers(db: Path | str, folders: dict[str, Path]) -> None:
    """Every claim-bearing sentence of every current version is in exactly one claim, every
    readable article takes part, and clusters agree with their members."""
    from warehouse.db import session

    with session(db, read_only=True) as con:
        claim_sentences = {s for (s,) in con.execute(
            "select sentence_id from int_topic_claims where topic_id = ?", [TOPIC]).fetchall()}
        members = [s for (s,) in con.execute(
            "select sentence_id from claim_cluster_members where topic_id = ? and level = 'claim'",
            [TOPIC]).fetchall()]
        assert len(members) == len(set(members))  # claims partition the sentences
        missing = claim_sentences - set(members)
        assert not missing, f"{len(missing)} of {len(claim_sentences)} claim sentences are in no claim"
        assert set(members) == claim_sentences
        per_article = {u for (u,) in con.execute(
            "select distinct c.article_url from claim_cluster_members m "
            "join int_topic_claims c on c.sentence_id = m.sentence_id and c.topic_id = m.topic_id "
            "where m.topic_id = ? and m.level = 'claim'", [TOPIC]).fetchall()}
        assert per_article == set(_expected_articles(folders, readable_only=True))
        # no cluster lost members to the other run's write, and no member points nowhere
        assert con.execute(
            "select count(*) from claim_clusters k where k.topic_id = ? and k.level = 'claim' and k.n_mentions <> "
            "(select count(*) from claim_cluster_members m where m.claim_id = k.claim_id and m.level = 'claim')",
            [TOPIC]).fetchone() == (0,)
        assert con.execute(
            "select count(*) from claim_cluster_members m where m.topic_id = ? and not exists "
            "(select 1 from claim_clusters k where k.claim_id = m.claim_id)", [TOPIC]).fetchone() == (0,)
        # the stories, the alignment's other per-topic table, cover every readable article too
        stories = {a for (a,) in con.execute("select article_id from topic_stories where topic_id = ?",
                                             [TOPIC]).fetchall()}
        relevant = {a for (a,) in con.execute("select article_id from topic_articles where topic_id = ? "
                                              "and relevant", [TOPIC]).fetchall()}
        assert stories == relevant


@dataclass
class Reader:
    """Opens the warehouse read-only in a loop, as a user's `newsprism sql` would, and counts
    what it sees until told to stop."""

    db: Path
    stop: threading.Event = field(default_factory=threading.Event)
    states: list[tuple[int, ...]] = field(default_factory=list)  # _COUNTS, each time it got in
    failures: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # seconds each successful open took

    def run(self) -> None:
        from warehouse.db import connect

        while not self.stop.is_set():
            if not self.db.exists():  # no writer has created it yet
                time.sleep(0.02)
                continue
            started = time.monotonic()
            try:
                con = connect(self.db, read_only=True)
            except Exception as exc:  # WarehouseLocked included: the 30 s wait must be enough
                self.failures.append(f"open: {type(exc).__name__}: {exc}")
                continue
            self.waits.append(time.monotonic() - started)
            try:
                self.states.append(con.execute(_COUNTS).fetchone())
            except Exception as exc:
                self.failures.append(f"query: {type(exc).__name__}: {exc}")
            finally:
                con.close()
            # a short pause: a reader must leave writers a gap to take the file
            time.sleep(0.05)


def _ingest(folder: Path, db: Path, home: Path, log: Path) -> subprocess.Popen:
    """`newsprism ingest FOLDER` in its own process and Prefect ephemeral mode (its own
    PREFECT_HOME: one temporary API server and SQLite database per process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSPRISM_DB")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str(home),
               # two fresh homes migrate their databases at once on a shared 2-core machine: Prefect's
               # 20 s default for the temporary server to answer is too tight there
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90")
    newsprism = Path(sys.executable).with_name("newsprism")
    with log.open("w") as out:  # the child keeps its own descriptor
        # cwd: a folder without a newsprism.toml, so the defaults apply and nothing lands in the repo
        return subprocess.Popen([str(newsprism), "ingest", str(folder), "--db", str(db)],
                                cwd=db.parent, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(procs: dict[str, subprocess.Popen], logs: dict[str, Path]) -> dict[str, int]:
    deadline = time.monotonic() + INGEST_TIMEOUT
    codes = {}
    for name, proc in procs.items():
        try:
            codes[name] = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in procs.values():
                p.kill()
                p.wait()
            pytest.fail(f"ingest {name} did not finish within {INGEST_TIMEOUT} s:\n{logs[name].read_text()[-3000:]}")
    return codes


@pytest.fixture(scope="module")
def concurrent_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("concurrent")
    folders = _page_folders(root)
    db = root / "warehouse" / "newsprism.duckdb"
    db.parent.mkdir()
    logs = {name: root / f"ingest-{name}.log" for name in folders}
    reader = Reader(db)
    thread = threading.Thread(target=reader.run, name="reader", daemon=True)
    thread.start()
    started = time.monotonic()
    procs = {name: _ingest(folders[name], db, root / f"prefect-{name}", logs[name]) for name in folders}
    try:
        codes = _wait(procs, logs)
    finally:
        reader.stop.set()
        thread.join(timeout=60)
    return {"root": root, "db": db, "folders": folders, "codes": codes, "logs": logs, "reader": reader,
            "elapsed": time.monotonic() - started}


def test_both_ingests_exit_zero(concurrent_run):
    for name, code in concurrent_run["codes"].items():
        assert code == 0, f"ingest {name} failed:\n{concurrent_run['logs'][name].read_text()[-4000:]}"


def test_the_reader_never_failed_and_watched_the_warehouse_fill(concurrent_run):
    from warehouse.db import session

    reader: Reader = concurrent_run["reader"]
    assert reader.failures == []
    assert len(reader.states) >= 3, f"the reader got in only {len(reader.states)} times"
    # it got in while the writers were at work, not only after them
    first, last = reader.states[0], reader.states[-1]
    assert first != last, f"the reader saw only the final warehouse {last}; waits {sorted(reader.waits)[-5:]}"
    # every count only grows: a reader never sees a write half done
    for before, after in zip(reader.states, reader.states[1:]):
        assert all(a <= b for a, b in zip(before, after)), (before, after)
    # its last look came after both writers were done
    with session(concurrent_run["db"], read_only=True) as con:
        assert last == con.execute(_COUNTS).fetchone()


def test_every_page_of_both_sets_is_stored_exactly_once(concurrent_run):
    from warehouse.db import session

    expected = _expected_articles(concurrent_run["folders"])
    assert len(expected) == 11  # 12 pages; the two Gulf Coast pages are one article
    pages = sorted(p.name for f in concurrent_run["folders"].values() for p in f.glob("*.html"))
    with session(concurrent_run["db"], read_only=True) as con:
        articles = con.execute("select canonical_url from articles").fetchall()
        assert sorted(u for (u,) in articles) == sorted(expected)
        versions = dict(con.execute(
            "select a.canonical_url, count(*) from article_versions v join articles a using (article_id) "
            "group by 1").fetchall())
        assert versions == {u: len(files) for u, files in expected.items()}
        # every page file once in fetches and discoveries, the paywalled page included
        fetched = con.execute("select url from fetches").fetchall()
        assert sorted(u.rsplit("/", 1)[1] for (u,) in fetched) == pages
        discovered = con.execute("select url from discoveries where topic_id = ?", [TOPIC]).fetchall()
        assert sorted(u.rsplit("/", 1)[1] for (u,) in discovered) == pages
        # one decision per article; without a topic everything readable is kept
        assert con.execute("select count(*), count(distinct article_id), count(*) filter (where relevant) "
                           "from topic_articles where topic_id = ?", [TOPIC]).fetchone() == (11, 11, 10)
        # each version analysed into one set of sentences, however many runs analysed it
        assert con.execute("select count(*) = count(distinct (version_id, field, idx)) from sentences").fetchone() == (True,)
        assert con.execute("select count(distinct version_id) from sentences").fetchone() == (11,)  # not the paywall


def test_the_alignment_covers_both_sets(concurrent_run):
    _assert_alignment_covers(concurrent_run["db"], concurrent_run["folders"])


def test_every_table_and_view_reads_back(concurrent_run):
    """Both processes migrated and rebuilt the views of one file: all of it must still read."""
    from warehouse.db import session
    from warehouse.schema import migrations

    with session(concurrent_run["db"], read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' union all "
            "select view_name from duckdb_views() where schema_name = 'main' and not internal").fetchall()]
        assert len(names) > 30
        for name in names:
            con.execute(f"select count(*) from {name}").fetchone()
        # each migration applied once, though both processes found the file without it
        n = len(migrations())
        assert con.execute("select count(*), count(distinct version) from schema_migrations").fetchone() == (n, n)


def test_running_one_ingest_again_changes_nothing(concurrent_run):
    run = concurrent_run
    before = table_digests(run["db"])
    log = run["root"] / "ingest-a-again.log"
    proc = _ingest(run["folders"]["a"], run["db"], run["root"] / "prefect-a", log)
    assert _wait({"a-again": proc}, {"a-again": log})["a-again"] == 0, log.read_text()[-4000:]
    assert table_digests(run["db"]) == before
    # and the staging folders of all three runs were removed once loaded
    assert not (run["db"].parent / ".newsprism-staging").exists()


def test_two_alignments_of_one_topic_never_lose_an_update(prefect_harness, tmp_path, monkeypatch):
    """The dangerous interleaving, forced: alignment X has read the topic (set A only) and is
    computing with the file closed when a whole ingest of set B runs. B's alignment must wait for
    X's write, then align A and B; otherwise X's stale alignment would overwrite B's, and B's
    sentences would be in no claim."""
    from flows import pipeline
    from warehouse import analysis

    monkeypatch.chdir(tmp_path)  # no newsprism.toml here: the defaults apply
    folders = _page_folders(tmp_path)
    db = str(tmp_path / "newsprism.duckdb")
    pipeline.ingest_flow(sources=[str(folders["a"])], db=db)

    computing, release, y_at_lock = threading.Event(), threading.Event(), threading.Event()
    real_compute, real_exclusive = analysis.compute_alignment, pipeline.exclusive

    def compute(*args, **kwargs):
        if threading.current_thread().name == "align-x":
            computing.set()
            assert release.wait(120)
        return real_compute(*args, **kwargs)

    @contextmanager
    def exclusive(db_path, name):
        if threading.current_thread().name == "ingest-y":
            y_at_lock.set()
        with real_exclusive(db_path, name):
            yield

    monkeypatch.setattr(analysis, "compute_alignment", compute)
    monkeypatch.setattr(pipeline, "exclusive", exclusive)
    errors: list[BaseException] = []

    def run(target, *args, **kwargs):
        try:
            target(*args, **kwargs)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    x = threading.Thread(target=run, args=(pipeline.analyze_flow, db, TOPIC), name="align-x")
    y = threading.Thread(target=run, args=(pipeline.ingest_flow,), kwargs={"sources": [str(folders["b"])], "db": db},
                         name="ingest-y")
    try:
        x.start()
        assert computing.wait(60), "alignment X never started computing"
        y.start()
        assert y_at_lock.wait(60), f"ingest Y never reached its alignment: {errors}"
        y.join(timeout=3)  # time enough to align 12 pages, were it allowed to
        y_waited = y.is_alive()
    finally:
        release.set()
        x.join(timeout=120)
        y.join(timeout=120)
    assert errors == []
    _assert_alignment_covers(db, folders)
    assert y_waited, "the second alignment did not wait for the first"
