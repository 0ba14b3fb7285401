"""Form widgets that render long option lists in Python instead of one template per option.

Django renders every ``<option>`` through two included templates; a filter form with the 290
municipalities, the counties, the clusters and the focus areas spent most of a list page's time
there. :class:`FastSelect` writes the same markup (byte for byte, see the tests) directly.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """Attributes as ``django/forms/widgets/attrs.html`` writes them (False left out, True bare)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {escape(name)}")
        else:
            parts.append(f' {escape(name)}="{escape(str(value))}"')
    return "".join(parts)


class FastSelect(forms.Select):
    """A single ``<select>`` rendered without templates; grouped choices fall back to Django's
    templates (none of the filter forms group them)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        """The same HTML as ``forms.Select.render``."""
        choices = list(self.choices)
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        selected = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        parts = [f'<select name="{escape(name)}"{_attrs(final_attrs)}>']
        chosen = False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            is_selected = not chosen and text in selected
            chosen = chosen or is_selected
            shown = label if hasattr(label, "__html__") else str(label)
            parts.append(
                f'\n  <option value="{escape(text)}"{" selected" if is_selected else ""}>'
                f"{conditional_escape(shown)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
