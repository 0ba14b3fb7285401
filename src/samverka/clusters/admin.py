from django.contrib import admin

from samverka.clusters.models import Cluster, Membership


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
