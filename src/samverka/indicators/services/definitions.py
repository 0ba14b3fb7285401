"""Changing an indicator's definition (the method book entry) outside imports."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverka.core import audit, roles
from samverka.indicators.models import Indicator

#: Fields a PUT may set; ``numerator``/``denominator`` are indicator codes ("" or None clears).
EDITABLE_FIELDS = (
    "name_sv",
    "name_en",
    "unit",
    "definition",
    "method",
    "source",
    "source_reference",
    "aggregation",
    "gender_split",
    "decimals",
)


def can_edit_indicators(user: Any) -> bool:
    """Platform admins and programme officers maintain the method book."""
    return roles.is_programme_officer(user)


def save_indicator(*, code: str, data: dict[str, Any], actor: Any) -> tuple[Indicator, bool]:
    """Create or update the indicator ``code`` with ``data`` (the EDITABLE_FIELDS plus
    ``numerator`` and ``denominator`` as codes); returns ``(indicator, created)``.

    Raises PermissionDenied unless ``actor`` may edit indicators, ValidationError for invalid
    data (unknown component codes, an indicator as its own component, field errors). Audited.
    """
    if not can_edit_indicators(actor):
        raise PermissionDenied(_("Only platform admins and programme officers edit indicators."))
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().filter(code=code).first()
        created = indicator is None
        if indicator is None:
            indicator = Indicator(code=code)
            before: dict[str, Any] = {}
        else:
            before = audit.snapshot(indicator)
        for name in EDITABLE_FIELDS:
            if name in data and data[name] is not None:
                setattr(indicator, name, data[name])
        errors: dict[str, list[str]] = {}
        for role in ("numerator", "denominator"):
            if role not in data:
                continue
            component_code = data[role] or ""
            if not component_code:
                setattr(indicator, role, None)
            elif component_code == code:
                errors[role] = [_("An indicator cannot be its own component.")]
            else:
                component = Indicator.objects.filter(code=component_code).first()
                if component is None:
                    errors[role] = [_("No indicator %(code)s.") % {"code": component_code}]
                else:
                    setattr(indicator, role, component)
        try:
            indicator.full_clean(exclude=["numerator", "denominator"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        indicator.save()
        after = audit.snapshot(indicator)
        audit.record(
            actor=actor,
            action="indicator.created" if created else "indicator.changed",
            obj=indicator,
            changes=audit.diff(before, after),
        )
    return indicator, created
