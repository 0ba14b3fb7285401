"""The demo data set: the green clusters of the source documents and a fictional actor network.

The clusters, their counties and the focus areas come from the source documents (seeds 000 and
001); their texts are written for Samverka. Every member organisation and every person is
fictional: organisation names end with " (demo)", websites live under example.se, e-mail
addresses under example.org, and company organisation numbers are valid checksums in a series
(5599 9…) chosen to be far from numbers in use. The organisations that run the real clusters carry
the cluster's own name and no organisation number.

``load_demo`` is idempotent. It matches what is already there (focus areas and clusters on slug,
companies on organisation number, other organisations on name, people on e-mail, memberships on
cluster and organisation, relations on both ends and kind) and creates only what is missing, so a
second run writes nothing. Rows that hold a demo slug or organisation number but are not demo
rows are left alone and counted as skipped. Existing demo rows keep any edits made to them, unless
the data set's version has grown since it was last loaded: then they are brought up to date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from django.db import models, transaction
from django.utils.text import slugify
from stdnum import luhn

from samverka.actors.enums import Gender, Helix, RelationKind
from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.actors.services import normalise_orgnr
from samverka.clusters.models import Cluster, Membership, MembershipRole
from samverka.core import audit
from samverka.core.models import DemoMarker
from samverka.geo.models import Area, AreaKind

DEMO_KEY = "demo"
#: Raise when the data below changes, so that existing demo rows are brought up to date.
DEMO_VERSION = 1
DEMO_SUFFIX = " (demo)"

# --------------------------------------------------------------------------------------------
# Focus areas (seed 000, "Spetsar inom våra styrkor")
# --------------------------------------------------------------------------------------------

GRON = "gron-omstallning"
FOSSIL = "fossilfrihet"
RESURS = "resurshushallning"
VALL = "vallodling"
LOKAL = "lokal-foradling"
SKOG = "variationsrikt-skogsbruk"
FIBER = "foradling-av-trafiber"
TRAHUS = "trahusbyggande"
NATUR = "naturpositiv-matproduktion"
BESOK = "mat-kultur-besoksnaring"


@dataclass(frozen=True)
class FocusAreaSpec:
    slug: str
    name_sv: str
    name_en: str
    description: str


FOCUS_AREAS: tuple[FocusAreaSpec, ...] = (
    FocusAreaSpec(
        GRON,
        "Grön omställning",
        "Green transition",
        "Arbete för att de gröna näringarna ska bidra till en biobaserad och klimatsmart ekonomi.",
    ),
    FocusAreaSpec(
        FOSSIL,
        "Fossilfrihet",
        "Fossil-free production",
        "Att ersätta fossila bränslen och insatsvaror i lantbruk, skogsbruk och transporter.",
    ),
    FocusAreaSpec(
        RESURS,
        "Resurshushållning",
        "Resource efficiency",
        "Att använda mark, vatten, energi och restflöden så effektivt och cirkulärt som möjligt.",
    ),
    FocusAreaSpec(
        VALL,
        "Vallodling",
        "Ley farming",
        "Odling av gräs och baljväxter för foder, jordhälsa och kolinlagring.",
    ),
    FocusAreaSpec(
        LOKAL,
        "Lokal förädling",
        "Local processing",
        "Att förädla råvaror nära platsen där de produceras, så att mer av värdet stannar lokalt.",
    ),
    FocusAreaSpec(
        SKOG,
        "Variationsrikt skogsbruk",
        "Diverse forestry",
        "Skogsbruk med blandade trädslag och brukningsformer som gynnar både virke och mångfald.",
    ),
    FocusAreaSpec(
        FIBER,
        "Förädling av träfiber",
        "Wood fibre processing",
        "Nya produkter av träfiber, från textilier och förpackningar till kemikalier.",
    ),
    FocusAreaSpec(
        TRAHUS,
        "Trähusbyggande",
        "Timber construction",
        "Att bygga hus och anläggningar i trä från närliggande skogar.",
    ),
    FocusAreaSpec(
        NATUR,
        "Naturpositiv matproduktion",
        "Nature-positive food production",
        "Matproduktion som stärker naturen: växtförädling, jordhälsa, djurvälfärd och ny teknik.",
    ),
    FocusAreaSpec(
        BESOK,
        "Mat, kultur och besöksnäring",
        "Food, culture and tourism",
        "Upplevelser där lokal mat, kulturarv och besöksnäring förstärker varandra.",
    ),
)

# --------------------------------------------------------------------------------------------
# Clusters (seed 001, the national network; seed 000, Grönt Center Jämtland Härjedalen)
# --------------------------------------------------------------------------------------------

NBF = "kompetenscentrum-naturbruksforvaltningen-vgr"
OAP = "ojebyn-agro-park"
ICL = "innovationscenter-for-landsbygden"
GGC = "gotlands-gront-centrum"
AOR = "agro-orebro"
AGS = "agro-sormland"
GKV = "gront-kompetenscentrum-vastmanland"
AGV = "agro-vast"
GNN = "grona-naringar-norrbotten"
SLU = "slu-partnerskap-alnarp"
GIU = "green-innovation-park-ultuna"
NUN = "grona-klustret-nuntorp"
VRK = "vreta-kluster"
AGT = "arena-gron-tillvaxt-halland"
JGK = "jonkopings-grona-kluster"
GNV = "grona-navet-vasterbotten"
FRO = "froda-dalarna"
GCJ = "gront-center-jamtland-harjedalen"


@dataclass(frozen=True)
class ClusterSpec:
    slug: str
    name: str
    county: str
    focus_areas: tuple[str, ...]
    summary: str
    description: str
    operator_helix: str = Helix.OTHER
    operator_name: str = ""
    operator_municipality: str | None = None
    in_national_network: bool = True

    @property
    def operator(self) -> str:
        return self.operator_name or self.name


CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(
        NBF,
        "Kompetenscentrum Naturbruksförvaltningen VGR",
        "14",
        (GRON, SKOG, NATUR),
        "Utbildning och utvecklingsarbete i alla gröna näringar (jordbruk, skog, trädgård och "
        "häst) i Västra Götaland.",
        "Kompetenscentret samlar regionens naturbruksverksamhet och ser bredden som sin största "
        "styrka. Här ges kurser, försök och utvecklingsprojekt för lantbruk, skogsbruk, "
        "trädgårdsodling och hästnäring, så att ny kunskap snabbt når företagen i länet.",
        operator_helix=Helix.PUBLIC,
        operator_name="Naturbruksförvaltningen, Västra Götalandsregionen",
    ),
    ClusterSpec(
        OAP,
        "Öjebyn Agro Park",
        "25",
        (VALL, NATUR, LOKAL),
        "Försöks- och demonstrationsodlingar i jordbruk och trädgård, rådgivning och "
        "utvecklingsprojekt för de gröna näringarna i Norrbotten.",
        "I Öjebyn utanför Piteå drivs fältförsök och visningsodlingar som är anpassade till ett "
        "nordligt klimat. Försöken kombineras med rådgivning och projekt som stärker jordbruk och "
        "trädgårdsnäring i norr.",
        operator_municipality="2581",
    ),
    ClusterSpec(
        ICL,
        "Innovationscenter för landsbygden",
        "14",
        (GRON, LOKAL, BESOK),
        "Ger växtkraft åt företag på landsbygden och kopplar ihop dem med andra aktörer.",
        "Innovationscentret i Skara hjälper landsbygdsföretag att göra affärer av nya idéer. En "
        "stor del av arbetet går ut på att matcha företagare med forskare, rådgivare och andra "
        "företag som kan bidra till utvecklingen.",
        operator_municipality="1495",
    ),
    ClusterSpec(
        GGC,
        "Gotlands Grönt Centrum",
        "09",
        (NATUR, LOKAL, BESOK),
        "Vill vara motorn i utvecklingen av de gröna näringarna på Gotland.",
        "Gotlands Grönt Centrum samlar öns gröna företag, rådgivare och utbildningsaktörer kring "
        "gemensamma utvecklingsfrågor. Målet är ett mer konkurrenskraftigt lantbruk, mer "
        "livsmedelsförädling på ön och en besöksnäring som bygger på gotländska råvaror.",
        operator_municipality="0980",
    ),
    ClusterSpec(
        AOR,
        "Agro Örebro",
        "18",
        (GRON, LOKAL, NATUR),
        "Håller ihop och synliggör det arbete som många aktörer gör för de gröna näringarna i "
        "Örebro län.",
        "Agro Örebro är en samlande plattform för länets aktörer inom jordbruk, livsmedel och "
        "skog. När pågående insatser blir synliga och kopplas ihop blir det lättare för "
        "företagen att hitta rätt stöd och rätt samarbetspartner.",
    ),
    ClusterSpec(
        AGS,
        "Agro Sörmland",
        "04",
        (RESURS, FOSSIL, NATUR),
        "Fokuserar främst på primärproduktion och precisionsodling i Sörmland.",
        "Agro Sörmland arbetar i första hand med lantbrukets primärproduktion och med hur ny "
        "teknik kan göra odlingen mer precis. Försök, demonstrationer och nätverk sprider metoder "
        "som sparar insatsmedel och stärker lönsamheten.",
    ),
    ClusterSpec(
        GKV,
        "Grönt Kompetenscentrum Västmanland",
        "19",
        (GRON, RESURS, LOKAL),
        "En koordinator som skapar och möjliggör utveckling av de gröna näringarna i Västmanland.",
        "Kompetenscentret ser sin roll som samordnare mellan företag, utbildning och offentliga "
        "aktörer i länet. Det tar initiativ till och möjliggör utvecklingsinsatser snarare än att "
        "driva all verksamhet på egen hand.",
    ),
    ClusterSpec(
        AGV,
        "Agro Väst",
        "14",
        (NATUR, LOKAL, GRON),
        "Arbetar för ett Västra Götaland som är en blomstrande och hållbar livsmedelsregion.",
        "Agro Väst verkar för att företagen i de gröna näringarna i Västra Götaland ska vara "
        "bärkraftiga och vilja utvecklas. Klustret driver nätverk och projekt om "
        "livsmedelsproduktion, förädling och hållbarhet.",
    ),
    ClusterSpec(
        GNN,
        "Gröna Näringar Norrbotten",
        "25",
        (LOKAL, VALL, BESOK),
        "Ett projekt som stärker de gröna näringarna i Norrbotten på flera olika sätt.",
        "Gröna Näringar Norrbotten arbetar brett med kompetens, nätverk och företagsutveckling "
        "för länets lantbrukare och förädlare. Syftet är att fler gröna företag i norr ska kunna "
        "växa och bli lönsamma.",
    ),
    ClusterSpec(
        SLU,
        "SLU Partnerskap Alnarp",
        "12",
        (NATUR, RESURS),
        "Bidrar till utveckling och konkurrenskraft i de gröna näringarna genom samverkan med "
        "forskningen i Alnarp.",
        "Partnerskapet förenar forskare vid SLU i Alnarp med företag och organisationer i de "
        "gröna näringarna. Tillsammans formulerar de behov, driver utvecklingsprojekt och för ut "
        "forskningsresultat i praktiken.",
        operator_helix=Helix.ACADEMIA,
        operator_municipality="1262",
    ),
    ClusterSpec(
        GIU,
        "Green Innovation Park Ultuna",
        "03",
        (GRON, NATUR, RESURS),
        "Innovationsmiljö för gröna företag vid Sveriges lantbruksuniversitet på campus Ultuna i "
        "Uppsala.",
        "Green Innovation Park är en mötesplats där nya gröna företag kan växa nära forskningen "
        "vid SLU. Här möts entreprenörer, forskare, investerare och andra aktörer i "
        "innovationssystemet.",
        operator_helix=Helix.ACADEMIA,
        operator_municipality="0380",
    ),
    ClusterSpec(
        NUN,
        "Gröna Klustret Nuntorp",
        "14",
        (VALL, NATUR, GRON),
        "Projektutveckling, kompetenshöjning och mötesforum för de gröna näringarna.",
        "Gröna Klustret Nuntorp bygger sin verksamhet på tre styrkeområden: att utveckla "
        "projekt, att höja kompetensen och att skapa mötesplatser. Klustret vänder sig till "
        "lantbrukare och andra gröna företagare i sitt närområde.",
        operator_municipality="1487",
    ),
    ClusterSpec(
        VRK,
        "Vreta Kluster",
        "05",
        (GRON, FOSSIL, NATUR),
        "Verkar för jobb, tillväxt och utveckling i de gröna näringarna i Östergötland.",
        "Vreta Kluster samlar företag, forskning och offentliga aktörer kring de gröna "
        "näringarnas utveckling i Östergötland. Klustret är också sammankallande i det "
        "nationella nätverket Gröna kluster, där klustren utbyter erfarenheter, metoder och "
        "kontakter.",
        operator_municipality="0580",
    ),
    ClusterSpec(
        AGT,
        "Arena Grön Tillväxt Halland",
        "13",
        (GRON, NATUR, LOKAL),
        "Framtids- och kunskapsdrivet arbete för att stärka de halländska gröna företagens "
        "konkurrenskraft.",
        "Arena Grön Tillväxt samlar halländska aktörer inom jordbruk, trädgård och livsmedel. "
        "Med kunskap och omvärldsbevakning som grund hjälper arenan företagen att möta "
        "framtidens krav och ta vara på nya möjligheter.",
    ),
    ClusterSpec(
        JGK,
        "Jönköpings gröna kluster",
        "06",
        (LOKAL, BESOK, NATUR),
        "Arbetar för att göra Jönköpings län till Sveriges mest innovativa matregion.",
        "I Jönköpings län samlas aktörer kring målet att länet ska bli landets mest innovativa "
        "matregion. Arbetet spänner från primärproduktion och förädling till måltider och "
        "matupplevelser.",
    ),
    ClusterSpec(
        GNV,
        "Gröna Navet Västerbotten",
        "24",
        (NATUR, LOKAL, VALL),
        "Tar fram en handlingsplan för att Västerbotten ska bli mer självförsörjande på livsmedel.",
        "Gröna Navet är en samlande kraft för de gröna näringarna i Västerbotten. Just nu "
        "ligger fokus på en handlingsplan som ska öka länets självförsörjning på livsmedel.",
    ),
    ClusterSpec(
        FRO,
        "FRODA Dalarna",
        "20",
        (LOKAL, GRON, BESOK),
        "Kunskap och innovation för Dalarnas gröna näringar genom nätverk, kurser och inkubator.",
        "FRODA har hittills lagt mest kraft på kunskap och innovation: att bygga ett nätverk, "
        "ordna kurser och utbildningar och driva inkubatorverksamhet. Målet är att fler gröna "
        "företag i Dalarna ska starta och växa.",
    ),
    ClusterSpec(
        GCJ,
        "Grönt Center Jämtland Härjedalen",
        "23",
        (GRON, FOSSIL, RESURS, VALL, LOKAL, SKOG, FIBER, TRAHUS, NATUR, BESOK),
        "Aktörsamverkan och klustring för de gröna näringarna i Norrlands inland: kunskapsnav, "
        "projektkontor och mötesplats.",
        "Grönt Center i Ås samlar verksamheter inom jord, skog och vatten och växer nu, efter "
        "förstudien ”Grön forskning”, till ett center för hela Norrlands inland. Det samordnar "
        "länets utvecklingsresurser och bygger på samverkan mellan näringsliv, akademi, "
        "myndigheter och civilsamhälle, med miljön som ram, och vill erbjuda resurscentrum, "
        "testbäddar och inkubator. På klustertrappan står nätverket på steg 1: att stärka "
        "relationerna och bygga tillit mellan aktörerna.",
        operator_municipality="2309",
    ),
)

# --------------------------------------------------------------------------------------------
# Fictional member organisations
# --------------------------------------------------------------------------------------------

CO, AC, PU, CS, OT = Helix.COMPANY, Helix.ACADEMIA, Helix.PUBLIC, Helix.CIVIL_SOCIETY, Helix.OTHER
MEMBER, PARTNER, FOUNDER, BOARD, FINANCIER = (
    MembershipRole.MEMBER,
    MembershipRole.PARTNER,
    MembershipRole.FOUNDER,
    MembershipRole.BOARD,
    MembershipRole.FINANCIER,
)


@dataclass(frozen=True)
class OrgSpec:
    key: int  # stable: companies' organisation numbers are derived from it
    name: str
    helix: str
    municipality: str
    focus_areas: tuple[str, ...]
    description: str
    memberships: tuple[tuple[str, str, date], ...]


def _org(
    key: int,
    name: str,
    helix: str,
    municipality: str,
    focus_areas: tuple[str, ...],
    description: str,
    *memberships: tuple[str, str, str],
) -> OrgSpec:
    return OrgSpec(
        key,
        name + DEMO_SUFFIX,
        helix,
        municipality,
        focus_areas,
        description,
        tuple((slug, role, date.fromisoformat(since)) for slug, role, since in memberships),
    )


# fmt: off
ORGANISATIONS: tuple[OrgSpec, ...] = (
    # Västra Götaland
    _org(1, "Exempelgården i Vara AB", CO, "1470", (VALL, NATUR),
         "Mjölkgård med egen vallodling som provar nya blandningar av gräs och baljväxter.",
         (NBF, MEMBER, "2019-03-01"), (AGV, MEMBER, "2020-01-15")),
    _org(2, "Testbyns Mejeri AB", CO, "1495", (LOKAL, BESOK),
         "Småskaligt mejeri som gör ost och yoghurt av mjölk från gårdarna runt omkring.",
         (ICL, MEMBER, "2021-05-10"), (AGV, PARTNER, "2018-09-01")),
    _org(3, "Fiktiva Frukt & Bär AB", CO, "1494", (NATUR, LOKAL),
         "Odlar äpplen och bär och pressar must på gården.",
         (AGV, MEMBER, "2022-04-01")),
    _org(4, "Påhittade Skogstjänst AB", CO, "1466", (SKOG, FOSSIL),
         "Entreprenör för skonsam gallring och hyggesfritt skogsbruk med eldrivna maskiner.",
         (NBF, MEMBER, "2020-02-01")),
    _org(5, "Demoskolans naturbruksgymnasium", PU, "1493", (GRON, SKOG),
         "Påhittad naturbruksskola med utbildningar i lantbruk, skog och djurvård.",
         (NBF, FOUNDER, "2015-08-15"), (NUN, PARTNER, "2017-01-01")),
    _org(6, "Exempelhögskolan i Västra Götaland", AC, "1496", (GRON, RESURS),
         "Påhittad högskola som forskar om digitalisering och sensorer i lantbruket.",
         (ICL, PARTNER, "2019-01-01"), (NBF, PARTNER, "2018-06-01")),
    _org(7, "Västra Exempelbygdens Hushållningsgille", CS, "1499", (VALL, NATUR),
         "Ideell förening som sprider kunskap om odling och djurhållning bland medlemmarna.",
         (AGV, BOARD, "2016-03-01"), (ICL, MEMBER, "2020-10-01")),
    _org(8, "Testdalens Biogas AB", CO, "1487", (FOSSIL, RESURS),
         "Rötar gödsel och matavfall till fordonsgas och biogödsel.",
         (NUN, MEMBER, "2021-02-01"), (AGV, MEMBER, "2022-02-01")),
    _org(9, "Lilla Exempelkvarnen AB", CO, "1461", (LOKAL, BESOK),
         "Stenmalet mjöl av spannmål från trakten och ett litet gårdscafé.",
         (NUN, MEMBER, "2019-06-01")),
    _org(10, "Fiktiva Lantbrukarföreningen Dal", CS, "1460", (VALL, GRON),
         "Lokal förening för lantbrukare som ordnar studiecirklar och fältvandringar.",
         (NUN, BOARD, "2018-01-01")),
    _org(11, "Exempelkommunens näringslivskontor", PU, "1495", (GRON, BESOK),
         "Påhittat näringslivskontor som lotsar företag till rätt stöd och rätt kontakter.",
         (ICL, FINANCIER, "2019-01-01")),
    _org(12, "Provodlingarnas Stiftelse Väst", OT, "1471", (NATUR, RESURS),
         "Stiftelse som finansierar och driver fältförsök på demonstrationsgårdar.",
         (NBF, FINANCIER, "2021-01-01")),
    # Norrbotten
    _org(13, "Norrskensgårdens Potatis AB", CO, "2581", (NATUR, LOKAL),
         "Odlar nordliga potatissorter med stort fokus på jordhälsa och växtföljd.",
         (OAP, MEMBER, "2018-04-01"), (GNN, MEMBER, "2021-03-01")),
    _org(14, "Exempelbärens Förädling AB", CO, "2580", (LOKAL, BESOK),
         "Förädlar vildplockade bär till saft, sylt och bärpulver.",
         (GNN, MEMBER, "2022-05-01")),
    _org(15, "Exempelälvens Viltförädling AB", CO, "2523", (LOKAL, BESOK),
         "Styckar och förädlar viltkött från jakten i länet till charkuterier.",
         (GNN, MEMBER, "2020-09-01")),
    _org(16, "Nordliga Exempelhögskolan", AC, "2580", (FOSSIL, RESURS),
         "Påhittat lärosäte med forskning om energi och resurser i kallt klimat.",
         (OAP, PARTNER, "2017-01-01"), (GNN, PARTNER, "2020-01-01")),
    _org(17, "Fiktiva Vallföreningen Norr", CS, "2582", (VALL,),
         "Förening där vallodlare delar erfarenheter av odling på nordliga breddgrader.",
         (OAP, MEMBER, "2019-05-01")),
    _org(18, "Demolänets landsbygdsenhet", PU, "2580", (GRON, LOKAL),
         "Påhittad myndighetsenhet som handlägger stöd till landsbygdsföretag.",
         (GNN, FINANCIER, "2020-01-01"), (OAP, FINANCIER, "2019-01-01")),
    _org(19, "Polcirkelns Växthus AB", CO, "2514", (FOSSIL, NATUR),
         "Odlar tomater och örter året runt i växthus som värms med spillvärme.",
         (OAP, MEMBER, "2022-11-01")),
    # Jämtland Härjedalen
    _org(20, "Exempelgårdens Fäbod AB", CO, "2361", (LOKAL, BESOK),
         "Fäbodbruk med getter, ystning och sommarvisningar för besökare.",
         (GCJ, MEMBER, "2023-06-01")),
    _org(21, "Testskogens Trähus AB", CO, "2380", (TRAHUS, FIBER),
         "Bygger småhus och fritidshus i massivträ från länets skogar.",
         (GCJ, MEMBER, "2022-09-01")),
    _org(22, "Fiktiva Fiberverket AB", CO, "2305", (FIBER, RESURS),
         "Utvecklar textil- och förpackningsfiber av restprodukter från sågverk.",
         (GCJ, PARTNER, "2023-01-01")),
    _org(23, "Åsens Exempellantbruk AB", CO, "2309", (VALL, NATUR),
         "Gård med köttdjur som betar naturbetesmarker och egen vallodling.",
         (GCJ, MEMBER, "2019-04-01")),
    _org(24, "Inlandets Exempeluniversitet", AC, "2380", (GRON, SKOG),
         "Påhittat universitet med forskning om landsbygdsutveckling och skog.",
         (GCJ, PARTNER, "2020-01-01")),
    _org(25, "Fiktiva Skogsägarföreningen Mitt", CS, "2313", (SKOG, FIBER),
         "Förening för skogsägare med rådgivning om hyggesfritt och variationsrikt skogsbruk.",
         (GCJ, BOARD, "2022-05-01")),
    _org(26, "Demoregionens utvecklingsenhet", PU, "2380", (GRON, FOSSIL),
         "Påhittad regional enhet som samordnar tillväxtarbetet i styrkeområdet Jord Skog Vatten.",
         (GCJ, FINANCIER, "2018-01-01")),
    _org(27, "Exempelbyns Besöksgård AB", CO, "2321", (BESOK,),
         "Gårdsbutik, restaurang och boende med råvaror från den egna gården.",
         (GCJ, MEMBER, "2021-06-01")),
    _org(28, "Fjällnära Testinkubatorn", OT, "2309", (GRON, LOKAL),
         "Påhittad inkubator, en ”äggkläckare” för nya gröna företagsidéer i inlandet.",
         (GCJ, PARTNER, "2021-01-01")),
    _org(29, "Fiktiva Fossilfria Maskinringen", CS, "2326", (FOSSIL, RESURS),
         "Lantbrukare som delar maskiner och provar förnybara drivmedel tillsammans.",
         (GCJ, MEMBER, "2022-03-01")),
    # Gotland
    _org(30, "Exempelöns Lammgård AB", CO, "0980", (NATUR, BESOK),
         "Fårgård som föder upp lamm på kalkrika naturbetesmarker.",
         (GGC, MEMBER, "2019-02-01")),
    _org(31, "Testholmens Svamp AB", CO, "0980", (LOKAL, BESOK),
         "Odlar och förädlar matsvamp och säljer till restauranger på ön.",
         (GGC, MEMBER, "2021-04-01")),
    _org(32, "Fiktiva Öns Vattenråd", CS, "0980", (RESURS,),
         "Förening som arbetar för en hållbar vattenhushållning i jordbruket.",
         (GGC, PARTNER, "2020-01-01")),
    _org(33, "Exempelregionens näringslivsavdelning", PU, "0980", (GRON, BESOK),
         "Påhittad avdelning som stöttar företag och besöksnäring.",
         (GGC, FINANCIER, "2018-01-01")),
    # Örebro
    _org(34, "Exempelslättens Spannmål AB", CO, "1881", (NATUR, RESURS),
         "Växtodlingsgård som använder precisionsgödsling och fånggrödor.",
         (AOR, MEMBER, "2020-03-01"), (AGS, MEMBER, "2021-03-01")),
    _org(35, "Testbergslagens Charkuteri AB", CO, "1885", (LOKAL, BESOK),
         "Förädlar kött från närliggande gårdar till korv och charkuterier.",
         (AOR, MEMBER, "2019-10-01")),
    _org(36, "Exempeluniversitetet i Mellansverige", AC, "1880", (GRON, BESOK),
         "Påhittat universitet med forskning om måltider, livsmedel och landsbygd.",
         (AOR, PARTNER, "2018-01-01"), (GKV, PARTNER, "2020-01-01"), (AGS, PARTNER, "2020-06-01")),
    _org(37, "Matnätverket Påhittad", CS, "1880", (LOKAL, BESOK),
         "Nätverk för småskaliga livsmedelsproducenter som ordnar gemensamma marknader.",
         (AOR, BOARD, "2017-05-01")),
    # Sörmland
    _org(38, "Precisionsodlarna i Testvik AB", CO, "0480", (RESURS, FOSSIL),
         "Styr gödsling och sådd efter fältets behov med hjälp av drönare och sensorer.",
         (AGS, FOUNDER, "2014-01-01")),
    _org(39, "Fiktiva Lantmaskiner Sörmland AB", CO, "0483", (FOSSIL, RESURS),
         "Säljer och servar lantbruksmaskiner och bygger om traktorer för biodrivmedel.",
         (AGS, MEMBER, "2019-04-01")),
    _org(40, "Demolänsstyrelsens landsbygdsavdelning", PU, "0480", (GRON,),
         "Påhittad avdelning som arbetar med landsbygdsstöd och rådgivning.",
         (AGS, FINANCIER, "2018-01-01")),
    # Västmanland
    _org(41, "Exempelsala Grönsaker AB", CO, "1981", (NATUR, LOKAL),
         "Frilandsodling av grönsaker som säljs genom andelsjordbruk.",
         (GKV, MEMBER, "2021-02-01")),
    _org(42, "Testköpings Gårdsbryggeri AB", CO, "1983", (LOKAL, BESOK),
         "Brygger öl på korn från egna fält och tar emot besöksgrupper.",
         (GKV, MEMBER, "2022-06-01")),
    _org(43, "Fiktiva Naturbruksskolan Västmanland", PU, "1980", (GRON,),
         "Påhittad gymnasieskola med program för lantbruk och trädgård.",
         (GKV, FOUNDER, "2016-08-01")),
    # Skåne
    _org(44, "Fiktiva Grönsakshuset Skåne AB", CO, "1287", (NATUR, RESURS),
         "Odlar grönsaker i stor skala och provar robotar för ogräsrensning.",
         (SLU, MEMBER, "2020-05-01")),
    _org(45, "Testlunds Växtförädling AB", CO, "1281", (NATUR,),
         "Förädlar baljväxtsorter som klarar ett varmare och torrare klimat.",
         (SLU, PARTNER, "2019-01-01"), (GIU, MEMBER, "2021-09-01")),
    _org(46, "Exempeläpplet Österlen AB", CO, "1291", (LOKAL, BESOK),
         "Äppelodling med cideri, gårdsbutik och skördefest.",
         (SLU, MEMBER, "2021-08-01")),
    _org(47, "Fiktiva Trädgårdsnäringens Förbund", CS, "1262", (NATUR, GRON),
         "Branschförening för yrkesodlare av frukt, bär och grönsaker.",
         (SLU, BOARD, "2017-01-01")),
    _org(48, "Exempelkommunens miljöförvaltning", PU, "1290", (RESURS,),
         "Påhittad förvaltning som arbetar med vattenvård och våtmarker i jordbrukslandskapet.",
         (SLU, MEMBER, "2022-01-01")),
    # Uppsala
    _org(49, "Testfältens Agtech AB", CO, "0380", (RESURS, GRON),
         "Nystartat bolag som utvecklar sensorer för markfukt och näringsstatus.",
         (GIU, MEMBER, "2022-02-01")),
    _org(50, "Proteinstart Exempel AB", CO, "0381", (NATUR, LOKAL),
         "Utvecklar växtbaserade livsmedel av svenska åkerbönor.",
         (GIU, MEMBER, "2021-03-01")),
    _org(51, "Fiktiva Biokol Uppland AB", CO, "0360", (FOSSIL, RESURS),
         "Framställer biokol av trädgårdsavfall för jordförbättring och kolinlagring.",
         (GIU, MEMBER, "2023-04-01")),
    _org(52, "Institutionen för påhittad markvetenskap", AC, "0380", (NATUR, RESURS),
         "Påhittad forskargrupp som studerar jordhälsa och kolinlagring i åkermark.",
         (GIU, PARTNER, "2020-01-01"), (SLU, PARTNER, "2021-01-01")),
    _org(53, "Exempelinvest Grönt Kapital AB", CO, "0380", (GRON,),
         "Riskkapitalbolag som investerar i gröna företag i tidiga skeden.",
         (GIU, FINANCIER, "2022-01-01")),
    # Östergötland
    _org(54, "Testslättens Kyckling AB", CO, "0586", (NATUR, RESURS),
         "Kycklinguppfödning som värmer stallarna med egen solel och flis.",
         (VRK, MEMBER, "2019-09-01")),
    _org(55, "Fiktiva Havrekvarnen Östgöta AB", CO, "0580", (LOKAL, NATUR),
         "Förädlar havre från länets gårdar till gryn och havredryck.",
         (VRK, MEMBER, "2020-02-01")),
    _org(56, "Östra Exempeluniversitetet", AC, "0580", (FOSSIL, RESURS),
         "Påhittat universitet med forskning om biogas och energisystem.",
         (VRK, PARTNER, "2016-01-01")),
    _org(57, "Fiktiva regionens landsbygdsprogram", PU, "0580", (GRON,),
         "Påhittad regional enhet som finansierar utvecklingsprojekt på landsbygden.",
         (VRK, FINANCIER, "2016-01-01")),
    _org(58, "Exempelstiftelsen för gröna näringar", OT, "0581", (GRON, FOSSIL),
         "Stiftelse som delar ut bidrag till förstudier och innovationstävlingar.",
         (VRK, FOUNDER, "2013-01-01")),
    # Halland
    _org(59, "Testkustens Gurkodling AB", CO, "1382", (NATUR, FOSSIL),
         "Växthusodling av gurka som har bytt eldningsolja mot biobränsle.",
         (AGT, MEMBER, "2020-04-01")),
    _org(60, "Exempelbergs Äggproduktion AB", CO, "1381", (NATUR,),
         "Ekologisk äggproduktion med hönor som går ute kring mobila stallar.",
         (AGT, MEMBER, "2021-05-01")),
    _org(61, "Fiktiva Hallandsakademin", AC, "1380", (GRON, BESOK),
         "Påhittad högskola med utbildningar i innovation och entreprenörskap på landsbygden.",
         (AGT, PARTNER, "2018-01-01")),
    _org(62, "Demoföreningen Halländska Gårdsbutiker", CS, "1383", (LOKAL, BESOK),
         "Samarbetsförening för gårdsbutiker som marknadsför en gemensam matrunda.",
         (AGT, MEMBER, "2019-03-01")),
    # Jönköping
    _org(63, "Exempelsjöns Fiskförädling AB", CO, "0680", (LOKAL, BESOK),
         "Röker och förädlar insjöfisk och säljer den i egen gårdsbutik.",
         (JGK, MEMBER, "2021-01-01")),
    _org(64, "Testskogens Mathantverk AB", CO, "0685", (LOKAL, BESOK),
         "Bageri som bakar på lokalt odlad råg och dinkel.",
         (JGK, MEMBER, "2020-09-01")),
    _org(65, "Fiktiva Smålandsakademin för mat", AC, "0680", (BESOK, NATUR),
         "Påhittad utbildnings- och forskningsmiljö för måltidskunskap.",
         (JGK, PARTNER, "2019-01-01")),
    _org(66, "Exempelregionens Matlyft", PU, "0680", (LOKAL, BESOK),
         "Påhittad regional satsning som stöttar livsmedelsföretag med rådgivning och nätverk.",
         (JGK, FOUNDER, "2017-01-01")),
    _org(67, "Testbygdens Limträ AB", CO, "0683", (TRAHUS, FIBER),
         "Sågverk och limträfabrik som levererar stommar till flerbostadshus i trä.",
         (JGK, MEMBER, "2022-03-01")),
    # Västerbotten
    _org(68, "Norrlandskustens Testmejeri AB", CO, "2480", (LOKAL, VALL),
         "Mejeri som vill öka andelen mjölk från länets egna gårdar.",
         (GNV, MEMBER, "2021-06-01")),
    _org(69, "Fiktiva Inlandets Potatisodlare", CS, "2481", (NATUR, LOKAL),
         "Förening för potatisodlare i inlandet som vill öka länets självförsörjning.",
         (GNV, MEMBER, "2022-04-01")),
    _org(70, "Demoskogens Virkesförädling AB", CO, "2482", (TRAHUS, FIBER),
         "Tillverkar prefabricerade trämoduler till skolor och förskolor.",
         (GNV, MEMBER, "2023-01-01")),
    _org(71, "Norra Exempeluniversitetet", AC, "2480", (NATUR, SKOG),
         "Påhittat universitet med forskning om skog, klimat och nordligt jordbruk.",
         (GNV, PARTNER, "2020-01-01")),
    _org(72, "Exempelkommunens kostenhet", PU, "2480", (LOKAL, BESOK),
         "Påhittad kostenhet som köper in mer närproducerad mat till skolor och äldreboenden.",
         (GNV, PARTNER, "2022-01-01")),
    # Dalarna
    _org(73, "Exempelbergets Getost AB", CO, "2029", (LOKAL, BESOK),
         "Getgård med ysteri för fäbodostar.",
         (FRO, MEMBER, "2020-05-01")),
    _org(74, "Testfalu Gröna Inkubator", OT, "2080", (GRON, LOKAL),
         "Påhittad inkubator som hjälper nya gröna företag från idé till marknad.",
         (FRO, PARTNER, "2019-01-01")),
    _org(75, "Demodalens Hästturism AB", CO, "2062", (BESOK,),
         "Ridturer och gårdsboende med lokalt lagade måltider.",
         (FRO, MEMBER, "2022-05-01")),
    _org(76, "Exempeldalens Skogsförvaltning AB", CO, "2039", (SKOG, TRAHUS),
         "Förvaltar skog med blandade trädslag och levererar virke till lokala snickerier.",
         (FRO, MEMBER, "2021-03-01")),
    _org(77, "Demobygdens Studieförening", CS, "2081", (GRON,),
         "Folkbildningsförening som ordnar kurser i odling, slakt och förädling.",
         (FRO, PARTNER, "2020-01-01")),
)
# fmt: on

# (source key, target key, kind, since, note)
RELATIONS: tuple[tuple[int, int, str, str, str], ...] = (
    (1, 2, RelationKind.SUPPLIER, "2019-01-01", "Levererar mjölk till mejeriet."),
    (6, 12, RelationKind.PARTNERSHIP, "2020-03-01", "Gemensamma fältförsök med sensorer."),
    (25, 22, RelationKind.SUPPLIER, "2023-02-01", "Medlemmarnas sågverksrester blir fiber."),
    (24, 28, RelationKind.PARTNERSHIP, "2021-09-01", "Forskare coachar inkubatorns bolag."),
    (53, 49, RelationKind.FUNDING, "2022-06-01", "Såddinvestering."),
    (53, 50, RelationKind.OWNERSHIP, "2021-11-01", "Minoritetsägare."),
    (34, 37, RelationKind.MEMBERSHIP, "2019-05-01", ""),
    (34, 55, RelationKind.SUPPLIER, "2020-08-01", "Levererar havre."),
    (56, 8, RelationKind.PARTNERSHIP, "2021-04-01", "Forskningssamarbete om rötning."),
    (66, 63, RelationKind.FUNDING, "2022-02-01", "Bidrag till ny rökugn."),
    (73, 77, RelationKind.MEMBERSHIP, "2020-02-01", ""),
    (21, 25, RelationKind.PARTNERSHIP, "2022-10-01", "Gemensam satsning på lokalt trä."),
)


@dataclass(frozen=True)
class PersonSpec:
    name: str
    gender: str
    role_title: str
    org_key: int


W, M, X, N = Gender.WOMAN, Gender.MAN, Gender.OTHER, Gender.NOT_STATED

PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("Anna Exempelsson", W, "VD", 2),
    PersonSpec("Erik Testberg", M, "Lantbrukare och ägare", 1),
    PersonSpec("Maria Fiktivsdotter", W, "Forskare", 6),
    PersonSpec("Johan Demoström", M, "Skogsentreprenör", 4),
    PersonSpec("Karin Provlund", W, "Rektor", 5),
    PersonSpec("Lars Exempelgren", M, "Ordförande", 7),
    PersonSpec("Sara Testlind", W, "Driftchef", 8),
    PersonSpec("Amir Provsson", M, "Mjölnare", 9),
    PersonSpec("Lena Fiktivberg", W, "Näringslivsutvecklare", 11),
    PersonSpec("Nils Demovik", M, "Odlingsansvarig", 13),
    PersonSpec("Elin Testmark", W, "Produktutvecklare", 14),
    PersonSpec("Sofia Exempelqvist", W, "Professor", 16),
    PersonSpec("Per Provström", M, "Handläggare", 18),
    PersonSpec("Kim Testholm", X, "Växthusodlare", 19),
    PersonSpec("Ingrid Exempeldal", W, "Fäbodbrukare", 20),
    PersonSpec("Olof Demoträ", M, "Byggprojektledare", 21),
    PersonSpec("Fatima Provkvist", W, "Innovationsledare", 22),
    PersonSpec("Mikael Exempelås", M, "Djurhållare", 23),
    PersonSpec("Helena Fiktivlund", W, "Universitetslektor", 24),
    PersonSpec("Gustav Demoskog", M, "Skogsrådgivare", 25),
    PersonSpec("Eva Provdahl", W, "Utvecklingsstrateg", 26),
    PersonSpec("Alex Exempelfors", N, "Inkubatorcoach", 28),
    PersonSpec("Linnea Testö", W, "Fårbonde", 30),
    PersonSpec("Mats Demoslätt", M, "Växtodlare", 34),
    PersonSpec("Yasmin Fiktivsson", W, "Projektledare", 37),
    PersonSpec("Henrik Testvik", M, "VD", 38),
    PersonSpec("Ulla Exempelbäck", W, "Odlare", 41),
    PersonSpec("Jonas Demolund", M, "Grundare", 49),
    PersonSpec("Maja Exempelholm", W, "Livsmedelsutvecklare", 50),
    PersonSpec("Tobias Fiktivhav", M, "Doktorand", 52),
    PersonSpec("Astrid Demogård", W, "Ekonomichef", 55),
    PersonSpec("Robin Testkust", X, "Odlingschef", 59),
    PersonSpec("Karl Exempelsjö", M, "Fiskförädlare", 63),
    PersonSpec("Frida Provfjäll", W, "Ystare", 73),
)

#: Consent given at fixed, made-up times so that every run yields the same data.
_CONSENT_EPOCH = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", " ": "."})


def demo_orgnr(key: int) -> str:
    """The fictional organisation number of demo company ``key``: 55999KKKK + Luhn check digit."""
    base = f"55999{key:04d}"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def person_email(name: str) -> str:
    return f"{name.lower().translate(_ASCII)}@example.org"


def demo_loaded() -> bool:
    """Whether the demo data set has been loaded into this database."""
    return DemoMarker.objects.filter(key=DEMO_KEY).exists()


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, *, refresh: bool) -> None:
        self.refresh = refresh
        self.created = 0
        self.updated = 0
        self.skipped = 0

    def ensure(
        self, model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any]
    ) -> tuple[Any, bool]:
        """Find the row by ``lookup`` or create it with ``values``; returns (row, created).

        A row that is found but is not demo data is never touched: (None, False).
        """
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**{**values, **lookup})
            obj.full_clean()
            obj.save()
            self.created += 1
            return obj, True
        if getattr(obj, "is_demo", True) is False:
            self.skipped += 1
            return None, False
        if self.refresh:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.full_clean()
                stamps = ["updated"] if any(f.name == "updated" for f in obj._meta.fields) else []
                obj.save(update_fields=[*changed, *stamps])
                self.updated += 1
        return obj, False

    def set_m2m(
        self, obj: Any, field: str, targets: Iterable[models.Model], *, created: bool
    ) -> None:
        if not (created or self.refresh):
            return
        manager = getattr(obj, field)
        wanted = {t.pk for t in targets}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            if not created:
                self.updated += 1


@transaction.atomic
def load_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Load the demo data set; idempotent (a second run writes nothing) and all in one transaction.

    Returns the number of demo rows of each kind now in the database, and how many rows this run
    created, updated and skipped (skipped: a slug or organisation number already used by
    non-demo data). Raises ValidationError if the data set itself is invalid, and LookupError when
    the geography has not been loaded.
    """

    def say(line: str) -> None:
        if stdout is not None:
            stdout.write(line + "\n")

    marker = DemoMarker.objects.filter(key=DEMO_KEY).first()
    loader = _Loader(refresh=marker is None or marker.version < DEMO_VERSION)
    areas = {a.code: a for a in Area.objects.exclude(kind=AreaKind.NATION)}

    def area(code: str) -> Area:
        try:
            return areas[code]
        except KeyError:
            raise LookupError(f"area {code} is missing; run `samverka migrate` first") from None

    # Focus areas are shared vocabulary from the source documents, not demo rows: an existing one
    # with the same slug is used as it is.
    focus: dict[str, FocusArea] = {}
    for spec in FOCUS_AREAS:
        fa, created = FocusArea.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name_sv": spec.name_sv,
                "name_en": spec.name_en,
                "description": spec.description,
            },
        )
        loader.created += created
        focus[spec.slug] = fa
    say(f"focus areas: {len(focus)}")

    clusters: dict[str, Cluster] = {}
    for spec in CLUSTERS:
        operator, created = loader.ensure(
            Organisation,
            lookup={"name": spec.operator, "is_demo": True},
            values={
                "helix": spec.operator_helix,
                "municipality": area(spec.operator_municipality)
                if spec.operator_municipality
                else None,
                "description": f"Organisationen som driver {spec.name}.",
            },
        )
        loader.set_m2m(
            operator, "focus_areas", [focus[s] for s in spec.focus_areas], created=created
        )
        cluster, created = loader.ensure(
            Cluster,
            lookup={"slug": spec.slug},
            values={
                "name": spec.name,
                "organisation": operator,
                "summary": spec.summary,
                "description": spec.description,
                "in_national_network": spec.in_national_network,
                "is_demo": True,
            },
        )
        if cluster is None:
            continue
        loader.set_m2m(cluster, "regions", [area(spec.county)], created=created)
        loader.set_m2m(
            cluster, "focus_areas", [focus[s] for s in spec.focus_areas], created=created
        )
        clusters[spec.slug] = cluster
    say(f"clusters: {len(clusters)}")

    orgs: dict[int, Organisation] = {}
    memberships: list[tuple[Cluster, Organisation, str, date]] = []
    for spec in ORGANISATIONS:
        values: dict[str, Any] = {
            "name": spec.name,
            "helix": spec.helix,
            "municipality": area(spec.municipality),
            "website": f"https://example.se/{slugify(spec.name.removesuffix(DEMO_SUFFIX))}",
            "description": spec.description,
            "is_demo": True,
        }
        if spec.helix == Helix.COMPANY:
            lookup: dict[str, Any] = {"orgnr": normalise_orgnr(demo_orgnr(spec.key))}
        else:
            lookup = {"name": values.pop("name"), "is_demo": True}
        org, created = loader.ensure(Organisation, lookup=lookup, values=values)
        if org is None:
            continue
        loader.set_m2m(org, "focus_areas", [focus[s] for s in spec.focus_areas], created=created)
        orgs[spec.key] = org
        memberships.extend(
            (clusters[slug], org, role, since)
            for slug, role, since in spec.memberships
            if slug in clusters
        )
    say(f"organisations: {len(orgs)}")

    for cluster, org, role, since in memberships:
        loader.ensure(
            Membership,
            lookup={"cluster": cluster, "organisation": org},
            values={"role": role, "since": since},
        )
    say(f"memberships: {len(memberships)}")

    for source, target, kind, since, note in RELATIONS:
        if source in orgs and target in orgs:
            loader.ensure(
                Relation,
                lookup={"source": orgs[source], "target": orgs[target], "kind": kind},
                values={"since": date.fromisoformat(since), "note": note},
            )

    for i, spec in enumerate(PEOPLE):
        consented_at = _CONSENT_EPOCH + timedelta(days=11 * i, hours=i % 7)
        newsletter = i % 3 != 2
        listing = i % 2 == 0
        loader.ensure(
            Person,
            lookup={"email": person_email(spec.name), "is_demo": True},
            values={
                "name": spec.name,
                "organisation": orgs.get(spec.org_key),
                "role_title": spec.role_title,
                "gender": spec.gender,
                "newsletter_consent": newsletter,
                "newsletter_consent_at": consented_at if newsletter else None,
                "listing_consent": listing,
                "listing_consent_at": consented_at if listing else None,
            },
        )

    if marker is None:
        marker = DemoMarker.objects.create(key=DEMO_KEY, version=DEMO_VERSION)
    elif marker.version < DEMO_VERSION:
        marker.version = DEMO_VERSION
        marker.save()
    if loader.created or loader.updated:
        audit.record(
            actor=None,
            action="demo.loaded",
            obj=marker,
            changes={"created": loader.created, "updated": loader.updated},
        )

    counts = {
        "focus_areas": FocusArea.objects.filter(slug__in=[s.slug for s in FOCUS_AREAS]).count(),
        "clusters": Cluster.objects.filter(is_demo=True).count(),
        "organisations": Organisation.objects.filter(is_demo=True).count(),
        "people": Person.objects.filter(is_demo=True).count(),
        "memberships": Membership.objects.filter(cluster__is_demo=True).count(),
        "relations": Relation.objects.filter(source__is_demo=True).count(),
        "created": loader.created,
        "updated": loader.updated,
        "skipped": loader.skipped,
    }
    say(
        "demo data: {clusters} clusters, {organisations} organisations, {people} people, "
        "{memberships} memberships, {relations} relations "
        "({created} created, {updated} updated, {skipped} skipped)".format(**counts)
    )
    return counts
