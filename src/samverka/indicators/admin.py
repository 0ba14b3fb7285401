"""Admin of the indicator database: indicators and area groups are editable; values and their
revisions are read-mostly (they come from imports, which keep the revision history and the audit
trail, so the admin does not edit figures)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from samverka.indicators.models import AreaGroup, Indicator, Value, ValueRevision


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name_sv", "unit", "source", "aggregation", "gender_split", "is_demo")
    list_filter = ("source", "aggregation", "gender_split", "is_demo")
    search_fields = ("code", "name_sv", "name_en", "definition", "source_reference")
    readonly_fields = ("is_demo", "created", "updated")
    autocomplete_fields = ("numerator", "denominator")


@admin.register(AreaGroup)
class AreaGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("areas",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ValueRevisionInline(admin.TabularInline):
    model = ValueRevision
    extra = 0
    can_delete = False
    readonly_fields = ("old_value", "new_value", "old_source", "changed_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Value)
class ValueAdmin(ReadOnlyAdmin):
    list_display = (
        "indicator",
        "area",
        "period",
        "gender",
        "value",
        "status",
        "derived",
        "revised",
    )
    list_filter = ("derived", "revised", "gender", "area__kind", "indicator")
    search_fields = ("indicator__code", "area__code", "area__name", "period")
    list_select_related = ("indicator", "area")
    show_full_result_count = False  # COUNT(*) over millions of values on every page is slow
    inlines = [ValueRevisionInline]


@admin.register(ValueRevision)
class ValueRevisionAdmin(ReadOnlyAdmin):
    list_display = ("value", "old_value", "new_value", "old_source", "changed_at")
    list_select_related = ("value", "value__indicator")
    date_hierarchy = "changed_at"
    search_fields = ("value__indicator__code", "value__area__code")
