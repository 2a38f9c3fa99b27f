"""The custom events newsprism emits, so that deployments and automations can react to them and
users can filter them in the Prefect UI's Event Feed.

Every event's resource is the thing it is about, with labels a filter can use:

  newsprism.article.discovered   an article URL new to a topic      resource newsprism.article.<id>
  newsprism.article.changed      a known article has a new version  resource newsprism.article.<id>
  newsprism.topic.ingested       an ingest run loaded a topic       resource newsprism.topic.<topic>
  newsprism.story.grew           a story gained cross-outlet claims resource newsprism.story.<id>
  newsprism.source.failed        a discovery source failed          resource newsprism.source.<id>

Article, story and source events carry the topic as a related resource (role "topic") and as the
label `newsprism.topic`, which the deployment triggers in prefect.yaml group by. Without a
Prefect server (the CLI's ephemeral mode) the events go to the temporary server and vanish with
it; nothing waits for them.
"""
from __future__ import annotations

from typing import Any, Iterable

from parsers.records import stable_id

ARTICLE_DISCOVERED = "newsprism.article.discovered"
ARTICLE_CHANGED = "newsprism.article.changed"
TOPIC_INGESTED = "newsprism.topic.ingested"
STORY_GREW = "newsprism.story.grew"
SOURCE_FAILED = "newsprism.source.failed"

EVENTS = (ARTICLE_DISCOVERED, ARTICLE_CHANGED, TOPIC_INGESTED, STORY_GREW, SOURCE_FAILED)


def topic_resource(topic_id: str) -> dict[str, str]:
    return {"prefect.resource.id": f"newsprism.topic.{topic_id}", "prefect.resource.name": topic_id,
            "newsprism.topic": topic_id}


def _related_topic(topic_id: str) -> list[dict[str, str]]:
    return [{**topic_resource(topic_id), "prefect.resource.role": "topic"}]


def _emit(event: str, resource: dict[str, str], topic_id: str | None, payload: dict[str, Any]) -> None:
    from prefect.events import emit_event

    emit_event(event=event, resource=resource, related=_related_topic(topic_id) if topic_id else None,
               payload=payload)


def article_discovered(topic_id: str, url: str, *, source: str, source_kind: str, title: str | None = None,
                       outlet: str | None = None) -> None:
    _emit(ARTICLE_DISCOVERED,
          {"prefect.resource.id": f"newsprism.article.{stable_id(url)}", "prefect.resource.name": url,
           "newsprism.url": url, "newsprism.topic": topic_id, "newsprism.outlet": outlet or ""},
          topic_id, {"source": source, "source_kind": source_kind, "title": title})


def articles_discovered(topic_id: str, discoveries: Iterable[Any]) -> int:
    """One event per distinct URL of `discoveries` (parsers.records.Discovery); returns how many."""
    seen: set[str] = set()
    for d in discoveries:
        if d.url in seen:
            continue
        seen.add(d.url)
        article_discovered(topic_id, d.url, source=d.source, source_kind=d.source_kind, title=d.title,
                           outlet=d.outlet_hint)
    return len(seen)


def article_changed(topic_id: str, article_id: str, url: str, *, n_versions: int, outlet: str | None) -> None:
    _emit(ARTICLE_CHANGED,
          {"prefect.resource.id": f"newsprism.article.{article_id}", "prefect.resource.name": url,
           "newsprism.url": url, "newsprism.topic": topic_id, "newsprism.outlet": outlet or ""},
          topic_id, {"n_versions": n_versions})


def topic_ingested(topic_id: str, counts: dict[str, int]) -> None:
    _emit(TOPIC_INGESTED, topic_resource(topic_id), None, dict(counts))  # the topic is the resource itself


def story_grew(topic_id: str, story_id: str, label: str, *, new_claims: int, claims: int, outlets: int) -> None:
    _emit(STORY_GREW,
          {"prefect.resource.id": f"newsprism.story.{story_id}", "prefect.resource.name": label[:120],
           "newsprism.topic": topic_id},
          topic_id, {"new_claims": new_claims, "claims": claims, "outlets": outlets})


def source_failed(topic_id: str, source: str, error: str) -> None:
    _emit(SOURCE_FAILED,
          {"prefect.resource.id": f"newsprism.source.{stable_id(source)}", "prefect.resource.name": source,
           "newsprism.source": source, "newsprism.topic": topic_id},
          topic_id, {"error": error})
