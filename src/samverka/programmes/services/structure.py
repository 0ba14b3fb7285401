"""The programme structure: importing a whole programme from a YAML or JSON document, and the
figures the programme and measure pages show (computed in the database).

The document shape (keys in English; values in the programme's own language)::

    code: rtp-vasternorrland-2008-2010          # slug, identifies the programme
    name: Regionalt tillväxtprogram …
    period: {start: 2008, end: 2010}
    owner: Länsstyrelsen Västernorrland         # organisation name, created when unknown
    description: …                              # optional
    goal_deadline_year: 2011                    # optional default deadline of measure goals
    criteria:                                   # selection criteria
      - {name: Innovativitet, weight: 1, guidance: …}
    priority_areas:
      - number: 1
        name: Ökad dynamik i länets näringsliv
        goal: …                                 # optional impact goal
        measures:
          - code: "1.1"                         # quote codes: YAML reads 1.1 as a number
            name: …
            purpose: …                          # optional, as are challenges and activities
            goals: ["…", {text: "…", deadline_year: 2013}]
            measures: [...]                     # optional sub-measures, same shape
    stated_figures: [...]                       # optional, see StatedFigure

Importing the same ``code`` again updates the programme in place: priority areas are matched
on number, measures on code, criteria on name; each measure's goals and the stated figures are
replaced by those in the file. Nothing that carries work is deleted: a measure that is missing
from the file but has projects or calls is kept (with its parents and priority area) and the
report warns about it; so is a criterion that assessments or calls use. Everything else missing
from the file is removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.core import audit
from samverka.core.importing import BIGINT_MAX, ImportReport
from samverka.core.models import AuditEntry
from samverka.programmes.enums import (
    GRANTED_STATUSES,
    FigureMetric,
    FinancierCategory,
)
from samverka.programmes.models import (
    FinancingLine,
    Measure,
    MeasureGoal,
    PriorityArea,
    Programme,
    Project,
    SelectionCriterion,
    StatedFigure,
)

HELP = (
    "A whole programme structure as YAML or JSON: code, name, period {start, end}, owner, "
    "criteria (name, weight, guidance), priority_areas (number, name, goal, measures with code, "
    "name, purpose, challenges, activities, goals and sub-measures), stated_figures. "
    "Importing the same code again updates the programme without losing projects."
)

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_YEARS = (1900, 2200)
_MAX_WEIGHT = Decimal("9999.99")


# --------------------------------------------------------------------------------------------
# Reading and validating the document
# --------------------------------------------------------------------------------------------


@dataclass
class ProgrammeImportReport(ImportReport):
    """An import report for one document: errors are named by their path in the document
    (``column`` holds the path, ``row`` is 0), and warnings tell what was kept on purpose."""

    warnings: list[str] = field(default_factory=list)
    programme_code: str = ""

    def summary(self) -> str:
        if self.file_error:
            return _("Nothing imported: %(reason)s") % {"reason": self.file_error}
        if self.errors:
            return ngettext(
                "Nothing imported: the document has %(count)d problem.",
                "Nothing imported: the document has %(count)d problems.",
                self.error_count,
            ) % {"count": self.error_count}
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            text = (
                _(
                    "Checked the programme: would create %(created)d, update %(updated)d and leave "
                    "%(unchanged)d parts unchanged."
                )
                % counts
            )
        else:
            text = (
                _(
                    "Imported the programme: %(created)d parts created, %(updated)d updated, "
                    "%(unchanged)d unchanged."
                )
                % counts
            )
        if self.warnings:
            text += " " + " ".join(self.warnings)
        return text


@dataclass
class _GoalSpec:
    text: str
    deadline_year: int | None


@dataclass
class _MeasureSpec:
    path: str
    code: str
    name: str
    purpose: str
    challenges: str
    activities: str
    goals: list[_GoalSpec]
    sub_measures: list[_MeasureSpec]


@dataclass
class _AreaSpec:
    number: int
    name: str
    goal: str
    measures: list[_MeasureSpec]


@dataclass
class _CriterionSpec:
    name: str
    weight: Decimal
    guidance: str


@dataclass
class _FigureSpec:
    label: str
    metric: str
    category: str
    year_from: int
    year_to: int
    amount_sek: int
    tolerance_sek: int


@dataclass
class _ProgrammeSpec:
    code: str
    name: str
    start_year: int
    end_year: int
    owner: str
    description: str
    criteria: list[_CriterionSpec]
    areas: list[_AreaSpec]
    figures: list[_FigureSpec] | None  # None: the file says nothing, keep what is stored


class _DocumentError(Exception):
    """The file cannot be read as a YAML or JSON document."""


def _read_document(file: IO[bytes] | IO[str], filename: str) -> Any:
    limit = settings.SAMVERKA_IMPORT_MAX_BYTES
    data = file.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise _DocumentError(_("the file is larger than %(mb)d MB") % {"mb": limit // 1_000_000})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _DocumentError(
            _("the file is not UTF-8 text (byte %(pos)d)") % {"pos": exc.start + 1}
        ) from exc
    if not text.strip():
        raise _DocumentError(_("the file is empty"))
    if filename.lower().endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _DocumentError(
                _("the JSON cannot be read at line %(line)d, column %(column)d: %(error)s")
                % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
            ) from exc
    # JSON is YAML too, so anything not named .json is read as YAML.
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            raise _DocumentError(
                _("the YAML cannot be read at line %(line)d, column %(column)d: %(error)s")
                % {"line": mark.line + 1, "column": mark.column + 1, "error": problem}
            ) from exc
        raise _DocumentError(_("the YAML cannot be read: %(error)s") % {"error": problem}) from exc


class _Checker:
    """Validates the document and collects every problem with its path."""

    def __init__(self, report: ProgrammeImportReport) -> None:
        self.report = report

    def error(self, path: str, message: str) -> None:
        self.report.add_error(0, path, message)

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, _("must be a mapping of keys and values"))
            return None
        for key in value:
            if key not in allowed:
                self.error(
                    _join(path, str(key)),
                    _("unknown key (expected one of: %(keys)s)")
                    % {"keys": ", ".join(sorted(allowed))},
                )
        return value

    def items(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> list[Any]:
        value = data.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.error(where, _("missing"))
            return []
        if not isinstance(value, list):
            self.error(where, _("must be a list"))
            return []
        return value

    def text(
        self, data: dict[str, Any], key: str, path: str, *, required: bool, max_length: int = 0
    ) -> str:
        value = data.get(key)
        where = _join(path, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(where, _("missing"))
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            if isinstance(value, float):
                self.error(
                    where,
                    _('must be text; put it in quotes, e.g. "%(value)s"') % {"value": value},
                )
            else:
                self.error(where, _("must be text"))
            return ""
        text = str(value).strip()
        if max_length and len(text) > max_length:
            self.error(where, _("is longer than %(max)d characters") % {"max": max_length})
        return text

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = data.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.error(where, _("missing"))
            return None
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            value = int(value.strip())  # not str.isdigit(): "²" is a digit int() cannot read
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, _("must be a whole number"))
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            if maximum is None:
                self.error(where, _("must be a whole number ≥ %(min)d") % {"min": minimum})
            else:
                self.error(
                    where,
                    _("must be a whole number from %(min)d to %(max)d")
                    % {"min": minimum, "max": maximum},
                )
            return None
        return value

    def year(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> int | None:
        return self.integer(
            data, key, path, required=required, minimum=_YEARS[0], maximum=_YEARS[1]
        )


def _has_nul(value: Any) -> bool:
    """True when a text anywhere in the document holds NUL, which PostgreSQL cannot store (JSON
    can escape it as \\u0000; YAML refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _validate(data: Any, report: ProgrammeImportReport) -> _ProgrammeSpec | None:
    check = _Checker(report)
    doc = check.mapping(
        data,
        "",
        {
            "code",
            "name",
            "period",
            "owner",
            "description",
            "goal_deadline_year",
            "criteria",
            "priority_areas",
            "stated_figures",
        },
    )
    if doc is None:
        return None

    code = check.text(doc, "code", "", required=True, max_length=40)
    if code and not _SLUG.match(code):
        check.error(
            "code", _("must be lower-case letters, digits and hyphens, e.g. rtp-lan-2008-2010")
        )
    name = check.text(doc, "name", "", required=True, max_length=200)
    owner = check.text(doc, "owner", "", required=False, max_length=200)
    description = check.text(doc, "description", "", required=False)

    start = end = None
    period = doc.get("period")
    if period is None:
        check.error("period", _("missing"))
    elif check.mapping(period, "period", {"start", "end"}) is not None:
        start = check.year(period, "start", "period", required=True)
        end = check.year(period, "end", "period", required=True)
        if start is not None and end is not None and end < start:
            check.error("period.end", _("must not be before period.start"))
    default_deadline = check.year(doc, "goal_deadline_year", "", required=False)

    criteria: list[_CriterionSpec] = []
    criterion_names: dict[str, str] = {}
    for index, raw in enumerate(check.items(doc, "criteria", "", required=True)):
        path = f"criteria[{index}]"
        item = check.mapping(raw, path, {"name", "weight", "guidance"})
        if item is None:
            continue
        criterion_name = check.text(item, "name", path, required=True, max_length=300)
        weight = _weight(check, item, path)
        guidance = check.text(item, "guidance", path, required=False)
        if criterion_name:
            seen = criterion_names.get(criterion_name.casefold())
            if seen:
                check.error(
                    f"{path}.name",
                    _("duplicate criterion %(name)r (also at %(path)s)")
                    % {"name": criterion_name, "path": seen},
                )
            else:
                criterion_names[criterion_name.casefold()] = path
        if criterion_name and weight is not None:
            criteria.append(_CriterionSpec(criterion_name, weight, guidance))

    areas: list[_AreaSpec] = []
    numbers: dict[int, str] = {}
    codes: dict[str, str] = {}
    raw_areas = check.items(doc, "priority_areas", "", required=True)
    if isinstance(doc.get("priority_areas"), list) and not raw_areas:
        check.error("priority_areas", _("must hold at least one priority area"))
    for index, raw in enumerate(raw_areas):
        path = f"priority_areas[{index}]"
        item = check.mapping(raw, path, {"number", "name", "goal", "measures"})
        if item is None:
            continue
        number = check.integer(item, "number", path, required=True, minimum=1, maximum=999)
        if number is not None:
            if number in numbers:
                check.error(
                    f"{path}.number",
                    _("duplicate priority area number %(number)d (also at %(path)s)")
                    % {"number": number, "path": numbers[number]},
                )
            else:
                numbers[number] = path
        area_name = check.text(item, "name", path, required=True, max_length=300)
        goal = check.text(item, "goal", path, required=False)
        measures = _measures(check, item, path, codes, default_deadline)
        if number is not None and area_name:
            areas.append(_AreaSpec(number, area_name, goal, measures))

    figures = None
    if "stated_figures" in doc:
        figures = []
        labels: dict[str, str] = {}
        for index, raw in enumerate(check.items(doc, "stated_figures", "", required=False)):
            path = f"stated_figures[{index}]"
            figure = _figure(check, raw, path)
            if figure is None:
                continue
            if figure.label in labels:
                check.error(
                    f"{path}.label",
                    _("duplicate label %(label)r (also at %(path)s)")
                    % {"label": figure.label, "path": labels[figure.label]},
                )
                continue
            labels[figure.label] = path
            figures.append(figure)

    if not report.ok or start is None or end is None:
        return None
    return _ProgrammeSpec(code, name, start, end, owner, description, criteria, areas, figures)


def _weight(check: _Checker, item: dict[str, Any], path: str) -> Decimal | None:
    value = item.get("weight")
    where = f"{path}.weight"
    if value is None:
        check.error(where, _("missing"))
        return None
    message = _("must be a number ≥ 0")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        check.error(where, message)
        return None
    try:
        weight = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        check.error(where, message)
        return None
    if not weight.is_finite() or weight < 0:
        check.error(where, message)
        return None
    if weight > _MAX_WEIGHT or weight != weight.quantize(Decimal("0.01")):
        check.error(where, _("must be at most 9999.99 with at most two decimals"))
        return None
    return weight.quantize(Decimal("0.01"))  # as stored, so that re-imports compare equal


def _measures(
    check: _Checker,
    item: dict[str, Any],
    path: str,
    codes: dict[str, str],
    default_deadline: int | None,
) -> list[_MeasureSpec]:
    specs = []
    for index, raw in enumerate(check.items(item, "measures", path, required=False)):
        here = f"{path}.measures[{index}]"
        measure = check.mapping(
            raw,
            here,
            {"code", "name", "purpose", "challenges", "activities", "goals", "measures"},
        )
        if measure is None:
            continue
        code = check.text(measure, "code", here, required=True, max_length=20)
        if code:
            if code in codes:
                check.error(
                    f"{here}.code",
                    _("duplicate measure code %(code)r (also at %(path)s)")
                    % {"code": code, "path": codes[code]},
                )
            else:
                codes[code] = here
        name = check.text(measure, "name", here, required=True, max_length=300)
        goals = []
        for goal_index, raw_goal in enumerate(check.items(measure, "goals", here, required=False)):
            goal_path = f"{here}.goals[{goal_index}]"
            if isinstance(raw_goal, str):
                if raw_goal.strip():
                    goals.append(_GoalSpec(raw_goal.strip(), default_deadline))
                else:
                    check.error(goal_path, _("missing"))
                continue
            goal = check.mapping(raw_goal, goal_path, {"text", "deadline_year"})
            if goal is None:
                continue
            text = check.text(goal, "text", goal_path, required=True)
            deadline = check.year(goal, "deadline_year", goal_path, required=False)
            if text:
                goals.append(
                    _GoalSpec(text, deadline if deadline is not None else default_deadline)
                )
        specs.append(
            _MeasureSpec(
                path=here,
                code=code,
                name=name,
                purpose=check.text(measure, "purpose", here, required=False),
                challenges=check.text(measure, "challenges", here, required=False),
                activities=check.text(measure, "activities", here, required=False),
                goals=goals,
                sub_measures=_measures(check, measure, here, codes, default_deadline),
            )
        )
    return specs


def _figure(check: _Checker, raw: Any, path: str) -> _FigureSpec | None:
    item = check.mapping(
        raw,
        path,
        {"label", "metric", "category", "year_from", "year_to", "amount_sek", "tolerance_sek"},
    )
    if item is None:
        return None
    errors_before = check.report.error_count
    label = check.text(item, "label", path, required=True, max_length=200)
    metric = check.text(item, "metric", path, required=True)
    if metric and metric not in FigureMetric.values:
        check.error(
            f"{path}.metric",
            _("unknown metric %(value)r (use one of: %(choices)s)")
            % {"value": metric, "choices": ", ".join(FigureMetric.values)},
        )
    category = check.text(item, "category", path, required=False)
    if category == "total":
        category = ""
    if category and category not in FinancierCategory.values:
        check.error(
            f"{path}.category",
            _("unknown financier category %(value)r (use one of: %(choices)s, or leave it out)")
            % {"value": category, "choices": ", ".join(FinancierCategory.values)},
        )
    year_from = check.year(item, "year_from", path, required=True)
    year_to = check.year(item, "year_to", path, required=True)
    if year_from is not None and year_to is not None and year_to < year_from:
        check.error(f"{path}.year_to", _("must not be before year_from"))
    amount = check.integer(item, "amount_sek", path, required=True, minimum=0, maximum=BIGINT_MAX)
    tolerance = check.integer(
        item, "tolerance_sek", path, required=False, minimum=0, maximum=BIGINT_MAX
    )
    if check.report.error_count != errors_before or None in (year_from, year_to, amount):
        return None
    return _FigureSpec(label, metric, category, year_from, year_to, amount, tolerance or 0)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def import_programme(
    file: IO[bytes] | IO[str], *, filename: str = "", actor: Any = None, dry_run: bool = False
) -> ProgrammeImportReport:
    """Import (or update) a whole programme structure from a YAML or JSON document.

    The whole document is validated first; every problem is reported with its path in the
    document (``priority_areas[1].measures[0].code: missing``) and then nothing is written.
    A valid document is written in one transaction (rolled back again for a dry run).
    """
    report = ProgrammeImportReport(kind="programme", dry_run=dry_run)
    try:
        data = _read_document(file, filename)
    except _DocumentError as exc:
        report.file_error = str(exc)
        return report
    if _has_nul(data):
        report.file_error = _("the document contains a NUL character")
        return report
    spec = _validate(data, report)
    if spec is None:
        if report.ok:  # the period was unusable without a reported error; cannot happen
            report.file_error = _("the document is not a programme")
        return report
    report.programme_code = spec.code
    with transaction.atomic():
        _Writer(spec, report, actor).write()
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Writer:
    def __init__(self, spec: _ProgrammeSpec, report: ProgrammeImportReport, actor: Any) -> None:
        self.spec = spec
        self.report = report
        self.actor = actor
        self.entries: list[AuditEntry] = []
        self.position = 0

    def count(self, created: bool, changed: bool) -> None:
        self.report.rows += 1
        if created:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def save(self, obj: Any, values: dict[str, Any], action: str) -> bool:
        """Create or update ``obj`` with ``values``; audit and count it. True when changed."""
        created = obj.pk is None
        before = audit.snapshot(obj, list(values)) if not created else {}
        for name, value in values.items():
            setattr(obj, name, value)
        changes = audit.diff(before, audit.snapshot(obj, list(values))) if not created else {}
        if created or changes:
            obj.save()
            self.entries.append(
                audit.entry(
                    actor=self.actor,
                    action=f"{action}.{'created' if created else 'imported'}",
                    obj=obj,
                    changes=changes,
                )
            )
        self.count(created, bool(changes))
        return created or bool(changes)

    def write(self) -> None:
        spec = self.spec
        programme = Programme.objects.filter(code=spec.code).first() or Programme(code=spec.code)
        self.save(
            programme,
            {
                "name": spec.name,
                "start_year": spec.start_year,
                "end_year": spec.end_year,
                "owner": self._owner(spec.owner),
                "description": spec.description,
            },
            "programme",
        )
        self._criteria(programme)
        self._structure(programme)
        if spec.figures is not None:
            self._figures(programme)
        AuditEntry.objects.bulk_create(self.entries, batch_size=500)

    def _owner(self, name: str) -> Organisation | None:
        if not name:
            return None
        owner = Organisation.objects.filter(name__iexact=name).order_by("pk").first()
        if owner is None:
            owner = Organisation.objects.create(name=name, helix=Helix.PUBLIC)
            self.entries.append(
                audit.entry(actor=self.actor, action="organisation.created", obj=owner)
            )
        return owner

    def _criteria(self, programme: Programme) -> None:
        existing = {c.name: c for c in programme.criteria.all()} if programme.pk else {}
        for position, criterion in enumerate(self.spec.criteria):
            obj = existing.pop(criterion.name, None) or SelectionCriterion(
                programme=programme, name=criterion.name
            )
            self.save(
                obj,
                {"weight": criterion.weight, "guidance": criterion.guidance, "position": position},
                "criterion",
            )
        if not existing:
            return
        in_use = set(
            SelectionCriterion.objects.filter(pk__in=[c.pk for c in existing.values()])
            .filter(Q(pk__in=_score_criterion_ids()) | Q(pk__in=_call_criterion_ids()))
            .values_list("pk", flat=True)
        )
        for criterion in existing.values():
            if criterion.pk in in_use:
                self.report.warnings.append(
                    _(
                        "The criterion %(name)r is not in the file but assessments or calls use "
                        "it, so it was kept."
                    )
                    % {"name": criterion.name}
                )
                continue
            self.entries.append(
                audit.entry(actor=self.actor, action="criterion.deleted", obj=criterion)
            )
            criterion.delete()

    def _structure(self, programme: Programme) -> None:
        areas = {a.number: a for a in programme.priority_areas.all()}
        measures = {m.code: m for m in programme.measures.prefetch_related("goals")}
        seen_areas: set[int] = set()
        seen_measures: set[str] = set()
        for spec in self.spec.areas:
            area = areas.get(spec.number) or PriorityArea(programme=programme, number=spec.number)
            self.save(area, {"name": spec.name, "goal": spec.goal}, "priority_area")
            areas[spec.number] = area
            seen_areas.add(spec.number)
            for measure in spec.measures:
                self._measure(programme, area, None, measure, measures, seen_measures)

        leftovers = {code: m for code, m in measures.items() if code not in seen_measures}
        protected = set(
            Measure.objects.filter(pk__in=[m.pk for m in leftovers.values()])
            .filter(Q(projects__isnull=False) | Q(calls__isnull=False))
            .values_list("pk", flat=True)
        )
        # A kept measure needs its parents (deleting a parent would cascade to it).
        by_pk = {m.pk: m for m in measures.values()}
        keep: set[int] = set()
        for pk in protected:
            node: Measure | None = by_pk[pk]
            while node is not None and node.pk not in keep:
                keep.add(node.pk)
                node = by_pk.get(node.parent_id) if node.parent_id else None
        for code, measure in sorted(leftovers.items()):
            if measure.pk in protected:
                self.report.warnings.append(
                    _(
                        "The measure %(code)s is not in the file but has projects or calls, "
                        "so it was kept."
                    )
                    % {"code": code}
                )
        doomed = [m for m in leftovers.values() if m.pk not in keep]
        for measure in doomed:
            self.entries.append(
                audit.entry(actor=self.actor, action="measure.deleted", obj=measure)
            )
        Measure.objects.filter(pk__in=[m.pk for m in doomed]).delete()

        kept_area_ids = set(
            Measure.objects.filter(programme=programme).values_list("priority_area_id", flat=True)
        )
        for number, area in sorted(areas.items()):
            if number in seen_areas:
                continue
            if area.pk in kept_area_ids:
                self.report.warnings.append(
                    _(
                        "The priority area %(number)d is not in the file but holds measures "
                        "with projects, so it was kept."
                    )
                    % {"number": number}
                )
                continue
            self.entries.append(
                audit.entry(actor=self.actor, action="priority_area.deleted", obj=area)
            )
            area.delete()

    def _measure(
        self,
        programme: Programme,
        area: PriorityArea,
        parent: Measure | None,
        spec: _MeasureSpec,
        existing: dict[str, Measure],
        seen: set[str],
    ) -> None:
        measure = existing.get(spec.code) or Measure(programme=programme, code=spec.code)
        is_new = measure.pk is None
        current = [] if is_new else [(g.text, g.deadline_year) for g in measure.goals.all()]
        changed = self.save(
            measure,
            {
                "priority_area": area,
                "parent": parent,
                "name": spec.name,
                "purpose": spec.purpose,
                "challenges": spec.challenges,
                "activities": spec.activities,
                "position": self.position,
            },
            "measure",
        )
        self.position += 1
        seen.add(spec.code)
        wanted = [(g.text, g.deadline_year) for g in spec.goals]
        if current != wanted:
            self._sync_goals(measure, spec)
            if not changed:
                # The measure was counted unchanged; new goals make it updated.
                self.report.unchanged -= 1
                self.report.updated += 1
            if not is_new:
                self.entries.append(
                    audit.entry(
                        actor=self.actor,
                        action="measure.goals_changed",
                        obj=measure,
                        changes={"goals": [[t for t, _y in current], [t for t, _y in wanted]]},
                    )
                )
        for sub in spec.sub_measures:
            self._measure(programme, area, measure, sub, existing, seen)

    @staticmethod
    def _sync_goals(measure: Measure, spec: _MeasureSpec) -> None:
        """Make the measure's goals those of the file, in its order. A goal whose text is still
        there keeps its row, and with it the indicator, baseline and target set on it; only
        goals no longer in the file are deleted."""
        by_text: dict[str, list[MeasureGoal]] = {}
        for goal in measure.goals.order_by("position", "pk"):
            by_text.setdefault(goal.text, []).append(goal)
        keep, create = [], []
        for position, goal_spec in enumerate(spec.goals):
            matches = by_text.get(goal_spec.text)
            if matches:
                goal = matches.pop(0)
                goal.deadline_year, goal.position = goal_spec.deadline_year, position
                keep.append(goal)
            else:
                create.append(
                    MeasureGoal(
                        measure=measure,
                        text=goal_spec.text,
                        deadline_year=goal_spec.deadline_year,
                        position=position,
                    )
                )
        leftovers = [goal.pk for goals in by_text.values() for goal in goals]
        MeasureGoal.objects.filter(pk__in=leftovers).delete()
        MeasureGoal.objects.bulk_update(keep, ["deadline_year", "position"])
        MeasureGoal.objects.bulk_create(create)

    def _figures(self, programme: Programme) -> None:
        """Stated figures are matched on label, so that figures the file does not name are
        removed and the others are updated in place."""
        assert self.spec.figures is not None
        existing = {f.label: f for f in programme.stated_figures.all()}
        for spec in self.spec.figures:
            figure = existing.pop(spec.label, None) or StatedFigure(
                programme=programme, label=spec.label
            )
            self.save(
                figure,
                {
                    "metric": spec.metric,
                    "category": spec.category,
                    "year_from": spec.year_from,
                    "year_to": spec.year_to,
                    "amount_sek": spec.amount_sek,
                    "tolerance_sek": spec.tolerance_sek,
                },
                "stated_figure",
            )
        for figure in existing.values():
            self.entries.append(
                audit.entry(actor=self.actor, action="stated_figure.deleted", obj=figure)
            )
            figure.delete()


def _score_criterion_ids() -> QuerySet[Any]:
    from samverka.programmes.models import Score

    return Score.objects.values("criterion_id")


def _call_criterion_ids() -> QuerySet[Any]:
    from samverka.programmes.models import CallCriterion

    return CallCriterion.objects.values("criterion_id")


# --------------------------------------------------------------------------------------------
# Figures for the pages
# --------------------------------------------------------------------------------------------


def _granted_lines() -> QuerySet[FinancingLine]:
    return FinancingLine.objects.filter(project__status__in=GRANTED_STATUSES)


def measures_with_figures(programme: Programme, *, prefetch: tuple[str, ...] = ()) -> list[Measure]:
    """The programme's measures in tree order, each with ``goal_count``, ``project_count``
    (granted projects), ``granted_sek`` (sum of decided) and ``outcome_sek``.

    Four queries whatever the size of the programme (plus one per ``prefetch``): one grouped
    query per figure. Correlated subqueries per measure scanned all granted projects once per
    measure and figure (2.5 s for 20 measures over 16,000 projects).
    """
    measures = list(
        programme.measures.select_related("priority_area")
        .prefetch_related(*prefetch)
        .order_by("position", "code")
    )
    ids = [m.pk for m in measures]
    goals = dict(
        MeasureGoal.objects.filter(measure__in=ids)
        .order_by()
        .values("measure")
        .annotate(n=Count("pk"))
        .values_list("measure", "n")
    )
    projects = dict(
        Project.measures.through.objects.filter(
            measure__in=ids, project__status__in=GRANTED_STATUSES
        )
        .order_by()
        .values("measure")
        .annotate(n=Count("project"))
        .values_list("measure", "n")
    )
    sums = {
        measure: (granted, outcome)
        for measure, granted, outcome in _granted_lines()
        .filter(project__measures__in=ids)
        .order_by()
        .values("project__measures")
        .annotate(granted=Sum("decided_sek"), outcome=Sum("outcome_sek"))
        .values_list("project__measures", "granted", "outcome")
    }
    for measure in measures:
        measure.goal_count = goals.get(measure.pk, 0)
        measure.project_count = projects.get(measure.pk, 0)
        granted, outcome = sums.get(measure.pk, (None, None))
        measure.granted_sek = granted or 0
        measure.outcome_sek = outcome or 0
    return measures


@dataclass
class MeasureNode:
    measure: Measure
    children: list[MeasureNode] = field(default_factory=list)
    depth: int = 0


@dataclass
class AreaNode:
    area: PriorityArea
    measures: list[MeasureNode] = field(default_factory=list)


def programme_tree(programme: Programme) -> list[AreaNode]:
    """Priority areas → measures → sub-measures, with the figures of
    :func:`measures_with_figures`; five queries whatever the size of the programme."""
    nodes = {m.pk: MeasureNode(m) for m in measures_with_figures(programme)}
    areas = {a.pk: AreaNode(a) for a in programme.priority_areas.all()}
    for node in nodes.values():
        parent = nodes.get(node.measure.parent_id) if node.measure.parent_id else None
        if parent is not None:
            parent.children.append(node)
        else:
            areas[node.measure.priority_area_id].measures.append(node)

    def set_depth(node: MeasureNode, depth: int) -> None:
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for area in areas.values():
        for node in area.measures:
            set_depth(node, 0)
    return list(areas.values())


def flatten(tree: list[AreaNode]) -> list[tuple[PriorityArea, MeasureNode]]:
    """The tree in reading order, for exports."""
    rows: list[tuple[PriorityArea, MeasureNode]] = []

    def walk(area: PriorityArea, node: MeasureNode) -> None:
        rows.append((area, node))
        for child in node.children:
            walk(area, child)

    for area_node in tree:
        for node in area_node.measures:
            walk(area_node.area, node)
    return rows


def measure_family_ids(measure: Measure) -> list[int]:
    """The measure and all its sub-measures (any depth)."""
    ids = [measure.pk]
    frontier = [measure.pk]
    while frontier:
        frontier = list(Measure.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


@dataclass
class MeasureFigures:
    """Money of the granted projects of a measure (and its sub-measures), in SEK.

    ``private_share`` is the private financiers' share of the outcome when any outcome is
    reported, otherwise their share of the granted (decided) amount; ``None`` when both are 0.
    ``share_basis`` says which ("outcome" or "granted").
    """

    granted_sek: int
    outcome_sek: int
    private_granted_sek: int
    private_outcome_sek: int

    @property
    def share_basis(self) -> str:
        if self.outcome_sek:
            return "outcome"
        return "granted" if self.granted_sek else ""

    @property
    def private_share(self) -> float | None:
        if self.outcome_sek:
            return self.private_outcome_sek / self.outcome_sek
        if self.granted_sek:
            return self.private_granted_sek / self.granted_sek
        return None

    @property
    def private_share_percent(self) -> float | None:
        share = self.private_share
        return None if share is None else round(share * 100, 1)


def measure_projects(measure_ids: list[int]) -> QuerySet[Project]:
    """Granted projects of the measures, each with ``granted_sek``, ``outcome_sek`` and
    ``private_outcome_sek`` (one query)."""
    private = Q(financing_lines__category=FinancierCategory.PRIVATE)
    return (
        Project.objects.filter(
            pk__in=Project.objects.filter(measures__in=measure_ids).values("pk"),
            status__in=GRANTED_STATUSES,
        )
        .select_related("applicant")
        .annotate(
            granted_sek=Coalesce(Sum("financing_lines__decided_sek"), 0),
            outcome_sek=Coalesce(Sum("financing_lines__outcome_sek"), 0),
            private_outcome_sek=Coalesce(Sum("financing_lines__outcome_sek", filter=private), 0),
        )
        .order_by("reference")
    )


def measure_figures(measure_ids: list[int]) -> MeasureFigures:
    """Totals over the granted projects of the measures; a project in several of them counts
    once. One query."""
    project_ids = Project.objects.filter(
        measures__in=measure_ids, status__in=GRANTED_STATUSES
    ).values("pk")
    private = Q(category=FinancierCategory.PRIVATE)
    totals = FinancingLine.objects.filter(project__in=project_ids).aggregate(
        granted=Coalesce(Sum("decided_sek"), 0),
        outcome=Coalesce(Sum("outcome_sek"), 0),
        private_granted=Coalesce(Sum("decided_sek", filter=private), 0),
        private_outcome=Coalesce(Sum("outcome_sek", filter=private), 0),
    )
    return MeasureFigures(
        granted_sek=totals["granted"],
        outcome_sek=totals["outcome"],
        private_granted_sek=totals["private_granted"],
        private_outcome_sek=totals["private_outcome"],
    )
