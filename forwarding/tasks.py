"""Forwarding's background work, run by `manage.py run_worker` (jobs/queue.py) on the `partners` queue: a slow
LAPOR! or partner keeps no resident's message waiting."""

from datetime import timedelta

from django.conf import settings

from forwarding import delivery, inbound, partners
from jobs.queue import task


# Never given up on: a system down for days gets its reports when it is back. Between tries at most a
# minute, so a system that returns gets them within a minute (and all at once: delivery.answered).
@task(delivery.TASK, max_attempts=1_000_000, longest_retry=60, queue_name="partners")
def deliver(forwarding_id, link_id, probe=False):
    delivery.deliver(forwarding_id, probe)


@task("forwarding.check_links", every=timedelta(seconds=60), queue_name="partners")
def check_links():
    delivery.check_links()


@task("forwarding.lapor_pull", every=timedelta(seconds=settings.LAPOR_PULL_SECONDS), queue_name="partners")
def lapor_pull():
    inbound.pull()


@task(inbound.IMPORT_TASK, queue_name="partners")
def lapor_import(disposition_id):
    inbound.import_disposition(disposition_id)


@task("forwarding.open311_poll", every=timedelta(seconds=settings.OPEN311_PARTNER_POLL_SECONDS),
      queue_name="partners", atomic=True)
def open311_poll():
    partners.poll()


@task(partners.READ_TASK, queue_name="partners")
def open311_read(forwarding_id):
    """One request's status (a partner that does not answer is asked again at the next poll)."""
    partners.read_back(forwarding_id)
