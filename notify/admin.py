from django.contrib import admin

from audit.admin import Audited
from config.admin import AdministratorsOnly, DeclaredLookupsOnly
from notify.models import FixAnswer, Message, Subscription, SurveyAnswer


class ReadAndDelete(DeclaredLookupsOnly, AdministratorsOnly, Audited, admin.ModelAdmin):
    """Residents' subscriptions hold their addresses: administrators only, to read and delete (each deletion in the
    audit trail), never to add."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadAndDelete):
    """The address (e-mail, phone number, push endpoint) and the browser's keys are on no admin page: the pages
    a resident's own links open show and end a subscription, and nothing here would log a reading."""

    list_display = ["id", "role", "channel", "report", "kelurahan", "language", "confirmed_at", "stopped_at",
                    "created"]
    list_filter = ["role", "channel", "language"]
    exclude = ["address", "push_keys"]
    raw_id_fields = ["report"]


@admin.register(Message)
class MessageAdmin(ReadAndDelete):
    list_display = ["id", "channel", "state", "subscription", "created", "updated", "error"]
    list_filter = ["channel", "state"]
    show_full_result_count = False


@admin.register(FixAnswer)
class FixAnswerAdmin(ReadAndDelete):
    list_display = ["report", "fixed", "rating", "created"]
    list_filter = ["fixed", "rating"]
    raw_id_fields = ["report", "change", "subscription"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadAndDelete):
    """An answer is deleted here (a survey filled in abusively); the figures are on /statistik/ikm/."""

    list_display = ["report", "created", "u1", "u2", "u3", "u5", "u6", "u7", "u8", "u9"]
    raw_id_fields = ["report"]
