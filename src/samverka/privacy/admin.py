import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from samverka.core import roles
from samverka.privacy.models import Consent, Erasure
from samverka.privacy.services import export_personal_data


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

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="privacy_consent_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Platform admins download everything stored about an address (``samverka gdpr
        export`` as a page)."""
        if not roles.is_platform_admin(request.user):
            raise PermissionDenied
        email = (request.GET.get("email") or "").strip()
        error = ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error = _("Not an email address.")
            else:
                data = export_personal_data(email)
                response = HttpResponse(
                    json.dumps(data, ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8",
                )
                response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export personal data"),
            "email": email,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/privacy/export.html", context)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "reference"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "at", "reference", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
