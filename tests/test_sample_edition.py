"""The bundled sample edition stays consistent with itself and with the demo's config."""
from __future__ import annotations

import tomllib
from datetime import datetime

from flows.config import load_config
from tests.conftest import REPO, SAMPLE

EDITION = tomllib.loads((SAMPLE / "edition.toml").read_text(encoding="utf-8"))
EXPECTED = tomllib.loads((SAMPLE / "expected.toml").read_text(encoding="utf-8"))


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_every_capture_file_exists_and_is_captured_after_publication():
    for c in EDITION["capture"]:
        assert (SAMPLE / c["file"]).is_file(), c["file"]
        if "feed_published" in c:
            assert ts(c["feed_published"]) <= ts(c["captured"]), c["file"]


def test_expected_covers_exactly_the_readable_pages():
    readable = {c["file"] for c in EDITION["capture"] if c["status"] == 200}
    assert {p["file"] for p in EXPECTED["page"]} == readable


def test_pages_without_header_charset_are_really_not_utf8():
    # The mojibake trap must stay armed: such pages are windows-1252 bytes, declared in a <meta>.
    legacy = [c for c in EDITION["capture"] if "charset" not in c["content_type"] and c["status"] == 200]
    assert legacy, "the edition should keep a page whose charset is declared only in the HTML"
    for c in legacy:
        data = (SAMPLE / c["file"]).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError(f"{c['file']} decodes as UTF-8")
        assert "«".encode("cp1252") in data


def test_demo_config_follows_every_outlet_feed():
    feeds = {o["feed"] for o in EDITION["outlet"] if "feed" in o}
    topic = load_config(REPO / "newsprism.toml").topic("noem-sheinbaum-sample")
    assert set(topic.feeds) == feeds


def test_story_spans_languages_and_outlets():
    outlets = {o["id"]: o["language"] for o in EDITION["outlet"]}
    assert len(outlets) >= 6 and set(outlets.values()) == {"en", "es"}
    assert 8 <= len(EDITION["capture"]) <= 12
    urls = [c["url"] for c in EDITION["capture"]]
    assert len(urls) - len(set(urls)) == 1, "exactly one article should have a corrected second capture"
