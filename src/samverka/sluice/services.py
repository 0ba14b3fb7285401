"""Domain operations of one way in and the innovation sluice: taking in a case, routing it to a
support actor, moving it through the stages, reassigning it, turning it into a draft application,
and the stage report (time in each stage, conversion). Functions raise ``ValidationError`` or
``PermissionDenied``; views, the API and commands translate those."""

from __future__ import annotations

import secrets
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from samverka.actors.models import Organisation, Person
from samverka.actors.services import normalise_orgnr
from samverka.clusters.models import Cluster
from samverka.core import audit, roles
from samverka.core.sanitise import clean_html
from samverka.privacy.models import Purpose
from samverka.privacy.services import record_consent
from samverka.programmes.models import Call, Project, StatusChange
from samverka.programmes.services import workflow
from samverka.sluice.models import (
    STAGE_ORDER,
    CaseNote,
    CaseTransition,
    HelpCase,
    Outcome,
    RoutingRule,
    Stage,
)

# Spam protection -------------------------------------------------------------------------------


def rate_limit() -> tuple[int, int]:
    """(submissions, seconds) allowed per IP address; ``SAMVERKA_HELP_RATE_LIMIT`` = "5/3600"."""
    text = str(settings.SAMVERKA_HELP_RATE_LIMIT)
    count, _sep, seconds = text.partition("/")
    return int(count), int(seconds or 3600)


def allow_submission(ip: str | None) -> bool:
    """Count a submission from ``ip`` in the shared cache; False once the limit is passed.

    The cache is shared between processes (database or Redis), so the limit holds across
    web workers. ``add`` then ``incr`` keeps the window fixed from the first submission.
    """
    limit, window = rate_limit()
    key = f"sluice:submit:{ip or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


# Permissions -----------------------------------------------------------------------------------


def can_handle_case(user: Any, case: HelpCase) -> bool:
    """Platform admins; managers of the handling cluster; people (with accounts) of the handling
    organisation. Cases of the national network (no handler) belong to platform admins."""
    if roles.is_platform_admin(user):
        return True
    if case.assigned_cluster_id is not None:
        return case.assigned_cluster_id in roles.managed_cluster_ids(user)
    if case.assigned_organisation_id is not None:
        person = roles.person_of(user)
        return bool(person and person.organisation_id == case.assigned_organisation_id)
    return False


def can_reopen(user: Any, case: HelpCase) -> bool:
    return roles.is_platform_admin(user)


def visible_cases(user: Any) -> QuerySet[HelpCase]:
    """The cases ``user`` handles (all for platform admins, none for anonymous visitors)."""
    cases = HelpCase.objects.with_related()
    if roles.is_platform_admin(user):
        return cases
    condition = Q(assigned_cluster_id__in=roles.managed_cluster_ids(user))
    person = roles.person_of(user)
    if person and person.organisation_id:
        condition |= Q(assigned_organisation_id=person.organisation_id)
    return cases.filter(condition)


def can_create_rule(user: Any) -> bool:
    return roles.is_platform_admin(user) or bool(roles.managed_cluster_ids(user))


def can_manage_rule(user: Any, rule: RoutingRule) -> bool:
    """Platform admins any rule; cluster managers the rules that target their clusters."""
    if roles.is_platform_admin(user):
        return True
    return rule.target_cluster_id is not None and rule.target_cluster_id in (
        roles.managed_cluster_ids(user)
    )


def manageable_rules(user: Any) -> QuerySet[RoutingRule]:
    rules = RoutingRule.objects.select_related(
        "focus_area", "county", "target_cluster", "target_organisation"
    )
    if roles.is_platform_admin(user):
        return rules
    return rules.filter(target_cluster_id__in=roles.managed_cluster_ids(user))


# Routing ---------------------------------------------------------------------------------------


def matching_rule(
    *, focus_area_id: int | None, county_id: int | None, kind: str
) -> RoutingRule | None:
    """The active rule for a case: every criterion set must equal the case's value (blank
    matches anything); the lowest priority number wins, then the most criteria set, then the
    oldest rule. None when no rule matches (the national network takes the case)."""
    rules = RoutingRule.objects.filter(active=True).filter(
        Q(focus_area__isnull=True) | Q(focus_area_id=focus_area_id),
        Q(county__isnull=True) | Q(county_id=county_id),
        Q(kind="") | Q(kind=kind),
    )
    candidates = list(rules)
    if not candidates:
        return None
    return min(candidates, key=lambda r: (r.priority, -r.specificity, r.pk))


def route(case: HelpCase) -> RoutingRule | None:
    """Set the case's handler from the matching rule (not saved)."""
    county = case.municipality.county if case.municipality_id else None
    rule = matching_rule(
        focus_area_id=case.focus_area_id, county_id=county.pk if county else None, kind=case.kind
    )
    case.rule = rule
    case.assigned_cluster = rule.target_cluster if rule else None
    case.assigned_organisation = rule.target_organisation if rule else None
    return rule


def handler_name(case: HelpCase) -> str:
    handler = case.handler
    return str(handler) if handler is not None else _("The national network")


def platform_admin_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(Q(is_superuser=True) | Q(groups__name=roles.Role.PLATFORM_ADMIN))
    return sorted(set(users.values_list("email", flat=True)))


def handler_emails(case: HelpCase) -> list[str]:
    """Who hears of a case: the managers of the handling cluster (its contact address when it
    has none), the people with user accounts in the handling organisation, or else the
    platform admins."""
    if case.assigned_cluster_id:
        cluster = case.assigned_cluster
        emails = set(
            cluster.managers.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not emails and cluster.contact_email:
            emails = {cluster.contact_email}
        return sorted(emails)
    if case.assigned_organisation_id:
        people = Person.objects.filter(
            organisation_id=case.assigned_organisation_id,
            user__isnull=False,
            user__is_active=True,
        ).select_related("user")
        return sorted({p.user.email or p.email for p in people if p.user.email or p.email})
    return platform_admin_emails()


# Taking in a case ------------------------------------------------------------------------------


def _snapshot(case: HelpCase) -> dict[str, Any]:
    return audit.snapshot(
        case,
        [
            "title",
            "kind",
            "focus_area",
            "municipality",
            "stage",
            "outcome",
            "assigned_cluster",
            "assigned_organisation",
        ],
    )


@transaction.atomic
def submit_case(
    *,
    data: Mapping[str, Any],
    language: str,
    consent_text: str,
    consent_version: str,
    consent_source: str = "form",
) -> HelpCase:
    """Create a case from the Get help form's cleaned data, route it, record the consent and
    the first stage, and send the mails (to the applicant with the status link, to the handler)
    after the transaction commits."""
    now = timezone.now()
    case = HelpCase(
        token=secrets.token_urlsafe(24),
        title=data["title"].strip(),
        description=data["description"].strip(),
        focus_area=data.get("focus_area"),
        municipality=data.get("municipality"),
        kind=data["kind"],
        name=data["name"].strip(),
        email=data["email"].strip(),
        organisation_name=data["organisation_name"].strip(),
        phone=(data.get("phone") or "").strip(),
        language=(language or "sv")[:10],
        consent_text=consent_text,
        consent_version=consent_version,
        consent_at=now,
        stage=Stage.RECEIVED,
        stage_changed_at=now,
    )
    route(case)
    case.full_clean()
    case.save()
    CaseTransition.objects.create(case=case, from_stage="", to_stage=Stage.RECEIVED, at=now)
    record_consent(
        email=case.email,
        purpose=Purpose.HELP_REQUEST,
        text=consent_text,
        version=consent_version,
        source=consent_source,
        subject=case,
        given_at=now,
    )
    audit.record(
        actor=None, action="help_case.created", obj=case, changes=audit.diff({}, _snapshot(case))
    )
    from samverka.sluice.tasks import send_case_received

    case_id = case.pk
    transaction.on_commit(lambda: send_case_received.enqueue(case_id))
    return case


# Stages ----------------------------------------------------------------------------------------


def allowed_stages(user: Any, case: HelpCase) -> list[str]:
    """Stages ``user`` may move ``case`` to: any later open stage (forward or skipping), closed
    from anywhere open; from closed, platform admins reopen to any open stage."""
    if case.stage == Stage.CLOSED:
        return list(STAGE_ORDER) if can_reopen(user, case) else []
    position = STAGE_ORDER.index(case.stage)
    return [*STAGE_ORDER[position + 1 :], Stage.CLOSED]


def _check_transition(user: Any, case: HelpCase, to_stage: str, outcome: str) -> None:
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": _("Unknown stage %(stage)s.") % {"stage": to_stage}})
    if to_stage not in allowed_stages(user, case):
        if case.stage == Stage.CLOSED and not can_reopen(user, case):
            raise PermissionDenied(_("Only platform admins may reopen a closed case."))
        raise ValidationError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Stage(case.stage).label, "to": Stage(to_stage).label},
            code="transition_not_allowed",
        )
    if to_stage == Stage.CLOSED and outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome when closing a case.")})
    if to_stage != Stage.CLOSED and outcome:
        raise ValidationError({"outcome": _("An outcome is given only when closing a case.")})


@transaction.atomic
def transition(
    *, case: HelpCase, to_stage: str, actor: Any, outcome: str = "", note: str = ""
) -> CaseTransition:
    """Move ``case`` to ``to_stage`` (see ``allowed_stages``); closing needs an ``outcome``.
    Records a CaseTransition with time and user and an audit entry.

    Raises PermissionDenied when ``actor`` does not handle the case (or reopens without being
    a platform admin), ValidationError (code ``transition_not_allowed``) for a step backwards.
    """
    if not can_handle_case(actor, case):
        raise PermissionDenied
    # Re-read under a lock so that two handlers cannot both move the case from the same stage.
    locked = HelpCase.objects.select_for_update().get(pk=case.pk)
    case.stage, case.outcome = locked.stage, locked.outcome
    _check_transition(actor, case, to_stage, outcome)
    now = timezone.now()
    from_stage = case.stage
    case.stage = to_stage
    case.outcome = outcome if to_stage == Stage.CLOSED else ""
    case.stage_changed_at = now
    case.save(update_fields=["stage", "outcome", "stage_changed_at", "updated"])
    step = CaseTransition.objects.create(
        case=case,
        from_stage=from_stage,
        to_stage=to_stage,
        outcome=case.outcome,
        actor=actor,
        at=now,
        note=note.strip(),
    )
    audit.record(
        actor=actor,
        action="help_case.stage_changed",
        obj=case,
        changes={
            "stage": [from_stage, to_stage],
            **({"outcome": [None, outcome]} if outcome else {}),
        },
    )
    return step


@transaction.atomic
def add_note(*, case: HelpCase, actor: Any, text: str) -> CaseNote:
    """A handler's note on the case."""
    if not can_handle_case(actor, case):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write a note.")})
    note = CaseNote.objects.create(case=case, author=actor, text=text.strip())
    audit.record(actor=actor, action="help_case.note_added", obj=case, changes={})
    return note


@transaction.atomic
def reassign(
    *,
    case: HelpCase,
    actor: Any,
    cluster: Cluster | None = None,
    organisation: Organisation | None = None,
    note: str = "",
) -> HelpCase:
    """Hand the case to another cluster, organisation or (neither) the national network; the new
    handler is notified after commit. Raises PermissionDenied or ValidationError."""
    if not can_handle_case(actor, case):
        raise PermissionDenied
    if cluster is not None and organisation is not None:
        raise ValidationError(_("Choose a cluster or an organisation, not both."))
    if case.assigned_cluster == cluster and case.assigned_organisation == organisation:
        raise ValidationError(_("The case is already handled there."), code="unchanged")
    before = _snapshot(case)
    case.assigned_cluster = cluster
    case.assigned_organisation = organisation
    case.save(update_fields=["assigned_cluster", "assigned_organisation", "updated"])
    text = _("Reassigned to %(handler)s.") % {"handler": handler_name(case)}
    CaseNote.objects.create(case=case, author=actor, text=f"{text} {note.strip()}".strip())
    audit.record(
        actor=actor,
        action="help_case.reassigned",
        obj=case,
        changes=audit.diff(before, _snapshot(case)),
    )
    from samverka.sluice.tasks import notify_handler

    case_id = case.pk
    transaction.on_commit(lambda: notify_handler.enqueue(case_id))
    return case


# Case → application ----------------------------------------------------------------------------


def open_calls() -> QuerySet[Call]:
    today = timezone.localdate()
    return Call.objects.filter(published=True, opens__lte=today, closes__gte=today).select_related(
        "programme"
    )


def find_or_create_organisation(
    *, name: str, orgnr: str = "", helix: str, actor: Any
) -> tuple[Organisation, bool]:
    """The applicant organisation: by organisation number when given, else by exact name (case
    ignored) when exactly one organisation has it; otherwise a new organisation. An organisation
    number that belongs to an organisation of another name, or a name shared by several
    organisations, is refused rather than guessed."""
    name = name.strip()
    if not name:
        raise ValidationError({"organisation_name": _("Give the organisation's name.")})
    try:
        number = normalise_orgnr(orgnr)
    except ValidationError as exc:
        raise ValidationError({"orgnr": exc.messages}) from exc
    if number:
        found = Organisation.objects.filter(orgnr=number).first()
        if found is not None:
            return found, False
    same_name = list(Organisation.objects.filter(name__iexact=name)[:2])
    if len(same_name) > 1:
        raise ValidationError(
            {
                "orgnr": _(
                    "Several organisations are called %(name)s; give the organisation number."
                )
                % {"name": name}
            }
        )
    if same_name:
        org = same_name[0]
        if number and org.orgnr and org.orgnr != number:
            raise ValidationError(
                {
                    "orgnr": _(
                        "%(name)s is in the directory with another organisation number (%(orgnr)s)."
                    )
                    % {"name": org.name, "orgnr": org.orgnr}
                }
            )
        return org, False
    org = Organisation(name=name, orgnr=number, helix=helix)
    org.full_clean()
    org.save()
    audit.record(
        actor=actor,
        action="organisation.created",
        obj=org,
        changes=audit.diff({}, audit.snapshot(org, ["name", "orgnr", "helix"])),
    )
    return org, True


@transaction.atomic
def create_application(
    *, case: HelpCase, actor: Any, call: Call, organisation_name: str, orgnr: str = "", helix: str
) -> Project:
    """Turn the case into a draft application to an open ``call`` for the applicant
    organisation (found or created, see ``find_or_create_organisation``), link it to the case
    and move the case to "application" (unless it is already there).

    The draft is created like ``programmes.services.workflow.create_application`` does (fresh
    reference, a StatusChange, an audit entry) but on the handler's authority, because the
    applicant has no account. Raises PermissionDenied or ValidationError.
    """
    if not can_handle_case(actor, case):
        raise PermissionDenied
    if case.stage == Stage.CLOSED:
        raise ValidationError(_("The case is closed."), code="closed")
    if case.project_id:
        raise ValidationError(_("The case already has an application."), code="has_application")
    if STAGE_ORDER.index(case.stage) > STAGE_ORDER.index(Stage.APPLICATION):
        raise ValidationError(_("The case is past the application stage."), code="stage")
    if not workflow.call_is_open(call):
        raise ValidationError({"call": _("This call is not open for applications.")})
    organisation, _created = find_or_create_organisation(
        name=organisation_name, orgnr=orgnr, helix=helix, actor=actor
    )
    project = Project(
        programme=call.programme,
        call=call,
        created_by=actor,
        applicant=organisation,
        title=case.title[:300],
        description=clean_html(linebreaks(case.description, autoescape=True)),
    )
    project.full_clean(exclude=["reference"])
    for _attempt in range(5):
        project.reference = workflow.next_reference(call=call, programme=call.programme)
        try:
            with transaction.atomic():
                project.save()
            break
        except IntegrityError:
            project.pk = None
    else:
        raise ValidationError(_("Could not allocate a reference; try again."), code="reference")
    StatusChange.objects.create(
        project=project, from_status="", to_status="draft", actor=actor, note=_("From a help case")
    )
    audit.record(
        actor=actor,
        action="project.created",
        obj=project,
        changes={"reference": [None, project.reference], "help_case": [None, case.pk]},
    )
    case.project = project
    case.applicant_organisation = organisation
    case.save(update_fields=["project", "applicant_organisation", "updated"])
    audit.record(
        actor=actor,
        action="help_case.application_created",
        obj=case,
        changes={"project": [None, project.reference]},
    )
    if case.stage != Stage.APPLICATION:
        transition(
            case=case,
            to_stage=Stage.APPLICATION,
            actor=actor,
            note=_("Application %(reference)s created.") % {"reference": project.reference},
        )
    return project


# Routing rules ---------------------------------------------------------------------------------

RULE_FIELDS = [
    "name",
    "focus_area",
    "county",
    "kind",
    "priority",
    "target_cluster",
    "target_organisation",
    "active",
]


@transaction.atomic
def save_rule(
    *, actor: Any, rule: RoutingRule | None = None, data: Mapping[str, Any]
) -> RoutingRule:
    """Create or change a routing rule; cluster managers only for rules targeting their own
    clusters. Audit-logged. Raises PermissionDenied or ValidationError."""
    creating = rule is None
    if creating and not can_create_rule(actor):
        raise PermissionDenied
    if not creating and not can_manage_rule(actor, rule):
        raise PermissionDenied
    rule = rule or RoutingRule()
    before = {} if creating else audit.snapshot(rule, RULE_FIELDS)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if not can_manage_rule(actor, rule):
        raise PermissionDenied
    if (rule.target_cluster_id is None) == (rule.target_organisation_id is None):
        raise ValidationError(
            {"target_cluster": _("Choose either a cluster or an organisation to send cases to.")}
        )
    rule.full_clean()
    rule.save()
    changes = audit.diff(before, audit.snapshot(rule, RULE_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            action="routing_rule.created" if creating else "routing_rule.changed",
            obj=rule,
            changes=changes,
        )
    return rule


@transaction.atomic
def delete_rule(*, actor: Any, rule: RoutingRule) -> None:
    if not can_manage_rule(actor, rule):
        raise PermissionDenied
    audit.record(
        actor=actor,
        action="routing_rule.deleted",
        obj=rule,
        changes=audit.diff(audit.snapshot(rule, RULE_FIELDS), {}),
    )
    rule.delete()


# Report ----------------------------------------------------------------------------------------


@dataclass
class StageFigures:
    stage: str
    reached: int
    share: float | None  # of all cases
    share_of_previous: float | None
    stays: int  # completed stays in the stage
    median_days: float | None
    mean_days: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "reached": self.reached,
            "share": self.share,
            "share_of_previous": self.share_of_previous,
            "stays": self.stays,
            "median_days": self.median_days,
            "mean_days": self.mean_days,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def stage_figures(cases: QuerySet[HelpCase]) -> tuple[int, list[StageFigures], dict[str, int]]:
    """Time in each stage and conversion for the given cases.

    - Time in a stage: for every completed stay (entered by one transition, left by the next),
      the days between the two; median and mean over those stays. The current stay of an open
      case is not counted (it is not over).
    - Reached: cases whose history entered the stage or a later open stage (a case that skipped
      a stage has passed it); ``share`` of all cases, ``share_of_previous`` of those that reached
      the previous stage (none for "received" and "closed"); for "closed", the cases closed
      now.
    Returns (number of cases, figures per stage, closed cases per outcome).
    """
    ids = list(cases.values_list("pk", flat=True))
    history: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for case_id, to_stage, at in (
        CaseTransition.objects.filter(case__in=cases.values("pk"))
        .order_by("case_id", "at", "pk")
        .values_list("case_id", "to_stage", "at")
    ):
        history[case_id].append((to_stage, at))
    durations: dict[str, list[float]] = defaultdict(list)
    furthest: dict[int, int] = {}
    for case_id, steps in history.items():
        for (stage, entered), (_next, left) in pairwise(steps):
            if stage != Stage.CLOSED:
                durations[stage].append((left - entered).total_seconds() / 86400)
        positions = [STAGE_ORDER.index(s) for s, _at in steps if s in STAGE_ORDER]
        furthest[case_id] = max(positions, default=0)
    closed = dict(
        cases.filter(stage=Stage.CLOSED)
        .order_by()
        .values_list("outcome")
        .annotate(n=models.Count("pk"))
        .values_list("outcome", "n")
    )
    total = len(ids)
    figures: list[StageFigures] = []
    previous: int | None = None
    for position, stage in enumerate([*STAGE_ORDER, Stage.CLOSED]):
        if stage == Stage.CLOSED:
            reached = sum(closed.values())
        else:
            reached = sum(1 for case_id in ids if furthest.get(case_id, 0) >= position)
        days = durations.get(stage, [])
        figures.append(
            StageFigures(
                stage=stage,
                reached=reached,
                share=_round(reached / total) if total else None,
                share_of_previous=(
                    _round(reached / previous) if previous and stage != Stage.CLOSED else None
                ),
                stays=len(days),
                median_days=_round(statistics.median(days)) if days else None,
                mean_days=_round(statistics.fmean(days)) if days else None,
            )
        )
        previous = reached
    return total, figures, {k: v for k, v in closed.items() if k}


def report(*, user: Any = None, cluster: Cluster | None = None) -> list[dict[str, Any]]:
    """The stage report per cluster (cases handled by that cluster), plus all cases together
    when no cluster is asked for. ``user`` None (the command line) sees every cluster; a cluster
    manager sees their own clusters; platform admins all."""
    clusters = Cluster.objects.order_by("name")
    if cluster is not None:
        clusters = clusters.filter(pk=cluster.pk)
    elif user is not None and not roles.is_platform_admin(user):
        clusters = clusters.filter(pk__in=roles.managed_cluster_ids(user))
    else:
        clusters = clusters.filter(help_cases__isnull=False).distinct()
    groups = []
    for item in clusters:
        total, figures, outcomes = stage_figures(HelpCase.objects.filter(assigned_cluster=item))
        groups.append(
            {
                "cluster": item.slug,
                "name": item.name,
                "cases": total,
                "stages": [f.as_dict() for f in figures],
                "outcomes": outcomes,
            }
        )
    if cluster is None and (user is None or roles.is_platform_admin(user)):
        total, figures, outcomes = stage_figures(HelpCase.objects.all())
        groups.append(
            {
                "cluster": None,
                "name": _("All cases"),
                "cases": total,
                "stages": [f.as_dict() for f in figures],
                "outcomes": outcomes,
            }
        )
    return groups
