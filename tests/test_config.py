"""The config file: topics, fetch settings, paths relative to the file, clear errors."""
from __future__ import annotations

import pytest

from flows.config import ConfigError, load_config

GOOD = """
[fetch]
replay = "archive/story.warc.gz"
per_host_interval = 2
[[topic]]
id = "story"
terms = { en = ["Noem"], es = ["arancel*"] }
window = { start = 2025-03-01, end = 2025-03-31 }
feeds = ["https://example.org/feed.xml"]
"""


def test_a_topic_with_terms_in_two_languages(tmp_path):
    path = tmp_path / "cfg" / "newsprism.toml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")
    cfg = load_config(path)
    t = cfg.topic("story")
    assert t.terms == ("Noem", "arancel*") and t.min_matches == 2
    assert t.window_end.isoformat() == "2025-03-31T23:59:59+00:00"  # an end date includes its day
    assert cfg.fetch.replay == (path.parent / "archive" / "story.warc.gz",)
    assert cfg.fetch.per_host_interval == 2.0


def test_errors_name_the_problem(tmp_path):
    path = tmp_path / "newsprism.toml"
    path.write_text(GOOD.replace("per_host_interval", "per_host_intervall"), encoding="utf-8")
    with pytest.raises(ConfigError, match="per_host_intervall"):
        load_config(path)
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match="topic 'other' is not defined .*story"):
        load_config(path).topic("other")
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_a_topic_replay_archive_wins_over_the_global_one(tmp_path):
    path = tmp_path / "newsprism.toml"
    path.write_text(GOOD + '\n[[topic]]\nid = "sample"\nreplay = "sample/edition.warc.gz"\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.fetch_for(cfg.topic("sample")).replay == (tmp_path / "sample" / "edition.warc.gz",)
    assert cfg.fetch_for(cfg.topic("story")).replay == (tmp_path / "archive" / "story.warc.gz",)


def test_the_repository_config_replays_only_the_sample_topic(repo_dir):
    cfg = load_config(repo_dir / "newsprism.toml")
    # `newsprism ingest URL` from the repository must fetch live, not replay the sample archive
    assert cfg.fetch.replay == ()
    assert cfg.topic("noem-sheinbaum-sample").replay == (repo_dir / "sample" / "edition.warc.gz",)


def test_topic_files_resolve_their_paths_next_to_themselves(tmp_path):
    (tmp_path / "topics").mkdir()
    (tmp_path / "newsprism.toml").write_text('topic_files = ["topics/*.toml"]\n', encoding="utf-8")
    (tmp_path / "topics" / "t.toml").write_text(
        'id = "t"\nreplay = "a.warc.gz"\n[[warc]]\npaths = ["cc/*.warc.gz", "https://data.example/x.warc.gz"]\n'
        'hosts = ["Example.COM"]\n', encoding="utf-8")
    t = load_config(tmp_path / "newsprism.toml").topic("t")
    assert t.replay == (tmp_path / "topics" / "a.warc.gz",)
    assert t.warc[0].paths == (str(tmp_path / "topics" / "cc" / "*.warc.gz"), "https://data.example/x.warc.gz")
    assert t.warc[0].hosts == ("example.com",)
