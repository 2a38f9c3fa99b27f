"""A tiny, hand-made story loaded into an in-memory warehouse, for view tests.

Six outlets: Alpha, Beta and Gamma cover the story; Zeta reprints Alpha's first three sentences
word for word, a day later; Delta's page answered 403 (unreadable); Epsilon published only an
off-topic article. Beta's article was edited once. A second Gamma page answered 404, so what
Gamma seems to leave out cannot be called an omission. Eta is known only through a Google News
link that could not be resolved to its own URL. Analysis rows are
written directly (not by the analyzer) so that the views are tested against known input.

Claims (cross-outlet clusters):
  K1 meeting length: Alpha "more than two hours", Beta "nearly two hours", Gamma reported speech
  K2 tariff rate:    Alpha 25%, Beta 20%; Gamma leaves it out
  K3 Noem's quote:   Alpha "options", Gamma "I gave him a list"
  K4 meeting date:   Alpha March 28, Beta April 1
  K5 Gamma alone
The alignment links K4's two sentences (the evidence claim_links keeps), so their dates are
compared. `build(denial=True)` adds K6, Alpha "Mexico agreed to share biometric data" against
Beta "Mexico did not agree to share biometric data", linked. `build(reprinted_date=True)` has
Zeta reprint Alpha's March 28 sentence too, stored as the alignment stores copies
(parsers.copies): in K4's group, in sentence_copies, without links of its own.
`build(second_story=True)` stores stories as the alignment does (topic_stories, story_id on the
claims): the five articles above are one story, and Omega, which covers the topic only through
an article on the harbour strike, a second story with no claim shared across outlets.
"""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from parsers.align import AlignLink
from parsers.records import ArticleRecord, Discovery, FetchResult, stable_id
from warehouse import load
from warehouse.analysis import ANALYZER_VERSION, store_alignment
from warehouse.schema import ensure_schema

TOPIC = "tiny"


def _fetch(url: str, when: str, status: str = "ok", http: int = 200) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=status, fetched_at=when, http_status=http,
                       content_type="text/html", via="http", error=None if status == "ok" else "Forbidden")


def _record(url: str, outlet: str, title: str, body: str, published: str, lang: str = "en") -> ArticleRecord:
    host = url.split("/")[2]
    return ArticleRecord(url=url, canonical_url=url, outlet=outlet, outlet_domain=host, title=title,
                         authors=("A. Writer",), published=published, published_source="jsonld",
                         modified=None, modified_source=None, language=lang, language_source="html-lang",
                         body=body)


URLS = {
    "alpha": "https://alpha.example/a1",
    "beta": "https://beta.example/b1",
    "gamma": "https://gamma.example/c1",
    "delta": "https://delta.example/d1",
    "epsilon": "https://epsilon.example/e1",
    "zeta": "https://zeta.example/z1",
    "gamma_missing": "https://gamma.example/c2",
    "omega": "https://omega.example/o1",
}

BODIES = {
    "alpha": [
        "The meeting lasted more than two hours.",
        "Tariffs of 25% took effect.",
        'Noem said she gave "options" to Sheinbaum.',
        "They met on March 28 at the palace.",
    ],
    "beta_v1": [
        "The meeting lasted nearly two hours.",
        "Tariffs of 30% took effect.",
        "They met on April 1 at the palace.",
        "Noem made demands of Mexico.",
    ],
    "beta": [
        "The meeting lasted nearly two hours.",
        "Tariffs of 20% took effect.",
        "They met on April 1 at the palace.",
        "Noem made demands of Mexico.",
    ],
    "zeta": [
        "The meeting lasted more than two hours.",
        "Tariffs of 25% took effect.",
        'Noem said she gave "options" to Sheinbaum.',
    ],
    "gamma": [
        "Officials said the meeting lasted two hours.",
        'Noem told Fox: "I gave him a list of things."',
        "Gamma alone reports the weather in the capital.",
    ],
}


DENIAL = {
    "alpha": "Mexico agreed to share biometric data with Washington.",
    "beta": "Mexico did not agree to share biometric data with Washington.",
}
# what parsers.claims finds in the denial (written out: the rows are the test's input)
DENIAL_NEGATIONS = (["not"], ["agre", "shar", "biometric", "data"])


def _sid(version_id: str, idx: int) -> str:
    return stable_id(version_id, "body", idx)


def build(con: duckdb.DuckDBPyConnection | None = None, *, denial: bool = False,
          reprinted_date: bool = False, second_story: bool = False) -> duckdb.DuckDBPyConnection:
    con = con or duckdb.connect(":memory:")
    bodies = {k: v + [DENIAL[k]] if denial and k in DENIAL else v for k, v in BODIES.items()}
    urls = URLS if second_story else {k: u for k, u in URLS.items() if k != "omega"}
    if reprinted_date:
        bodies["zeta"] = bodies["zeta"] + [BODIES["alpha"][3]]
    ensure_schema(con)
    load.load_topic(con, TOPIC, "Tiny story", ["meeting"], 1, None, None)
    found = "2025-03-28T09:00:00+00:00"
    load.load_discoveries(con, TOPIC, [
        Discovery(url=u, source="https://feeds.example/all.xml", source_kind="rss", discovered_at=found)
        for u in urls.values()
    ] + [
        Discovery(url="https://news.google.com/rss/articles/CBMiEta", source="https://news.google.com/rss/search?q=meeting",
                  source_kind="google_news", discovered_at=found, outlet_hint="Eta",
                  aggregator_url="https://news.google.com/rss/articles/CBMiEta", resolved=False,
                  outlet_url="https://www.eta.example/"),
    ])
    fetches = {k: _fetch(u, "2025-03-31T12:00:00+00:00") for k, u in urls.items()}
    fetches["delta"] = _fetch(URLS["delta"], "2025-03-31T12:00:00+00:00", status="http_error", http=403)
    fetches["gamma_missing"] = _fetch(URLS["gamma_missing"], "2025-03-31T12:00:00+00:00", status="http_error", http=404)
    beta_v1_fetch = _fetch(URLS["beta"], "2025-03-29T12:00:00+00:00")
    load.load_fetches(con, list(fetches.values()) + [beta_v1_fetch])
    records = {
        "alpha": _record(URLS["alpha"], "Alpha", "Alpha on the meeting", "\n\n".join(bodies["alpha"]),
                         "2025-03-28T10:00:00+00:00"),
        "beta_v1": _record(URLS["beta"], "Beta", "Beta on the meeting", "\n\n".join(bodies["beta_v1"]),
                           "2025-03-29T10:00:00+00:00"),
        "beta": _record(URLS["beta"], "Beta", "Beta on the meeting", "\n\n".join(bodies["beta"]),
                        "2025-03-29T10:00:00+00:00"),
        "gamma": _record(URLS["gamma"], "Gamma", "Gamma on the meeting", "\n\n".join(bodies["gamma"]),
                         "2025-03-30T10:00:00+00:00"),
        "epsilon": _record(URLS["epsilon"], "Epsilon", "Football results", "The home team won again.",
                           "2025-03-30T10:00:00+00:00"),
        "zeta": _record(URLS["zeta"], "Zeta", "Zeta on the meeting", "\n\n".join(bodies["zeta"]),
                        "2025-03-31T10:00:00+00:00"),
    }
    if second_story:
        bodies["omega"] = ["Dock workers at the harbour went on strike over the meeting's tariffs."]
        records["omega"] = _record(URLS["omega"], "Omega", "Omega on the strike", bodies["omega"][0],
                                   "2025-04-02T10:00:00+00:00")
    parsed = [load.Parsed(fetches[k if k != "beta_v1" else "beta"] if k != "beta_v1" else beta_v1_fetch, r)
              for k, r in records.items()]
    load.load_articles(con, parsed)
    load.load_topic_decisions(con, TOPIC, [
        (load.article_id(r), k != "epsilon", "test", []) for k, r in records.items() if k != "beta_v1"
    ])

    vid = {k: load.version_id(r) for k, r in records.items()}
    aid = {k: load.article_id(r) for k, r in records.items()}
    sentences, claims = [], []
    for key in ("alpha", "beta_v1", "beta", "gamma", "zeta") + (("omega",) if second_story else ()):
        offset = 0
        for i, text in enumerate(bodies[key]):
            sentences.append((_sid(vid[key], i), vid[key], aid[key], "body", i, i, offset, offset + len(text), text, "en"))
            kind = "assertion"
            speaker = verb = None
            if key == "gamma" and i == 0:
                kind, speaker, verb = "reported_speech", "Officials", "said"
            if '"' in text:
                kind, speaker, verb = "direct_quote", "Noem", "said"
            negations, scope = DENIAL_NEGATIONS if text == DENIAL["beta"] else ([], [])
            claims.append((_sid(vid[key], i), vid[key], aid[key], kind, speaker, verb, "neutral" if verb else None,
                           [], [], [], ANALYZER_VERSION, negations, scope))
            offset += len(text) + 2
    con.executemany("insert into sentences values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sentences)
    con.executemany("insert into claims values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", claims)
    a, b, b1, g, z = vid["alpha"], vid["beta"], vid["beta_v1"], vid["gamma"], vid["zeta"]
    con.executemany("insert into claim_numbers values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (_sid(a, 0), 0, "more than two hours", 2.0, "hours", "hours", "more than", 17, 36),
        (_sid(b, 0), 0, "nearly two hours", 2.0, "hours", "hours", "nearly", 20, 36),
        (_sid(g, 0), 0, "two hours", 2.0, "hours", "hours", None, 35, 44),
        (_sid(a, 1), 0, "25%", 25.0, "%", "tariff-rate", None, 9, 12),
        (_sid(z, 1), 0, "25%", 25.0, "%", "tariff-rate", None, 9, 12),
        (_sid(b, 1), 0, "20%", 20.0, "%", "tariff-rate", None, 9, 12),
        (_sid(b1, 1), 0, "30%", 30.0, "%", "tariff-rate", None, 9, 12),
    ])
    con.executemany("insert into claim_dates values (?, ?, ?, ?, ?, ?, ?, ?)", [
        (_sid(a, 3), 0, "March 28", "2025-03-28", "day", "explicit", 11, 19),
        (_sid(b, 2), 0, "April 1", "2025-04-01", "day", "explicit", 11, 18),
    ] + ([(_sid(z, 3), 0, "March 28", "2025-03-28", "day", "explicit", 11, 19)] if reprinted_date else []))
    con.executemany("insert into claim_quotes values (?, ?, ?, ?, ?, ?)", [
        (_sid(a, 2), 0, "options", "Noem", 19, 26),
        (_sid(g, 1), 0, "I gave him a list of things.", "Noem", 16, 44),
    ])
    con.executemany("insert into claim_terms values (?, ?, ?, ?, ?, ?)", [
        (_sid(b, 3), 0, "demands", "demand", 10, 17),
        (_sid(a, 2), 0, "options", "neutral-request", 19, 26),
    ])

    class _Item:  # the two attributes store_alignment reads from an alignment item
        def __init__(self, key, doc, outlet, text):
            self.key, self.doc, self.outlet, self.text = key, doc, outlet, text

    class _Result:
        def __init__(self, groups, links=()):
            self.groups, self.links = groups, list(links)

    groups = [
        [_sid(a, 0), _sid(b, 0), _sid(g, 0), _sid(z, 0)],  # K1
        [_sid(a, 1), _sid(b, 1), _sid(z, 1)],  # K2
        [_sid(a, 2), _sid(g, 1), _sid(z, 2)],  # K3
        [_sid(a, 3), _sid(b, 2)] + ([_sid(z, 3)] if reprinted_date else []),  # K4
        [_sid(g, 2)],  # K5
        [_sid(b, 3)],
    ] + ([[_sid(a, 4), _sid(b, 4)]] if denial else [])  # K6
    if second_story:
        groups.append([_sid(vid["omega"], 0)])
    links = [AlignLink(_sid(a, 3), _sid(b, 2), 0.6, ("palace", "meet"), (), ())]  # K4
    if denial:
        links.append(AlignLink(_sid(a, 4), _sid(b, 4), 0.8, ("mexico", "agree", "share", "biometric"), (), ()))
    texts = {s[0]: s[8] for s in sentences}
    docs = {s[0]: s[2] for s in sentences}
    outlets = {aid["alpha"]: "alpha", aid["beta"]: "beta", aid["gamma"]: "gamma", aid["zeta"]: "zeta"}
    published = {aid["alpha"]: datetime(2025, 3, 28, tzinfo=timezone.utc),
                 aid["beta"]: datetime(2025, 3, 29, tzinfo=timezone.utc),
                 aid["gamma"]: datetime(2025, 3, 30, tzinfo=timezone.utc),
                 aid["zeta"]: datetime(2025, 3, 31, tzinfo=timezone.utc)}
    if second_story:
        outlets[aid["omega"]] = "omega"
        published[aid["omega"]] = datetime(2025, 4, 2, tzinfo=timezone.utc)
    inputs = [(_Item(k, docs[k], outlets[docs[k]], texts[k]), published[docs[k]]) for grp in groups for k in grp]
    store_alignment(con, TOPIC, inputs, _Result(groups, links), statements=_Result([[_sid(a, 2), _sid(g, 1)]]),
                    copy_pairs=[(_sid(z, 3), _sid(a, 3))] if reprinted_date else [])
    if second_story:
        _store_stories(con, {"meeting": [aid[k] for k in ("alpha", "beta", "gamma", "zeta")],
                             "strike": [aid["omega"]]})
    return con


def _store_stories(con: duckdb.DuckDBPyConnection, stories: dict[str, list[str]]) -> None:
    """Each story's articles into topic_stories and its id onto the claims of its sentences,
    the rows a per-story alignment leaves (warehouse.analysis.store_topic_alignment)."""
    for name, articles in stories.items():
        story_id = stable_id(TOPIC, "story", name)
        con.executemany("insert into topic_stories values (?, ?, ?, ?, null)",
                        [(TOPIC, a, story_id, len(articles)) for a in articles])
        con.execute("""
            update claim_clusters set story_id = $story where topic_id = $topic and claim_id in (
                select m.claim_id from claim_cluster_members m join sentences s using (sentence_id)
                where m.topic_id = $topic and list_contains($articles, s.article_id))""",
                    {"story": story_id, "topic": TOPIC, "articles": articles})


def claim_of(con: duckdb.DuckDBPyConnection, text_fragment: str) -> str:
    row = con.execute(
        "select claim_id from claim_mentions where sentence_text like ? limit 1", [f"%{text_fragment}%"]
    ).fetchone()
    assert row, f"no claim mention contains {text_fragment!r}"
    return row[0]
