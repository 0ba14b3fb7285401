"""Rendering plain-text mail: a subject and a body from templates, never HTML-escaped.

Django escapes every template it renders, ``.txt`` ones too, so a subject rendered with
``render_to_string`` went out as ``Skog &amp; Mark``. Mail headers and text bodies are not HTML:
they are rendered here with autoescaping off, and a subject is folded into one line (a line break
in a header would end it)."""

from __future__ import annotations

from typing import Any

from django.template import Context
from django.template.loader import get_template


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """``template_name`` rendered as plain text, without HTML escaping."""
    template = get_template(template_name)
    return template.template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def render_subject(template_name: str, context: dict[str, Any]) -> str:
    """A mail subject: plain text, unescaped, on one line with single spaces."""
    return " ".join(render_text(template_name, context).split())


def render_mail(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (``<name>_subject.txt``) and text body (``<name>.txt``) of a mail."""
    return render_subject(f"{name}_subject.txt", context), render_text(f"{name}.txt", context)
