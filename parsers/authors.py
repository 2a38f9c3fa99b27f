"""Bylines → clean person names.

A byline as printed ("By JANE ROE and John Doe | Staff Writers, Updated March 28, 2025") is
turned into names ("Jane Roe", "John Doe"). Word lists (prefixes, separators, roles, newsroom and
agency names) live in data/metadata.toml [authors].
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from parsers import datafiles

__all__ = ["clean_authors", "AuthorNames", "is_organisation"]

_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_MAX_NAME = 60
# "Finian Roe. Example International": a full stop after a word of two letters or more ends a
# name; after one letter it is an initial ("Sarah E. Roe").
_SENTENCE_STOP = re.compile(r"(?<=[^\W\d_]{2})\.\s+(?=[A-ZÀ-Ý])")
_MAX_WORDS = 5


@dataclass(frozen=True, slots=True)
class AuthorNames:
    """People named by a byline, and organisations it named instead (wires, the outlet)."""

    people: tuple[str, ...]
    organisations: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _rules() -> dict[str, object]:
    a = datafiles.load("metadata")["authors"]
    prefixes = sorted((p.lower() for p in a["prefixes"]), key=len, reverse=True)
    prefix_re = re.compile(
        r"^(?:" + "|".join(re.escape(p) + (r"\s*" if p.endswith(":") else r"(?:\s*:\s*|\s+)") for p in prefixes) + r")",
        re.I,
    )
    seps = [s for s in a["separators"]]
    sep_re = re.compile("|".join(re.escape(s) if s.strip() else re.escape(s) for s in sorted(seps, key=len, reverse=True)), re.I)
    cut_re = re.compile(r"(?:^|[\s,|•·:–—-])(?:" + "|".join(re.escape(c) for c in a["cut_markers"]) + r")\b.*$", re.I | re.S)
    roles = sorted((r.lower() for r in a["roles"]), key=len, reverse=True)
    role_re = re.compile(
        r"(?:^|\s*[,|–—:-]\s*|\s+)(?:" + "|".join(re.escape(r) for r in roles) + r")s?\b.*$", re.I | re.S
    )
    creds = "|".join(re.escape(c) for c in sorted(a["credentials"], key=len, reverse=True))
    cred_re = re.compile(rf",\s*(?:{creds})(?:\s*,\s*(?:{creds}))*(?![\w.])", re.I)
    return {
        "prefix": prefix_re,
        "sep": sep_re,
        "cut": cut_re,
        "cred": cred_re,
        "role": role_re,
        "roles": frozenset(roles),
        "not_people": frozenset(n.lower() for n in a["not_people"]),
        "agencies": frozenset(n.lower() for n in a["agencies"]),
        "particles": frozenset(p.lower() for p in a["particles"]),
        "org_words": frozenset(w.lower() for w in a["org_words"]),
    }


def _key(name: str) -> str:
    return re.sub(r"[^\w]+", " ", name.lower()).strip()


def is_organisation(name: str, extra: Iterable[str] = ()) -> bool:
    """True when `name` is a newsroom, desk, agency or one of `extra` (the outlet's names)."""
    r = _rules()
    k = _key(name)
    if not k:
        return True
    if k in r["not_people"] or k in r["agencies"] or name.lower().strip() in r["agencies"]:  # type: ignore[operator]
        return True
    if any(w in r["org_words"] for w in k.split()):  # type: ignore[operator]
        return True
    for e in extra:
        ek = _key(e)
        if ek and (k == ek or k.replace(" ", "") == ek.replace(" ", "")):
            return True
    return False


def _tidy_case(name: str) -> str:
    """"JANE ROE" → "Jane Roe"; mixed-case names are left alone ("Ana McDonald")."""
    letters = [c for c in name if c.isalpha()]
    if len(letters) > 3 and all(c.isupper() for c in letters):
        return " ".join(w.capitalize() if not w.startswith(("Mc", "O'")) else w for w in name.title().split())
    return name


def _looks_like_name(name: str) -> bool:
    r = _rules()
    if not name or len(name) > _MAX_NAME or _DIGIT.search(name):
        return False
    words = name.split()
    if not 1 <= len(words) <= _MAX_WORDS:
        return False
    if words[0].lower() == "the":
        return False  # "The Russian", "The Water Coolest": a publication or column, not a person
    if len(words) == 1 and name.isascii():
        return False  # "Admin", "Senior", "Factorio": one Latin word is rarely a byline name
    if not any(c.isupper() or c.islower() for c in name):
        # Scripts without case (Chinese, Japanese, Korean...): one short token, no phrase.
        return len(words) == 1 and len(name) <= 12
    particles = r["particles"]
    has_upper_word = False
    for w in words:
        core = w.strip(".,'’-")
        if not core:
            continue
        if not any(c.isalpha() for c in core):
            return False
        if core[0].isupper() or not core[0].isalpha() or not core.isascii() and not core[0].islower():
            has_upper_word = True
            continue
        if core.lower() in particles:  # type: ignore[operator]
            continue
        return False  # a lower-case word that is not a particle: prose, not a name
    if not has_upper_word:
        return False
    if _key(name) in r["roles"]:  # type: ignore[operator]
        return False
    return True


def _split(byline: str) -> list[list[str]]:
    """Name groups: the byline split on name separators, each part split on commas."""
    r = _rules()
    parts = [p for p in r["sep"].split(_SENTENCE_STOP.sub("|", byline)) if p and p.strip()]  # type: ignore[union-attr]
    out: list[list[str]] = []
    for part in parts:
        # Commas separate names ("Stella Kim, Jennifer Jett"), a name from its role ("Jane Roe,
        # Staff Writer") or invert one ("Jong, Michiel de"): keep the last case whole.
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        if len(pieces) > 1 and len(pieces[0].split()) >= 2:
            out.append(pieces)
        else:
            out.append([part.strip()])
    return out


def _clean_one(raw: str) -> tuple[str, bool]:
    """The name in one piece, and whether a role or marker was cut from it."""
    r = _rules()
    s = r["cut"].sub("", raw)  # type: ignore[union-attr]
    s = s.strip(" \t,;:|•·–—-")
    for _ in range(3):
        new = r["prefix"].sub("", s).strip()  # type: ignore[union-attr]
        if new == s:
            break
        s = new
    before = s
    s = r["role"].sub("", s)  # type: ignore[union-attr]
    cut = s != before or r["cut"].search(raw) is not None  # type: ignore[union-attr]
    s = s.strip(" \t,;:|•·–—-.")
    if s.endswith(("Jr", "Sr")):
        s += "."
    return _SPACE.sub(" ", s), cut


def clean_authors(bylines: str | Iterable[str] | None, organisations: Iterable[str] = ()) -> AuthorNames:
    """Person names from one byline string or several, in order, without duplicates.

    Rules, in order:
    1. Remove zero-width characters, bracketed asides, e-mail addresses, URLs and @handles.
    2. Split into names on "and", "&", "y", "e", "et", "und", "with", ";", "/", "|", line breaks;
       on commas when the first piece has two words or more ("Jong, Michiel de" stays one).
       Degrees after a comma (", MD", ", PhD") are dropped first.
    3. In each name, drop everything from a marker on ("Updated", "Publicado", "5 min read",
       "Follow"), leading "By"/"Por"/"Par"/"Von"..., and trailing roles (", Staff Writer");
       once a role was cut, the rest of that comma group is an affiliation and is skipped.
    4. Keep a name of 2-5 words (one word only in scripts without spaces), no digits, at most
       60 characters, whose words are capitalised or name particles (de, van, al...).
       All-capitals names are re-cased ("JOE ROE" → "Joe Roe").
    5. Names of newsrooms, desks, agencies (Reuters, EFE, "Redacción"), names with an
       organisation word ("International", "News", "Diario") and `organisations` (the
       outlet's own names) go to `organisations`, not to people. Names starting with "The"
       are dropped.
    6. Duplicates (case-insensitive) are dropped, first occurrence kept.
    """
    if bylines is None:
        return AuthorNames((), ())
    if isinstance(bylines, str):
        bylines = [bylines]
    orgs = [o for o in organisations if o]
    people: list[str] = []
    found_orgs: list[str] = []
    seen: set[str] = set()
    for byline in bylines:
        if not byline or not isinstance(byline, str):
            continue
        s = _ZERO_WIDTH.sub("", byline)
        # Bracketed asides first: "Jane Roe (https://example.org/jane)" must lose the URL
        # and both brackets.
        s = _PARENS.sub(" ", s)
        s = _EMAIL.sub(" ", s)
        s = _URL.sub(" ", s)
        s = _HANDLE.sub(" ", s)
        s = s.replace("\xa0", " ")
        s = _rules()["cred"].sub("", s)  # type: ignore[union-attr]
        for group in _split(s):
            for index, piece in enumerate(group):
                name, cut = _clean_one(piece)
                if cut and index > 0:
                    break  # "Tom Roe, AP Auto Writer": a later piece with a role is an affiliation
                if name:
                    if is_organisation(name, orgs):
                        if _key(name) not in {_key(o) for o in found_orgs}:
                            found_orgs.append(name)
                    else:
                        name = _tidy_case(name)
                        k = _key(name)
                        if _looks_like_name(name) and k not in seen:
                            seen.add(k)
                            people.append(name)
                if cut:
                    break  # after "Jane Roe, Staff Writer" the rest of the group is affiliation
    return AuthorNames(tuple(people), tuple(found_orgs))
