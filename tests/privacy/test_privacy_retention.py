"""Retention: registrations of long-past events and long-closed help cases are anonymised by
the periodic job; recent ones stay; aggregates do not change."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from privacy_world import make_case, make_event

from samverka.core import scheduler
from samverka.events import services as events
from samverka.events.models import Registration
from samverka.privacy.models import Consent, Erasure
from samverka.privacy.services import run_retention
from samverka.sluice import services as sluice
from samverka.sluice.models import CaseTransition, HelpCase

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _register(event: Any, n: int, gender: str) -> Registration:
    result = events.register(
        event=event,
        name=f"Person {n}",
        email=f"p{n}@retention.example",
        gender=gender,
        contact_consent=True,
        now=event.start - dt.timedelta(days=5),
    )
    events.set_attendance(result.registration, attended=n % 2 == 0, actor=None)
    return result.registration


def _close(case: HelpCase, at: dt.datetime, manager: Any) -> None:
    sluice.transition(case=case, to_stage="closed", outcome="advice_given", actor=manager, note="x")
    HelpCase.objects.filter(pk=case.pk).update(stage_changed_at=at)


@pytest.fixture
def old_and_new(db: Any, make_user: Any, make_cluster: Any, settings: Any) -> dict[str, Any]:
    settings.SAMVERKA_RETENTION_REGISTRATIONS_DAYS = 730
    settings.SAMVERKA_RETENTION_CASES_DAYS = 1095
    manager = make_user("retention-handler")
    cluster = make_cluster(slug="retention")
    cluster.managers.add(manager)
    old_event = make_event(title="Old", start=NOW - dt.timedelta(days=800))
    new_event = make_event(title="New", start=NOW - dt.timedelta(days=100))
    old = [_register(old_event, n, g) for n, g in enumerate(["woman", "man", "woman", ""])]
    new = [_register(new_event, n + 10, g) for n, g in enumerate(["man", "woman"])]
    cases = {}
    for label, days, closed in (("old", 1200, True), ("recent", 10, True), ("open", 2000, False)):
        case = make_case(email=f"{label}@retention.example", name=label.title(), title=label)
        case.assigned_cluster = cluster
        case.save()
        if closed:
            _close(case, NOW - dt.timedelta(days=days), manager)
        cases[label] = case
    return {
        "old_event": old_event,
        "new_event": new_event,
        "old_regs": old,
        "new_regs": new,
        **cases,
    }


def _aggregates(data: dict[str, Any]) -> Any:
    return (
        events.attendance_counts(data["old_event"]),
        events.attendance_counts(data["new_event"]),
        sluice.report(),
        Counter(CaseTransition.objects.values_list("to_stage", flat=True)),
    )


def test_retention_anonymises_only_what_is_past_its_time(old_and_new: dict[str, Any]) -> None:
    before = _aggregates(old_and_new)
    dry = run_retention(now=NOW, dry_run=True)
    assert dry["counts"] == {"events.registration": 4, "sluice.helpcase": 1}
    assert not Erasure.objects.exists()

    result = run_retention(now=NOW, batch_size=3)  # two batches of registrations

    assert result["counts"] == {"events.registration": 4, "sluice.helpcase": 1}
    assert _aggregates(old_and_new) == before
    old_emails = {r.email for r in old_and_new["old_regs"]}
    assert not Registration.objects.filter(email__in=old_emails).exists()
    assert set(
        Registration.objects.filter(event=old_and_new["old_event"]).values_list("name", flat=True)
    ) == {"anonymised"}
    new = Registration.objects.filter(event=old_and_new["new_event"])
    assert sorted(new.values_list("email", flat=True)) == [
        "p10@retention.example",
        "p11@retention.example",
    ]
    assert HelpCase.objects.get(pk=old_and_new["old"].pk).email.endswith("@anonymised.invalid")
    for label in ("recent", "open"):
        assert HelpCase.objects.get(pk=old_and_new[label].pk).email == f"{label}@retention.example"
    assert not CaseTransition.objects.filter(case=old_and_new["old"]).exclude(note="").exists()
    # Their consents are withdrawn and anonymous; the recent ones stay.
    assert not Consent.objects.filter(email__in=[*old_emails, "old@retention.example"]).exists()
    assert Consent.objects.filter(email="p10@retention.example", withdrawn_at=None).exists()
    assert Erasure.objects.get().counts == result["counts"]

    again = run_retention(now=NOW)
    assert again["total"] == 0
    assert Erasure.objects.count() == 1


def test_retention_zero_days_turns_it_off(old_and_new: dict[str, Any], settings: Any) -> None:
    settings.SAMVERKA_RETENTION_REGISTRATIONS_DAYS = 0
    settings.SAMVERKA_RETENTION_CASES_DAYS = 0
    assert run_retention(now=NOW)["counts"] == {}
    assert not Registration.objects.filter(email__endswith="@anonymised.invalid").exists()


def test_retention_is_a_daily_periodic_job_and_a_command(old_and_new: dict[str, Any]) -> None:
    import samverka.privacy.tasks  # noqa: F401  (the worker imports every app's tasks)

    job = scheduler.JOBS["privacy-retention"]
    assert job.interval == dt.timedelta(days=1)
    out = StringIO()
    call_command("gdpr", "retention", "--dry-run", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["counts"] == {"events.registration": 4, "sluice.helpcase": 1}
    out = StringIO()
    call_command("gdpr", "retention", stdout=out)
    assert out.getvalue().splitlines()[0] == "changed 5 rows"
    assert Registration.objects.filter(email__endswith="@anonymised.invalid").count() == 4
