"""The daily digest (warehouse/digest.py) on the demo warehouse."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from warehouse.db import session
from warehouse.digest import build_digest, topics_in_warehouse

pytestmark = pytest.mark.flow

TOPIC = "noem-sheinbaum-sample"


def test_digest_of_the_whole_story_names_what_changed(demo_runs):
    with session(demo_runs["db"], read_only=True) as con:
        assert topics_in_warehouse(con) == [TOPIC]
        text = build_digest(con, TOPIC, datetime(2025, 3, 1, tzinfo=timezone.utc))
    assert text.startswith("# newsprism digest: Kristi Noem meets Claudia Sheinbaum")
    sections = dict(part.split("\n", 1) for part in text.split("\n## ")[1:])
    titles = {t.split(" (")[0]: t for t in sections}
    assert set(titles) == {"New articles by outlet", "Claims that broke", "Contradicted versions", "Later edits",
                           "Pages we could not read"}
    body = {name: sections[title] for name, title in titles.items()}
    assert "| Harbor Wire |" in body["New articles by outlet"]
    assert "Diario del Valle" in body["Contradicted versions"] and "2025-02" in body["Contradicted versions"]
    assert "Gulf Coast Tribune" in body["Later edits"] and "Correction" in body["Later edits"]
    assert "| Metro Courier | blocked | 1 |" in body["Pages we could not read"]


def test_a_quiet_window_says_so(demo_runs):
    with session(demo_runs["db"], read_only=True) as con:
        text = build_digest(con, TOPIC, datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert text.count("Nothing in this window.") == 5
