"""A job: one call of a registered task, waiting, running, done or failed (jobs/queue.py runs them); and a
breaker per outside system (jobs/breakers.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    task = models.CharField(_("task"), max_length=100)
    # Which workers take it (jobs.queue.QUEUES): residents' messages never wait behind a partner's slow answer.
    queue_name = models.CharField(_("queue"), max_length=20, default="default")
    # Ids and plain values only, never personal data: a job is read by whoever runs the worker.
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    # Not before this moment: the backoff of a retry, or a periodic job's next run.
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set for jobs that must wait only once at a time (a periodic task, a recount): one queued job per key.
    key = models.CharField(_("key"), max_length=200, blank=True)
    # The running claim: only the worker holding it records the outcome (one whose claim was taken over cannot).
    claim = models.UUIDField(_("claim"), null=True, blank=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            # The worker's claim: a queue's queued job due first (partial: done jobs, most of the table, stay out).
            models.Index(fields=["queue_name", "run_at", "id"], name="jobs_due_by_queue",
                         condition=models.Q(state="queued")),
            # /healthz's oldest wait over every queue.
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


class Breaker(models.Model):
    """One outside system as the jobs see it (LAPOR!, a partner, the geocoder, the phone gateway): after
    BREAKER_FAILURES failures in a row it is open, and its calls wait for one probe each BREAKER_PROBE_S."""

    destination = models.CharField(_("system"), max_length=100, unique=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    opened_at = models.DateTimeField(_("open since"), null=True, blank=True)
    probe_at = models.DateTimeField(_("next probe"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["destination"]
        verbose_name = _("circuit breaker")
        verbose_name_plural = _("circuit breakers")

    def __str__(self):
        return self.destination
