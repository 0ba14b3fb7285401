"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from samverka.core.links import WebLinkField, validate_web_link


class WebsiteField(models.URLField):
    """A web link: http or https only (``core.links``), and a form that assumes https:// when
    the scheme is left out. The validator is the class default, so it is not in migrations."""

    default_validators = [validate_web_link]

    def formfield(self, **kwargs: Any) -> forms.Field:
        kwargs.setdefault("form_class", WebLinkField)
        return super().formfield(**kwargs)
