"""Property tests of the OPML importer: arbitrary bytes, OPML whose outlines are nasty and
damaged valid files never crash it, never write part of a file, and always report."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

import pytest
from fuzz_support import NASTY_TEXT, cell, check_import, fuzz_settings, mutated
from hypothesis import example, given
from hypothesis import strategies as st

from samverka.scanning.models import FeedSource
from samverka.scanning.opml import import_opml

TABLES = ["scanning"]

URLS = cell(
    "https://example.se/feed.xml",
    "http://example.se/rss",
    "https://example.se/feed.xml ",
    "https://EXAMPLE.se/feed.xml",
    "https://known.example.se/rss",
    "https://example.se/" + "a" * 1200,
    "https://xn--ltt-ula.se/r",
    "https://åäö.se/r",
    "ftp://example.se/f",
)
NAMES = cell("Nyheter", "", "N" * 300, "Ö & <b>")


def _xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold at all."""
    return "".join(c for c in value if c in "\t\n\r" or ord(c) >= 0x20)


@st.composite
def opml(draw: Any) -> bytes:
    outlines = []
    for _ in range(draw(st.integers(1, 5))):
        url = draw(st.one_of(URLS, URLS, st.sampled_from(NASTY_TEXT)))
        attributes = f"xmlUrl={quoteattr(_xml_text(url))}"
        if draw(st.booleans()):
            attributes += f" text={quoteattr(_xml_text(draw(NAMES)))}"
        if draw(st.booleans()):
            attributes += f" title={quoteattr(_xml_text(draw(NAMES)))}"
        outline = f"<outline type='rss' {attributes}/>"
        if draw(st.integers(0, 4)) == 0:
            outline = f"<outline text='Mapp'>{outline}</outline>"
        outlines.append(outline)
    text = (
        "<?xml version='1.0' encoding='utf-8'?>\n<opml version='2.0'><head><title>t</title>"
        f"</head><body>{''.join(outlines)}</body></opml>"
    )
    return text.encode("utf-8")


VALID = (
    b"<?xml version='1.0' encoding='utf-8'?>\n<opml version='2.0'>\n<head><title>t</title></head>"
    b"\n<body>\n<outline text='A' xmlUrl='https://example.se/a.xml'/>\n"
    b"<outline text='B' title='B' xmlUrl='http://example.se/b.rss'/>\n"
    b"<outline text='Mapp'>\n<outline text='C' xmlUrl='https://known.example.se/rss'/>\n"
    b"</outline>\n</body>\n</opml>\n"
)


@pytest.fixture
def base(db: Any) -> None:
    FeedSource.objects.create(url="https://known.example.se/rss", name="Känd")


@fuzz_settings(0.5)
@given(data=st.binary(max_size=300))
@example(data=b"<opml/>")
@example(data=b"<opml><body><outline xmlUrl=''/></body></opml>")
def test_opml_import_of_arbitrary_bytes_reports(base, data):
    check_import(import_opml, data, filename="f.opml", tables=TABLES)


@fuzz_settings()
@given(data=opml())
def test_opml_import_of_nasty_outlines_reports_or_imports_once(base, data):
    check_import(import_opml, data, filename="f.opml", tables=TABLES)


@fuzz_settings(0.5)
@given(data=mutated(VALID))
@example(data=VALID)
def test_opml_import_of_damaged_file_reports_or_imports_once(base, data):
    check_import(import_opml, data, filename="f.opml", tables=TABLES)


# --- crashes the properties found, kept as explicit cases -------------------------------------


def test_opml_address_longer_than_the_field_is_reported(base):
    url = "https://example.se/" + "a" * 1200
    data = f"<opml><body><outline text='x' xmlUrl='{url}'/></body></opml>".encode()
    report = check_import(import_opml, data, filename="f.opml", tables=TABLES)
    assert [(e.row, e.column) for e in report.errors] == [(1, "xmlUrl")]
