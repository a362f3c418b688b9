from django.contrib import admin

from config.admin import AdministratorsOnly
from notify.models import FixAnswer, Message, Subscription


class ReadAndDelete(AdministratorsOnly, admin.ModelAdmin):
    """Residents' subscriptions hold their addresses: administrators only, to read and delete, never to add."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadAndDelete):
    list_display = ["pk", "role", "channel", "report", "kelurahan", "language", "confirmed_at", "stopped_at",
                    "created"]
    list_filter = ["role", "channel", "language"]
    raw_id_fields = ["report"]


@admin.register(Message)
class MessageAdmin(ReadAndDelete):
    list_display = ["pk", "channel", "state", "subscription", "created", "updated", "error"]
    list_filter = ["channel", "state"]
    show_full_result_count = False


@admin.register(FixAnswer)
class FixAnswerAdmin(ReadAndDelete):
    list_display = ["report", "fixed", "rating", "created"]
    list_filter = ["fixed", "rating"]
    raw_id_fields = ["report", "change", "subscription"]
