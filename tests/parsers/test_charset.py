"""parsers.charset.decode_html: each rule of the decoding order, and no mojibake in Spanish."""
from __future__ import annotations

import codecs

import pytest

from parsers.charset import decode_html, normalize_charset

SPANISH = (
    "<p>La secretaria de Seguridad Nacional se reunió con la presidenta en Palacio Nacional. "
    "Según el Gobierno, pidió datos biométricos y más vigilancia en la frontera sur. "
    "«Opciones», dijo. El señor Peña, el niño y la acción: después, año.</p>"
)
PAGE = f"<html><head><title>Reunión</title></head><body>{SPANISH}</body></html>"


def test_bom_wins_over_everything() -> None:
    data = codecs.BOM_UTF8 + PAGE.encode("utf-8")
    text, encoding, source = decode_html(data, "text/html; charset=windows-1252")
    assert (encoding, source) == ("utf-8", "bom")
    assert text == PAGE


def test_utf16_bom() -> None:
    text, encoding, source = decode_html(PAGE.encode("utf-16"))
    assert source == "bom" and encoding == "utf-16"
    assert "reunió" in text


def test_header_charset_is_used() -> None:
    text, encoding, source = decode_html(PAGE.encode("cp1252"), "text/html; charset=windows-1252")
    assert (encoding, source) == ("windows-1252", "header")
    assert "Peña" in text and "«Opciones»" in text


def test_latin1_label_means_windows_1252() -> None:
    # 0x93/0x94 are curly quotes in windows-1252 but C1 controls in real ISO-8859-1.
    data = "<p>“Cita” — niño</p>".encode("cp1252")
    text, encoding, source = decode_html(data, "text/html; charset=ISO-8859-1")
    assert encoding == "windows-1252" and source == "header"
    assert text == "<p>“Cita” — niño</p>"


def test_header_that_fails_strictly_falls_through_to_meta() -> None:
    data = ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' + SPANISH).encode("cp1252")
    text, encoding, source = decode_html(data, "text/html; charset=utf-8")
    assert (encoding, source) == ("windows-1252", "meta")
    assert "señor" in text


def test_meta_charset_in_first_4k() -> None:
    data = ('<html><head><meta charset="iso-8859-1"></head><body>' + SPANISH).encode("cp1252")
    text, encoding, source = decode_html(data, "text/html")
    assert (encoding, source) == ("windows-1252", "meta")
    assert "biométricos" in text


def test_meta_after_4k_is_not_seen_but_detection_still_decodes() -> None:
    data = ("<!--" + "x" * 5000 + '--><meta charset="windows-1252">' + SPANISH).encode("cp1252")
    text, encoding, source = decode_html(data)
    assert source == "detected"
    assert "niño" in text and "Peña" in text


def test_declared_latin1_on_utf8_bytes_is_overridden() -> None:
    # Servers that append a default "charset=ISO-8859-1" to UTF-8 pages are common.
    text, encoding, source = decode_html(PAGE.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert (encoding, source) == ("utf-8", "detected")
    assert "reunió" in text and "Ã" not in text


def test_meta_claiming_utf16_means_utf8() -> None:
    data = ('<meta charset="utf-16">' + SPANISH).encode("utf-8")
    text, encoding, source = decode_html(data)
    assert (encoding, source) == ("utf-8", "meta")
    assert "reunió" in text


def test_undeclared_utf8_is_detected() -> None:
    text, encoding, source = decode_html(PAGE.encode("utf-8"))
    assert (encoding, source) == ("utf-8", "detected")
    assert text == PAGE


@pytest.mark.parametrize("codec", ["cp1252", "latin-1", "iso-8859-15"])
def test_undeclared_western_bytes_are_never_mojibake(codec: str) -> None:
    text, encoding, source = decode_html(PAGE.encode(codec))
    assert source == "detected"
    assert "Peña" in text and "niño" in text and "reunió" in text, (encoding, text)


def test_garbage_falls_back_with_replacement() -> None:
    data = b"<p>" + bytes(range(0x80, 0xA0)) * 2 + b"</p>"
    text, encoding, source = decode_html(data)
    assert isinstance(text, str) and text.startswith("<p>")
    assert source in ("detected", "fallback")


def test_rejects_text_input() -> None:
    with pytest.raises(TypeError):
        decode_html("already text")  # type: ignore[arg-type]


def test_normalize_charset_labels() -> None:
    assert normalize_charset("ISO-8859-1") == "cp1252"
    assert normalize_charset("latin1") == "cp1252"
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset("gb2312") == "gbk"
    assert normalize_charset("no-such-charset") is None
    assert normalize_charset(None) is None
