"""A case becomes a draft application in the programme database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from samverka.actors.models import Organisation
from samverka.programmes.models import Call, Programme, Project
from samverka.sluice import services
from samverka.sluice.models import HelpCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english): ...


@pytest.fixture
def open_call(db):
    programme = Programme.objects.create(
        code="rtp-test", name="RTP Test", start_year=2026, end_year=2028
    )
    today = timezone.localdate()
    return Call.objects.create(
        programme=programme,
        slug="gron-2026",
        title="Green innovation 2026",
        opens=today - timedelta(days=5),
        closes=today + timedelta(days=30),
        published=True,
    )


def test_create_application_from_case_page(client, make_case, cluster_manager, open_call):
    manager, cluster = cluster_manager
    case = make_case(
        title="Biochar pilot",
        description="A <b>pilot</b> plant.",
        organisation_name="Krokoms Biokol",
        assigned_cluster=cluster,
    )
    services.transition(case=case, to_stage="mentoring", actor=manager)
    client.force_login(manager)

    page = client.get(case.get_absolute_url()).content.decode()
    response = client.post(
        reverse("sluice:case-application", args=[case.pk]),
        {
            "call": open_call.pk,
            "organisation_name": "Krokoms Biokol",
            "orgnr": "",
            "helix": "company",
        },
    )

    assert "Create application" in page
    assert response.status_code == 302
    case.refresh_from_db()
    project = Project.objects.get()
    assert case.project == project
    assert case.stage == "application"
    assert project.status == "draft"
    assert project.call == open_call
    assert project.reference == "GRON-2026-001"
    assert project.title == "Biochar pilot"
    assert project.description == "<p>A &lt;b&gt;pilot&lt;/b&gt; plant.</p>"  # plain text kept
    assert project.applicant.name == "Krokoms Biokol"
    assert project.created_by == manager
    assert list(project.status_changes.values_list("to_status", flat=True)) == ["draft"]
    assert case.applicant_organisation == project.applicant
    assert case.transitions.last().to_stage == "application"


def test_existing_organisation_is_matched_by_orgnr_then_name(
    make_case, cluster_manager, open_call, make_organisation
):
    manager, cluster = cluster_manager
    by_number = make_organisation("Norrvall Aktiebolag", orgnr="556036-0793")
    by_name = make_organisation("Fjällgården")

    first = services.create_application(
        case=make_case(assigned_cluster=cluster),
        actor=manager,
        call=open_call,
        organisation_name="Norrvall AB",
        orgnr="5560360793",
        helix="company",
    )
    second = services.create_application(
        case=make_case(assigned_cluster=cluster),
        actor=manager,
        call=open_call,
        organisation_name="fjällgården",
        helix="company",
    )

    assert first.applicant == by_number
    assert second.applicant == by_name
    assert Organisation.objects.count() == 2 + 2  # the cluster's two members, no new ones


def test_ambiguous_name_or_conflicting_orgnr_is_refused(
    make_case, cluster_manager, open_call, make_organisation
):
    manager, cluster = cluster_manager
    make_organisation("Gården")
    make_organisation("gården")
    make_organisation("Skogen AB", orgnr="556036-0793")
    case = make_case(assigned_cluster=cluster)

    with pytest.raises(ValidationError) as twice:
        services.create_application(
            case=case, actor=manager, call=open_call, organisation_name="Gården", helix="company"
        )
    with pytest.raises(ValidationError) as bad:
        services.create_application(
            case=case,
            actor=manager,
            call=open_call,
            organisation_name="X",
            orgnr="123",
            helix="company",
        )

    assert "orgnr" in twice.value.message_dict
    assert "orgnr" in bad.value.message_dict
    assert Project.objects.count() == 0
    assert HelpCase.objects.get(pk=case.pk).stage == "received"


def test_closed_call_or_other_cluster_is_refused(
    client, make_case, cluster_manager, open_call, make_user, make_cluster
):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)
    open_call.closes = timezone.localdate() - timedelta(days=1)
    open_call.opens = open_call.closes - timedelta(days=10)
    open_call.save()

    with pytest.raises(ValidationError):
        services.create_application(
            case=case, actor=manager, call=open_call, organisation_name="Ny AB", helix="company"
        )
    outsider = make_user()
    make_cluster(slug="outside").managers.add(outsider)
    client.force_login(outsider)
    response = client.post(
        reverse("sluice:case-application", args=[case.pk]),
        {"call": open_call.pk, "organisation_name": "Ny AB", "helix": "company"},
    )
    assert response.status_code == 403
    assert Project.objects.count() == 0
    assert not Organisation.objects.filter(name="Ny AB").exists()
