"""Demo needs and offers from the demo organisations, with a few introductions and outcomes
(loaded by ``samverka demo``; idempotent: rows are found again by their title)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from samverka.actors.models import FocusArea, Organisation
from samverka.matchmaking.models import Interest, Need, Offer, Outcome

# (kind, title, description, focus slugs, preferred helix of the owner)
NEEDS = [
    (
        "testbed",
        "Testbädd för eldriven skotare",
        "Vi vill prova en eldriven skotare i gallringsskog under en säsong och mäta energiförbrukning och markskador.",
        ["variationsrikt-skogsbruk", "fossilfrihet"],
        "company",
    ),
    (
        "expertise",
        "Expertis om vallens kolinlagring",
        "Vi behöver hjälp att mäta hur mycket kol vallen lagrar i marken på våra gårdar.",
        ["vallodling", "gron-omstallning"],
        "company",
    ),
    (
        "partner",
        "Partner för lokal ostproduktion",
        "Mejeri söker gårdar och förädlare som vill ta fram en lokal ost tillsammans.",
        ["lokal-foradling", "naturpositiv-matproduktion"],
        "company",
    ),
    (
        "capital",
        "Kapital till trähusfabrik",
        "Vi söker riskkapital för att skala upp produktionen av limträelement för flerbostadshus.",
        ["trahusbyggande", "foradling-av-trafiber"],
        "company",
    ),
    (
        "market",
        "Marknad för viltkött",
        "Vi söker restauranger och butiker som vill köpa viltkött från jakt i länet.",
        ["mat-kultur-besoksnaring", "lokal-foradling"],
        "company",
    ),
    (
        "expertise",
        "Kunskap om biogas från gödsel",
        "Vi vill veta om gödsel från våra gårdar räcker för en gemensam biogasanläggning.",
        ["fossilfrihet", "resurshushallning"],
        "company",
    ),
    (
        "testbed",
        "Provodling av proteingrödor",
        "Vi behöver försöksytor för att prova åkerböna och ärter i norrländskt klimat.",
        ["naturpositiv-matproduktion", "vallodling"],
        "academia",
    ),
    (
        "partner",
        "Företag till forskningsprojekt om träfiber",
        "Universitetet söker företag som vill testa nya träfiberbaserade förpackningar.",
        ["foradling-av-trafiber"],
        "academia",
    ),
    (
        "other",
        "Besöksgårdar till matturism",
        "Kommunen söker gårdar som vill ta emot besökare i ett nytt matturismprojekt.",
        ["mat-kultur-besoksnaring"],
        "public",
    ),
    (
        "expertise",
        "Rådgivning om naturbete",
        "Vi vill utveckla betesmarker för biologisk mångfald och behöver rådgivning.",
        ["naturpositiv-matproduktion"],
        "civil_society",
    ),
]
OFFERS = [
    (
        "testbed",
        "Provbana för skogsmaskiner",
        "Vår försöksskog står öppen för test av skotare och skördare, med mätning av markskador.",
        ["variationsrikt-skogsbruk"],
        "academia",
    ),
    (
        "expertise",
        "Markkartering och kolmätning",
        "Vi mäter kolinlagring i vall och åkermark med provtagning och satellitdata.",
        ["vallodling", "gron-omstallning"],
        "academia",
    ),
    (
        "partner",
        "Mejeri söker mjölkleverantörer",
        "Vi tar emot mjölk från små gårdar och förädlar den till ost och yoghurt.",
        ["lokal-foradling"],
        "company",
    ),
    (
        "capital",
        "Regional innovationsfond",
        "Lån och ägarkapital till gröna företag som vill växa, från 500 000 kronor.",
        ["gron-omstallning"],
        "public",
    ),
    (
        "market",
        "Saluhall för lokal mat",
        "Saluhallen har plats för fler lokala producenter av kött, ost och grönsaker.",
        ["mat-kultur-besoksnaring", "lokal-foradling"],
        "company",
    ),
    (
        "expertise",
        "Biogasrådgivning",
        "Vi gör förstudier om biogas från gödsel och restprodukter för grupper av gårdar.",
        ["fossilfrihet", "resurshushallning"],
        "public",
    ),
    (
        "testbed",
        "Försöksgård för nya grödor",
        "Försöksgården erbjuder ytor och personal för provodling av baljväxter och vall.",
        ["vallodling", "naturpositiv-matproduktion"],
        "academia",
    ),
    (
        "partner",
        "Förpackningsföretag söker träfiberidéer",
        "Vi vill utveckla förpackningar av träfiber tillsammans med forskare och formgivare.",
        ["foradling-av-trafiber"],
        "company",
    ),
    (
        "other",
        "Gårdsbutiksnätverk",
        "Nätverket av gårdsbutiker hjälper nya gårdar att ta emot besökare.",
        ["mat-kultur-besoksnaring"],
        "civil_society",
    ),
    (
        "expertise",
        "Betesrådgivning för mångfald",
        "Rådgivare om naturbete, stängsling och biologisk mångfald i betesmarker.",
        ["naturpositiv-matproduktion"],
        "academia",
    ),
    (
        "expertise",
        "Trähuskonstruktion",
        "Konstruktörer med erfarenhet av limträ och korslimmat trä i flervåningshus.",
        ["trahusbyggande"],
        "company",
    ),
    (
        "testbed",
        "Laboratorium för livsmedel",
        "Livsmedelslabbet hjälper små förädlare att ta fram och testa nya produkter.",
        ["lokal-foradling"],
        "academia",
    ),
]
# (need title, offer title, outcome)
INTERESTS = [
    ("Testbädd för eldriven skotare", "Provbana för skogsmaskiner", Outcome.MEETING),
    ("Expertis om vallens kolinlagring", "Markkartering och kolmätning", Outcome.AGREEMENT),
    ("Kunskap om biogas från gödsel", "Biogasrådgivning", Outcome.PENDING),
    ("Rådgivning om naturbete", "Betesrådgivning för mångfald", Outcome.NOTHING),
]


def _owners() -> dict[str, list[Organisation]]:
    by_helix: dict[str, list[Organisation]] = {}
    for organisation in Organisation.objects.filter(is_demo=True).select_related(
        "municipality__parent"
    ):
        by_helix.setdefault(organisation.helix, []).append(organisation)
    return by_helix


def _load(model: Any, specs: list[tuple[Any, ...]], owners: dict[str, list[Organisation]]) -> int:
    created = 0
    everyone = [o for group in owners.values() for o in group]
    for n, (kind, title, description, focus, helix) in enumerate(specs):
        if model.objects.filter(title=title).exists():
            continue
        candidates = owners.get(helix) or everyone
        owner = candidates[(n * 7) % len(candidates)]
        listing = model.objects.create(
            kind=kind,
            title=title,
            description=description,
            owner=owner,
            county=owner.municipality.parent if owner.municipality else None,
            visibility="members" if n % 5 == 4 else "public",
            is_demo=True,
        )
        listing.focus_areas.set(FocusArea.objects.filter(slug__in=focus))
        created += 1
    return created


def load_matchmaking_demo(stdout: TextIO | None = None) -> dict[str, int]:
    """About ten needs and twelve offers from the demo organisations, and four introductions
    with outcomes. A second run writes nothing; without demo organisations nothing is loaded."""
    with transaction.atomic():
        owners = _owners()
        if not owners:
            return {"needs": 0, "offers": 0, "interests": 0, "created": 0}
        created = _load(Need, NEEDS, owners) + _load(Offer, OFFERS, owners)
        now = timezone.now()
        for weeks, (need_title, offer_title, outcome) in enumerate(INTERESTS, 1):
            need = Need.objects.filter(title=need_title, is_demo=True).first()
            offer = Offer.objects.filter(title=offer_title, is_demo=True).first()
            if need is None or offer is None or need.owner_id == offer.owner_id:
                continue
            _interest, made = Interest.objects.get_or_create(
                need=need,
                offer=offer,
                defaults={
                    "introduced_at": now - timedelta(weeks=weeks * 3),
                    "outcome": outcome,
                    "outcome_at": None if outcome == Outcome.PENDING else now,
                    "is_demo": True,
                },
            )
            created += made
    counts = {
        "needs": Need.objects.filter(is_demo=True).count(),
        "offers": Offer.objects.filter(is_demo=True).count(),
        "interests": Interest.objects.filter(is_demo=True).count(),
        "created": created,
    }
    if stdout is not None:
        stdout.write(
            f"Matchmaking: {counts['needs']} needs, {counts['offers']} offers, "
            f"{counts['interests']} introductions ({created} new).\n"
        )
    return counts
