"""Demo data of the sluice app (loaded by ``samverka demo``; idempotent): routing rules and ten
help cases at various stages with realistic times in each stage. No mail is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import transaction

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.geo.models import Area
from samverka.sluice.forms import CONSENT_VERSION
from samverka.sluice.models import CaseTransition, HelpCase, HelpKind, RoutingRule, Stage
from samverka.sluice.services import route

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 8, 3, 9, 0, tzinfo=STOCKHOLM)
CONSENT = "Samtycke registrerat i formuläret Få hjälp (demo)."

# (name, focus area slug, county code, kind, priority, target cluster slug)
RULES: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("Vallodling: testbäddar i Öjebyn", "vallodling", "", HelpKind.TESTBED, 50, "ojebyn-agro-park"),
    (
        "Forskningskompetens via Ultuna",
        "",
        "",
        HelpKind.RESEARCH,
        80,
        "green-innovation-park-ultuna",
    ),
    ("Jämtland", "", "23", "", 100, "gront-center-jamtland-harjedalen"),
    ("Östergötland", "", "05", "", 100, "vreta-kluster"),
    ("Norrbotten", "", "25", "", 100, "ojebyn-agro-park"),
)

# (key, title, description, focus slug, municipality code, kind, organisation, person,
#  stages as (stage, days after the previous step), outcome when closed)
CASES: tuple[tuple[Any, ...], ...] = (
    (
        "01",
        "Vallfröblandning för norrländskt klimat",
        "Vi vill pröva en ny vallfröblandning "
        "som tål sen vår och vill veta var vi kan odla försöksrutor.",
        "vallodling",
        "2581",
        HelpKind.TESTBED,
        "Norrvall AB",
        "Lina Berg",
        [("screened", 3), ("mentoring", 12), ("testbed", 20), ("application", 41)],
        "",
    ),
    (
        "02",
        "Lokal mejeriförädling på gården",
        "Vi har 40 kor och vill förädla mjölken till ost som säljs lokalt. Vilket stöd finns?",
        "lokal-foradling",
        "2380",
        HelpKind.ADVICE,
        "Gårdsmejeriet i Brunflo",
        "Per Ås",
        [("screened", 2), ("mentoring", 9)],
        "",
    ),
    (
        "03",
        "Finansiering av biokolanläggning",
        "Vi söker medfinansiering för en pilotanläggning för biokol av skogsrester.",
        "gron-omstallning",
        "2309",
        HelpKind.FINANCING,
        "Krokoms Biokol",
        "Sara Nilsson",
        [("screened", 4), ("application", 18), ("project", 60)],
        "",
    ),
    (
        "04",
        "Marknad för trähus i export",
        "Vi tillverkar småhus i trä och söker kontakter i Norge.",
        "trahusbyggande",
        "2326",
        HelpKind.MARKET,
        "Bergs Trähus",
        "Johan Ek",
        [("screened", 5), ("closed", 10)],
        "referred",
    ),
    (
        "05",
        "Samarbetspartner för insektsprotein",
        "Vi söker en partner med foderkompetens.",
        "naturpositiv-matproduktion",
        "0580",
        HelpKind.PARTNER,
        "Larv & Co",
        "Emma Lind",
        [("screened", 1), ("mentoring", 14), ("closed", 30)],
        "advice_given",
    ),
    (
        "06",
        "Forskare inom markkol",
        "Vi behöver forskningsstöd för att mäta kolinlagring i betesmark.",
        "naturpositiv-matproduktion",
        "0380",
        HelpKind.RESEARCH,
        "Uppsala Betesgård",
        "Karin Holm",
        [("screened", 6), ("mentoring", 21)],
        "",
    ),
    (
        "07",
        "Testbädd för robotbete",
        "Vi vill testa en robot för bete i kuperad terräng.",
        "vallodling",
        "2380",
        HelpKind.TESTBED,
        "Agrobotik Norr AB",
        "Ali Hassan",
        [("screened", 2), ("testbed", 8)],
        "",
    ),
    (
        "08",
        "Rådgivning om skogsbruk med hyggesfria metoder",
        "Hur kommer vi igång?",
        "variationsrikt-skogsbruk",
        "0581",
        HelpKind.ADVICE,
        "Skogsägarna Kolmården",
        "Nils Gran",
        [("screened", 3), ("closed", 7)],
        "advice_given",
    ),
    (
        "09",
        "Besöksnäring på gården",
        "Vi planerar gårdsbutik och övernattning.",
        "mat-kultur-besoksnaring",
        "2361",
        HelpKind.ADVICE,
        "Fjällgården",
        "Anna Öberg",
        [],
        "",
    ),
    (
        "10",
        "Vallensilage som biogassubstrat",
        "Idé om att leverera överskottsvall till biogas.",
        "fossilfrihet",
        "0580",
        HelpKind.PARTNER,
        "Östgöta Vall",
        "Olof Sten",
        [("screened", 4), ("mentoring", 15), ("closed", 25)],
        "not_pursued",
    ),
)


def _rules() -> int:
    created = 0
    for name, focus, county, kind, priority, cluster_slug in RULES:
        cluster = Cluster.objects.filter(slug=cluster_slug).first()
        if cluster is None or RoutingRule.objects.filter(name=name, is_demo=True).exists():
            continue
        RoutingRule.objects.create(
            name=name,
            focus_area=FocusArea.objects.filter(slug=focus).first() if focus else None,
            county=Area.objects.filter(code=county).first() if county else None,
            kind=kind,
            priority=priority,
            target_cluster=cluster,
            is_demo=True,
        )
        created += 1
    return created


def _case(spec: tuple[Any, ...], index: int) -> bool:
    key, title, description, focus, municipality, kind, org, person, steps, outcome = spec
    token = f"demo-case-{key}"
    if HelpCase.objects.filter(token=token).exists():
        return False
    received = START + timedelta(days=7 * index, hours=index)
    case = HelpCase(
        token=token,
        title=title,
        description=description,
        focus_area=FocusArea.objects.filter(slug=focus).first(),
        municipality=Area.objects.filter(code=municipality).first(),
        kind=kind,
        name=person,
        email=f"demo-{key}@example.se",
        organisation_name=org,
        consent_text=CONSENT,
        consent_version=CONSENT_VERSION,
        consent_at=received,
        is_demo=True,
    )
    route(case)
    case.save()
    CaseTransition.objects.create(case=case, from_stage="", to_stage=Stage.RECEIVED, at=received)
    at, stage = received, Stage.RECEIVED
    for to_stage, days in steps:
        at += timedelta(days=days)
        CaseTransition.objects.create(
            case=case,
            from_stage=stage,
            to_stage=to_stage,
            outcome=outcome if to_stage == Stage.CLOSED else "",
            at=at,
        )
        stage = to_stage
    HelpCase.objects.filter(pk=case.pk).update(
        stage=stage,
        outcome=outcome if stage == Stage.CLOSED else "",
        stage_changed_at=at,
        created=received,
    )
    return True


def load_sluice_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Routing rules to demo clusters and ten help cases routed by them, with their stage
    history. A second run writes nothing. Returns counts of rows created."""
    with transaction.atomic():
        rules = _rules()
        cases = sum(_case(spec, i) for i, spec in enumerate(CASES))
    if stdout is not None:
        stdout.write(f"Sluice demo: {rules} routing rules, {cases} help cases created.\n")
    return {"routing_rules": rules, "help_cases": cases}
