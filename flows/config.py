"""The user's configuration (TOML): topics, their sources, fetch settings, replay archives.

`newsprism.toml` holds fetch and warehouse settings and may define topics inline (`[[topic]]`);
`topic_files = ["topics/*.toml"]` adds one file per topic, the form a user copies and edits.
Relative paths are resolved against the folder of the file that names them, so a config works
from any working directory. Unknown keys are errors: a typo must not silently change what is
collected.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = "newsprism.toml"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class GoogleNewsQuery:
    """One Google News RSS search (news.google.com/rss/search): query and edition."""

    q: str
    hl: str = "en-US"  # interface language
    gl: str = "US"  # edition country
    ceid: str = "US:en"  # edition id, country:language


@dataclass(frozen=True, slots=True)
class GdeltQuery:
    """One GDELT DOC 2.0 article-list query; the topic's window bounds it."""

    query: str
    max_records: int = 250


@dataclass(frozen=True, slots=True)
class WarcSource:
    """WARC files to take pages from directly (e.g. Common Crawl CC-NEWS), with filters."""

    paths: tuple[str, ...]  # local paths, globs, or http(s) URLs of WARC files
    hosts: tuple[str, ...] = ()  # keep only these registrable domains (empty: all)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name: str
    terms: tuple[str, ...]  # all languages together
    min_matches: int = 2
    window_start: datetime | None = None
    window_end: datetime | None = None
    feeds: tuple[str, ...] = ()  # RSS/Atom feed URLs
    homepages: tuple[str, ...] = ()  # pages whose <link rel="alternate"> feeds are followed
    sitemaps: tuple[str, ...] = ()  # news sitemaps, sitemap indexes, or sites (robots.txt Sitemap:)
    google_news: tuple[GoogleNewsQuery, ...] = ()
    gdelt: tuple[GdeltQuery, ...] = ()
    warc: tuple[WarcSource, ...] = ()
    urls: tuple[str, ...] = ()  # article URLs to fetch as they are
    # Registrable domains of the outlets to follow; aggregator results (Google News, GDELT,
    # WARC) from other outlets are dropped. Empty: every outlet.
    outlets: tuple[str, ...] = ()
    # WARC files this topic's sources are replayed from instead of the network (the sample
    # edition's fictional outlets exist only there); empty: fetch live.
    replay: tuple[Path, ...] = ()

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        return (self.window_start, self.window_end)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """[fetch] of the config. Limits and manners pass to flows.http.FetchPolicy (whose
    docstring explains each); the rest shape the pipeline's batches and archive."""

    user_agent: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    deadline: float = 60.0  # seconds for one attempt at one URL, body included
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3  # after the first attempt, on 429, 5xx and connection errors only
    backoff_base: float = 1.0
    retry_after_max: float = 120.0  # a longer Retry-After gives up rather than come back early
    obey_robots: bool = True
    max_connections: int = 8  # requests in flight across the whole process
    allow_hosts: tuple[str, ...] = ()  # private/loopback hosts or CIDRs allowed (plus NEWSPRISM_ALLOW_HOSTS)
    max_workers: int = 4
    per_host_interval: float = 1.0
    batch_size: int = 200  # pages per fetch and parse task: 50 cost Prefect 1.1 ms an article, 200 0.3 ms
    archive_dir: Path = Path("archive")
    replay: tuple[Path, ...] = ()  # WARC files: when set, fetching replays them instead of the network
    task_runner: str = "threads"  # or "dask": where fetch, parse and analysis batches run (flows/runners.py)
    dask_address: str = ""  # a Dask scheduler (tcp://host:8786); empty: a local cluster per collection round
    parse_processes: int = 0  # processes a parse batch (under "threads") and the analysis use; 0: one per core

    POLICY_FIELDS = ("user_agent", "connect_timeout", "read_timeout", "deadline", "max_bytes",
                     "max_redirects", "retries", "backoff_base", "retry_after_max", "obey_robots",
                     "max_connections")


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    topics: dict[str, Topic]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    db: Path | None = None

    def fetch_for(self, topic: Topic) -> FetchSettings:
        """Fetch settings for one topic: its own replay archive, if it has one, wins."""
        return replace(self.fetch, replay=topic.replay) if topic.replay else self.fetch

    def topic(self, topic_id: str) -> Topic:
        try:
            return self.topics[topic_id]
        except KeyError:
            known = ", ".join(sorted(self.topics)) or "none"
            where = self.path or "the configuration"
            raise ConfigError(f"topic {topic_id!r} is not defined in {where} (defined: {known})") from None


def _date(value: Any, name: str, *, end_of_day: bool = False) -> datetime | None:
    """A window bound; a bare date as the end of a window includes that whole day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    elif hasattr(value, "year"):  # a TOML local date
        dt = datetime(value.year, value.month, value.day)
        if end_of_day:
            dt = dt.replace(hour=23, minute=59, second=59)
    else:
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"{name}: {value!r} is not an ISO 8601 date") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _check_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")


def _paths(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


TOPIC_KEYS = {"id", "name", "terms", "min_matches", "window", "feeds", "homepages", "sitemaps",
              "google_news", "gdelt", "warc", "urls", "outlets", "replay"}


def _typed(rows: Any, cls: type, where: str) -> tuple:
    if isinstance(rows, dict):
        rows = [rows]
    out = []
    for i, row in enumerate(rows or []):
        allowed = {f for f in cls.__dataclass_fields__}
        _check_keys(row, allowed, f"{where} #{i + 1}")
        try:
            out.append(cls(**row))
        except TypeError as exc:
            raise ConfigError(f"{where} #{i + 1}: {exc}") from None
    return tuple(out)


def parse_topic(t: dict[str, Any], base: Path, where: str) -> Topic:
    _check_keys(t, TOPIC_KEYS, where)
    if "id" not in t:
        raise ConfigError(f"{where}: missing 'id'")
    terms = t.get("terms", [])
    if isinstance(terms, dict):  # per language: {en = [...], es = [...]}
        terms = [term for lang_terms in terms.values() for term in lang_terms]
    window = t.get("window", {})
    _check_keys(window, {"start", "end"}, f"{where}.window")
    # Local WARC paths (and globs) are relative to the file that names them; URLs stay as given.
    warcs = tuple(
        WarcSource(paths=tuple(p if "://" in p else str(base / Path(p).expanduser()) for p in _paths(w.paths)),
                   hosts=tuple(h.lower() for h in w.hosts))
        for w in _typed(t.get("warc"), WarcSource, f"{where}.warc")
    )
    return Topic(
        id=t["id"],
        name=t.get("name", t["id"]),
        terms=tuple(terms),
        min_matches=int(t.get("min_matches", 2)),
        window_start=_date(window.get("start"), f"{where}.window.start"),
        window_end=_date(window.get("end"), f"{where}.window.end", end_of_day=True),
        feeds=tuple(t.get("feeds", [])),
        homepages=tuple(t.get("homepages", [])),
        sitemaps=tuple(t.get("sitemaps", [])),
        google_news=_typed(t.get("google_news"), GoogleNewsQuery, f"{where}.google_news"),
        gdelt=_typed(t.get("gdelt"), GdeltQuery, f"{where}.gdelt"),
        warc=warcs,
        urls=tuple(t.get("urls", [])),
        outlets=tuple(d.lower() for d in t.get("outlets", [])),
        replay=tuple(base / p for p in _paths(t.get("replay", []))),
    )


def parse_config(data: dict[str, Any], base: Path, path: Path | None = None) -> Config:
    _check_keys(data, {"topic", "topic_files", "fetch", "warehouse"}, "config")
    topics: dict[str, Topic] = {}

    def add(topic: Topic, where: str) -> None:
        if topic.id in topics:
            raise ConfigError(f"{where}: topic id {topic.id!r} is defined twice")
        topics[topic.id] = topic

    for i, t in enumerate(data.get("topic", [])):
        add(parse_topic(t, base, f"[[topic]] #{i + 1}"), f"[[topic]] #{i + 1}")
    for pattern in _paths(data.get("topic_files", [])):
        for file in sorted(base.glob(pattern)):
            try:
                t = tomllib.loads(file.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{file}: {exc}") from None
            add(parse_topic(t, file.parent, str(file)), str(file))
    f = dict(data.get("fetch", {}))
    plain = set(FetchSettings.__dataclass_fields__) - {"archive_dir", "replay", "allow_hosts"}
    _check_keys(f, plain | {"archive_dir", "replay", "allow_hosts"}, "[fetch]")
    defaults = FetchSettings()
    values: dict[str, Any] = {}
    for name in plain:
        if name in f:
            default = getattr(defaults, name)
            kind = type(default) if default is not None else str
            try:
                values[name] = kind(f[name])
            except (TypeError, ValueError):
                raise ConfigError(f"[fetch] {name}: {f[name]!r} is not a {kind.__name__}") from None
    fetch = FetchSettings(
        **values,
        allow_hosts=tuple(_paths(f.get("allow_hosts", []))),
        archive_dir=base / f.get("archive_dir", "archive"),
        replay=tuple(base / p for p in _paths(f.get("replay", []))),
    )
    w = data.get("warehouse", {})
    _check_keys(w, {"path"}, "[warehouse]")
    db = base / w["path"] if "path" in w else None
    return Config(path=path, topics=topics, fetch=fetch, db=db)


def load_config(path: str | Path | None = None) -> Config:
    """Read a config file; with no path, ./newsprism.toml if present, else an empty config."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG)
        if not candidate.exists():
            return Config(path=None, topics={})
        path = candidate
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {p} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}") from None
    return parse_config(data, p.resolve().parent, p)
