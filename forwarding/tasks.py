"""Forwarding's background work, run by `manage.py run_worker` (jobs/queue.py)."""

from datetime import timedelta

from django.conf import settings

from forwarding import delivery, inbound, partners
from jobs.queue import task


# Never given up on: a system down for days gets its reports when it is back. Between tries at most a
# minute, so a system that returns gets them within a minute (and all at once: delivery.answered).
@task(delivery.TASK, max_attempts=1_000_000, longest_retry=60)
def deliver(forwarding_id, link_id, probe=False):
    delivery.deliver(forwarding_id, probe)


@task("forwarding.check_links", every=timedelta(seconds=60))
def check_links():
    delivery.check_links()


@task("forwarding.lapor_pull", every=timedelta(seconds=settings.LAPOR_PULL_SECONDS))
def lapor_pull():
    inbound.pull()


@task(inbound.IMPORT_TASK)
def lapor_import(disposition_id):
    inbound.import_disposition(disposition_id)


@task("forwarding.open311_poll", every=timedelta(seconds=settings.OPEN311_PARTNER_POLL_SECONDS))
def open311_poll():
    partners.poll()
