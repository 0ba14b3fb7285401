"""Links people type in (websites, event pages, online meetings, knowledge sources, newsletter
links, feed and calendar addresses): one validator for forms, the API, imports and services, and
one check for rendering.

Only http and https are links. ``javascript:``, ``data:``, ``vbscript:`` and scheme-relative
``//host`` addresses are refused when entered, and a value stored before that (or written around
the services) is not rendered as a link.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")
_DROPPED = dict.fromkeys(map(ord, "\t\n\r"))
_LEADING = "".join(map(chr, range(33)))  # C0 controls and space

_NOT_A_WEB_LINK = _("Enter a web address that starts with http:// or https://.")
validate_web_link = URLValidator(schemes=list(WEB_SCHEMES), message=_NOT_A_WEB_LINK)


def is_safe_link(value: Any) -> bool:
    """Whether ``value`` may go into an ``href``: an absolute http(s) address with a host, or a
    path on this site (``/…``, but not ``//host`` or ``/\\host``, which browsers read as hosts).

    What browsers drop is dropped first (leading control characters and spaces, tabs and new
    lines anywhere), so ``" java\\tscript:…"`` is seen as the javascript: link it is."""
    if not isinstance(value, str):
        return False
    seen = value.translate(_DROPPED).lstrip(_LEADING)
    if seen[:1] == "/":
        return seen[1:2] not in ("/", "\\")
    try:
        parts = urlsplit(seen)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def safe_link(value: Any) -> str:
    """``value`` when it is a safe link, else the empty string."""
    return value if is_safe_link(value) else ""


class WebLinkField(forms.URLField):
    """A form field for a web link: http or https only, https:// assumed when left out."""

    default_validators = [validate_web_link]
    default_error_messages = {
        "invalid": _NOT_A_WEB_LINK
    }  # a form's message outranks the validator's

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


def check_links(**values: str | None) -> None:
    """Raise ValidationError naming every field whose value (when given) is not a web link; the
    check services run for the API and the forms alike."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if value:
            try:
                validate_web_link(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
