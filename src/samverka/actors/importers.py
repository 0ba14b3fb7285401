"""Importing organisations from CSV or XLSX: every row is checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation
from samverka.actors.services import normalise_orgnr
from samverka.core import audit, roles
from samverka.core.importing import ImportFileError, ImportReport, read_table
from samverka.core.links import validate_web_link
from samverka.core.models import AuditEntry
from samverka.core.sanitise import clean_html
from samverka.geo.models import Area, AreaKind

HELP = (
    "CSV (UTF-8, ',' or ';') or XLSX with the columns name, orgnr, helix, municipality_code, "
    "focus_areas (separated by |), website, description and optionally country (ISO 3166-1 "
    "alpha-2, default SE); Swedish headers namn, organisationsnummer, helix, kommunkod, "
    "fokusområden, webbplats, beskrivning, land also work."
)

COLUMNS = {
    "name": ("name", "namn"),
    "orgnr": ("orgnr", "organisationsnummer", "org_nr", "organisation_number"),
    "helix": ("helix", "helixtyp", "helix_type"),
    "municipality_code": ("municipality_code", "kommunkod", "kommun_kod"),
    "focus_areas": ("focus_areas", "fokusområden", "fokusomraden", "spetsområden"),
    "website": ("website", "webbplats", "webb"),
    "description": ("description", "beskrivning"),
    "country": ("country", "land", "landskod"),
}
REQUIRED = {"name", "helix"}
WEBSITE_MAX = Organisation._meta.get_field("website").max_length or 200

# Helix values as people write them, in English or Swedish.
HELIX_ALIASES = {
    "company": Helix.COMPANY,
    "företag": Helix.COMPANY,
    "naringsliv": Helix.COMPANY,
    "näringsliv": Helix.COMPANY,
    "business": Helix.COMPANY,
    "academia": Helix.ACADEMIA,
    "akademi": Helix.ACADEMIA,
    "university": Helix.ACADEMIA,
    "public": Helix.PUBLIC,
    "public sector": Helix.PUBLIC,
    "public_sector": Helix.PUBLIC,
    "offentlig": Helix.PUBLIC,
    "offentlig sektor": Helix.PUBLIC,
    "civil_society": Helix.CIVIL_SOCIETY,
    "civil society": Helix.CIVIL_SOCIETY,
    "civilsamhälle": Helix.CIVIL_SOCIETY,
    "civilsamhället": Helix.CIVIL_SOCIETY,
    "other": Helix.OTHER,
    "annan": Helix.OTHER,
    "övrigt": Helix.OTHER,
    "annat": Helix.OTHER,
}


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    focus_areas: list[FocusArea]


def _header_map(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map canonical column names to positions; also return unknown headers."""
    positions: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(headers):
        key = header.strip().lower().replace("-", "_")
        for canonical, aliases in COLUMNS.items():
            if key in aliases:
                positions.setdefault(canonical, index)
                break
        else:
            if key:
                unknown.append(header)
    return positions, unknown


def _existing(
    rows: list[_Row], organisations: QuerySet[Organisation]
) -> tuple[dict[str, Organisation], dict[str, Organisation]]:
    """The organisations the rows update: by organisation number, and by lower-cased name for
    rows without one (among organisations without one either, so that importing the same file
    twice does not duplicate anything)."""
    numbers = [r.values["orgnr"] for r in rows if r.values["orgnr"]]
    names = [r.values["name"] for r in rows if not r.values["orgnr"]]
    by_orgnr = {o.orgnr: o for o in organisations.filter(orgnr__in=numbers)}
    by_name = {o.name.lower(): o for o in organisations.filter(orgnr__isnull=True, name__in=names)}
    return by_orgnr, by_name


def _refuse_foreign_updates(rows: list[_Row], *, actor: Any, report: ImportReport) -> None:
    """A row that matches an existing organisation updates it, so the actor must be allowed to
    edit that organisation (as on its edit page): otherwise any cluster manager could rewrite
    every organisation in the directory through an import."""
    if roles.is_platform_admin(actor):
        return
    by_orgnr, by_name = _existing(rows, Organisation.objects.all())
    for row in rows:
        orgnr = row.values["orgnr"]
        org = by_orgnr.get(orgnr) if orgnr else by_name.get(row.values["name"].lower())
        if org is not None and not roles.can_edit_organisation(actor, org):
            report.add_error(
                row.number,
                "orgnr" if orgnr else "name",
                _("%(name)s is already registered and you may not change it") % {"name": org.name},
            )


def import_organisations(
    file: IO[bytes] | IO[str], *, filename: str = "", actor: Any = None, dry_run: bool = False
) -> ImportReport:
    """Import organisations; an existing organisation number updates that organisation.

    All rows are validated first. If any row is bad, nothing is written and the report lists
    every problem as (row, column, reason); otherwise all rows are written in one transaction.
    """
    report = ImportReport(kind="organisations", dry_run=dry_run)
    try:
        table = read_table(file, filename=filename)
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    positions, _unknown = _header_map(table.headers)
    missing = sorted(REQUIRED - positions.keys())
    if missing:
        report.file_error = _("missing column(s): %(columns)s (found: %(found)s)") % {
            "columns": ", ".join(missing),
            "found": ", ".join(table.headers) or "-",
        }
        return report

    municipalities = {a.code: a for a in Area.objects.filter(kind=AreaKind.MUNICIPALITY)}
    focus_by_key: dict[str, FocusArea] = {}
    for fa in FocusArea.objects.all():
        for key in (fa.slug, fa.name_sv.lower(), fa.name_en.lower()):
            focus_by_key[key] = fa

    rows: list[_Row] = []
    seen_orgnr: dict[str, int] = {}
    for offset, raw in enumerate(table.rows):
        number = table.first_row + offset
        if not any(cell.strip() for cell in raw):
            continue
        report.rows += 1

        def get(column: str, raw: list[str] = raw) -> str:
            index = positions.get(column)
            return raw[index].strip() if index is not None and index < len(raw) else ""

        values: dict[str, Any] = {}
        errors_before = report.error_count

        name = get("name")
        if not name:
            report.add_error(number, "name", _("missing name"))
        elif len(name) > 200:
            report.add_error(number, "name", _("name is longer than 200 characters"))
        values["name"] = name

        try:
            orgnr = normalise_orgnr(get("orgnr"))
        except ValidationError as exc:
            report.add_error(number, "orgnr", exc.messages[0])
            orgnr = None
        if orgnr:
            if orgnr in seen_orgnr:
                report.add_error(
                    number,
                    "orgnr",
                    _("organisation number %(orgnr)s already appears on row %(row)d")
                    % {"orgnr": orgnr, "row": seen_orgnr[orgnr]},
                )
            else:
                seen_orgnr[orgnr] = number
        values["orgnr"] = orgnr

        helix_raw = get("helix")
        helix = HELIX_ALIASES.get(helix_raw.lower())
        if not helix_raw:
            report.add_error(number, "helix", _("missing helix type"))
        elif helix is None:
            report.add_error(
                number,
                "helix",
                _("unknown helix type %(value)r (use one of: %(choices)s)")
                % {"value": helix_raw, "choices": ", ".join(Helix.values)},
            )
        values["helix"] = helix

        code = get("municipality_code")
        if code and code.isdigit() and len(code) == 3:
            code = "0" + code  # Excel drops the leading zero of Stockholm county's codes.
        if code and code not in municipalities:
            report.add_error(
                number,
                "municipality_code",
                _("unknown municipality code %(code)r") % {"code": code},
            )
        values["municipality"] = municipalities.get(code)

        focus_areas = []
        for part in filter(None, (p.strip() for p in get("focus_areas").split("|"))):
            fa = focus_by_key.get(part.lower())
            if fa is None:
                report.add_error(
                    number, "focus_areas", _("unknown focus area %(value)r") % {"value": part}
                )
            else:
                focus_areas.append(fa)

        website = get("website")
        if website and "://" not in website:
            website = "https://" + website
        if website:
            try:
                validate_web_link(website)
            except ValidationError:
                report.add_error(number, "website", _("not a valid web address"))
            else:
                if len(website) > WEBSITE_MAX:
                    report.add_error(
                        number,
                        "website",
                        _("the web address is longer than %(max)d characters")
                        % {"max": WEBSITE_MAX},
                    )
        values["website"] = website
        values["description"] = clean_html(get("description"))
        country = get("country").upper()
        if country:  # an empty or missing cell keeps the default (SE) or what is known
            if len(country) != 2 or not country.isascii() or not country.isalpha():
                report.add_error(
                    number,
                    "country",
                    _("not a two-letter country code: %(value)r") % {"value": country},
                )
            values["country"] = country

        if report.error_count == errors_before:
            rows.append(_Row(number, values, focus_areas))

    if actor is not None:
        _refuse_foreign_updates(rows, actor=actor, report=report)
    if not report.ok or report.rows == 0:
        if report.rows == 0 and report.ok:
            report.file_error = _("the file has a header but no data rows")
        return report

    with transaction.atomic():
        existing, unnumbered = _existing(rows, Organisation.objects.prefetch_related("focus_areas"))
        new: dict[str, tuple[Organisation, set[FocusArea]]] = {}
        entries = []
        for row in rows:
            key = row.values["orgnr"] or f"name:{row.values['name'].lower()}"
            if key in new:  # the same unnumbered name twice in one file: the later row wins
                org, focus_areas = new[key]
                for field, value in row.values.items():
                    if value:
                        setattr(org, field, value)
                focus_areas.update(row.focus_areas)
                report.updated += 1
                continue
            if row.values["orgnr"]:
                org = existing.get(row.values["orgnr"])
            else:
                org = unnumbered.get(row.values["name"].lower())
            if org is None:
                new[key] = (Organisation(**row.values), set(row.focus_areas))
                report.created += 1
                continue
            before = audit.snapshot(org, list(row.values))
            before_fa = sorted(fa.slug for fa in org.focus_areas.all())
            for field, value in row.values.items():
                if field in {"municipality", "website", "description"} and not value:
                    continue  # an empty cell does not erase what is known
                setattr(org, field, value)
            changes = audit.diff(before, audit.snapshot(org, list(row.values)))
            after_fa = sorted({fa.slug for fa in row.focus_areas} | set(before_fa))
            if after_fa != before_fa:
                changes["focus_areas"] = [before_fa, after_fa]
            if changes:
                org.save()
                org.focus_areas.add(*row.focus_areas)
                report.updated += 1
                entries.append(
                    audit.entry(
                        actor=actor, action="organisation.imported", obj=org, changes=changes
                    )
                )
            else:
                report.unchanged += 1
        # New organisations are inserted in batches: one INSERT per 500 rows, not one per row.
        created = Organisation.objects.bulk_create([org for org, _ in new.values()], batch_size=500)
        through = Organisation.focus_areas.through
        through.objects.bulk_create(
            [
                through(organisation_id=org.pk, focusarea_id=fa.pk)
                for org, (_, focus_areas) in zip(created, new.values(), strict=True)
                for fa in focus_areas
            ],
            batch_size=1000,
        )
        entries += [
            audit.entry(actor=actor, action="organisation.imported", obj=o) for o in created
        ]
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        if dry_run:
            transaction.set_rollback(True)
    return report
