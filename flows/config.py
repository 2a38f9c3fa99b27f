"""The user's configuration file (TOML): topics, their sources, fetch settings, replay archive.

Relative paths in the file are resolved against the file's own folder, so a config works from
any working directory. Unknown keys are errors: a typo must not silently change what is collected.
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
class Topic:
    id: str
    name: str
    terms: tuple[str, ...]  # all languages together
    min_matches: int = 2
    window_start: datetime | None = None
    window_end: datetime | None = None
    feeds: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    # WARC files this topic's sources are replayed from instead of the network (the sample
    # edition's fictional outlets exist only there); empty: fetch live.
    replay: tuple[Path, ...] = ()

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        return (self.window_start, self.window_end)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    user_agent: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_workers: int = 4
    per_host_interval: float = 1.0
    batch_size: int = 50
    archive_dir: Path = Path("archive")
    replay: tuple[Path, ...] = ()  # WARC files: when set, fetching replays them instead of the network


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


def parse_config(data: dict[str, Any], base: Path, path: Path | None = None) -> Config:
    _check_keys(data, {"topic", "fetch", "warehouse"}, "config")
    topics: dict[str, Topic] = {}
    for i, t in enumerate(data.get("topic", [])):
        where = f"[[topic]] #{i + 1}"
        _check_keys(t, {"id", "name", "terms", "min_matches", "window", "feeds", "urls", "replay"}, where)
        if "id" not in t:
            raise ConfigError(f"{where}: missing 'id'")
        terms = t.get("terms", [])
        if isinstance(terms, dict):  # per language: {en = [...], es = [...]}
            terms = [term for lang_terms in terms.values() for term in lang_terms]
        window = t.get("window", {})
        _check_keys(window, {"start", "end"}, f"{where}.window")
        if t["id"] in topics:
            raise ConfigError(f"{where}: topic id {t['id']!r} is defined twice")
        topics[t["id"]] = Topic(
            id=t["id"],
            name=t.get("name", t["id"]),
            terms=tuple(terms),
            min_matches=int(t.get("min_matches", 2)),
            window_start=_date(window.get("start"), f"{where}.window.start"),
            window_end=_date(window.get("end"), f"{where}.window.end", end_of_day=True),
            feeds=tuple(t.get("feeds", [])),
            urls=tuple(t.get("urls", [])),
            replay=tuple(base / p for p in _paths(t.get("replay", []))),
        )
    f = data.get("fetch", {})
    _check_keys(f, {"user_agent", "connect_timeout", "read_timeout", "max_bytes", "max_workers",
                    "per_host_interval", "batch_size", "archive_dir", "replay"}, "[fetch]")
    replay = _paths(f.get("replay", []))
    fetch = FetchSettings(
        user_agent=f.get("user_agent"),
        connect_timeout=float(f.get("connect_timeout", 5.0)),
        read_timeout=float(f.get("read_timeout", 20.0)),
        max_bytes=int(f.get("max_bytes", 10 * 1024 * 1024)),
        max_workers=int(f.get("max_workers", 4)),
        per_host_interval=float(f.get("per_host_interval", 1.0)),
        batch_size=int(f.get("batch_size", 50)),
        archive_dir=base / f.get("archive_dir", "archive"),
        replay=tuple(base / p for p in replay),
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
