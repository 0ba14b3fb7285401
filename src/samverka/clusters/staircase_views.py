"""Pages of the cluster staircase: the public step and history, the managers' self-assessment.

The step reached and the history of steps are public; the answers, their evidence and the plan
for the next step are shown only to the cluster's managers and platform admins (a
self-assessment is candid, and the plan names what the cluster lacks).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverka.clusters import staircase_services as staircase
from samverka.clusters.models import Cluster
from samverka.clusters.staircase_forms import StaircaseAssessmentForm
from samverka.core import roles
from samverka.core.permissions import get_for_write


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, slug=slug)
    steps = staircase.load_steps()
    assessments = staircase.history(cluster=cluster)
    latest = assessments[-1] if assessments else None
    can_manage = roles.can_manage_cluster(request.user, cluster)
    context = {
        "cluster": cluster,
        "steps": steps,
        "assessments": list(reversed(assessments)),
        "latest": latest,
        "current": next((s for s in steps if latest and s.number == latest.step_reached), None),
        "chart": staircase.history_chart(cluster=cluster, assessments=assessments),
        "can_manage": can_manage,
    }
    if can_manage:
        scores = staircase.scores_of(latest) if latest else {}
        next_step, plan = staircase.plan_for_next_step(
            steps=steps, step_reached=(latest.step_reached or 0) if latest else 0, scores=scores
        )
        context.update(
            answers=list(latest.answers.select_related("criterion__step")) if latest else [],
            next_step=next_step,
            plan=plan,
            draft=staircase.open_draft(cluster=cluster),
        )
    return render(request, "clusters/staircase_overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_for_write(Cluster, roles.can_manage_cluster, request.user, slug=slug)
    steps = staircase.load_steps()
    criteria = [c for s in steps for c in s.criteria.all()]
    draft = staircase.open_draft(cluster=cluster)
    if draft is not None:
        answers = {a.criterion_id: a for a in draft.answers.all()}
        figures = {
            pk: (a.prefilled_value, a.prefilled_source)
            for pk, a in answers.items()
            if a.prefilled_value or a.prefilled_source
        }
    else:
        answers = {}
        figures = {
            pk: (m.value, m.source)
            for pk, m in staircase.prefill(cluster=cluster, criteria=criteria).items()
        }
    form = StaircaseAssessmentForm(
        request.POST or None,
        criteria=criteria,
        answers=answers,
        plan=draft.plan if draft else "",
    )
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            assessment = staircase.save_assessment(
                actor=request.user,
                cluster=cluster,
                answers=form.answers(),
                plan=form.cleaned_data["plan"],
                submit=submit,
            )
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            if submit:
                messages.success(
                    request,
                    _("Assessment submitted: step %(step)d reached.")
                    % {"step": assessment.step_reached},
                )
                return redirect("clusters:staircase", cluster.slug)
            messages.success(request, _("Draft saved."))
            return redirect("clusters:staircase-assess", cluster.slug)
    rows = form.rows()
    for row in rows:
        row["figure"] = figures.get(row["criterion"].pk)
    by_step = [
        {"step": step, "rows": [r for r in rows if r["criterion"].step_id == step.pk]}
        for step in steps
    ]
    return render(
        request,
        "clusters/staircase_assess.html",
        {"cluster": cluster, "form": form, "by_step": by_step, "draft": draft},
    )
