from django.contrib import admin

from chat.models import Conversation
from notify.admin import ReadAndDelete


@admin.register(Conversation)
class ConversationAdmin(ReadAndDelete):
    """Administrators see where conversations stand and delete one (a resident's request to be forgotten, audited);
    the number, the answers, the photo and the messages are on no admin page."""

    list_display = ["id", "state", "language", "last_inbound_at", "active_at", "stopped_at", "report", "created"]
    list_filter = ["state", "language"]
    exclude = ["phone", "answers", "photo", "thumbnail"]
    raw_id_fields = ["report"]
    show_full_result_count = False
