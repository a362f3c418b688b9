"""The reports' background work, run by `manage.py run_worker` (jobs/queue.py)."""

from geo import geocoding
from jobs.queue import task
from reports.models import Report


@task("reports.fill_address")
def fill_address(report_id):
    """Replace the kelurahan address with the geocoder's street address, when it knows one. A geocoder that does
    not answer fails the job, which is retried later (reports.services.geocode_later enqueues it)."""
    point = Report.objects.values_list("location", flat=True).get(pk=report_id)
    if address := geocoding.reverse(point.y, point.x):
        Report.objects.filter(pk=report_id).update(address=address[:300])
