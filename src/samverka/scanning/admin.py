from django.contrib import admin

from samverka.scanning.models import FeedSource, Folder, TagRule


@admin.register(TagRule)
class TagRuleAdmin(admin.ModelAdmin):
    list_display = ["focus_area", "keywords"]


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "cluster", "url", "last_success", "consecutive_failures"]
    list_filter = ["cluster", "active"]
    search_fields = ["name", "url"]
    filter_horizontal = ["shared_with", "focus_areas"]


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name", "cluster"]
