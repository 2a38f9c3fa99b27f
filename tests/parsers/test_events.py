"""Stories and event groups on small texts written here (English and Spanish)."""
from __future__ import annotations

import pytest

from datetime import datetime, timedelta, timezone

from parsers.align import AlignItem
from parsers.claims import extract_claim
from parsers.events import EventConfig, align_events
from parsers.sentences import split_sentences
from parsers.stories import StoryConfig, cluster_stories, story_similarity, story_vectors

DAY = datetime(2025, 3, 28, 12, tzinfo=timezone.utc)

# Two happenings told with the same words (a team puts a player on injured reserve), told apart
# only by their particulars: who, which numbers. Plus the meeting, in English and in Spanish.
ARTICLES = {
    "wire-1": ("en", "Harbor Hawks put running back Tomas Ferrer on injured reserve. Ferrer hurt his knee in a "
                     "27-24 loss on Sunday. The Hawks are 7-7 and out of the playoff race."),
    "daily-1": ("en", "Tomas Ferrer was placed on injured reserve by the Harbor Hawks. The running back hurt "
                      "his knee in the 27-24 loss to the Owls. Ferrer led the Hawks in rushing this season."),
    "wire-2": ("en", "Harbor Hawks put running back Malik Osei on injured reserve. Osei broke his wrist in a "
                     "31-10 win on Monday. The Hawks are 10-4 and lead their division."),
    "daily-2": ("en", "Malik Osei was placed on injured reserve by the Harbor Hawks. The running back broke his "
                      "wrist in the 31-10 win over the Bears. Osei scored twice in that game."),
    "ledger": ("en", "Kristi Noem met Claudia Sheinbaum at the National Palace on Friday for two hours. "
                     "Sheinbaum said Mexico has no biometric registry. Noem asked Mexico for 10,000 more troops "
                     "at the border. Trump set 25% tariffs on Mexican steel in March. The visit ended with a "
                     "joint statement on security cooperation. Noem will travel to Colombia and El Salvador "
                     "next week."),
    "diario": ("es", "Kristi Noem se reunió con Claudia Sheinbaum en Palacio Nacional el viernes durante dos "
                     "horas. Sheinbaum dijo que México no tiene un registro biométrico. Noem pidió a México "
                     "10 mil elementos más en la frontera. Trump fijó aranceles del 25% al acero mexicano en "
                     "marzo. La visita terminó con una declaración conjunta sobre cooperación en seguridad. Noem "
                     "viajará a Colombia y El Salvador la próxima semana."),
}


def make_items(articles=ARTICLES, published=None) -> list[AlignItem]:
    items = []
    for doc, (lang, text) in articles.items():
        for s in split_sentences(text, lang):
            c = extract_claim(s, language=lang)
            items.append(AlignItem(f"{doc}:{s.idx}", doc, doc.split("-")[0], lang, s.text,
                                   tuple(n.value for n in c.numbers), c.entities, position=s.idx + 1,
                                   published=(published or {}).get(doc, DAY)))
    return items


def groups_with(groups: list[list[str]], key: str) -> list[list[str]]:
    return [g for g in groups if key in g]


def test_stories_tell_similar_happenings_apart_by_their_particulars():
    result = align_events(make_items())
    stories = result.stories
    assert stories["wire-1"] == stories["daily-1"]
    assert stories["wire-2"] == stories["daily-2"]
    assert stories["wire-1"] != stories["wire-2"]  # same words, another player
    assert stories["ledger"] == stories["diario"]  # same meeting across languages
    assert stories["ledger"] != stories["wire-1"]


def test_no_event_group_spans_two_stories():
    result = align_events(make_items())
    for g in result.events.groups:
        assert len({result.stories[k.split(":")[0]] for k in g}) == 1, g


def test_translation_aligns_sentence_by_sentence():
    result = align_events(make_items())
    for i in range(6):
        partners = {k for g in groups_with(result.events.groups, f"ledger:{i}") for k in g if k.startswith("diario")}
        assert partners == {f"diario:{i}"}, (i, partners)


def test_paraphrases_of_one_happening_share_a_group():
    result = align_events(make_items())
    assert any("daily-1:0" in g for g in groups_with(result.events.groups, "wire-1:0"))
    links = {frozenset((lk.a, lk.b)): lk for lk in result.events.links}
    evidence = links[frozenset(("wire-1:0", "daily-1:0"))]
    assert {"Tomas", "Ferrer"} <= set(evidence.shared_entities) or "Ferrer" in evidence.shared_terms + evidence.shared_entities
    assert evidence.score >= EventConfig().lede_threshold


def test_every_item_appears_and_groups_take_one_sentence_per_article():
    items = make_items()
    result = align_events(items)
    assert {k for g in result.events.groups for k in g} == {it.key for it in items}
    for g in result.events.groups:
        docs = [k.split(":")[0] for k in g]
        assert len(docs) == len(set(docs)), g


def test_a_sentence_may_sit_in_two_event_groups():
    # the wire sentence reports both the meeting and the troop request; each of two outlets
    # reports one of them, in words that do not match each other
    articles = {
        "wire": ("en", "Noem met Sheinbaum at the National Palace on Friday and asked Mexico for 10,000 more "
                       "troops at the border."),
        "herald": ("en", "Noem met Sheinbaum at the National Palace on Friday."),
        "post": ("en", "Noem asked Mexico for 10,000 more troops at the border."),
    }
    result = align_events(make_items(articles), EventConfig(story=StoryConfig(threshold=0.1)))
    holding = groups_with(result.events.groups, "wire:0")
    assert len(holding) == 2
    assert not any({"herald:0", "post:0"} <= set(g) for g in result.events.groups)


def test_time_window_splits_stories_with_the_same_particulars():
    items = make_items({k: ARTICLES[k] for k in ("wire-1", "daily-1")},
                       published={"wire-1": DAY, "daily-1": DAY + timedelta(days=60)})
    assert align_events(items).stories["wire-1"] != align_events(items).stories["daily-1"]
    unbounded = EventConfig(story=StoryConfig(window_days=None))
    result = align_events(items, unbounded)
    assert result.stories["wire-1"] == result.stories["daily-1"]


def test_story_clustering_is_average_link_not_a_chain():
    vectors = story_vectors({
        "a": {"N:x": 1, "N:y": 1}, "b": {"N:y": 1, "N:z": 1}, "c": {"N:z": 1, "N:w": 1},
        "d": {"N:w": 1, "N:q": 1}, "e": {"N:q": 1, "N:x": 0},
    })
    sims = story_similarity(vectors, StoryConfig(threshold=0.3))
    stories = cluster_stories(vectors, sims, StoryConfig(threshold=0.3))
    # each neighbour shares one of two names; a chain would swallow a..d, average link stops it
    assert len(set(stories.values())) >= 2
    assert stories == cluster_stories(sorted(vectors, reverse=True), sims, StoryConfig(threshold=0.3))


def _cluster_by_summing(docs, sims, config):
    """Average link as first written: every pair of the two groups summed for each pair tried."""
    owner = {d: d for d in sorted(docs)}
    members = {d: [d] for d in owner}
    edges = sorted(((v, a, b) for (a, b), v in sims.items() if v >= config.threshold), key=lambda e: (-e[0], e[1], e[2]))
    for _v, a, b in edges:
        ra, rb = owner[a], owner[b]
        if ra == rb:
            continue
        ma, mb = members[ra], members[rb]
        if len(ma) * len(mb) > config.max_group_pairs:
            continue
        if sum(sims.get((x, y) if x < y else (y, x), 0.0) for x in ma for y in mb) / (len(ma) * len(mb)) < config.threshold:
            continue
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        for y in mb:
            owner[y] = ra
        ma.extend(mb)
        del members[rb]
    return {d: min(members[owner[d]]) for d in owner}


@pytest.mark.parametrize("seed", range(30))
def test_story_clustering_keeps_group_sums_as_summing_every_pair_would(seed):
    import random

    rng = random.Random(seed)
    docs = [f"d{i:03d}" for i in range(rng.randint(5, 60))]
    sims = {}
    for _ in range(rng.randint(10, 400)):
        a, b = sorted(rng.sample(docs, 2))
        # scores on a coarse grid, ties included, as copies of one article make them
        sims[(a, b)] = rng.choice([0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.75, 1.0])
    config = StoryConfig(threshold=0.35, max_group_pairs=rng.choice([30, 250_000]))
    assert cluster_stories(docs, sims, config) == _cluster_by_summing(docs, sims, config)


def test_empty_input():
    result = align_events([])
    assert result.events.groups == [] and result.stories == {}
