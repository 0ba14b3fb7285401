"""Importing projects and their financing lines from CSV or XLSX.

Both importers follow the pattern of ``core.importing``: every row is checked first; if any row
is bad, nothing is written and the report names row, column and reason; otherwise all rows are
written in one transaction with batched inserts. Importing the same file twice changes nothing
the second time: a project is identified by its reference, a financing line by project,
financier, category and year.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.actors.services import normalise_orgnr
from samverka.core import audit
from samverka.core.importing import BIGINT_MAX, ImportFileError, ImportReport, Table, read_table
from samverka.core.models import AuditEntry
from samverka.geo.models import Area
from samverka.programmes.enums import FinancierCategory, ProjectStatus
from samverka.programmes.models import FinancingLine, Measure, Programme, Project, StatusChange

PROJECTS_HELP = (
    "CSV (UTF-8, ',' or ';') or XLSX with the columns reference, title, programme (code), "
    "measure (codes within the programme, several separated by |), applicant_name, "
    "applicant_orgnr, status (draft, submitted, in_assessment, granted, rejected, running, "
    "final_report, closed; English or Swedish words work too), start_date, end_date "
    "(YYYY-MM-DD), and optionally municipalities (codes or names separated by | or ,) and "
    "description. An existing reference updates that project; an unknown applicant is created."
)
FINANCING_HELP = (
    "CSV (UTF-8, ',' or ';') or XLSX with the columns project_reference, financier_name, "
    "financier_category (state, municipal, county_council, eu, private or Statlig, Kommunal, "
    "Landsting, Region, EU, Privat), year, budget_sek, decided_sek, outcome_sek (whole SEK, "
    "spaces allowed as thousands separators, empty = 0). A line with the same project, "
    "financier, category and year updates that line; an unknown financier is created."
)

PROJECT_COLUMNS = {
    "reference": ("reference", "referens", "ärende", "ärende_id"),
    "title": ("title", "titel", "projektnamn"),
    "programme": ("programme", "program", "programme_code"),
    "measure": ("measure", "measures", "åtgärd", "åtgärder"),
    "applicant_name": ("applicant_name", "applicant", "sökande", "stödmottagare"),
    "applicant_orgnr": ("applicant_orgnr", "orgnr", "organisationsnummer"),
    "status": ("status",),
    "start_date": ("start_date", "startdatum", "start"),
    "end_date": ("end_date", "slutdatum", "end"),
    "municipalities": ("municipalities", "kommuner"),
    "description": ("description", "beskrivning", "projektbeskrivning"),
}
PROJECT_REQUIRED = {
    "reference",
    "title",
    "programme",
    "measure",
    "applicant_name",
    "applicant_orgnr",
    "status",
    "start_date",
    "end_date",
}

FINANCING_COLUMNS = {
    "project_reference": ("project_reference", "project", "reference", "projekt"),
    "financier_name": ("financier_name", "financier", "finansiär"),
    "financier_category": ("financier_category", "category", "kategori", "finansiärskategori"),
    "year": ("year", "år"),
    "budget_sek": ("budget_sek", "budget"),
    "decided_sek": ("decided_sek", "decided", "beslutat", "beviljat"),
    "outcome_sek": ("outcome_sek", "outcome", "utfall"),
}
FINANCING_REQUIRED = set(FINANCING_COLUMNS)
AMOUNT_COLUMNS = ("budget_sek", "decided_sek", "outcome_sek")


def _status_key(value: str) -> str:
    return " ".join(value.strip().lower().replace("_", " ").split())


# Status words as people write them: the stored value (also with spaces, as in the English
# labels) and Swedish words.
_STATUS_WORDS: dict[str, ProjectStatus] = {
    **{s.value: s for s in ProjectStatus},
    "utkast": ProjectStatus.DRAFT,
    "inskickad": ProjectStatus.SUBMITTED,
    "inlämnad": ProjectStatus.SUBMITTED,
    "under bedömning": ProjectStatus.IN_ASSESSMENT,
    "bedöms": ProjectStatus.IN_ASSESSMENT,
    "beviljad": ProjectStatus.GRANTED,
    "beviljat": ProjectStatus.GRANTED,
    "avslagen": ProjectStatus.REJECTED,
    "avslag": ProjectStatus.REJECTED,
    "pågående": ProjectStatus.RUNNING,
    "pågår": ProjectStatus.RUNNING,
    "slutrapport": ProjectStatus.FINAL_REPORT,
    "slutrapportering": ProjectStatus.FINAL_REPORT,
    "avslutad": ProjectStatus.CLOSED,
    "avslutat": ProjectStatus.CLOSED,
}
STATUS_ALIASES = {_status_key(word): status for word, status in _STATUS_WORDS.items()}

CATEGORY_ALIASES: dict[str, FinancierCategory] = {
    **{c.value: c for c in FinancierCategory},
    "county council": FinancierCategory.COUNTY_COUNCIL,
    "county council/region": FinancierCategory.COUNTY_COUNCIL,
    "region": FinancierCategory.COUNTY_COUNCIL,
    "statlig": FinancierCategory.STATE,
    "stat": FinancierCategory.STATE,
    "kommunal": FinancierCategory.MUNICIPAL,
    "kommun": FinancierCategory.MUNICIPAL,
    "landsting": FinancierCategory.COUNTY_COUNCIL,
    "landsting/region": FinancierCategory.COUNTY_COUNCIL,
    "privat": FinancierCategory.PRIVATE,
}

# Words in an organisation's name that tell its helix type when an import has to create it.
_PUBLIC_WORDS = re.compile(
    r"kommun\b|region|landsting|länsstyrelse|myndighet|verket\b|styrelsen\b", re.IGNORECASE
)
_ACADEMIA_WORDS = re.compile(r"universitet|högskola", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"[|,]")
_THOUSANDS = re.compile(r"[\s\u00a0\u202f]")


def guess_helix(name: str) -> str:
    """The helix type of an organisation an import creates, guessed from its name."""
    if _ACADEMIA_WORDS.search(name):
        return Helix.ACADEMIA
    if _PUBLIC_WORDS.search(name):
        return Helix.PUBLIC
    return Helix.COMPANY


def municipality_key(name: str) -> str:
    """A municipality name reduced for matching: case, spaces, hyphens and a trailing
    "kommun" do not count, so "UpplandsVäsby", "upplands-väsby" and "Upplands Väsby kommun"
    are the same."""
    key = name.strip().lower()
    key = re.sub(r"\s*kommun$", "", key)
    return re.sub(r"[\s\-\u00a0]", "", key)


class MunicipalityIndex:
    """Municipalities by code and by reduced name (see ``municipality_key``)."""

    def __init__(self) -> None:
        self.by_code: dict[str, Area] = {}
        self.by_key: dict[str, Area] = {}
        for area in Area.objects.municipalities():
            self.by_code[area.code] = area
            self.by_key[municipality_key(area.name)] = area

    def find(self, text: str) -> Area | None:
        text = text.strip()
        if text.isdigit():
            return self.by_code.get(text.zfill(4))  # Excel drops Stockholm county's leading 0
        key = municipality_key(text)
        area = self.by_key.get(key)
        if area is None and text.lower().endswith("kommun") and key.endswith("s"):
            area = self.by_key.get(key[:-1])  # genitive: "Arjeplogs kommun"
        return area


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATOR.split(text) if part.strip()]


def _header_map(headers: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower().replace("-", "_").replace(" ", "_")
        for canonical, aliases in columns.items():
            if key in aliases:
                positions.setdefault(canonical, index)
                break
    return positions


def _open(
    report: ImportReport,
    file: IO[bytes] | IO[str],
    filename: str,
    columns: dict[str, tuple[str, ...]],
    required: set[str],
) -> tuple[Table, dict[str, int]] | None:
    """Read the table and map its headers; None (with the report's file error) when unusable."""
    try:
        table = read_table(file, filename=filename)
    except ImportFileError as exc:
        report.file_error = str(exc)
        return None
    positions = _header_map(table.headers, columns)
    missing = [column for column in columns if column in required and column not in positions]
    if missing:
        report.file_error = _("missing column(s): %(columns)s (found: %(found)s)") % {
            "columns": ", ".join(missing),
            "found": ", ".join(table.headers) or "-",
        }
        return None
    return table, positions


def _data_rows(table: Table, positions: dict[str, int]) -> Iterable[tuple[int, dict[str, str]]]:
    """(file row number, {column: stripped cell}) for every non-empty row."""
    for offset, raw in enumerate(table.rows):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {
            column: (raw[index].strip() if index < len(raw) else "")
            for column, index in positions.items()
        }
        yield table.first_row + offset, cells


def _parse_date(report: ImportReport, number: int, column: str, text: str) -> datetime.date | None:
    if not text:
        return None
    # XLSX date cells arrive as "2017-01-02 00:00:00".
    candidate = text[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?", text) else text
    try:
        return datetime.date.fromisoformat(candidate)
    except ValueError:
        report.add_error(
            number, column, _("%(value)r is not a date as YYYY-MM-DD") % {"value": text}
        )
        return None


def _parse_amount(report: ImportReport, number: int, column: str, text: str) -> int:
    """Whole SEK; spaces separate thousands ("1 234 500"); an empty cell is 0."""
    cleaned = _THOUSANDS.sub("", text)
    if not cleaned:
        return 0
    if not re.fullmatch(r"[+-]?\d+", cleaned):
        report.add_error(
            number, column, _("%(value)r is not a whole number of SEK") % {"value": text}
        )
        return 0
    amount = int(cleaned)
    if amount > BIGINT_MAX:  # the amount columns are bigint
        report.add_error(
            number, column, _("%(value)s is larger than any amount can be") % {"value": text}
        )
        return 0
    if amount < 0:
        report.add_error(
            number, column, _("%(value)s is negative; amounts cannot be") % {"value": text}
        )
        return 0
    return amount


def _finish(report: ImportReport) -> bool:
    """Order the errors by row; True when the rows may be written."""
    report.errors.sort(key=lambda error: error.row)
    if report.ok and report.rows == 0:
        report.file_error = _("the file has a header but no data rows")
    return report.ok


class _OrganisationResolver:
    """Finds organisations by organisation number, else by exact name; creates the rest in one
    batch. Rows naming the same unknown organisation get one new organisation."""

    def __init__(self, wanted: list[tuple[str, str | None, str]]) -> None:
        """``wanted``: (name, orgnr or None, helix for a new one)."""
        self.by_orgnr = {
            o.orgnr: o
            for o in Organisation.objects.filter(orgnr__in={w[1] for w in wanted if w[1]})
        }
        self.by_name: dict[str, Organisation] = {}
        for org in Organisation.objects.filter(name__in={w[0] for w in wanted}).order_by("pk"):
            self.by_name.setdefault(org.name, org)
        self.new: dict[str, Organisation] = {}
        self.filled: list[Organisation] = []
        for name, orgnr, helix in wanted:
            if self.find(name, orgnr) is None:
                key = orgnr or f"name:{name}"
                self.new.setdefault(key, Organisation(name=name, orgnr=orgnr, helix=helix))

    def find(self, name: str, orgnr: str | None) -> Organisation | None:
        if orgnr and orgnr in self.by_orgnr:
            return self.by_orgnr[orgnr]
        org = self.by_name.get(name)
        if org is not None and (not orgnr or not org.orgnr):
            if orgnr and org.orgnr is None:
                # An organisation known by name only learns its number from the import.
                org.orgnr = orgnr
                self.by_orgnr[orgnr] = org
                self.filled.append(org)
            return org
        if orgnr:
            return self.new.get(orgnr)
        return self.new.get(f"name:{name}")

    def save(self, actor: Any) -> list[AuditEntry]:
        """Write the new organisations and numbers learnt; return their audit entries."""
        for org in self.filled:
            org.save(update_fields=["orgnr", "updated"])
        created = Organisation.objects.bulk_create(list(self.new.values()), batch_size=500)
        return [
            audit.entry(
                actor=actor,
                action="organisation.imported",
                obj=org,
                changes={"orgnr": [None, org.orgnr]},
            )
            for org in self.filled
        ] + [audit.entry(actor=actor, action="organisation.imported", obj=o) for o in created]


# --- projects -----------------------------------------------------------------------------


@dataclass
class _ProjectRow:
    number: int
    reference: str
    values: dict[str, Any]
    applicant_name: str
    applicant_orgnr: str | None
    measures: list[Measure]
    municipalities: list[Area] | None  # None: the file has no municipalities column
    applicant: Organisation | None = field(default=None)


PROJECT_FIELDS = ["title", "programme", "applicant", "status", "start_date", "end_date"]


def _project_state(project: Project, measures: Iterable[Measure], areas: Iterable[Area] | None):
    state = audit.snapshot(project, [*PROJECT_FIELDS, "description"])
    state["measures"] = sorted(m.code for m in measures)
    if areas is not None:
        state["municipalities"] = sorted(a.code for a in areas)
    return state


def import_projects(
    file: IO[bytes] | IO[str], *, filename: str = "", actor: Any = None, dry_run: bool = False
) -> ImportReport:
    """Import projects; an existing reference updates that project (measures and, when the file
    has the column, municipalities are replaced; an empty description keeps the current one).

    Applicants are found by organisation number, else by exact name, else created. A status
    change is recorded in the project's history. Raises nothing: problems are in the report.
    """
    report = ImportReport(kind="projects", dry_run=dry_run)
    opened = _open(report, file, filename, PROJECT_COLUMNS, PROJECT_REQUIRED)
    if opened is None:
        return report
    table, positions = opened
    has_municipalities = "municipalities" in positions

    programmes = {p.code: p for p in Programme.objects.all()}
    measures = {(m.programme_id, m.code): m for m in Measure.objects.all()}
    municipalities = MunicipalityIndex()
    rows_in = list(_data_rows(table, positions))
    existing_programme = dict(
        Project.objects.filter(reference__in=[c["reference"] for _, c in rows_in]).values_list(
            "reference", "programme__code"
        )
    )

    rows: list[_ProjectRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows_in:
        report.rows += 1
        errors_before = report.error_count

        reference = cells["reference"]
        if not reference:
            report.add_error(number, "reference", _("missing reference"))
        elif len(reference) > 40:
            report.add_error(number, "reference", _("reference is longer than 40 characters"))
        elif reference in seen:
            report.add_error(
                number,
                "reference",
                _("reference %(reference)s already appears on row %(row)d")
                % {"reference": reference, "row": seen[reference]},
            )
        else:
            seen[reference] = number

        title = cells["title"]
        if not title:
            report.add_error(number, "title", _("missing title"))
        elif len(title) > 300:
            report.add_error(number, "title", _("title is longer than 300 characters"))

        code = cells["programme"]
        programme = programmes.get(code)
        if not code:
            report.add_error(number, "programme", _("missing programme code"))
        elif programme is None:
            report.add_error(number, "programme", _("unknown programme %(code)r") % {"code": code})
        elif existing_programme.get(reference, code) != code:
            report.add_error(
                number,
                "programme",
                _("project %(reference)s belongs to programme %(other)s and cannot move")
                % {"reference": reference, "other": existing_programme[reference]},
            )

        row_measures = []
        if programme is not None:
            for measure_code in (p.strip() for p in cells["measure"].split("|")):
                if not measure_code:
                    continue
                measure = measures.get((programme.pk, measure_code))
                if measure is None:
                    report.add_error(
                        number,
                        "measure",
                        _("programme %(programme)s has no measure %(code)r")
                        % {"programme": programme.code, "code": measure_code},
                    )
                elif measure not in row_measures:
                    row_measures.append(measure)

        applicant_name = " ".join(cells["applicant_name"].split())
        if not applicant_name:
            report.add_error(number, "applicant_name", _("missing applicant name"))
        elif len(applicant_name) > 200:
            report.add_error(
                number, "applicant_name", _("applicant name is longer than 200 characters")
            )
        try:
            orgnr = normalise_orgnr(cells["applicant_orgnr"])
        except ValidationError as exc:
            report.add_error(number, "applicant_orgnr", exc.messages[0])
            orgnr = None

        status_text = cells["status"]
        status = STATUS_ALIASES.get(_status_key(status_text))
        if not status_text:
            report.add_error(number, "status", _("missing status"))
        elif status is None:
            report.add_error(
                number,
                "status",
                _("unknown status %(value)r (use one of: %(choices)s)")
                % {"value": status_text, "choices": ", ".join(ProjectStatus.values)},
            )

        start = _parse_date(report, number, "start_date", cells["start_date"])
        end = _parse_date(report, number, "end_date", cells["end_date"])
        if start and end and end < start:
            report.add_error(
                number,
                "end_date",
                _("the end date %(end)s is before the start date %(start)s")
                % {"end": end, "start": start},
            )

        row_areas: list[Area] | None = None
        if has_municipalities:
            row_areas = []
            for part in split_list(cells["municipalities"]):
                area = municipalities.find(part)
                if area is None:
                    report.add_error(
                        number,
                        "municipalities",
                        _("unknown municipality %(value)r") % {"value": part},
                    )
                elif area not in row_areas:
                    row_areas.append(area)

        if report.error_count == errors_before:
            values = {
                "title": title,
                "programme": programme,
                "status": status.value if status else "",
                "start_date": start,
                "end_date": end,
                "description": cells.get("description", ""),
            }
            rows.append(
                _ProjectRow(
                    number, reference, values, applicant_name, orgnr, row_measures, row_areas
                )
            )

    if not _finish(report):
        return report
    with transaction.atomic():
        _write_projects(report, rows, actor)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _write_projects(report: ImportReport, rows: list[_ProjectRow], actor: Any) -> None:
    resolver = _OrganisationResolver(
        [(r.applicant_name, r.applicant_orgnr, guess_helix(r.applicant_name)) for r in rows]
    )
    entries = resolver.save(actor)
    for row in rows:
        row.applicant = resolver.find(row.applicant_name, row.applicant_orgnr)

    existing = {
        p.reference: p
        for p in Project.objects.filter(reference__in=[r.reference for r in rows])
        .select_related("programme", "applicant")
        .prefetch_related("measures", "municipalities")
    }
    new_rows: list[_ProjectRow] = []
    new_projects: list[Project] = []
    changed: list[tuple[_ProjectRow, Project]] = []
    history: list[StatusChange] = []
    for row in rows:
        project = existing.get(row.reference)
        if project is None:
            values = dict(row.values, applicant=row.applicant)
            new_projects.append(Project(reference=row.reference, created_by=None, **values))
            new_rows.append(row)
            continue
        before = _project_state(
            project,
            project.measures.all(),
            project.municipalities.all() if row.municipalities is not None else None,
        )
        old_status = project.status
        for name, value in row.values.items():
            if name == "description" and not value:
                continue  # an empty cell does not erase what is known
            setattr(project, name, value)
        project.applicant = row.applicant
        changes = audit.diff(before, _project_state(project, row.measures, row.municipalities))
        if not changes:
            report.unchanged += 1
            continue
        project.save()
        changed.append((row, project))
        report.updated += 1
        if project.status != old_status:
            history.append(
                StatusChange(
                    project=project,
                    from_status=old_status,
                    to_status=project.status,
                    actor=_user(actor),
                    note=_("imported"),
                )
            )
        entries.append(
            audit.entry(actor=actor, action="project.imported", obj=project, changes=changes)
        )

    created = Project.objects.bulk_create(new_projects, batch_size=500)
    report.created += len(created)
    history += [
        StatusChange(project=p, to_status=p.status, actor=_user(actor), note=_("imported"))
        for p in created
    ]
    entries += [audit.entry(actor=actor, action="project.imported", obj=p) for p in created]

    measure_links = Project.measures.through
    area_links = Project.municipalities.through
    replaced = [p.pk for _, p in changed]
    measure_links.objects.filter(project_id__in=replaced).delete()
    area_links.objects.filter(
        project_id__in=[p.pk for r, p in changed if r.municipalities is not None]
    ).delete()
    pairs = list(zip(new_rows, created, strict=True)) + changed
    measure_links.objects.bulk_create(
        [measure_links(project_id=p.pk, measure_id=m.pk) for r, p in pairs for m in r.measures],
        batch_size=1000,
    )
    area_links.objects.bulk_create(
        [
            area_links(project_id=p.pk, area_id=a.pk)
            for r, p in pairs
            for a in (r.municipalities or [])
        ],
        batch_size=1000,
    )
    StatusChange.objects.bulk_create(history, batch_size=500)
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- financing ----------------------------------------------------------------------------


@dataclass
class _FinancingRow:
    number: int
    project: Project
    financier_name: str
    category: str
    year: int
    amounts: dict[str, int]


def import_financing(
    file: IO[bytes] | IO[str], *, filename: str = "", actor: Any = None, dry_run: bool = False
) -> ImportReport:
    """Import financing lines of existing projects. A line with the same project, financier,
    category and year as an existing one updates its amounts; an unknown financier (matched by
    exact name) is created. Raises nothing: problems are in the report."""
    report = ImportReport(kind="financing", dry_run=dry_run)
    opened = _open(report, file, filename, FINANCING_COLUMNS, FINANCING_REQUIRED)
    if opened is None:
        return report
    table, positions = opened
    rows_in = list(_data_rows(table, positions))
    projects = {
        p.reference: p
        for p in Project.objects.filter(
            reference__in={cells["project_reference"] for _, cells in rows_in}
        )
    }

    rows: list[_FinancingRow] = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for number, cells in rows_in:
        report.rows += 1
        errors_before = report.error_count

        reference = cells["project_reference"]
        project = projects.get(reference)
        if not reference:
            report.add_error(number, "project_reference", _("missing project reference"))
        elif project is None:
            report.add_error(
                number,
                "project_reference",
                _("no project has the reference %(reference)r") % {"reference": reference},
            )

        financier = " ".join(cells["financier_name"].split())
        if not financier:
            report.add_error(number, "financier_name", _("missing financier name"))
        elif len(financier) > 200:
            report.add_error(
                number, "financier_name", _("financier name is longer than 200 characters")
            )

        category_text = cells["financier_category"]
        category = CATEGORY_ALIASES.get(" ".join(category_text.lower().split()))
        if not category_text:
            report.add_error(number, "financier_category", _("missing financier category"))
        elif category is None:
            report.add_error(
                number,
                "financier_category",
                _("unknown financier category %(value)r (use one of: %(choices)s)")
                % {"value": category_text, "choices": ", ".join(FinancierCategory.values)},
            )

        year_text = cells["year"]
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        if not year_text:
            report.add_error(number, "year", _("missing year"))
        elif year is None:
            report.add_error(number, "year", _("%(value)r is not a year") % {"value": year_text})
        elif project is not None:
            first = project.start_date.year if project.start_date else None
            last = project.end_date.year if project.end_date else None
            if (first and year < first) or (last and year > last):
                report.add_error(
                    number,
                    "year",
                    _("%(year)d is outside the project period %(first)s to %(last)s")
                    % {"year": year, "first": first or "", "last": last or ""},
                )

        amounts = {
            column: _parse_amount(report, number, column, cells[column])
            for column in AMOUNT_COLUMNS
        }

        if report.error_count == errors_before and project and category and year:
            key = (reference, financier, category.value, year)
            if key in seen:
                report.add_error(
                    number,
                    "year",
                    _("the same project, financier, category and year appear on row %(row)d")
                    % {"row": seen[key]},
                )
                continue
            seen[key] = number
            rows.append(_FinancingRow(number, project, financier, category.value, year, amounts))

    if not _finish(report):
        return report
    with transaction.atomic():
        _write_financing(report, rows, actor)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _financier_helix(category: str) -> str:
    return Helix.COMPANY if category == FinancierCategory.PRIVATE else Helix.PUBLIC


def _write_financing(report: ImportReport, rows: list[_FinancingRow], actor: Any) -> None:
    resolver = _OrganisationResolver(
        [(r.financier_name, None, _financier_helix(r.category)) for r in rows]
    )
    entries = resolver.save(actor)
    existing = {
        (line.project_id, line.financier_id, line.category, line.year): line
        for line in FinancingLine.objects.filter(
            project__in={r.project.pk for r in rows}
        ).select_related("project", "financier")
    }
    new_lines: list[FinancingLine] = []
    changed_lines: list[FinancingLine] = []
    for row in rows:
        financier = resolver.find(row.financier_name, None)
        assert financier is not None
        line = existing.get((row.project.pk, financier.pk, row.category, row.year))
        if line is None:
            new_lines.append(
                FinancingLine(
                    project=row.project,
                    financier=financier,
                    category=row.category,
                    year=row.year,
                    **row.amounts,
                )
            )
            continue
        before = audit.snapshot(line, list(AMOUNT_COLUMNS))
        for column, amount in row.amounts.items():
            setattr(line, column, amount)
        changes = audit.diff(before, audit.snapshot(line, list(AMOUNT_COLUMNS)))
        if changes:
            changed_lines.append(line)
            report.updated += 1
            entries.append(
                audit.entry(actor=actor, action="financing.imported", obj=line, changes=changes)
            )
        else:
            report.unchanged += 1
    FinancingLine.objects.bulk_update(changed_lines, list(AMOUNT_COLUMNS), batch_size=500)
    created = FinancingLine.objects.bulk_create(new_lines, batch_size=500)
    report.created += len(created)
    entries += [
        audit.entry(
            actor=actor,
            action="financing.imported",
            obj=line,
            changes={column: [None, getattr(line, column)] for column in AMOUNT_COLUMNS},
        )
        for line in created
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
