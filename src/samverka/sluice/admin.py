from django.contrib import admin

from samverka.sluice.models import CaseNote, CaseTransition, HelpCase, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "priority",
        "focus_area",
        "county",
        "kind",
        "target_cluster",
        "active",
    ]
    list_filter = ["active", "kind"]


class TransitionInline(admin.TabularInline):
    model = CaseTransition
    extra = 0


class NoteInline(admin.TabularInline):
    model = CaseNote
    extra = 0


@admin.register(HelpCase)
class HelpCaseAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation_name", "stage", "assigned_cluster", "created"]
    list_filter = ["stage", "kind"]
    search_fields = ["title", "organisation_name", "email"]
    readonly_fields = ["token", "consent_text", "consent_version", "consent_at"]
    inlines = [TransitionInline, NoteInline]
