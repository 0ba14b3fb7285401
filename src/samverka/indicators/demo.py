"""Demo indicators behind measure goals of RTP Västernorrland 2008–2010 (seed 004): employment
rate 20–64 by gender, new companies, population, and one indicator without values yet.

The population of the counties 2004–2005 comes from Statistics Sweden's table BE0101A1 (see
``data/README.md``); every other figure is invented and says so in the indicator's method text.
Idempotent: values go through :func:`store_values` (unchanged figures stay unchanged) and the
goals are updated in place. Needs the programme demo for the goals (without it only the
indicators and values are loaded).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from samverka.geo.models import NATION_CODE, Area
from samverka.indicators.enums import Aggregation, Gender, RelativeMode, Source, TargetKind
from samverka.indicators.models import Indicator
from samverka.indicators.services.store import ValueRow, store_values
from samverka.programmes.models import MeasureGoal

DATA = Path(__file__).resolve().parent / "data"
SCB_FILE = DATA / "scb-be0101a1-population-by-county.csv"
DEMO_FILE = DATA / "demo-indicator-values.csv"
PROGRAMME_CODE = "rtp-vasternorrland-2008-2010"
COUNTY = "22"
SCB_SOURCE = "SCB BE0101A1"
DEMO_SOURCE = "demo"

_DEMO_NOTE_SV = (
    "DEMOVÄRDEN: siffrorna är påhittade för att visa plattformen, inte officiell statistik."
)
_DEMO_NOTE_EN = "Demo values: the figures are invented to show the platform, not statistics."

INDICATORS: list[dict[str, Any]] = [
    {
        "code": "sysselsattningsgrad-20-64",
        "name_sv": "Sysselsättningsgrad 20–64 år",
        "name_en": "Employment rate, ages 20–64",
        "unit": "procent",
        "definition": (
            "Andelen sysselsatta av befolkningen 20–64 år, i procent, per kön.\n"
            "The share of the population aged 20–64 that is employed, in percent, by gender."
        ),
        "method": (
            f"{_DEMO_NOTE_SV}\n{_DEMO_NOTE_EN}\n\n"
            "Hur den beräknas i verkligheten: sysselsatta 20–64 år (SCB:s registerbaserade "
            "arbetsmarknadsstatistik, RAMS, november) delat med befolkningen 20–64 år den 31 "
            "december. Andelar går inte att summera över områden: län och riket har egna värden "
            "(aggregering medel), och plattformen härleder dem aldrig från kommunerna.\n"
            "Caveat: RAMS counts anyone with at least one hour of paid work in November."
        ),
        "source": Source.OTHER,
        "source_reference": "demo (modelled on SCB RAMS)",
        "aggregation": Aggregation.MEAN,
        "gender_split": True,
        "decimals": 1,
    },
    {
        "code": "nya-foretag",
        "name_sv": "Nystartade företag",
        "name_en": "New companies",
        "unit": "antal",
        "definition": (
            "Antal nystartade företag under året efter företagets kommun och grundarens kön.\n"
            "New companies started during the year, by municipality and the founder's gender."
        ),
        "method": (
            f"{_DEMO_NOTE_SV}\n{_DEMO_NOTE_EN}\n\n"
            "Förebild: Tillväxtanalys statistik över nystartade företag. Antal summeras över "
            "områden (aggregering summa); kön anges endast för Västernorrland. Totalen (T) är "
            "källans egen och räknas inte om från kvinnor och män."
        ),
        "source": Source.OTHER,
        "source_reference": "demo (modelled on Tillväxtanalys)",
        "aggregation": Aggregation.SUM,
        "gender_split": True,
        "decimals": 0,
    },
    {
        "code": "folkmangd",
        "name_sv": "Folkmängd 31 december",
        "name_en": "Population on 31 December",
        "unit": "personer",
        "definition": (
            "Folkbokförda personer den 31 december, efter kön.\n"
            "Registered population on 31 December, by sex."
        ),
        "method": (
            "Länens kvinnor och män 2004–2005 är verklig statistik från SCB, tabell BE0101A1 "
            "(summerad över civilstånd och ålder). Länens totaler och riket är härledda (summa "
            "av kvinnor och män, summa av länen). "
            f"Alla övriga värden (2006–2011 och kommunerna) är påhittade: {_DEMO_NOTE_SV}\n"
            "The counties' women and men 2004–2005 are SCB's published figures (table "
            "BE0101A1); totals and the nation are derived; all other figures are demo values."
        ),
        "source": Source.SCB,
        "source_reference": "BE0101A1",
        "aggregation": Aggregation.SUM,
        "gender_split": True,
        "decimals": 0,
    },
    {
        "code": "sysselsattningsgrad-utrikes-fodda-20",
        "name_sv": "Sysselsättningsgrad för utrikes födda 20 år och äldre",
        "name_en": "Employment rate of people born abroad, aged 20 and over",
        "unit": "procent",
        "definition": "Andelen sysselsatta bland utrikes födda 20 år och äldre, i procent.",
        "method": (
            f"{_DEMO_NOTE_SV} Inga värden är inlästa ännu: målet som följer indikatorn visar "
            "därför ”inga data”. Import: samverka fetch scb … eller samverka import indicators."
        ),
        "source": Source.SCB,
        "source_reference": "",
        "aggregation": Aggregation.MEAN,
        "gender_split": False,
        "decimals": 1,
    },
]

# (measure code, start of the goal's text, indicator, area, gender, baseline period,
#  target kind, target value, relative mode); the deadline stays the programme's (2011).
GOALS: list[tuple[str, str, str, str, str, str, str, str, str]] = [
    (
        "1.1",
        "Förbättring av sysselsättningsgraden",
        "sysselsattningsgrad-20-64",
        COUNTY,
        "",
        "2007",
        TargetKind.RELATIVE_TO_NATION,
        "-1.5",
        RelativeMode.DIFFERENCE,
    ),
    (
        "1.1",
        "Ökning av sysselsättningsgraden i länet för utrikes födda",
        "sysselsattningsgrad-utrikes-fodda-20",
        COUNTY,
        "",
        "2007",
        TargetKind.RELATIVE_TO_NATION,
        "0.95",
        RelativeMode.RATIO,
    ),
    (
        "1.2",
        "Ökat antal nya företag",
        "nya-foretag",
        COUNTY,
        "",
        "2007",
        TargetKind.CHANGE,
        "15",
        "",
    ),
    (
        "1.2",
        "Ökad andel kvinnor som startar företag",
        "nya-foretag",
        COUNTY,
        "",
        "2007",
        TargetKind.GENDER_SHARE,
        "40",
        "",
    ),
    (
        "2.2",
        "Ökad årlig inflyttning till länet",
        "folkmangd",
        COUNTY,
        "",
        "2007",
        TargetKind.ABSOLUTE,
        "245000",
        "",
    ),
]


def _indicators() -> dict[str, Indicator]:
    return {i.code: i for i in Indicator.objects.filter(code__in=[d["code"] for d in INDICATORS])}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _population_rows() -> tuple[list[ValueRow], list[ValueRow], list[ValueRow]]:
    """(SCB's K/M rows, demo rows, derived rows): county totals where SCB gives only K and M,
    and the nation as the sum of the counties."""
    scb = [
        ValueRow(r["area"], r["period"], r["gender"], Decimal(r["value"])) for r in _read(SCB_FILE)
    ]
    demo = [
        ValueRow(r["area"], r["period"], r["gender"], Decimal(r["value"]))
        for r in _read(DEMO_FILE)
        if r["indicator"] == "folkmangd"
    ]
    county_totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in scb:
        county_totals[(row.area_code, row.period)] += row.value or 0
    derived = [ValueRow(a, p, Gender.TOTAL, v) for (a, p), v in county_totals.items()]
    nation: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in [*scb, *derived, *demo]:
        if len(row.area_code) == 2:
            nation[(row.period, row.gender)] += row.value or 0
    derived += [ValueRow(NATION_CODE, p, g, v) for (p, g), v in nation.items()]
    return scb, demo, derived


def _load_values() -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    def add(result: Any) -> None:
        counts["created"] += result.created
        counts["updated"] += result.updated
        counts["unchanged"] += result.unchanged

    indicators = _indicators()
    by_indicator: dict[str, list[ValueRow]] = defaultdict(list)
    for r in _read(DEMO_FILE):
        if r["indicator"] != "folkmangd":
            by_indicator[r["indicator"]].append(
                ValueRow(r["area"], r["period"], r["gender"], Decimal(r["value"]))
            )
    for code, rows in by_indicator.items():
        add(store_values(indicator=indicators[code], rows=rows, source=DEMO_SOURCE))
    scb, demo, derived = _population_rows()
    population = indicators["folkmangd"]
    add(store_values(indicator=population, rows=scb, source=SCB_SOURCE))
    add(store_values(indicator=population, rows=demo, source=DEMO_SOURCE))
    add(store_values(indicator=population, rows=derived, source=SCB_SOURCE, derived=True))
    return counts


def _baseline(
    indicator: Indicator, area: str, gender: str, period: str, kind: str
) -> Decimal | None:
    """The area's value in the baseline period (None for gender-share goals, whose baseline is
    the share computed from women and men)."""
    if kind == TargetKind.GENDER_SHARE:
        return None
    return (
        indicator.values.filter(area__code=area, period=period, gender=gender or Gender.TOTAL)
        .values_list("value", flat=True)
        .first()
    )


def _link_goals() -> int:
    linked = 0
    indicators = _indicators()
    areas = {a.code: a for a in Area.objects.filter(code__in={g[3] for g in GOALS})}
    for measure, text, code, area, gender, period, kind, target, mode in GOALS:
        goal = (
            MeasureGoal.objects.filter(
                measure__programme__code=PROGRAMME_CODE,
                measure__code=measure,
                text__startswith=text,
            )
            .order_by("pk")
            .first()
        )
        if goal is None:
            continue
        indicator = indicators[code]
        fields = {
            "indicator": indicator,
            "area": areas[area],
            "gender": gender,
            "baseline_period": period,
            "baseline_value": _baseline(indicator, area, gender, period, kind),
            "target_kind": kind,
            "target_value": Decimal(target),
            "relative_mode": mode,
        }
        if any(getattr(goal, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(goal, name, value)
            goal.save(update_fields=list(fields))
        linked += 1
    return linked


def load_indicator_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Create or update the demo indicators, their values and the RTP Västernorrland goals that
    follow them; return counts. Running it again changes nothing."""
    with transaction.atomic():
        created = 0
        for definition in INDICATORS:
            fields = {**definition, "is_demo": True}
            indicator = Indicator.objects.filter(code=definition["code"]).first()
            if indicator is None:
                Indicator.objects.create(**fields)
                created += 1
            elif any(getattr(indicator, k) != v for k, v in fields.items()):
                for name, value in fields.items():
                    setattr(indicator, name, value)
                indicator.save()
        counts = {"indicators": len(INDICATORS), "indicators_created": created}
        counts.update({f"values_{k}": v for k, v in _load_values().items()})
        counts["goals_linked"] = _link_goals()
    if stdout is not None:
        stdout.write(
            "Indicators: {indicators} ({indicators_created} new); values: {values_created} new, "
            "{values_updated} updated, {values_unchanged} unchanged; goals linked: "
            "{goals_linked}\n".format(**counts)
        )
    return counts
