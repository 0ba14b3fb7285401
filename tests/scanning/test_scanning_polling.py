"""Parsing samples with odd encodings, polling through the fetcher, dedupe, conditional GET."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from samverka.actors.models import FocusArea
from samverka.scanning import feeds, services
from samverka.scanning.models import FeedItem, FeedSource, TagRule

DATA = Path(__file__).parent / "data"


def _parse(name: str) -> feeds.ParsedFeed:
    return feeds.parse((DATA / name).read_bytes())


def test_rss2_declared_iso_8859_1() -> None:
    parsed = _parse("rss2_latin1.xml")
    assert parsed.error == ""
    assert parsed.title == "Länsstyrelsen nyheter"
    first = parsed.entries[0]
    assert first.title == "Utlysning: stöd till skogen i Jämtland"
    assert first.guid == "lst-2027-001"
    assert "<script" not in first.summary
    assert "alert" not in first.summary
    assert "Sista ansökningsdag 15 mars 2027." in first.summary
    assert first.published is not None
    assert first.published.isoformat() == "2027-01-04T07:00:00+00:00"


@pytest.mark.parametrize("name", ["rss2_cp1252.xml", "rss2_mislabelled.xml"])
def test_windows_1252_punctuation_survives(name: str) -> None:
    parsed = _parse(name)
    assert parsed.entries[0].title == "“Nytt stöd” för gårdar – 5 000 €"


def test_atom_utf8_with_bom() -> None:
    parsed = _parse("atom_utf8_bom.xml")
    assert parsed.title == "Vinnova"
    assert [e.guid for e in parsed.entries] == ["urn:vinnova:1", "urn:vinnova:2"]
    assert parsed.entries[1].title == "Årsrapport"
    assert "Ökad export" in parsed.entries[1].summary  # from <content>


def test_rss1() -> None:
    parsed = _parse("rss1_utf8.xml")
    assert parsed.title == "Gröna näringar"
    assert parsed.entries[0].title == "Skogsdag på gården"
    assert parsed.entries[0].url == "https://rss1.example.se/1"


@pytest.mark.parametrize("name", ["broken.xml", "not_a_feed.html"])
def test_unreadable_documents_give_an_error(name: str) -> None:
    parsed = _parse(name)
    assert parsed.entries == []
    assert "feed" in parsed.error


LAUGHS = "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
ITEM = "<item><title>{}</title><link>https://x.example.se/1</link></item>"


@pytest.mark.parametrize(
    ("document", "encoding"),
    [
        (
            f'<!DOCTYPE rss [<!ENTITY a "haha">{LAUGHS}]><rss version="2.0"><channel>'
            f"{ITEM.format('&j;')}</channel></rss>",
            "utf-8",
        ),
        (
            f'<!DOCTYPE rss [<!ENTITY a "haha">{LAUGHS}]><rss version="2.0"><channel>'
            f"{ITEM.format('&j;')}</channel></rss>",
            "utf-16",
        ),
        (
            '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
            f"{ITEM.format('a&x;b')}</channel></rss>",
            "utf-8",
        ),
    ],
    ids=["billion-laughs", "billion-laughs-utf16", "external-entity"],
)
def test_feeds_declaring_entities_are_refused(document: str, encoding: str) -> None:
    """feedparser's strict parser expands what the document declares (expat stops only past
    8 MB); a feed has no use for entity declarations, so none is parsed."""
    parsed = feeds.parse(document.encode(encoding))
    assert parsed.entries == []
    assert "entities" in parsed.error


def test_rss091_with_its_external_doctype_is_read() -> None:
    document = (
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        f"<title>Gammal</title>{ITEM.format('Hej &amp; hå')}</channel></rss>"
    )
    parsed = feeds.parse(document.encode())
    assert parsed.error == ""
    assert parsed.entries[0].title == "Hej & hå"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.SE/a/b/?utm_source=x&id=3#frag", "https://example.se/a/b?id=3"),
        ("https://example.se/", "https://example.se"),
        ("https://example.se/a?utm_medium=rss&utm_campaign=c", "https://example.se/a"),
        ("https://example.se/Path/", "https://example.se/Path"),
        ("", ""),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert feeds.normalise_url(url) == expected


def _source(server: Any, path: str, name: str) -> FeedSource:
    url = server.serve_file(path, name)
    return FeedSource.objects.create(url=url, name=name)


@pytest.mark.django_db
def test_poll_stores_tags_and_deadlines(feed_server: Any) -> None:
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    TagRule.objects.create(focus_area=forest, keywords="skog")
    source = _source(feed_server, "/lst.xml", "rss2_latin1.xml")
    result = services.poll_source(source)
    assert (result.status, result.new, result.seen, result.error) == ("ok", 2, 0, "")
    call = FeedItem.objects.get(guid="lst-2027-001")
    assert call.is_funding_call is True
    assert call.deadline == date(2027, 3, 15)
    assert list(call.focus_areas.all()) == [forest]
    assert FeedItem.objects.get(guid="lst-2027-002").focus_areas.count() == 0
    source.refresh_from_db()
    assert source.last_success is not None
    assert source.consecutive_failures == 0
    assert source.etag
    assert source.last_modified_header
    assert feed_server.requests[0]["User-Agent"].startswith("Samverka/")


@pytest.mark.django_db
def test_second_poll_sends_validators_and_304_writes_nothing(feed_server: Any) -> None:
    source = _source(feed_server, "/atom.xml", "atom_utf8_bom.xml")
    services.poll_source(source)
    before = list(FeedItem.objects.order_by("pk").values("pk", "updated", "title"))
    assert len(before) == 2
    source.refresh_from_db()
    result = services.poll_source(source)
    assert result.status == "not_modified"
    assert result.new == 0
    assert result.seen == 0
    assert feed_server.requests[-1]["If-None-Match"] == source.etag
    assert feed_server.requests[-1]["If-Modified-Since"] == "Mon, 04 Jan 2027 08:00:00 GMT"
    assert list(FeedItem.objects.order_by("pk").values("pk", "updated", "title")) == before


@pytest.mark.django_db
def test_same_guid_is_not_duplicated_across_polls(feed_server: Any) -> None:
    source = _source(feed_server, "/lst.xml", "rss2_latin1.xml")
    services.poll_source(source)
    # The feed changes (so no 304), but keeps the same GUIDs with other titles and links.
    body, content_type = feed_server.documents["/lst.xml"]
    feed_server.documents["/lst.xml"] = (
        body.replace(b"Utlysning: st", b"UTLYSNING: st").replace(b"/vall<", b"/vall-2<"),
        content_type,
    )
    source.refresh_from_db()
    result = services.poll_source(source)
    assert (result.status, result.new, result.seen) == ("ok", 0, 2)
    assert FeedItem.objects.count() == 2


@pytest.mark.django_db
def test_without_guid_normalised_url_then_content_hash(feed_server: Any) -> None:
    source = _source(feed_server, "/nog.xml", "rss2_no_guid.xml")
    assert services.poll_source(source).new == 2
    body, content_type = feed_server.documents["/nog.xml"]
    # Same link written differently, new title: the same item by its normalised URL.
    body = body.replace(b"https://X.example.se/a/", b"https://x.example.se/a?utm_source=n#x")
    body = body.replace(b"L\xc3\xa4nk utan guid", b"Ny rubrik")
    # No GUID, no link, same text: the same item by its content hash.
    body = body.replace(b"<description>Bara text om vall.", b"<description>Bara  text om vall. ")
    # And one genuinely new item without GUID or link.
    body = body.replace(
        b"</channel>",
        b"<item><title>Nytt</title><description>Annan text</description></item></channel>",
    )
    feed_server.documents["/nog.xml"] = (body, content_type)
    source.refresh_from_db()
    result = services.poll_source(source)
    assert (result.new, result.seen) == (1, 2)
    assert sorted(FeedItem.objects.values_list("title", flat=True)) == [
        "Länk utan guid",
        "Nytt",
        "Varken guid eller länk",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["broken.xml", "not_a_feed.html"])
def test_broken_feed_marks_source_unhealthy(feed_server: Any, name: str) -> None:
    source = _source(feed_server, "/bad", name)
    result = services.poll_source(source)
    assert result.status == "error"
    assert "feed" in result.error
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "feed" in source.last_error
    assert source.last_success is None
    assert not source.healthy
    assert FeedItem.objects.count() == 0
    services.poll_source(source)
    source.refresh_from_db()
    assert source.consecutive_failures == 2


@pytest.mark.django_db
def test_http_error_and_recovery(feed_server: Any) -> None:
    source = _source(feed_server, "/flaky.xml", "rss1_utf8.xml")
    feed_server.status["/flaky.xml"] = 500
    assert services.poll_source(source).error.startswith("HTTP 500")
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    del feed_server.status["/flaky.xml"]
    source.refresh_from_db()
    assert services.poll_source(source).new == 1
    source.refresh_from_db()
    assert (source.consecutive_failures, source.last_error) == (0, "")


@pytest.mark.django_db
def test_size_cap(feed_server: Any, settings: Any) -> None:
    settings.SAMVERKA_FEEDS_MAX_BYTES = 100
    source = _source(feed_server, "/big.xml", "atom_utf8_bom.xml")
    result = services.poll_source(source)
    assert "larger than 100 bytes" in result.error
    assert FeedItem.objects.count() == 0


@pytest.mark.django_db
def test_private_addresses_are_refused_by_default(feed_server: Any, settings: Any) -> None:
    source = _source(feed_server, "/lst.xml", "rss2_latin1.xml")
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    result = services.poll_source(source)
    assert result.status == "error"
    assert "refusing to fetch" in result.error
    assert "127.0.0.1" in result.error
    assert feed_server.requests == []  # nothing was sent
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "private" in source.last_error


@pytest.mark.django_db
def test_due_sources_and_backoff(feed_server: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    fresh = _source(feed_server, "/a.xml", "rss1_utf8.xml")
    now = timezone.now()
    recent = FeedSource.objects.create(
        url="https://example.se/b", name="b", last_polled=now - timedelta(minutes=10)
    )
    failing = FeedSource.objects.create(
        url="https://example.se/c",
        name="c",
        last_polled=now - timedelta(minutes=90),
        consecutive_failures=1,
    )
    old = FeedSource.objects.create(
        url="https://example.se/d", name="d", last_polled=now - timedelta(minutes=61)
    )
    FeedSource.objects.create(url="https://example.se/e", name="e", active=False)
    assert {s.pk for s in services.due_sources(now)} == {fresh.pk, old.pk}
    assert recent.pk
    assert failing.pk


@pytest.mark.django_db
def test_worker_job_polls_due_sources(feed_server: Any) -> None:
    from samverka.core.scheduler import JOBS
    from samverka.scanning.tasks import poll_due_feeds

    assert {"scanning-poll", "scanning-digests"} <= set(JOBS)
    _source(feed_server, "/a.xml", "rss1_utf8.xml")
    assert poll_due_feeds.call() == 1
    assert FeedItem.objects.count() == 1
    assert poll_due_feeds.call() == 0  # not due again before its interval
