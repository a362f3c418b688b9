"""The nightly retention job."""

import logging
from datetime import time

from django.utils import timezone

from chat import tasks as chat_tasks
from jobs.queue import task
from notify import limits
from privacy import retention

logger = logging.getLogger(__name__)


@task("privacy.retention", daily_at=time(3, 45))
def apply_retention():
    """Erase what has been kept long enough (privacy.retention); the log says how much, never whose."""
    now = timezone.now()
    counts = {"contacts": retention.erase_closed_contacts(now), "ip_addresses": retention.forget_ip_addresses(now),
              "photos": retention.remove_hidden_photos(now), "documents": retention.remove_documents(now),
              "subscriptions": retention.end_unconfirmed_subscriptions(now), "message_counts": limits.forget(now),
              "chat": chat_tasks.forget(now)}
    logger.info("Retention applied", extra={"event": "retention", **counts})
    return counts
