"""Article body extraction from a parsed page: the main text, paragraphs separated by "\\n\\n".

The approach is readability's (Mozilla's Readability.js, itself from arc90): score paragraphs,
credit their ancestors, pick the best-scoring container, add its good siblings, clean the result
conditionally. What differs is the mechanics, which are built for speed on BeautifulSoup trees:
the tree is never modified or re-parsed; one walk computes every element's text length, link
text, commas and counts, and later steps read those numbers instead of calling get_text again.
Retries with looser rules are therefore cheap.

All class/id patterns, tag lists and boilerplate texts are data (data/boilerplate.toml).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from bs4.element import CData, NavigableString

from parsers import datafiles

__all__ = ["BodyResult", "extract_body"]

_BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p pre "
    "section summary table tbody thead tfoot tr td th ul caption legend".split()
)
# Readability's "DIV to P" test: a container with none of these below it is a paragraph.
_BLOCKISH = frozenset("blockquote dl div img ol p pre table ul section article figure h1 h2 h3 h4 h5 h6 li header footer aside nav form main".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SCORE_TAGS = frozenset("p pre td".split())
_LISTS = frozenset("ul ol dl".split())
_CLEAN_TAGS = frozenset("div section table ul ol dl form fieldset header aside figure".split())
_TAG_BASE = {
    "div": 5, "article": 8, "main": 5, "section": 0,
    "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMA = re.compile(r"[,،、，]")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_SENTENCE_END = re.compile(r"[.!?。！？…](?:[\"'”’»)\]]*)(?:\s|$)")
_MIN_PARAGRAPH = 25
_MIN_TEXT = 500  # below this, retry with looser rules (readability's charThreshold)


@dataclass(frozen=True, slots=True)
class BodyResult:
    """The extracted text, its paragraphs, and how it was found.

    `source`: "scored" (readability-style candidate), "scored-relaxed" (after a retry without
    the furniture filter or without conditional cleaning), "jsonld" (schema.org articleBody,
    longer than what the page shows), "page" (nothing scored: the page's text without
    furniture) or "none".
    """

    text: str
    paragraphs: tuple[str, ...]
    source: str
    container: str | None = None  # e.g. "div.article-body" for debugging


class _Rules:
    def __init__(self) -> None:
        d = datafiles.load("boilerplate")
        self.drop = frozenset(d["tags"]["drop"])
        self.furniture = frozenset(d["tags"]["furniture"])
        self.unlikely_roles = frozenset(d["roles"]["unlikely"])
        c = d["classes"]
        # Class/id patterns are matched against lower-cased strings without re.I, which is
        # five times faster on Python's regex engine; there are thousands of elements a page.
        self.unlikely = re.compile("|".join(x.lower() for x in c["unlikely"]))
        self.maybe = re.compile("|".join(x.lower() for x in c["maybe"]))
        self.negative = re.compile("|".join(x.lower() for x in c["negative"]))
        self.drop_class = re.compile("|".join(x.lower() for x in c["drop"]))
        weak = {x.lower() for x in c["weak_negative"]}
        self.negative_strong = re.compile("|".join(x.lower() for x in c["negative"] if x.lower() not in weak))
        self.positive = re.compile("|".join(x.lower() for x in c["positive"]))
        self.strong = re.compile("|".join(re.escape(x.lower()) for x in c["strong_positive"]))
        self.share = re.compile("|".join(re.escape(x.lower()) for x in c["share"]))
        self.social_embed = re.compile("|".join(re.escape(x.lower()) for x in c["social_embed"]))
        t = d["text"]
        self.drop_block = re.compile(r"^(?:" + "|".join(t["drop_block"]) + r")[.!:]?$", re.I)
        self.drop_prefix = tuple(p.lower() for p in t["drop_prefix"])
        self.max_prefix_block = int(t["max_prefix_block"])
        dates = datafiles.load("metadata")["dates"]
        self.dateline_words = frozenset(
            [w.lower() for w in t["dateline_words"]]
            + [m.lower() for m in dates["months"]]
            + [w.lower() for w in dates["weekdays"]]
            + [z.lower() for z in dates["zones"]]
        )
        self.max_dateline_block = int(t["max_dateline_block"])
        credits = "|".join(re.escape(c) for c in t["caption_credit"])
        self.caption = re.compile(rf"[(\[](?:{credits})\b[^)\]]*[)\]]\.?$", re.I)
        self.max_caption_block = int(t["max_caption_block"])
        self.promo = re.compile(r"\b(?:" + "|".join(t["promo_cues"]) + r")\b", re.I)
        self.max_promo_block = int(t["max_promo_block"])
        self.tail = re.compile(r"^(?:" + "|".join(re.escape(x) for x in t["tail_markers"]) + r")\s*[:.…]*$", re.I)
        self.furniture_heading = re.compile(
            r"^(?:" + "|".join(re.escape(x) for x in t["tail_markers"] + t["section_markers"]) + r")\s*[:.…]*$", re.I
        )


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    return _Rules()


def _attr(value: object) -> str:
    if isinstance(value, list):
        return " ".join(value)
    return value if isinstance(value, str) else ""


class _Node:
    """Numbers about one element: the walk fills the own_* fields once; `_aggregate` fills the
    totals for one mode (strict or relaxed) without touching the bs4 tree again."""

    __slots__ = (
        "tag", "parent", "name", "all_children", "children", "own_chars", "own_commas",
        "own_img", "own_embed", "own_input", "text_len", "link_len", "commas", "p_count",
        "img_count", "li_count", "input_count", "embed_count", "heading_len", "inline_text",
        "block_desc", "score", "scored", "weight", "unlikely", "excluded", "in_table", "anchor",
        "keep", "list_len", "rows", "cells", "soft_weight",
    )

    def __init__(self, tag: Tag, parent: _Node | None, name: str) -> None:
        self.tag = tag
        self.parent = parent
        self.name = name
        self.all_children: list[_Node] = []
        self.children: list[_Node] = []
        self.own_chars = 0  # text in this element's own text nodes
        self.own_commas = 0
        self.own_img = 0  # dropped media/controls directly inside, counted for cleaning
        self.own_embed = 0
        self.own_input = 0
        self.weight = 0
        self.unlikely = False  # furniture by tag, role, class/id or a "Related" heading
        self.excluded = False  # left out in the current mode
        self.in_table = False
        self.anchor = False  # is or holds <main>, <h1> or a strong article-body marker
        self.keep = False  # an embedded social post (a quote) or its bare wrapper
        self.soft_weight = 0  # the weight without weak negatives ("media" on a text block)
        # The totals (reset) are filled by _aggregate, which every use of a node goes through;
        # setting them here too would do it twice for every element of every page.

    def reset(self) -> None:
        self.children = []
        self.text_len = self.own_chars
        self.link_len = 0
        self.commas = self.own_commas
        self.p_count = 0
        self.img_count = self.own_img
        self.li_count = 0
        self.input_count = self.own_input
        self.embed_count = self.own_embed
        self.heading_len = 0
        self.list_len = 0  # text inside <ul>/<ol> descendants
        self.rows = 0  # <tr> below (for tables)
        self.cells = 0  # <td>/<th> below
        self.inline_text = self.own_chars  # text directly inside or in inline descendants
        self.block_desc = False
        self.score = 0.0
        self.scored = False

    @property
    def link_density(self) -> float:
        return self.link_len / self.text_len if self.text_len else 0.0


def _is_hidden(attrs: dict[str, object]) -> bool:
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    if isinstance(style, str) and _HIDDEN_STYLE.search(style):
        return True
    if attrs.get("aria-hidden") == "true" and "fallback-image" not in _attr(attrs.get("class")):
        return True
    return False


@functools.lru_cache(maxsize=20_000)
def _class_traits(cls: str, ident: str) -> tuple[bool, int, int, bool, bool]:
    """(unlikely, weight, soft weight, strong, dropped) for one class/id pair; pages repeat a
    few hundred pairs thousands of times, so the regexes run once per distinct pair. The soft
    weight leaves out the weak negatives; dropped: the class names a hover card."""
    r = _rules()
    cls, ident = cls.lower(), ident.lower()
    cls_id = f"{cls} {ident}"
    unlikely = len(cls_id) > 1 and r.unlikely.search(cls_id) is not None and r.maybe.search(cls_id) is None
    weight = soft = 0
    for value in (cls, ident):
        if value:
            negative = r.negative.search(value) is not None
            positive = r.positive.search(value) is not None
            if positive and negative:
                # A class word that names both ("articleByline__bio", "story-related") is the
                # negative thing inside an article: the positive part is only a namespace.
                positive = any(r.positive.search(w) and not r.negative.search(w) for w in value.split())
            if negative:
                weight -= 25
                if r.negative_strong.search(value):
                    soft -= 25
            if positive:
                weight += 25
                soft += 25
    strong = r.strong.search(cls_id) is not None
    if strong:
        weight += 25
        soft += 25
    dropped = bool(cls) and r.drop_class.search(cls) is not None
    return unlikely, weight, soft, strong, dropped


_STRUCTURE = frozenset(("html", "body", "main", "article"))


def _walk(root: Tag) -> list[_Node]:
    """Walk the tree once; every kept element in document order, with its own numbers.

    Dropped tags (script, style, form controls, media...), hidden elements and elements whose
    class names a hover card or tooltip (boilerplate.toml [classes].drop) are left out
    entirely (media and controls are counted on their parent). Furniture is only flagged
    (`unlikely`): by tag (nav, aside, footer), ARIA role, class/id, or a first heading that
    announces furniture ("Related articles", "Te puede interesar", "Comments"); the flag is
    lifted from elements that hold <main>, the <h1> or an article-body marker.
    """
    r = _rules()
    top = _Node(root, None, root.name or "[document]")
    nodes: list[_Node] = [top]
    stack: list[tuple[Tag, _Node]] = [(child, top) for child in reversed(root.contents)]  # type: ignore[misc]
    while stack:
        el, parent = stack.pop()
        if isinstance(el, NavigableString):
            if type(el) is NavigableString or isinstance(el, CData):
                s = str(el)
                if s and not s.isspace():
                    parent.own_chars += len(s.strip())
                    parent.own_commas += len(_COMMA.findall(s))
            continue
        name = el.name
        if name in r.drop:
            if name in ("img", "picture"):
                parent.own_img += 1
            elif name in ("iframe", "object", "embed", "video", "audio"):
                parent.own_embed += 1
            elif name in ("input", "select", "textarea", "button"):
                parent.own_input += 1
            continue
        attrs = el.attrs
        if attrs:
            if _is_hidden(attrs):
                continue
            cls = attrs.get("class")
            cls = cls if isinstance(cls, str) else _attr(cls)
            ident = attrs.get("id")
            unlikely, weight, soft, strong, dropped = _class_traits(cls, ident if isinstance(ident, str) else _attr(ident))
            if dropped and name not in _STRUCTURE:
                continue
        node = _Node(el, parent, name)
        node.in_table = parent.in_table or name == "table"
        if attrs:
            itemprop = attrs.get("itemprop")
            if itemprop and "articleBody" in _attr(itemprop):
                weight += 25
                soft += 25
                strong = True
            node.weight = weight
            node.soft_weight = soft
            node.anchor = strong
            if name in r.furniture:
                node.unlikely = True
            elif name not in ("body", "html", "a", "article", "main"):
                role = attrs.get("role")
                if isinstance(role, str) and role in r.unlikely_roles:
                    node.unlikely = True
                elif unlikely and not node.in_table:
                    node.unlikely = True
        elif name in r.furniture:
            node.unlikely = True
        if name in ("main", "h1"):
            node.anchor = True
        elif name == "blockquote" and attrs and r.social_embed.search(_attr(attrs.get("class")).lower()):
            node.keep = True
        if name in _HEADINGS and not parent.all_children and parent.name not in ("body", "[document]", "html"):
            # A section that opens with "Related" / "Te puede interesar" is furniture.
            text = el.get_text(" ", strip=True)
            if len(text) < 60 and r.furniture_heading.match(text):
                parent.unlikely = True
        parent.all_children.append(node)
        nodes.append(node)
        for child in reversed(el.contents):
            stack.append((child, node))  # type: ignore[arg-type]
    # An embedded post (a tweet quoting an official) is a quote, not a widget: it and the bare
    # wrappers around it ("social-media-embed") are kept whatever their class or links say.
    for node in nodes:
        if node.keep:
            node.unlikely = False
            wrapper = node.parent
            while wrapper is not None and wrapper.own_chars == 0 and len(wrapper.all_children) == 1 and wrapper.name == "div":
                wrapper.keep, wrapper.unlikely = True, False
                wrapper = wrapper.parent
    # A wrapper around the article is never furniture, whatever its class says
    # ("Page-ad-margins" matches "-ad-"): unflag unlikely elements that hold an anchor.
    for node in reversed(nodes):
        if node.anchor:
            if node.unlikely and node.name not in r.furniture:
                node.unlikely = False
            if node.parent is not None:
                node.parent.anchor = True
    return nodes


def _aggregate(nodes: list[_Node], strict: bool) -> None:
    """Totals for one mode: in strict mode unlikely subtrees are excluded."""
    for node in nodes:
        node.reset()
        parent = node.parent
        node.excluded = (strict and node.unlikely) or (parent is not None and parent.excluded)
    for node in reversed(nodes):
        if node.excluded:
            continue
        name = node.name
        if name == "a":
            node.link_len = node.text_len
        elif name == "p":
            node.p_count += 1
        elif name == "li":
            node.li_count += 1
        elif name in _HEADINGS:
            node.heading_len = node.text_len
        elif name in ("ul", "ol"):
            node.list_len = node.text_len
        elif name == "tr":
            node.rows += 1
        elif name in ("td", "th"):
            node.cells += 1
        parent = node.parent
        if parent is None:
            continue
        parent.children.append(node)
        parent.text_len += node.text_len
        parent.link_len += node.link_len
        parent.commas += node.commas
        parent.p_count += node.p_count
        parent.img_count += node.img_count
        parent.li_count += node.li_count
        parent.input_count += node.input_count
        parent.embed_count += node.embed_count
        parent.heading_len += node.heading_len
        parent.list_len += node.list_len
        if name != "table":  # a nested table's rows are not this table's
            parent.rows += node.rows
            parent.cells += node.cells
        if name in _BLOCKISH or node.block_desc or node.img_count:
            parent.block_desc = True
        if name not in _BLOCK and not node.block_desc:
            parent.inline_text += node.text_len
    for node in nodes:
        node.children.reverse()  # appended in reverse document order


def _content_score(text_len: int, commas: int) -> float:
    return 1.0 + commas + min(text_len // 100, 3)


def _init_score(node: _Node) -> None:
    if not node.scored:
        node.scored = True
        node.score = _TAG_BASE.get(node.name, 0) + node.weight


def _score(nodes: list[_Node]) -> list[_Node]:
    """Credit each paragraph's score to its ancestors (readability's scoring).

    A paragraph is a <p>, <pre> or <td>, a container with no block-level element below it, a
    list item of prose (under 30% link text: articles built as bullet lists), or the inline
    text run directly inside a container (text split by <br>s in old templates).
    """
    candidates: dict[int, _Node] = {}
    for node in nodes:
        if node.excluded:
            continue
        is_para = node.name in _SCORE_TAGS or (
            not node.block_desc and node.name in _BLOCK and node.name not in _NOT_PARAGRAPH
        ) or (node.name == "li" and not node.block_desc and node.link_density < 0.3)
        if is_para:
            length, commas, first = node.text_len, node.commas, node.parent
        elif node.block_desc and node.inline_text >= _MIN_PARAGRAPH and node.name in _BLOCK:
            # Inline text directly inside a container: scored as if wrapped in a <p>.
            length, commas, first = node.inline_text, 0, node
        else:
            continue
        if length < _MIN_PARAGRAPH or first is None:
            continue
        score = _content_score(length, commas)
        level = 0
        anc: _Node | None = first
        while anc is not None and level < 5:
            if anc.name in ("[document]", "html"):
                break
            _init_score(anc)
            anc.score += score / (1 if level == 0 else 2 if level == 1 else level * 3)
            candidates[id(anc)] = anc
            anc = anc.parent
            level += 1
    return list(candidates.values())


# Block elements that are never a paragraph by themselves when they hold only inline content.
_NOT_PARAGRAPH = frozenset(
    "html body li dd dt td th tr tbody thead tfoot table ul ol dl h1 h2 h3 h4 h5 h6 figcaption caption summary".split()
)


def _pick(nodes: list[_Node], candidates: list[_Node]) -> list[_Node] | None:
    """The top candidate and the siblings that belong with it (readability's rules).

    Rules, in order:
    1. Every candidate's score is scaled by (1 - link density); the highest wins.
    2. If three of the next four candidates score within 75% of it and share an ancestor with
       it, that ancestor is the article (text split over several containers).
    3. Climb to a parent that scores higher than the last step, stopping when a parent falls
       below a third of the top score; then climb through parents with one child only.
    4. Siblings join when their score (plus 20% of the top's if they share its class) reaches
       max(10, 20% of the top's); when they share its class and hold two paragraphs of prose;
       or when they are <p>s of prose (over 80 characters and under 25% links, or a short
       sentence without links).
    """
    if not candidates:
        return None
    for c in candidates:
        c.score *= 1 - c.link_density
    ranked = sorted(candidates, key=lambda n: n.score, reverse=True)
    top = ranked[0]
    if top.name in ("body", "[document]"):
        return [top]
    # Several near-equal candidates under one ancestor: the article is that ancestor.
    alternatives = [c for c in ranked[1:5] if c.score >= 0.75 * top.score]
    if len(alternatives) >= 3:
        anc = top.parent
        while anc is not None and anc.name not in ("body", "[document]"):
            inside = sum(1 for a in alternatives if _has_ancestor(a, anc))
            if inside >= 3:
                top = anc
                break
            anc = anc.parent
    _init_score(top)
    # Climb while the parent scores better (the content is split over siblings).
    parent = top.parent
    last = top.score
    threshold = last / 3
    while parent is not None and parent.name not in ("body", "[document]"):
        if not parent.scored:
            parent = parent.parent
            continue
        if parent.score < threshold:
            break
        if parent.score > last:
            top = parent
            break
        last = parent.score
        parent = parent.parent
    # A lone child says nothing the parent does not.
    while top.parent is not None and top.parent.name not in ("body", "[document]") and len(top.parent.children) == 1:
        top = top.parent
    _init_score(top)
    parent = top.parent
    if parent is None:
        return [top]
    chosen: list[_Node] = []
    threshold = max(10.0, top.score * 0.2)
    top_class = _attr(top.tag.get("class"))
    for sib in parent.children:
        if sib is top:
            chosen.append(sib)
            continue
        same_class = bool(top_class) and _attr(sib.tag.get("class")) == top_class
        bonus = top.score * 0.2 if same_class else 0.0
        if sib.scored and sib.score + bonus >= threshold:
            chosen.append(sib)
        elif same_class and sib.p_count >= 2 and sib.text_len > 200 and sib.link_density < 0.3:
            # A later section of the same article, too deep below its wrapper to be scored.
            chosen.append(sib)
        elif sib.name == "p":
            ld = sib.link_density
            if sib.text_len > 80 and ld < 0.25:
                chosen.append(sib)
            elif 0 < sib.text_len <= 80 and ld == 0 and _SENTENCE_END.search(sib.tag.get_text()):
                chosen.append(sib)
    return chosen


def _has_ancestor(node: _Node, anc: _Node) -> bool:
    p = node.parent
    while p is not None:
        if p is anc:
            return True
        p = p.parent
    return False


def _is_data_table(node: _Node) -> bool:
    """Readability's data-table test: a table of figures, not a layout grid.

    Rules, in order: role="presentation" or datatable="0" → layout; a summary attribute or a
    <caption> → data; a table inside it → layout; <thead>/<tfoot>/<th>/<colgroup> → data; one
    row or one column → layout; 10 rows or more, over 4 columns, or over 10 cells → data.
    """
    tag = node.tag
    attrs = tag.attrs
    if attrs.get("role") == "presentation" or attrs.get("datatable") == "0":
        return False
    if attrs.get("summary") or tag.find("caption") is not None:
        return True
    if tag.find("table") is not None:
        return False
    if tag.find(("thead", "tfoot", "th", "colgroup")) is not None:
        return True
    columns = node.cells / node.rows if node.rows else 0
    if node.rows <= 1 or columns <= 1:
        return False
    return node.rows >= 10 or columns > 4 or node.cells > 10


def _wraps_one_paragraph(node: _Node) -> bool:
    """True when the element's only content is one <p> (through single-child wrappers)."""
    n = node
    while len(n.children) == 1 and n.own_chars == 0:
        n = n.children[0]
        if n.name == "p":
            return n.text_len == node.text_len
    return False


def _remove_conditionally(node: _Node, r: _Rules) -> bool:
    """Readability's _cleanConditionally for one element of the chosen content.

    A data table is kept whatever its numbers say; an element whose text is over 90% lists
    is judged as a list (a bulleted article, not a link farm).
    """
    if node.name not in _CLEAN_TAGS:
        return False
    is_list = node.name in _LISTS or (node.text_len > 0 and node.list_len > 0.9 * node.text_len)
    weight = node.weight
    if weight < 0:
        # A weak negative ("media") on a block of prose without pictures says nothing.
        weak_only = node.soft_weight >= 0 and node.img_count == 0 and node.embed_count == 0
        if not (weak_only and node.text_len >= 80 and node.link_density < 0.25):
            return True
        weight = 0
    if node.commas >= 10:
        return False
    p = node.p_count
    img = node.img_count
    li = node.li_count - 100
    inputs = node.input_count
    length = node.text_len
    ld = node.link_density
    heading_density = node.heading_len / length if length else 0.0
    in_figure = node.name == "figure"
    if img > 1 and p / img < 0.5 and not in_figure:
        return True
    if not is_list and li > p:
        return True
    if inputs > p // 3:
        return True
    if not is_list and heading_density < 0.9 and length < _MIN_PARAGRAPH and (img == 0 or img > 2) and not in_figure \
            and (ld > 0 or not _SENTENCE_END.search(node.tag.get_text() + " ")):
        # Short bits are junk ("Nacional", "Image 1 of 9") unless they are a sentence without
        # links: a line of dialogue, "He declined to comment."
        return True
    if not is_list and weight < 25 and ld > (0.5 if _wraps_one_paragraph(node) else 0.2):
        # A wrapper around one paragraph is judged as that paragraph: a sentence that links
        # its source is still text.
        return True
    if weight >= 25 and ld > 0.5:
        return True
    if (node.embed_count == 1 and length < 75) or node.embed_count > 1:
        return True
    if is_list and ld > 0.5:
        return True
    return False


class _Writer:
    """Turns chosen elements into blocks of text, skipping what cleaning removed.

    Block-level elements end a block; one <br> is a line break inside a block, two in a row
    end a paragraph (old templates separate paragraphs that way); <pre> keeps its lines; a
    table row is one block whose cells are separated by " | ".
    Whitespace is collapsed everywhere else.
    """

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.buf: list[str] = []
        self.pre = 0

    def flush(self) -> None:
        if not self.buf:
            return
        text = "".join(self.buf)
        self.buf = []
        if self.pre:
            text = "\n".join(ln.rstrip() for ln in text.split("\n")).strip("\n")
            if text.strip():
                self.blocks.append(text)
            return
        for chunk in _PARAGRAPH_BREAK.split(text):
            lines = [_SPACE.sub(" ", ln).strip() for ln in chunk.split("\n")]
            block = "\n".join(ln for ln in lines if ln)
            if block:
                self.blocks.append(block)

    def write(self, node: _Node) -> None:
        # Text comes from the bs4 tags, structure from the (pruned) analysis nodes: a tag
        # without a node was dropped, hidden or cleaned away.
        kept = {id(n.tag) for n in _iter_nodes(node)}
        self._walk(node.tag, kept)

    def _walk(self, root: Tag, kept: set[int]) -> None:
        stack: list[object] = [root]
        while stack:
            item = stack.pop()
            if item is _CLOSE_BLOCK:
                self.flush()
                continue
            if item is _CLOSE_PRE:
                self.flush()
                self.pre -= 1
                continue
            if isinstance(item, NavigableString):
                if type(item) is NavigableString or isinstance(item, CData):
                    s = str(item)
                    self.buf.append(s if self.pre else s.replace("\n", " "))
                continue
            el = item  # type: ignore[assignment]
            if id(el) not in kept:
                continue
            name = el.name  # type: ignore[attr-defined]
            if name == "br":
                self.buf.append("\n")
                continue
            if name == "hr":
                self.flush()
                continue
            if name in ("td", "th"):
                # A table row is one block, its cells separated by " | ": "Steel | 25% | March 12".
                if any(x.strip() for x in self.buf):
                    self.buf.append(" | ")
            elif name in _BLOCK:
                self.flush()
                stack.append(_CLOSE_BLOCK)
            if name == "pre":
                self.pre += 1
                stack.append(_CLOSE_PRE)
            for child in reversed(el.contents):  # type: ignore[attr-defined]
                stack.append(child)


_CLOSE_BLOCK = object()
_CLOSE_PRE = object()
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


def _iter_nodes(node: _Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def _is_prose(node: _Node) -> bool:
    """A paragraph of running text: 80+ characters, under 25% links, ending a sentence."""
    return (
        node.text_len >= 80
        and node.link_density < 0.25
        and _SENTENCE_END.search(node.tag.get_text()[-40:] + " ") is not None
    )


def _prune(chosen: list[_Node], r: _Rules, clean: bool) -> None:
    """Remove what is not running text from the chosen subtrees, in place on the analysis
    nodes (the bs4 tree is untouched).

    Rules, in order, for every descendant:
    0. embedded social posts (blockquote.twitter-tweet...) are kept whole: they are quotes;
    1. furniture tags (nav, aside, footer) and figure captions (credits and picture
       descriptions, not the article's text);
    2. a <header> holding under 30% of the text keeps only its paragraphs of prose (the
       standfirst); its headline, byline, date and lead image go;
    3. a short paragraph that is all one link (an in-text promo for another article);
    4. a short sharing widget (class/id "share", "social"... with no paragraph);
    5. an <h1>/<h2> with a negative class weight;
    6. readability's conditional cleaning of div/section/table/lists/forms (when `clean`),
       except inside a data table.
    """
    for top in chosen:
        total = top.text_len
        stack: list[tuple[_Node, bool, bool]] = [(top, clean, False)]  # (node, clean, in header)
        while stack:
            n, cleaning, in_header = stack.pop()
            keep: list[_Node] = []
            for c in n.children:
                if c.keep:
                    keep.append(c)
                    continue  # nothing inside an embedded post is pruned
                if c.name in r.furniture or c.name == "figcaption":
                    continue
                header = in_header or (c.name == "header" and c.text_len < 0.3 * total)
                if header:
                    if c.name in _HEADINGS or c.text_len == 0:
                        continue
                    if not c.block_desc:
                        if _is_prose(c):
                            keep.append(c)
                        continue
                if c.name in ("p", "div") and not c.block_desc and c.text_len < 150 and c.link_density >= 0.9:
                    continue  # a paragraph that is one link: a promo for another article
                if c.text_len < 500 and c.p_count == 0 and r.share.search((_attr(c.tag.get("class")) + " " + _attr(c.tag.get("id"))).lower()):
                    continue
                if c.name in ("h1", "h2") and c.weight < 0:
                    continue
                data_table = c.name == "table" and cleaning and _is_data_table(c)
                if cleaning and not data_table and _remove_conditionally(c, r):
                    continue
                keep.append(c)
                stack.append((c, cleaning and not data_table, header))
            n.children = keep


def _filter_blocks(blocks: list[str], r: _Rules, title: str | None, authors: tuple[str, ...]) -> list[str]:
    """Drop boilerplate blocks; cut at a furniture heading in the last part of the text.

    Rules, in order:
    1. From a furniture heading ("About the author", "Related articles", "Comentarios") in the
       last 40% of the text, everything is dropped.
    2. A block that is entirely a boilerplate phrase ("Advertisement", "Publicidad",
       "Post Views: 12", "Share this") is dropped.
    3. A short block starting with a call-to-action or link prefix ("Read more:", "Lee
       también:", "Photo:", "©") is dropped, and so is a dateline: a short block of only dates,
       times and words like "Published", "Updated", "Actualizado", and a caption printed as a
       paragraph: a short block ending in a bracketed credit "(Image: Getty)", "(Foto: AP)",
       and a promotion: a short block with two different call-to-action cues ("sign up",
       "newsletter", "suscríbete", "boletín"...).
    4. A leading block that repeats the headline, or a short leading block naming the authors
       without being a sentence (the byline), is dropped; but a repeated headline is kept when
       it is all the text there is (a one-paragraph story whose lead doubles as headline).
    """
    blocks = [b.strip() for b in blocks if b.strip()]
    total = sum(len(b) for b in blocks)
    seen = 0
    for i, b in enumerate(blocks):
        if seen >= 0.6 * total and len(b) < 60 and r.tail.match(b):
            blocks = blocks[:i]
            break
        seen += len(b)
    out: list[str] = []
    title_repeat: str | None = None
    title_key = _key(title) if title else ""
    author_keys = [k for k in (_key(a) for a in authors) if k]
    for s in blocks:
        low = s.lower()
        if r.drop_block.match(s.rstrip(".:!")) or r.drop_block.match(s):
            continue
        if len(s) <= r.max_prefix_block and low.startswith(r.drop_prefix):
            continue
        if len(s) <= r.max_dateline_block and _is_dateline(low, r):
            continue
        if len(s) <= r.max_caption_block and r.caption.search(s):
            continue
        if len(s) <= r.max_promo_block and len({m.group(0).lower() for m in r.promo.finditer(s)}) >= 2:
            continue
        if len(out) < 4 and title_key and _key(s) == title_key:
            title_repeat = title_repeat or s
            continue
        if (
            len(out) < 6
            and len(s) < 120
            and any(k in _key(s) for k in author_keys)
            and not _SENTENCE_END.search(s[:-1] if s.endswith(".") else s)
        ):
            continue
        out.append(s)
    if not out and title_repeat:
        out.append(title_repeat)
    return out


_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def _is_dateline(low: str, r: _Rules) -> bool:
    """True for a block of only dates, times and dateline words, with at least one number."""
    tokens = _TOKEN.findall(low)
    if not tokens or not any(t.isdigit() for t in tokens):
        return False
    return all(t.isdigit() or t in r.dateline_words for t in tokens)


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _furniture_share(chosen: list[_Node]) -> float:
    """The share of the kept text that sits inside elements flagged as furniture."""
    total = furniture = 0
    stack = [(n, n.unlikely) for n in chosen]
    while stack:
        n, inside = stack.pop()
        total += n.own_chars
        if inside:
            furniture += n.own_chars
        stack.extend((c, inside or c.unlikely) for c in n.children)
    return furniture / total if total else 0.0


def _attempt(nodes: list[_Node], strict: bool, clean: bool, title: str | None, authors: tuple[str, ...]) -> tuple[list[str], str | None, float]:
    """One extraction in one mode: the blocks, the container's label, the furniture share."""
    r = _rules()
    _aggregate(nodes, strict)
    candidates = _score(nodes)
    chosen = _pick(nodes, candidates)
    if not chosen:
        return [], None, 0.0
    _prune(chosen, r, clean)
    share = 0.0 if strict else _furniture_share(chosen)
    writer = _Writer()
    for node in chosen:
        writer.write(node)
        writer.flush()
    blocks = _filter_blocks(writer.blocks, r, title, authors)
    top = chosen[0] if len(chosen) == 1 else next((c for c in chosen if c.scored), chosen[0])
    cls = _attr(top.tag.get("class")).split()
    label = top.name + ("." + cls[0] if cls else "") + (f"#{top.tag.get('id')}" if top.tag.get("id") else "")
    return blocks, label, share


def extract_body(
    soup: BeautifulSoup,
    *,
    title: str | None = None,
    authors: tuple[str, ...] = (),
    jsonld_body: str | None = None,
) -> BodyResult:
    """The article text of a parsed page.

    Rules, in order:
    1. Score and pick with furniture skipped (nav/aside/footer, unlikely class/id/role) and
       conditional cleaning on; readability's rules otherwise.
    2. If that yields under 500 characters, retry keeping furniture, then without conditional
       cleaning; keep the longest result, except that a retry whose text is mostly inside
       furniture (comments, sidebars) never replaces a text found before.
    3. If a schema.org JSON-LD articleBody is markedly longer than the result, use it (sites
       that render the text with JavaScript ship it there).
    4. If no paragraph was long enough to score, the page's text without furniture.
    5. Boilerplate blocks are filtered on every attempt (see _filter_blocks).
    `title` and `authors` (from the metadata) let a repeated headline and the byline be dropped.
    """
    root = soup.body or soup
    nodes = _walk(root)
    best: tuple[list[str], str | None, str] = ([], None, "none")
    best_len = -1
    for strict, clean, label in ((True, True, "scored"), (False, True, "scored-relaxed"), (False, False, "scored-relaxed")):
        blocks, container, furniture = _attempt(nodes, strict, clean, title, authors)
        length = sum(len(b) for b in blocks)
        if furniture > 0.5 and best_len > 0:
            # Mostly comments, sidebars or link lists: a short article found before is better.
            continue
        if length > best_len:
            best, best_len = (blocks, container, label), length
        if length >= _MIN_TEXT:
            break
    blocks, container, source = best
    if jsonld_body and len(jsonld_body) > 1.3 * max(best_len, 0) + 100:
        paras = [p for p in jsonld_body.split("\n\n") if p.strip()]
        return BodyResult("\n\n".join(paras), tuple(paras), "jsonld", None)
    if not blocks:
        # No paragraph reached 25 characters: the page's own text, furniture removed.
        _aggregate(nodes, True)
        _prune([nodes[0]], _rules(), clean=False)
        writer = _Writer()
        writer.write(nodes[0])
        writer.flush()
        blocks = _filter_blocks(writer.blocks, _rules(), title, authors)
        if blocks:
            return BodyResult("\n\n".join(blocks), tuple(blocks), "page", nodes[0].name)
        return BodyResult("", (), "none", None)
    return BodyResult("\n\n".join(blocks), tuple(blocks), source, container)
