"""parsers.language: stopword/script detection and declared-code normalisation."""
from __future__ import annotations

import pytest

from parsers.language import detect_language, normalize_language_code

TEXTS = {
    "en": "The secretary met the president at the palace on Friday, and she said that the talks would continue over the next weeks.",
    "es": "La secretaria se reunió con la presidenta en el palacio el viernes, y dijo que las conversaciones continuarán durante las próximas semanas.",
    "pt": "A secretária reuniu-se com a presidente no palácio na sexta-feira e disse que as conversas não vão parar nas próximas semanas.",
    "fr": "La secrétaire a rencontré la présidente au palais vendredi, et elle a dit que les discussions vont continuer dans les prochaines semaines.",
    "de": "Die Ministerin hat die Präsidentin am Freitag im Palast getroffen, und sie sagte, dass die Gespräche in den nächsten Wochen weitergehen.",
    "it": "La segretaria ha incontrato la presidente nel palazzo venerdì, e ha detto che i colloqui non sono finiti e che continueranno nelle prossime settimane.",
    "nl": "De minister heeft de president vrijdag in het paleis ontmoet, en zij zei dat de gesprekken de komende weken zullen doorgaan.",
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_stopword_profiles(lang: str) -> None:
    assert detect_language(TEXTS[lang]) == lang


def test_scripts() -> None:
    assert detect_language("国土安全部部长与墨西哥总统在国家宫会面，讨论边境和移民问题，会谈持续了将近两个小时。") == "zh"
    assert detect_language("国土安全長官はメキシコの大統領と国立宮殿で会談し、国境と移民について話し合いました。") == "ja"
    assert detect_language("국토안보부 장관은 국립궁전에서 멕시코 대통령과 만나 국경과 이민 문제를 논의했습니다.") == "ko"


@pytest.mark.parametrize("text", ["", "   ", "Kristi Noem, Claudia Sheinbaum", "2025-03-28 18:10", "OK"])
def test_unsure_gives_none(text: str) -> None:
    assert detect_language(text) is None


def test_mixed_text_needs_a_clear_margin() -> None:
    # Half English, half Spanish: better no answer than a coin toss.
    assert detect_language(TEXTS["en"] + " " + TEXTS["es"]) is None
    # A Spanish article quoting one English sentence is Spanish.
    assert detect_language(" ".join([TEXTS["es"]] * 3 + [TEXTS["en"]])) == "es"


@pytest.mark.parametrize(
    "code, expected",
    [
        ("es-MX", "es"),
        ("en_US", "en"),
        ("ES", "es"),
        ("pt-BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("spa", "es"),
        ("fre", "fr"),
        ("iw", "he"),
        ("x-default", None),
        ("und", None),
        ("", None),
        (None, None),
        ("english", None),
    ],
)
def test_normalize_language_code(code: str | None, expected: str | None) -> None:
    assert normalize_language_code(code) == expected
