from django.contrib import admin
from django.http import HttpRequest

from samverka.privacy.models import Consent, Erasure


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["email", "purpose", "version", "source", "given_at", "withdrawn_at"]
    list_filter = ["purpose", "source"]
    search_fields = ["email"]
    date_hierarchy = "given_at"
    readonly_fields = [
        "email",
        "person",
        "purpose",
        "subject_type",
        "subject_id",
        "text",
        "version",
        "source",
        "given_at",
        "withdrawn_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "reference"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "at", "reference", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
