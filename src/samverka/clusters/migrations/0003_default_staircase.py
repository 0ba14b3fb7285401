"""Loads the default cluster staircase (Klustertrappan, steps 1–3) with its criteria.

The wording paraphrases the staircase in seed 000; platform admins may edit it in the admin.
Reversing removes only steps that no assessment has used.
"""

from django.db import migrations

# (number, name_sv, name_en, description_sv, description_en, criteria)
# criteria: (code, measure, text_sv, text_en, action_sv, action_en)
STEPS = [
    (
        1,
        "Ett nätverk som samverkar",
        "A network that collaborates",
        "Aktörerna är överens om att samverkan ger konkurrenskraft. Arbetet går ut på att stärka "
        "relationerna i nätverket och att lära känna varandras verksamheter.",
        "The actors agree that working together makes them more competitive. The work is about "
        "strengthening the relations in the network and getting to know each other's activities.",
        [
            (
                "shared-idea",
                "",
                "Det finns en gemensam bild av klustrets styrkeområde och av att samverkan stärker "
                "konkurrenskraften.",
                "There is a shared view of the cluster's area of strength and of collaboration as a "
                "source of competitiveness.",
                "Formulera styrkeområdet tillsammans med medlemmarna, till exempel i en workshop, "
                "och skriv ner det.",
                "Put the area of strength into words together with the members, for instance in a "
                "workshop, and write it down.",
            ),
            (
                "mapping",
                "helix_types",
                "Nätverkets aktörer är kartlagda, med företag, akademi, offentlig sektor och "
                "civilsamhälle.",
                "The network's actors have been mapped: companies, academia, the public sector and "
                "civil society.",
                "Registrera medlemmarna på plattformen och leta efter de aktörstyper som saknas.",
                "Register the members on the platform and look for the kinds of actor that are "
                "missing.",
            ),
            (
                "trust",
                "",
                "Nätverket stärks och tillit byggs: aktörerna känner till och förstår varandras "
                "verksamheter.",
                "The network is being strengthened and trust built: the actors know and understand "
                "each other's work.",
                "Ordna återkommande möten och studiebesök hos medlemmarna.",
                "Hold regular meetings and visits to the members' premises.",
            ),
            (
                "strategy-begun",
                "",
                "Arbetet med en strategi har börjat och förståelsen för innovationssystemet växer.",
                "Work on a strategy has begun and understanding of the innovation system is growing.",
                "Starta en strategiprocess med en första nulägesanalys.",
                "Start a strategy process with a first analysis of where the cluster stands.",
            ),
            (
                "regional-base",
                "",
                "Klustret har en förankring lokalt eller regionalt där det verkar.",
                "The cluster is rooted locally or regionally where it operates.",
                "Beskriv klustrets hemregion och dess viktigaste regionala aktörer.",
                "Describe the cluster's home region and its most important regional actors.",
            ),
        ],
    ),
    (
        2,
        "Gemensam strategi och tydlig roll",
        "A shared strategy and a clear role",
        "En strategi får aktörerna att agera i samma riktning. Klustrets roll är tydlig, vilket "
        "öppnar för samverkan över regiongränser, nationellt och internationellt och med andra "
        "innovationsfrämjare. Klustret känner företagens behov och erbjuder aktiviteter som stärker "
        "deras konkurrenskraft.",
        "A strategy makes the actors pull in the same direction. The cluster's role is clear, which "
        "opens the way to cooperation across regions, nationally and internationally, and with "
        "other innovation support actors. The cluster knows what its companies need and offers "
        "activities that make them more competitive.",
        [
            (
                "strong-relations",
                "",
                "Relationerna i nätverket är starka och präglas av tillit.",
                "Relations in the network are strong and built on trust.",
                "Ge medlemmarna gemensamma uppdrag och följ upp hur samarbetet fungerar.",
                "Give the members shared tasks and follow up how the cooperation works.",
            ),
            (
                "strategy",
                "",
                "Det finns en utvecklad och förankrad strategi som aktörerna följer.",
                "There is a developed strategy, agreed by the actors, that they follow.",
                "Slutför strategin, förankra den hos medlemmarna och besluta om den.",
                "Finish the strategy, agree it with the members and adopt it.",
            ),
            (
                "competitiveness-activities",
                "",
                "Klustret erbjuder aktiviteter som bygger på företagens behov och stärker deras "
                "konkurrenskraft.",
                "The cluster offers activities based on its companies' needs that make them more "
                "competitive.",
                "Inventera företagens behov och ta fram ett aktivitetsprogram utifrån dem.",
                "Survey the companies' needs and draw up a programme of activities from them.",
            ),
            (
                "cross-regional",
                "outside_home_counties",
                "Klustret samverkar över regiongränser och har aktörer utanför hemlänen.",
                "The cluster works across regional borders and has actors outside its home "
                "counties.",
                "Bjud in aktörer från andra län som delar styrkeområdet.",
                "Invite actors from other counties who share the area of strength.",
            ),
            (
                "national-position",
                "co_organised_events",
                "Klustret har en position nationellt och ordnar aktiviteter tillsammans med andra "
                "kluster.",
                "The cluster has a national position and organises activities together with other "
                "clusters.",
                "Ordna ett gemensamt evenemang med ett kluster i en annan region.",
                "Organise a joint event with a cluster in another region.",
            ),
            (
                "innovation-links",
                "academic_projects",
                "Klustret har utvecklade kopplingar till andra aktörer i innovationssystemet, "
                "till exempel akademin.",
                "The cluster has developed links to other actors in the innovation system, such as "
                "academia.",
                "Ta fram ett gemensamt projekt med ett lärosäte eller ett forskningsinstitut.",
                "Develop a joint project with a university or a research institute.",
            ),
        ],
    ),
    (
        3,
        "Ett öppet och innovativt kluster",
        "An open, innovative cluster",
        "Det långsiktiga målet: ett öppet kluster med stark koppling till innovation, som arbetar "
        "med både dagens och framtidens behov. Bred samverkan över branscher och sektorer och öppna "
        "arbetssätt gör att nätverket kan ta sig an komplexa samhällsutmaningar, lokalt och "
        "globalt.",
        "The long-term goal: an open cluster with a strong link to innovation, working on what "
        "companies need today and will need tomorrow. Broad cooperation across industries and "
        "sectors and open ways of working let the network take on complex societal challenges, "
        "locally and globally.",
        [
            (
                "future-competitiveness",
                "",
                "Klustret arbetar för konkurrenskraft både i dag och i framtiden.",
                "The cluster works for competitiveness both today and in the future.",
                "Gör en omvärldsanalys och lägg in framtidens behov i strategin.",
                "Carry out a foresight analysis and add future needs to the strategy.",
            ),
            (
                "global-links",
                "international_members",
                "Klustret har länkar till aktörer och nätverk i andra länder.",
                "The cluster has links to actors and networks in other countries.",
                "Sök ett internationellt samarbete, till exempel i ett EU-projekt.",
                "Seek an international partnership, for instance in an EU project.",
            ),
            (
                "broad-actors",
                "helix_types",
                "Klustret har ett brett aktörsperspektiv över branscher och sektorer, med alla "
                "aktörstyper representerade.",
                "The cluster takes a broad view of its actors across industries and sectors, with "
                "every kind of actor represented.",
                "Bjud in de aktörstyper och branscher som fortfarande saknas.",
                "Invite the kinds of actor and industries that are still missing.",
            ),
            (
                "open-methods",
                "",
                "Klustret arbetar med öppna och delaktiga metodprocesser.",
                "The cluster works with open, participatory methods.",
                "Pröva en öppen innovationsprocess där fler aktörer bidrar.",
                "Try an open innovation process in which more actors take part.",
            ),
            (
                "strong-innovation-links",
                "academic_projects",
                "Klustret har starka kopplingar till innovationssystemets övriga aktörer.",
                "The cluster has strong links to the other actors of the innovation system.",
                "Gör samarbetet med akademi och innovationsfrämjare långsiktigt, till exempel genom "
                "avtal.",
                "Make the cooperation with academia and innovation support long-term, for instance "
                "through agreements.",
            ),
        ],
    ),
]


def load(apps, schema_editor):
    step_model = apps.get_model("clusters", "MaturityStep")
    criterion_model = apps.get_model("clusters", "MaturityCriterion")
    for number, name_sv, name_en, desc_sv, desc_en, criteria in STEPS:
        step, _created = step_model.objects.update_or_create(
            number=number,
            defaults={
                "name_sv": name_sv,
                "name_en": name_en,
                "description_sv": desc_sv,
                "description_en": desc_en,
            },
        )
        for position, (code, measure, text_sv, text_en, action_sv, action_en) in enumerate(
            criteria, start=1
        ):
            criterion_model.objects.update_or_create(
                code=code,
                defaults={
                    "step": step,
                    "position": position,
                    "measure": measure,
                    "text_sv": text_sv,
                    "text_en": text_en,
                    "action_sv": action_sv,
                    "action_en": action_en,
                },
            )


def unload(apps, schema_editor):
    criterion_model = apps.get_model("clusters", "MaturityCriterion")
    step_model = apps.get_model("clusters", "MaturityStep")
    codes = [c[0] for step in STEPS for c in step[5]]
    criterion_model.objects.filter(code__in=codes, answers__isnull=True).delete()
    step_model.objects.filter(number__in=[s[0] for s in STEPS], criteria__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("clusters", "0002_staircase")]

    operations = [migrations.RunPython(load, unload)]
