"""Messages from WhatsApp's webhook (notify.views.whatsapp_webhook, signature checked) into the conversations:
each kept once by its WhatsApp id, and the conversation's job (chat.tasks.answer) queued to answer at once."""

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.models import Conversation, Inbound
from jobs.queue import enqueue


def content_of(message):
    """(kind, content) of one message as the webhook gives it: what the conversation reads, nothing else."""
    kind = str(message.get("type", ""))[:20]
    if kind == "text":
        return kind, {"text": str((message.get("text") or {}).get("body", ""))[:4096]}
    if kind == "button":  # a quick-reply button of a template: its text is the answer
        return "text", {"text": str((message.get("button") or {}).get("text", ""))[:200]}
    if kind == "interactive":
        reply = (message.get("interactive") or {})
        chosen = reply.get("list_reply") or reply.get("button_reply") or {}
        return "text", {"text": str(chosen.get("id", ""))[:200]}
    if kind == "location":
        where = message.get("location") or {}
        try:
            lat, lon = float(where["latitude"]), float(where["longitude"])
        except (KeyError, TypeError, ValueError):
            return "unreadable", {}
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return "unreadable", {}
        return kind, {"lat": lat, "lon": lon}
    if kind == "image":
        return kind, {"media_id": str((message.get("image") or {}).get("id", ""))[:200]}
    return kind or "unreadable", {}


def parse(message):
    """(phone, wamid, sent_at) of a message, or None when it is not one we can answer."""
    if not isinstance(message, dict):
        return None
    phone, wamid = str(message.get("from", "")), str(message.get("id", ""))
    try:
        sent_at = datetime.fromtimestamp(int(message.get("timestamp")), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if not phone.isdigit() or not 8 <= len(phone) <= 20 or not wamid or len(wamid) > 200:
        return None
    return phone, wamid, min(sent_at, timezone.now())


def receive(messages):
    """Keep each message not seen before (its id is unique: a replayed webhook adds nothing) and queue its
    conversation's answer. The number's last message time opens WhatsApp's 24-hour window (chat.models). Returns
    how many were new."""
    new = 0
    for message in messages:
        parsed = parse(message)
        if parsed is None:
            continue
        phone, wamid, sent_at = parsed
        kind, content = content_of(message)
        with transaction.atomic():
            Conversation.objects.get_or_create(phone=phone)
            # Locked till this commits: the job looking for its last message waits for it (chat.tasks.waiting).
            conversation = Conversation.objects.select_for_update().get(phone=phone)
            _inbound, created = Inbound.objects.get_or_create(
                wamid=wamid, defaults={"conversation": conversation, "sent_at": sent_at, "kind": kind,
                                       "content": content})
            if not created:
                continue
            Conversation.objects.filter(pk=conversation.pk).filter(
                Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=sent_at)).update(last_inbound_at=sent_at)
            enqueue("chat.answer", key=f"chat.answer:{conversation.pk}", conversation_id=conversation.pk)
            new += 1
    return new
