"""The queue's own upkeep."""

from datetime import time, timedelta

from django.conf import settings
from django.utils import timezone

from jobs.models import Job
from jobs.queue import task


@task("jobs.prune_done", daily_at=time(2, 30))
def prune_done(batch=10_000):
    """Done jobs older than JOBS_KEEP_DAYS go, a batch at a time (failed ones stay for an administrator)."""
    before = timezone.now() - timedelta(days=settings.JOBS_KEEP_DAYS)
    while True:
        old = Job.objects.filter(state=Job.State.DONE, created__lt=before).values_list("pk", flat=True)[:batch]
        if not Job.objects.filter(pk__in=list(old)).delete()[0]:
            return
