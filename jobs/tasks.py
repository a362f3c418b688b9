"""The queue's own upkeep."""

from datetime import time, timedelta

from django.conf import settings
from django.utils import timezone

from jobs.models import Job
from jobs.queue import enqueue, task


@task("jobs.prune_done", daily_at=time(2, 30))
def prune_done(batch=10_000):
    """Done jobs older than JOBS_KEEP_DAYS go (failed ones stay for an administrator), a batch per job: each
    batch its own short transaction, the next enqueued while a batch was full."""
    before = timezone.now() - timedelta(days=settings.JOBS_KEEP_DAYS)
    old = Job.objects.filter(state=Job.State.DONE, created__lt=before).values_list("pk", flat=True)[:batch]
    if Job.objects.filter(pk__in=list(old)).delete()[0] == batch:
        enqueue("jobs.prune_done", batch=batch)
