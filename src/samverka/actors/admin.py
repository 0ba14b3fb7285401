from django.contrib import admin

from samverka.actors.models import FocusArea, Organisation, Person, Relation


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["name_sv", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_sv"]}
    search_fields = ["name_sv", "name_en"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "orgnr", "helix", "municipality", "is_demo", "updated"]
    list_filter = ["helix", "is_demo", "focus_areas"]
    search_fields = ["name", "orgnr"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["focus_areas"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "organisation",
        "gender",
        "newsletter_consent",
        "listing_consent",
    ]
    list_filter = ["gender", "newsletter_consent", "listing_consent"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    readonly_fields = ["newsletter_consent_at", "listing_consent_at"]


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target", "since"]
    list_filter = ["kind"]
    autocomplete_fields = ["source", "target"]
