from django.contrib import admin

from samverka.clusters.models import (
    Cluster,
    CriterionAnswer,
    MaturityCriterion,
    MaturityStep,
    Membership,
    StaircaseAssessment,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["organisation"]
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "in_national_network", "is_demo"]
    list_filter = ["in_national_network", "regions", "is_demo"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["regions", "focus_areas", "managers"]
    inlines = [MembershipInline]


# The cluster staircase: platform admins edit the steps and criteria; assessments are read here
# and written through the self-assessment page (which checks roles and keeps the audit log).


class MaturityCriterionInline(admin.StackedInline):
    model = MaturityCriterion
    extra = 0
    fields = ["code", "position", "measure", "text_sv", "text_en", "action_sv", "action_en"]


@admin.register(MaturityStep)
class MaturityStepAdmin(admin.ModelAdmin):
    list_display = ["number", "name_sv", "name_en"]
    inlines = [MaturityCriterionInline]


@admin.register(MaturityCriterion)
class MaturityCriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "step", "position", "measure"]
    list_filter = ["step", "measure"]
    search_fields = ["code", "text_sv", "text_en"]


class CriterionAnswerInline(admin.TabularInline):
    model = CriterionAnswer
    extra = 0
    can_delete = False
    fields = ["criterion", "score", "prefilled_value", "confirmed", "evidence", "links"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(StaircaseAssessment)
class StaircaseAssessmentAdmin(admin.ModelAdmin):
    list_display = ["cluster", "status", "step_reached", "submitted_at", "assessor", "reminded_at"]
    list_filter = ["status", "step_reached"]
    search_fields = ["cluster__name"]
    readonly_fields = [
        "cluster",
        "assessor",
        "status",
        "submitted_at",
        "step_reached",
        "plan",
        "reminded_at",
    ]
    inlines = [CriterionAnswerInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
