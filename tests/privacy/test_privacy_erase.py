"""Export and erasure of one person's data: complete, aggregate-preserving, idempotent, and
leaving no trace of the address anywhere in the database."""

from __future__ import annotations

import json
import re
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import models
from privacy_world import EMAIL, NEIGHBOUR, World

from samverka.actors.models import Person
from samverka.core.models import AuditEntry
from samverka.events import services as events
from samverka.events.models import Registration
from samverka.newsletters.models import Delivery, Subscription
from samverka.privacy.models import Consent, Erasure
from samverka.privacy.services import erase_personal_data, export_personal_data
from samverka.scanning.models import DigestSubscription
from samverka.sluice import services as sluice
from samverka.sluice.models import CaseNote, CaseTransition, HelpCase

HOME = "eva@home.example"
WORD = re.compile(rf"(?<![\w.+-]){re.escape(EMAIL)}(?![\w-])", re.IGNORECASE)


def traces(pattern: re.Pattern[str], needle: str) -> list[str]:
    """Every text value in every table of the project that contains ``pattern``: a generic
    scan over all character, text and JSON fields of all models."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        q = models.Q()
        for f in fields:
            q |= models.Q(**{f"{f.name}__icontains": needle})
        for row in model._default_manager.filter(q):
            for f in fields:
                value = f.value_from_object(row)
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if pattern.search(text or ""):
                    found.append(f"{model._meta.label_lower}.{f.name}#{row.pk}")
    return found


def aggregates(world: World) -> dict[str, Any]:
    return {
        "attendance": events.attendance_counts(world.event),
        "sluice": sluice.report(),
        "people_by_gender": Counter(Person.objects.values_list("gender", flat=True)),
        "registrations": Registration.objects.count(),
        "cases_by_stage": Counter(HelpCase.objects.values_list("stage", flat=True)),
        "transitions": CaseTransition.objects.count(),
        "deliveries": Counter(Delivery.objects.values_list("issue_id", "status")),
        "consents": Counter(Consent.objects.values_list("purpose", flat=True)),
    }


def test_export_holds_every_record_and_no_secrets(world: World) -> None:
    data = export_personal_data("  EVA.ek@privacy.EXAMPLE ")
    sections = data["sections"]
    assert data["user_accounts"] == [world.user.pk]
    assert data["person_records"] == [world.person.pk]
    for label in (
        "actors.person",
        "auth.user",
        "events.registration",
        "newsletters.subscription",
        "newsletters.delivery",
        "newsletters.suppression",
        "sluice.helpcase",
        "sluice.casetransition",
        "sluice.casenote",
        "privacy.consent",
        "core.auditentry",
        "api.apitoken",
        "clusters.cluster",
    ):
        assert sections.get(label), label
    assert [r["email"] for r in sections["events.registration"]] == [EMAIL]
    assert [r["name"] for r in sections["actors.person"]] == ["Eva Ek"]
    assert sections["sluice.casenote"][0]["text"] == "Eva Ek has a strong idea."
    assert len(sections["privacy.consent"]) == 5
    # Her own action is there with her as the actor.
    assert any(
        e["action"] == "person.viewed" and e["actor_id"] == world.user.pk
        for e in sections["core.auditentry"]
    )
    text = json.dumps(data)
    assert NEIGHBOUR not in text
    assert "bo@privacy.example" not in text
    assert sections["auth.user"][0]["password"] == "[redacted]"
    assert sections["events.registration"][0]["token"] == "[redacted]"
    assert sections["api.apitoken"][0]["key_hash"] == "[redacted]"
    assert world.case.token not in text
    assert "JBSWY3DPEHPK3PXP" not in text
    assert sections["mfa.authenticator"][0]["data"] == "[redacted]"
    # Her second login address leads to the same account and person.
    other = export_personal_data(HOME)
    assert other["user_accounts"] == [world.user.pk]
    assert other["addresses"] == [EMAIL, HOME]
    assert other["sections"]["actors.person"] == sections["actors.person"]


def test_erase_keeps_aggregates_and_leaves_no_trace(world: World) -> None:
    # Registered with her second login address: the same person, erased too.
    events.register(event=world.event, name="E. Ek", email=HOME, gender="woman")
    assert len(traces(WORD, EMAIL)) > 10
    neighbour_before = traces(re.compile(re.escape(NEIGHBOUR)), NEIGHBOUR)
    before = aggregates(world)

    result = erase_personal_data(EMAIL.upper())

    assert aggregates(world) == before
    assert traces(WORD, EMAIL) == []
    assert traces(re.compile(re.escape(HOME)), HOME) == []
    assert sorted(traces(re.compile(re.escape(NEIGHBOUR)), NEIGHBOUR)) == sorted(neighbour_before)
    assert export_personal_data(EMAIL)["sections"] == {}
    assert result["changed"]["events.registration"] == 2
    assert result["changed"]["sluice.helpcase"] == 1
    assert result["changed"]["newsletters.subscription"] == 1
    assert result["changed"]["auth.user"] == 1
    assert Erasure.objects.get().reference == result["reference"]
    logged = AuditEntry.objects.get(action="privacy.erased")
    assert logged.changes == result["changed"]
    assert EMAIL not in json.dumps(Erasure.objects.get().counts)

    # The account cannot be used; names are gone from the records and the audit log about them.
    world.user.refresh_from_db()
    assert not world.user.is_active
    assert not world.user.has_usable_password()
    assert (world.user.first_name, world.user.email) == ("", "")
    assert authenticate(username="eva", password="pw-Test-1234") is None
    assert not world.user.api_tokens.exists()
    assert not Authenticator.objects.filter(user=world.user).exists()
    assert not DigestSubscription.objects.filter(user=world.user).exists()
    assert not EmailAddress.objects.filter(user=world.user).exists()
    assert not world.user.managed_clusters.exists()
    assert AuditEntry.objects.filter(actor=world.user).count() == 0
    assert traces(re.compile("Eva Ek"), "Eva Ek") == []
    person = Person.objects.get(pk=world.person.pk)
    assert (person.name, person.email, person.gender, person.user_id) == (
        "anonymised",
        "",
        "woman",
        None,
    )
    case = HelpCase.objects.get(pk=world.case.pk)
    assert (case.title, case.description, case.phone, case.stage) == (
        "anonymised",
        "",
        "",
        "screened",
    )
    assert not CaseNote.objects.filter(case=case).exists()
    assert not Subscription.objects.filter(email__iexact=EMAIL).exists()
    assert Subscription.objects.filter(email=NEIGHBOUR).exists()
    assert Consent.objects.filter(email=NEIGHBOUR, withdrawn_at__isnull=True).count() == 4
    assert not Consent.objects.filter(withdrawn_at__isnull=True, email__endswith=".invalid")


def test_erase_twice_changes_nothing(world: World) -> None:
    erase_personal_data(EMAIL)
    snapshot = {r.pk: (r.email, r.token) for r in Registration.objects.all()}
    again = erase_personal_data(EMAIL)
    assert (again["total"], again["changed"], again["reference"]) == (0, {}, None)
    assert {r.pk: (r.email, r.token) for r in Registration.objects.all()} == snapshot
    assert Erasure.objects.count() == 1


def test_erase_dry_run_counts_and_changes_nothing(world: World) -> None:
    before = export_personal_data(EMAIL)
    dry = erase_personal_data(EMAIL, dry_run=True)
    after = export_personal_data(EMAIL)
    assert before["sections"] == after["sections"]
    assert Erasure.objects.count() == 0
    real = erase_personal_data(EMAIL)
    assert dry["changed"] == real["changed"]
    assert dry["total"] > 0


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("gdpr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_export_and_erase_as_json(world: World) -> None:
    out, _ = _command("export", EMAIL, "--format", "json")
    assert json.loads(out)["sections"]["sluice.helpcase"][0]["name"] == "Eva Ek"
    out, _ = _command("erase", EMAIL, "--dry-run", "--format", "json")
    assert json.loads(out)["dry_run"] is True
    assert json.loads(_command("export", EMAIL)[0])["sections"] != {}
    out, _ = _command("erase", EMAIL, "--format", "json")
    assert json.loads(out)["total"] > 0
    assert json.loads(_command("export", EMAIL)[0])["sections"] == {}
    out, _ = _command("erase", EMAIL, "--format", "json")
    assert json.loads(out)["total"] == 0


def test_command_unknown_address_is_an_empty_export(db: Any) -> None:
    out, _ = _command("export", "nobody@privacy.example")
    data = json.loads(out)
    assert (data["email"], data["sections"], data["user_accounts"]) == (
        "nobody@privacy.example",
        {},
        [],
    )


@pytest.mark.parametrize("action", ["export", "erase"])
def test_command_malformed_address_exits_2(db: Any, action: str) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        _command(action, "not-an-address")
    assert error.value.returncode == 2
    assert "not-an-address" in str(error.value)


def test_admin_export_download_for_platform_admins_only(
    world: World, client: Any, make_user: Any
) -> None:
    url = "/admin/privacy/consent/export/"
    client.force_login(make_user(role="platform_admin_superuser"))
    response = client.get(url, {"email": EMAIL})
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert json.loads(response.content)["sections"]["actors.person"][0]["name"] == "Eva Ek"
    page = client.get(url, {"email": "nonsense"})
    assert page.status_code == 200
    assert "errornote" in page.content.decode()
    staff = make_user(is_staff=True)
    client.force_login(staff)
    assert client.get(url, {"email": EMAIL}).status_code == 403
