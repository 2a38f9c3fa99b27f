"""Copies: one sentence printed word for word by several articles of a story.

Wire stories are reprinted: when forty outlets run one agency story, each of its sentences
stands forty times in the topic. Aligning those copies pair by pair costs the square of their
number (780 pairs for forty copies of one sentence, and as many again against each rewording)
and teaches nothing: the same words in one story are the same claim. So alignment runs on
*forms*, and every copy of a form then takes the form's place in its groups. The work grows
with the distinct wordings of a story, not with the outlets that reprint it.

Rules, in order:
1. Two sentences are copies when they belong to one story (parsers.stories), have the same
   language, the same text once runs of white space are made single spaces, and the same number
   values and names (AlignItem.numbers, .entities; they are read from the text, so copies agree
   unless an analyzer version changed between them). Case and punctuation count: "Sheinbaum
   rejects" and "Sheinbaum Rejects" are different wordings, and a changed figure or date is a
   different sentence.
2. A form is aligned as its first holder in input order (the pipeline orders by sentence id):
   that holder's article and position stand for the form in the per-article rules of the
   aligners (an article's sentences never link each other; its best match in another article;
   an event group takes one sentence per article).
3. After alignment each group holds every copy of each form it holds, in input order. Links
   (the evidence for a pair) stay between the forms' first holders: a copy has the same words,
   so it would show the same evidence; `copy_pairs` says which sentence each copy stands for.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parsers.align import AlignItem, AlignResult

__all__ = ["Forms", "collapse", "expand"]


@dataclass(frozen=True)
class Forms:
    items: list[AlignItem]  # one per form, its first holder, in input order
    holders: dict[str, list[str]]  # first holder's key → every holder's key (itself first), input order
    order: dict[str, int]  # key → position in the input (to keep members in input order)

    @property
    def copy_pairs(self) -> list[tuple[str, str]]:
        """(copy, the first holder it stands for) for every holder but the first."""
        return [(k, rep) for rep, keys in self.holders.items() for k in keys[1:]]

    @property
    def n_copies(self) -> int:
        return len(self.order) - len(self.items)


def _wording(item: AlignItem, story: str) -> tuple:
    return (story, item.language, " ".join(item.text.split()), item.numbers, item.entities)


def collapse(items: Sequence[AlignItem], stories: Mapping[str, str] | None) -> Forms:
    """Rule 1: the forms of `items` (article → story in `stories`; without stories an article is
    its own story, so only sentences repeated inside one article collapse)."""
    first: dict[tuple, str] = {}
    holders: dict[str, list[str]] = {}
    reps: list[AlignItem] = []
    for it in items:
        story = stories.get(it.doc, it.doc) if stories is not None else it.doc
        key = _wording(it, story)
        rep = first.get(key)
        if rep is None:
            first[key] = it.key
            holders[it.key] = [it.key]
            reps.append(it)
        else:
            holders[rep].append(it.key)
    return Forms(reps, holders, {it.key: i for i, it in enumerate(items)})


def expand(result: AlignResult, forms: Forms) -> AlignResult:
    """Rule 3: `result` (over the forms) with every copy in the groups of its form."""
    if not forms.n_copies:
        return result
    groups = []
    for group in result.groups:
        members = [k for rep in group for k in forms.holders.get(rep, (rep,))]
        members.sort(key=forms.order.__getitem__)
        groups.append(members)
    return AlignResult(groups, result.links)
