"""parsers.feeds: RSS 2.0 / RDF / Atom parsing, refusals, dates, URL lists."""
from __future__ import annotations

import pytest

from parsers.feeds import (
    FeedError,
    UrlListError,
    find_feed_links,
    looks_like_feed,
    parse_feed,
    parse_feed_date,
    parse_url_list,
)

NOW = "2025-04-04T12:00:00+00:00"

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>
<rss version="2.0"
     xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>The Test Ledger &#8211; World</title>
  <link>https://www.ledger.example/</link>
  <language>en-us</language>
  <atom:link href="https://www.ledger.example/feeds/world.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title><![CDATA[Noem presses <em>Sheinbaum</em> on the border]]></title>
    <link>/world/2025/03/28/noem-sheinbaum</link>
    <dc:creator>A. Reporter</dc:creator>
    <pubDate>Fri, 28 Mar 2025 20:10:00 -0400</pubDate>
    <content:encoded><![CDATA[<p>Body text that the feed parser must ignore.</p>]]></content:encoded>
  </item>
  <item>
    <title>Item without a link</title>
    <description>nothing to fetch</description>
  </item>
  <item>
    <title>Sheinbaum answers</title>
    <guid>https://www.ledger.example/world/2025/04/01/sheinbaum-answers</guid>
    <dc:date>2025-04-01T13:20:00-06:00</dc:date>
  </item>
  <item>
    <title>Opaque guid, atom link</title>
    <guid isPermaLink="false">ledger:12345</guid>
    <atom:link rel="alternate" href="https://www.ledger.example/world/2025/04/02/tariffs"/>
  </item>
  <item>
    <title>Noem presses Sheinbaum (duplicate)</title>
    <link>https://www.ledger.example/world/2025/03/28/noem-sheinbaum</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es-MX" xml:base="https://www.observador.example/nacional/">
  <title type="html">El Observador &amp;amp; Nacional</title>
  <link rel="self" href="https://www.observador.example/atom/nacional.xml"/>
  <link rel="alternate" type="text/html" href="/"/>
  <id>tag:observador.example,2025:nacional</id>
  <updated>2025-04-01T20:00:00Z</updated>
  <entry>
    <title>Sheinbaum niega acuerdo sobre datos biométricos</title>
    <link rel="edit" href="https://cms.observador.example/edit/98"/>
    <link rel="alternate" type="application/json" href="sheinbaum.json"/>
    <link rel="alternate" type="text/html" href="sheinbaum-niega-acuerdo-0098.html"/>
    <id>tag:observador.example,2025:0098</id>
    <published>2025-04-01T13:20:00-06:00</published>
    <updated>2025-04-01T15:00:00-06:00</updated>
  </entry>
  <entry xml:base="https://www.observador.example/internacional/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Aranceles: <b>25%</b></div></title>
    <link href="aranceles.html"/>
    <id>tag:observador.example,2025:0101</id>
    <updated>2025-04-02T21:00:00Z</updated>
  </entry>
  <entry>
    <title>Sin enlace, pero con id URL</title>
    <id>https://www.observador.example/nacional/id-como-enlace.html</id>
    <updated>2025-04-03T09:00:00-06:00</updated>
  </entry>
</feed>
""".encode("utf-8")

RDF = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://diario.example/rss">
    <title>Diario del Valle</title>
    <link>https://diario.example/</link>
    <dc:language>es</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="https://diario.example/a"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://diario.example/a">
    <title>M\xc3\xa9xico y EU acuerdan intercambio</title>
    <link>https://diario.example/nacional/a.html</link>
    <dc:date>2025-04-02T09:30:00-06:00</dc:date>
  </item>
  <item rdf:about="https://diario.example/b">
    <title>Sin link: se usa rdf:about</title>
    <dc:date>2025-04-02</dc:date>
  </item>
</rdf:RDF>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>
"""

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>The Test Ledger</title>
<link rel="alternate" type="application/rss+xml" title="World" href="/feeds/world.xml">
<link rel="stylesheet" href="/s.css">
</head><body><p>Home page</p></body></html>
"""


def urls(feed):
    return [d.url for d in feed.items]


class TestRss2:
    def test_channel_and_items(self):
        feed = parse_feed(RSS2, "https://www.ledger.example/feeds/world.xml", discovered_at=NOW)
        assert feed.format == "rss"
        assert feed.title == "The Test Ledger \u2013 World"
        assert feed.link == "https://www.ledger.example/"
        assert feed.language == "en-us"
        assert urls(feed) == [
            "https://www.ledger.example/world/2025/03/28/noem-sheinbaum",  # relative link resolved
            "https://www.ledger.example/world/2025/04/01/sheinbaum-answers",  # permalink guid
            "https://www.ledger.example/world/2025/04/02/tariffs",  # atom:link in an RSS item
        ]

    def test_item_fields_and_provenance(self):
        feed = parse_feed(RSS2, "https://www.ledger.example/feeds/world.xml", discovered_at=NOW)
        first, second, third = feed.items
        assert first.title == "Noem presses Sheinbaum on the border"  # markup stripped from CDATA
        assert first.feed_published == "2025-03-28T20:10:00-04:00"  # RFC 822, offset kept
        assert second.feed_published == "2025-04-01T13:20:00-06:00"  # dc:date
        assert third.feed_published is None
        for d in feed.items:
            assert d.source == "https://www.ledger.example/feeds/world.xml"
            assert d.source_kind == "rss"
            assert d.discovered_at == NOW
            assert d.outlet_hint == "The Test Ledger \u2013 World"

    def test_skips_are_reported(self):
        feed = parse_feed(RSS2, "https://www.ledger.example/feeds/world.xml", discovered_at=NOW)
        text = "\n".join(feed.warnings)
        assert "no link" in text and "Item without a link" in text
        assert "duplicate link" in text

    def test_rss_091_with_doctype_and_html_entities(self):
        data = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old&nbsp;Feed \xe9</title><link>http://old.example/</link>
<item><title>AT&T &amp; friends</title><link>http://old.example/1</link></item>
</channel></rss>"""
        feed = parse_feed(data, "http://old.example/rss.xml", discovered_at=NOW)
        assert feed.title == "Old Feed \u00e9"  # &nbsp; read, then whitespace normalised
        assert feed.items[0].title == "AT&T & friends"
        assert any("entity" in w for w in feed.warnings) and any("bare '&'" in w for w in feed.warnings)

    def test_mislabelled_windows_1252_is_read_with_a_warning(self):
        data = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf\u00e9 \u201cnews\u201d</title>' \
               "<item><link>https://x.example/a</link></item></channel></rss>"
        feed = parse_feed(data.encode("cp1252"), "https://x.example/rss", discovered_at=NOW)
        assert feed.title == "Caf\u00e9 \u201cnews\u201d"
        assert any("windows-1252" in w for w in feed.warnings)

    def test_multibyte_legacy_encoding(self):
        data = '<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><title>\u65b0\u805e</title>' \
               "<item><link>https://jp.example/a</link></item></channel></rss>"
        feed = parse_feed(data.encode("shift_jis"), "https://jp.example/rss", discovered_at=NOW)
        assert feed.title == "\u65b0\u805e"

    def test_utf16_with_bom(self):
        data = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>\u00d1and\u00fa</title>' \
               "<item><link>https://x.example/n</link></item></channel></rss>"
        feed = parse_feed(data.encode("utf-16"), "https://x.example/rss", discovered_at=NOW)
        assert feed.title == "\u00d1and\u00fa" and urls(feed) == ["https://x.example/n"]

    def test_feedburner_original_link_wins(self):
        data = b"""<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
<item><link>http://feedproxy.example/~r/x/1</link><feedburner:origLink>https://real.example/story</feedburner:origLink></item>
</channel></rss>"""
        assert urls(parse_feed(data, "https://feeds.example/x", discovered_at=NOW)) == ["https://real.example/story"]


class TestAtom:
    def test_entries(self):
        feed = parse_feed(ATOM, "https://www.observador.example/atom/nacional.xml", discovered_at=NOW)
        assert feed.format == "atom"
        assert feed.title == "El Observador & Nacional"  # type="html": unescaped once more
        assert feed.link == "https://www.observador.example/"
        assert feed.language == "es-MX"
        assert urls(feed) == [
            "https://www.observador.example/nacional/sheinbaum-niega-acuerdo-0098.html",  # text/html alternate, xml:base
            "https://www.observador.example/internacional/aranceles.html",  # entry-level xml:base
            "https://www.observador.example/nacional/id-como-enlace.html",  # id used as link
        ]
        first, second, third = feed.items
        assert first.feed_published == "2025-04-01T13:20:00-06:00"  # published beats updated
        assert second.title == "Aranceles: 25%"  # xhtml title
        assert second.feed_published == "2025-04-02T21:00:00+00:00"
        assert all(d.source_kind == "atom" for d in feed.items)


class TestRdf:
    def test_items(self):
        feed = parse_feed(RDF, "https://diario.example/rss", discovered_at=NOW)
        assert feed.format == "rdf"
        assert feed.title == "Diario del Valle" and feed.language == "es"
        assert urls(feed) == ["https://diario.example/nacional/a.html", "https://diario.example/b"]
        assert feed.items[0].title == "M\u00e9xico y EU acuerdan intercambio"
        assert feed.items[0].feed_published == "2025-04-02T09:30:00-06:00"
        assert feed.items[1].feed_published == "2025-04-02"  # a date stays a date


class TestRefusals:
    def test_billion_laughs(self):
        with pytest.raises(FeedError, match="entities"):
            parse_feed(BILLION_LAUGHS, "https://evil.example/rss", discovered_at=NOW)

    def test_external_entity(self):
        with pytest.raises(FeedError, match="refused"):
            parse_feed(XXE, "https://evil.example/rss", discovered_at=NOW)

    def test_html_page_names_the_feeds_it_advertises(self):
        with pytest.raises(FeedError, match="HTML page") as info:
            parse_feed(HTML_PAGE, "https://www.ledger.example/", discovered_at=NOW)
        assert info.value.alternates == ("/feeds/world.xml",)
        assert find_feed_links(HTML_PAGE, "https://www.ledger.example/") == ["https://www.ledger.example/feeds/world.xml"]

    def test_broken_xml(self):
        with pytest.raises(FeedError, match="broken XML"):
            parse_feed(RSS2[: len(RSS2) // 2], "https://www.ledger.example/rss", discovered_at=NOW)

    def test_empty(self):
        with pytest.raises(FeedError, match="empty"):
            parse_feed(b"  \n", "https://x.example/rss", discovered_at=NOW)

    @pytest.mark.parametrize(
        "data,match",
        [
            (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/</loc></url></urlset>', "sitemap"),
            (b"<data><row/></data>", "root element is <data>"),
            (b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "HTML"),
        ],
    )
    def test_xml_that_is_not_a_feed(self, data, match):
        with pytest.raises(FeedError, match=match):
            parse_feed(data, "https://x.example/rss", discovered_at=NOW)

    def test_a_web_feed_cannot_point_at_local_files(self):
        data = b'<rss version="2.0"><channel><item><link>file:///etc/passwd</link></item><item><link>https://ok.example/a</link></item></channel></rss>'
        feed = parse_feed(data, "https://evil.example/rss", discovered_at=NOW)
        assert urls(feed) == ["https://ok.example/a"]
        assert any("file:///etc/passwd" in w for w in feed.warnings)

    def test_a_local_feed_may_point_at_local_files(self):
        data = b'<rss version="2.0"><channel><item><link>pages/a.html</link></item></channel></rss>'
        feed = parse_feed(data, "file:///data/corpus/feed.xml", discovered_at=NOW)
        assert urls(feed) == ["file:///data/corpus/pages/a.html"]


class TestSniffing:
    @pytest.mark.parametrize(
        "data,ctype,expected",
        [
            (RSS2, None, True),
            (ATOM, "text/html", True),  # the bytes beat a wrong header
            (RDF, "application/xml", True),
            (HTML_PAGE, "application/rss+xml", False),
            (b'<?xml version="1.0"?><urlset/>', "application/xml", False),
            (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', None, False),
            (b"", "application/atom+xml", True),
            (b"", "text/xml", False),
            ("<!-- generated --><rss version='2.0'/>".encode("utf-16"), None, True),  # BOM added by the codec
        ],
    )
    def test_looks_like_feed(self, data, ctype, expected):
        assert looks_like_feed(data, ctype) is expected


class TestDates:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("Fri, 28 Mar 2025 20:10:00 -0400", "2025-03-28T20:10:00-04:00"),
            ("Fri, 28 Mar 2025 18:10:00 GMT", "2025-03-28T18:10:00+00:00"),
            ("28 Mar 2025 18:10 CST", "2025-03-28T18:10:00-06:00"),
            ("Tue, 01 Apr 2025 09:00:00 CEST", "2025-04-01T09:00:00+02:00"),
            ("mar, 01 abr 2025 10:00:00 -0600", "2025-04-01T10:00:00-06:00"),  # Spanish CMS
            ("Martes, 1 de abril de 2025 10:00 -0600", "2025-04-01T10:00:00-06:00"),
            ("Fri, 28 Mar 25 18:10:00 +0000", "2025-03-28T18:10:00+00:00"),
            ("Fri, 28 Mar 2025 18:10:00", "2025-03-28T18:10:00+00:00"),  # no zone → UTC
            ("2025-04-01T13:20:00-06:00", "2025-04-01T13:20:00-06:00"),
            ("2025-04-01T19:20:00Z", "2025-04-01T19:20:00+00:00"),
            ("2025-04-01T19:20:00.250Z", "2025-04-01T19:20:00.250000+00:00"),
            ("2025-04-01", "2025-04-01"),
            ("2025-04", "2025-04"),
            ("", None),
            ("yesterday", None),
            ("Fri, 31 Feb 2025 10:00:00 GMT", None),
        ],
    )
    def test_parse_feed_date(self, raw, expected):
        assert parse_feed_date(raw) == expected

    def test_unreadable_item_date_is_a_warning(self):
        data = b'<rss version="2.0"><channel><item><link>https://x.example/a</link><pubDate>soon</pubDate></item></channel></rss>'
        feed = parse_feed(data, "https://x.example/rss", discovered_at=NOW)
        assert feed.items[0].feed_published is None
        assert any("unreadable date 'soon'" in w for w in feed.warnings)


class TestUrlList:
    def test_comments_blanks_duplicates(self):
        text = "# sources for the Noem story\n\nhttps://a.example/1\n  https://b.example/2   # wire copy\nhttps://a.example/1\n"
        found = parse_url_list(text, "urls.txt", discovered_at=NOW)
        assert [d.url for d in found] == ["https://a.example/1", "https://b.example/2"]
        assert all(d.source == "urls.txt" and d.source_kind == "urls" and d.discovered_at == NOW for d in found)

    def test_bad_lines_are_named_and_good_ones_kept(self):
        text = "https://a.example/1\nftp://files.example/x\nwww.c.example/page\nhttps://d.example/4 extra words\nhttps:///nohost\n"
        with pytest.raises(UrlListError) as info:
            parse_url_list(text, "list.txt", discovered_at=NOW)
        err = info.value
        assert [d.url for d in err.discoveries] == ["https://a.example/1"]
        assert len(err.errors) == 4
        assert err.errors[0].startswith("line 2: scheme 'ftp'")
        assert "line 3: no scheme (write http:// or https://)" in err.errors[1]
        assert err.errors[2].startswith("line 4: unexpected text")
        assert err.errors[3].startswith("line 5: no host name")
        assert "list.txt: 4 line(s)" in str(err)


@pytest.mark.corpus
def test_ecbplus_feed_from_disk(corpora_dir):
    folder = corpora_dir / "ecbplus_dev"
    data = (folder / "feed.xml").read_bytes().replace(b"{BASE}", folder.resolve().as_uri().encode())
    feed = parse_feed(data, (folder / "feed.local.xml").resolve().as_uri(), discovered_at=NOW)
    assert len(feed.items) == len(list((folder / "pages").glob("*.html")))
    assert not feed.warnings
    assert all(d.url.startswith("file:///") for d in feed.items)
    dated = [d for d in feed.items if d.feed_published]
    assert dated and all(d.feed_published.endswith("+00:00") for d in dated)
