"""A job: one call of a registered task, waiting, running, done or failed (jobs/queue.py runs them)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    task = models.CharField(_("task"), max_length=100)
    # Ids and plain values only, never personal data: a job is read by whoever runs the worker.
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    # Not before this moment: the backoff of a retry, or a periodic job's next run.
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set for jobs that must wait only once at a time (a periodic task, a recount): one queued job per key.
    key = models.CharField(_("key"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            # The worker's claim: the queued job due first (partial: done jobs, most of the table, stay out).
            models.Index(fields=["run_at", "id"], name="jobs_due", condition=models.Q(state="queued")),
            # The admin's lists by state, newest first, and the pruning of old done jobs.
            models.Index(fields=["state", "-created"], name="jobs_state_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=models.Q(state="queued") & ~models.Q(key=""),
                                    name="jobs_one_queued_per_key"),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"
