"""Domain operations of the knowledge hub: saving good examples, methods and documents, and their
attachments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from samverka.core import audit, links
from samverka.core.sanitise import clean_html
from samverka.knowledge.models import Attachment, GoodExample, Kind


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A slug made from the title, with a number added when it is taken."""
    base = (slugify(title) or "item")[:100]
    slug, n = base, 2
    taken = GoodExample.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


EDITABLE = ("kind", "title", "summary", "body", "link", "cluster", "published")


@transaction.atomic
def save_example(
    *,
    actor: Any,
    example: GoodExample | None = None,
    data: dict[str, Any],
    focus_areas: Iterable[Any] | None = None,
    organisations: Iterable[Any] | None = None,
) -> GoodExample:
    """Create (``example`` None) or change a knowledge item; the body is sanitised and the
    change audited. Only keys of ``data`` among the editable fields are used."""
    if "link" in data:
        links.check_links(link=(data["link"] or "").strip())
    creating = example is None
    if example is None:
        example = GoodExample(author=actor if getattr(actor, "is_authenticated", False) else None)
    before = {} if creating else audit.snapshot(example, list(EDITABLE))
    for name in EDITABLE:
        if name in data:
            value = data[name]
            if name == "body":
                value = clean_html(value or "")
            elif name in {"summary", "link", "title"}:
                value = (value or "").strip()
            setattr(example, name, value)
    if not example.slug:
        example.slug = unique_slug(example.title)
    example.save()
    if focus_areas is not None:
        example.focus_areas.set(list(focus_areas))
    if organisations is not None:
        example.organisations.set(list(organisations))
    after = audit.snapshot(example, list(EDITABLE))
    audit.record(
        actor=actor,
        action="knowledge.create" if creating else "knowledge.update",
        obj=example,
        changes=after if creating else audit.diff(before, after),
    )
    return example


def create_from_item(
    *,
    title: str,
    summary: str,
    link: str,
    focus_areas: Iterable[Any],
    user: Any,
    cluster: Any = None,
) -> GoodExample:
    """A draft good example from a scanned item ("save as good example" in horizon scanning).

    ``focus_areas`` are FocusArea objects; the example stays unpublished until an editor
    publishes it."""
    return save_example(
        actor=user,
        data={
            "kind": Kind.EXAMPLE,
            "title": title[:300],
            "summary": summary,
            "link": link[:1000],
            "cluster": cluster,
            "published": False,
        },
        focus_areas=focus_areas,
    )


@transaction.atomic
def delete_example(*, actor: Any, example: GoodExample) -> None:
    """Delete a knowledge item with its attachments' files."""
    audit.record(actor=actor, action="knowledge.delete", obj=example, changes={})
    for attachment in example.attachments.all():
        attachment.file.delete(save=False)
    example.delete()


def add_attachment(*, actor: Any, example: GoodExample, upload: Any) -> Attachment:
    """Store an uploaded file after checking its type (sniffed) and size; raises
    ValidationError when refused."""
    from samverka.knowledge.attachments import check_upload

    name, content_type = check_upload(upload)
    attachment = Attachment(
        example=example,
        name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(
        actor=actor,
        action="knowledge.attach",
        obj=example,
        changes={"file": name, "content_type": content_type, "size": upload.size},
    )
    return attachment


def remove_attachment(*, actor: Any, attachment: Attachment) -> None:
    audit.record(
        actor=actor,
        action="knowledge.detach",
        obj=attachment.example,
        changes={"file": attachment.name},
    )
    attachment.file.delete(save=False)
    attachment.delete()
