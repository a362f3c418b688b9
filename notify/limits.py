"""Per-destination limits, counted in PostgreSQL: the rows of notify.Allowance, so nothing changes when Redis is
down. A phone number or e-mail address gets at most CONFIRMATIONS_PER_DAY confirmation links and "send my links
again" messages in any 24 hours, whoever asks and from wherever; what a resident asked for on a confirmed
subscription (status messages, acknowledgements) is not counted. The limits per client (reports.ratelimit, in
Redis) come on top, and still let requests through when Redis does not answer.
"""

import hashlib
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notify.models import Allowance

logger = logging.getLogger(__name__)
DAY = timedelta(days=1)


def digest(address):
    """The Allowance key of an address: HMAC-SHA256 with SECRET_KEY of its usual form (an e-mail address in lower
    case, a phone number as notify.channels.phone_number writes it). A new SECRET_KEY starts the counts afresh."""
    return hmac.new(settings.SECRET_KEY.encode(), address.strip().lower().encode(), hashlib.sha256).hexdigest()


def allow_message(address, now=None):
    """Count one confirmation or "send my links again" message to `address` and say whether it may go: True while
    fewer than CONFIRMATIONS_PER_DAY went there in the 24 hours before `now`.

    The check and the count are one step: the address's row is made if new (INSERT … ON CONFLICT DO NOTHING) and
    locked FOR UPDATE, so two requests at once cannot both take the last place. A refusal is counted nowhere and
    logged without the address. Call it inside the transaction that records the message, so a rollback gives the
    place back.
    """
    now = now or timezone.now()
    key = digest(address)
    with transaction.atomic():
        Allowance.objects.bulk_create([Allowance(digest=key)], ignore_conflicts=True)
        allowance = Allowance.objects.select_for_update().get(digest=key)
        recent = [moment for moment in allowance.sent if moment > now - DAY]
        if len(recent) >= settings.CONFIRMATIONS_PER_DAY:
            logger.warning("Message to one address refused: its daily limit is reached",
                           extra={"event": "destination_limited", "limit": settings.CONFIRMATIONS_PER_DAY})
            return False
        allowance.sent, allowance.last_sent = [*recent, now], now
        allowance.save(update_fields=["sent", "last_sent"])
    return True


def forget(now):
    """Rows of addresses nothing was counted for in the day before `now` (the nightly retention job). Returns how
    many."""
    return Allowance.objects.filter(Q(last_sent__lt=now - DAY) | Q(last_sent=None)).delete()[0]
