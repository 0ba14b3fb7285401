"""Financing lines of an application/project: validation and saving.

Interpretation of the issue's rules (the model has no separate budget field on purpose):

- **The project budget** is the sum of ``budget_sek`` over all financing lines, private
  co-financing included. Each line is one financier's indicative contribution in one year.
- **Financing covers the budget** means: there is at least one line, the total budget is above
  zero, and every calendar year of the project period (``start_date.year`` … ``end_date.year``)
  has a line with ``budget_sek > 0``. A year of the period without financing would leave
  that year's activities unfunded.
- **The support share** is the public financing (every category except ``private``) divided by
  the total budget; it must not exceed the call's ``max_support_share``. Projects without a call
  (imported history) have no maximum.
- **No negative amounts** in budget, decided or outcome.
- **Years inside the project period**: every line's year lies between the start and end year.
- **Decided above budget**: a line whose decided amount exceeds its indicative budget needs a
  decision motivation on the project (``decide()`` always requires one, so this flags imported or
  hand-edited data).

``financing_problems`` lists every problem as ``(field, message)``; ``validate_financing`` raises
them together as one ``ValidationError`` keyed by field; ``save_financing_lines`` replaces the
lines atomically and writes an audit entry; ``record_outcome`` is the programme officer's
follow-up of a granted project: outcome (and corrected decided amounts) per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverka.actors.models import Organisation
from samverka.core import audit, roles
from samverka.programmes.enums import FinancierCategory, ProjectStatus
from samverka.programmes.models import FinancingLine, Project

FIELD = "financing_lines"
PUBLIC_CATEGORIES = frozenset(c.value for c in FinancierCategory) - {FinancierCategory.PRIVATE}
AMOUNT_FIELDS = ("budget_sek", "decided_sek", "outcome_sek")


@dataclass(frozen=True)
class Totals:
    """Sums over a project's lines (whole SEK) and the public support share of the budget."""

    budget_sek: int
    decided_sek: int
    outcome_sek: int
    public_budget_sek: int

    @property
    def support_share(self) -> Decimal | None:
        if self.budget_sek <= 0:
            return None
        return (Decimal(self.public_budget_sek) / Decimal(self.budget_sek)).quantize(
            Decimal("0.001")
        )


def totals(lines: Iterable[Any]) -> Totals:
    """Totals over financing lines (model instances or objects with the same attributes)."""
    budget = decided = outcome = public = 0
    for line in lines:
        budget += line.budget_sek or 0
        decided += line.decided_sek or 0
        outcome += line.outcome_sek or 0
        if line.category in PUBLIC_CATEGORIES:
            public += line.budget_sek or 0
    return Totals(budget, decided, outcome, public)


def _project_years(project: Project) -> range | None:
    if project.start_date and project.end_date:
        return range(project.start_date.year, project.end_date.year + 1)
    return None


def financing_problems(
    *, project: Project, lines: Sequence[Any] | None = None
) -> list[tuple[str, str]]:
    """Every problem with the project's financing as ``(field, message)`` pairs (empty = valid).

    ``lines`` defaults to the stored lines; pass unsaved lines to check a proposed plan.
    """
    if lines is None:
        lines = list(project.financing_lines.all())
    problems: list[tuple[str, str]] = []
    if not lines:
        return [(FIELD, _("Add at least one financing line."))]
    years = _project_years(project)
    for line in lines:
        for name in AMOUNT_FIELDS:
            if (getattr(line, name) or 0) < 0:
                problems.append(
                    (
                        FIELD,
                        _("Amounts cannot be negative (%(financier)s, %(year)s).")
                        % {"financier": line.financier, "year": line.year},
                    )
                )
                break
        if years is not None and line.year not in years:
            problems.append(
                (
                    FIELD,
                    _("The year %(year)s is outside the project period %(start)s to %(end)s.")
                    % {"year": line.year, "start": years.start, "end": years.stop - 1},
                )
            )
        if (line.decided_sek or 0) > (
            line.budget_sek or 0
        ) and not project.decision_motivation.strip():
            problems.append(
                (
                    FIELD,
                    _(
                        "The decided amount for %(financier)s %(year)s is above its budget "
                        "without a motivated decision."
                    )
                    % {"financier": line.financier, "year": line.year},
                )
            )
    sums = totals(lines)
    if sums.budget_sek <= 0:
        problems.append((FIELD, _("The financing does not cover the budget: the total is 0 SEK.")))
    elif years is not None:
        financed = {line.year for line in lines if (line.budget_sek or 0) > 0}
        missing = [y for y in years if y not in financed]
        if missing:
            problems.append(
                (
                    FIELD,
                    _("The financing does not cover the budget: no financing in %(years)s.")
                    % {"years": ", ".join(str(y) for y in missing)},
                )
            )
    share = sums.support_share
    if project.call_id and share is not None and share > project.call.max_support_share:
        problems.append(
            (
                FIELD,
                _(
                    "The public support share is %(share)s %%, above the call's maximum of "
                    "%(max)s %%."
                )
                % {
                    "share": _percent(share),
                    "max": _percent(project.call.max_support_share),
                },
            )
        )
    return problems


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1')).normalize():f}"


def validate_financing(*, project: Project, lines: Sequence[Any] | None = None) -> None:
    """Raise ``ValidationError({"financing_lines": [...]})`` listing every financing problem."""
    problems = financing_problems(project=project, lines=lines)
    if problems:
        grouped: dict[str, list[str]] = {}
        for field, message in problems:
            grouped.setdefault(field, []).append(message)
        raise ValidationError(grouped)


def _line_snapshot(line: FinancingLine) -> dict[str, Any]:
    return {
        "financier": line.financier_id,
        "category": line.category,
        "year": line.year,
        **{name: getattr(line, name) for name in AMOUNT_FIELDS},
    }


def _as_int(value: Any, name: str, index: int) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {
                FIELD: _("Line %(n)s: %(field)s must be a whole number of SEK.")
                % {"n": index + 1, "field": name}
            }
        ) from exc


@transaction.atomic
def save_financing_lines(
    *, project: Project, actor: Any, lines: Iterable[Mapping[str, Any]]
) -> list[FinancingLine]:
    """Replace the project's financing lines with ``lines``, atomically and audit-logged.

    Each line is a mapping with ``financier`` (an Organisation or its pk), ``category``, ``year``,
    ``budget_sek`` and optionally ``decided_sek`` and ``outcome_sek``. Applicants may change only
    their own drafts and only the budget (decided and outcome amounts are set by the decision and
    the follow-up); programme officers may set every amount. A line that an officer sends without
    ``decided_sek``/``outcome_sek`` keeps the stored values for the same financier, category and
    year.

    Per-line rules (non-negative amounts, valid category, years inside the project period, no
    duplicate financier/category/year) are enforced here; whole-plan rules (coverage, support
    share) are checked by ``validate_financing`` at submission.

    Raises PermissionDenied when the actor may not edit the application, ValidationError
    (key ``financing_lines``) for invalid lines.
    """
    if not roles.can_edit_application(actor, project):
        raise PermissionDenied
    officer = roles.is_programme_officer(actor)
    existing = list(project.financing_lines.select_for_update())
    stored = {(ln.financier_id, ln.category, ln.year): ln for ln in existing}
    years = _project_years(project)
    new: list[FinancingLine] = []
    seen: set[tuple[int, str, int]] = set()
    errors: list[str] = []
    for index, data in enumerate(lines):
        financier = data.get("financier")
        financier_id = financier.pk if isinstance(financier, Organisation) else financier
        if not financier_id or not Organisation.objects.filter(pk=financier_id).exists():
            errors.append(_("Line %(n)s: choose a financier.") % {"n": index + 1})
            continue
        category = data.get("category")
        if category not in FinancierCategory.values:
            errors.append(_("Line %(n)s: choose a financier category.") % {"n": index + 1})
            continue
        year = _as_int(data.get("year"), "year", index)
        if years is not None and year not in years:
            errors.append(
                _(
                    "Line %(n)s: the year %(year)s is outside the project period %(start)s to %(end)s."
                )
                % {"n": index + 1, "year": year, "start": years.start, "end": years.stop - 1}
            )
        elif not 1900 <= year <= 2200:
            errors.append(
                _("Line %(n)s: %(year)s is not a valid year.") % {"n": index + 1, "year": year}
            )
        key = (int(financier_id), category, year)
        if key in seen:
            errors.append(
                _("Line %(n)s: the same financier, category and year appear twice.")
                % {"n": index + 1}
            )
            continue
        seen.add(key)
        previous = stored.get(key)
        amounts = {"budget_sek": _as_int(data.get("budget_sek"), "budget_sek", index)}
        for name in ("decided_sek", "outcome_sek"):
            if officer and data.get(name) not in (None, ""):
                amounts[name] = _as_int(data.get(name), name, index)
            else:
                amounts[name] = getattr(previous, name) if previous else 0
        if any(v < 0 for v in amounts.values()):
            errors.append(_("Line %(n)s: amounts cannot be negative.") % {"n": index + 1})
            continue
        new.append(
            FinancingLine(
                project=project,
                financier_id=financier_id,
                category=category,
                year=year,
                **amounts,
            )
        )
    if errors:
        raise ValidationError({FIELD: errors})
    before = sorted(
        (_line_snapshot(ln) for ln in existing),
        key=lambda d: (d["year"], d["financier"], d["category"]),
    )
    project.financing_lines.all().delete()
    created = FinancingLine.objects.bulk_create(new)
    after = sorted(
        (_line_snapshot(ln) for ln in created),
        key=lambda d: (d["year"], d["financier"], d["category"]),
    )
    if before != after:
        audit.record(
            actor=actor,
            action="project.financing_changed",
            obj=project,
            changes={"financing_lines": [before, after]},
        )
    return list(project.financing_lines.select_related("financier"))


#: Stages in which a project's outcome is followed up and recorded.
OUTCOME_STATUSES = frozenset(
    {ProjectStatus.GRANTED, ProjectStatus.RUNNING, ProjectStatus.FINAL_REPORT}
)


def can_record_outcome(user: Any, project: Project) -> bool:
    """Programme officers record outcome on granted, running and final-report projects."""
    return roles.is_programme_officer(user) and project.status in OUTCOME_STATUSES


@transaction.atomic
def record_outcome(
    *,
    project: Project,
    actor: Any,
    amounts: Mapping[int, Mapping[str, Any]],
    note: str = "",
) -> list[FinancingLine]:
    """Record the outcome (and, when the decision was changed, the corrected decided amount) of
    a granted project's financing lines; one audit entry with every changed amount and the note.

    ``amounts`` is ``{line_id: {"outcome_sek": int, "decided_sek": int}}``; a key left out keeps
    the stored value and lines left out are unchanged. The lines keep their identity (unlike
    ``save_financing_lines``, which replaces them).

    Rules, so that the page never creates what ``samverka check projects`` reports:
    amounts are whole, non-negative SEK; the outcome of a line is at most its decided amount
    (``outcome_above_decision``) — when more was paid because the decision was changed, correct
    the decided amount too; correcting a decided amount needs a ``note`` saying why.

    Raises PermissionDenied (not an officer, or the project is not granted, running or in its
    final-report stage) or ValidationError keyed ``financing_lines`` / ``note``.
    """
    locked = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    project.status = locked.status
    if not can_record_outcome(actor, project):
        raise PermissionDenied
    lines = {ln.pk: ln for ln in project.financing_lines.select_for_update().order_by("pk")}
    errors: list[str] = []
    if unknown := set(map(int, amounts)) - set(lines):
        errors.append(
            _("Financing lines %(ids)s do not belong to this project.")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))}
        )
    changes: dict[str, list[int]] = {}
    decided_changed = False
    for line_id, values in amounts.items():
        line = lines.get(int(line_id))
        if line is None:
            continue
        label = {"financier": line.financier, "year": line.year}
        new = {}
        for name in ("decided_sek", "outcome_sek"):
            value = values.get(name)
            if value in (None, ""):
                new[name] = getattr(line, name)
                continue
            try:
                new[name] = int(value)
            except (TypeError, ValueError):
                new[name] = None
        if None in new.values():
            errors.append(_("%(financier)s %(year)s: give whole SEK.") % label)
            continue
        if new["decided_sek"] < 0 or new["outcome_sek"] < 0:
            errors.append(_("%(financier)s %(year)s: amounts cannot be negative.") % label)
            continue
        if new["outcome_sek"] > new["decided_sek"]:
            errors.append(
                _(
                    "%(financier)s %(year)s: the outcome %(outcome)s SEK is above the decided "
                    "%(decided)s SEK. If the decision was changed, correct the decided amount "
                    "and say why in the note."
                )
                % {**label, "outcome": new["outcome_sek"], "decided": new["decided_sek"]}
            )
            continue
        for name, value in new.items():
            old = getattr(line, name)
            if value != old:
                key = f"line {line.pk} ({line.financier_id}, {line.category}, {line.year})"
                changes[f"{key} {name}"] = [old, value]
                decided_changed |= name == "decided_sek"
                setattr(line, name, value)
    if errors:
        raise ValidationError({FIELD: errors})
    if decided_changed and not note.strip():
        raise ValidationError(
            {"note": _("Say why the decided amount is corrected (e.g. the changed decision).")}
        )
    if changes:
        FinancingLine.objects.bulk_update(lines.values(), ["decided_sek", "outcome_sek"])
        audit.record(
            actor=actor,
            action="project.outcome_recorded",
            obj=project,
            changes={"amounts": changes, **({"note": note.strip()} if note.strip() else {})},
        )
    return list(project.financing_lines.select_related("financier"))
