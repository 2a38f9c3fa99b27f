"""Cross-outlet claim alignment on small texts written here (English and Spanish)."""
from __future__ import annotations

import random
import time
from collections.abc import Sequence

import pytest

from parsers.align import (AlignConfig, AlignItem, AlignLink, AlignResult, DEFAULT_THRESHOLD,
                           TfidfSimilarity, align, stem)
from parsers.claims import extract_claim
from parsers.sentences import split_sentences

# Five fictional outlets: three cover the meeting, one the tariffs, one unrelated news.
ARTICLES = {
    "wire-a": ("en", "Kristi Noem met Claudia Sheinbaum at the National Palace on Friday for more than two "
                     "hours. Mexico deployed 10,000 National Guard troops to its northern border. Sheinbaum "
                     "said Mexico does not have a biometric registry."),
    "daily-b": ("en", "The meeting between Sheinbaum and Noem at the National Palace lasted over two hours on "
                      "Friday. Sheinbaum criticized Noem over the new tariffs. The president said there is no "
                      "national biometric registry in Mexico."),
    "diario-c": ("es", "México desplegó 10 mil elementos de la Guardia Nacional en su frontera norte. Noem y "
                       "Sheinbaum se reunieron el viernes en Palacio Nacional durante más de dos horas. Trump "
                       "anunció aranceles del 25% a productos mexicanos."),
    "gazette-d": ("en", "Trump announced 25% tariffs on Mexican products. Farmers in Iowa worry about exports. "
                        "The weather in Chicago was mild."),
    "noticias-e": ("es", "La lluvia afectó a la Ciudad de México. El equipo local ganó el partido del domingo. "
                         "Los precios del maíz subieron."),
}


def make_items(articles=ARTICLES, with_claims: bool = True) -> list[AlignItem]:
    items = []
    for doc, (lang, text) in articles.items():
        for s in split_sentences(text, lang):
            nums, ents = (), ()
            if with_claims:
                c = extract_claim(s, language=lang)
                nums, ents = tuple(n.value for n in c.numbers), c.entities
            items.append(AlignItem(f"{doc}:{s.idx}", doc, doc.split("-")[0], lang, s.text, nums, ents))
    return items


def group_of(result: AlignResult, key: str) -> list[str]:
    return next(g for g in result.groups if key in g)


@pytest.fixture(scope="module")
def result() -> AlignResult:
    return align(make_items())


def test_every_item_in_exactly_one_group(result):
    keys = [it.key for it in make_items()]
    flat = [k for g in result.groups for k in g]
    assert sorted(flat) == sorted(keys) and len(flat) == len(set(flat))
    # singletons are groups too
    assert ["noticias-e:0"] in result.groups


def test_links_english_paraphrases(result):
    assert "daily-b:0" in group_of(result, "wire-a:0")  # the meeting, reworded
    assert "daily-b:2" in group_of(result, "wire-a:2")  # no biometric registry, reworded


def test_links_english_and_spanish_through_numbers_and_concepts(result):
    assert group_of(result, "wire-a:1") == ["wire-a:1", "diario-c:0"]  # 10,000 troops / 10 mil elementos
    link = next(lk for lk in result.links if {lk.a, lk.b} == {"wire-a:1", "diario-c:0"})
    assert link.shared_numbers == (10000.0,)
    assert {"troops", "border", "guard"} <= set(link.shared_terms)
    assert link.score >= DEFAULT_THRESHOLD
    assert "diario-c:1" in group_of(result, "wire-a:0")  # the meeting, in Spanish


def test_keeps_apart_sentences_that_only_share_names(result):
    # daily-b:1 names Sheinbaum and Noem like the meeting sentences, but reports another claim
    assert group_of(result, "daily-b:1") == ["daily-b:1"]
    assert not any("daily-b:1" in (lk.a, lk.b) for lk in result.links)


def test_names_alone_never_make_a_candidate_pair():
    items = [AlignItem("a", "doc1", "x", "en", "Later Noem greeted Sheinbaum warmly.", entities=("Noem", "Sheinbaum")),
             AlignItem("b", "doc2", "y", "en", "Yesterday Sheinbaum phoned Noem briefly.", entities=("Sheinbaum", "Noem"))]
    sim = TfidfSimilarity()
    sim.fit(items, AlignConfig(edge_floor=0.0, doc_weight=0.0))
    assert sim.candidate_edges() == []


def test_only_items_of_different_documents_link():
    text = "Mexico deployed 10,000 National Guard troops to its northern border."
    items = [AlignItem("a1", "doc-a", "A", "en", text), AlignItem("a2", "doc-a", "A", "en", text)]
    assert align(items).groups == [["a1"], ["a2"]]
    items.append(AlignItem("b1", "doc-b", "B", "en", text))
    res = align(items)
    assert all(lk.a != "a1" or lk.b != "a2" for lk in res.links)
    assert any({lk.a, lk.b} == {"a1", "b1"} for lk in res.links)


def test_links_are_evidence_inside_groups(result):
    for lk in result.links:
        assert isinstance(lk, AlignLink)
        assert group_of(result, lk.a) == group_of(result, lk.b)
        assert lk.score >= DEFAULT_THRESHOLD
        assert lk.a.split(":")[0] != lk.b.split(":")[0]


def test_deterministic_same_input_same_output():
    items = make_items()
    first, second = align(items), align(list(items))
    assert first == second
    # groups are listed by their first item, members in input order
    position = {it.key: i for i, it in enumerate(items)}
    assert [position[g[0]] for g in first.groups] == sorted(position[g[0]] for g in first.groups)
    for g in first.groups:
        assert [position[k] for k in g] == sorted(position[k] for k in g)


def test_input_order_does_not_change_the_partition():
    items = make_items()
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    as_sets = lambda res: sorted(sorted(g) for g in res.groups)  # noqa: E731
    assert as_sets(align(items)) == as_sets(align(shuffled))


def test_threshold_controls_linking():
    items = make_items()
    assert all(len(g) == 1 for g in align(items, threshold=0.99).groups)
    assert len(align(items, threshold=0.2).groups) <= len(align(items).groups)


def test_duplicate_keys_are_rejected_with_a_clear_message():
    items = [AlignItem("k", "d1", "o", "en", "One."), AlignItem("k", "d2", "o", "en", "Two.")]
    with pytest.raises(ValueError, match="duplicate item key 'k'"):
        align(items)


def test_empty_input():
    assert align([]) == AlignResult([], [])


def test_works_without_claim_features_and_languages():
    items = [AlignItem(it.key, it.doc, it.outlet, None, it.text) for it in make_items(with_claims=False)]
    res = align(items)
    assert "daily-b:0" in group_of(res, "wire-a:0")
    assert "daily-b:1" not in group_of(res, "wire-a:0")


def test_chaining_guard_stops_loose_chains():
    # a-b share one claim, b-c another; with a strict guard a, b and c do not all end up together
    items = [
        AlignItem("a", "d1", "o", "en", "Mexico deployed 10,000 troops to the northern border on Friday."),
        AlignItem("b", "d2", "o", "en", "Mexico deployed 10,000 troops to the northern border, and tariffs of 25% hit farmers."),
        AlignItem("c", "d3", "o", "en", "Tariffs of 25% hit farmers in Iowa and Ohio."),
        AlignItem("x", "d4", "o", "en", "The weather in Chicago was mild and sunny."),
    ]
    loose = align(items, config=AlignConfig(avg_threshold=0.0, doc_weight=0.0, doc_best_margin=None), threshold=0.3)
    strict = align(items, config=AlignConfig(avg_threshold=0.3, doc_weight=0.0, doc_best_margin=None), threshold=0.3)
    assert ["a", "b", "c"] in loose.groups
    assert ["a", "b", "c"] not in strict.groups


def test_pluggable_similarity():
    class SameFirstWord:
        """Links items whose first words match: enough to check that align uses it."""

        def fit(self, items: Sequence[AlignItem], config: AlignConfig) -> None:
            self.items = items

        def candidate_edges(self):
            out = []
            for i, a in enumerate(self.items):
                for j in range(i + 1, len(self.items)):
                    b = self.items[j]
                    if a.doc != b.doc and a.text.split()[0] == b.text.split()[0]:
                        out.append((1.0, i, j))
            return out

        def explain(self, i, j):
            return (self.items[i].text.split()[0],), (), ()

    items = [AlignItem("1", "d1", "o", "en", "Alpha one."), AlignItem("2", "d2", "o", "en", "Beta two."),
             AlignItem("3", "d3", "o", "en", "Alpha three.")]
    res = align(items, similarity=SameFirstWord())
    assert res.groups == [["1", "3"], ["2"]]
    assert res.links[0].shared_terms == ("Alpha",)


@pytest.mark.parametrize("word, language, expected", [
    ("borders", "en", "bord"), ("border", "en", "bord"), ("fronteras", "es", "front"),
    ("frontera", "es", "front"), ("news", "en", "news"), ("crisis", "es", "crisis"),
])
def test_light_stemmer(word, language, expected):
    assert stem(word, language) == expected


def test_ten_thousand_sentences_in_seconds():
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "ren", "tos", "va", "qui", "ber", "dan", "sol", "mar", "tel", "pi", "gor"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)]
    weights = [1 / (r + 1) for r in range(len(vocab))]  # Zipf, like words in news
    names = ["".join(rng.choice(syllables) for _ in range(3)).capitalize() for _ in range(400)]
    items = []
    for d in range(1000):
        story = rng.randrange(60)
        for s in range(10):
            words = rng.choices(vocab, weights, k=14)
            words += [names[(story * 7 + rng.randrange(5)) % len(names)], str(rng.choice([2, 25, 1000, 10000]))]
            rng.shuffle(words)
            items.append(AlignItem(f"d{d}:{s}", f"d{d}", f"o{d % 50}", "en", " ".join(words) + "."))
    started = time.perf_counter()
    res = align(items)
    elapsed = time.perf_counter() - started
    assert sum(len(g) for g in res.groups) == 10_000
    assert elapsed < 20, f"align took {elapsed:.1f}s for 10,000 sentences"
