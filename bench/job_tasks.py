"""The benchmark's tasks, loaded by its worker (`run_worker --tasks bench.job_tasks`)."""

from jobs.queue import task


@task("bench.noop")
@task("bench.late")
def noop(n=0):
    """Nothing: what is measured is the queue's own cost per job (`bench.late`: those enqueued during an outage)."""
