"""Admin views of needs, offers and expressions of interest."""

from django.contrib import admin

from samverka.matchmaking.models import Interest, Need, Offer


class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "county", "expires_on", "visibility"]
    list_filter = ["kind", "visibility", "county"]
    search_fields = ["title", "owner__name"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["focus_areas"]
    readonly_fields = ["created_by"]


admin.site.register(Need, ListingAdmin)
admin.site.register(Offer, ListingAdmin)


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["need", "offer", "introduced_at", "outcome", "outcome_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["need", "offer", "created_by"]
