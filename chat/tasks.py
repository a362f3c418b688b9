"""The conversations' background work on the `messages` queue: answer what residents wrote, at once (no quiet
hours: they just wrote), and forget chat data past its time (privacy.retention calls `forget`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat import conversation as steps
from chat.models import Conversation, Inbound, Reply
from config import locks
from jobs import breakers
from jobs.queue import Defer, task
from notify import channels
from reports import photos

logger = logging.getLogger(__name__)


@task("chat.answer", queue_name="messages", longest_retry=300)
def answer(conversation_id):
    """Answer a conversation's waiting messages, oldest first by WhatsApp's timestamp (a webhook that came late is
    answered in its place), then send the replies. One job per conversation at a time (its advisory lock). Each
    message's answer is one transaction (state, replies, filing) taken only while the message is still waiting: a
    retried job never answers twice. The photo is fetched before, the replies sent after, with no transaction open.
    A WhatsApp that may answer later fails the job, which is retried; the message or reply waits till then."""
    with locks.held("chat.answer", conversation_id) as mine:
        if not mine:
            raise Defer(timezone.now() + timedelta(seconds=2), "another answer of it is under way")
        send_replies(conversation_id)  # any left by a failed try first, in order
        while message := waiting(conversation_id):
            photo = fetched_photo(Conversation.objects.get(pk=conversation_id), message)
            with transaction.atomic():
                conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
                if Inbound.objects.filter(pk=message.pk, handled_at__isnull=True).update(
                        handled_at=timezone.now()):
                    texts = steps.respond(conversation, message, photo)
                    conversation.save()
                    Reply.objects.bulk_create([Reply(conversation=conversation, text=text) for text in texts])
            send_replies(conversation_id)


def waiting(conversation_id):
    """The conversation's oldest message not yet answered, or None. Read under the conversation's row lock, which
    the webhook holds while it adds a message (chat.intake.receive): a message whose webhook had found this job
    still queued, and so queued no other, is committed before the job can find nothing and end."""
    with transaction.atomic():
        Conversation.objects.select_for_update().filter(pk=conversation_id).exists()
        return Inbound.objects.filter(conversation_id=conversation_id, handled_at__isnull=True).first()


def fetched_photo(conversation, message):
    """What an image sent while a photo is asked for gives: a checked, stripped reports.photos.ProcessedPhoto, or
    the text saying why not. None for anything else."""
    if message.kind != "image" or conversation.state != Conversation.State.PHOTO or conversation.stopped_at:
        return None
    with translation.override(conversation.language):
        try:
            with breakers.guard("whatsapp", failures=(channels.Temporary,)):
                content = channels.fetch_whatsapp_media(message.content.get("media_id", ""))
        except channels.Permanent as error:
            logger.warning("Photo not fetched: %s", error, extra={"event": "chat_photo_refused"})
            if str(error).startswith("too large"):
                return _("%(photo)s is larger than 10 MB.") % {"photo": _("The photo")}
            return _("That photo could not be fetched from WhatsApp; please send it again.")
        upload = ContentFile(content, name="whatsapp.jpg")
        try:
            return photos.process(upload, _("The photo"))
        except ValidationError as error:
            return " ".join(error.messages)


def send_replies(conversation_id):
    """Send the conversation's replies not yet sent, in order. A refusal marks the reply (never sent again); a
    WhatsApp down fails the job, and the replies wait for its retry."""
    phone = Conversation.objects.values_list("phone", flat=True).get(pk=conversation_id)
    for reply in Reply.objects.filter(conversation_id=conversation_id, sent_at__isnull=True, error=""):
        try:
            with breakers.guard("whatsapp", failures=(channels.Temporary,)):
                external_id = channels.send_whatsapp_text(phone, reply.text)
        except channels.Permanent as error:
            Reply.objects.filter(pk=reply.pk).update(error=str(error)[:500])
            logger.warning("Chat reply refused: %s", error, extra={"event": "chat_reply_refused"})
            continue
        Reply.objects.filter(pk=reply.pk).update(sent_at=timezone.now(), external_id=external_id)


def forget(now, keep=timedelta(days=30)):
    """What the chat keeps past its use (privacy.retention, nightly): messages and replies older than `keep`; the
    answers and photo of a conversation left unfinished for a day (or CHAT_IDLE_MINUTES, if longer: the resident
    who writes again till then hears that it expired); and the number of a conversation idle for `keep`, unless
    its resident said STOP (kept so that nothing goes to it). Returns how many rows went."""
    gone = Inbound.objects.filter(created__lt=now - keep).delete()[0]
    gone += Reply.objects.filter(created__lt=now - keep).delete()[0]
    unfinished = now - max(timedelta(days=1), timedelta(minutes=settings.CHAT_IDLE_MINUTES))
    Conversation.objects.exclude(state=Conversation.State.IDLE).filter(active_at__lt=unfinished).update(
        state=Conversation.State.IDLE, answers={}, photo=None, thumbnail=None)
    gone += Conversation.objects.filter(stopped_at__isnull=True, last_inbound_at__lt=now - keep).delete()[0]
    return gone
