"""The Get help form through HTTP: a case is created, routed, consent recorded, mails sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from samverka.core.models import AuditEntry
from samverka.sluice.models import CaseTransition, HelpCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english): ...


def test_get_help_page_shows_the_form(client):
    response = client.get(reverse("sluice:get-help"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title"' in html
    assert 'name="consent"' in html
    assert 'class="hp-field" aria-hidden="true"' in html
    assert "<script>" not in html


def test_form_round_trip_creates_routed_case_and_mails(
    client,
    form_data,
    make_rule,
    cluster_manager,
    make_organisation,
    django_capture_on_commit_callbacks,
):
    manager, cluster = cluster_manager
    manager.email = "manager@cluster.example"
    manager.save()
    other = make_organisation("Other Org")
    make_rule(name="Any in Jämtland, late", county="23", priority=200, target_organisation=other)
    chosen = make_rule(
        name="Jämtland testbeds", county="23", kind="testbed", priority=10, target_cluster=cluster
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sluice:get-help"), form_data)

    case = HelpCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sluice:sent", args=[case.token])
    assert case.title == "Testing a new ley seed mix"
    assert case.email == "lina@norrvall.example"
    assert case.rule == chosen
    assert case.assigned_cluster == cluster
    assert case.assigned_organisation is None
    assert case.stage == "received"
    assert case.consent_at is not None
    assert case.consent_version
    assert "passes them on" in case.consent_text
    assert case.language == "en"
    assert list(CaseTransition.objects.filter(case=case).values_list("from_stage", "to_stage")) == [
        ("", "received")
    ]
    assert AuditEntry.objects.filter(action="help_case.created", object_id=str(case.pk)).exists()
    assert len(mail.outbox) == 2
    to_applicant, to_handler = mail.outbox
    assert to_applicant.to == ["lina@norrvall.example"]
    assert case.get_status_url() in to_applicant.body
    assert "Managed Cluster" in to_applicant.body
    assert to_handler.to == ["manager@cluster.example"]
    assert case.get_absolute_url() in to_handler.body
    assert case.get_status_url() in to_handler.body

    confirmation = client.get(response["Location"])
    assert "we have received your request" in confirmation.content.decode()
    assert "Managed Cluster" in confirmation.content.decode()


def test_status_page_shows_stage_and_history_without_login(client, make_case, cluster_manager):
    _manager, cluster = cluster_manager
    case = make_case(title="Biochar pilot", assigned_cluster=cluster)

    response = client.get(reverse("sluice:status", args=[case.token]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Biochar pilot" in html
    assert "received" in html
    assert "Managed Cluster" in html
    assert response["X-Robots-Tag"] == "noindex"


def test_status_page_with_wrong_token_is_404(client, make_case):
    case = make_case()

    assert client.get(reverse("sluice:status", args=[case.token + "x"])).status_code == 404
    assert client.get(reverse("sluice:status", args=["nothing"])).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("consent", "", "This field is required."),
        ("kind", "magic", "Select a valid choice."),
        ("name", "", "This field is required."),
    ],
)
def test_bad_input_shows_errors_and_writes_nothing(client, form_data, field, value, message):
    form_data[field] = value

    response = client.post(reverse("sluice:get-help"), form_data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert HelpCase.objects.count() == 0
    assert mail.outbox == []


def test_honeypot_filled_writes_nothing_but_looks_fine(client, form_data):
    form_data["website"] = "http://spam.example"

    response = client.post(reverse("sluice:get-help"), form_data)

    assert response.status_code == 200
    assert HelpCase.objects.count() == 0
    assert mail.outbox == []


def test_rate_limit_per_ip(client, form_data, settings, django_capture_on_commit_callbacks):
    settings.SAMVERKA_HELP_RATE_LIMIT = "2/3600"
    url = reverse("sluice:get-help")

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, form_data, REMOTE_ADDR="10.0.0.1")
        second = client.post(url, form_data, REMOTE_ADDR="10.0.0.1")
        third = client.post(url, form_data, REMOTE_ADDR="10.0.0.1")
        other_ip = client.post(url, form_data, REMOTE_ADDR="10.0.0.2")

    assert [first.status_code, second.status_code, third.status_code] == [302, 302, 429]
    assert "Too many requests" in third.content.decode()
    assert other_ip.status_code == 302
    assert HelpCase.objects.count() == 3


def test_rate_limit_per_client_behind_a_trusted_proxy(
    client, form_data, settings, django_capture_on_commit_callbacks
):
    """Behind the proxy every request comes from 127.0.0.1: the limit counts the visitor it
    names in X-Forwarded-For, and a peer that is not a proxy cannot pick its bucket."""
    settings.SAMVERKA_HELP_RATE_LIMIT = "1/3600"
    url = reverse("sluice:get-help")

    def post(peer: str, forwarded_for: str) -> int:
        meta = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
        return client.post(url, form_data, **meta).status_code

    with django_capture_on_commit_callbacks(execute=True):
        assert post("127.0.0.1", "198.51.100.1") == 302
        assert post("127.0.0.1", "198.51.100.1") == 429
        assert post("127.0.0.1", "198.51.100.2") == 302  # another visitor, same proxy
        assert post("203.0.113.9", "198.51.100.3") == 302
        assert post("203.0.113.9", "198.51.100.4") == 429  # spoofed header: same bucket
