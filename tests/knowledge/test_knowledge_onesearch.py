"""The one search, run on SQLite and PostgreSQL alike: Swedish inflections, compounds, typos,
ranking, highlighted and escaped snippets, filters, visibility and index updates."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from samverka.actors.models import FocusArea
from samverka.events.models import Event
from samverka.knowledge import indexing
from samverka.knowledge.models import GoodExample, SearchDocument
from samverka.knowledge.search import search
from samverka.programmes.models import Programme, Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


def example(title: str, body: str = "", *, published: bool = True, **fields: Any) -> GoodExample:
    n = GoodExample.objects.count() + 1
    return GoodExample.objects.create(
        title=title, slug=f"ex-{n}", body=body, published=published, **fields
    )


def titles(query: str, **kwargs: Any) -> list[str]:
    return [hit.title for hit in search(query, **kwargs).hits]


def test_swedish_inflections_find_the_stem() -> None:
    example("Om skog", "Vi planterar skog i Jämtland.")
    example("Om fisk", "Vattenbruk med röding.")
    assert titles("skogen") == ["Om skog"]
    assert titles("skogar") == ["Om skog"]
    assert titles("skog") == ["Om skog"]


def test_compounds_both_ways() -> None:
    example("Hyggesfritt", "Variationsrikt skogsbruket i norra Sverige.")
    example("Mjölk", "Ett mejeri i Skåne.")
    assert titles("bruk") == ["Hyggesfritt"]
    assert titles("skogsbruk") == ["Hyggesfritt"]
    example("Småskaligt", "Ett litet jordbruk med får.")
    assert sorted(titles("bruk")) == ["Hyggesfritt", "Småskaligt"]


def test_typos_are_forgiven() -> None:
    example("Hyggesfritt", "Variationsrikt skogsbruk i norra Sverige.")
    example("Fiske", "Vattenbruk med röding.")
    assert titles("skogsbrok") == ["Hyggesfritt"]
    assert titles("hygesfritt") == ["Hyggesfritt"]


def test_all_words_must_match() -> None:
    example("Skog och vatten", "Skog vid sjön.")
    example("Bara skog", "Gran och tall.")
    assert titles("skog vatten") == ["Skog och vatten"]
    assert titles("zzzzqqq") == []
    assert search("").total == 0


def test_title_match_ranks_above_body_match() -> None:
    example("Ett projekt om mejerier", "Vi nämner vallodling en gång i texten bland mycket annat.")
    example("Vallodling i Jämtland", "Om gräs och klöver på åkern.")
    assert titles("vallodling") == ["Vallodling i Jämtland", "Ett projekt om mejerier"]


def test_snippets_are_highlighted_and_escaped(client: Any, make_organisation: Any) -> None:
    make_organisation("Skript AB", description="Text <script>alert(1)</script> om skogar & äng.")
    hit = search("skog").hits[0]
    assert "<mark>skogar</mark>" in hit.snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet
    assert "<script>" not in hit.snippet
    response = client.get(reverse("knowledge:search"), {"q": "skog"})
    html = response.content.decode()
    assert "<mark>skogar</mark>" in html
    assert "<script>alert(1)</script>" not in html


def test_filters_by_kind_and_focus_area(make_organisation: Any) -> None:
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    other = FocusArea.objects.create(slug="mat", name_sv="Mat", name_en="Food")
    ex = example("Skogsexempel", "Skog och natur.")
    ex.focus_areas.add(forest)
    org = make_organisation("Skogsbolaget AB", description="Vi äger skog.")
    org.focus_areas.add(other)
    assert sorted(titles("skog")) == ["Skogsbolaget AB", "Skogsexempel"]
    assert titles("skog", kind="organisation") == ["Skogsbolaget AB"]
    assert titles("skog", kind="example") == ["Skogsexempel"]
    assert titles("skog", focus="skog") == ["Skogsexempel"]
    assert titles("skog", focus="mat") == ["Skogsbolaget AB"]


def test_pagination() -> None:
    for n in range(13):
        example(f"Skog {n}", "Skog.")
    first, second = search("skog", per_page=10), search("skog", page=2, per_page=10)
    assert first.total == 13
    assert first.pages == 2
    assert len(first.hits) == 10
    assert len(second.hits) == 3
    assert not {h.object_id for h in first.hits} & {h.object_id for h in second.hits}


def test_visibility_of_drafts_events_and_applications(
    client: Any, make_organisation: Any, make_cluster: Any
) -> None:
    example("Utkast om skog", "Hemligt.", published=False)
    start = timezone.now() + datetime.timedelta(days=3)
    Event.objects.create(
        title="Skogsdag intern", start=start, end=start, status="draft", visibility="public"
    )
    Event.objects.create(
        title="Skogsdag medlemmar", start=start, end=start, status="published", visibility="members"
    )
    Event.objects.create(
        title="Skogsdag öppen", start=start, end=start, status="published", visibility="public"
    )
    applicant = make_organisation("Sökande AB")
    programme = Programme.objects.create(code="lb", name="LB", start_year=2014, end_year=2027)
    Project.objects.create(
        reference="P-1", programme=programme, title="Skogsansökan", applicant=applicant
    )
    Project.objects.create(
        reference="P-2",
        programme=programme,
        title="Skogsprojekt beviljat",
        applicant=applicant,
        status="granted",
    )
    make_cluster("Skogsklustret")
    assert sorted(titles("skog")) == [
        "P-2 Skogsprojekt beviljat",
        "Skogsdag öppen",
        "Skogsklustret",
    ]
    html = client.get(reverse("knowledge:search"), {"q": "skog"}).content.decode()
    assert "Skogsdag öppen" in html
    for hidden in ("Utkast om skog", "Skogsdag intern", "Skogsdag medlemmar", "Skogsansökan"):
        assert hidden not in html


def test_index_follows_saves_m2m_and_deletes() -> None:
    ex = example("Granskog", "Om gran.", published=False)
    assert titles("granskog") == []
    ex.published = True
    ex.save()
    assert titles("granskog") == ["Granskog"]
    ex.title = "Tallskog"
    ex.save()
    assert titles("granskog") == []
    assert titles("tallskog") == ["Tallskog"]
    area = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    ex.focus_areas.add(area)
    assert titles("tallskog", focus="skog") == ["Tallskog"]
    ex.focus_areas.remove(area)
    assert titles("tallskog", focus="skog") == []
    ex.delete()
    assert titles("tallskog") == []
    assert not SearchDocument.objects.filter(kind="example").exists()


def test_reindex_command_json(capsys: Any) -> None:
    example("Ett", "skog")
    SearchDocument.objects.all().delete()
    assert titles("skog") == []
    call_command("search", "reindex", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["documents"]["example"] == 1
    assert titles("skog") == ["Ett"]
    call_command("search", "reindex", "--format", "json")  # idempotent
    assert titles("skog") == ["Ett"]


def test_search_api(client: Any) -> None:
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    ex = example("Skogsbete", "Kor i skogen &amp; <b>hagen</b>.")
    ex.focus_areas.add(forest)
    example("Utkast skog", published=False)
    data = client.get("/api/v1/search", {"q": "skogen", "kind": "example", "focus": "skog"}).json()
    assert data["total"] == 1
    hit = data["results"][0]
    assert hit["title"] == "Skogsbete"
    assert hit["kind"] == "example"
    assert "<mark>skogen</mark>" in hit["snippet"]
    assert "&amp;" in hit["snippet"]
    assert "<b>" not in hit["snippet"]
    assert hit["url"].endswith(ex.get_absolute_url())
    assert client.get("/api/v1/search", {"q": "skog", "kind": "bogus"}).status_code == 422


def test_new_kind_is_one_registration(make_organisation: Any) -> None:
    org = make_organisation("Registrerad")
    indexing.store("custom", org.pk, indexing.Entry("Specialsök", "Fjällkor", url="/x/"))
    assert titles("fjällko") == ["Specialsök"]


def test_scanned_items_of_national_sources(make_cluster: Any) -> None:
    from samverka.scanning.models import FeedItem, FeedSource

    national = FeedSource.objects.create(name="Jordbruksverket", url="https://example.se/a.xml")
    own = FeedSource.objects.create(
        name="Klustrets", url="https://example.se/b.xml", cluster=make_cluster()
    )
    FeedItem.objects.create(
        source=national,
        title="Stöd till betesmarker",
        summary="<p>Ansök om stöd</p>",
        content_hash="a",
    )
    FeedItem.objects.create(source=own, title="Intern betesnyhet", summary="Bete", content_hash="b")
    assert titles("betesmark", kind="scanned") == ["Stöd till betesmarker"]
    assert titles("bete", kind="scanned") == ["Stöd till betesmarker"]


def test_items_written_in_bulk_are_caught_up() -> None:
    from samverka.knowledge.tasks import index_new_scanned_items
    from samverka.scanning.models import FeedItem, FeedSource

    source = FeedSource.objects.create(name="Nationell", url="https://example.se/c.xml")
    FeedItem.objects.bulk_create(
        [FeedItem(source=source, title=f"Fjärrvärme {n}", content_hash=str(n)) for n in range(3)]
    )
    assert titles("fjärrvärme") == []
    assert index_new_scanned_items.call() == 3
    assert len(titles("fjärrvärme")) == 3
    assert index_new_scanned_items.call() == 0
