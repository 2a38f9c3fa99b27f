"""`newsprism report --html`: the sample edition's page, opened in headless Chromium.

Chromium comes from Debian's `chromium` package (.ci/run installs it); without it these tests
skip and say so. The page must render from the file alone: no network, no build step.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from tests.conftest import REPO
from warehouse.db import session

pytestmark = pytest.mark.flow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root and on a machine with no internet: no sandbox, and none of Chromium's own background
# connections (each would be refused, and slow the start).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(demo_runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "report", "--db", str(demo_runs["db"]), "--html", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def rendered(page, tmp_path_factory):
    """The DOM after Chromium loaded the page and ran its script."""
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (Debian package 'chromium'; .ci/run installs it)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "<table" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


class _Cells(HTMLParser):
    """The matrix as the browser has it: outlet headers, cells (how, reported, link), footer."""

    def __init__(self) -> None:
        super().__init__()
        self.outlets: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.totals: list[str] = []
        self.ids: set[str] = set()
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        cls = a.get("class", "")
        if tag == "th" and "outlet" in cls.split():
            self._in = "outlet"
        elif tag == "td" and "cell" in cls.split():
            self.cells.append({"how": a.get("data-how", ""), "reported": a.get("data-reported", "")})
        elif tag == "a" and self.cells and "href" not in self.cells[-1]:
            self.cells[-1]["href"] = a.get("href", "")
        elif tag == "td" and cls == "total":
            self._in = "total"

    def handle_data(self, data):
        if self._in == "outlet":
            self.outlets.append(data)
        elif self._in == "total":
            self.totals.append(data)
        self._in = None


def test_matrix_renders_with_the_script_s_totals(rendered, demo_runs):
    dom = _Cells()
    dom.feed(rendered)
    with session(demo_runs["db"], read_only=True) as con:
        expected = con.execute("""
            select outlet, count(*) filter (where manner is not null),
                   count(distinct claim_id)
            from cmp_claim_coverage group by outlet order by outlet""").fetchall()
        hows = dict(con.execute("select how, count(*) from cmp_claim_coverage group by how").fetchall())
    assert dom.outlets == [o for o, _, _ in expected]
    n_claims = expected[0][2]
    assert len(dom.cells) == n_claims * len(dom.outlets)
    # the footer exists only if the page's script ran; its totals match the view
    assert 'data-ready="1"' in rendered
    assert [int(t) for t in dom.totals] == [n for _, n, _ in expected]
    # colours follow how each outlet reports the claim, as many of each as the view has
    assert {h: sum(c["how"] == h for c in dom.cells) for h in hows} == hows
    # every cell links to an evidence row that exists on the page
    assert all(c["href"].startswith("#") and c["href"][1:] in dom.ids for c in dom.cells)


def test_differences_and_quotes_are_on_the_page(rendered):
    text = re.sub(r"<[^>]+>", " ", rendered)
    assert "Numbers that differ" in text and "20%" in text and "25%" in text
    assert "more than 2 h" in text and "nearly 2 h" in text
    # the matrix says why a cell is contradicted (the sample's one outlet that dates the meeting to February)
    assert "contradicted (asserted): date: 2025-02 here; 2025-03-28 at Frontera Hoy" in text
    assert "a list of things that President Trump would love to see" in text  # quote variants
    assert "Who reported it first" in text and "Harbor Wire" in text
    assert "Metro Courier" in text  # the unreadable outlet is shown, not dropped


def test_page_is_self_contained(page):
    source = page.read_text(encoding="utf-8")
    assert "<style>" in source and "<script>" in source
    # nothing is loaded from anywhere: links to articles are plain anchors
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]+src=|@import|url\(", source)
