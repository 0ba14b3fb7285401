"""Mapping the dimensions of a PX or JSON-stat cube onto area, period and gender.

The region dimension becomes the area, the time dimension the period and the sex dimension the
gender. A table without a region dimension (a national table) is placed on one area with
``--area CODE``, one without a time dimension on one period with ``--period P``. Every other
dimension must be fixed to one category (``--select DIM=CODE``) or summed (``--sum DIM``); a
table with several contents needs ``--content CODE``. Otherwise the mapping fails with a message
listing the remaining dimensions and their categories.

Area codes Statistics Sweden has retired since 1990 are mapped to today's codes with a note
(``samverka.geo.history``); codes that cannot be mapped are skipped with the reason.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from samverka.geo import history
from samverka.indicators.enums import Gender
from samverka.indicators.services.formats import Cube, Dimension
from samverka.indicators.services.store import ValueRow, normalise_area_code, normalise_period

REGION_NAMES = {"region", "län", "lan", "kommun", "area", "county", "municipality", "geo"}
TIME_NAMES = {"år", "ar", "tid", "period", "year", "time", "månad", "manad", "month", "kvartal"}
SEX_NAMES = {"kön", "kon", "sex", "gender"}
SEX_CODES = {
    "1": Gender.MEN,
    "2": Gender.WOMEN,
    "1+2": Gender.TOTAL,
    "totsa": Gender.TOTAL,
    "t": Gender.TOTAL,
    "tot": Gender.TOTAL,
    "total": Gender.TOTAL,
    "totalt": Gender.TOTAL,
    "k": Gender.WOMEN,
    "m": Gender.MEN,
    "men": Gender.MEN,
    "män": Gender.MEN,
    "women": Gender.WOMEN,
    "kvinnor": Gender.WOMEN,
    "both sexes": Gender.TOTAL,
}
_TOTAL_RE = re.compile(r"^(tot|totalt?|totsa|samtliga|1\+2|alla|all\b|both)", re.IGNORECASE)


class MappingError(Exception):
    """The cube cannot be mapped with the options given; the message says what to add."""


@dataclass
class Mapping:
    """What a cube maps to: the rows (a fresh iterator per call) and what the user should know."""

    cube: Cube
    region: Dimension | None  # None: every value on the one area of ``area_codes``
    time: Dimension | None  # None: every value on the one period of ``periods``
    sex: Dimension | None
    fixed: dict[str, int]  # dimension code → category position
    summed: list[str]
    area_codes: dict[int, str]
    periods: dict[int, str]
    genders: dict[int, str]
    content: str = ""
    content_label: str = ""
    warnings: list[str] = field(default_factory=list)
    #: (area position, period position) pairs left out: the code meant another area then
    excluded: set[tuple[int, int]] = field(default_factory=set)

    @property
    def unit(self) -> str:
        return self.cube.units_by_content.get(self.content, "") or self.cube.units

    def rows(self) -> Iterator[ValueRow]:
        dims = self.cube.dimensions
        strides = [1] * len(dims)
        for position in range(len(dims) - 2, -1, -1):
            strides[position] = strides[position + 1] * len(dims[position + 1].codes)
        position_of = {d.code: i for i, d in enumerate(dims)}
        base = sum(strides[position_of[code]] * index for code, index in self.fixed.items())
        sum_offsets = [0]
        for code in self.summed:
            p = position_of[code]
            sum_offsets = [
                o + strides[p] * i for o in sum_offsets for i in range(len(dims[p].codes))
            ]
        region_stride = strides[position_of[self.region.code]] if self.region else 0
        time_stride = strides[position_of[self.time.code]] if self.time else 0
        s = position_of[self.sex.code] if self.sex else None
        gender_items = list(self.genders.items()) if self.sex else [(0, Gender.TOTAL)]
        for (ri, area), (ti, period), (gi, gender) in itertools.product(
            self.area_codes.items(), self.periods.items(), gender_items
        ):
            if (ri, ti) in self.excluded:
                continue
            offset = base + region_stride * ri + time_stride * ti
            if s is not None:
                offset += strides[s] * gi
            if len(sum_offsets) == 1:
                value, status = self.cube.figure(offset + sum_offsets[0])
            else:
                value, status = _sum(self.cube, [offset + o for o in sum_offsets])
            yield ValueRow(area, period, gender, value, status)


def _sum(cube: Cube, indices: list[int]) -> tuple[Decimal | None, str]:
    """Sum cells; "-" (nil) counts as zero, any other missing cell makes the sum missing."""
    total = Decimal(0)
    for index in indices:
        value, status = cube.figure(index)
        if value is None:
            if status in {"-", ""}:
                continue
            return None, status
        total += value
    return total, ""


def _key(text: str) -> str:
    return text.strip().lower()


def _find_dimension(cube: Cube, name: str) -> Dimension | None:
    for dimension in cube.dimensions:
        if name in (dimension.code, dimension.label):
            return dimension
    for dimension in cube.dimensions:
        if _key(name) in (_key(dimension.code), _key(dimension.label)):
            return dimension
    return None


def _looks_like_total(dimension: Dimension) -> list[str]:
    return [
        code
        for code, label in zip(dimension.codes, dimension.labels, strict=True)
        if _TOTAL_RE.match(code.strip()) or _TOTAL_RE.match(label.strip())
    ]


def _area_code(code: str, label: str) -> str:
    code = normalise_area_code(code)
    if not code.isdigit():  # PX files without CODES: "22 Västernorrland county"
        head = label.split(" ", 1)[0]
        if head.isdigit():
            return normalise_area_code(head)
    return code


def map_cube(
    cube: Cube,
    *,
    known_areas: set[str],
    select: dict[str, str] | None = None,
    sum_dims: list[str] | None = None,
    content: str | None = None,
    area: str | None = None,
    period: str | None = None,
    area_names: dict[str, str] | None = None,
) -> Mapping:
    """Decide how each dimension of ``cube`` maps; raises MappingError listing what is missing.

    ``area``/``period`` place every value of a table without a region/time dimension on that
    area/period. ``area_names`` (code → name) lets a dimension with an unknown name count as
    the region only when its labels name those areas (so that "01 Agriculture" is no county).
    """
    select = dict(select or {})
    sum_dims = list(sum_dims or [])
    problems: list[str] = []
    fixed: dict[str, int] = {}
    by_code: dict[str, Dimension] = {}
    for name, code in select.items():
        dimension = _find_dimension(cube, name)
        if dimension is None:
            problems.append(_("--select %(dim)s: the table has no such dimension") % {"dim": name})
            continue
        index = dimension.find(code)
        if index is None:
            problems.append(
                _("--select %(dim)s=%(code)s: no such category (categories: %(codes)s)")
                % {"dim": name, "code": code, "codes": dimension.describe()}
            )
            continue
        fixed[dimension.code] = index
        by_code[dimension.code] = dimension
    summed: list[str] = []
    for name in sum_dims:
        dimension = _find_dimension(cube, name)
        if dimension is None:
            problems.append(_("--sum %(dim)s: the table has no such dimension") % {"dim": name})
        elif dimension.code in fixed:
            problems.append(_("%(dim)s is both selected and summed") % {"dim": name})
        else:
            summed.append(dimension.code)

    # Contents: one per import.
    metric = next((d for d in cube.dimensions if d.role == "metric"), None)
    content_code, content_label = "", cube.contents
    if metric is not None and metric.code not in fixed:
        if content:
            index = metric.find(content)
            if index is None:
                problems.append(
                    _("--content %(code)s: no such content (contents: %(codes)s)")
                    % {"code": content, "codes": metric.describe()}
                )
            else:
                fixed[metric.code] = index
        elif len(metric.codes) == 1:
            fixed[metric.code] = 0
        else:
            problems.append(
                _("the table has several contents; choose one with --content CODE: %(codes)s")
                % {"codes": metric.describe()}
            )
    if metric is not None and metric.code in fixed:
        content_code = metric.codes[fixed[metric.code]]
        content_label = metric.labels[fixed[metric.code]]
    elif content and metric is None:
        problems.append(_("--content: the table has only one content"))

    free = [d for d in cube.dimensions if d.code not in fixed and d.code not in summed]

    def pick(test: object) -> Dimension | None:
        for dimension in free:
            if test(dimension):  # type: ignore[operator]
                free.remove(dimension)
                return dimension
        return None

    def all_periods(dimension: Dimension) -> bool:
        try:
            [normalise_period(code) for code in dimension.codes]
        except ValueError:
            return False
        return True

    def all_areas(dimension: Dimension) -> bool:
        return all(
            _area_code(c, lab) in known_areas and _names_area(c, lab, area_names)
            for c, lab in zip(dimension.codes, dimension.labels, strict=True)
        )

    time = pick(lambda d: d.role == "time") or pick(
        lambda d: _key(d.code) in TIME_NAMES or _key(d.label) in TIME_NAMES
    )
    region = pick(lambda d: d.role == "geo") or pick(
        lambda d: _key(d.code) in REGION_NAMES or _key(d.label) in REGION_NAMES
    )
    sex = pick(lambda d: _key(d.code) in SEX_NAMES or _key(d.label) in SEX_NAMES)
    if region is None:
        region = pick(all_areas)
    if time is None:
        time = pick(all_periods)

    for dimension in [d for d in free if len(d.codes) == 1]:
        # One category (a table of one indicator, one age band): nothing to choose.
        fixed[dimension.code] = 0
        free.remove(dimension)

    fixed_area = fixed_period = ""
    if area is not None:
        fixed_area = normalise_area_code(area)
        if region is not None:
            problems.append(
                _(
                    "--area %(area)s: the table has a region dimension (%(dim)s); import one "
                    "of its areas with --select %(dim)s=CODE instead"
                )
                % {"area": area, "dim": region.code}
            )
        elif fixed_area not in known_areas:
            problems.append(_("--area %(area)s: no such area code") % {"area": area})
    elif region is None:
        problems.append(
            _(
                "no region dimension (codes such as 00, 22 or 2281) found; to place every value "
                "of a national table on one area, add --area CODE (e.g. --area 00 for Sweden)"
            )
        )
    if period is not None:
        if time is not None:
            problems.append(
                _(
                    "--period %(period)s: the table has a time dimension (%(dim)s); import one "
                    "of its periods with --select %(dim)s=CODE instead"
                )
                % {"period": period, "dim": time.code}
            )
        else:
            try:
                fixed_period = normalise_period(period)
            except ValueError as exc:
                problems.append(f"--period: {exc}")
    elif time is None:
        problems.append(
            _(
                "no time dimension (år, tid, period, year) found; to place every value on one "
                "period, add --period P (e.g. --period 2024)"
            )
        )
    if free:
        problems.append(
            _(
                "fix each of these dimensions with --select DIM=CODE or add it up with --sum DIM: %(dims)s"
            )
            % {
                "dims": "; ".join(
                    f"{d.code}{f' ({d.label})' if d.label != d.code else ''}: {d.describe()}"
                    for d in free
                )
            }
        )
    if problems:
        raise MappingError("\n".join(problems))

    area_codes: dict[int, str] = {}
    periods: dict[int, str] = {}
    genders: dict[int, str] = {}
    notes: list[str] = []
    unknown: list[str] = []
    if time is None:
        periods[0] = fixed_period
    else:
        for index, code in enumerate(time.codes):
            try:
                periods[index] = normalise_period(code)
            except ValueError as exc:
                problems.append(f"{time.code}: {exc}")
    excluded: set[tuple[int, int]] = set()
    if region is None:
        area_codes[0] = fixed_area
    else:
        area_codes, unknown, notes, excluded = _place_areas(region, known_areas, periods)
        if not area_codes:
            problems.append(
                _("no known Swedish area codes in %(dim)s: %(codes)s")
                % {"dim": region.code, "codes": region.describe()}
            )
    if sex is not None:
        for index, (code, label) in enumerate(zip(sex.codes, sex.labels, strict=True)):
            gender = SEX_CODES.get(_key(code)) or SEX_CODES.get(_key(label))
            if gender is None:
                problems.append(
                    _("%(dim)s: unknown sex code %(code)r (expected 1, 2, 1+2, TotSa, T, K, M)")
                    % {"dim": sex.code, "code": code}
                )
            else:
                genders[index] = str(gender)
        if len(set(genders.values())) != len(genders):
            problems.append(
                _("%(dim)s: two categories mean the same gender; choose one with --select")
                % {"dim": sex.code}
            )
    if problems:
        raise MappingError("\n".join(problems))

    mapping = Mapping(
        cube=cube,
        region=region,
        time=time,
        sex=sex,
        fixed=fixed,
        summed=summed,
        area_codes=area_codes,
        periods=periods,
        genders=genders,
        content=content_code,
        content_label=content_label,
        excluded=excluded,
    )
    mapping.warnings.extend(notes)
    if unknown:
        mapping.warnings.append(
            _("skipped areas that are not current Swedish areas: %(codes)s")
            % {"codes": ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")}
        )
    for code in summed:
        dimension = next(d for d in cube.dimensions if d.code == code)
        totals = _looks_like_total(dimension)
        if totals:
            mapping.warnings.append(
                _(
                    "summing %(dim)s includes %(cats)s, which looks like a total: the sum may "
                    "count everything twice (select the total with --select %(dim)s=%(first)s "
                    "instead)"
                )
                % {"dim": dimension.code, "cats": ", ".join(totals), "first": totals[0]}
            )
    return mapping


def placed_note(old: str, change: history.CodeChange) -> str:
    """The report's note for a retired area code placed on today's."""
    return _("%(old)s placed on %(new)s, its code since %(year)d (%(note)s)") % {
        "old": old,
        "new": change.new_code,
        "year": change.year,
        "note": change.note,
    }


_NATION_WORDS = ("riket", "sverige", "sweden", "hela", "whole")


def _names_area(code: str, label: str, names: dict[str, str] | None) -> bool:
    """Whether a category's label names the area its code names ("Stockholms county" or
    "01 Stockholm" for 01): bare codes are not enough, as ages 20–25 or sectors 01–08 would
    pass for counties."""
    if names is None:
        return True
    label = label.strip().lower()
    area = normalise_area_code(code)
    if area == "00":
        return any(word in label for word in _NATION_WORDS)
    name = names.get(area, "").lower().split(" ")[0]
    return bool(name) and name.rstrip("s") in label


def _place_areas(
    region: Dimension, known_areas: set[str], periods: dict[int, str]
) -> tuple[dict[int, str], list[str], list[str], set[tuple[int, int]]]:
    """Today's area code of each category of ``region``: current codes as they are, codes
    retired since 1990 through ``geo.history``. Returns the codes by position, the codes that
    cannot be placed, notes for the report, and the (area, period) positions to leave out
    because the code named a smaller area in that period."""
    area_codes: dict[int, str] = {}
    unknown: list[str] = []
    notes: list[str] = []
    excluded: set[tuple[int, int]] = set()
    placed = {_area_code(c, lab) for c, lab in zip(region.codes, region.labels, strict=True)}
    for index, (code, label) in enumerate(zip(region.codes, region.labels, strict=True)):
        area = _area_code(code, label)
        if area in known_areas:
            area_codes[index] = area
            reused = history.reused_before(area)
            if reused is not None:
                early = {ti for ti, period in periods.items() if int(period[:4]) < reused.year}
                if early:
                    excluded.update((index, ti) for ti in early)
                    notes.append(
                        _("%(code)s before %(year)d is not placed: %(note)s")
                        % {"code": area, "year": reused.year, "note": reused.note}
                    )
            continue
        change = history.replacement(area)
        if change is None:
            unknown.append(code)
        elif not change.new_code:
            notes.append(
                _("%(code)s is not placed (%(year)d): %(note)s")
                % {"code": area, "year": change.year, "note": change.note}
            )
        elif change.new_code in placed or change.new_code not in known_areas:
            notes.append(
                _("%(old)s is not placed: the table also gives %(new)s, its code since %(year)d")
                % {"old": area, "new": change.new_code, "year": change.year}
            )
        else:
            area_codes[index] = change.new_code
            notes.append(placed_note(area, change))
    years = sorted({int(period[:4]) for period in periods.values()})
    present = set(area_codes.values())
    for split in history.splits():
        if (
            split.old_code in present
            and split.new_code not in present
            and years
            and years[0] < split.year
        ):
            notes.append(
                _("%(old)s before %(year)d includes today's %(new)s (%(note)s)")
                % {
                    "old": split.old_code,
                    "year": split.year,
                    "new": split.new_code,
                    "note": split.note,
                }
            )
    return area_codes, unknown, notes, excluded
