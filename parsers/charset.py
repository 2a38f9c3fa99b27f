"""Bytes → text for HTML pages, the way a careful browser would decode them.

The order of evidence follows the HTML standard's encoding sniffing, with one deliberate addition
(rule 4) because Spanish and other accented text must never come out as mojibake:

1. A byte-order mark (UTF-8, UTF-16, UTF-32) wins outright.
2. The HTTP `Content-Type` charset, if it decodes the bytes strictly.
3. `<meta charset>` / `<meta http-equiv="Content-Type">` in the first 4 KB, if it decodes strictly.
4. A declared single-byte legacy charset (windows-1252, ISO-8859-x, ...) is overridden by UTF-8
   when the bytes are valid UTF-8 *and* contain multi-byte sequences: valid non-ASCII UTF-8 is
   vanishingly unlikely to be anything else, while "charset=ISO-8859-1" server defaults on UTF-8
   pages are common. The source is then reported as "detected".
5. Detection: strict UTF-8 first (most of the web), then charset-normalizer, with ties between
   windows-1252 and other single-byte code pages resolved in favour of windows-1252.
6. UTF-8 with replacement characters, source "fallback".

Declared labels are mapped as browsers map them (WHATWG Encoding Standard): iso-8859-1, latin-1
and us-ascii mean windows-1252; gb2312 means gbk; euc-kr means windows-949; a `<meta>` that
claims UTF-16 means UTF-8 (a page that could be read as ASCII to find the tag is not UTF-16).
"""
from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "normalize_charset", "whole_characters"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_characters(text: str) -> str:
    """`text` with every half of a UTF-16 pair that stands alone made U+FFFD, and every pair
    split over two code points joined into the character it encodes. JSON can carry half a
    character ("\\ud83d" escaped alone); no UTF-8 text (a record, a staged batch, a DuckDB
    column) can hold one."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# WHATWG label → Python codec for the cases where the two disagree or Python lacks the label.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "gb2312": "gbk",
    "gb_2312-80": "gbk",
    "x-gbk": "gbk",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "windows-949": "cp949",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "sjis": "shift_jis",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "big5-hkscs": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}

# Encodings in which one byte is one character: any byte string "decodes", so a declaration of
# one of these is weak evidence against bytes that are valid multi-byte UTF-8 (rule 4).
_SINGLE_BYTE = re.compile(r"^(cp\d{3,4}|iso8859_\d+|latin_1|mac_\w+|koi8_\w|ascii)$")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:()+-]+)""", re.I)
# Either form of the meta declaration; the http-equiv form carries "charset=" inside content.
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:()+-]+)""", re.I | re.S
)
_PRESCAN_BYTES = 4096


def normalize_charset(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, or None if unknown.

    Returns the codec's canonical Python name (e.g. "cp1252", "utf-8") so that callers can
    compare labels; "iso-8859-1" and "latin-1" become "cp1252" as in browsers.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    # Python folds latin-1 into its own codec; browsers read those bytes as windows-1252.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


def _label(codec: str) -> str:
    """The name users know for a codec: Python's "cp1252" is the web's "windows-1252"."""
    m = re.fullmatch(r"cp(125\d|874|949)", codec)
    return f"windows-{m.group(1)}" if m else codec


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _has_multibyte_utf8(data: bytes) -> bool:
    # A lead byte 0xC2-0xF4 followed by a continuation byte: the signature of real UTF-8.
    return re.search(rb"[\xc2-\xf4][\x80-\xbf]", data) is not None


def _declared(data: bytes, codec: str, source: str) -> tuple[str, str, str] | None:
    """Apply rules 2-4 to one declaration; None means "fall through to the next rule"."""
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        if source == "meta":
            codec = "utf-8"  # HTML standard: a meta can't declare a non-ASCII-compatible encoding
        elif not (len(data) % 2 == 0 and b"\x00" in data[:200]):
            return None  # a header says UTF-16 yet the bytes are clearly 8-bit
    if _SINGLE_BYTE.match(codec) and _has_multibyte_utf8(data):
        text = _strict(data, "utf-8")
        if text is not None:
            return text, "utf-8", "detected"
    text = _strict(data, codec)
    if text is None:
        return None
    return text, _label(codec), source


def _detect(data: bytes) -> tuple[str, str] | None:
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it ships with requests
        return None
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    # charset-normalizer often ties windows-1252 with cp1250/cp1257 on Western text (same
    # chaos, same coherence) and then lists the wrong one first: "niño" would become "nińo".
    # Ties go to windows-1252, the legacy default browsers use for Western-language pages.
    for m in matches:
        if (
            normalize_charset(m.encoding) == "cp1252"
            and m.chaos <= best.chaos + 1e-9
            and m.coherence >= best.coherence - 0.02
        ):
            best = m
            break
    if best.encoding is None:
        return None
    codec = normalize_charset(best.encoding) or best.encoding
    # charset-normalizer may name latin-1 for bytes that use 0x80-0x9F as windows-1252
    # punctuation; decoding those as C1 controls would lose curly quotes and dashes.
    text = _strict(data, codec)
    if text is None:
        return None
    return text, _label(codec)


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str, str]:
    """Decode an HTML page's bytes; returns (text, encoding, source).

    `source` is one of bom | header | meta | detected | fallback; `encoding` is the label users
    know ("utf-8", "windows-1252", "shift_jis"). See the module docstring for the order of rules. Never raises on bad bytes: the last resort is UTF-8 with U+FFFD.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_html expects bytes, got {type(data).__name__}")
    data = bytes(data)

    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), codec.replace("-le", "").replace("-be", ""), "bom"

    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        codec = normalize_charset(m.group(1)) if m else None
        if codec:
            hit = _declared(data, codec, "header")
            if hit:
                return hit

    m = _META_CHARSET.search(data, 0, _PRESCAN_BYTES)
    if m:
        codec = normalize_charset(m.group(1).decode("ascii", "replace"))
        if codec:
            hit = _declared(data, codec, "meta")
            if hit:
                return hit

    found = _detect(data)
    if found:
        return found[0], found[1], "detected"
    return data.decode("utf-8", errors="replace"), "utf-8", "fallback"
