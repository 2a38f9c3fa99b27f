"""Reprinted sentences are aligned once (parsers.copies) and every copy joins its original's groups."""
from __future__ import annotations

from parsers.align import AlignItem, AlignLink, AlignResult
from parsers.copies import collapse, expand
from tests.parsers.test_events import ARTICLES, make_items
from warehouse.analysis import compute_alignment

REPRINTERS = ("herald", "courier", "gazette", "tribune", "post", "chronicle")


def item(key, doc, text, lang="en", numbers=(), entities=()):
    return AlignItem(key, doc, doc, lang, text, numbers, entities)


def test_copies_are_the_same_words_numbers_and_names_inside_one_story():
    items = [
        item("a:1", "a", "Noem met Sheinbaum for two hours."),
        item("b:1", "b", "Noem met  Sheinbaum\nfor two hours."),  # white space only: a copy
        item("c:1", "c", "Noem met Sheinbaum for two hours."),  # same words, another story
        item("d:1", "d", "Noem met Sheinbaum For two hours."),  # case is wording
        item("e:1", "e", "Noem met Sheinbaum for two hours.", lang="es"),
        item("f:1", "f", "Noem met Sheinbaum for two hours.", numbers=(2.0,)),
        item("b:2", "b", "Noem met Sheinbaum for two hours."),  # repeated by b itself: a copy too
    ]
    stories = {"a": "s", "b": "s", "c": "other", "d": "s", "e": "s", "f": "s"}
    forms = collapse(items, stories)
    assert [it.key for it in forms.items] == ["a:1", "c:1", "d:1", "e:1", "f:1"]
    assert forms.holders["a:1"] == ["a:1", "b:1", "b:2"]
    assert forms.copy_pairs == [("b:1", "a:1"), ("b:2", "a:1")] and forms.n_copies == 2
    # without stories an article is its own story: only its own repeats collapse
    assert [it.key for it in collapse(items, None).items] == ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"]


def test_expand_puts_every_copy_in_its_forms_groups_in_input_order():
    items = [item("a:1", "a", "One."), item("b:1", "b", "Two."), item("c:1", "c", "One."), item("d:1", "d", "Two.")]
    forms = collapse(items, {k: "s" for k in "abcd"})
    link = AlignLink("a:1", "b:1", 0.5, ("x",), (), ())
    out = expand(AlignResult([["a:1", "b:1"]], [link]), forms)
    assert out.groups == [["a:1", "b:1", "c:1", "d:1"]]
    assert out.links == [link]  # evidence stays between the forms' first holders


def _inputs(n_reprints):
    articles = {d: ARTICLES[d] for d in ("wire-1", "daily-1", "ledger", "diario")}
    articles.update({name: ARTICLES["ledger"] for name in REPRINTERS[:n_reprints]})
    return [(it, it.published) for it in make_items(articles)]


def test_reprints_join_their_originals_groups_and_add_no_pairwise_work():
    one, many = compute_alignment(_inputs(1), []), compute_alignment(_inputs(6), [])
    # the same wordings were compared: the evidence is the same whatever the number of reprints
    as_rows = lambda links: sorted((l.a, l.b, l.score) for l in links)  # noqa: E731
    assert as_rows(many.claims.links) == as_rows(one.claims.links)
    # (event scores also weigh the articles' story similarity, whose statistics count articles)
    assert [r[:2] for r in as_rows(many.events.links)] == [r[:2] for r in as_rows(one.events.links)]
    assert len(many.copies) == 6 * len([k for k, _ in _inputs(0) if k.doc == "ledger"])
    assert {rep for _, rep in many.copies} <= {it.key for it, _ in _inputs(0) if it.doc == "ledger"}
    # every reprinted sentence sits in the claim and the events of the sentence it copies
    for level in ("claims", "events"):
        groups = getattr(many, level).groups
        for copy, original in many.copies:
            assert [g for g in groups if original in g] == [g for g in groups if copy in g], (level, copy)
    # and the translation still meets the original (and so every reprint) in one claim
    meeting = next(g for g in many.claims.groups if "ledger:0" in g)
    assert "diario:0" in meeting and {f"{r}:0" for r in REPRINTERS} <= set(meeting)
