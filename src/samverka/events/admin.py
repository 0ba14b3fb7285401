"""Admin of events: read and tidy up; editors use the event pages, which keep SEQUENCE and the
audit log right."""

from django.contrib import admin

from samverka.events.models import CalendarSource, Event, EventOverride, EventShare, Registration


class EventOverrideInline(admin.TabularInline):
    model = EventOverride
    extra = 0


class EventShareInline(admin.TabularInline):
    model = EventShare
    extra = 0
    fields = ["cluster", "message", "forwarded_at"]
    readonly_fields = ["forwarded_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "start", "event_type", "host", "status", "visibility", "is_demo"]
    list_filter = ["status", "event_type", "visibility", "is_demo"]
    search_fields = ["title", "uid"]
    date_hierarchy = "start"
    readonly_fields = ["uid", "sequence", "last_modified", "created_by"]
    filter_horizontal = ["organisers", "focus_areas"]
    raw_id_fields = ["source"]
    inlines = [EventOverrideInline, EventShareInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "status", "attended", "created"]
    list_filter = ["status", "attended", "gender"]
    search_fields = ["name", "email", "event__title"]
    raw_id_fields = ["event", "organisation", "person", "user"]
    readonly_fields = ["token", "consent_at", "promoted_at", "cancelled_at", "checked_in_at"]


@admin.register(CalendarSource)
class CalendarSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "cluster", "active", "last_success", "consecutive_failures"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
