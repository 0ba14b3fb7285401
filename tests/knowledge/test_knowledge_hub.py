"""The knowledge hub: creating and editing items, who may, attachments, exports and the API."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from samverka.actors.models import FocusArea
from samverka.api.models import ApiToken
from samverka.core.models import AuditEntry
from samverka.knowledge import services
from samverka.knowledge.models import Attachment, GoodExample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "method",
        "title": "Betesplan för naturbete",
        "summary": "Så planerar du betet.",
        "body": '<p>Steg ett</p><script>alert(1)</script><a href="javascript:x">x</a>',
        "link": "https://example.se/bete",
        "published": "on",
    }
    data.update(overrides)
    return data


def test_manager_creates_edits_and_deletes(
    client: Any, cluster_manager: Any, focus_area: FocusArea
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    response = client.post(
        reverse("knowledge:create"),
        form_data(cluster=cluster.pk, focus_areas=[focus_area.pk]),
    )
    example = GoodExample.objects.get()
    assert response.status_code == 302
    assert response["Location"] == example.get_absolute_url()
    assert example.slug == "betesplan-for-naturbete"
    assert example.author == user
    assert example.cluster == cluster
    assert example.published
    assert "<script>" not in example.body
    assert "javascript:" not in example.body
    assert "Steg ett" in example.body
    assert list(example.focus_areas.all()) == [focus_area]
    assert AuditEntry.objects.filter(action="knowledge.create", object_id=str(example.pk)).exists()

    page = client.get(example.get_absolute_url())
    assert page.status_code == 200
    assert "Betesplan för naturbete" in page.content.decode()

    response = client.post(
        reverse("knowledge:edit", args=[example.slug]),
        form_data(title="Betesplan, ny", cluster=cluster.pk, published=""),
    )
    assert response.status_code == 302
    example.refresh_from_db()
    assert example.title == "Betesplan, ny"
    assert not example.published
    assert AuditEntry.objects.filter(action="knowledge.update").exists()
    # a draft: hidden from visitors, visible to its editor
    client.logout()
    assert client.get(example.get_absolute_url()).status_code == 404
    assert "Betesplan" not in client.get(reverse("knowledge:index")).content.decode()
    client.force_login(user)
    assert client.get(example.get_absolute_url()).status_code == 200
    response = client.post(reverse("knowledge:delete", args=[example.slug]))
    assert response.status_code == 302
    assert not GoodExample.objects.exists()


def test_write_permissions(
    client: Any, cluster_manager: Any, make_cluster: Any, make_user: Any, member_user: Any
) -> None:
    user, cluster = cluster_manager
    other_cluster = make_cluster("Other")
    example = services.save_example(
        actor=None, data={"title": "Annans", "cluster": other_cluster, "published": True}
    )
    edit_url = reverse("knowledge:edit", args=[example.slug])
    # anonymous: to the login page; members: refused
    assert client.get(reverse("knowledge:create")).status_code == 302
    assert client.post(edit_url, form_data()).status_code == 302
    client.force_login(member_user[0])
    assert client.get(reverse("knowledge:create")).status_code == 403
    assert client.post(edit_url, form_data()).status_code == 403
    # a manager of another cluster
    client.force_login(user)
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, form_data(cluster=cluster.pk)).status_code == 403
    assert client.post(reverse("knowledge:delete", args=[example.slug])).status_code == 403
    # a manager may not file an item under a cluster they do not manage
    response = client.post(reverse("knowledge:create"), form_data(cluster=other_cluster.pk))
    assert response.status_code == 200
    assert GoodExample.objects.count() == 1
    example.refresh_from_db()
    assert example.title == "Annans"
    # the author may edit their own item; platform admins anything
    author = make_user()
    own = services.save_example(actor=author, data={"title": "Egen", "cluster": other_cluster})
    client.force_login(author)
    assert client.get(reverse("knowledge:edit", args=[own.slug])).status_code == 200
    client.force_login(make_user(role="platform_admin"))
    assert (
        client.post(edit_url, form_data(title="Ändrad", cluster=other_cluster.pk)).status_code
        == 302
    )
    example.refresh_from_db()
    assert example.title == "Ändrad"


def test_list_filters_and_exports(client: Any, focus_area: FocusArea) -> None:
    other = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    a = services.save_example(
        actor=None,
        data={"title": "Metod A", "kind": "method", "published": True},
        focus_areas=[focus_area],
    )
    services.save_example(
        actor=None,
        data={"title": "Exempel B", "kind": "example", "published": True},
        focus_areas=[other],
    )
    services.save_example(actor=None, data={"title": "Utkast C", "kind": "method"})
    html = client.get(reverse("knowledge:index")).content.decode()
    assert "Metod A" in html
    assert "Exempel B" in html
    assert "Utkast C" not in html
    html = client.get(reverse("knowledge:index"), {"kind": "method"}).content.decode()
    assert "Metod A" in html
    assert "Exempel B" not in html
    html = client.get(reverse("knowledge:index"), {"focus": "skog"}).content.decode()
    assert "Exempel B" in html
    assert "Metod A" not in html
    response = client.get(reverse("knowledge:index"), {"kind": "method", "export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "Metod A" in text
    assert "Exempel B" not in text
    assert "Utkast C" not in text
    response = client.get(reverse("knowledge:index"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"Metod A", "Exempel B"}
    addresses = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(address.endswith(a.get_absolute_url()) for address in addresses)


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("rapport.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("bild.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
        ("foto.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
        ("data.csv", "namn;ort\nÅsa;Umeå\n".encode(), "text/csv"),
        ("text.txt", b"Hej", "text/plain"),
        (
            "plan.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_allowed_attachments_are_served_as_downloads(
    client: Any, cluster_manager: Any, name: str, content: bytes, content_type: str
) -> None:
    user, cluster = cluster_manager
    example = services.save_example(
        actor=user, data={"title": "Med bilaga", "cluster": cluster, "published": True}
    )
    client.force_login(user)
    response = client.post(
        reverse("knowledge:attach", args=[example.slug]),
        {"file": SimpleUploadedFile(name, content, content_type="text/html")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == content_type
    client.logout()
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content  # consuming it closes the file


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>"),
        ("evil.txt", b"<!DOCTYPE html><html></html>"),
        ("evil.html", b"<html></html>"),
        ("evil.docx", b"PK\x03\x04 not really a zip"),
        ("bild.png", b"%PDF-1.4 a pdf named png"),
        ("evil.svg", b"<svg onload=alert(1)>"),
    ],
)
def test_refused_attachments(client: Any, cluster_manager: Any, name: str, content: bytes) -> None:
    user, cluster = cluster_manager
    example = services.save_example(actor=user, data={"title": "Med bilaga", "cluster": cluster})
    client.force_login(user)
    response = client.post(
        reverse("knowledge:attach", args=[example.slug]),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


@override_settings(SAMVERKA_UPLOAD_MAX_MB=1)
def test_attachment_size_limit(client: Any, cluster_manager: Any) -> None:
    user, cluster = cluster_manager
    example = services.save_example(actor=user, data={"title": "Stor", "cluster": cluster})
    client.force_login(user)
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
    response = client.post(
        reverse("knowledge:attach", args=[example.slug]),
        {"file": SimpleUploadedFile("stor.pdf", big)},
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not Attachment.objects.exists()
    small = SimpleUploadedFile("liten.pdf", b"%PDF-1.7\n" + b"0" * 1000)
    response = client.post(reverse("knowledge:attach", args=[example.slug]), {"file": small})
    assert response.status_code == 302
    assert Attachment.objects.count() == 1


def test_attachments_of_drafts_are_not_public(
    client: Any, cluster_manager: Any, make_user: Any
) -> None:
    user, cluster = cluster_manager
    example = services.save_example(actor=user, data={"title": "Utkast", "cluster": cluster})
    attachment = services.add_attachment(
        actor=user, example=example, upload=SimpleUploadedFile("a.txt", b"hemligt")
    )
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(user)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hemligt"  # and closes the file
    # a manager of another cluster may not remove it
    client.force_login(make_user("intruder"))
    assert client.post(reverse("knowledge:detach", args=[attachment.pk])).status_code == 403
    client.force_login(user)
    assert client.post(reverse("knowledge:detach", args=[attachment.pk])).status_code == 302
    assert not Attachment.objects.exists()


def test_create_from_item(make_user: Any, make_cluster: Any, focus_area: FocusArea) -> None:
    user, cluster = make_user(), make_cluster()
    example = services.create_from_item(
        title="Nytt stöd för skogsägare",
        summary="Ett utlysningsstöd.",
        link="https://example.se/item",
        focus_areas=[focus_area],
        user=user,
        cluster=cluster,
    )
    example.refresh_from_db()
    assert example.kind == "example"
    assert not example.published
    assert example.author == user
    assert example.cluster == cluster
    assert example.link == "https://example.se/item"
    assert list(example.focus_areas.all()) == [focus_area]
    again = services.create_from_item(
        title="Nytt stöd för skogsägare", summary="", link="", focus_areas=[], user=user
    )
    assert again.slug != example.slug


def _token(user: Any) -> dict[str, str]:
    _token_obj, raw = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_read(client: Any, focus_area: FocusArea) -> None:
    services.save_example(
        actor=None,
        data={"title": "Publik", "published": True, "body": "<p>Text</p>"},
        focus_areas=[focus_area],
    )
    services.save_example(actor=None, data={"title": "Utkast"})
    data = client.get("/api/v1/knowledge").json()
    assert [d["title"] for d in data] == ["Publik"]
    assert data[0]["focus_areas"] == [{"slug": "vallodling", "name": "Ley farming"}]
    detail = client.get(f"/api/v1/knowledge/{data[0]['slug']}").json()
    assert detail["body"] == "<p>Text</p>"
    assert client.get("/api/v1/knowledge/utkast").status_code == 404


def test_api_writes(
    client: Any, cluster_manager: Any, make_cluster: Any, member_user: Any, focus_area: FocusArea
) -> None:
    user, cluster = cluster_manager
    payload = {
        "title": "Via API",
        "kind": "document",
        "cluster": cluster.slug,
        "published": True,
        "focus_areas": ["vallodling"],
        "body": "<p>ok</p><script>x</script>",
    }
    assert (
        client.post("/api/v1/knowledge", payload, content_type="application/json").status_code
        == 401
    )
    client.force_login(member_user[0])
    assert (
        client.post("/api/v1/knowledge", payload, content_type="application/json").status_code
        == 403
    )
    client.logout()
    response = client.post(
        "/api/v1/knowledge", payload, content_type="application/json", **_token(member_user[0])
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/knowledge", payload, content_type="application/json", **_token(user)
    )
    assert response.status_code == 201, response.content
    GoodExample.objects.filter(title="Via API").delete()
    client.force_login(user)
    response = client.post("/api/v1/knowledge", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == "document"
    assert created["cluster"] == cluster.slug
    assert "<script>" not in created["body"]
    bad = client.post(
        "/api/v1/knowledge", {**payload, "focus_areas": ["nope"]}, content_type="application/json"
    )
    assert bad.status_code in {400, 422}
    assert "nope" in bad.content.decode()
    response = client.patch(
        f"/api/v1/knowledge/{created['slug']}", {"summary": "Ny"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["summary"] == "Ny"
    assert response.json()["title"] == "Via API"
    # a manager of another cluster
    other = make_cluster("Annat")
    theirs = services.save_example(
        actor=None, data={"title": "Deras", "cluster": other, "published": True}
    )
    response = client.patch(
        f"/api/v1/knowledge/{theirs.slug}", {"summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/knowledge", {**payload, "cluster": other.slug}, content_type="application/json"
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.summary == ""
