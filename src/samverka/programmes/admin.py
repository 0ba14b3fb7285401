from django.contrib import admin

from samverka.programmes.models import (
    Assessment,
    Call,
    CallCriterion,
    FinancingLine,
    FollowUpReport,
    Measure,
    MeasureGoal,
    PriorityArea,
    Programme,
    Project,
    Score,
    SelectionCriterion,
    StatedFigure,
    StatusChange,
)


class PriorityAreaInline(admin.TabularInline):
    model = PriorityArea
    extra = 0
    fields = ["number", "name"]


class SelectionCriterionInline(admin.TabularInline):
    model = SelectionCriterion
    extra = 0
    fields = ["position", "name", "weight"]


class StatedFigureInline(admin.TabularInline):
    model = StatedFigure
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "start_year", "end_year", "owner", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["is_demo"]
    inlines = [PriorityAreaInline, SelectionCriterionInline, StatedFigureInline]


class MeasureGoalInline(admin.TabularInline):
    model = MeasureGoal
    extra = 0
    fields = ["position", "text", "deadline_year"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "programme", "priority_area", "parent"]
    list_filter = ["programme"]
    search_fields = ["code", "name"]
    list_select_related = ["programme", "priority_area", "parent"]
    raw_id_fields = ["priority_area", "parent"]
    inlines = [MeasureGoalInline]


@admin.register(MeasureGoal)
class MeasureGoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "measure", "deadline_year"]
    list_filter = ["measure__programme", "deadline_year"]
    search_fields = ["text", "measure__code"]
    list_select_related = ["measure"]
    raw_id_fields = ["measure"]


@admin.register(SelectionCriterion)
class SelectionCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "weight", "position"]
    list_filter = ["programme"]
    search_fields = ["name"]


@admin.register(StatedFigure)
class StatedFigureAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "programme",
        "metric",
        "category",
        "year_from",
        "year_to",
        "amount_sek",
        "tolerance_sek",
    ]
    list_filter = ["programme", "metric", "category"]


class CallCriterionInline(admin.TabularInline):
    model = CallCriterion
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "opens", "closes", "published"]
    list_filter = ["programme", "published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["measures", "assessors"]
    inlines = [CallCriterionInline]


class FinancingLineInline(admin.TabularInline):
    model = FinancingLine
    extra = 0
    autocomplete_fields = ["financier"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]
    can_delete = False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "programme", "applicant", "status", "is_demo"]
    list_filter = ["programme", "status", "is_demo"]
    search_fields = ["reference", "title", "applicant__name"]
    list_select_related = ["programme", "applicant"]
    autocomplete_fields = ["applicant", "partners", "municipalities"]
    filter_horizontal = ["measures"]
    readonly_fields = ["is_demo", "submitted_at", "decided_at", "decided_by", "created_by"]
    inlines = [FinancingLineInline, StatusChangeInline]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["project", "assessor", "conflict_of_interest", "submitted_at"]
    list_filter = ["conflict_of_interest", "project__programme"]
    search_fields = ["project__reference", "assessor__username"]
    list_select_related = ["project", "assessor"]
    raw_id_fields = ["project"]
    inlines = [ScoreInline]


@admin.register(FollowUpReport)
class FollowUpReportAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "due_date", "submitted_at"]
    list_filter = ["kind"]
    search_fields = ["project__reference"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
