"""Sentence splitting: offsets, paragraphs, abbreviations, numbers, quotes, Spanish marks, datelines."""
from __future__ import annotations

import pytest

from parsers.sentences import Sentence, dateline_span, split_sentences


def texts(text: str, language: str | None = "en") -> list[str]:
    return [s.text for s in split_sentences(text, language)]


def test_offsets_round_trip_and_indexes():
    text = "  First one here.  Second one?\n\n\nThird, in a new paragraph!  \n"
    sents = split_sentences(text, "en")
    assert [s.text for s in sents] == ["First one here.", "Second one?", "Third, in a new paragraph!"]
    for s in sents:
        assert text[s.start:s.end] == s.text
    assert [s.idx for s in sents] == [0, 1, 2]
    assert [s.paragraph for s in sents] == [0, 0, 1]


def test_empty_and_blank_text():
    assert split_sentences("", "en") == []
    assert split_sentences(" \n\n \n", None) == []


def test_sentence_is_a_frozen_record():
    s = split_sentences("One sentence.", "en")[0]
    assert s == Sentence(0, 0, 0, 13, "One sentence.")
    with pytest.raises(AttributeError):
        s.text = "changed"  # type: ignore[misc]


def test_line_break_ends_a_sentence_but_not_a_paragraph():
    sents = split_sentences("A heading without a stop\nThe body starts here. It goes on.", "en")
    assert [s.text for s in sents] == ["A heading without a stop", "The body starts here.", "It goes on."]
    assert {s.paragraph for s in sents} == {0}


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
    ("Gen. Lee and Sen. Warren spoke. Then Gov. Abbott did.", ["Gen. Lee and Sen. Warren spoke.", "Then Gov. Abbott did."]),
    ("He flew to the U.S. The trip was long.", ["He flew to the U.S.", "The trip was long."]),
    ("U.S. officials said so. Nobody else did.", ["U.S. officials said so.", "Nobody else did."]),
    ("John F. Kennedy spoke first. Others followed.", ["John F. Kennedy spoke first.", "Others followed."]),
    ("The talks began at 10 a.m. Friday and ended late.", ["The talks began at 10 a.m. Friday and ended late."]),
    ("The talks ended at 2 p.m. The leaders left.", ["The talks ended at 2 p.m.", "The leaders left."]),
    ("See No. 5 on the list. It is short.", ["See No. 5 on the list.", "It is short."]),
    ("Acme Inc. said profits rose. Rivals disagreed.", ["Acme Inc. said profits rose.", "Rivals disagreed."]),
])
def test_english_abbreviations_and_initials(text, expected):
    assert texts(text, "en") == expected


@pytest.mark.parametrize("text, expected", [
    ("La Sra. Pérez y el Lic. García viajaron. Luego volvieron.",
     ["La Sra. Pérez y el Lic. García viajaron.", "Luego volvieron."]),
    ("Noem viajó a EE. UU. el viernes. Nadie lo esperaba.",
     ["Noem viajó a EE. UU. el viernes.", "Nadie lo esperaba."]),
    ("La reunión fue en EE. UU. La presidenta no asistió.",
     ["La reunión fue en EE. UU.", "La presidenta no asistió."]),
    ("Dijo que no. Luego se fue.", ["Dijo que no.", "Luego se fue."]),
    ("Según el art. 27 de la ley, procede. Fin.", ["Según el art. 27 de la ley, procede.", "Fin."]),
])
def test_spanish_abbreviations(text, expected):
    assert texts(text, "es") == expected


def test_decimals_and_thousands_are_not_boundaries():
    assert texts("Hubo 10.000 elementos y una tasa de 2,36 %. Después subió.", "es") == [
        "Hubo 10.000 elementos y una tasa de 2,36 %.", "Después subió."]
    assert texts("Shares fell 2.5 percent to 10,000.5 points. Traders left.", "en") == [
        "Shares fell 2.5 percent to 10,000.5 points.", "Traders left."]
    assert texts("Version 10.4.1 shipped. Users waited.", "en") == ["Version 10.4.1 shipped.", "Users waited."]


def test_closing_quotes_after_the_full_stop_stay_with_the_sentence():
    text = 'She said: "We are done." Then she left. Él dijo: «Basta.» Ella calló. “Yes.” No more.'
    assert texts(text, None) == ['She said: "We are done."', "Then she left.", "Él dijo: «Basta.»",
                                 "Ella calló.", "“Yes.”", "No more."]


def test_question_inside_quote_followed_by_lowercase_is_one_sentence():
    assert texts('"Why?" she asked. He shrugged.', "en") == ['"Why?" she asked.', "He shrugged."]


def test_spanish_question_and_exclamation_marks():
    assert texts("¿Qué pasará ahora? ¡Nadie lo sabe! El debate sigue.", "es") == [
        "¿Qué pasará ahora?", "¡Nadie lo sabe!", "El debate sigue."]
    assert texts("¿Y ahora?, preguntó el ministro. Nadie respondió.", "es") == [
        "¿Y ahora?, preguntó el ministro.", "Nadie respondió."]


def test_ellipsis():
    assert texts("He waited... and waited. Nothing came… Then a call.", "en") == [
        "He waited... and waited.", "Nothing came…", "Then a call."]


def test_dateline_is_left_out_of_the_first_sentence():
    text = "MEXICO CITY (Harbor Wire) — Noem met Sheinbaum. They talked."
    span = dateline_span(text)
    assert span is not None and text[span[0]:span[1]] == "MEXICO CITY (Harbor Wire) — "
    sents = split_sentences(text, "en")
    assert [s.text for s in sents] == ["Noem met Sheinbaum.", "They talked."]
    assert text[sents[0].start:sents[0].end] == sents[0].text


def test_dateline_after_a_photo_credit():
    text = "Foto: Archivo\n\nCIUDAD DE MÉXICO.— La presidenta habló. Nadie más.\n\nOTRA CIUDAD — no cuenta."
    assert [s.text for s in split_sentences(text, "es")] == [
        "Foto: Archivo", "La presidenta habló.", "Nadie más.", "OTRA CIUDAD — no cuenta."]


@pytest.mark.parametrize("text, dateline", [
    ("WASHINGTON — The talks resumed.", "WASHINGTON — "),
    ("MONTERREY, Mexico (Reuters) - Officials met.", "MONTERREY, Mexico (Reuters) - "),
    ("Ciudad de México, 28 de marzo (EFE).- La presidenta habló.", "Ciudad de México, 28 de marzo (EFE).- "),
    ("Washington (AP) -- Lawmakers voted.", "Washington (AP) -- "),
])
def test_dateline_forms(text, dateline):
    span = dateline_span(text)
    assert span is not None and text[span[0]:span[1]] == dateline


@pytest.mark.parametrize("text", [
    "Sheinbaum - who spoke first - left early.",
    "The meeting ended. WASHINGTON — not a dateline here.",
    "Noem said the talks went well.",
])
def test_prose_is_not_a_dateline(text):
    assert dateline_span(text) is None


def test_stray_number_piece_is_joined_to_the_next_sentence():
    sents = texts("Intro line.\n1.\nThe first point follows.", "en")
    assert sents == ["Intro line.", "1.\nThe first point follows."]


def test_unknown_language_uses_both_lexicons():
    assert texts("El Sr. Díaz y Mr. Smith llegaron. Then they left.", None) == [
        "El Sr. Díaz y Mr. Smith llegaron.", "Then they left."]
    assert texts("El Sr. Díaz llegó. Fin.", "pt") == ["El Sr. Díaz llegó.", "Fin."]
