"""Admin of newsletters: mostly for looking; composing and sending happen on the site's pages."""

from django.contrib import admin

from samverka.newsletters.models import Delivery, Issue, Newsletter, Subscription, Suppression


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "cluster"]
    search_fields = ["name", "slug"]
    list_select_related = ["cluster"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["subject", "newsletter", "status", "sent_at"]
    list_filter = ["status", "newsletter"]
    readonly_fields = ["status", "send_started_at", "sent_at", "created_by"]
    list_select_related = ["newsletter"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "newsletter", "status", "consent_at", "confirmed_at"]
    list_filter = ["status", "newsletter"]
    search_fields = ["email", "name"]
    readonly_fields = ["consent_text", "consent_at", "confirmed_at", "unsubscribed_at"]
    list_select_related = ["newsletter"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "created"]
    search_fields = ["email"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["email", "issue", "status", "sent_at", "attempts"]
    list_filter = ["status"]
    search_fields = ["email"]
    list_select_related = ["issue"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
