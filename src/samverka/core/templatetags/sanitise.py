"""``{{ value|sanitise }}``: user HTML cleaned again as it is rendered; ``{{ value|safe_link }}``:
a user's link, or nothing when it is not http(s) (``core.links``).

Rich text is sanitised when saved (core.sanitise); cleaning it once more on output also covers
rows written around the services (the Django admin, old data, a direct database fix).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from samverka.core import links
from samverka.core.sanitise import clean_html

register = template.Library()


@register.filter(is_safe=True)
def sanitise(value: object) -> SafeString:
    return mark_safe(clean_html(str(value or "")))  # noqa: S308 - nh3 keeps a safe subset only


@register.filter
def safe_link(value: object) -> str:
    return links.safe_link(value)
