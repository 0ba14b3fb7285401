"""``samverka import indicators FILE``: indicator values from a long CSV/XLSX table, a PX file,
a JSON-stat 2.0 dataset or a Kolada data response.

Rows are validated while they stream into :func:`store.store_values` inside one transaction; the
first bad row stops the writing (validation goes on, so the report lists every problem) and
the transaction is rolled back, so nothing is written unless the whole file is valid. A dry run
rolls back too, after counting what would have changed.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverka.core.importing import ImportFileError, ImportReport, capped, read_records
from samverka.geo import history
from samverka.indicators.enums import Gender, Source
from samverka.indicators.models import Indicator
from samverka.indicators.services import store
from samverka.indicators.services.formats import (
    INPUT_FORMATS,
    Cube,
    FormatError,
    detect_format,
    load_json,
)
from samverka.indicators.services.formats.jsonstat import parse_jsonstat
from samverka.indicators.services.formats.px import parse_px
from samverka.indicators.services.mapping import MappingError, map_cube, placed_note
from samverka.indicators.services.store import ValueRow

HELP = (
    "Indicator values. CSV (UTF-8, ',' or ';') or XLSX in long format with the columns "
    "indicator, area, period, gender, value (and optionally status): area as SCB/Kolada code, "
    "gender T/K/M (empty = T), Swedish decimal commas and the symbols '..' and '-' accepted. "
    "Also PX (PC-Axis) files, JSON-stat 2.0 (SCB PxWebApi v2) and Kolada API JSON; see "
    "--select, --sum, --content, --area, --period and --indicator. Derived values (parent "
    "areas from their children, T from K + M) are computed after the import unless --no-derive."
)

COLUMNS = {
    "indicator": ("indicator", "indikator", "kpi", "indicator_code"),
    "area": ("area", "område", "omrade", "region", "area_code", "municipality", "kommun", "kod"),
    "period": ("period", "år", "ar", "year", "tid", "time"),
    "gender": ("gender", "kön", "kon", "sex"),
    "value": ("value", "värde", "varde"),
    "status": ("status", "flag", "flagga"),
}
GENDERS = {"": "T", "T": "T", "K": "K", "M": "M", "t": "T", "k": "K", "m": "M"}


@dataclass
class IndicatorImportReport(ImportReport):
    """The import report plus revisions (changed figures), warnings and the indicators hit."""

    revised: int = 0
    warnings: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    input_format: str = ""
    derived: int = 0  # derived values created or refreshed after the import

    def add(self, result: store.StoreResult) -> None:
        self.created += result.created
        self.updated += result.updated
        self.revised += result.revised
        self.unchanged += result.unchanged

    def summary(self) -> str:
        text = super().summary()
        if self.ok and self.revised:
            text += " " + _("%(n)d values changed by the source (kept as revisions).") % {
                "n": self.revised
            }
        if self.ok and self.derived:
            text += " " + _("%(n)d derived values computed.") % {"n": self.derived}
        if self.warnings:
            text += " " + _("Warnings: %(w)s") % {"w": " ".join(self.warnings)}
        return text


def add_arguments(parser: Any) -> None:
    """The options of ``samverka import indicators``."""
    parser.add_argument(
        "--indicator", help="the indicator's code (default: the table's id or the file's column)"
    )
    parser.add_argument("--content", help="the content to import from a table with several")
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="DIM=CODE",
        help="fix a dimension to one category (repeatable)",
    )
    parser.add_argument(
        "--sum", action="append", default=[], metavar="DIM", help="add a dimension up (repeatable)"
    )
    parser.add_argument(
        "--area",
        metavar="CODE",
        help="place every value of a table without a region dimension on this area (00 = Sweden)",
    )
    parser.add_argument(
        "--period",
        metavar="P",
        help="place every value of a table without a time dimension on this period",
    )
    add_derive_argument(parser)


def add_derive_argument(parser: Any) -> None:
    parser.add_argument(
        "--no-derive",
        action="store_true",
        help="do not compute derived values (parents from children, T from K + M) afterwards",
    )


def parse_select(items: Iterable[str] | dict[str, str] | None) -> dict[str, str]:
    """``["Alder=tot", "kön=1+2"]`` → ``{"Alder": "tot", "kön": "1+2"}``; raises ValueError."""
    if isinstance(items, dict):
        return dict(items)
    selected = {}
    for item in items or []:
        name, sep, code = item.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise ValueError(_("--select wants DIM=CODE, not %(item)r") % {"item": item})
        selected[name.strip()] = code.strip()
    return selected


def import_indicators(
    file: IO[bytes] | IO[str],
    *,
    filename: str = "",
    actor: Any = None,
    dry_run: bool = False,
    input_format: str | None = None,
    indicator: str | None = None,
    content: str | None = None,
    select: Iterable[str] | dict[str, str] | None = None,
    sum: Iterable[str] | None = None,
    area: str | None = None,
    period: str | None = None,
    no_derive: bool = False,
) -> IndicatorImportReport:
    """Import indicator values from ``file``; see the module docstring for the guarantees.

    ``actor`` (the importing user, or None for the system) is recorded in the audit log.
    ``area``/``period`` place a table without a region/time dimension; derived values are
    computed in the same transaction unless ``no_derive``.
    """
    report = IndicatorImportReport(kind="indicators", dry_run=dry_run)
    head = file.read(0)  # a text stream gives str
    raw: IO[bytes] = file if not isinstance(head, str) else io.BytesIO(file.read().encode())
    if input_format is None:
        peek = _peek(raw)
        input_format = detect_format(peek, filename)
    if input_format not in INPUT_FORMATS:
        report.file_error = _("unknown format %(f)r") % {"f": input_format}
        return report
    report.input_format = input_format
    derive = not no_derive
    try:
        selected = parse_select(select)
    except ValueError as exc:
        report.file_error = str(exc)
        return report
    try:
        if input_format == "csv":
            from samverka.indicators.services import fastpath

            if not fastpath.import_long_csv(
                raw, report, indicator=indicator, source=filename, actor=actor, derive=derive
            ):
                _import_long(
                    _csv_records(raw),
                    report,
                    indicator=indicator,
                    source=filename,
                    actor=actor,
                    derive=derive,
                )
        elif input_format == "xlsx":
            records = read_records(raw, filename=filename or "file.xlsx")
            _import_long(
                records, report, indicator=indicator, source=filename, actor=actor, derive=derive
            )
        elif input_format == "kolada":
            import_kolada_document(
                _load(raw), report=report, indicator=indicator, actor=actor, derive=derive
            )
        else:
            data = _read_all(raw)
            cube = parse_px(data) if input_format == "px" else parse_jsonstat(load_json(data))
            import_cube(
                cube,
                report=report,
                indicator=indicator,
                content=content,
                select=selected,
                sum_dims=list(sum or []),
                area=area,
                period=period,
                actor=actor,
                derive=derive,
            )
    except (ImportFileError, FormatError, MappingError) as exc:
        report.file_error = str(exc)
    if report.file_error:
        report.created = report.updated = report.revised = report.unchanged = 0
    return report


def _peek(raw: IO[bytes]) -> bytes:
    if raw.seekable():
        position = raw.tell()
        data = raw.read(20000)
        raw.seek(position)
        return data
    return b""


def _read_all(raw: IO[bytes]) -> bytes:
    limit = settings.SAMVERKA_IMPORT_MAX_BYTES
    data = raw.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(_("the file is larger than %(mb)d MB") % {"mb": limit // 1_000_000})
    if not data.strip():
        raise ImportFileError(_("the file is empty"))
    return data


def _load(raw: IO[bytes]) -> Any:
    try:
        return load_json(_read_all(raw))
    except FormatError as exc:
        raise ImportFileError(str(exc)) from exc


class _LimitedReader(io.RawIOBase):
    """A byte stream that fails once more than the import size limit has been read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.read_bytes = raw, 0
        self.limit = settings.SAMVERKA_IMPORT_MAX_BYTES

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise ImportFileError(
                _("the file is larger than %(mb)d MB") % {"mb": self.limit // 1_000_000}
            )
        buffer[: len(data)] = data
        return len(data)


def _csv_records(raw: IO[bytes]) -> Iterator[list[str]]:
    """Stream the records of a UTF-8 CSV file (',' or ';'), without reading it all at once."""
    stream = io.BufferedReader(_LimitedReader(raw), buffer_size=1 << 20)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("the file is not UTF-8 text")) from exc
    if not first.strip():
        raise ImportFileError(_("the file is empty"))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        yield from capped(
            csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)
        )
    except csv.Error as exc:
        raise ImportFileError(_("the CSV file is malformed: %(error)s") % {"error": exc}) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("the file is not UTF-8 text")) from exc


def _header_positions(headers: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower().replace("-", "_").lstrip("\ufeff")
        for canonical, aliases in COLUMNS.items():
            if key in aliases:
                positions.setdefault(canonical, index)
                break
    return positions


class _Validator:
    """Caches for checking many rows fast: each distinct code is checked once. A municipality
    code Statistics Sweden has retired (1917 Heby → 0331) is read as today's, with a note."""

    def __init__(self) -> None:
        self.areas = set(store.area_ids())
        self.area_cache: dict[str, str | None] = {}
        self.period_cache: dict[str, str | None] = {}
        self.notes: dict[str, str] = {}  # retired code → the note for the report

    def area(self, code: str) -> str | None:
        try:
            return self.area_cache[code]
        except KeyError:
            normalised = store.normalise_area_code(code)
            result = normalised if normalised in self.areas else None
            if result is None:
                change = history.replacement(normalised)
                if change is not None and change.new_code in self.areas:
                    result = change.new_code
                    self.notes[normalised] = placed_note(normalised, change)
            self.area_cache[code] = result
            return result

    def period(self, text: str) -> str | None:
        try:
            return self.period_cache[text]
        except KeyError:
            try:
                result: str | None = store.normalise_period(text)
            except ValueError:
                result = None
            self.period_cache[text] = result
            return result


def check_fields(
    report: IndicatorImportReport,
    check: _Validator,
    number: int,
    code: str,
    raw_area: str,
    raw_period: str,
    raw_gender: str | None,
    raw_value: str,
    raw_status: str | None,
) -> tuple[str, str, str, str, Any, str] | None:
    """Check one record's cells (``None``: no such column); the values, or None when the row
    has errors (added to ``report``, in column order)."""
    errors = report.error_count
    if not code:
        report.add_error(number, "indicator", _("missing indicator code"))
    raw_area = raw_area.strip()
    area = check.area(raw_area)
    if area is None:
        report.add_error(number, "area", _("unknown area code %(c)r") % {"c": raw_area})
    raw_period = raw_period.strip()
    period = check.period(raw_period)
    if period is None:
        report.add_error(
            number,
            "period",
            _("not a period (use 2005, 2026M01, 2026K1 or 2026H1): %(p)r") % {"p": raw_period},
        )
    raw_gender = raw_gender.strip() if raw_gender is not None else ""
    gender = GENDERS.get(raw_gender)
    if gender is None:
        report.add_error(
            number, "gender", _("unknown gender %(g)r (use T, K or M)") % {"g": raw_gender}
        )
    try:
        value, status = store.parse_number(raw_value)
    except ValueError as exc:
        report.add_error(number, "value", str(exc))
        value, status = None, ""
    if raw_status is not None and raw_status.strip():
        status = raw_status.strip()[:10]
    if report.error_count > errors:
        return None
    return code, area, period, gender, value, status  # type: ignore[return-value]


def _import_long(
    records: Iterator[list[str]],
    report: IndicatorImportReport,
    *,
    indicator: str | None,
    source: str,
    actor: Any = None,
    derive: bool = True,
) -> None:
    headers = next(records, None)
    if headers is None:
        raise ImportFileError(_("the file is empty"))
    positions = _header_positions(headers)
    required = {"area", "period", "value"} | (set() if indicator else {"indicator"})
    missing = sorted(required - positions.keys())
    if missing:
        raise ImportFileError(
            _("missing column(s): %(columns)s (found: %(found)s)")
            % {"columns": ", ".join(missing), "found": ", ".join(headers) or "-"}
        )
    check = _Validator()
    known = set(Indicator.objects.values_list("code", flat=True))
    p_ind = positions.get("indicator")
    p_area, p_period, p_value = positions["area"], positions["period"], positions["value"]
    p_gender, p_status = positions.get("gender"), positions.get("status")
    width = max(positions.values()) + 1
    seen: dict[tuple[str, str, str, str], int] = {}
    new_codes: dict[str, int] = {}
    periods: dict[str, set[str]] = {}

    def rows() -> Iterator[tuple[str, ValueRow]]:
        for number, record in enumerate(records, start=2):
            if len(record) < width:
                if not any(cell.strip() for cell in record):
                    continue
                record = record + [""] * (width - len(record))
            report.rows += 1
            errors = report.error_count
            code = indicator or record[p_ind].strip()  # type: ignore[index]
            if not code:
                report.add_error(number, "indicator", _("missing indicator code"))
            elif code not in known and code not in new_codes:
                new_codes[code] = number
            raw_area = record[p_area].strip()
            area = check.area(raw_area)
            if area is None:
                report.add_error(number, "area", _("unknown area code %(c)r") % {"c": raw_area})
            raw_period = record[p_period].strip()
            period = check.period(raw_period)
            if period is None:
                report.add_error(
                    number,
                    "period",
                    _("not a period (use 2005, 2026M01, 2026K1 or 2026H1): %(p)r")
                    % {"p": raw_period},
                )
            raw_gender = record[p_gender].strip() if p_gender is not None else ""
            gender = GENDERS.get(raw_gender)
            if gender is None:
                report.add_error(
                    number, "gender", _("unknown gender %(g)r (use T, K or M)") % {"g": raw_gender}
                )
            try:
                value, status = store.parse_number(record[p_value])
            except ValueError as exc:
                report.add_error(number, "value", str(exc))
                value, status = None, ""
            if p_status is not None and record[p_status].strip():
                status = record[p_status].strip()[:10]
            if report.error_count > errors:
                continue
            key = (code, area, period, gender)
            first = seen.setdefault(key, number)  # type: ignore[arg-type]
            if first != number:
                report.add_error(
                    number,
                    "area",
                    _("the same indicator, area, period and gender as row %(row)d")
                    % {"row": first},
                )
                continue
            if not report.errors:  # after the first error only validate
                periods.setdefault(code, set()).add(period)  # type: ignore[arg-type]
                yield code, ValueRow(area, period, gender, value, status)  # type: ignore[arg-type]

    def write() -> None:
        for code, group in itertools.groupby(rows(), key=lambda item: item[0]):
            target = _indicator_for(code, report, actor, source=Source.OTHER, name_sv=code)
            report.add(
                store.store_values(
                    indicator=target,
                    rows=(row for _, row in group),
                    source=source,
                    actor=actor,
                )
            )
        if new_codes and report.ok:
            report.warnings.append(
                _("New indicators created (name them in the catalogue): %(codes)s")
                % {"codes": ", ".join(sorted(new_codes))}
            )
        report.warnings.extend(check.notes.values())
        if derive and report.ok:
            derive_imported(report, periods, actor)

    _atomic(report, write)
    if report.rows == 0 and report.ok:
        report.file_error = _("the file has a header but no data rows")


def _indicator_for(
    code: str, report: IndicatorImportReport, actor: Any, **fields: Any
) -> Indicator:
    if code not in report.indicators:
        report.indicators.append(code)
    return store.ensure_indicator(code, actor=actor, **fields)


def derive_imported(
    report: IndicatorImportReport, periods: dict[str, set[str]], actor: Any
) -> None:
    """Compute the derived values of each imported indicator for the periods just imported
    (inside the import's transaction), adding their count and the reasons for parents left
    without a value to ``report``. Rates without components and percentages are not summed."""
    from samverka.indicators.services.derive import auto_derivable, derive_values

    for code, imported in periods.items():
        indicator = Indicator.objects.select_related("numerator", "denominator").get(code=code)
        if not imported or not auto_derivable(indicator):
            continue
        counts = derive_values(indicator=indicator, periods=imported, actor=actor)
        report.derived += counts.created + counts.updated
        report.warnings.extend(counts.notes)


def _atomic(report: IndicatorImportReport, write: Any) -> None:
    """Run ``write`` in one transaction, rolled back on any error or for a dry run."""
    try:
        with transaction.atomic():
            write()
            if not report.ok or report.dry_run:
                transaction.set_rollback(True)
    except ValidationError as exc:
        report.file_error = "; ".join(exc.messages)
    except ValueError as exc:
        report.file_error = str(exc)


def import_cube(
    cube: Cube,
    *,
    report: IndicatorImportReport,
    indicator: str | None = None,
    content: str | None = None,
    select: dict[str, str] | None = None,
    sum_dims: list[str] | None = None,
    area: str | None = None,
    period: str | None = None,
    source: str = "",
    actor: Any = None,
    derive: bool = True,
) -> None:
    """Map a PX/JSON-stat cube (raises MappingError) and store its values in one transaction,
    recorded in the audit log as done by ``actor``; then, in the same transaction, derive."""
    from samverka.geo.models import Area

    names = dict(Area.objects.values_list("code", "name"))
    mapping = map_cube(
        cube,
        known_areas=set(names),
        select=select,
        sum_dims=sum_dims,
        content=content,
        area=area,
        period=period,
        area_names=names,
    )
    report.warnings.extend(mapping.warnings)
    metric = next((d for d in cube.dimensions if d.role == "metric"), None)
    code = indicator or cube.table_id
    if not indicator and metric is not None and len(metric.codes) > 1:
        code = f"{cube.table_id}_{mapping.content}"
    if not code:
        raise MappingError(_("the table has no id; name the indicator with --indicator CODE"))
    source = source or f"{cube.source.upper()} {cube.table_id}".strip()
    gender_split = bool(mapping.sex) and {"K", "M"} <= set(mapping.genders.values())

    def write() -> None:
        target = _indicator_for(
            code,
            report,
            actor,
            name_sv=mapping.content_label or cube.title or code,
            unit=mapping.unit,
            source=Source.SCB if cube.source == "scb" else Source.OTHER,
            source_reference=cube.table_id,
            definition=cube.title,
            gender_split=gender_split,
        )
        counted = _counting(mapping.rows(), report)
        report.add(store.store_values(indicator=target, rows=counted, source=source, actor=actor))
        if derive and report.ok:
            derive_imported(report, {code: set(mapping.periods.values())}, actor)

    _atomic(report, write)


def _counting(rows: Iterable[ValueRow], report: ImportReport) -> Iterator[ValueRow]:
    for row in rows:
        report.rows += 1
        yield row


def import_kolada_document(
    document: Any,
    *,
    report: IndicatorImportReport,
    indicator: str | None = None,
    actor: Any = None,
    derive: bool = True,
) -> None:
    """Store a Kolada v2/v3 ``data`` response (or the merged pages of one), recorded in the
    audit log as done by ``actor``; then, in the same transaction, derive."""
    entries = document.get("values") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ImportFileError(_("not a Kolada data response: no 'values' list"))
    check = _Validator()
    rows: dict[str, list[ValueRow]] = {}
    for position, entry in enumerate(entries):
        path = f"values[{position}]"
        if not isinstance(entry, dict):
            report.add_error(0, path, _("not an object"))
            continue
        kpi = str(entry.get("kpi") or indicator or "").strip()
        raw_area = str(entry.get("municipality") or entry.get("ou") or "")
        area = check.area(raw_area)
        period = check.period(str(entry.get("period", "")))
        if not kpi:
            report.add_error(0, f"{path}.kpi", _("missing KPI"))
        if area is None:
            report.add_error(
                0, f"{path}.municipality", _("unknown area code %(c)r") % {"c": raw_area}
            )
        if period is None:
            report.add_error(
                0, f"{path}.period", _("not a period: %(p)r") % {"p": entry.get("period")}
            )
        inner_values = entry.get("values") or []
        if not isinstance(inner_values, list):
            report.add_error(0, f"{path}.values", _("not a list"))
            continue
        for inner, item in enumerate(inner_values):
            report.rows += 1
            if not isinstance(item, dict):
                report.add_error(0, f"{path}.values[{inner}]", _("not an object"))
                continue
            gender = GENDERS.get(str(item.get("gender") or "T"))
            if gender is None:
                report.add_error(
                    0,
                    f"{path}.values[{inner}].gender",
                    _("unknown gender %(g)r") % {"g": item.get("gender")},
                )
                continue
            try:
                value, symbol = store.parse_number(item.get("value"))
            except ValueError as exc:
                report.add_error(0, f"{path}.values[{inner}].value", str(exc))
                continue
            status = str(item.get("status") or symbol or ("" if value is not None else ".."))
            if area and period and kpi:
                rows.setdefault(kpi, []).append(ValueRow(area, period, gender, value, status[:10]))
    if indicator and len(rows) > 1:
        raise ImportFileError(
            _("--indicator names one indicator but the file holds several KPIs: %(k)s")
            % {"k": ", ".join(sorted(rows))}
        )
    if not report.ok:
        return
    if report.rows == 0:
        report.file_error = _("the response holds no values")
        return
    report.warnings.extend(check.notes.values())

    def write() -> None:
        for kpi, values in sorted(rows.items()):
            code = indicator or kpi
            target = _indicator_for(
                code,
                report,
                actor,
                name_sv=kpi,
                source=Source.KOLADA,
                source_reference=kpi,
                gender_split=any(r.gender != Gender.TOTAL for r in values),
            )
            report.add(
                store.store_values(
                    indicator=target, rows=values, source=f"Kolada {kpi}", actor=actor
                )
            )
        if derive and report.ok:
            derive_imported(
                report,
                {indicator or kpi: {row.period for row in values} for kpi, values in rows.items()},
                actor,
            )

    _atomic(report, write)


def fetch_scb(
    *,
    table_id: str,
    query: dict[str, Any] | None = None,
    client: Any = None,
    dry_run: bool = False,
    indicator: str | None = None,
    content: str | None = None,
    select: Iterable[str] | dict[str, str] | None = None,
    sum_dims: Iterable[str] | None = None,
    area: str | None = None,
    period: str | None = None,
    actor: Any = None,
    no_derive: bool = False,
) -> IndicatorImportReport:
    """Fetch a table from SCB's PxWebApi v2 and store it (and derive) as :func:`import_cube`
    does."""
    from samverka.indicators.services.clients import ClientError, ScbClient

    report = IndicatorImportReport(kind="indicators", dry_run=dry_run, input_format="jsonstat")
    own = client is None
    client = client or ScbClient()
    try:
        document = client.table_data(table_id, query)
        cube = parse_jsonstat(document)
        cube.table_id = cube.table_id or table_id
        import_cube(
            cube,
            report=report,
            indicator=indicator,
            content=content,
            select=parse_select(select),
            sum_dims=list(sum_dims or []),
            area=area,
            period=period,
            source=f"SCB {table_id} (API)",
            actor=actor,
            derive=not no_derive,
        )
    except (ClientError, FormatError, MappingError, ValueError) as exc:
        report.file_error = str(exc)
    finally:
        if own:
            client.close()
    return report


def fetch_kolada(
    *,
    kpi: str,
    areas: Iterable[str],
    years: Iterable[str | int],
    client: Any = None,
    dry_run: bool = False,
    indicator: str | None = None,
    actor: Any = None,
    no_derive: bool = False,
) -> IndicatorImportReport:
    """Fetch a KPI from Kolada v3 (all pages) and store it (and derive) as a Kolada file
    import does."""
    from samverka.indicators.services.clients import ClientError, KoladaClient

    report = IndicatorImportReport(kind="indicators", dry_run=dry_run, input_format="kolada")
    own = client is None
    client = client or KoladaClient()
    try:
        document = client.kpi_data(kpi, areas, years)
        import_kolada_document(
            document, report=report, indicator=indicator, actor=actor, derive=not no_derive
        )
    except (ClientError, ImportFileError) as exc:
        report.file_error = str(exc)
    finally:
        if own:
            client.close()
    return report
