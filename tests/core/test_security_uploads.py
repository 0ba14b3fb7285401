"""Every upload point refuses HTML disguised by its file name and files over the size limit;
stored files are served as downloads that a browser never renders."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from samverka.actors.models import Organisation
from samverka.events.models import Event
from samverka.knowledge import attachments
from samverka.knowledge.models import Attachment, GoodExample
from samverka.programmes.models import Call, CallDocument, Programme

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def admin_client(make_user: Callable[..., User]) -> tuple[Client, User]:
    admin = make_user(role="platform_admin_superuser")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client, admin


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def assert_download(response: Any, content_type: str, content: bytes) -> None:
    body = b"".join(response.streaming_content)
    # Closing the response ends the "request", which would close the test's database
    # connection on PostgreSQL; the test client disconnects that handler the same way.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert response.status_code == 200
    assert body == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


# --- knowledge-hub attachments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", HTML),
        ("photo.png", HTML),
        ("photo.jpg", SVG),
        ("data.csv", HTML),
        ("notes.txt", b"  \n<html><p>hi</p>"),
        ("page.html", HTML),
        ("drawing.svg", SVG),
    ],
)
def test_attachment_refuses_disguised_html(
    admin_client: tuple[Client, User], media: None, name: str, content: bytes
) -> None:
    client, admin = admin_client
    example = GoodExample.objects.create(title="Exempel", slug="exempel", author=admin)
    response = client.post("/knowledge/exempel/attachments/", {"file": upload(name, content)})
    assert response.status_code == 400
    assert Attachment.objects.filter(example=example).count() == 0


def test_attachment_refuses_oversize(
    settings: Any, admin_client: tuple[Client, User], media: None
) -> None:
    settings.SAMVERKA_UPLOAD_MAX_MB = 1
    client, admin = admin_client
    GoodExample.objects.create(title="Exempel", slug="exempel", author=admin)
    big = PDF + b"0" * (1024 * 1024)
    response = client.post("/knowledge/exempel/attachments/", {"file": upload("big.pdf", big)})
    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_attachment_served_as_download(admin_client: tuple[Client, User], media: None) -> None:
    client, admin = admin_client
    GoodExample.objects.create(title="Exempel", slug="exempel", author=admin, published=True)
    response = client.post(
        "/knowledge/exempel/attachments/", {"file": upload("report.pdf", PDF, "text/html")}
    )
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert stored.content_type == "application/pdf"  # sniffed, not what the browser claimed
    assert_download(Client().get(f"/knowledge/attachments/{stored.pk}/"), "application/pdf", PDF)


# --- call documents -----------------------------------------------------------------------------


@pytest.fixture
def open_call(db: Any) -> Call:
    today = datetime.date.today()
    programme = Programme.objects.create(code="rtp-sec", name="RTP", start_year=2008, end_year=2010)
    return Call.objects.create(
        programme=programme,
        slug="utlysning",
        title="Utlysning",
        opens=today - datetime.timedelta(days=1),
        closes=today + datetime.timedelta(days=30),
        max_support_share=Decimal("0.5"),
        published=True,
    )


@pytest.mark.parametrize(("name", "content"), [("call.pdf", HTML), ("call.html", HTML)])
def test_call_document_refuses_disguised_html(
    admin_client: tuple[Client, User], media: None, open_call: Call, name: str, content: bytes
) -> None:
    client, _ = admin_client
    response = client.post(
        "/programmes/calls/utlysning/documents/",
        {"title": "Villkor", "file": upload(name, content)},
        follow=True,
    )
    assert response.status_code == 200
    assert CallDocument.objects.count() == 0
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_call_document_refuses_oversize(
    settings: Any, admin_client: tuple[Client, User], media: None, open_call: Call
) -> None:
    settings.SAMVERKA_UPLOAD_MAX_MB = 1
    client, _ = admin_client
    big = PDF + b"0" * (1024 * 1024)
    client.post(
        "/programmes/calls/utlysning/documents/",
        {"title": "Villkor", "file": upload("big.pdf", big)},
    )
    assert CallDocument.objects.count() == 0


def test_call_document_served_as_download(
    admin_client: tuple[Client, User], media: None, open_call: Call
) -> None:
    client, _ = admin_client
    client.post(
        "/programmes/calls/utlysning/documents/",
        {"title": "Villkor", "file": upload("villkor.pdf", PDF)},
    )
    document = CallDocument.objects.get()
    url = f"/programmes/calls/documents/{document.pk}/"
    page = Client().get("/programmes/calls/utlysning/").content.decode()
    assert f'href="{url}"' in page
    assert "/media/" not in page
    assert_download(Client().get(url), "application/pdf", PDF)


# --- imports: the calendar (.ics) and organisations (.csv) --------------------------------------


def test_calendar_import_refuses_disguised_html(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    response = client.post("/calendar/import/", {"file": upload("events.ics", HTML)})
    assert response.status_code == 400
    assert not response.context["report"].ok
    assert Event.objects.count() == 0


def test_calendar_import_refuses_oversize(settings: Any, admin_client: tuple[Client, User]) -> None:
    settings.SAMVERKA_IMPORT_MAX_BYTES = 1000
    client, _ = admin_client
    event = (
        "BEGIN:VEVENT\r\nUID:{n}@example.se\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20270101T100000Z\r\nDTEND:20270101T110000Z\r\nSUMMARY:Möte {n}\r\nEND:VEVENT\r\n"
    )
    body = "".join(event.format(n=n) for n in range(20))
    ics = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//SV\r\n{body}END:VCALENDAR\r\n"
    response = client.post("/calendar/import/", {"file": upload("events.ics", ics.encode())})
    assert response.status_code == 400
    assert "larger than" in response.context["report"].file_error
    assert Event.objects.count() == 0


@pytest.mark.parametrize("name", ["organisations.csv", "organisations.xlsx"])
def test_organisation_import_refuses_disguised_html(
    admin_client: tuple[Client, User], name: str
) -> None:
    client, _ = admin_client
    before = Organisation.objects.count()
    response = client.post("/organisations/import/", {"file": upload(name, HTML)})
    assert response.status_code == 400
    assert not response.context["report"].ok
    assert Organisation.objects.count() == before


def test_organisation_import_refuses_oversize(
    settings: Any, admin_client: tuple[Client, User]
) -> None:
    settings.SAMVERKA_IMPORT_MAX_BYTES = 100
    client, _ = admin_client
    rows = "name;helix\n" + "".join(f"Företag {n} AB;company\n" for n in range(20))
    response = client.post(
        "/organisations/import/", {"file": upload("organisations.csv", rows.encode())}
    )
    assert response.status_code == 400
    assert "larger than" in response.context["report"].file_error
    assert Organisation.objects.count() == 0


def test_import_page_rejects_html_file_name(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    response = client.post("/organisations/import/", {"file": upload("evil.html", HTML)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    response = client.post("/calendar/import/", {"file": upload("evil.html", HTML)})
    assert response.context["form"].errors["file"]


def test_attachment_sniffing_reads_only_the_start_of_an_odt_mimetype() -> None:
    """The ``mimetype`` part of an OpenDocument file is read a few bytes at most: a part that
    unpacks to gigabytes is not unpacked. (A full read would fail on the broken checksum.)"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text" + b" " * 1_000_000)
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.getinfo("mimetype").CRC ^= 1  # only a read to the end checks it

    assert attachments.sniff(io.BytesIO(buffer.getvalue())) == "odt"
