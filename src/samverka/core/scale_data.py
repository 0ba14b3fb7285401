"""The scale-data generator behind ``samverka bench generate`` (issue #8, the performance harness).

It adds a large, realistic and fully fictional data set on top of the geography and the demo
(clusters, programmes, measures, focus areas): organisations with focus areas, people, relations
between organisations, cluster memberships, projects with partners, measures, municipalities and
financing lines, indicators with their values, and events with organiser clusters and
registrations. Benchmarks and load tests then run against a database of national size.

Guarantees:

* deterministic: the same seed on the same base data writes identical rows (ids included), since
  every value comes from one seeded :class:`random.Random` and every timestamp from a fixed date;
* idempotent: a marker row (``DemoMarker`` with key ``scale:<scale>:<seed>``) is written in the
  same transaction as the data; while any such marker exists a second run writes nothing (on
  PostgreSQL an advisory lock makes a concurrent second run wait for the first and then stop);
* fast: rows go to the database with ``COPY`` on PostgreSQL and ``executemany`` in one large
  transaction on SQLite, never through model instances. Ids are assigned here (after the largest
  existing one) so that rows can refer to each other without reading back; the PostgreSQL
  sequences are reset at the end;
* consistent: the generated organisations, granted projects and public events are added to the
  search index (the same documents ``samverka search reindex`` would write).

Names end in nothing special, but every e-mail address lives under example.org, every website
under example.se, and company organisation numbers are valid checksums in the 5597… series
(the demo uses 5599…), far from numbers in use.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from django.core.management.color import no_style
from django.db import connection, models, transaction
from stdnum import luhn

from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.core import page_cache
from samverka.core.models import DemoMarker
from samverka.events.models import Event, Registration
from samverka.geo.models import Area, AreaKind
from samverka.indicators.models import Indicator, Value
from samverka.programmes.models import FinancingLine, Measure, Programme, Project

MARKER_PREFIX = "scale:"
ADVISORY_LOCK = 0x5CA1E  # any constant shared by all runs
#: Every generated timestamp is this instant or earlier: no clock, so runs are reproducible.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
PERIODS = tuple(str(year) for year in range(2005, 2025))
GENDERS = ("T", "K", "M")


@dataclass(frozen=True)
class Scale:
    organisations: int
    people: int
    projects: int
    values: int
    events: int


SCALES: dict[str, Scale] = {
    "small": Scale(organisations=1_000, people=3_000, projects=200, values=50_000, events=20),
    "regional": Scale(
        organisations=10_000, people=30_000, projects=2_000, values=500_000, events=200
    ),
    "national": Scale(
        organisations=100_000, people=300_000, projects=20_000, values=5_000_000, events=2_000
    ),
}


class AlreadyGenerated(Exception):
    """The database already holds generated data (the message names its scale and seed)."""


class MissingBaseData(Exception):
    """The geography or the demo (clusters, programmes, focus areas) is not loaded."""


# Word lists for names and texts -------------------------------------------------------------

_NAME_FIRST = (
    "Norr", "Söder", "Väster", "Öster", "Skog", "Berg", "Älv", "Sjö", "Lin", "Råg", "Vall",
    "Ek", "Björk", "Gran", "Tall", "Ljung", "Myr", "Ång", "Hav", "Fjäll", "Dal", "Lund", "Ås",
    "Mål", "Kvarn", "Såg", "Mejeri", "Gård", "Bi", "Örte",
)  # fmt: skip
_NAME_SECOND = (
    "bygdens", "landets", "skogens", "dalens", "åns", "sjöns", "fjällets", "gröna", "nya",
    "gamla", "lilla", "stora", "södra", "norra", "östra", "västra",
)  # fmt: skip
_NAME_THIRD = {
    "company": ("Trä AB", "Mat AB", "Energi AB", "Lantbruk AB", "Förädling AB", "Skog AB",
                "Bioteknik AB", "Besök AB", "Fiber AB", "Bygg AB", "Odling AB", "Mejeri AB"),
    "academia": ("forskningsinstitut", "högskola", "kunskapscentrum", "naturbruksgymnasium"),
    "public": ("kommun", "regionförbund", "länsstyrelse", "utvecklingsbolag"),
    "civil_society": ("hushållningssällskap", "ekonomisk förening", "bygdeförening",
                      "LRF-avdelning", "vattenråd", "viltvårdsförening"),
    "other": ("nätverk", "stiftelse", "samarbetsråd"),
}  # fmt: skip
_HELIX_WEIGHTS = (
    ("company", 70),
    ("academia", 4),
    ("public", 8),
    ("civil_society", 14),
    ("other", 4),
)
_FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kristina", "Elin", "Ingrid",
    "Malin", "Linnea", "Johanna", "Sofia", "Ida", "Erik", "Lars", "Karl", "Anders", "Johan",
    "Per", "Nils", "Mikael", "Jonas", "Olof", "Gustav", "Oskar", "Axel", "Henrik", "Fredrik",
)  # fmt: skip
_LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Lindberg", "Lindqvist", "Berglund", "Sandberg", "Forsberg", "Sjöberg", "Wallin", "Engström",
    "Lundgren", "Holm", "Bergström", "Nyström", "Hedlund", "Åberg", "Öberg",
)  # fmt: skip
_ROLES = ("VD", "verksamhetsledare", "projektledare", "forskare", "rådgivare", "ägare",
          "näringslivsutvecklare", "ordförande", "handläggare", "produktionschef")  # fmt: skip
_TOPICS = (
    "vallodling", "lokal förädling", "trähus", "träfiber", "fossilfria transporter",
    "biogas", "jordhälsa", "besöksnäring", "mathantverk", "skogsbruk", "vattenbruk",
    "kompetensförsörjning", "digitalisering", "cirkulära flöden", "klimatanpassning",
)  # fmt: skip
_PROJECT_WORDS = ("Utveckling av", "Förstudie om", "Nätverk för", "Testbädd för",
                  "Kompetenslyft inom", "Innovation i", "Samverkan kring")  # fmt: skip
_EVENT_WORDS = ("Nätverksträff", "Workshop", "Seminarium", "Studiebesök", "Webbinarium",
                "Frukostmöte")  # fmt: skip
_EVENT_TYPES = ("network_meeting", "workshop", "seminar", "study_visit", "webinar", "other")
_GENDERS = (("woman", 45), ("man", 45), ("other", 1), ("not_stated", 9))
_STATUSES = (
    ("granted", 20), ("running", 35), ("closed", 20), ("final_report", 5), ("submitted", 8),
    ("in_assessment", 5), ("rejected", 5), ("draft", 2),
)  # fmt: skip
_RELATION_KINDS = (
    ("partnership", 50), ("supplier", 25), ("ownership", 5), ("funding", 8), ("membership", 8),
    ("other", 4),
)  # fmt: skip
_ROLES_IN_CLUSTER = (
    ("member", 80),
    ("partner", 12),
    ("founder", 3),
    ("board", 3),
    ("financier", 2),
)
_CATEGORIES = ("state", "municipal", "county_council", "eu", "private")


_ASCII = str.maketrans("åäöÅÄÖ", "aaoAAO")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    """A function drawing one of the keys with the given integer weights (one rng call)."""
    pool = [key for key, weight in pairs for _ in range(weight)]
    return lambda: pool[int(rng.random() * len(pool))]


# Writing rows -------------------------------------------------------------------------------


class _Writer:
    """Writes tuples straight into a model's table: COPY on PostgreSQL, executemany elsewhere.

    Columns not given are filled with the field's constant default (None for nullable fields,
    "" for blank text, the fixed ``EPOCH`` for ``auto_now``/``auto_now_add``); a field with a
    callable default must be given, since a random default would break determinism.
    """

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.counts: dict[str, int] = {}
        self.postgres = connection.vendor == "postgresql"

    def _fill(self, model: type[models.Model], columns: list[str]) -> tuple[list[str], tuple]:
        extra_columns: list[str] = []
        extra_values: list[Any] = []
        for field in model._meta.concrete_fields:
            if field.column in columns or field.attname in columns:
                continue
            if field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = EPOCH
            elif field.has_default():
                if callable(field.default):
                    raise ValueError(f"{model.__name__}.{field.name} needs an explicit value")
                value = field.default
            elif field.null:
                value = None
            elif field.blank and isinstance(field, models.CharField | models.TextField):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
            extra_columns.append(field.column)
            extra_values.append(value)
        return extra_columns, tuple(extra_values)

    def write(
        self, model: type[models.Model], columns: list[str], rows: Iterable[tuple], label: str = ""
    ) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``, attnames); returns the count."""
        extra_columns, extra = self._fill(model, columns)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        db_columns = [fields[c].column if c in fields else c for c in columns] + extra_columns
        table = model._meta.db_table
        quote = connection.ops.quote_name
        column_list = ", ".join(quote(c) for c in db_columns)
        count = 0
        if self.postgres:
            with connection.cursor() as wrapper:
                cursor = wrapper.cursor  # the psycopg cursor under Django's wrapper
                with cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + extra)
                        count += 1
            page_cache.changed()
        else:
            adapters = self._sqlite_adapters(model, columns + extra_columns)
            placeholders = ", ".join(["%s"] * len(db_columns))
            sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders})"  # noqa: S608
            batch: list[tuple] = []
            with connection.cursor() as cursor:
                for row in rows:
                    full = row + extra
                    if adapters:
                        full = tuple(
                            adapter(v) if (adapter := adapters[i]) and v is not None else v
                            for i, v in enumerate(full)
                        )
                    batch.append(full)
                    if len(batch) >= 20_000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        key = label or table
        self.counts[key] = self.counts.get(key, 0) + count
        self.log(f"  {key}: {count:,} rows")
        return count

    def write_lines(
        self, model: type[models.Model], columns: list[str], lines: Iterable[str], label: str
    ) -> int:
        """PostgreSQL only: rows already in COPY's text format (tab-separated, newline-ended),
        for the millions of indicator values (about four times faster than ``write_row``)."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        quote = connection.ops.quote_name
        column_list = ", ".join(quote(fields[c].column) for c in columns)
        count = 0
        table = model._meta.db_table
        with connection.cursor() as wrapper:
            # Django's foreign keys are deferred: millions of rows would be checked one by one
            # at COMMIT (minutes). Dropped here and added back after the COPY, each is checked
            # in one pass over the table instead; all inside the same transaction.
            wrapper.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [quote(table)],
            )
            foreign_keys = wrapper.fetchall()
            # A table with pending deferred checks cannot be altered: run them now.
            wrapper.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _definition in foreign_keys:
                wrapper.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            sql = f"COPY {quote(table)} ({column_list}) FROM STDIN"
            with wrapper.cursor.copy(sql) as copy:
                block: list[str] = []
                for line in lines:
                    block.append(line)
                    if len(block) >= 10_000:
                        copy.write("".join(block))
                        count += len(block)
                        block = []
                if block:
                    copy.write("".join(block))
                    count += len(block)
            for name, definition in foreign_keys:
                wrapper.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            wrapper.execute("SET CONSTRAINTS ALL DEFERRED")
        self.counts[label] = self.counts.get(label, 0) + count
        self.log(f"  {label}: {count:,} rows")
        return count

    @staticmethod
    def _sqlite_adapters(model: type[models.Model], columns: list[str]) -> list[Any] | None:
        by_name = {}
        for f in model._meta.concrete_fields:
            by_name[f.attname] = f
            by_name[f.column] = f
        ops = connection.ops
        adapters: list[Any] = []
        for column in columns:
            field = by_name.get(column)
            if isinstance(field, models.DateTimeField):
                adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(field, models.DateField):
                adapters.append(ops.adapt_datefield_value)
            elif isinstance(field, models.DecimalField):
                adapters.append(str)
            else:
                adapters.append(None)
        return adapters if any(adapters) else None


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1


# The generator ------------------------------------------------------------------------------


def existing_marker() -> DemoMarker | None:
    """The marker of an earlier run, if any."""
    return DemoMarker.objects.filter(key__startswith=MARKER_PREFIX).order_by("pk").first()


def generate(
    scale: str,
    *,
    seed: int = 1,
    stdout: TextIO | None = None,
    index: bool = True,
    size: Scale | None = None,
) -> dict[str, Any]:
    """Write the data set of ``scale`` with ``seed``; returns the number of rows per kind.

    ``size`` overrides the scale's sizes (tests use a tiny one).

    Raises :class:`AlreadyGenerated` when an earlier run left its marker (nothing is written),
    :class:`MissingBaseData` when the geography or the demo is missing, and ``KeyError`` for an
    unknown scale. Everything is written in one transaction.
    """
    size = size or SCALES[scale]
    started = time.monotonic()

    def log(message: str) -> None:
        if stdout is not None:
            stdout.write(f"[{time.monotonic() - started:6.1f} s] {message}\n")
            stdout.flush()

    rng = random.Random(seed)
    writer = _Writer(log)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two runs started together: the second waits here, then finds the first's marker.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        marker = existing_marker()
        if marker is not None:
            raise AlreadyGenerated(marker.key)
        base = _BaseData.load()
        gen = _Generator(rng, writer, base, size, seed, log)
        gen.organisations()
        gen.people()
        gen.relations()
        gen.memberships()
        gen.projects()
        gen.indicator_values()
        gen.events()
        _reset_sequences()
        if index:
            gen.search_index()
        DemoMarker.objects.create(key=f"{MARKER_PREFIX}{scale}:{seed}", version=1)
    counts: dict[str, Any] = {"scale": scale, "seed": seed}
    counts.update(gen.summary())
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def analyse() -> None:
    """Refresh the query planner's statistics of every table. Rows written by COPY have none
    until autovacuum gets to them (and it may be off): without them PostgreSQL plans the key
    pages' queries for a nearly empty database (one API list took 158 ms instead of 0.8 ms)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id written
    touched = [Organisation, Person, Relation, Membership, Project, FinancingLine, Indicator]
    touched += [Value, Event, Registration]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), touched):
            cursor.execute(statement)


@dataclass
class _BaseData:
    """What the generator builds on, in a stable order (by natural key, not by id)."""

    municipalities: list[int]
    areas: list[int]
    focus_areas: list[int]
    clusters: list[int]
    programmes: list[tuple[int, list[int]]]  # programme id, its measure ids

    @classmethod
    def load(cls) -> _BaseData:
        municipalities = list(
            Area.objects.filter(kind=AreaKind.MUNICIPALITY)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        areas = list(Area.objects.order_by("code").values_list("pk", flat=True))
        focus_areas = list(FocusArea.objects.order_by("slug").values_list("pk", flat=True))
        clusters = list(Cluster.objects.order_by("slug").values_list("pk", flat=True))
        programmes = []
        for programme_id in Programme.objects.order_by("code").values_list("pk", flat=True):
            measures = list(
                Measure.objects.filter(programme_id=programme_id)
                .order_by("code")
                .values_list("pk", flat=True)
            )
            if measures:
                programmes.append((programme_id, measures))
        if not municipalities:
            raise MissingBaseData("no municipalities: run `samverka migrate` first")
        if not (focus_areas and clusters and programmes):
            raise MissingBaseData(
                "no clusters, focus areas or programmes with measures: run `samverka demo` first"
            )
        return cls(municipalities, areas, focus_areas, clusters, programmes)


class _Generator:
    def __init__(
        self,
        rng: random.Random,
        writer: _Writer,
        base: _BaseData,
        size: Scale,
        seed: int,
        log: Callable[[str], None],
    ) -> None:
        self.rng = rng
        self.w = writer
        self.base = base
        self.size = size
        self.seed = seed
        self.log = log
        self.org_ids: list[int] = []
        self.org_helix: list[str] = []
        self.person_ids: list[int] = []
        self.person_rows: list[tuple[str, str, int | None]] = []  # name, email, organisation
        self.project_first = 0
        self.event_first = 0
        self.events_written = 0

    def _stamp(self, max_days: int = 3650) -> datetime:
        return EPOCH - timedelta(seconds=int(self.rng.random() * max_days * 86400))

    # Organisations and people ------------------------------------------------------------

    def organisations(self) -> None:
        self.log("organisations")
        rng = self.rng
        helix_of = _weighted(rng, _HELIX_WEIGHTS)
        first_id = _next_id(Organisation)
        municipalities = self.base.municipalities
        seq = 0

        def rows() -> Iterator[tuple]:
            nonlocal seq
            for n in range(self.size.organisations):
                pk = first_id + n
                helix = helix_of()
                words = _NAME_THIRD[helix]
                name = (
                    f"{rng.choice(_NAME_FIRST)}{rng.choice(_NAME_SECOND)} "
                    f"{words[int(rng.random() * len(words))]}"
                )
                orgnr = None
                if helix == "company":
                    seq += 1
                    digits = f"5597{seq:05d}"
                    digits += luhn.calc_check_digit(digits)
                    orgnr = f"{digits[:6]}-{digits[6:]}"
                topic = rng.choice(_TOPICS)
                created = self._stamp()
                self.org_ids.append(pk)
                self.org_helix.append(helix)
                yield (
                    pk,
                    f"{name} {pk}" if rng.random() < 0.3 else name,
                    orgnr,
                    helix,
                    rng.choice(municipalities),
                    "SE",
                    f"https://org{pk}.example.se/",
                    f"Verksamhet inom {topic} och {rng.choice(_TOPICS)}.",
                    False,
                    created,
                    created,
                )

        self.w.write(
            Organisation,
            [
                "id", "name", "orgnr", "helix", "municipality_id", "country", "website",
                "description", "is_demo", "created", "updated",
            ],
            rows(),
            "organisations",
        )  # fmt: skip
        focus = self.base.focus_areas

        def focus_rows() -> Iterator[tuple]:
            for pk in self.org_ids:
                for fa in rng.sample(focus, 1 + int(rng.random() * min(3, len(focus)))):
                    yield (pk, fa)

        self.w.write(
            Organisation.focus_areas.through,
            ["organisation_id", "focusarea_id"],
            focus_rows(),
            "organisation_focus_areas",
        )

    def people(self) -> None:
        self.log("people")
        rng = self.rng
        gender_of = _weighted(rng, _GENDERS)
        first_id = _next_id(Person)
        orgs = self.org_ids
        ascii_of = {name: name.lower().translate(_ASCII) for name in _FIRST_NAMES + _LAST_NAMES}

        def rows() -> Iterator[tuple]:
            for n in range(self.size.people):
                pk = first_id + n
                first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
                name = f"{first} {last}"
                email = f"{ascii_of[first]}.{ascii_of[last]}.{pk}@example.org"
                organisation = orgs[int(rng.random() * len(orgs))] if rng.random() < 0.95 else None
                consent = rng.random() < 0.6
                created = self._stamp()
                self.person_ids.append(pk)
                self.person_rows.append((name, email, organisation))
                yield (
                    pk, name, email, organisation, rng.choice(_ROLES), gender_of(),
                    consent, created if consent else None, consent, created if consent else None,
                    False, created, created,
                )  # fmt: skip

        self.w.write(
            Person,
            [
                "id", "name", "email", "organisation_id", "role_title", "gender",
                "newsletter_consent", "newsletter_consent_at", "listing_consent",
                "listing_consent_at", "is_demo", "created", "updated",
            ],
            rows(),
            "people",
        )  # fmt: skip

    def relations(self) -> None:
        """About 1.5 relations per organisation, mostly between near neighbours (by id), so that
        the network has dense local groups and a few long bridges."""
        self.log("relations")
        rng = self.rng
        kind_of = _weighted(rng, _RELATION_KINDS)
        orgs = self.org_ids
        n = len(orgs)
        seen: set[tuple[int, int, str]] = set()
        wanted = n * 3 // 2

        def rows() -> Iterator[tuple]:
            attempts = 0
            while len(seen) < wanted and attempts < wanted * 3:
                attempts += 1
                i = int(rng.random() * n)
                if rng.random() < 0.8:
                    j = min(n - 1, max(0, i + int(rng.random() * 81) - 40))
                else:
                    j = int(rng.random() * n)
                if i == j:
                    continue
                key = (orgs[i], orgs[j], kind_of())
                if key in seen:
                    continue
                seen.add(key)
                created = self._stamp()
                since = (EPOCH - timedelta(days=int(rng.random() * 5000))).date()
                yield (*key, since, created, created)

        self.w.write(
            Relation,
            ["source_id", "target_id", "kind", "since", "created", "updated"],
            rows(),
            "relations",
        )

    def memberships(self) -> None:
        """About a third of the organisations are members of one cluster, a few of two."""
        self.log("memberships")
        rng = self.rng
        role_of = _weighted(rng, _ROLES_IN_CLUSTER)
        clusters = self.base.clusters
        existing = set(Membership.objects.values_list("cluster_id", "organisation_id"))

        def rows() -> Iterator[tuple]:
            for pk in self.org_ids:
                r = rng.random()
                k = 0 if r < 0.67 else (1 if r < 0.95 else 2)
                for cluster in rng.sample(clusters, min(k, len(clusters))):
                    if (cluster, pk) in existing:
                        continue
                    created = self._stamp()
                    since = (EPOCH - timedelta(days=int(rng.random() * 4000))).date()
                    yield (cluster, pk, role_of(), since, created, created)

        self.w.write(
            Membership,
            ["cluster_id", "organisation_id", "role", "since", "created", "updated"],
            rows(),
            "memberships",
        )

    # Projects and financing ----------------------------------------------------------------

    def projects(self) -> None:
        self.log("projects")
        rng = self.rng
        status_of = _weighted(rng, _STATUSES)
        first_id = _next_id(Project)
        self.project_first = first_id
        orgs = self.org_ids
        public = [pk for pk, h in zip(orgs, self.org_helix, strict=True) if h == "public"] or orgs
        companies = [pk for pk, h in zip(orgs, self.org_helix, strict=True) if h == "company"]
        companies = companies or orgs
        programmes = self.base.programmes
        municipalities = self.base.municipalities
        plans: list[tuple[int, int, list[int], int]] = []  # project, applicant, measures, year

        def rows() -> Iterator[tuple]:
            for n in range(self.size.projects):
                pk = first_id + n
                programme, measures = programmes[int(rng.random() * len(programmes))]
                applicant = orgs[int(rng.random() * len(orgs))]
                year = 2014 + int(rng.random() * 12)
                start = date(year, 1 + int(rng.random() * 12), 1)
                end = start + timedelta(days=365 + int(rng.random() * 730))
                status = status_of()
                topic = rng.choice(_TOPICS)
                chosen = rng.sample(measures, min(len(measures), 1 + int(rng.random() * 2)))
                plans.append((pk, applicant, chosen, year))
                created = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=60)
                decided = status in {"granted", "running", "final_report", "closed", "rejected"}
                yield (
                    pk, f"BENCH-{year}-{pk:06d}", programme, f"{rng.choice(_PROJECT_WORDS)} {topic}",
                    applicant, f"Projektet arbetar med {topic} och {rng.choice(_TOPICS)} "
                    f"tillsammans med företag och forskning i regionen.",
                    int(rng.random() * 6), int(rng.random() * 6), int(rng.random() * 4),
                    int(rng.random() * 60), int(rng.random() * 60), start, end, status,
                    created + timedelta(days=10) if status != "draft" else None,
                    created + timedelta(days=50) if decided else None,
                    False, created, created,
                )  # fmt: skip

        self.w.write(
            Project,
            [
                "id", "reference", "programme_id", "title", "applicant_id", "description",
                "expected_jobs_women", "expected_jobs_men", "expected_companies",
                "expected_participants_women", "expected_participants_men", "start_date",
                "end_date", "status", "submitted_at", "decided_at", "is_demo", "created",
                "updated",
            ],
            rows(),
            "projects",
        )  # fmt: skip

        def measure_rows() -> Iterator[tuple]:
            for pk, _applicant, chosen, _year in plans:
                for measure in chosen:
                    yield (pk, measure)

        self.w.write(
            Project.measures.through,
            ["project_id", "measure_id"],
            measure_rows(),
            "project_measures",
        )

        def partner_rows() -> Iterator[tuple]:
            for pk, applicant, _chosen, _year in plans:
                partners = {
                    orgs[int(rng.random() * len(orgs))] for _ in range(int(rng.random() * 5))
                }
                for partner in sorted(partners - {applicant}):
                    yield (pk, partner)

        self.w.write(
            Project.partners.through,
            ["project_id", "organisation_id"],
            partner_rows(),
            "project_partners",
        )

        def municipality_rows() -> Iterator[tuple]:
            for pk, *_rest in plans:
                for area in rng.sample(
                    municipalities, min(len(municipalities), 1 + int(rng.random() * 2))
                ):
                    yield (pk, area)

        self.w.write(
            Project.municipalities.through,
            ["project_id", "area_id"],
            municipality_rows(),
            "project_municipalities",
        )

        def financing_rows() -> Iterator[tuple]:
            for pk, applicant, _chosen, year in plans:
                seen: set[tuple[int, str, int]] = set()
                for _ in range(1 + int(rng.random() * 4)):
                    category = _CATEGORIES[int(rng.random() * len(_CATEGORIES))]
                    if category == "private":
                        financier = (
                            applicant
                            if rng.random() < 0.5
                            else companies[int(rng.random() * len(companies))]
                        )
                    else:
                        financier = public[int(rng.random() * len(public))]
                    line_year = year + int(rng.random() * 3)
                    key = (financier, category, line_year)
                    if key in seen:
                        continue
                    seen.add(key)
                    budget = 50_000 + int(rng.random() * 40) * 25_000
                    decided = max(0, budget - int(rng.random() * 4) * 25_000)
                    outcome = int(decided * (0.6 + rng.random() * 0.4)) if line_year < 2025 else 0
                    yield (pk, financier, category, line_year, budget, decided, outcome)

        self.w.write(
            FinancingLine,
            [
                "project_id", "financier_id", "category", "year", "budget_sek", "decided_sek",
                "outcome_sek",
            ],
            financing_rows(),
            "financing_lines",
        )  # fmt: skip

    # Indicators ----------------------------------------------------------------------------

    def indicator_values(self) -> None:
        """Exactly ``values`` values: every area × 20 years × T/K/M, for as many generated
        indicators (``bench-NNN``) as that takes; the last one is cut short."""
        self.log("indicators and values")
        rng = self.rng
        areas = self.base.areas
        per_indicator = len(areas) * len(PERIODS) * len(GENDERS)
        count = -(-self.size.values // per_indicator)
        first_indicator = _next_id(Indicator)
        taken = set(
            Indicator.objects.filter(code__startswith="bench-").values_list("code", flat=True)
        )
        codes = []
        n = 0
        while len(codes) < count:
            n += 1
            if f"bench-{n:03d}" not in taken:
                codes.append(f"bench-{n:03d}")
        self.w.write(
            Indicator,
            ["id", "code", "name_sv", "name_en", "unit", "gender_split", "created", "updated"],
            (
                (
                    first_indicator + i,
                    code,
                    f"Benchmarkindikator {i + 1}",
                    f"Benchmark indicator {i + 1}",
                    "antal",
                    True,
                    EPOCH,
                    EPOCH,
                )
                for i, code in enumerate(codes)
            ),
            "indicators",
        )
        imported = EPOCH
        total = self.size.values

        def rows() -> Iterator[tuple]:
            written = 0
            for i in range(count):
                indicator = first_indicator + i
                scale_factor = 10 + int(rng.random() * 1000)
                for area in areas:
                    level = scale_factor * (0.5 + rng.random())
                    for period in PERIODS:
                        level *= 0.97 + rng.random() * 0.07
                        women = level * (0.35 + rng.random() * 0.3)
                        for gender, figure in (("T", level), ("K", women), ("M", level - women)):
                            if written == total:
                                return
                            written += 1
                            yield (indicator, area, period, gender, f"{figure:.2f}", "",
                                   False, False, "bench", imported)  # fmt: skip

        columns = [
            "indicator_id", "area_id", "period", "gender", "value", "status", "derived",
            "revised", "source", "imported_at",
        ]  # fmt: skip
        if self.w.postgres:
            stamp = imported.isoformat()
            lines = (
                f"{i}\t{a}\t{p}\t{g}\t{v}\t\tf\tf\tbench\t{stamp}\n"
                for i, a, p, g, v, *_rest in rows()
            )
            self.w.write_lines(Value, columns, lines, "indicator_values")
        else:
            self.w.write(Value, columns, rows(), "indicator_values")

    # Events ------------------------------------------------------------------------------

    def events(self) -> None:
        self.log("events and registrations")
        rng = self.rng
        first_id = _next_id(Event)
        self.event_first = first_id
        clusters = self.base.clusters
        municipalities = self.base.municipalities
        plans: list[tuple[int, int, int]] = []  # event, host, capacity
        self.events_written = self.size.events

        def rows() -> Iterator[tuple]:
            for n in range(self.size.events):
                pk = first_id + n
                host = clusters[int(rng.random() * len(clusters))]
                start = datetime(2024, 1, 8, 8, tzinfo=UTC) + timedelta(
                    days=int(rng.random() * 1100), hours=int(rng.random() * 8)
                )
                end = start + timedelta(hours=1 + int(rng.random() * 7))
                type_index = int(rng.random() * len(_EVENT_TYPES))
                online = _EVENT_TYPES[type_index] == "webinar"
                capacity = 20 + int(rng.random() * 180)
                plans.append((pk, host, capacity))
                status = "published" if rng.random() < 0.9 else rng.choice(("draft", "cancelled"))
                topic = rng.choice(_TOPICS)
                yield (
                    pk, f"bench-{self.seed}-{pk}@samverka", 0,
                    f"{_EVENT_WORDS[type_index]} om {topic}", _EVENT_TYPES[type_index],
                    f"<p>Vi träffas och pratar om {topic} och {rng.choice(_TOPICS)}.</p>",
                    start, end, False, "Europe/Stockholm", "" if online else "Kunskapens hus",
                    None if online else rng.choice(municipalities),
                    "https://meet.example.se/" + str(pk) if online else "", host, capacity,
                    start - timedelta(days=2), True, "public", status, False,
                    start - timedelta(days=60), start - timedelta(days=60),
                )  # fmt: skip

        self.w.write(
            Event,
            [
                "id", "uid", "sequence", "title", "event_type", "description", "start", "end",
                "all_day", "timezone", "place", "municipality_id", "online_url", "host_id",
                "capacity", "registration_deadline", "registration_open", "visibility",
                "status", "is_demo", "created", "updated",
            ],
            rows(),
            "events",
        )  # fmt: skip

        def organiser_rows() -> Iterator[tuple]:
            for pk, host, _capacity in plans:
                yield (pk, host)
                if rng.random() < 0.3:
                    other = clusters[int(rng.random() * len(clusters))]
                    if other != host:
                        yield (pk, other)

        self.w.write(
            Event.organisers.through,
            ["event_id", "cluster_id"],
            organiser_rows(),
            "event_organisers",
        )
        focus = self.base.focus_areas
        self.w.write(
            Event.focus_areas.through,
            ["event_id", "focusarea_id"],
            (
                (pk, fa)
                for pk, *_ in plans
                for fa in rng.sample(focus, min(len(focus), 1 + int(rng.random() * 2)))
            ),
            "event_focus_areas",
        )
        people = self.person_rows
        person_ids = self.person_ids
        n_people = len(people)

        def registration_rows() -> Iterator[tuple]:
            for pk, _host, capacity in plans:
                wanted = int(rng.random() * min(capacity, 60))
                chosen = sorted({int(rng.random() * n_people) for _ in range(wanted)})
                for position, index in enumerate(chosen):
                    name, email, organisation = people[index]
                    status = "cancelled" if rng.random() < 0.05 else "confirmed"
                    created = EPOCH - timedelta(days=400) + timedelta(minutes=position)
                    yield (
                        pk, name, email, organisation, person_ids[index], "", False,
                        status, created if status == "cancelled" else None,
                        rng.random() < 0.7, f"{rng.getrandbits(128):032x}", created, created,
                    )  # fmt: skip

        self.w.write(
            Registration,
            [
                "event_id", "name", "email", "organisation_id", "person_id", "gender",
                "contact_consent", "status", "cancelled_at", "attended", "token", "created",
                "updated",
            ],
            registration_rows(),
            "registrations",
        )  # fmt: skip

    # Search ------------------------------------------------------------------------------

    def search_index(self) -> None:
        """Index the new organisations, projects and events as ``search reindex`` would."""
        from samverka.knowledge import indexing

        self.log("search index")
        by_kind = {r.kind: r for r in indexing.active()}
        targets: list[tuple[str, models.QuerySet[Any]]] = []
        if self.org_ids:
            targets.append(
                (
                    "organisation",
                    Organisation.objects.filter(pk__gte=self.org_ids[0]).prefetch_related(
                        "focus_areas"
                    ),
                )
            )
        targets.append(("project", Project.objects.filter(pk__gte=self.project_first)))
        targets.append(
            (
                "event",
                Event.objects.filter(pk__gte=self.event_first).prefetch_related("focus_areas"),
            )
        )
        for kind, queryset in targets:
            registration = by_kind.get(kind)
            if registration is None:
                continue
            entries = (
                (obj.pk, entry)
                for obj in queryset.order_by("pk").iterator(chunk_size=2000)
                if (entry := registration.build(obj)) is not None
            )
            written = indexing.bulk_store(kind, entries)
            self.w.counts[f"search_{kind}"] = written
            self.log(f"  search documents ({kind}): {written:,}")

    def summary(self) -> dict[str, int]:
        return dict(self.w.counts)
