"""parsers.article: the whole pipeline on one page, and the file entry point the CLI uses."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from parsers.article import parse_article, parse_file
from parsers.records import PARSER_VERSION

NOW = datetime(2025, 4, 10, tzinfo=timezone.utc)

ES_BODY = "".join(
    f"<p>{t}</p>"
    for t in (
        "La secretaria de Seguridad Nacional de Estados Unidos, Kristi Noem, se reunió este viernes con la "
        "presidenta Claudia Sheinbaum en Palacio Nacional, en un encuentro que duró casi dos horas.",
        "Según la Presidencia, en la conversación se habló de migración, de la frontera sur y del tráfico de "
        "fentanilo, además de la posibilidad de compartir datos biométricos con Washington.",
        "La mandataria dijo después que no se firmó ningún acuerdo y que las propuestas serán revisadas por "
        "un grupo de trabajo, como ha ocurrido con otros temas de la relación bilateral.",
    )
)

PAGE = f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="windows-1252">
<title>Noem y Sheinbaum se reúnen en Palacio Nacional | Diario Ejemplo</title>
<link rel="canonical" href="https://www.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum?utm_source=rss">
<meta property="og:site_name" content="Diario Ejemplo">
<meta property="og:title" content="Noem y Sheinbaum se reúnen en Palacio Nacional">
<meta property="article:published_time" content="2025-03-28T18:10:00-06:00">
<meta property="article:section" content="Opinión">
<meta name="author" content="Por Ana Torres">
</head><body>
<nav><a href="/">Inicio</a> <a href="/nacional">Nacional</a></nav>
<article><h1>Noem y Sheinbaum se reúnen en Palacio Nacional</h1>{ES_BODY}<p>Publicidad</p></article>
</body></html>"""


def test_parse_article_end_to_end() -> None:
    r = parse_article(PAGE.encode("cp1252"), "https://m.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum?fbclid=x", now=NOW)
    assert r.status == "ok"
    assert r.title == "Noem y Sheinbaum se reúnen en Palacio Nacional"
    assert r.authors == ("Ana Torres",)
    assert (r.published, r.published_source) == ("2025-03-28T18:10:00-06:00", "meta")
    assert r.canonical_url == "https://www.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum"
    assert r.url == "https://m.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum?fbclid=x"
    assert (r.outlet, r.outlet_domain) == ("Diario Ejemplo", "diarioejemplo.com.mx")
    assert (r.encoding, r.encoding_source) == ("windows-1252", "meta")
    assert "reunió" in r.body and "Publicidad" not in r.body and "Inicio" not in r.body
    assert r.body.count("\n\n") == 2
    assert r.genre == "opinion" and r.section == "Opinión"
    assert r.parser_version == PARSER_VERSION


def test_declared_language_loses_to_confident_detection_with_a_warning() -> None:
    r = parse_article(PAGE.encode("cp1252"), now=NOW)
    assert (r.language, r.language_source) == ("es", "detected")
    assert any("declared language 'en'" in w for w in r.warnings)


def test_str_input_and_no_url_uses_the_canonical() -> None:
    r = parse_article(PAGE, now=NOW)
    assert r.url == r.canonical_url == "https://www.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum"
    assert r.encoding is None and r.encoding_source is None


def test_outlet_falls_back_to_the_domain() -> None:
    html = "<html><body><article>" + ES_BODY + "</article></body></html>"
    r = parse_article(html.encode(), "https://www.otrodiario.com.ar/nota/1", now=NOW)
    assert (r.outlet, r.outlet_domain) == ("otrodiario.com.ar", "otrodiario.com.ar")
    assert "no publication date found" in r.warnings


def test_empty_page_is_data_not_an_exception() -> None:
    for data in (b"", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"):
        r = parse_article(data, "https://example.com/x", now=NOW)
        assert r.status == "empty"
        assert r.body == ""
        assert "no article text found" in r.warnings
    r = parse_article(b"\x00\xff\xfe binary garbage \x80\x81", "https://example.com/x", now=NOW)
    assert r.status == "not_article"


def test_tiny_page_keeps_its_text() -> None:
    r = parse_article("<p>Noem met Sheinbaum.</p>", "https://example.com/x", now=NOW)
    assert r.body == "Noem met Sheinbaum."
    assert r.status == "not_article"


def test_parse_file_without_url(tmp_path: Path) -> None:
    bare = tmp_path / "bare.html"
    bare.write_bytes(("<html><body><article>" + ES_BODY + "</article></body></html>").encode())
    d = parse_file(bare, now=NOW)
    assert d["path"] == str(bare)
    assert d["url"] == bare.resolve().as_uri() == d["canonical_url"]
    assert d["outlet"] == "" and any("no outlet" in w for w in d["warnings"])
    json.dumps(d)  # JSON-able

    with_canonical = tmp_path / "c.html"
    with_canonical.write_bytes(PAGE.encode("cp1252"))
    d = parse_file(with_canonical, now=NOW)
    assert d["url"] == "https://www.diarioejemplo.com.mx/nacional/2025/03/28/noem-sheinbaum"
    assert isinstance(d["authors"], list) and isinstance(d["warnings"], list)


def test_parse_file_with_url_and_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "p.html"
    f.write_bytes(PAGE.encode("cp1252"))
    assert parse_file(f, url="https://www.diarioejemplo.com.mx/x")["url"] == "https://www.diarioejemplo.com.mx/x"
    with pytest.raises(OSError):
        parse_file(tmp_path / "nope.html")  # the CLI reports it and goes on


def test_section_front_is_not_an_article() -> None:
    html = (
        "<html><head><meta property='og:type' content='website'><title>World news | Example</title></head><body>"
        "<main><ul>" + "".join(f"<li><a href='/w/{i}'>Headline number {i} about the world</a></li>" for i in range(5))
        + "</ul><p>Our reporters cover the world, from Mexico City to Washington.</p></main></body></html>"
    )
    r = parse_article(html.encode(), "https://www.example.com/world/", now=NOW)
    assert r.status == "not_article"
    assert r.body  # the text is still returned; the status says how to treat it


def test_short_dated_article_is_still_an_article() -> None:
    html = "<html><head><meta property='article:published_time' content='2025-03-28T18:10:00-06:00'></head>" \
        "<body><article><p>Noem and Sheinbaum met on Friday at the National Palace in Mexico City.</p></article></body></html>"
    assert parse_article(html.encode(), "https://www.example.com/a", now=NOW).status == "ok"


def test_a_short_text_on_a_page_marked_as_paid_is_a_teaser():
    from parsers.article import parse_article

    teaser = "<p>The minister met the president on Friday to discuss the border.</p>"
    marked = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
              ' "isAccessibleForFree": "False"}</script></head><body><article>' + teaser + '</article></body></html>')
    assert parse_article(marked.encode(), "https://news.example/a").status == "paywalled"
    prompt = ('<html><body><article><h1>H</h1>' + teaser + '<div class="piano-offer">Subscribe to continue'
              ' reading</div></article></body></html>')
    assert parse_article(prompt.encode(), "https://news.example/b").status == "paywalled"
    # a full text on a metered page is the article: the paywall did not hide it
    long_text = "".join(f"<p>Paragraph {i} of the story, long enough to be real reporting text here.</p>" for i in range(30))
    metered = marked.replace(teaser, long_text)
    assert parse_article(metered.encode(), "https://news.example/c").status == "ok"


# --- page categories that must not collapse (pages written here) ----------------------------

AR = [
    "التقت وزيرة الأمن الداخلي الأمريكية كريستي نويم بالرئيسة المكسيكية كلاوديا شينباوم في القصر الوطني يوم الجمعة، في اجتماع استمر قرابة ساعتين.",
    "وقالت نويم إنها حملت طلبات من واشنطن، من بينها مشاركة البيانات البيومترية وتشديد المراقبة على الحدود الجنوبية.",
    "وأكدت شينباوم للصحفيين أن المكسيك لم توقع أي اتفاق بشأن البيانات البيومترية، وأن أي مقترح سيدرس في مجموعة عمل.",
]


def test_right_to_left_page() -> None:
    body = "".join(f"<p>{t}</p>" for t in AR)
    html = (
        '<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>نويم تلتقي شينباوم | أخبار المثال</title>'
        '<meta property="og:site_name" content="أخبار المثال"></head>'
        f'<body><nav><a href="/">الرئيسية</a> <a href="/world">العالم</a></nav><article><h1>نويم تلتقي شينباوم</h1>{body}</article></body></html>'
    )
    r = parse_article(html.encode("utf-8"), "https://www.example-news.com/ar/2025/03/28/noem", now=NOW)
    assert r.status == "ok"
    assert r.body == "\n\n".join(AR)
    assert (r.language, r.title, r.outlet) == ("ar", "نويم تلتقي شينباوم", "أخبار المثال")


def test_live_blog_keeps_every_update_without_its_timestamps() -> None:
    updates = [
        "Noem has arrived at the National Palace, where Sheinbaum's staff met her at the north gate.",
        "The meeting has now run past the hour planned for it, according to a Mexican official.",
        "Sheinbaum's office says the two discussed migration, fentanyl and the sharing of biometric data.",
        "Noem has left the palace without speaking to reporters; a statement is expected this afternoon.",
    ]
    posts = "".join(
        f"<div class='live-update'><time datetime='2025-03-28T1{i}:00-06:00'>1{i}:00</time><p>{t}</p></div>"
        for i, t in enumerate(updates)
    )
    head = '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Live: Noem in Mexico City", "datePublished": "2025-03-28T09:00:00-06:00"}</script>'
    html = f"<html lang='en'><head>{head}</head><body><main><h1>Live: Noem in Mexico City</h1>{posts}</main></body></html>"
    r = parse_article(html.encode(), "https://www.example-news.com/live/noem", now=NOW)
    assert r.status == "ok" and r.genre == "live"
    assert r.body == "\n\n".join(updates)


def test_listicle_keeps_numbered_headings_and_their_text() -> None:
    items = [
        ("1. Biometric data", "Washington asked for access to records of travellers who cross Mexico on their way north."),
        ("2. The southern border", "The request covers more inspections along the border with Guatemala and Belize."),
        ("3. Air cargo", "Noem asked for more scans of cargo flights bound for airports in the United States."),
        ("4. Tariffs", "The visit came days before new duties on cars, steel and farm goods were announced."),
    ]
    inner = "".join(f"<h2>{h}</h2><p>{t}</p>" for h, t in items)
    html = f"<html lang='en'><body><article><h1>Four things Noem asked for</h1>{inner}</article></body></html>"
    r = parse_article(html.encode(), "https://www.example-news.com/world/four-things", now=NOW)
    assert r.body == "\n\n".join(x for pair in items for x in pair)
