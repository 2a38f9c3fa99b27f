"""Claim features: kind, speaker, attribution, sources, hedges, quotes, numbers, dates, terms, names."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from parsers.claims import (ATTRIBUTION_CLASSES, CLAIM_KINDS, TERM_CATEGORIES, ClaimFeatures,
                            extract_claim, parse_number)
from parsers.sentences import Sentence, split_sentences

# Friday 28 March 2025 was the meeting; this article is dated Monday 31 March 2025.
PUBLISHED = datetime(2025, 3, 31, 15, 0, tzinfo=timezone.utc)


def claim(text: str, language: str | None = "en", published=PUBLISHED) -> ClaimFeatures:
    return extract_claim(Sentence(0, 0, 0, len(text), text), language=language, published=published)


def numbers(text: str, language: str | None = "en"):
    return [(n.value, n.unit, n.concept, n.qualifier) for n in claim(text, language).numbers]


def dates(text: str, language: str | None = "en", published=PUBLISHED):
    return [(d.raw, d.value, d.precision, d.resolved) for d in claim(text, language, published).dates]


# ----------------------------------------------------------------------------- offsets


def test_offsets_are_absolute_into_the_article():
    article = "Intro sentence here. Noem said “we will act” on March 28 with 10,000 troops."
    sent = split_sentences(article, "en")[1]
    c = extract_claim(sent, language="en", published=PUBLISHED)
    assert sent.start > 0
    q = c.quotes[0]
    assert article[q.start:q.end] == q.text == "we will act"
    n = c.numbers[0]
    assert article[n.start:n.end] == n.raw == "10,000"
    d = c.dates[0]
    assert article[d.start:d.end] == d.raw == "March 28"
    assert article[c.attribution_start:c.attribution_end] == "said"


# ----------------------------------------------------------------------------- kinds


@pytest.mark.parametrize("text, kind", [
    ("“We will not accept a wall on our border,” Sheinbaum said.", "direct_quote"),
    ("Sheinbaum said Mexico would not accept the request.", "reported_speech"),
    ("According to the ministry, the talks went well.", "reported_speech"),
    ("Mexico sent 10,000 troops to the border.", "numeric"),
    ("The meeting took place at the National Palace.", "assertion"),
    ("Noem gave Sheinbaum «options» to cooperate, she said.", "reported_speech"),  # scare quote only
])
def test_kind_precedence(text, kind):
    assert claim(text).kind == kind
    assert kind in CLAIM_KINDS


# ----------------------------------------------------------------------------- attribution


@pytest.mark.parametrize("text, speaker, verb, cls", [
    ("Homeland Security Secretary Kristi Noem told Fox News the talks were productive.",
     "Homeland Security Secretary Kristi Noem", "told", "neutral"),
    ("The foreign ministry said an agreement was reached.", "The foreign ministry", "said", "neutral"),
    ("Mexico's foreign ministry said an agreement was reached.", "Mexico's foreign ministry", "said", "neutral"),
    ("“It was a good meeting,” said Noem.", "Noem", "said", "neutral"),
    ("“It was a good meeting,” Noem said.", "Noem", "said", "neutral"),
    ("Noem insisted that Mexico must secure its border.", "Noem", "insisted", "assertive"),
    ("Officials claimed the data was never requested.", "Officials", "claimed", "doubtful"),
    ("The minister admitted the plan had failed.", "The minister", "admitted", "concessive"),
    ("Sheinbaum denied signing any agreement.", "Sheinbaum", "denied", "denial"),
    ("Critics slammed the tariffs as reckless.", "Critics", "slammed", "critical"),
    ("Noem, known for her hardline views, made it clear that Mexico must do more.",
     "Noem", "made it clear", "assertive"),
])
def test_english_speakers_verbs_and_classes(text, speaker, verb, cls):
    c = claim(text)
    assert (c.speaker, c.attribution_verb, c.attribution_class) == (speaker, verb, cls)
    assert cls in ATTRIBUTION_CLASSES


@pytest.mark.parametrize("text, speaker, verb, cls", [
    ("La presidenta Claudia Sheinbaum aseguró que no hubo acuerdo.", "Claudia Sheinbaum", "aseguró", "assertive"),
    ("«No tenemos esos datos», dijo Sheinbaum.", "Sheinbaum", "dijo", "neutral"),
    ("«No tenemos esos datos», afirmó la mandataria en su conferencia.", "la mandataria", "afirmó", "assertive"),
    ("El canciller negó que existiera un acuerdo.", "El canciller", "negó", "denial"),
    ("La secretaria reconoció que la reunión duró más de lo previsto.", "La secretaria", "reconoció", "concessive"),
    ("Noem ha dicho que México debe hacer más.", "Noem", "dicho", "neutral"),
])
def test_spanish_speakers_verbs_and_classes(text, speaker, verb, cls):
    c = claim(text, "es")
    assert (c.speaker, c.attribution_verb, c.attribution_class) == (speaker, verb, cls)


def test_pronoun_speaker_resolves_to_none_but_keeps_the_verb():
    c = claim("She said the meeting lasted two hours.")
    assert c.speaker is None and c.attribution_verb == "said" and c.kind == "reported_speech"
    c = claim("«Es una propuesta», dijo ella.", "es")
    assert c.speaker is None and c.attribution_verb == "dijo"


def test_passive_and_infinitive_uses_are_not_attributions():
    assert claim("The meeting was called off at the last minute.").attribution_verb is None
    assert claim("The terms were not announced.").attribution_verb is None
    assert claim("An estimated 450 million people watched.").attribution_verb is None
    assert claim("Noem is right to insist on it.").attribution_verb is None
    assert claim("El memorándum fue firmado en 2022.", "es").attribution_verb is None


def test_idioms_with_reporting_verbs_are_not_attributions():
    assert claim("La reunión contó con la presencia del canciller.", "es").attribution_verb is None
    assert claim("The meeting was later called off by both sides.").attribution_verb is None


def test_noun_phrase_speaker_runs_through_of_and_de():
    assert claim("The head of the foreign ministry said talks would resume.").speaker == "The head of the foreign ministry"
    assert claim("Organismos empresariales de la región pidieron calma.", "es").speaker == \
        "Organismos empresariales de la región"


def test_spanish_impersonal_se_has_no_speaker():
    c = claim("Se anunció un acuerdo entre ambos países.", "es")
    assert (c.speaker, c.attribution_verb, c.kind) == (None, "anunció", "reported_speech")


def test_participle_needs_an_auxiliary_in_spanish():
    assert claim("Dicho acuerdo se firmó en 2022.", "es").attribution_verb is None
    assert claim("Sheinbaum ha dicho que no.", "es").attribution_verb == "dicho"


def test_nouns_that_look_like_verbs_are_not_attributions():
    c = claim("The United States claims office reports record numbers.")
    assert c.attribution_verb is None
    c = claim("The so-called caravan reached the border.")
    assert c.attribution_verb is None and [t.term for t in c.terms] == ["so-called"]


def test_verbs_inside_quotes_are_the_speaker_s_words():
    c = claim("“They said no,” the official told reporters.")
    assert c.attribution_verb == "told" and c.speaker == "the official"


# ----------------------------------------------------------------------------- sources and hedges


@pytest.mark.parametrize("text, language, sources", [
    ("According to the Ministry of Foreign Affairs, Sheinbaum praised migrants.", "en",
     ("the Ministry of Foreign Affairs",)),
    ("Según la Secretaría de Relaciones Exteriores, la reunión fue cordial.", "es",
     ("la Secretaría de Relaciones Exteriores",)),
    ("Reuters, citing two officials, reported the deal.", "en", ("two officials",)),
    ("The plan, according to her, did not move forward.", "en", ()),
])
def test_sources(text, language, sources):
    assert claim(text, language).sources == sources


def test_source_is_the_speaker_when_no_verb_names_one():
    assert claim("According to the ministry, the talks lasted two hours.").speaker == "the ministry"


@pytest.mark.parametrize("text, language, hedges", [
    ("The cartel figures were reportedly sent to the U.S.", "en", ("reportedly",)),
    ("Officials allegedly met and could sign a deal.", "en", ("allegedly", "could")),
    ("El funcionario presuntamente habría recibido dinero.", "es", ("presuntamente", "habría")),
    ("Al parecer, la reunión se alargó.", "es", ("al parecer",)),
    ("Por supuesto, la reunión se alargó.", "es", ()),
    ("The memorandum was signed in May 2022.", "en", ()),  # a month, not the modal
])
def test_hedges(text, language, hedges):
    c = claim(text, language)
    assert c.hedges == hedges
    assert [t.term.lower() for t in c.terms if t.category == "hedging"] == list(hedges)


@pytest.mark.parametrize("text, language, negations, scope", [
    # the scope is what the negation bears on, up to the clause's end
    ("Mexico signed no agreement with the United States, she said.", "en", ("no",),
     ("agree", "unit", "stat")),
    ("Mexico didn’t agree to share biometric data.", "en", ("didn’t",), ("agre", "shar", "biometric", "data")),
    ("Sheinbaum negó que México haya firmado un acuerdo.", "es", ("negó",), ("firmad", "acuerd")),
    # emphasis and idioms deny nothing
    ("Noem did not mince words, and not only on tariffs.", "en", (), ()),
    ("No obstante, la reunión se alargó.", "es", (), ()),
    ("Creighton will play No. 5 seed Indiana State.", "en", (), ()),  # "No." = number
    ("Riva had yet to regain consciousness.", "en", ("yet to",), ("regain", "conscious")),
    ("Sin duda, no habrá acuerdo.", "es", ("no",), ("habr", "acuerd")),
    ("The meeting lasted two hours.", "en", (), ()),
])
def test_negations_and_what_they_bear_on(text, language, negations, scope):
    c = claim(text, language)
    assert c.negations == negations
    assert c.negation_scope == scope


# ----------------------------------------------------------------------------- quotes


def test_quote_marks_of_every_kind():
    c = claim('He said “one two” and «tres cuatro» and "five six" and ‘seven eight’.')
    assert [q.text for q in c.quotes] == ["one two", "tres cuatro", "five six", "seven eight"]


def test_apostrophes_are_not_quotes():
    c = claim("Mexico’s president didn’t sign the Mexicans’ data deal.")
    assert c.quotes == ()


def test_quote_speaker_and_multi_sentence_quotes():
    c = claim("“I gave him a list of things that President Trump would love to see,” Noem told Fox News.")
    assert c.quotes[0].speaker == "Noem" and c.kind == "direct_quote"
    opened = claim("She wrote: «Deploying the National Guard is a positive step.")
    assert opened.quotes[0].text == "Deploying the National Guard is a positive step."
    closed = claim("There is still much work to be done,” Noem added.")
    assert closed.quotes[0].text == "There is still much work to be done," and closed.speaker == "Noem"


def test_unattributed_quote_has_no_speaker():
    c = claim("Trump's «America First» stance shaped the talks.")
    assert c.quotes[0].text == "America First" and c.quotes[0].speaker is None


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("text, language, expected", [
    ("Mexico sent 10,000 National Guard troops.", "en", [(10000, "troops", "troops", None)]),
    ("México envió 10.000 elementos.", "es", [(10000, "elementos", "troops", None)]),
    ("México envió 10 mil elementos de la Guardia Nacional.", "es", [(10000, "elementos", "troops", None)]),
    ("Trump announced 25% tariffs.", "en", [(25, "%", "tariff", None)]),
    ("Trump anunció aranceles del 25%.", "es", [(25, "%", "tariff", None)]),
    ("Los aranceles serán de 25 por ciento.", "es", [(25, "%", "tariff", None)]),
    ("Growth reached 2,36 %.", "es", [(2.36, "%", "percent", None)]),
    ("Some 12 million Mexicans live there.", "en", [(12_000_000, "mexicans", "people", "about")]),
    ("Viven ahí 12 millones de mexicanos.", "es", [(12_000_000, "mexicanos", "people", None)]),
    ("The meeting lasted more than two hours.", "en", [(2, "hours", "hours", "more than")]),
    ("La reunión duró casi dos horas.", "es", [(2, "horas", "hours", "nearly")]),
    ("It lasted nearly two hours instead of the scheduled 30 minutes.", "en",
     [(2, "hours", "hours", "nearly"), (30, "minutes", "minutes", "instead of")]),
    ("Duró dos horas en lugar de los 30 minutos previstos.", "es",
     [(2, "horas", "hours", None), (30, "minutos", "minutes", "instead of")]),
    ("They waited thirty minutes.", "en", [(30, "minutes", "minutes", None)]),
    ("A dozen suspects were sent north.", "en", [(12, "suspects", "people", None)]),
    ("Twenty-five cartel figures were extradited.", "en", [(25, "cartel figures", "people", None)]),
    ("Enviaron a treinta y cinco presos.", "es", [(35, "presos", "people", None)]),
    ("At least 29 cartel figures were transferred.", "en", [(29, "cartel figures", "people", "at least")]),
    ("Al menos 29 capos fueron enviados.", "es", [(29, "capos", "people", "at least")]),
    ("Tariffs could cost $40 billion.", "en", [(40e9, "$", "money", None)]),
    ("El costo fue de 40.000 millones de dólares.", "es", [(40e9, "dólares", "money", None)]),
    ("The deal is worth 3.5 mdd.", "es", [(3.5e6, "dólares", "money", None)]),
])
def test_number_forms(text, language, expected):
    got = numbers(text, language)
    assert [(pytest.approx(v), u, c, q) for v, u, c, q in expected] == got


@pytest.mark.parametrize("text", [
    "The memorandum was signed in 2022.",  # a year is a date
    "COVID-19 changed travel and F-35 jets flew.",  # identifiers
    "The meeting began at 10:30 and at 4 p.m. it ended.",  # clock times
    "She came 2nd in the vote of March 28.",  # ordinals and dates
    "The deal was one of a kind and a list of demands.",  # "one" and "a" alone
    "Tenemos una lista de cosas.",  # "una" alone
])
def test_not_numbers(text):
    assert claim(text, None).numbers == ()


def test_numbers_are_ordered_with_raw_text():
    c = claim("Tariffs rose from 20% to 25% on 2 April.")
    assert [(n.raw, n.value, n.qualifier) for n in c.numbers] == [("20%", 20, "from"), ("25%", 25, "to")]


@pytest.mark.parametrize("raw, value", [
    ("10,000", 10000), ("10.000", 10000), ("2,36", 2.36), ("2.36", 2.36), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("1,234,567", 1234567), ("0.125", 0.125), ("10\u00a0000", 10000), ("7", 7),
])
def test_parse_number_conventions(raw, value):
    assert parse_number(raw) == pytest.approx(value)


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text, language, expected", [
    ("They met on March 28.", "en", [("March 28", "2025-03-28", "day", "explicit")]),
    ("They met on Friday, March 28, 2025.", "en", [("Friday, March 28, 2025", "2025-03-28", "day", "explicit")]),
    ("Se reunieron el 28 de marzo.", "es", [("28 de marzo", "2025-03-28", "day", "explicit")]),
    ("Se reunieron el viernes 28 de marzo.", "es", [("el viernes 28 de marzo", "2025-03-28", "day", "explicit")]),
    ("Sheinbaum answered on April 1.", "en", [("April 1", "2025-04-01", "day", "explicit")]),
    ("They met on Friday.", "en", [("Friday", "2025-03-28", "day", "weekday")]),
    ("Se reunieron el viernes.", "es", [("el viernes", "2025-03-28", "day", "weekday")]),
    ("They met last Friday.", "en", [("last Friday", "2025-03-28", "day", "weekday")]),
    ("They meet again next Friday.", "en", [("next Friday", "2025-04-04", "day", "weekday")]),
    ("They spoke on Monday.", "en", [("Monday", "2025-03-31", "day", "weekday")]),  # the day itself
    ("She answered the day before.", "en", [("the day before", "2025-03-30", "day", "relative")]),
    ("Ayer habló la presidenta.", "es", [("Ayer", "2025-03-30", "day", "relative")]),
    ("La conferencia de esta mañana fue breve.", "es", [("esta mañana", "2025-03-31", "day", "relative")]),
    ("Mañana habrá otra reunión.", "es", [("Mañana", "2025-04-01", "day", "relative")]),
    ("It was signed in July 2022.", "en", [("July 2022", "2022-07", "month", "explicit")]),
    ("Fue firmado en julio de 2022.", "es", [("julio de 2022", "2022-07", "month", "explicit")]),
    ("It was signed in 2022.", "en", [("2022", "2022", "year", "explicit")]),
    ("Fue firmado en 2022.", "es", [("2022", "2022", "year", "explicit")]),
    ("They met in February.", "en", [("February", "2025-02", "month", "explicit")]),
    ("Se reunieron en febrero.", "es", [("febrero", "2025-02", "month", "explicit")]),
    ("Talks resume in December.", "en", [("December", "2024-12", "month", "explicit")]),  # closest to publication
    ("Last year tariffs were lower.", "en", [("Last year", "2024", "year", "relative")]),
    ("The report is dated 2025-03-28.", "en", [("2025-03-28", "2025-03-28", "day", "explicit")]),
    ("El informe es del 28/03/2025.", "es", [("28/03/2025", "2025-03-28", "day", "explicit")]),
])
def test_date_forms_and_resolution(text, language, expected):
    assert dates(text, language) == expected


def test_bare_weekday_in_a_sentence_about_the_future_points_forward():
    # published Monday 31 March 2025
    assert dates("Trump is due to announce new tariffs on Wednesday.")[0][1] == "2025-04-02"
    assert dates("Se espera que anuncie aranceles el miércoles.", "es")[0][1] == "2025-04-02"
    assert dates("Trump announced new tariffs on Wednesday.")[0][1] == "2025-03-26"


def test_a_future_marker_in_another_clause_does_not_move_a_past_weekday():
    # published Monday 31 March 2025: "el viernes" is the 28th, although "será" comes later
    text = "Según explicó en su conferencia del viernes, se firmó un acuerdo que será revisado."
    assert dates(text, "es")[0][1] == "2025-03-28"


def test_relative_words_inside_names_are_not_dates():
    assert dates("Foto: Archivo Frontera Hoy", "es") == []
    assert dates("Hoy se reunieron.", "es")[0][1] == "2025-03-31"


def test_dates_without_publication_date_keep_unknown_parts():
    assert dates("They met on March 28 and again on Friday, then yesterday.", "en", None) == [
        ("March 28", "XXXX-03-28", "day", "explicit"),
        ("Friday", "XXXX-WXX-5", "day", "weekday"),
        ("yesterday", "XXXX-XX-XX", "day", "relative"),
    ]


def test_publication_date_may_be_a_date_or_an_iso_string():
    assert dates("Se reunieron el viernes.", "es", date(2025, 3, 31))[0][1] == "2025-03-28"
    assert dates("Se reunieron el viernes.", "es", "2025-03-31T09:00:00-06:00")[0][1] == "2025-03-28"
    assert dates("Se reunieron el viernes.", "es", "not a date")[0][1] == "XXXX-WXX-5"


def test_may_the_modal_and_may_the_name_are_not_months():
    assert dates("Mexico may agree, Theresa May said.", "en") == []
    assert dates("It will happen in May.", "en") == [("May", "2025-05", "month", "explicit")]


# ----------------------------------------------------------------------------- terms


@pytest.mark.parametrize("text, language, expected", [
    ("Noem did not mince words and presented a list of demands.", "en",
     [("did not mince words", "intensity"), ("list of demands", "demand")]),
    ("She gave him options and proposals.", "en", [("options", "neutral-request"), ("proposals", "neutral-request")]),
    ("It sounds more like an excuse than a solution.", "en", [("more like an excuse", "excuse")]),
    ("Sheinbaum was blunt; Noem is known as a hardline official.", "en",
     [("blunt", "intensity"), ("hardline", "intensity")]),
    ("Noem is absolutely right, and rightly so.", "en", [("absolutely right", "opinion"), ("and rightly so", "opinion")]),
    ("Rechazó las exigencias y planteó opciones.", "es", [("exigencias", "demand"), ("opciones", "neutral-request")]),
    ("Fue una respuesta tajante, sin rodeos.", "es", [("tajante", "intensity"), ("sin rodeos", "intensity")]),
])
def test_loaded_terms(text, language, expected):
    got = [(t.term, t.category) for t in claim(text, language).terms]
    assert got == expected
    assert all(cat in TERM_CATEGORIES for _, cat in got)


def test_terms_know_whether_they_are_quoted():
    c = claim("Noem offered «options», a proposal critics call a list of demands.")
    flags = {t.term: t.in_quote for t in c.terms}
    assert flags == {"options": True, "proposal": False, "list of demands": False}


# ----------------------------------------------------------------------------- entities


def test_entities_multiword_names_connectors_and_possessives():
    c = claim("Later, Mexico's President Claudia Sheinbaum met the Secretary of Homeland Security "
              "and Foreign Minister Juan Ramón de la Fuente in Mexico City.")
    assert c.entities == ("Mexico", "President Claudia Sheinbaum", "Secretary of Homeland Security",
                          "Foreign Minister Juan Ramón de la Fuente", "Mexico City")


def test_entities_skip_a_lone_sentence_initial_word_but_keep_multiword_names():
    assert claim("Sheinbaum met Noem.").entities == ("Noem",)
    assert claim("Kristi Noem met Sheinbaum.").entities == ("Kristi Noem", "Sheinbaum")
    assert claim("The Secretary of Homeland Security met Sheinbaum.").entities == (
        "Secretary of Homeland Security", "Sheinbaum")
    assert claim("In Mexico, the talks went on.").entities == ("Mexico",)


def test_entities_acronyms_and_dotted_names_and_calendar_words():
    assert claim("FBI agents met U.S. officials on Friday in March.").entities == ("FBI", "U.S.")
    assert claim("Hay 12 millones de mexicanos en EE. UU. según la SRE.", "es").entities == ("EE. UU.", "SRE")


def test_entities_first_word_of_a_quote_alone_is_not_a_name():
    assert claim("She wrote: «Deploying troops is a step.»").entities == ()


# ----------------------------------------------------------------------------- language


def test_language_is_guessed_when_missing():
    assert claim("La presidenta dijo que no habrá acuerdo con los Estados Unidos.", None).language == "es"
    assert claim("The president said there would be no agreement with the United States.", None).language == "en"
    assert claim("Noem, Sheinbaum.", None).language is None


def test_a_remembered_claim_is_the_claim_at_its_own_offsets(sample_dir):
    from parsers.article import parse_file
    from parsers.claims import extract_claim_remembered

    compared = 0
    for page in sorted((sample_dir / "pages").glob("*.html")):
        record = parse_file(page)
        body, language = record["body"] or "", record["language"]
        for lead in ("", "Reprinted. ", "A longer line put in front of the same text. "):
            # the same sentences at other offsets and on other days: a reprint, placed elsewhere
            for day in (record["published"], "2025-04-20T08:00:00+00:00", None):
                for s in split_sentences(lead + body, language):
                    assert extract_claim_remembered(s, language=language, published=day) == \
                        extract_claim(s, language=language, published=day), (page.name, s.text)
                    compared += 1
    assert compared > 1000
