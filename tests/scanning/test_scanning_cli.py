"""``samverka scan`` and ``samverka import opml``, and OPML export."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from samverka.actors.models import FocusArea
from samverka.scanning.models import FeedItem, FeedSource, TagRule


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


def _json(*args: str) -> Any:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_scan_add_is_idempotent(make_cluster: Any) -> None:
    make_cluster("Vall", slug="vall")
    data = _json(
        "scan",
        "add",
        "https://example.se/rss",
        "--name",
        "Ex",
        "--cluster",
        "vall",
        "--format",
        "json",
    )
    assert data["created"] is True
    assert data["cluster"] == "vall"
    assert data["name"] == "Ex"
    again = _json("scan", "add", "https://example.se/rss", "--cluster", "vall", "--format", "json")
    assert again["created"] is False
    assert again["id"] == data["id"]
    assert FeedSource.objects.count() == 1
    national = _json("scan", "add", "https://example.se/rss", "--format", "json")
    assert national["cluster"] is None
    assert FeedSource.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.se/rss"], "http or https"),
        (["https://example.se/rss", "--cluster", "nope"], "no cluster with the slug 'nope'"),
        (["https://example.se/rss", "--interval", "1"], "five minutes"),
    ],
)
def test_scan_add_bad_input_exits_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("scan", "add", *args, stdout=io.StringIO())
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)
    assert not FeedSource.objects.exists()


@pytest.mark.django_db
def test_scan_poll_and_items_json(feed_server: Any) -> None:
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    TagRule.objects.create(focus_area=forest, keywords="skog")
    good = feed_server.serve_file("/lst.xml", "rss2_latin1.xml")
    bad = feed_server.serve_file("/bad.xml", "broken.xml")
    _json("scan", "add", good, "--name", "Länsstyrelsen", "--format", "json")
    _json("scan", "add", bad, "--name", "Trasig", "--format", "json")
    results = {r["source"]: r for r in _json("scan", "poll", "--format", "json")}
    assert (results["Länsstyrelsen"]["new"], results["Länsstyrelsen"]["seen"]) == (2, 0)
    assert results["Trasig"]["status"] == "error"
    assert "feed" in results["Trasig"]["error"]
    assert _json("scan", "poll", "--format", "json") == []  # nothing is due
    again = {r["source"]: r for r in _json("scan", "poll", "--all", "--format", "json")}
    assert again["Länsstyrelsen"]["status"] == "not_modified"
    out = io.StringIO()
    call_command("scan", "poll", "--all", stdout=out)
    assert "Länsstyrelsen: 0 new, 0 seen (not modified)" in out.getvalue()
    items = _json("scan", "items", "--focus", "skog", "--format", "json")
    assert items == [
        {
            "id": FeedItem.objects.get(guid="lst-2027-001").pk,
            "title": "Utlysning: stöd till skogen i Jämtland",
            "url": "https://example.se/nyheter/utlysning-skog/?utm_source=rss#top",
            "source": "Länsstyrelsen",
            "published": "2027-01-04T07:00:00+00:00",
            "tags": ["skog"],
            "funding_call": True,
            "deadline": "2027-03-15",
        }
    ]
    assert len(_json("scan", "items", "--format", "json")) == 2
    sources = {s["name"]: s for s in _json("scan", "list", "--format", "json")}
    assert sources["Trasig"]["consecutive_failures"] == 3  # polled three times


@pytest.mark.django_db
def test_scan_items_unknown_focus_exits_2() -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("scan", "items", "--focus", "nope", "--format", "json")
    assert excinfo.value.returncode == 2


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mina flöden</title></head><body>
<outline text="Jordbruk">
  <outline text="Jordbruksverket" type="rss" xmlUrl="https://jv.example.se/rss"/>
  <outline title="Vinnova" type="rss" xmlUrl="https://vinnova.example.se/atom"/>
</outline>
<outline text="Länsstyrelsen" type="rss" xmlUrl="https://lst.example.se/rss"/>
</body></opml>
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "feeds.opml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_import_opml_with_cluster_then_export_round_trip(
    tmp_path: Path, make_cluster: Any, client: Any
) -> None:
    cluster = make_cluster("Vall", slug="vall")
    report = _json(
        "import", "opml", _write(tmp_path, OPML), "--cluster", "vall", "--format", "json"
    )
    assert report["ok"]
    assert report["created"] == 3
    assert report["rows"] == 3
    assert [o["status"] for o in report["outlines"]] == ["created"] * 3
    assert set(FeedSource.objects.values_list("name", "cluster")) == {
        ("Jordbruksverket", cluster.pk),
        ("Vinnova", cluster.pk),
        ("Länsstyrelsen", cluster.pk),
    }
    again = _json("import", "opml", _write(tmp_path, OPML), "--cluster", "vall", "--format", "json")
    assert (again["created"], again["unchanged"]) == (0, 3)
    assert FeedSource.objects.count() == 3
    # Export (the admin sees every source) and import the export again: nothing new.
    from samverka.scanning.opml import export_opml

    exported = export_opml(FeedSource.objects.order_by("name"), title="t")
    root = ET.fromstring(exported)  # noqa: S314 (our own document)
    assert sorted(o.get("xmlUrl") for o in root.iter("outline")) == [
        "https://jv.example.se/rss",
        "https://lst.example.se/rss",
        "https://vinnova.example.se/atom",
    ]
    path = tmp_path / "export.opml"
    path.write_bytes(exported)
    third = _json("import", "opml", str(path), "--cluster", "vall", "--format", "json")
    assert (third["created"], third["unchanged"]) == (0, 3)
    # The page export: a cluster's sources are not public.
    response = client.get(reverse("scanning:opml-export"))
    assert b"jv.example.se" not in response.content
    assert response["Content-Type"].startswith("text/x-opml")


@pytest.mark.django_db
def test_import_opml_is_atomic(tmp_path: Path) -> None:
    bad = OPML.replace("https://vinnova.example.se/atom", "javascript:alert(1)")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command(
            "import", "opml", _write(tmp_path, bad), "--format", "json", stdout=out, stderr=err
        )
    assert excinfo.value.code == 2
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["errors"] == [
        {"row": 2, "column": "xmlUrl", "message": "not an http(s) address: 'javascript:alert(1)'"}
    ]
    assert [o["status"] for o in report["outlines"]] == ["created", "error", "created"]
    assert not FeedSource.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<opml><body", "not valid XML"),
        ("<rss version='2.0'/>", "not OPML"),
        ("<opml version='2.0'><body><outline text='x'/></body></opml>", "no feed outlines"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><opml/>', "DOCTYPE"),
    ],
)
def test_import_opml_bad_files(tmp_path: Path, text: str, message: str) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("import", "opml", _write(tmp_path, text), stdout=io.StringIO(), stderr=err)
    assert excinfo.value.code == 2
    assert message in err.getvalue()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "haha">'
    + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
    + ']><opml version="2.0"><body><outline text="&j;" xmlUrl="https://x.example/rss"/>'
    "</body></opml>"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><opml/>', "utf-16"),
        ('<!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>', "utf-16"),
        (BILLION_LAUGHS, "utf-8"),
        (BILLION_LAUGHS, "utf-16"),
    ],
    ids=["utf16-entity", "utf16-external-dtd", "billion-laughs", "billion-laughs-utf16"],
)
def test_import_opml_refuses_any_dtd_whatever_the_encoding(
    tmp_path: Path, data: str, encoding: str
) -> None:
    """The DOCTYPE check is the parser's, not a byte search that UTF-16 (with a BOM) gets past."""
    path = tmp_path / "feeds.opml"
    path.write_bytes(data.encode(encoding))
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff") or encoding == "utf-8"
    err = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("import", "opml", str(path), stdout=io.StringIO(), stderr=err)
    assert excinfo.value.code == 2
    assert "OPML files with a DOCTYPE or entities are not accepted" in err.getvalue()
    assert not FeedSource.objects.exists()


@pytest.mark.django_db
def test_import_opml_in_utf16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "feeds.opml"
    path.write_bytes(OPML.replace("UTF-8", "UTF-16").encode("utf-16"))
    call_command("import", "opml", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert FeedSource.objects.count() == 3


@pytest.mark.django_db
def test_import_opml_unknown_cluster(tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import",
            "opml",
            _write(tmp_path, OPML),
            "--cluster",
            "nope",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "no cluster with the slug 'nope'" in err.getvalue()
    assert not FeedSource.objects.exists()


@pytest.mark.django_db
def test_import_events_still_takes_cluster(tmp_path: Path, make_cluster: Any) -> None:
    """--cluster is shared by the events and opml kinds."""
    make_cluster("Vall", slug="vall")
    ics = tmp_path / "e.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:e1@t\r\n"
        "DTSTAMP:20270101T000000Z\r\nDTSTART:20270301T100000Z\r\nDTEND:20270301T110000Z\r\n"
        "SUMMARY:Fältdag\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    report = _json("import", "events", str(ics), "--cluster", "vall", "--format", "json")
    assert report["ok"]
    assert report["created"] == 1


def test_opml_import_page(client: Any, cluster_manager: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    user, cluster = cluster_manager
    client.force_login(user)
    upload = SimpleUploadedFile("f.opml", OPML.encode(), content_type="text/x-opml")
    response = client.post(reverse("scanning:opml-import"), {"file": upload, "owner": cluster.pk})
    assert response.status_code == 302
    assert FeedSource.objects.filter(cluster=cluster).count() == 3
